#!/usr/bin/env bash
# Trains the JDK 25 AOT cache (JEP 483) for bin/berth: one recorded run of the hidden `aot-train` command, which
# walks the common start paths in-process (picocli trees, config parse/print, schema, read-only commands on a
# sample container in a temp root, LXC config rendering, cgroup reader, command socket), then the cache is created
# from that recording. bin/berth uses it when it is newer than the jar.
#   bash scripts/aot.sh            # for cli/target/berth.jar
#   BERTH_JAR=cli/target-me/berth.jar bash scripts/aot.sh
set -euo pipefail
home=$(cd "$(dirname "$0")/.." && pwd)
java=${JAVA_HOME_25:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
jar=$(readlink -f "${BERTH_JAR:-$home/cli/target/berth.jar}")
aot=${jar%.jar}.aot
# The same flags as bin/berth uses for a command (the cache stays valid for berthd's flags too).
opts=(--enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData -Xss1m
      -Dberth.launcher="$home/bin/berth" -Dberth.home="$home")
rm -f "$aot" "$aot.config"
train=$(mktemp -d)
log=$(mktemp)
trap 'rm -rf "$train" "$aot.config" "$log"' EXIT
# No daemon may serve the training run; its JVM must run the commands itself.
if ! BERTH_NO_DAEMON=1 "$java" -XX:AOTMode=record -XX:AOTConfiguration="$aot.config" "${opts[@]}" \
        -jar "$jar" --root "$train" aot-train >"$log" 2>&1; then
    echo "aot.sh: the training run failed; falling back to a --version run:" >&2
    tail -n 5 "$log" >&2
    "$java" -XX:AOTMode=record -XX:AOTConfiguration="$aot.config" "${opts[@]}" -jar "$jar" --version >/dev/null 2>&1
fi
grep '^aot-train:' "$log" || true
"$java" -XX:AOTMode=create -XX:AOTConfiguration="$aot.config" -XX:AOTCache="$aot" "${opts[@]}" \
    -jar "$jar" >"$log" 2>&1 || { tail -n 20 "$log" >&2; exit 1; }
echo "AOT cache: $aot ($(du -h "$aot" | cut -f1))"
