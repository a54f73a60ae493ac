#!/usr/bin/env bash
# make cosim: the long lockstep run, >= 10 M cycles over several seeds and
# every stimulus mode (random, directed, real traffic), on one
# configuration (default 1K x 128).  Stops at
# the first failing run; its report and VCD say why.
#   long-run.sh BINARY [TOTAL_CYCLES]
set -u
bin=$1 total=${2:-10000000}
dir=$(dirname "$bin")
runs=() sum=0
seeds=(1 2 3 4 5)
per=$(( total / ${#seeds[@]} ))
for s in "${seeds[@]}"; do
  runs+=("--mode random --seed $s --cycles $per")
  runs+=("--mode directed --seed $s --cycles 0")
done
start=$(date +%s)
# Real traffic: pcap corpus keys, ClassBench rules and trace (traffic.sh).
for s in 1 2; do
  out=$(tests/cosim/traffic.sh "$bin" 1M "$s"); rc=$?
  echo "$out" | tail -n 1
  if [ "$rc" -ne 0 ]; then
    echo "$out"; echo "make cosim: FAILED (traffic seed $s)"; exit 1
  fi
  sum=$(( sum + $(sed -n 's/^PASS .*: \([0-9]*\) cycles matched.*/\1/p' <<<"$out") ))
  runs+=("traffic $s")
done
for r in "${runs[@]}"; do
  [[ $r == traffic* ]] && continue
  # shellcheck disable=SC2086
  out=$("$bin" --quiet --profile $r --vcd-file "$dir/long-run-fail.vcd"); rc=$?
  echo "$out" | tail -n 1
  if [ "$rc" -ne 0 ]; then
    echo "$out"
    echo "make cosim: FAILED ($r); VCD: $dir/long-run-fail.vcd"
    exit 1
  fi
  n=$(sed -n 's/^PASS .*: \([0-9]*\) cycles matched.*/\1/p' <<<"$out")
  sum=$(( sum + n ))
done
echo "make cosim: PASS, $sum cycles in ${#runs[@]} runs, $(( $(date +%s) - start )) s"
