#!/bin/bash
# Builds the cached Debian 12 (bookworm) minbase rootfs tarball used by DebootstrapRootfsTest and the ct e2e test.
# Usage: build-debian-rootfs.sh [--init sysvinit|systemd] [OUTPUT.tar.zst]
#   sysvinit (default): /var/cache/berth/debian-12-rootfs.tar.zst
#   systemd: /var/cache/berth/debian-12-systemd-rootfs.tar.zst, systemd as PID 1 (SystemdGuestTest: console, getty,
#            clean shutdown), as a Proxmox Debian template boots
# The mirror is taken from this machine's apt sources (first deb.debian.org-style URI), or $BERTH_DEBIAN_MIRROR.
# Idempotent: does nothing when the tarball already exists (set BERTH_REBUILD=1 to force).
set -euo pipefail
init=sysvinit
if [[ ${1:-} == --init ]]; then init=$2; shift 2; fi
case $init in
  sysvinit) out=${1:-/var/cache/berth/debian-12-rootfs.tar.zst}; include=sysvinit-core ;;
  # systemd-sysv makes systemd /sbin/init; dbus for systemctl/logind, as Proxmox's Debian template has
  systemd) out=${1:-/var/cache/berth/debian-12-systemd-rootfs.tar.zst}; include=systemd,systemd-sysv,dbus ;;
  *) echo "--init: '$init' is not sysvinit or systemd" >&2; exit 2 ;;
esac
if [[ -s $out && -z ${BERTH_REBUILD:-} ]]; then echo "exists: $out"; exit 0; fi
mirror=${BERTH_DEBIAN_MIRROR:-}
if [[ -z $mirror ]]; then
  mirror=$(grep -hoE '^(URIs:|deb)[[:space:]]+[^[:space:]]+/debian/?([[:space:]]|$)' \
             /etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null \
           | awk '{print $2}' | head -n1 || true)
fi
mirror=${mirror:-http://deb.debian.org/debian}
mkdir -p "$(dirname "$out")"
work=$(mktemp -d /var/tmp/berth-debootstrap.XXXXXX)
trap 'rm -rf "$work"' EXIT
echo "debootstrap bookworm from $mirror into $work/rootfs"
# sysvinit-core gives minbase an init (/sbin/init), so a container booted from it runs the distro's own
# rcS scripts, among them ifupdown's 'networking' which brings eth0 up from /etc/network/interfaces.
debootstrap --variant=minbase --include=iproute2,iputils-ping,ifupdown,$include bookworm "$work/rootfs" "$mirror"
# debootstrap copies the build host's /etc/hostname and /etc/resolv.conf (modes included); a template ships
# neutral ones, as Proxmox's do, so that what a container shows comes from its own config.
printf 'localhost\n' > "$work/rootfs/etc/hostname"
# a template has no machine id: systemd makes one at first boot (Proxmox's templates ship it empty too)
if [[ $init == systemd ]]; then : > "$work/rootfs/etc/machine-id"; rm -f "$work/rootfs/var/lib/dbus/machine-id"; fi
: > "$work/rootfs/etc/resolv.conf"
chmod 0644 "$work/rootfs/etc/hostname" "$work/rootfs/etc/resolv.conf"
# Drop apt caches to keep the tarball small.
rm -rf "$work"/rootfs/var/cache/apt/archives/*.deb "$work"/rootfs/var/lib/apt/lists/*
tar --numeric-owner --xattrs --acls -C "$work/rootfs" -cf - . | zstd -q -T0 -o "$out.tmp"
mv -f "$out.tmp" "$out"
echo "built $out ($(du -h "$out" | cut -f1))"
