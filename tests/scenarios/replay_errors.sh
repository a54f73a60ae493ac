#!/usr/bin/env bash
# pnicsim replay on faulty inputs: a capture cut mid-record (every packet
# before the cut replayed and counted, the fault reported, exit 1), a
# refused link type (named, exit 1, the other input still replayed), a
# bad scenario (file:line:column and field, exit 2, nothing written), and an
# input that is not a capture file at all (a scenario error too: exit 2).
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${PNICSIM:-build/bin/pnicsim}
d=build/scenarios/replay_errors
rm -rf "$d"; mkdir -p "$d"
fail() { echo "replay_errors: $*"; exit 1; }

# demo.pcap minus its last 10 bytes: the last record's data is incomplete
size=$(stat -c %s traces/demo.pcap)
head -c $((size - 10)) traces/demo.pcap > "$d/cut.pcap"
# a pcap header with link type 127 (802.11 radiotap) and no records
printf '\xd4\xc3\xb2\xa1\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\x00\x00\x7f\x00\x00\x00' > "$d/radiotap.pcap"
cat > "$d/cfg.yaml" <<'YAML'
tcam: { depth: 16 }
ports: [ { ppid: 0, name: wire0 }, { ppid: 1 } ]
vpid_map: { n_vpids: 4, map: [ { vpid: 1, ppid: 1 } ] }
flows:
  - { match: { ip_proto: tcp }, action: { forward: 1 } }
inputs:
  - { pcap: radiotap.pcap, in_port: wire0 }
  - { pcap: cut.pcap, in_port: wire0 }
YAML
rc=0
"$bin" replay "$d/cfg.yaml" --out "$d/out" > "$d/stdout" 2> "$d/stderr" || rc=$?
[ "$rc" = 1 ] || fail "exit status $rc, expected 1"
s=$d/out/summary.json
[ "$(jq '.packets' "$s")" = 399 ] || fail "packets $(jq '.packets' "$s"), expected 399"
[ "$(jq '.file_errors' "$s")" = 2 ] || fail "file_errors $(jq '.file_errors' "$s")"
jq -e '.inputs[0].refused and (.inputs[0].error | test("link type 127"))' "$s" >/dev/null \
  || fail "radiotap refusal not reported: $(jq -c '.inputs[0]' "$s")"
jq -e '(.inputs[1].refused | not) and .inputs[1].packets == 399 and (.inputs[1].error | test("packet 400"))' "$s" >/dev/null \
  || fail "cut file not reported: $(jq -c '.inputs[1]' "$s")"
grep -q "REFUSED" "$d/stdout" || fail "summary does not show the refusal"
grep -q "DAMAGED" "$d/stdout" || fail "summary does not show the damage"
[ "$(jq '.hits + .misses' "$s")" = 399 ] || fail "hits + misses"

# a bad scenario: refused with its place, nothing written
sed 's/n_vpids: 4, map: \[ { vpid: 1/n_vpids: 4, map: [ { vpid: 4/' "$d/cfg.yaml" > "$d/bad.yaml"
rc=0
"$bin" replay "$d/bad.yaml" --out "$d/bad-out" > "$d/bad.stdout" 2> "$d/bad.stderr" || rc=$?
[ "$rc" = 2 ] || fail "bad scenario: exit status $rc, expected 2"
grep -q "bad.yaml:3:40: vpid_map.map\[0\].vpid: expected an integer in 0..3, got '4'" "$d/bad.stderr" \
  || fail "bad scenario message: $(cat "$d/bad.stderr")"
[ ! -e "$d/bad-out" ] || fail "bad scenario wrote outputs"
# an input that is no capture file (a folder, a device): refused at
# validation like any bad scenario, not at run time as a damaged input
for bad in /dev/null:"is a character device" .:"is a folder"; do
  sed "s|pcap: cut.pcap|pcap: ${bad%%:*}|" "$d/cfg.yaml" > "$d/nocap.yaml"
  rc=0
  "$bin" replay "$d/nocap.yaml" --out "$d/nocap-out" > /dev/null 2> "$d/nocap.stderr" || rc=$?
  [ "$rc" = 2 ] || fail "pcap: ${bad%%:*}: exit status $rc, expected 2"
  grep -q "nocap.yaml:8:13: inputs\[1\].pcap: '[^']*' ${bad#*:}, not a capture file" "$d/nocap.stderr" \
    || fail "pcap: ${bad%%:*}: message: $(cat "$d/nocap.stderr")"
  [ ! -e "$d/nocap-out" ] || fail "pcap: ${bad%%:*}: outputs written"
done
echo "replay_errors: ok"
