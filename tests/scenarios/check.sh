#!/usr/bin/env bash
# Run scenarios/<name>.yaml with pnicsim replay (or, with --run, pnicsim
# run: the whole system in simulated time) and compare summary.json (keys
# sorted by jq; it holds no host timing, which is in timing.json) against
# tests/scenarios/<name>.expected.json.  Any difference fails.
# With --set PATH=V (pnicsim run's, repeatable) and --as VARIANT the run
# is compared against tests/scenarios/<VARIANT>.expected.json instead.
# With --oracle (pnicsim run's) the run checks every packet's decision
# against the slow path alone: summary.json's `oracle` is compared with
# the rest, and tests/scenarios/oracle.sh reads it.
#   tests/scenarios/check.sh [--update] [--run] [--oracle] [--set PATH=V --as VARIANT] NAME
set -euo pipefail
cd "$(dirname "$0")/../.."
usage="usage: tests/scenarios/check.sh [--update] [--run] [--oracle] [--set PATH=V --as VARIANT] NAME"
update=0 cmd=replay variant= sets=() oracle=()
while [ $# -gt 1 ]; do
  case $1 in
    --update) update=1 ;;
    --run) cmd=run ;;
    --oracle) oracle=(--oracle) ;;
    --set) sets+=(--set "$2"); shift ;;
    --as) variant=$2; shift ;;
    *) echo "$usage"; exit 2 ;;
  esac
  shift
done
name=${1:?$usage}
bin=${PNICSIM:-build/bin/pnicsim}
out=build/scenarios/${variant:-$name}
expected=tests/scenarios/${variant:-$name}.expected.json
rm -rf "$out" "$out.log" "$out.cmp.json"; mkdir -p "$out"
opts=("${sets[@]}" "${oracle[@]}")
[ "$cmd" = run ] && opts+=(--no-plots)
# Exit status 1 means a replay input was damaged; the summary still tells.
# A timed run writes nothing unless it succeeds.
rc=0
"$bin" "$cmd" "scenarios/$name.yaml" --out "$out" "${opts[@]}" > "$out.log" 2>&1 || rc=$?
if [ "$rc" -ge 2 ] || { [ "$cmd" = run ] && [ "$rc" -ne 0 ]; }; then
  cat "$out.log"; echo "scenario $name: pnicsim $cmd failed ($rc)"; exit 1
fi
jq -S . "$out/summary.json" > "$out.cmp.json"
if [ "$update" = 1 ]; then
  cp "$out.cmp.json" "$expected"
  echo "scenario $name: wrote $expected"
  exit 0
fi
if ! diff -u "$expected" "$out.cmp.json"; then
  echo "scenario $name: summary.json differs from $expected (see diff above)"
  exit 1
fi
echo "scenario $name: summary matches $expected"
