#!/usr/bin/env bash
# Backup and restore throughput of a 1 GiB container rootfs: `berth backup --mode stop` against `tar | zstd -T0`
# and `berth restore` against `zstd -d | tar` on the same data in the same run (medians; ratio berth/raw).
# Writes its table between the BACKUP BENCH markers of docs/PERFORMANCE.md (or --out FILE).
#   bash bench/backup.sh [--runs N] [--size-mib N] [--out FILE]
# Needs root; uses bin/berth with $BERTH_JAR (default cli/target/berth.jar), each berth command both in a cold JVM
# (BERTH_NO_DAEMON=1) and through a berthd started for the run (berth daemon start), in the same run.
set -euo pipefail
home=$(cd "$(dirname "$0")/.." && pwd)
cd "$home"
runs=3 size=1024 out=docs/PERFORMANCE.md
while (($#)); do
    case $1 in
        --runs) runs=$2; shift ;;
        --size-mib) size=$2; shift ;;
        --out) out=$2; shift ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
export BERTH_NO_DAEMON=1
load0=$(cut -d' ' -f1-3 /proc/loadavg)
root=$(mktemp -d /var/tmp/berth-backup-bench.XXXXXX)
# the scratch root on a fresh journaled ext4 of its own (as bench/run.sh): on the host's root filesystem here (ext4
# without a journal) every new inode costs a scan of the inodes deleted in its group in the last minutes, so an
# extraction right after another side's rm -rf (or the rest of the machine's deletions) took several times longer
img=$root.ext4 loop=""
berth() { bin/berth --root "$root" "$@"; }
# through berthd: the client passes its stdin/stdout/stderr, the command runs in the resident JVM
berthd() { env -u BERTH_NO_DAEMON bin/berth --root "$root" "$@"; }
vmid=7990
cleanup() {
    berth daemon stop >/dev/null 2>&1 || true
    berth destroy "$vmid" >/dev/null 2>&1 || true
    for i in $(seq 1 "$runs"); do berth destroy $((vmid + i)) >/dev/null 2>&1 || true; done
    rm -rf --one-file-system "${root:?}"/*
    if [[ -n $loop ]]; then
        umount "$root" || umount -l "$root"
        losetup -d "$loop" || true
    fi
    rm -f "$img"
    rmdir "$root"
}
trap cleanup EXIT
truncate -s 12G "$img"
# inode tables and journal written now, not by ext4lazyinit in the background during the figures
mkfs.ext4 -q -F -N 524288 -E lazy_itable_init=0,lazy_journal_init=0 "$img"
loop=$(losetup -f --show "$img")
mount "$loop" "$root"
mkdir -p "$root/etc"
printf 'dir: local\n\tpath %s\n\tcontent rootdir,images,vztmpl,backup\n' "$root/store" >"$root/etc/storage.cfg"
tmpl=$(berth template build busybox | tail -1)
berth create "$vmid" "$tmpl" --rootfs local:0 --hostname bench --quiet >/dev/null 2>&1
src=$root/store/images/$vmid/subvol-$vmid-disk-0
[[ -d $src ]] || { echo "rootfs $src missing" >&2; exit 1; }
# real files: the host's /usr/share and /usr/lib up to the size (text, binaries, compressed data, many small files)
mkdir -p "$src/data"
(tar -C /usr -cf - share lib 2>/dev/null || true) | head -c "${size}M" | (tar -C "$src/data" -xf - 2>/dev/null || true)
bytes=$(du -sb "$src" | cut -f1)
berth daemon start >/dev/null
# each command is timed until its data is on disk (sync -f of the filesystem): berth fsyncs the archive and the
# config, and on ext4 (data=ordered) that journal commit writes back everything written before it
ms() { local t0 t1; t0=$(date +%s%N); "$@" >/dev/null 2>&1; sync -f "$root"; t1=$(date +%s%N); echo $(((t1 - t0) / 1000000)); }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
flags=(--one-file-system -p --sparse --numeric-owner --acls --xattrs --xattrs-include='user.*' --xattrs-include=security.capability)
raw_b=() berth_b=() daemon_b=() raw_r=() berth_r=() daemon_r=()
dump=$root/store/dump
for i in $(seq 1 "$runs"); do
    # the order rotates so no side always runs right after another's deletions
    rawb() { raw_b+=("$(ms bash -c "tar cpf - ${flags[*]} -C '$src' . | zstd -q -T0 > '$root/raw.tar.zst'")"); }
    bb() { # $1: berth or berthd
        rm -f "$dump"/*.tar.zst "$dump"/*.log
        sleep 1 # a new archive name (one per second)
        local t
        t=$(ms "$1" backup "$vmid" --mode stop --storage local --compress zstd)
        if [[ $1 == berth ]]; then berth_b+=("$t"); else daemon_b+=("$t"); fi
    }
    case $((i % 3)) in
        1) rawb; bb berth; bb berthd ;;
        2) bb berthd; rawb; bb berth ;;
        0) bb berth; bb berthd; rawb ;;
    esac
    archive=$(ls "$dump"/vzdump-lxc-$vmid-*.tar.zst | tail -1)
    rawr() {
        mkdir -p "$root/rawrestore"
        raw_r+=("$(ms bash -c "zstd -q -d -c '$root/raw.tar.zst' | tar xpf - ${flags[*]} -C '$root/rawrestore'")")
        rm -rf "$root/rawrestore"
        sync -f "$root"
    }
    br() { # $1: berth or berthd
        local t
        t=$(ms "$1" restore $((vmid + i)) "$archive" --storage local)
        if [[ $1 == berth ]]; then berth_r+=("$t"); else daemon_r+=("$t"); fi
        berth destroy $((vmid + i)) >/dev/null
        sync -f "$root"
    }
    case $((i % 3)) in
        1) rawr; br berth; br berthd ;;
        2) br berthd; rawr; br berth ;;
        0) br berth; br berthd; rawr ;;
    esac
done
asize=$(stat -c %s "$archive")
rb=$(printf '%s\n' "${raw_b[@]}" | median) bb=$(printf '%s\n' "${berth_b[@]}" | median)
rr=$(printf '%s\n' "${raw_r[@]}" | median) br=$(printf '%s\n' "${berth_r[@]}" | median)
db=$(printf '%s\n' "${daemon_b[@]}" | median) dr=$(printf '%s\n' "${daemon_r[@]}" | median)
mibs() { awk -v b="$bytes" -v ms="$1" 'BEGIN {printf "%.0f", b / 1048576 / (ms / 1000)}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2fx", a / b}'; }
table=$(cat <<TABLE
Measured $(date -u '+%Y-%m-%d %H:%M') on $(nproc) cpus, kernel $(uname -r) (load average before the run: $load0; after: $(cut -d' ' -f1-3 /proc/loadavg)).
Both sides on the same fresh ext4 (mkfs defaults, journaled, on a loop device).
Rootfs of $((bytes / 1048576)) MiB (the host's /usr/share and /usr/lib), archive $((asize / 1048576)) MiB (zstd); medians of $runs runs in ms, each until its data is on disk (\`sync -f\` after the command); *cold*: a JVM per command (\`BERTH_NO_DAEMON=1\`); *berthd*: bin/berth forwards to the resident daemon.

| what | raw | berth cold | cold/raw | berth via berthd | berthd/raw | raw MiB/s | berthd MiB/s | raw command | berth command |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |
| backup, stopped container | $rb | $bb | $(ratio "$bb" "$rb") | $db | $(ratio "$db" "$rb") | $(mibs "$rb") | $(mibs "$db") | \`tar cpf - FLAGS . \| zstd -T0 > F\` | \`berth backup N --mode stop --compress zstd\` |
| restore to a new container | $rr | $br | $(ratio "$br" "$rr") | $dr | $(ratio "$dr" "$rr") | $(mibs "$rr") | $(mibs "$dr") | \`zstd -d -c F \| tar xpf - FLAGS\` | \`berth restore M ARCHIVE --storage local\` |
TABLE
)
echo "$table"
if [[ -f $out ]] && grep -q '<!-- BEGIN BACKUP BENCH -->' "$out"; then
    awk -v t="$table" '/<!-- BEGIN BACKUP BENCH -->/ {print; print t; skip=1; next} /<!-- END BACKUP BENCH -->/ {skip=0} !skip' "$out" >"$out.tmp"
    mv "$out.tmp" "$out"
fi
