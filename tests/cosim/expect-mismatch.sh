#!/usr/bin/env bash
# A broken RTL variant must be caught: runs its cosim binary in directed
# and in random mode and passes only if at least one run exits with a
# mismatch (status 1) and its report.  Any other failure (a crash, an RTL
# assertion without a mismatch report) fails the test.  Prints within how
# many cycles each mode caught the mutant.
#   expect-mismatch.sh NAME BINARY [cosim options...]
set -u
name=$1 bin=$2; shift 2
if [ ! -x "$bin" ]; then
  echo "mutant $name: $bin is not built"; exit 1
fi
summary=() caught=0
for mode in directed random; do
  cycles=200K; [ "$mode" = directed ] && cycles=0
  out=$("$bin" --quiet --mode "$mode" --seed 1 --cycles $cycles --vcd off "$@" 2>&1)
  rc=$?
  if [ "$rc" -eq 1 ] && grep -q '^MISMATCH at cycle' <<<"$out"; then
    cyc=$(sed -n 's/^MISMATCH at cycle \([0-9]*\).*/\1/p' <<<"$out" | head -n 1)
    summary+=("$mode: cycle $cyc")
    caught=1
  elif [ "$rc" -eq 0 ]; then
    summary+=("$mode: not caught in $(sed -n 's/.*: \([0-9]*\) cycles matched.*/\1/p' <<<"$out") cycles")
  else
    printf '%s\n' "$out" | tail -n 20
    echo "mutant $name: $mode run ended with status $rc but no mismatch report"
    exit 1
  fi
done
if [ "$caught" -eq 0 ]; then
  echo "mutant $name: NOT caught (${summary[*]})"
  exit 1
fi
IFS=';'; echo "mutant $name: caught (${summary[*]})"
