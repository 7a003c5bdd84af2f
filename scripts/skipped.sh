#!/usr/bin/env bash
# Usage: skipped.sh [DIR [SINCE]]. Lists every skipped test with the reason it gave, from the surefire reports under
# DIR (default: the repository), only reports newer than the file SINCE if given. A skip is not a pass: scripts/test.sh
# prints this after the suite so the reasons are in CI's output.
set -euo pipefail
dir=${1:-$(cd "$(dirname "$0")/.." && pwd)}
since=()
[[ -n "${2:-}" ]] && since=(-newer "$2")
n=0
while IFS= read -r -d '' f; do
    # <testcase name="N" classname="C" ...> then <skipped message="R"/> or <skipped ...><![CDATA[...Assumption failed: R
    out=$(awk '
        /<testcase / {
            name = $0; sub(/.*<testcase name="/, "", name); sub(/".*/, "", name)
            cls = $0; sub(/.*classname="/, "", cls); sub(/".*/, "", cls)
        }
        want && NF {
            # the exception message began on the line after "...Exception: "
            reason = $0; want = 0
            gsub(/&quot;/, "\"", reason); gsub(/&apos;/, "'"'"'", reason); gsub(/&lt;/, "<", reason); gsub(/&gt;/, ">", reason); gsub(/&amp;/, "\\&", reason)
            print "SKIPPED " cls "." name ": " reason
            next
        }
        /<skipped/ {
            reason = ""
            if ($0 ~ /message="/) { reason = $0; sub(/.*message="/, "", reason); sub(/".*/, "", reason) }
            else if ($0 ~ /Assumption failed: /) { reason = $0; sub(/.*Assumption failed: /, "", reason) }
            else if ($0 ~ /CDATA\[/) { reason = $0; sub(/.*CDATA\[/, "", reason); sub(/^[A-Za-z0-9_.$]*Exception: /, "", reason) }
            if (reason == "" && $0 ~ /CDATA\[[A-Za-z0-9_.$]*Exception: *$/) { want = 1; next }
            if (reason == "") reason = "(no reason given: a defect, every skip must say why)"
            gsub(/&quot;/, "\"", reason); gsub(/&apos;/, "'"'"'", reason); gsub(/&lt;/, "<", reason); gsub(/&gt;/, ">", reason); gsub(/&amp;/, "\\&", reason)
            print "SKIPPED " cls "." name ": " reason
        }' "$f")
    if [[ -n "$out" ]]; then
        printf '%s\n' "$out"
        n=$((n + $(printf '%s\n' "$out" | wc -l)))
    fi
done < <(find "$dir" -path '*/surefire-reports/TEST-*.xml' "${since[@]}" -print0 2>/dev/null | sort -z)
echo "$n test(s) skipped"
