#!/usr/bin/env bash
# Benchmarks Berth against raw lxc-* in one run (medians, ratio berth/raw), then the JMH
# micro-benchmarks. Writes the table into docs/PERFORMANCE.md. Needs root.
#   bash bench/run.sh [--runs N] [--defined N] [--running N] [--no-jmh]
set -euo pipefail
home=$(cd "$(dirname "$0")/.." && pwd)
cd "$home"
export JAVA_HOME=${JAVA_HOME_25:-/usr/lib/jvm/temurin-25-jdk-amd64}
[[ -f cli/target/berth.jar && -f bench/target/berth-bench.jar ]] || bash scripts/build.sh
jmh=1; args=()
for a in "$@"; do [[ $a == --no-jmh ]] && jmh=0 || args+=("$a"); done
"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Dberth.home="$home" \
    -cp bench/target/berth-bench.jar io.berth.bench.BenchMain --out docs/PERFORMANCE.md "${args[@]}"
if ((jmh)); then
    "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp bench/target/berth-bench.jar org.openjdk.jmh.Main \
        -f 1 -wi 2 -i 3 -w 1s -r 1s -tu us -bm avgt 2>&1 | tee bench/target/jmh.txt | tail -n 20
fi
