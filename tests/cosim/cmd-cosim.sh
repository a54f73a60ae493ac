#!/usr/bin/env bash
# pnicsim cosim: runs the configuration's binary, refuses bad requests with
# a message, and names the make command for a configuration not built.
#   cmd-cosim.sh PNICSIM BUILT_CFG   (BUILT_CFG like 16x104)
set -u
pnicsim=$1 cfg=$2
d=${cfg%x*} k=${cfg#*x}
fail() { echo "cmd-cosim: $*"; exit 1; }

out=$("$pnicsim" cosim --depth "$d" --key-bits "$k" --cycles 20K --quiet 2>&1) \
  || fail "a run of $cfg failed: $out"
grep -q "^PASS ${cfg} mode random" <<<"$out" || fail "no PASS line: $out"

out=$("$pnicsim" cosim --depth "$d" --key-bits 513 2>&1); rc=$?
if [ "$rc" -ne 2 ] || ! grep -q "key-bits 513 must be 1..512" <<<"$out"; then
  fail "key width 513 not refused (status $rc): $out"
fi
out=$("$pnicsim" cosim --depth 100 --key-bits "$k" 2>&1); rc=$?
if [ "$rc" -ne 2 ] || ! grep -q "power of two" <<<"$out"; then
  fail "depth 100 not refused: $out"
fi
out=$("$pnicsim" cosim --key-bits "$k" 2>&1); rc=$?
if [ "$rc" -ne 2 ] || ! grep -q "^pnicsim cosim: --depth is missing" <<<"$out"; then
  fail "missing --depth not refused by name: $out"
fi
out=$(PNICSIM_COSIM_DIR=/nonexistent "$pnicsim" cosim --depth "$d" --key-bits "$k" 2>&1); rc=$?
if [ "$rc" -ne 2 ] || ! grep -q "make build/cosim/${cfg}/cosim" <<<"$out"; then
  fail "an unbuilt configuration does not name its make command: $out"
fi
out=$("$pnicsim" cosim --depth "$d" --key-bits "$k" --mode bogus 2>&1); rc=$?
[ "$rc" -eq 2 ] || fail "bad --mode not refused by the harness (status $rc)"
echo "cmd-cosim: ok"
