#!/usr/bin/env bash
# Refresh rtl/mutants/*.patch against the current rtl/*.sv: each patch is
# applied (fuzz allowed) to a copy and re-diffed, so its context and line
# numbers match again.  A patch whose change no longer applies is reported
# and left alone: rewrite it by hand (docs/cosim.md).
set -u
cd "$(dirname "$0")/../.." || exit 1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
bad=0
for p in rtl/mutants/*.patch; do
  rm -rf "$tmp/a" "$tmp/b"; mkdir -p "$tmp/a/rtl" "$tmp/b/rtl"
  cp rtl/*.sv "$tmp/a/rtl/"; cp rtl/*.sv "$tmp/b/rtl/"
  if ! patch -s -p1 -N -d "$tmp/b" <"$p" >/dev/null; then
    echo "regen-mutants: $p no longer applies; rewrite it"; bad=1; continue
  fi
  (cd "$tmp" && diff -u a/rtl b/rtl) | sed 's/^\(---\|+++\) \([^\t]*\)\t.*/\1 \2/' \
    | grep -v '^diff ' >"$p.new"
  mv "$p.new" "$p"
  echo "regen-mutants: $p refreshed"
done
exit $bad
