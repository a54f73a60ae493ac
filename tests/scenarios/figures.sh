#!/usr/bin/env bash
# The figure scripts of `make figures` (tools/figures/*.gp) on small runs,
# so that they cannot rot: the migration and the table flood (a timed
# event, and one with a window), and a small placement bench.  Each
# script must run without a word on stderr (gnuplot warns when a column
# or a file gave no points), make an SVG, and show what it read: the
# runs' events and path counts, the bench's level count in the bounds.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${PNICSIM:-build/bin/pnicsim}
d=build/scenarios/figures
rm -rf "$d"; mkdir -p "$d"
fail() { echo "figures: $*"; exit 1; }

for s in migration table-overflow; do
  "$bin" run "scenarios/$s.yaml" --out "$d/$s" --quiet --no-plots 2> "$d/$s.stderr" \
    || fail "run $s: exit status $? ($(cat "$d/$s.stderr"))"
done
build/bin/placebench --depth 1k --levels 8 --inserts 500 > "$d/place.txt" \
  || fail "placebench: exit status $?"

# plot NAME SCRIPT VARIABLES: gnuplot on SCRIPT into $d/NAME.svg.
plot() {
  gnuplot -e "$3; out='$d/$1.svg'" "tools/figures/$2.gp" 2> "$d/$1.stderr" \
    || fail "$2.gp: exit status $? ($(cat "$d/$1.stderr"))"
  [ ! -s "$d/$1.stderr" ] || fail "$2.gp said: $(cat "$d/$1.stderr")"
  grep -q '</svg>' "$d/$1.svg" || fail "$1.svg: not a whole SVG"
}
has() { grep -qF -- "$2" "$d/$1.svg" || fail "$1.svg: no '$2'"; }

plot hitrate hitrate "runs='$d/table-overflow $d/migration'; titles='one two_words'; name='test'"
has hitrate 'two words'
has hitrate '>table flood<'
has hitrate '>end of table flood<'
has hitrate 'windows of 100 us'

plot latency latency "runs='$d/migration $d/table-overflow'; titles='mig flood'"
for r in migration:mig table-overflow:flood; do
  for p in hit miss; do
    n=$(jq ".latency.$p.count" "$d/${r%%:*}/summary.json")
    [ "$n" -gt 0 ] || fail "${r%%:*}: no $p"
    has latency "${r#*:}: $p ($n)"
  done
  has latency "${r#*:}: miss round trip"
done

plot placement placement "bench='$d/place.txt'"
has placement '500 inserts, 8 levels'
has placement 'free space at one end: L-1 = 7'
has placement 'free space in the middle: L/2 = 4'
has placement 'PLO, free space between levels'
echo "figures: ok (hit rate, latency, placement)"
