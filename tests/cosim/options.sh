#!/usr/bin/env bash
# The harness's command line: numbers that would wrap (a sign, 2^64, a
# suffix that overflows) are refused, a usage error is two lines that
# point at the command typed, and an output path that cannot be written
# is refused before the run (exit 2), never named as a result, and a good
# one leaves no file behind when nothing was written to it.
#   options.sh COSIM_BIN MUTANT_BIN PNICSIM   (COSIM_BIN a passing build,
#                                              MUTANT_BIN one that fails)
set -u
bin=$1 mutant=$2 pnicsim=$3
fail() { echo "cosim options: $*"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cfg=$(basename "$(dirname "$bin")") d=${cfg%x*} k=${cfg#*x}

# A wrapped number used to run for 2^64-1 cycles: bounded by timeout.
for a in "--cycles -1" "--seed -1" "--cycles 20000000000000000K" \
         "--cycles 18446744073709551616" "--seed 1.5" "--cycles ' 10'"; do
  out=$(eval timeout 20 "$bin" --quiet --vcd off "$a" 2>&1); rc=$?
  [ "$rc" -eq 2 ] || fail "'$a' not refused (status $rc): $out"
  grep -q "^cosim: --[a-z]*: '.*' is \(not a number\|out of range\)" <<<"$out" \
    || fail "'$a': no number fault: $out"
done

# Two lines: the fault and where help is, for the command typed.
out=$("$bin" --frob 2>&1); rc=$?
want="cosim: unknown option '--frob'
Try '$bin --help' for more information."
[ "$rc" -eq 2 ] && [ "$out" = "$want" ] || fail "direct usage error (status $rc): $out"
out=$("$pnicsim" cosim --depth "$d" --key-bits "$k" --cycles -1 2>&1); rc=$?
[ "$rc" -eq 2 ] || fail "pnicsim cosim --cycles -1 not refused (status $rc): $out"
[ "$(wc -l <<<"$out")" -eq 2 ] || fail "not two lines: $out"
grep -qx "Try 'pnicsim cosim --depth $d --key-bits $k --help' for more information." <<<"$out" \
  || fail "help hint does not name the command typed: $out"
out=$("$pnicsim" cosim --depth "$d" --key-bits "$k" --help 2>&1) || fail "help: $out"
grep -q "^usage: pnicsim cosim --depth $d --key-bits $k \[OPTION\]" <<<"$out" \
  || fail "help does not name the command typed: $out"

# An unwritable VCD path is refused at start, on a run that would match...
out=$("$bin" --quiet --cycles 1000 --vcd-file "$tmp/no/such/x.vcd" 2>&1); rc=$?
[ "$rc" -eq 2 ] || fail "unwritable --vcd-file on a matching run: status $rc: $out"
grep -q "cannot write --vcd-file '$tmp/no/such/x.vcd'" <<<"$out" || fail "no reason: $out"
grep -q "^PASS" <<<"$out" && fail "ran anyway: $out"
out=$("$bin" --quiet --cycles 1000 --vcd-file "$tmp" 2>&1); rc=$?
[ "$rc" -eq 2 ] || fail "a folder as --vcd-file: status $rc: $out"
# ... and on one that would not, which must not name a VCD it never wrote.
out=$("$mutant" --quiet --vcd-file "$tmp/no/such/x.vcd" 2>&1); rc=$?
[ "$rc" -eq 2 ] || fail "unwritable --vcd-file on a mismatching run: status $rc: $out"
grep -q "^VCD of cycles" <<<"$out" && fail "names a VCD it did not write: $out"
# With --vcd off the path is not used, so not checked.
out=$("$bin" --quiet --cycles 1000 --vcd off --vcd-file "$tmp/no/such/x.vcd" 2>&1) \
  || fail "--vcd off still checks the path: $out"

# A writable path: a matching run leaves nothing there, and an old file
# at the path is not touched.
out=$("$bin" --quiet --cycles 1000 --vcd-file "$tmp/x.vcd" 2>&1) || fail "run: $out"
[ -z "$(ls -A "$tmp")" ] || fail "left behind: $(ls -A "$tmp")"
echo "old" >"$tmp/old.vcd"
out=$("$bin" --quiet --cycles 1000 --vcd-file "$tmp/old.vcd" 2>&1) || fail "run: $out"
[ "$(cat "$tmp/old.vcd")" = old ] || fail "the check changed an existing file"

# The coverage data path is checked the same way (before the build is
# asked whether it can do coverage).
out=$("$bin" --quiet --coverage --coverage-file "$tmp/no/such/c.dat" 2>&1); rc=$?
[ "$rc" -eq 2 ] || fail "unwritable --coverage-file: status $rc: $out"
grep -q "cannot write --coverage-file '$tmp/no/such/c.dat'" <<<"$out" || fail "no reason: $out"
echo "cosim options: ok"
