#!/usr/bin/env bash
# Benchmarks Berth against raw lxc-* in one run (medians, ratio berth/raw, for a cold JVM per command and for
# commands served by berthd), then the JMH micro-benchmarks. Writes both tables into docs/PERFORMANCE.md.
# Needs root and LXC; takes about 10 minutes on 2 cores.
#   bash bench/run.sh [--runs N] [--defined N] [--running N] [--no-jmh] [--no-macro] [--out FILE]
# Uses cli/target/berth.jar (or $BERTH_JAR) and bench/target/berth-bench.jar (or $BERTH_BENCH_JAR); builds them
# with scripts/build.sh when they are missing.
set -euo pipefail
home=$(cd "$(dirname "$0")/.." && pwd)
cd "$home"
export JAVA_HOME=${JAVA_HOME_25:-/usr/lib/jvm/temurin-25-jdk-amd64}
benchjar=${BERTH_BENCH_JAR:-bench/target/berth-bench.jar}
[[ -f ${BERTH_JAR:-cli/target/berth.jar} && -f $benchjar ]] || bash scripts/build.sh
jmh=1 macro=1 out=docs/PERFORMANCE.md args=()
while (($#)); do
    case $1 in
        --no-jmh) jmh=0 ;;
        --no-macro) macro=0 ;;
        --out) out=$2; shift ;;
        *) args+=("$1") ;;
    esac
    shift
done
java=("$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED)
if ((macro)); then
    "${java[@]}" -Dberth.home="$home" -cp "$benchjar" io.berth.bench.BenchMain --out "$out" "${args[@]}"
fi
if ((jmh)); then
    result=$(mktemp --suffix=.csv)
    trap 'rm -f "$result"' EXIT
    # short on purpose: 1 fork, 2 warm-up and 3 measured iterations of 1 s per benchmark
    "${java[@]}" -cp "$benchjar" org.openjdk.jmh.Main -f 1 -wi 2 -i 3 -w 1s -r 1s -jvmArgs --enable-native-access=ALL-UNNAMED \
        -rf csv -rff "$result" 'io.berth.bench.jmh.*' >&2
    "${java[@]}" -cp "$benchjar" io.berth.bench.JmhReport "$result" "$out"
fi
