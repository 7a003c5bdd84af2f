#!/usr/bin/env bash
# Trains the JDK 25 AOT cache (JEP 483) for bin/berth: one recorded run of a hidden training command
# that walks the common start paths (picocli, config parse/print, LXC config rendering, status),
# then the cache is created from it. bin/berth uses it when it is newer than the jar.
set -euo pipefail
home=$(cd "$(dirname "$0")/.." && pwd)
java=${JAVA_HOME_25:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
jar=$home/cli/target/berth.jar
aot=$home/cli/target/berth.aot
opts=(--enable-native-access=ALL-UNNAMED -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss1m)
rm -f "$aot" "$aot.config"
train=$(mktemp -d)
trap 'rm -rf "$train" "$aot.config"' EXIT
if ! "$java" -XX:AOTMode=record -XX:AOTConfiguration="$aot.config" "${opts[@]}" \
        -jar "$jar" --root "$train" aot-train >/dev/null 2>&1; then
    "$java" -XX:AOTMode=record -XX:AOTConfiguration="$aot.config" "${opts[@]}" -jar "$jar" --version >/dev/null
fi
"$java" -XX:AOTMode=create -XX:AOTConfiguration="$aot.config" -XX:AOTCache="$aot" "${opts[@]}" \
    -jar "$jar" >/dev/null 2>&1
echo "AOT cache: $aot ($(du -h "$aot" | cut -f1))"
