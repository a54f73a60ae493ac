#!/usr/bin/env bash
# Replay throughput of the functional datapath on one core.
#
# tracegen makes (into build/bench/, once) a 1M-packet trace over 64K flows
# (IPv4/IPv6, TCP/UDP, some VLAN, some VXLAN) and a scenario with one
# exact-match entry per flow (default 372-bit key profile, TCAM depth 64K),
# so every packet hits.  pnicsim replay runs it with --no-pcap: the pcap
# outputs are OFF, so the figure is the datapath core (parse, key build,
# TCAM lookup, action RAM, VPID map, editor, counters) and not file writing.
# The loop is timed in thread CPU time by pnicsim itself (timing.json
# core_pps), best of 3 runs.
set -euo pipefail
cd "$(dirname "$0")/../.."
make --no-print-directory -s build/bin/tracegen build/bin/pnicsim >/dev/null
dir=build/bench/replay
mkdir -p "$dir"
if [ ! -s "$dir/trace.pcap" ] || [ ! -s "$dir/scenario.yaml" ]; then
  build/bin/tracegen --out "$dir/trace.pcap" --packets 1000000 --flows 65536 \
    --seed 42 --scenario "$dir/scenario.yaml"
fi
best=0
for run in 1 2 3; do
  build/bin/pnicsim replay "$dir/scenario.yaml" --out "$dir/out" --no-pcap >/dev/null 2>"$dir/run$run.log" \
    || { cat "$dir/run$run.log" >&2; exit 1; }
  pps=$(jq '.core_pps' "$dir/out/timing.json")
  hits=$(jq '.hits' "$dir/out/summary.json")
  echo "replay run $run: $(cat "$dir/run$run.log")"
  best=$(awk -v a="$best" -v b="$pps" 'BEGIN { print (b > a) ? b : a }')
done
[ "$hits" = 1000000 ] || { echo "replay bench: expected 1000000 hits, got $hits" >&2; exit 1; }
awk -v p="$best" 'BEGIN { printf "BENCH replay_mpps %.2f\n", p / 1e6 }'
