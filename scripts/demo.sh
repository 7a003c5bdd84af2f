#!/usr/bin/env bash
# The main job: create a container from a template on the default local storage, start it,
# hotplug a mount point into it, and show its status. Runs in its own root (BERTH_DEMO_ROOT) so it
# never touches containers you manage under /etc/berth; re-running replaces the demo container.
set -euo pipefail
cd "$(dirname "$0")/.."
root=${BERTH_DEMO_ROOT:-/var/lib/berth-demo}
vmid=${BERTH_DEMO_VMID:-100}
berth() { bin/berth --root "$root" "$@"; }
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

if berth config "$vmid" >/dev/null 2>&1; then
    step "removing the previous demo container $vmid"
    berth stop "$vmid" >/dev/null 2>&1 || true
    berth destroy "$vmid" --purge
fi
step "berth daemon start   (berthd: commands and LXC hooks then skip the JVM start)"
berth daemon start
step "building a busybox template from the host's busybox-static"
tmpl=$(berth template build busybox | tail -n 1)
echo "$tmpl"
step "berth create $vmid $tmpl --rootfs local:1 --hostname demo --memory 256"
berth create "$vmid" "$tmpl" --rootfs local:1 --hostname demo --memory 256
step "berth start $vmid"
berth start "$vmid"
share=$root/share
mkdir -p "$share"
echo "hello from the host" > "$share/hello.txt"
step "berth set $vmid --mp0 $share,mp=/mnt/share   (hotplug into the running container)"
berth set "$vmid" --mp0 "$share,mp=/mnt/share"
berth exec "$vmid" -- cat /mnt/share/hello.txt
step "berth status $vmid"
berth status "$vmid"
step "berth list"
berth list
echo
echo "The demo container keeps running. Try: bin/berth --root $root enter $vmid"
echo "Remove it with: bin/berth --root $root stop $vmid && bin/berth --root $root destroy $vmid --purge"
echo "and stop berthd with: bin/berth --root $root daemon stop"
