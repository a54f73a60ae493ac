#!/usr/bin/env bash
# End-to-end ACL classification check, one case per call (run by `make test`
# through mk/classify.mk):
#   1. cbgen writes a rule set and a header trace (and writes the same
#      trace again from the same seed, and other rules from another seed);
#   2. `pnicsim classify --check` compares every TCAM answer with a
#      first-match scan over the rules (no TCAM) and exits non-zero on any
#      disagreement;
#   3. awk checks each generated header matched at or before the rule it was
#      drawn from (that rule matches it, so the first match cannot be later)
#      and that there is exactly one answer per header.
set -euo pipefail
cd "$(dirname "$0")/../../.."
BIN=${BIN:-build/bin}
# Refusals: bad files exit 1 naming the place, a set too big for --depth
# exits 1 saying how many entries it needs, bad usage exits 2.
errors() {
  local dir=build/classify-test/errors out rc
  mkdir -p "$dir"
  printf '@1.0.0.0/8\t2.0.0.0/8\t0 : 65535\t0 : 65535\t0x06/0xFF\n@1.2.3.4/33\t2.0.0.0/8\t0 : 65535\t0 : 65535\t0x06/0xFF\n' > "$dir/bad.rules"
  printf '@1.0.0.0/8\t2.0.0.0/8\t1 : 65534\t1 : 65534\t0x06/0xFF\n' > "$dir/big.rules"
  printf '1 2 3 4 6 0 0\n' > "$dir/trace"
  expect() {  # rc, stderr pattern, classify args...
    local want=$1 pat=$2; shift 2
    set +e; out=$("$BIN"/pnicsim classify "$@" 2>&1 >/dev/null); rc=$?; set -e
    if [ "$rc" -ne "$want" ] || ! grep -q -- "$pat" <<<"$out"; then
      echo "classify $*: exit $rc (want $want), stderr: $out (want /$pat/)"; exit 1
    fi
  }
  expect 1 "bad.rules:2:10: source: prefix length 33 is above 32" "$dir/bad.rules" "$dir/trace"
  expect 1 "1 rule needs 900 TCAM entries.*has 512" "$dir/big.rules" "$dir/trace" --depth 512
  expect 1 "cannot open" "$dir/nope.rules" "$dir/trace"
  expect 1 "no headers" "$dir/big.rules" /dev/null
  expect 2 "expected RULES and TRACE" "$dir/big.rules"
  expect 2 "unknown option" "$dir/big.rules" "$dir/trace" --fast
  expect 2 "--depth: '8' is out of range 16..262144" "$dir/big.rules" "$dir/trace" --depth 8
  expect 2 "Try 'pnicsim classify --help'" "$dir/big.rules" "$dir/trace" --repeat -1
  expect 0 "tcam_entries  900" "$dir/big.rules" "$dir/trace" --depth auto --check
  echo "classify refusals ok"
}

case "${1:-}" in
  errors) errors; exit 0 ;;
  acl2k)  rules=(2000 --seed 7);                headers=20000; opts=() ;;
  flow1k) rules=(1000 --seed 3 --style flow);   headers=5000;  opts=(--profile ipv4_flow --depth 4096) ;;
  acl300) rules=(300 --seed 11);                headers=3000;  opts=(--profile default --linear --depth 8192) ;;
  *) echo "usage: $0 acl2k|flow1k|acl300|errors" >&2; exit 2 ;;
esac
dir=build/classify-test/$1
mkdir -p "$dir"
"$BIN"/cbgen rules "${rules[@]}" -o "$dir/rules"
"$BIN"/cbgen trace "$dir/rules" "$headers" --seed 9 -o "$dir/trace"
# deterministic per seed, and the seed matters
"$BIN"/cbgen trace "$dir/rules" "$headers" --seed 9 | cmp -s - "$dir/trace" ||
  { echo "cbgen trace: same seed, different output"; exit 1; }
"$BIN"/cbgen rules "${rules[@]}" --seed 8 | cmp -s - "$dir/rules" &&
  { echo "cbgen rules: seeds 8 and ${rules[2]} gave the same rules"; exit 1; }
"$BIN"/pnicsim classify "$dir/rules" "$dir/trace" --check "${opts[@]}" \
  > "$dir/out" 2> "$dir/summary"
cat "$dir/summary"
paste "$dir/trace" "$dir/out" | awk -F'\t' -v want="$headers" '
  { n++; fid = $7; ans = $8
    if (fid >= 0 && (ans < 0 || ans > fid)) {
      bad++
      if (bad < 5) print "line " NR ": rule " ans " answered a header drawn from rule " fid
    } }
  END { if (n != want) { print "expected " want " answers, got " n; exit 1 }
        exit bad > 0 }'
