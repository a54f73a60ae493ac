#!/usr/bin/env bash
# Rule-update revision time of the FPAG (tools/fpagbench.c, over
# host/fpag with a NIC in process): a 10K-rule ClassBench ACL-style set
# (cbgen, into build/bench/fpag/, once), 25% of its rules deny; 50K flows
# from 4096 VMs offloaded as exact entries; then 1000 rule adds, removes
# and changes at random positions, each timed on the wall clock (the
# NIC's commands applied), with the rule set's checks and the entries
# rewritten, invalidated and left alone per update; against re-checking
# every flow against the whole set after an update (Open vSwitch's
# revalidators), timed once.  fpagbench checks every flow through the
# NIC afterwards (exit 1 on a wrong decision).  Figures
# fpag_rule_update_10k_{p50,p99,mean,max}_us, _checks_per_update,
# _rewritten_per_update, _invalidated_per_update, _untouched_per_update,
# _recheck_all_ms, _speedup_mean, _entries; the load is printed beside
# them.  docs/fpag.md, "Speed".
set -euo pipefail
cd "$(dirname "$0")/../.."
make --no-print-directory -s build/bin/cbgen build/bin/fpagbench >/dev/null
dir=build/bench/fpag
mkdir -p "$dir"
[ -s "$dir/rules-10k.txt" ] || build/bin/cbgen rules 10000 --seed 1 --style acl -o "$dir/rules-10k.txt"
echo "load: $(uptime | sed 's/.*load/load/')"
build/bin/fpagbench --rules "$dir/rules-10k.txt" --flows 50000 --vnics 4096 \
  --updates 1000 --baseline 1 --seed 1 --name fpag_rule_update_10k
echo "load: $(uptime | sed 's/.*load/load/')"
