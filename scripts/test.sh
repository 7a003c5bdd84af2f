#!/usr/bin/env bash
# Set-up command 2: the whole test suite (CI runs exactly this through .ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
export JAVA_HOME=${JAVA_HOME_25:-/usr/lib/jvm/temurin-25-jdk-amd64}
# Maven 3.8 (guava) touches sun.misc.Unsafe; JDK 25 warns about it on every run
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
# The container tests run LXC hooks through bin/berth, so the CLI jar must exist before they run.
mvn -q -B -Dstyle.color=never -DskipTests package
bash scripts/aot.sh >/dev/null
# The Debian end-to-end tests (guest setup, boot, ping) need a debootstrapped rootfs; build it once
# (about 1.5 min from Debian's mirror, cached in /var/cache/berth). Without it they are skipped.
bash guest/src/test/scripts/build-debian-rootfs.sh \
    || echo "warning: no Debian rootfs; the Debian end-to-end tests will be skipped" >&2
# the same with systemd as PID 1 (console/getty/shutdown of a systemd guest: SystemdGuestTest)
bash guest/src/test/scripts/build-debian-rootfs.sh --init systemd \
    || echo "warning: no Debian systemd rootfs; SystemdGuestTest will be skipped" >&2
stamp=$(mktemp)
trap 'rm -f "$stamp"' EXIT
rc=0
# Every module's tests run even when an earlier module has a failing test (otherwise one failure in `sys` hides
# the whole suite); a failed test is re-run once and, if it then passes, reported as FLAKY below, never silently.
mvn -B -Dstyle.color=never -Dmaven.test.failure.ignore=true -Dsurefire.rerunFailingTestsCount=1 test "$@" || rc=$?
# surefire only counts skips; say which tests did not run and why (a skip is not a pass)
bash scripts/skipped.sh "$PWD" "$stamp"
bash scripts/results.sh "$PWD" "$stamp" || rc=1
exit $rc
