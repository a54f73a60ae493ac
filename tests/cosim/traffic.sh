#!/usr/bin/env bash
# Real-traffic cosim: keys from the pcap corpus (parser + key builder) and
# from a ClassBench header trace, entries from a ClassBench rule set
# compiled by host/acl (both made by build/bin/cbgen, deterministic).
# Without the corpus (../shared/data/pcaps, or $PNICSIM_SHARED/data/pcaps)
# the packets part is skipped, with a message, and the trace still runs.
#   traffic.sh BINARY [CYCLES] [SEED]
set -u
bin=$1 cycles=${2:-0} seed=${3:-1}
cd "$(dirname "$0")/../.." || exit 1
shared=${PNICSIM_SHARED:-../shared}
dir=$(dirname "$bin")/traffic
mkdir -p "$dir"
# About one rule per three entries, so most of the set fits (port ranges
# expand a rule into several entries) and most trace headers can hit.
depth=$("$bin" --help | sed -n 's/.*this build: Depth \([0-9]*\),.*/\1/p')
nrules=$(( ${depth:-1024} / 3 )); [ "$nrules" -lt 10 ] && nrules=10
build/bin/cbgen rules "$nrules" --seed "$seed" -o "$dir/rules" || exit 1
build/bin/cbgen trace "$dir/rules" 20000 --seed "$((seed + 1))" -o "$dir/trace" || exit 1
pcap=()
if [ -d "$shared/data/pcaps" ]; then
  pcap=(--pcap "$shared/data/pcaps")
else
  echo "traffic: SKIP packets: pcap corpus $shared/data/pcaps not found (set PNICSIM_SHARED)"
fi
"$bin" --quiet --mode traffic --seed "$seed" --cycles "$cycles" "${pcap[@]}" \
  --rules "$dir/rules" --trace "$dir/trace" --vcd-file "$dir/fail.vcd"
