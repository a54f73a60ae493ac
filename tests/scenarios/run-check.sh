#!/usr/bin/env bash
# Run scenarios/<name>.yaml with pnicsim run and compare summary.json
# (keys sorted by jq; it holds no host timing, which is in timing.json)
# against tests/scenarios/<name>.expected.json.  Any difference fails.
#   tests/scenarios/run-check.sh [--update] NAME
# After a deliberate change of the timed system's behaviour, regenerate
# with --update and review the diff.
set -euo pipefail
cd "$(dirname "$0")/../.."
update=0
if [ "${1:-}" = --update ]; then update=1; shift; fi
name=${1:?usage: tests/scenarios/run-check.sh [--update] NAME}
bin=${PNICSIM:-build/bin/pnicsim}
out=build/scenarios/run-$name
expected=tests/scenarios/$name.expected.json
rm -rf "$out"; mkdir -p "$out"
rc=0
"$bin" run "scenarios/$name.yaml" --out "$out" --no-plots > "$out/../run-$name.log" 2>&1 || rc=$?
if [ "$rc" -ne 0 ]; then cat "$out/../run-$name.log"; echo "scenario $name: pnicsim run failed ($rc)"; exit 1; fi
jq -S . "$out/summary.json" > "$out/../run-$name.summary.cmp.json"
if [ "$update" = 1 ]; then
  cp "$out/../run-$name.summary.cmp.json" "$expected"
  echo "scenario $name: wrote $expected"
  exit 0
fi
if ! diff -u "$expected" "$out/../run-$name.summary.cmp.json"; then
  echo "scenario $name: summary.json differs from $expected (see diff above)"
  exit 1
fi
echo "scenario $name: summary matches $expected"
