#!/usr/bin/env bash
# tracegen is deterministic: the command recorded in scenarios/demo.yaml
# regenerates traces/demo.pcap byte for byte, a generated scenario replays
# with every packet hitting its flow's entry, and so does one at the
# largest TCAM.
set -euo pipefail
cd "$(dirname "$0")/../.."
d=build/scenarios/tracegen
rm -rf "$d"; mkdir -p "$d"
build/bin/tracegen -o "$d/demo.pcap" -n 400 -f 32 -s 7 --vlan 20 --vxlan 15 --rate 100000
cmp "$d/demo.pcap" traces/demo.pcap || { echo "tracegen: demo trace not reproduced"; exit 1; }
# ... and the migration scenario's traces (scenarios/migration.yaml)
build/bin/tracegen --connections 300 --conn-rate 20000 --vms 4,2 --size-median 1500 \
  --size-max 8000 --idle 0 -s 11 -o "$d/mig-c2s.pcap" --reverse "$d/mig-s2c.pcap"
cmp "$d/mig-c2s.pcap" traces/migration-c2s.pcap && cmp "$d/mig-s2c.pcap" traces/migration-s2c.pcap \
  || { echo "tracegen: migration traces not reproduced"; exit 1; }
# ... and the VXLAN scenario's (scenarios/vxlan.yaml: IPv4 and IPv6 tenants)
build/bin/tracegen --connections 200 --conn-rate 20000 --vms 4,2 --size-median 1500 \
  --size-max 6000 --idle 0 -s 12 --ipv6 30 -o "$d/vx-c2s.pcap" --reverse "$d/vx-s2c.pcap"
cmp "$d/vx-c2s.pcap" traces/vxlan-c2s.pcap && cmp "$d/vx-s2c.pcap" traces/vxlan-s2c.pcap \
  || { echo "tracegen: vxlan traces not reproduced"; exit 1; }
build/bin/tracegen -o "$d/t.pcap" -n 5000 -f 700 -s 3 --ipv6 40 --vxlan 20 --vlan 20 \
  --scenario "$d/t.yaml" --flows-yaml "$d/flows.yaml"
build/bin/pnicsim replay "$d/t.yaml" --out "$d/out" --json > "$d/summary.json" 2>/dev/null
jq -e '.packets == 5000 and .hits == 5000 and .parse_errors.packets == 0' "$d/summary.json" >/dev/null \
  || { echo "tracegen: generated scenario does not match its trace: $(jq -c '{packets,hits,misses}' "$d/summary.json")"; exit 1; }
# the flows snippet is the scenario's flows list
grep -c '^  - { match' "$d/flows.yaml" | grep -qx 700 || { echo "tracegen: snippet entries"; exit 1; }
# the largest table: 262144 entries (TCAM_MAX_DEPTH) load and every packet
# hits; one entry more is refused before anything is written
build/bin/tracegen -o "$d/max.pcap" -n 2000 -f 262144 -s 5 --scenario "$d/max.yaml"
grep -q '^tcam: { depth: 262144,' "$d/max.yaml" || { echo "tracegen: depth at the maximum: $(grep '^tcam' "$d/max.yaml")"; exit 1; }
build/bin/pnicsim replay "$d/max.yaml" --out "$d/max-out" --no-pcap --json > "$d/max.json" 2>/dev/null
jq -e '.packets == 2000 and .hits == 2000' "$d/max.json" >/dev/null \
  || { echo "tracegen: largest scenario: $(jq -c '{packets,hits,misses}' "$d/max.json")"; exit 1; }
# connections: both directions on two ports, an entry each way, every
# packet of either side hits
build/bin/tracegen -o "$d/cli.pcap" --reverse "$d/srv.pcap" --connections 300 -s 2 \
  --ipv6 30 --vxlan 20 --vlan 20 --idle-ms 1 --scenario "$d/conn.yaml"
build/bin/pnicsim replay "$d/conn.yaml" --out "$d/conn-out" --no-pcap --json > "$d/conn.json" 2>/dev/null
jq -e '.packets > 600 and .hits == .packets and .parse_errors.packets == 0' "$d/conn.json" >/dev/null \
  || { echo "tracegen: connection scenario: $(jq -c '{packets,hits,misses}' "$d/conn.json")"; exit 1; }
rc=0
build/bin/tracegen -o "$d/over.pcap" -n 10 -f 262145 --scenario "$d/over.yaml" 2> "$d/over.err" || rc=$?
[ "$rc" = 2 ] && grep -q "262145 flow entries do not fit the largest TCAM (262144 entries)" "$d/over.err" \
  && [ ! -e "$d/over.yaml" ] || { echo "tracegen: 262145 entries: exit $rc, $(cat "$d/over.err")"; exit 1; }
echo "tracegen: ok"
