#!/usr/bin/env bash
# The correctness oracle over the example scenarios: every packet's
# decision in a timed FPAG run against a slow-path-only run of the same
# rules (host/oracle.h, docs/fpag.md "Correctness oracle").  Reads the
# summary.json that `tests/scenarios/check.sh --run --oracle` left in
# build/scenarios/VARIANT/ (make test runs those first, so nothing runs
# twice), prints one line per scenario and fails on any mismatch outside
# an update window, or on a summary without the oracle's figures.
#   tests/scenarios/oracle.sh VARIANT...
set -euo pipefail
cd "$(dirname "$0")/../.."
[ $# -gt 0 ] || { echo "usage: tests/scenarios/oracle.sh VARIANT..."; exit 2; }
bad=0
printf '%-20s %9s %9s %9s %9s %11s %10s\n' scenario compared matched in_window capacity unresolved mismatches
for v in "$@"; do
  s=build/scenarios/$v/summary.json
  if ! jq -e .oracle "$s" > /dev/null 2>&1; then
    echo "$v: no oracle figures in $s (run tests/scenarios/check.sh --run --oracle first)"
    bad=1; continue
  fi
  read -r c m w k u x < <(jq -r '.oracle | "\(.compared) \(.matched) \(.in_window) \(.capacity_drops) \(.unresolved) \(.mismatches)"' "$s")
  printf '%-20s %9s %9s %9s %9s %11s %10s\n' "$v" "$c" "$m" "$w" "$k" "$u" "$x"
  if [ "$x" != 0 ] || [ "$c" = 0 ]; then
    jq -c '.oracle.first_mismatches[]' "$s"
    echo "$v: $x packets decided unlike the slow path outside any update window"
    bad=1
  fi
done
[ "$bad" = 0 ] && echo "oracle: no mismatch outside the update windows"
exit "$bad"
