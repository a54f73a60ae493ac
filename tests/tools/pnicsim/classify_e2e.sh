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
case "${1:-}" in
  acl2k)  rules=(2000 --seed 7);                headers=20000; opts=() ;;
  flow1k) rules=(1000 --seed 3 --style flow);   headers=5000;  opts=(--profile ipv4_flow --depth 4096) ;;
  acl300) rules=(300 --seed 11);                headers=3000;  opts=(--profile default --linear --depth 8192) ;;
  *) echo "usage: $0 acl2k|flow1k|acl300" >&2; exit 2 ;;
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
