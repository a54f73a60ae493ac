#!/usr/bin/env bash
# Runs Criterion test binaries (before `--`) and extra check commands (after
# `--`, each one a shell command counted as one test), sums the results and
# ends with one line "N passed, N failed".  Exits non-zero on any failure.
# A check written "NAME :: COMMAND" is reported by its name; the command is
# shown only when it fails, so that it can be run again by hand.
# The Criterion binaries run TEST_JOBS at a time (default: one per core;
# each makes its own temporary files) while the checks after `--` run one
# after another beside them (some build, so never two at once); every
# report is printed in the order given once all have run.
set -u
passed=0; failed=0; failures=()
jobs=${TEST_JOBS:-$(nproc 2>/dev/null || echo 1)}
outdir=$(mktemp -d); trap 'rm -rf "$outdir"' EXIT
# Run binary number $1 ($2) into $outdir/$1.out and its status into .rc.
start_criterion() {
  local t0=$EPOCHREALTIME
  "$2" --jobs 1 >"$outdir/$1.out" 2>&1
  echo $? >"$outdir/$1.rc"
  took "$t0" "$2" >"$outdir/$1.t"
}
# "SECONDS NAME" since $1 (EPOCHREALTIME), for the slowest list.
took() {
  local now=$EPOCHREALTIME
  awk -v a="$1" -v b="$now" -v n="$2" 'BEGIN { printf "%7.1f s  %s\n", b - a, n }'
}
report_criterion() {
  local bin=$1 out rc line t p
  out=$(cat "$outdir/$2.out"); rc=$(cat "$outdir/$2.rc" 2>/dev/null || echo 1)
  line=$(grep -a 'Synthesis:' <<<"$out" | tail -n 1)
  t=$(sed -n 's/.*Tested: \([0-9]*\).*/\1/p' <<<"$line")
  p=$(sed -n 's/.*Passing: \([0-9]*\).*/\1/p' <<<"$line")
  if [ -z "$t" ]; then t=1; p=0; fi
  if [ "$rc" -ne 0 ] && [ "$p" -eq "$t" ]; then p=$((t - 1)); fi
  passed=$((passed + p)); failed=$((failed + t - p))
  if [ "$rc" -ne 0 ] || [ "$p" -ne "$t" ]; then
    failures+=("$bin"); printf '%s\n' "$out" | grep -av '^\[----\]' | tail -n 40
    echo "FAIL $bin ($p/$t)"
  else
    echo "ok   $bin ($t tests)"
  fi
}
bins=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do bins+=("$1"); shift; done
[ $# -gt 0 ] && shift
checks=("$@")
# The checks, one after another, beside the binaries: check i's output in
# $outdir/c$i.out, its status in c$i.rc.
run_checks() {
  local i cmd
  local t0
  for i in "${!checks[@]}"; do
    cmd=${checks[$i]}
    [[ $cmd == *' :: '* ]] && cmd=${cmd#* :: }
    t0=$EPOCHREALTIME
    bash -c "$cmd" >"$outdir/c$i.out" 2>&1
    echo $? >"$outdir/c$i.rc"
    took "$t0" "${checks[$i]%% :: *}" >"$outdir/c$i.t"
  done
}
echo "running ${#bins[@]} test binaries, $jobs at a time, and ${#checks[@]} checks one at a time"
run_checks &
for i in "${!bins[@]}"; do
  while [ "$(jobs -rp | wc -l)" -gt "$jobs" ]; do wait -n; done
  start_criterion "$i" "${bins[$i]}" &
done
wait
for i in "${!bins[@]}"; do report_criterion "${bins[$i]}" "$i"; done
for i in "${!checks[@]}"; do
  cmd=${checks[$i]}; name=$cmd
  if [[ $cmd == *' :: '* ]]; then name=${cmd%% :: *}; cmd=${cmd#* :: }; fi
  if [ "$(cat "$outdir/c$i.rc" 2>/dev/null || echo 1)" = 0 ]; then
    passed=$((passed + 1)); echo "ok   $name"
  else
    failed=$((failed + 1)); failures+=("$name"); tail -n 40 "$outdir/c$i.out"
    echo "FAIL $name"
    [ "$name" = "$cmd" ] || echo "     command: $cmd"
  fi
done
# Where the time went (the checks run one after another, beside the
# binaries): what to look at first when make test nears its budget.
echo "slowest:"
cat "$outdir"/*.t 2>/dev/null | sort -rn | head -n 8
awk '{ s += $1 } END { printf "checks, one after another: %.0f s in all\n", s }' "$outdir"/c*.t 2>/dev/null
cat "$outdir"/[0-9]*.t 2>/dev/null |
  awk -v j="$jobs" '{ s += $1 } END { printf "binaries, %d at a time: %.0f s in all\n", j, s }'
if [ ${#failures[@]} -gt 0 ]; then printf 'failed: %s\n' "${failures[@]}"; fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
