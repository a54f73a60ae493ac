#!/usr/bin/env bash
# Migration cost, VPID against PPID, at 1K, 10K and 100K offloaded flows
# toward the moving VNIC, through the whole system (`pnicsim run`, the
# FPAG as host program).  Per N: tracegen --vms 16,1 writes 1.1 N TCP
# connections (handshake, data both ways, left open so that their entries
# stay) from 16 client VMs to one server VM, Poisson at 100K/s, into
# build/bench/fpag/ (once); the run moves the server VM from vf1 to vf2 at
# N / 100K s, when about N connections have arrived and their entries are
# in, while the last tenth still arrives (traffic during the move).  Both
# flow_dest modes by --set.  From summary.json's events[0]: mailbox
# commands (each one table write: a MAP_SET, or an ACTION_WRITE per entry),
# repair time (from the event until the NIC applied the last command) in
# cycles and ns, the packets misdelivered (the VNIC's frames that left by
# the old port), dropped, and missed (sent to the host) during the move.
# `_flows` is the entries toward the VNIC at the move (PPID mode rewrites
# each).  Simulated figures: the same on every machine.  Then the plot
# docs/figures/migration-cost.svg (gnuplot) from them; docs/fpag.md,
# "Migration, both modes side by side", has the table.
set -euo pipefail
cd "$(dirname "$0")/../.."
make --no-print-directory -s build/bin/tracegen build/bin/pnicsim >/dev/null
dir=build/bench/fpag
mkdir -p "$dir"
rate=100000
data=$dir/migration-cost.dat
echo "# flows mode_flows vpid_cmds vpid_repair_ns vpid_mis vpid_missed ppid_cmds ppid_repair_ns ppid_mis ppid_missed" > "$data"

# gen NAME CONNECTIONS: the traces and scenario, unless already there.
gen() {
  [ -s "$dir/$1.yaml" ] && [ -s "$dir/$1-c2s.pcap" ] && return 0
  build/bin/tracegen -o "$dir/$1-c2s.pcap" --reverse "$dir/$1-s2c.pcap" \
    --connections "$2" --conn-rate $rate --vms 16,1 --udp 0 --open 100 \
    --rst 0 --idle 0 --size-median 500 --size-max 100000 -s 7 \
    --scenario "$dir/$1.yaml" >/dev/null
}

# run NAME MODE AT_NS: one run, its event as "k v" lines.
run() {
  local out=$dir/out-$1-$2
  rm -rf "$out"
  build/bin/pnicsim run "$dir/$1.yaml" --out "$out" --no-packets --no-plots \
    --quiet --set fpag.flow_dest="$2" --set events.0.at_ns="$3"
  jq -r '.events[0] | select(.repaired) |
    "cmds \(.commands)\nrepair_cycles \(.repair_cycles)\nrepair_ns \(.repair_ns)\nmisdelivered \(.misdelivered)\ndropped \(.dropped_during)\nmissed \(.missed_during)\nto_host \(.to_host_during)"' \
    "$out/summary.json"
  rm -rf "$out"
}

for n in 1000 10000 100000; do
  name=m$((n / 1000))k
  gen "$name" $((n * 11 / 10))
  at=$((n * 1000000000 / rate))
  declare -A f=()
  for mode in vpid ppid; do
    while read -r k v; do
      f[$mode.$k]=$v
      echo "BENCH fpag_migrate_${name#m}_${mode}_$k $v"
    done < <(run "$name" $mode $at)
  done
  echo "BENCH fpag_migrate_${name#m}_flows ${f[ppid.cmds]}"
  echo "$n ${f[ppid.cmds]} ${f[vpid.cmds]} ${f[vpid.repair_ns]} ${f[vpid.misdelivered]} ${f[vpid.missed]} ${f[ppid.cmds]} ${f[ppid.repair_ns]} ${f[ppid.misdelivered]} ${f[ppid.missed]}" >> "$data"
  unset f
done

# The plot: three panels over the flows toward the VNIC, log axes; a zero
# (VPID mode's misdelivered packets) has no place on a log axis and is left
# out (the table in docs/fpag.md has it).
mkdir -p docs/figures
gnuplot <<EOF
set terminal svg size 1200,400 font "sans,11" noenhanced
set output "docs/figures/.migration-cost.tmp.svg"
set multiplot layout 1,3 title "VM migration under traffic: VPID (one map write) against PPID (rewrite every entry), pnicsim run"
set logscale xy
set xlabel "offloaded flows toward the moving VNIC"
set key top left
set grid
set format x "%.0s%c"
set xrange [500:200000]
set style data linespoints
set pointsize 0.7
nz(v) = v > 0 ? v : 1/0
set ylabel "mailbox commands (table writes)"
set yrange [0.5:300000]
plot "$data" using 2:(nz(\$3)) with linespoints pt 7 title "vpid", "" using 2:(nz(\$7)) with linespoints pt 7 title "ppid"
set ylabel "repair time (ns, event to last write applied)"
set yrange [*:*]
plot "$data" using 2:(nz(\$4)) with linespoints pt 7 title "vpid", "" using 2:(nz(\$8)) with linespoints pt 7 title "ppid"
set ylabel "packets during the move"
set yrange [0.5:300000]
plot "$data" using 2:(nz(\$5)) with linespoints pt 7 title "vpid misdelivered", \
     "" using 2:(nz(\$6)) with linespoints pt 7 title "vpid sent to the host", \
     "" using 2:(nz(\$9)) with linespoints pt 7 title "ppid misdelivered", \
     "" using 2:(nz(\$10)) with linespoints pt 7 title "ppid sent to the host"
unset multiplot
EOF
mv docs/figures/.migration-cost.tmp.svg docs/figures/migration-cost.svg
echo "plot: docs/figures/migration-cost.svg"
