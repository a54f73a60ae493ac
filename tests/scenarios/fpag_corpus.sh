#!/usr/bin/env bash
# The FPAG on captures no one here wrote: every file of ../shared/data/pcaps
# through pnicsim run with host.program fpag (one VM on vf0, an uplink
# for every other source, in_port: vnics, allow everything).  Each run
# completes (0), stops on a damaged capture (1) or is refused with a
# message (2) — never a crash or a hang — and a completed one has no
# command the NIC refused and no completion in error.  Skipped, with a
# message, where ../shared is absent.
set -euo pipefail
cd "$(dirname "$0")/../.."
corpus=../shared/data/pcaps
[ -d "$corpus" ] || { echo "fpag_corpus: skipped, $corpus is absent"; exit 0; }
bin=${PNICSIM:-build/bin/pnicsim}
d=$(mktemp -d); trap 'rm -rf "$d"' EXIT
n=0 ran=0
while IFS= read -r f; do
  n=$((n + 1))
  cat > "$d/s.yaml" <<YAML
tcam: { depth: 256, miss: to_host }
ports: [ { ppid: 0, name: up }, { ppid: 1, name: vf0 } ]
vpid_map: { n_vpids: 4 }
host: { program: fpag }
topology:
  vnics: [ { name: vm, mac: '02:00:00:00:00:01', ipv4: 10.0.0.1, port: vf0 } ]
  uplinks: [ { name: wan, port: up, routes: [ 0.0.0.0/0, '::/0' ] } ]
rules: { default: allow }
inputs: [ { pcap: "$(realpath "$f")", in_port: vnics } ]
YAML
  rc=0
  timeout -s KILL 60 "$bin" run "$d/s.yaml" --out "$d/o" --quiet --no-plots > "$d/log" 2>&1 || rc=$?
  case $rc in
    0) ran=$((ran + 1))
       jq -e '.fpag.cmd_errors == 0 and .host_program.cpl_errors == 0' "$d/o/summary.json" > /dev/null \
         || { echo "fpag_corpus: $f: $(jq -c '{fpag: .fpag.cmd_errors, cpl: .host_program.cpl_errors}' "$d/o/summary.json")"; exit 1; }
       rm -rf "$d/o" ;;
    1|2) grep -q . "$d/log" || { echo "fpag_corpus: $f: exit $rc without a message"; exit 1; } ;;
    *) echo "fpag_corpus: $f: exit $rc"; tail -n 5 "$d/log"; exit 1 ;;
  esac
done < <(find "$corpus" -type f ! -name '*.md' | sort)
echo "fpag_corpus: $n captures, $ran run to the end, the rest stopped or refused with a message"
