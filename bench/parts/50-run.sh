#!/usr/bin/env bash
# The timed system (model/sc/, SystemC): packets per wall second with
# per-packet accounting on (every record and every frame out handed to a
# callback), simulated NIC cycles per wall second, and the SystemC
# kernel's share of the run, for
#   - the bundled demo (400 packets, misses closed by the host program);
#   - a 1M-packet, 64K-flow all-hit trace (64-byte frames offered every
#     10 ns on one 100G port; tracegen, into build/bench/run/, once), its
#     65536 entries programmed through the mailbox first, the host asleep
#     on interrupts;
#   - the same with no host (tables written straight into the pipeline);
#   - the 1M-packet trace through `pnicsim run` with its outputs on
#     (packets.csv, timeseries.csv, egress pcaps; plots off), from its
#     timing.json;
#   - the 1M-packet runs again with `make release`'s binaries (-O3, link-
#     time optimisation: mk/speed.mk), figures named *_release_*.
# Packets per second are over the traffic, from the sources' start to
# the end (the programming of 64K entries aside); best of 3 runs.
set -euo pipefail
cd "$(dirname "$0")/../.."
make --no-print-directory -s build/bin/tracegen build/bin/scbench build/bin/pnicsim >/dev/null
make --no-print-directory -s release >/dev/null
dir=build/bench/run
mkdir -p "$dir"
if [ ! -s "$dir/trace.pcap" ] || [ ! -s "$dir/scenario.yaml" ]; then
  build/bin/tracegen --out "$dir/trace.pcap" --packets 1000000 --flows 65536 \
    --seed 42 --max-payload 0 --ipv6 0 --vlan 0 --vxlan 0 --rate 100e6 \
    --scenario "$dir/scenario.yaml" >/dev/null
fi

# best NAME FIGURE ARGS...: the highest FIGURE of 3 runs of $scbench,
# every line shown.
scbench=build/bin/scbench
best() {
  local name=$1 fig=$2 b=0 v
  shift 2
  for run in 1 2 3; do
    out=$("$scbench" "$@" --name "$name")
    echo "$out" | grep -v '^BENCH' | sed "s/^/run $run: /"
    v=$(echo "$out" | awk -v f="BENCH ${name}_$fig" 'index($0, f " ") == 1 { print $3 }')
    b=$(awk -v a="$b" -v c="$v" 'BEGIN { print (c > a) ? c : a }')
    last=$out
  done
  echo "BENCH ${name}_$fig $b"
  echo "$last" | grep '^BENCH' | grep -v "_$fig "
}

best run_demo mpps scenarios/demo.yaml
best run_64k mpps "$dir/scenario.yaml"
best run_64k_nohost mpps "$dir/scenario.yaml" --host off

# pnicsim run with packets.csv on: traffic packets/s from timing.json.
# csv_best PNICSIM NAME
csv_best() {
  local b=0 v
  for run in 1 2 3; do
    rm -rf "$dir/out"
    "$1" run "$dir/scenario.yaml" --out "$dir/out" --no-plots --quiet
    v=$(jq '.traffic_packets_per_s / 1e6' "$dir/out/timing.json")
    echo "run $run: $1 run, packets.csv on: $(printf '%.3f' "$v") M packets/s over the traffic"
    b=$(awk -v a="$b" -v c="$v" 'BEGIN { print (c > a) ? c : a }')
  done
  rm -rf "$dir/out"
  echo "BENCH $2 $(printf '%.3f' "$b")"
}
csv_best build/bin/pnicsim run_64k_pnicsim_csv_mpps

scbench=build/release/bin/scbench
best run_64k_release mpps "$dir/scenario.yaml"
best run_64k_nohost_release mpps "$dir/scenario.yaml" --host off
csv_best build/release/bin/pnicsim run_64k_pnicsim_csv_release_mpps
