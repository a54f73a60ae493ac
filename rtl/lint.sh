#!/usr/bin/env bash
# Verilator lint of the lookup core RTL.  Every legal parameter set below
# must be clean under -Wall (no waivers in rtl/), each submodule must be
# clean as a top of its own, and every illegal parameter set must stop at
# elaboration with the RTL's own message.  Exits non-zero on any failure.
#
#   rtl/lint.sh [--quick] build/gen/pnic_cfg_pkg.sv   (from the repo root)
#
# --quick (for `make test`) lints the defaults and the reference size only.
set -u
quick=0
if [ "${1:-}" = --quick ]; then quick=1; shift; fi
pkg=${1:?usage: rtl/lint.sh [--quick] PKG.sv}
mapfile -t mods < <(ls rtl/*.sv | sort)
src=("$pkg" "${mods[@]}")
fail=0
n=0

lint() { # $1 = top, rest = -G parameters
  local top=$1; shift
  verilator --lint-only -Wall --top-module "$top" "$@" "${src[@]}" 2>&1
}

# Legal: the three key profiles, both TCAM implementations, the extremes.
while read -r params; do
  [ "$quick" = 1 ] && [ "$n" -ge 2 ] && break
  n=$((n + 1))
  # shellcheck disable=SC2086
  if ! out=$(lint lookup_core $params); then
    printf '%s\n' "$out"
    echo "rtl lint: FAILED for lookup_core ${params:-(defaults)}"
    fail=1
  fi
done <<'LEGAL'

-GKeyWidth=128 -GDepth=1024
-GKeyWidth=104 -GDepth=16 -GNumVpids=1
-GKeyWidth=372 -GDepth=4096 -GNumVpids=65536
-GKeyWidth=1 -GDepth=16 -GNumVpids=100
-GKeyWidth=512 -GDepth=64 -GTcamSliceBits=6
-GKeyWidth=128 -GDepth=64 -GTcamSliceBits=4
-GKeyWidth=128 -GDepth=256 -GTcamTransposed=0
-GKeyWidth=372 -GDepth=32 -GTcamTransposed=0 -GCheckInputProtocol=0
-GKeyWidth=128 -GTcamSliceBits=3 -GPpidWidth=12 -GTagWidth=1
LEGAL

for m in "${mods[@]}"; do
  [ "$quick" = 1 ] && break
  top=$(basename "$m" .sv)
  [ "$top" = lookup_core ] && continue
  n=$((n + 1))
  if ! out=$(lint "$top"); then
    printf '%s\n' "$out"
    echo "rtl lint: FAILED for $top as top"
    fail=1
  fi
done

# Illegal: parameters | the message elaboration must stop with.  (A narrow
# key keeps these fast; the checks do not depend on it.)
while IFS='|' read -r params msg; do
  n=$((n + 1))
  # shellcheck disable=SC2086
  if out=$(lint lookup_core $params); then
    echo "rtl lint: '$params' was accepted; expected it to stop with: $msg"
    fail=1
  elif ! grep -qF "$msg" <<<"$out"; then
    printf '%s\n' "$out"
    echo "rtl lint: '$params' failed, but not with: $msg"
    fail=1
  fi
done <<'ILLEGAL'
-GKeyWidth=16 -GDepth=100|Depth must be a power of two in 16..4096, got 100
-GKeyWidth=16 -GDepth=8|Depth must be a power of two in 16..4096, got 8
-GKeyWidth=16 -GDepth=8192|Depth must be a power of two in 16..4096, got 8192
-GKeyWidth=513|KeyWidth must be 1..512, got 513
-GKeyWidth=16 -GNumVpids=65537|NumVpids must be 1..65536, got 65537
-GKeyWidth=16 -GNumVpids=0|NumVpids must be 1..65536, got 0
-GKeyWidth=16 -GActionWidth=17|ActionWidth 17 cannot hold the VPID field
-GKeyWidth=16 -GTcamSliceBits=7|SliceBits must be 1..6, got 7
ILLEGAL

if [ "$fail" -ne 0 ]; then
  echo "rtl lint: FAILED"
  exit 1
fi
echo "rtl lint: $n checks clean (verilator $(verilator --version | cut -d' ' -f2))"
