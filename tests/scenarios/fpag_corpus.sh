#!/usr/bin/env bash
# The FPAG on captures no one here wrote: every file of ../shared/data/pcaps
# through pnicsim run with host.program fpag (one VM on vf0, an uplink
# for every other source, in_port: vnics), twice: allowing everything, and
# behind a stateful firewall (TCP, UDP and ICMP connections tracked, the
# rest denied), so that connection tracking meets real handshakes,
# teardowns, retransmissions and garbage.  Each run completes (0), stops
# on a damaged capture (1) or is refused with a message (2) — never a
# crash or a hang — and a completed one has no command the NIC refused,
# no completion in error, and books that add up: every miss decided once
# (allowed, denied, not IP, unknown source, or no destination), no more
# packet-outs than allowed misses, no more tracker verdicts than misses,
# and every packet decided as the slow path alone decides it (the
# correctness oracle, --oracle: no mismatch; docs/fpag.md).
# Skipped, with a message, where ../shared is absent.
set -euo pipefail
cd "$(dirname "$0")/../.."
corpus=../shared/data/pcaps
[ -d "$corpus" ] || { echo "fpag_corpus: skipped, $corpus is absent"; exit 0; }
bin=${PNICSIM:-build/bin/pnicsim}
d=$(mktemp -d); trap 'rm -rf "$d"' EXIT
ALLOW='{ default: allow }'
STATEFUL='{ default: deny, list: [ { action: allow, proto: tcp, stateful: true }, { action: allow, proto: udp, stateful: true }, { action: allow, proto: icmp, stateful: true } ] }'
BOOKS='.fpag as $f | $f.cmd_errors == 0 and .host_program.cpl_errors == 0
  and ($f.allowed + $f.denied + $f.not_ip + $f.unknown_source) as $decided
  | $decided <= $f.misses and $f.misses <= $decided + $f.no_dest
  and $f.packet_outs <= $f.allowed
  and $f.ct_new + $f.ct_established + $f.ct_invalid + $f.ct_refused <= $f.misses
  and .oracle.mismatches == 0'
n=0 ran=0
# one FILE RULES: a run of the FPAG over FILE behind RULES, checked.
one() {
  local f=$1 rules=$2 rc=0
  cat > "$d/s.yaml" <<YAML
tcam: { depth: 256, miss: to_host }
ports: [ { ppid: 0, name: up }, { ppid: 1, name: vf0 } ]
vpid_map: { n_vpids: 4 }
host: { program: fpag }
topology:
  vnics: [ { name: vm, mac: '02:00:00:00:00:01', ipv4: 10.0.0.1, port: vf0 } ]
  uplinks: [ { name: wan, port: up, routes: [ 0.0.0.0/0, '::/0' ] } ]
rules: $rules
inputs: [ { pcap: "$(realpath "$f")", in_port: vnics } ]
YAML
  timeout -s KILL 60 "$bin" run "$d/s.yaml" --out "$d/o" --quiet --no-plots --oracle > "$d/log" 2>&1 || rc=$?
  case $rc in
    0) ran=$((ran + 1))
       jq -e "$BOOKS" "$d/o/summary.json" > /dev/null \
         || { echo "fpag_corpus: $f, rules $rules: the books do not add up:"; jq -c '.fpag, .oracle' "$d/o/summary.json"; exit 1; }
       rm -rf "$d/o" ;;
    1|2) grep -q . "$d/log" || { echo "fpag_corpus: $f: exit $rc without a message"; exit 1; } ;;
    *) echo "fpag_corpus: $f, rules $rules: exit $rc"; tail -n 5 "$d/log"; exit 1 ;;
  esac
}
while IFS= read -r f; do
  n=$((n + 1))
  one "$f" "$ALLOW"
  one "$f" "$STATEFUL"
done < <(find "$corpus" -type f ! -name '*.md' | sort)
echo "fpag_corpus: $n captures, twice each; $ran runs to the end, the rest stopped or refused with a message"
