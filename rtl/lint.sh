#!/usr/bin/env bash
# Verilator lint of the lookup core RTL.  Every legal parameter set below
# must be clean under -Wall (no waivers in rtl/), each submodule must be
# clean as a top of its own, and every illegal parameter set must stop at
# elaboration with the RTL's own message.  The limits come from the package
# (so from the C headers), and so do the sets below; a copy of the package
# with other limits must move what the RTL refuses.  Exits non-zero on any
# failure.
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

# A package constant (localparam int NAME = N;).
pkgval() { sed -n "s/^ *localparam int $1 = \([0-9]*\);.*/\1/p" "$2"; }
kdef=$(pkgval KeyWidthDefault "$pkg") kmax=$(pkgval KeyMaxBits "$pkg")
dmin=$(pkgval TcamMinDepth "$pkg") dmax=$(pkgval LookupCoreRtlMaxDepth "$pkg")
vmax=$(pkgval VpidMapMaxVpids "$pkg")
if [ -z "$kdef" ] || [ -z "$kmax" ] || [ -z "$dmin" ] || [ -z "$dmax" ] || [ -z "$vmax" ]; then
  echo "rtl lint: $pkg lacks KeyWidthDefault, KeyMaxBits, TcamMinDepth, LookupCoreRtlMaxDepth or VpidMapMaxVpids"
  exit 1
fi

# $1 = top, $2 = -G parameters, $3 = the message elaboration must stop with.
refuse() {
  local out
  n=$((n + 1))
  # shellcheck disable=SC2086
  if out=$(lint "$1" $2); then
    echo "rtl lint: $1 '$2' was accepted; expected it to stop with: $3"
    fail=1
  elif ! grep -qF "$3" <<<"$out"; then
    printf '%s\n' "$out"
    echo "rtl lint: $1 '$2' failed, but not with: $3"
    fail=1
  fi
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
done <<LEGAL

-GKeyWidth=128 -GDepth=1024
-GKeyWidth=104 -GDepth=$dmin -GNumVpids=1
-GKeyWidth=$kdef -GDepth=$dmax -GNumVpids=$vmax
-GKeyWidth=1 -GDepth=$dmin -GNumVpids=100
-GKeyWidth=$kmax -GDepth=64 -GTcamSliceBits=6
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
  refuse lookup_core "$params" "$msg"
done <<ILLEGAL
-GKeyWidth=16 -GDepth=100|Depth must be a power of two in $dmin..$dmax, got 100
-GKeyWidth=16 -GDepth=$((dmin / 2))|Depth must be a power of two in $dmin..$dmax, got $((dmin / 2))
-GKeyWidth=16 -GDepth=$((dmax * 2))|Depth must be a power of two in $dmin..$dmax, got $((dmax * 2))
-GKeyWidth=$((kmax + 1))|KeyWidth must be 1..$kmax, got $((kmax + 1))
-GKeyWidth=16 -GNumVpids=$((vmax + 1))|NumVpids must be 1..$vmax, got $((vmax + 1))
-GKeyWidth=16 -GNumVpids=0|NumVpids must be 1..$vmax, got 0
-GKeyWidth=16 -GActionWidth=17|ActionWidth 17 cannot hold the VPID field
-GKeyWidth=16 -GTcamSliceBits=7|SliceBits must be 1..6, got 7
ILLEGAL

# The checks read the package, not numbers of their own: against a copy
# with other limits (and a default map depth beyond them), the same RTL
# refuses what the real package allows.
alt=$(mktemp -d) || exit 1
trap 'rm -rf "$alt"' EXIT
sed -e 's/\(int TcamMinDepth = \)[0-9]*/\132/' \
    -e 's/\(int LookupCoreRtlMaxDepth = \)[0-9]*/\1256/' \
    -e 's/\(int KeyMaxBits = \)[0-9]*/\1100/' \
    -e 's/\(int VpidMapMaxVpids = \)[0-9]*/\1300/' \
    -e 's/\(int LookupCoreDefaultVpids = \)[0-9]*/\1301/' "$pkg" >"$alt/pkg.sv"
src=("$alt/pkg.sv" "${mods[@]}")
refuse lookup_core "-GKeyWidth=16 -GDepth=16 -GNumVpids=1" "Depth must be a power of two in 32..256, got 16"
refuse lookup_core "-GKeyWidth=16 -GDepth=512 -GNumVpids=1" "Depth must be a power of two in 32..256, got 512"
refuse lookup_core "-GKeyWidth=101 -GDepth=64 -GNumVpids=1" "KeyWidth must be 1..100, got 101"
refuse lookup_core "-GKeyWidth=16 -GDepth=64" "NumVpids must be 1..300, got 301"
refuse tcam "-GKeyWidth=16 -GDepth=16" "tcam: Depth must be a power of two >= 32, got 16"
refuse tcam "-GKeyWidth=101 -GDepth=64" "tcam: KeyWidth must be 1..100, got 101"

if [ "$fail" -ne 0 ]; then
  echo "rtl lint: FAILED"
  exit 1
fi
echo "rtl lint: $n checks clean (verilator $(verilator --version | cut -d' ' -f2))"
