#!/usr/bin/env bash
# Builds berth (skipping tests) and its AOT cache. Used by setup.sh and by developers.
set -euo pipefail
cd "$(dirname "$0")/.."
export JAVA_HOME=${JAVA_HOME_25:-/usr/lib/jvm/temurin-25-jdk-amd64}
# Maven 3.8 (guava) touches sun.misc.Unsafe; JDK 25 warns about it on every run
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
mvn -q -B -Dstyle.color=never -DskipTests package
bash scripts/aot.sh
