#!/usr/bin/env bash
# Usage: results.sh [DIR [SINCE]]. Sums the surefire reports under DIR (only those newer than the file SINCE if
# given), names every failed test and every flaky one (failed, then passed when surefire re-ran it), and exits 1
# if any test failed. scripts/test.sh runs every module's tests even after a failure and decides its exit code here.
set -euo pipefail
dir=${1:-$(cd "$(dirname "$0")/.." && pwd)}
since=()
[[ -n "${2:-}" ]] && since=(-newer "$2")
mapfile -d '' files < <(find "$dir" -path '*/surefire-reports/TEST-*.xml' "${since[@]}" -print0 2>/dev/null | sort -z)
if ((${#files[@]} == 0)); then echo "no test reports found under $dir" >&2; exit 1; fi
awk '
    # counted per <testcase>: the <testsuite> totals of nested or re-run classes do not add up to the suite
    /<testcase / {
        tests++
        name = $0; sub(/.*<testcase name="/, "", name); sub(/".*/, "", name)
        cls = $0; sub(/.*classname="/, "", cls); sub(/".*/, "", cls)
    }
    /<skipped[ >\/]/ { skipped++ }
    /<(failure|error)[ >]/ { failed[cls "." name] = 1 }
    /<flaky(Failure|Error)[ >]/ { flaky[cls "." name] = 1 }
    END {
        for (t in flaky) print "FLAKY (failed, passed on re-run) " t
        for (t in failed) print "FAILED " t
        printf "flaky (passed on re-run, counted as passed): %d\n", length(flaky)
        printf "%d passed, %d failed, %d skipped\n", tests - length(failed) - skipped, length(failed), skipped
        exit length(failed) > 0 ? 1 : 0
    }' "${files[@]}"
