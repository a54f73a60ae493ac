#!/usr/bin/env bash
# Runs bench/parts/*.sh, echoes what they print, and gathers every
# "BENCH name value" line into bench/results.json (names stable across runs).
# With PART arguments (bench/parts/22-acl-dpdk.sh ...) only those parts
# run, and their figures replace the same names in the results already
# there (the other figures are kept as they were).
set -euo pipefail
cd "$(dirname "$0")/.."
lines=$(mktemp); trap 'rm -f "$lines"' EXIT
parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=(bench/parts/*.sh)
for part in "${parts[@]}"; do
  [ -e "$part" ] || { [ $# -eq 0 ] && continue; echo "bench: no part $part" >&2; exit 2; }
  echo "== $part"
  bash "$part" | tee -a "$lines"
done
new=$(grep '^BENCH ' "$lines" | awk '{print $2, $3}' |
  jq -R -n '[inputs | split(" ") | {(.[0]): (.[1] | tonumber)}] | add // {}')
if [ $# -gt 0 ] && [ -s bench/results.json ]; then
  jq --argjson new "$new" '. + $new' bench/results.json > bench/results.json.tmp
else
  printf '%s\n' "$new" > bench/results.json.tmp
fi
mv bench/results.json.tmp bench/results.json
echo "wrote bench/results.json ($(jq length bench/results.json) figures)"
