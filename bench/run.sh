#!/usr/bin/env bash
# Benchmarks Berth against raw lxc-* in one run (medians, ratio berth/raw, for a cold JVM per command and for
# commands served by berthd), then the JMH micro-benchmarks. Writes both tables into docs/PERFORMANCE.md.
# Needs root and LXC; takes about 10 minutes on 2 cores.
#   bash bench/run.sh [--runs N] [--defined N] [--running N] [--snapshots-only] [--phases-only] [--memory-only] [--only create,lifecycle,hotplug,list] [--no-macro] [--no-startup] [--no-api] [--no-cluster] [--no-jmh] [--out FILE]
# --memory-only: only the memory checkpoints of berthd (section MEMORY) and of the API's two processes (API MEMORY).
# Uses cli/target/berth.jar (or $BERTH_JAR) and bench/target/berth-bench.jar (or $BERTH_BENCH_JAR); builds them
# with scripts/build.sh when they are missing.
set -euo pipefail
home=$(cd "$(dirname "$0")/.." && pwd)
cd "$home"
export JAVA_HOME=${JAVA_HOME_25:-/usr/lib/jvm/temurin-25-jdk-amd64}
benchjar=${BERTH_BENCH_JAR:-bench/target/berth-bench.jar}
[[ -f ${BERTH_JAR:-cli/target/berth.jar} && -f $benchjar ]] || bash scripts/build.sh
jmh=1 macro=1 startup=1 api=1 cluster=1 out=docs/PERFORMANCE.md args=() apiargs=()
while (($#)); do
    case $1 in
        --no-jmh) jmh=0 ;;
        --no-macro) macro=0 ;;
        --no-startup) startup=0 ;;
        --no-api) api=0 ;;
        --no-cluster) cluster=0 ;;
        --out) out=$2; shift ;;
        --memory-only) args+=("$1"); apiargs+=("$1"); startup=0 cluster=0 jmh=0 ;;
        *) args+=("$1") ;;
    esac
    shift
done
java=("$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED)
if ((macro)); then
    "${java[@]}" -Dberth.home="$home" -cp "$benchjar" io.berth.bench.BenchMain --out "$out" "${args[@]}"
fi
if ((startup)) && command -v hyperfine >/dev/null; then
    # cold start-up of bin/berth (a JVM per command) with and without the AOT cache, on a config-only root
    # (a bare --version never uses the cache, see bin/berth)
    jar=${BERTH_JAR:-$home/cli/target/berth.jar}
    st=$(mktemp -d) md=$(mktemp)
    mkdir -p "$st/etc/lxc"
    printf 'arch: amd64\nhostname: startup\nmemory: 512\nostype: debian\nrootfs: local:subvol-100-disk-0\n' >"$st/etc/lxc/100.conf"
    export BERTH_NO_DAEMON=1
    hyperfine -N -w 3 -r 20 --export-markdown "$md" \
        -n 'berth --version' "env BERTH_JAR=$jar bin/berth --version" \
        -n 'berth config 100' "env BERTH_JAR=$jar bin/berth --root $st config 100" \
        -n 'berth config 100, no AOT cache' "env BERTH_JAR=$jar BERTH_AOT=/nonexistent bin/berth --root $st config 100" \
        -n 'berth list (1 stopped)' "env BERTH_JAR=$jar bin/berth --root $st list" \
        -n 'berth list (1 stopped), no AOT cache' "env BERTH_JAR=$jar BERTH_AOT=/nonexistent bin/berth --root $st list" \
        -n 'lxc-start --version' 'lxc-start --version' >&2
    unset BERTH_NO_DAEMON
    "${java[@]}" -cp "$benchjar" io.berth.bench.JmhReport --section STARTUP "$md" "$out"
    rm -rf "$st" "$md"
fi
if ((api)); then
    # the HTTPS API: GET status/current by 50 concurrent clients (req/s, p50/p99), login rate, server RSS over 100k
    # requests, and berth status (CLI) side by side; section API of $out
    BERTH_JAR=${BERTH_JAR:-$home/cli/target/berth.jar} "${java[@]}" -Dberth.home="$home" -cp "$benchjar" io.berth.bench.ApiBench --out "$out" "${apiargs[@]}"
fi
if ((cluster)); then
    # configs on files against configs on etcd (3 nodes x 100 containers, a 3-member etcd on loopback); section CLUSTER
    "${java[@]}" --sun-misc-unsafe-memory-access=allow -cp "$benchjar" io.berth.bench.ClusterBench --out "$out"
fi
if ((jmh)); then
    result=$(mktemp --suffix=.csv)
    trap 'rm -f "$result"' EXIT
    # short on purpose: 1 fork, 2 warm-up and 3 measured iterations of 1 s per benchmark
    "${java[@]}" -cp "$benchjar" org.openjdk.jmh.Main -f 1 -wi 2 -i 3 -w 1s -r 1s -jvmArgs --enable-native-access=ALL-UNNAMED \
        -rf csv -rff "$result" 'io.berth.bench.jmh.*' >&2
    "${java[@]}" -cp "$benchjar" io.berth.bench.JmhReport "$result" "$out"
fi
