#!/usr/bin/env bash
# summary.json holds results only: the demo run twice (into two folders,
# and a third time over the first) gives the same bytes.  The host's
# timing goes to timing.json and stderr instead.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${PNICSIM:-build/bin/pnicsim}
d=build/scenarios/deterministic
rm -rf "$d"; mkdir -p "$d"
fail() { echo "deterministic: $*"; exit 1; }

for run in a b a; do
  "$bin" replay scenarios/demo.yaml --out "$d/$run" > "$d/$run.stdout" 2> "$d/$run.stderr" \
    || fail "run $run: exit status $? ($(cat "$d/$run.stderr"))"
done
cmp "$d/a/summary.json" "$d/b/summary.json" \
  || fail "summary.json differs between two runs of the demo: $(diff "$d/a/summary.json" "$d/b/summary.json" | head -20)"
jq -e 'has("performance") | not' "$d/a/summary.json" >/dev/null || fail "host timing in summary.json"
jq -e '(.core_seconds | type) == "number" and (.wall_seconds | type) == "number" and .packets == 400' \
  "$d/a/timing.json" >/dev/null || fail "timing.json: $(cat "$d/a/timing.json")"
grep -q "datapath core .* M packets/s" "$d/a.stderr" || fail "no timing on stderr: $(cat "$d/a.stderr")"
for f in to-host.pcap drops.pcap egress-ppid1.pcap egress-ppid2.pcap egress-ppid3.pcap; do
  cmp "$d/a/$f" "$d/b/$f" || fail "$f differs between runs"
done
echo "deterministic: ok"
