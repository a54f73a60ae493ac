#!/usr/bin/env bash
# Run scenarios/<name>.yaml with pnicsim replay and compare summary.json
# (keys sorted by jq; it holds no host timing, which is in timing.json)
# against tests/scenarios/<name>.expected.json.  Any difference fails.
#   tests/scenarios/check.sh [--update] NAME
set -euo pipefail
cd "$(dirname "$0")/../.."
update=0
if [ "${1:-}" = --update ]; then update=1; shift; fi
name=${1:?usage: tests/scenarios/check.sh [--update] NAME}
bin=${PNICSIM:-build/bin/pnicsim}
out=build/scenarios/$name
expected=tests/scenarios/$name.expected.json
rm -rf "$out"; mkdir -p "$out"
# Exit status 1 means an input was damaged; the summary still tells.
rc=0
"$bin" replay "scenarios/$name.yaml" --out "$out" > "$out/replay.log" 2>&1 || rc=$?
if [ "$rc" -ge 2 ]; then cat "$out/replay.log"; echo "scenario $name: pnicsim replay failed ($rc)"; exit 1; fi
jq -S . "$out/summary.json" > "$out/summary.cmp.json"
if [ "$update" = 1 ]; then
  cp "$out/summary.cmp.json" "$expected"
  echo "scenario $name: wrote $expected"
  exit 0
fi
if ! diff -u "$expected" "$out/summary.cmp.json"; then
  echo "scenario $name: summary.json differs from $expected (see diff above)"
  exit 1
fi
echo "scenario $name: summary matches $expected"
