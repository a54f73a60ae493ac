#!/usr/bin/env bash
# pnicsim run is deterministic: the timed demo run twice (into two
# folders, and a third time over the first) gives byte-identical
# summary.json, packets.csv, timeseries.csv and egress pcaps.  The host's
# timing goes to timing.json and stderr instead.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${PNICSIM:-build/bin/pnicsim}
d=build/scenarios/run-deterministic
rm -rf "$d"; mkdir -p "$d"
fail() { echo "run-deterministic: $*"; exit 1; }

for run in a b a; do
  "$bin" run scenarios/demo-run.yaml --out "$d/$run" --no-plots > "$d/$run.stdout" 2> "$d/$run.stderr" \
    || fail "run $run: exit status $? ($(cat "$d/$run.stderr"))"
done
n=0
for f in "$d"/a/*; do
  b=$(basename "$f")
  [ "$b" = timing.json ] && continue
  cmp "$d/a/$b" "$d/b/$b" || fail "$b differs between two runs of the demo"
  n=$((n + 1))
done
[ "$(ls "$d/a")" = "$(ls "$d/b")" ] || fail "the runs made different files: $(ls "$d/a") / $(ls "$d/b")"
for f in summary.json packets.csv timeseries.csv; do
  [ -s "$d/a/$f" ] || fail "no $f"
done
ls "$d"/a/egress-ppid*.pcap >/dev/null 2>&1 || fail "no egress pcap"
jq -e '(.wall_s | type) == "number"' "$d/a/timing.json" >/dev/null || fail "timing.json: $(cat "$d/a/timing.json")"
grep -q "wall_s" "$d/a/summary.json" && fail "host timing in summary.json"
echo "run-deterministic: ok ($n files identical)"
