#!/usr/bin/env bash
# ACL-like TCAM lookups: cbgen acl rule sets whose compiled size (after port-range
# expansion) is about 1K, 16K and 64K entries, in a TCAM of the next power of
# two; `pnicsim classify` times its lookup loop only.  Figures per size:
#   tcam_acl_<n>_mlps      fast lookup (tuple space search), M lookups/s
#   tcam_acl_<n>_speedup   fast / linear-scan lookups per second
#   tcam_acl_<n>_entries   TCAM entries after expansion
#   tcam_acl_<n>_masks     distinct masks (what tuple search iterates)
# The linear oracle runs on the first headers of the same trace only.
# tcam_cbflow_64k_* is the same at 64K entries for exact-5-tuple flow rules
# (cbgen --style flow): few masks, the case tuple space search is made for.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${BIN:-build/bin}
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT

field() { awk -v k="$1" '$1 == k { print $2 }' "$2"; }

# kind tag rules headers fast_repeat linear_headers
for spec in "acl 1k 900 5000 100 5000" "acl 16k 13400 3000 10 1000" \
            "acl 64k 55000 2000 10 500" "flow 64k 54000 20000 5 500"; do
  read -r kind tag nrules nhdr rep nlin <<<"$spec"
  figure=$kind; [ "$kind" = flow ] && figure=cbflow  # tcam_flow_* is 10-tcam.sh
  "$BIN"/cbgen rules "$nrules" --seed 1 --style "$kind" -o "$dir/rules"
  "$BIN"/cbgen trace "$dir/rules" "$nhdr" --seed 2 -o "$dir/trace"
  head -n "$nlin" "$dir/trace" > "$dir/trace.lin"
  "$BIN"/pnicsim classify "$dir/rules" "$dir/trace" --depth auto --quiet \
    --repeat "$rep" 2> "$dir/fast"
  "$BIN"/pnicsim classify "$dir/rules" "$dir/trace.lin" --depth auto --quiet \
    --linear 2> "$dir/lin"
  fast=$(field lookups_per_s "$dir/fast"); lin=$(field lookups_per_s "$dir/lin")
  echo "$kind $tag: $nrules rules -> $(field tcam_entries "$dir/fast") entries" \
       "(depth $(field tcam_depth "$dir/fast"), $(field masks "$dir/fast") masks)," \
       "fast $fast/s, linear $lin/s"
  echo "BENCH tcam_${figure}_${tag}_mlps $(awk -v f="$fast" 'BEGIN { printf "%.4f", f / 1e6 }')"
  echo "BENCH tcam_${figure}_${tag}_speedup $(awk -v f="$fast" -v l="$lin" 'BEGIN { printf "%.3f", (l > 0 ? f / l : 0) }')"
  echo "BENCH tcam_${figure}_${tag}_entries $(field tcam_entries "$dir/fast")"
  echo "BENCH tcam_${figure}_${tag}_masks $(field masks "$dir/fast")"
done
