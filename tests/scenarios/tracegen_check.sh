#!/usr/bin/env bash
# tracegen is deterministic: the command recorded in scenarios/demo.yaml
# regenerates traces/demo.pcap byte for byte, and a generated config
# replays with every packet hitting its flow's entry.
set -euo pipefail
cd "$(dirname "$0")/../.."
d=build/scenarios/tracegen
rm -rf "$d"; mkdir -p "$d"
build/bin/tracegen -o "$d/demo.pcap" -n 400 -f 32 -s 7 --vlan 20 --vxlan 15 --rate 100000
cmp "$d/demo.pcap" traces/demo.pcap || { echo "tracegen: demo trace not reproduced"; exit 1; }
build/bin/tracegen -o "$d/t.pcap" -n 5000 -f 700 -s 3 --ipv6 40 --vxlan 20 --vlan 20 \
  --config "$d/t.yaml" --flows-yaml "$d/flows.yaml"
build/bin/pnicsim replay "$d/t.yaml" --out "$d/out" --json > "$d/summary.json" 2>/dev/null
jq -e '.packets == 5000 and .hits == 5000 and .parse_errors.packets == 0' "$d/summary.json" >/dev/null \
  || { echo "tracegen: generated config does not match its trace: $(jq -c '{packets,hits,misses}' "$d/summary.json")"; exit 1; }
# the flows snippet is the config's flows list
grep -c '^  - { match' "$d/flows.yaml" | grep -qx 700 || { echo "tracegen: snippet entries"; exit 1; }
echo "tracegen: ok"
