#!/usr/bin/env bash
# Installs the Debian packages Berth needs (idempotent: apt is skipped when all are present).
set -euo pipefail
# lxc-templates: the per-distribution includes (/usr/share/lxc/config/<ostype>.common.conf) every rendered config
# of a distro container names; openssh-client: ssh-keygen checks --ssh-public-keys;
# gcc/libc6-dev build berth-client (the native berthd client);
# nodejs/npm build the web UI, chromium + chromium-driver run its browser tests.
pkgs=(lxc lxc-templates openssh-client busybox-static btrfs-progs lvm2 thin-provisioning-tools rsync zstd xz-utils iproute2
      bridge-utils acl attr e2fsprogs util-linux tar gzip maven hyperfine debootstrap gcc libc6-dev
      chromium chromium-driver)
# node + npm: Debian's nodejs/npm unless the machine already has a node with its own npm (images that ship
# NodeSource's nodejs bundle npm, and Debian's npm package conflicts with it)
command -v npm >/dev/null 2>&1 && command -v node >/dev/null 2>&1 || pkgs+=(nodejs npm)
# backups: pigz/lzop compress (zstd above), setcap (libcap2-bin) makes the file capabilities the backup tests check
pkgs+=(pigz lzop libcap2-bin)
# api: libpam0g is the pam realm (through FFM); python3-proxmoxer is the unchanged Proxmox client library the API tests drive
# cluster: etcd (a 3-member cluster on loopback in the cluster module tests; etcdctl for humans)
pkgs+=(etcd-server etcd-client openssl)   # openssl: the TLS test makes its CA and certificates as docs/CLUSTER.md shows
pkgs+=(libpam0g libpam-runtime python3-proxmoxer python3-requests)
# api bench: wrk is the HTTPS load generator (C, epoll, keep-alive: its own CPU cost stays small and is reported)
pkgs+=(wrk)
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [[ ! -x /usr/lib/jvm/temurin-25-jdk-amd64/bin/java ]] && ! ls /usr/lib/jvm/*/release >/dev/null 2>&1; then
    echo "berth needs a JDK >= 25 (expected at /usr/lib/jvm/temurin-25-jdk-amd64)" >&2
    exit 1
fi
# Loop devices are needed for raw images, btrfs and LVM test pools.
modprobe loop 2>/dev/null || true
[[ -e /dev/loop-control ]] || { echo "berth needs /dev/loop-control (loop module)" >&2; exit 1; }
# Unprivileged containers map root to 100000 (the Proxmox default); LXC's newuidmap checks that
# root owns that range, as a Proxmox host has out of the box.
for f in /etc/subuid /etc/subgid; do
    grep -qs '^root:100000:65536$' "$f" || echo 'root:100000:65536' >> "$f"
done
# The pam realm authenticates through PAM service "berth": the host's usual auth and account stacks.
if [[ ! -e /etc/pam.d/berth ]]; then
    printf '# Berth API logins (realm pam)\n@include common-auth\n@include common-account\n' > /etc/pam.d/berth
fi
# The API's TLS front runs as www-data (as Proxmox's pveproxy; util-linux's setpriv drops to it): Debian's base-passwd
# has the user; a trimmed image may not.
getent passwd www-data >/dev/null || useradd --system --user-group --home-dir /var/www --shell /usr/sbin/nologin www-data
