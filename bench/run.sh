#!/usr/bin/env bash
# Runs bench/parts/*.sh, echoes what they print, and gathers every
# "BENCH name value" line into bench/results.json (names stable across runs).
set -euo pipefail
cd "$(dirname "$0")/.."
lines=$(mktemp); trap 'rm -f "$lines"' EXIT
for part in bench/parts/*.sh; do
  [ -e "$part" ] || continue
  echo "== $part"
  bash "$part" | tee -a "$lines"
done
grep '^BENCH ' "$lines" | awk '{print $2, $3}' |
  jq -R -n '[inputs | split(" ") | {(.[0]): (.[1] | tonumber)}] | add // {}' > bench/results.json
echo "wrote bench/results.json ($(jq length bench/results.json) figures)"
