#!/usr/bin/env bash
# Set-up command 2: the whole test suite (CI runs exactly this through .ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
export JAVA_HOME=${JAVA_HOME_25:-/usr/lib/jvm/temurin-25-jdk-amd64}
# The container tests run LXC hooks through bin/berth, so the CLI jar must exist before they run.
mvn -q -B -DskipTests package
bash scripts/aot.sh >/dev/null
mvn -B test "$@"
