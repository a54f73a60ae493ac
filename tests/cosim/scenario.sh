#!/usr/bin/env bash
# pnicsim cosim --scenario with the real RTL: a user's scenario reaches the
# lookup core and every lookup's answer matches the C model and pnicsim
# replay; a configuration that is missing is built on demand.
#   scenario.sh PNICSIM TRACEGEN MUTANT   (MUTANT: build/mutants/prio_highest/cosim)
# (a) the bundled demo scenario (make demo's) runs in lockstep;
# (b) a scenario of an 80-bit custom key profile and a 300-VPID map (no
#     built-in width, no default map) is built on demand, then runs;
# (c) a scenario written by tracegen runs;
# (d) an entry past the RTL's depth, a missing file and a scenario with
#     --depth are refused with exit status 2 and a message saying why;
# (e) a scenario whose entries overlap passes on the RTL and fails on the
#     prio_highest mutant (64x128), so scenario mode can catch a bug.
set -u
pnicsim=$1 tracegen=$2 mutant=$3
cosim_dir=$(cd "$(dirname "$pnicsim")/.." && pwd)/cosim
tmp=$(mktemp -d /tmp/pnicsim-cosim-scenario.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "scenario: $*"; exit 1; }

# A passing run: its PASS line names cfg, and replay's answers matched.
expect_pass() {  # cfg output
  grep -q "^PASS $1 mode scenario seed 1: " <<<"$2" || fail "no PASS line for $1: $2"
  grep -q "every answer equals pnicsim replay's" <<<"$2" \
    || fail "$1: the answers were not checked against replay: $2"
  grep -Eq ": [1-9][0-9]* lookups, " <<<"$2" || fail "$1: no lookups: $2"
}

# (a) the demo: its 12 entries and 4 map writes through the config port,
# its 400 packets as lookups.
out=$("$pnicsim" cosim --scenario scenarios/demo.yaml 2>&1) || fail "demo failed: $out"
expect_pass 64x372 "$out"
grep -q "config port: 4 map_set, 12 entry_write" <<<"$out" || fail "demo: not its tables: $out"
grep -q "^scenario scenarios/demo.yaml: 400 lookups, " <<<"$out" || fail "demo: not its 400 packets: $out"

# (b) built on demand: removed first, so that every run builds it.
cat >"$tmp/k80.yaml" <<EOF
key_profile:
  name: k80
  fields:
    - { field: dst_ip, width: 32 }
    - { field: l4_dst }
    - { field: ip_proto }
    - { field: in_port, width: 8 }
    - { field: vlan_vid, width: 16 }
tcam: { depth: 16, miss: drop }
ports:
  - { ppid: 0, name: wire0 }
  - { ppid: 1, name: vf0 }
vpid_map:
  n_vpids: 300
  map:
    - { vpid: 1, ppid: vf0 }
    - { vpid: 299, ppid: vf0 }
flows:
  - match: { ip_proto: tcp, l4_dst: 80 }
    action: { forward: 299 }
  - match: { l4_dst: 53 }
    action: to_host
  - match: { ip_proto: udp }
    action: { forward: 1 }
inputs:
  - { pcap: $PWD/traces/demo.pcap, in_port: wire0 }
EOF
rm -rf "$cosim_dir/16x80v512"
out=$("$pnicsim" cosim --scenario "$tmp/k80.yaml" 2>&1) || fail "80-bit key failed: $out"
grep -q "^pnicsim cosim: building RTL configuration 16x80v512 (first use; takes about [0-9]* s)$" <<<"$out" \
  || fail "16x80v512 not built on demand, or not said: $out"
grep -q "^pnicsim cosim: built 16x80v512 in [0-9]* s$" <<<"$out" || fail "no 'built' line: $out"
grep -q "^cosim 16x80v512 (NumVpids 512) mode scenario" <<<"$out" || fail "not the 512-VPID build: $out"
expect_pass 16x80v512 "$out"

# (c) tracegen's scenario: one exact entry per flow, some flows missing.
"$tracegen" -o "$tmp/tg.pcap" -n 300 -f 40 --miss 20 --scenario "$tmp/tg.yaml" >/dev/null \
  || fail "tracegen failed"
out=$("$pnicsim" cosim --scenario "$tmp/tg.yaml" 2>&1) || fail "tracegen's scenario failed: $out"
expect_pass 64x372 "$out"
grep -q "^scenario $tmp/tg.yaml: 300 lookups, " <<<"$out" || fail "not tracegen's 300 packets: $out"

# (d) refusals.
refused() {  # what pattern output
  local rc=$3
  [ "$rc" -eq 2 ] || fail "$1: exit status $rc, not 2: $4"
  grep -q -- "$2" <<<"$4" || fail "$1: no '$2' in: $4"
  if grep -q "^PASS\|building RTL" <<<"$4"; then fail "$1: ran or built: $4"; fi
}
sed -e 's/depth: 16,/depth: 8192,/' -e 's/^  - match: { l4_dst: 53 }/  - index: 5000\n    match: { l4_dst: 53 }/' \
  "$tmp/k80.yaml" >"$tmp/deep.yaml"
out=$("$pnicsim" cosim --scenario "$tmp/deep.yaml" 2>&1); rc=$?
refused "entry past 4096" "^pnicsim cosim: $tmp/deep.yaml:[0-9]*: flows\[1\]: entry index 5000 is beyond the lookup core's 4096 entries: the RTL is built at most 4096 entries deep" $rc "$out"
out=$("$pnicsim" cosim --scenario "$tmp/none.yaml" 2>&1); rc=$?
refused "missing file" "^pnicsim cosim: $tmp/none.yaml: cannot open" $rc "$out"
out=$("$pnicsim" cosim --scenario scenarios/demo.yaml --depth 64 2>&1); rc=$?
refused "scenario and --depth" "^pnicsim cosim: --scenario chooses the configuration from the scenario" $rc "$out"
# (e) overlapping entries: TCP to port 80 matches entries 0 and 1.
cat >"$tmp/flow.yaml" <<EOF
key_profile: ipv4_flow
tcam: { depth: 64 }
ports:
  - { ppid: 0, name: wire0 }
  - { ppid: 1, name: vf0 }
vpid_map:
  n_vpids: 4
  map:
    - { vpid: 1, ppid: vf0 }
    - { vpid: 2, ppid: wire0 }
flows:
  - match: { ip_proto: tcp, l4_dst: 80 }
    action: { forward: 1 }
  - match: { ip_proto: tcp }
    action: { forward: 2 }
  - match: { l4_dst: 53 }
    action: to_host
inputs:
  - { pcap: $PWD/traces/demo.pcap, in_port: wire0 }
EOF
out=$("$pnicsim" cosim --scenario "$tmp/flow.yaml" 2>&1) || fail "overlapping entries failed: $out"
expect_pass 64x128 "$out"
out=$("$mutant" --scenario "$tmp/flow.yaml" --vcd-file "$tmp/m.vcd" 2>&1); rc=$?
[ "$rc" -eq 1 ] || fail "the prio_highest mutant passed a scenario (status $rc): $out"
grep -q "^MISMATCH at cycle" <<<"$out" || fail "no mismatch report from the mutant: $out"
grep -q "^FAIL: mismatch at cycle [0-9]* (mode scenario, seed 1); reproduce with --seed 1 --scenario $tmp/flow.yaml" <<<"$out" \
  || fail "the mutant's FAIL line does not say how to reproduce: $out"
echo "scenario: ok"
