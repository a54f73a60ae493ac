#!/usr/bin/env bash
# Yosys generic synthesis of the lookup core at a few sizes.
#
#   rtl/synth.sh PKG.sv OUTDIR CONFIG...      (from the repository root)
#   rtl/synth.sh --elab PKG.sv                elaboration checks only
#
# CONFIG is <Depth>x<KeyWidth>-<tcam>, tcam = plain (value/mask per entry)
# or xpose (transposed RAM tables), e.g. 256x128-plain.  Each writes
# OUTDIR/lookup_core_<CONFIG>.txt (Yosys `stat` of the flattened design)
# and prints one summary line: cells, flip-flops, Yosys CPU seconds.
#
# Parameters are set with `hierarchy -chparam` on modules read with
# -defer, so the large default configuration is never elaborated.  The
# RAMs become flip-flops: generic synthesis has no RAM library.  Arrays
# are read as registers from the start (-mem2reg): the value/mask TCAM
# reads every entry every cycle, and Yosys's memory passes, which would
# end by mapping the arrays to flip-flops anyway, spend time quadratic in
# those read ports merging them (at 1024 entries, longer than we waited).
#
# --elab: Yosys must elaborate a small core with either TCAM, and must stop
# on an illegal parameter (the RTL's $fatal); a cheap check for `make test`
# that the RTL stays in the subset Yosys reads.
set -u
elab=0
if [ "${1:-}" = --elab ]; then elab=1; shift; fi
pkg=${1:?usage: rtl/synth.sh [--elab] PKG.sv [OUTDIR CONFIG...]}
shift
mapfile -t mods < <(ls rtl/*.sv | sort)
src="$pkg ${mods[*]}"

if [ "$elab" = 1 ]; then
  fail=0
  for t in 0 1; do
    if ! out=$(yosys -q -p "read_verilog -sv -defer $src; hierarchy -check -top lookup_core \
        -chparam Depth 16 -chparam KeyWidth 16 -chparam TcamTransposed $t; proc; check -assert" 2>&1); then
      printf '%s\n' "$out"; echo "rtl synth: Yosys cannot elaborate lookup_core (TcamTransposed=$t)"; fail=1
    fi
  done
  kmax=$(sed -n 's/^ *localparam int KeyMaxBits = \([0-9]*\);.*/\1/p' "$pkg")
  [ -n "$kmax" ] || { echo "rtl synth: $pkg has no KeyMaxBits"; exit 1; }
  for bad in "Depth 100" "KeyWidth $((kmax + 1))" "NumVpids 0"; do
    # shellcheck disable=SC2086
    if out=$(yosys -q -p "read_verilog -sv -defer $src; hierarchy -check -top lookup_core \
        -chparam KeyWidth 16 $(printf -- '-chparam %s' "$bad")" 2>&1); then
      echo "rtl synth: Yosys elaborated lookup_core with $bad; expected the RTL's \$fatal"; fail=1
    elif ! grep -q 'lookup_core.sv:[0-9]*: ERROR: FATAL' <<<"$out"; then
      printf '%s\n' "$out"; echo "rtl synth: $bad failed, but not at the RTL's \$fatal"; fail=1
    fi
  done
  [ "$fail" = 0 ] && echo "rtl synth: Yosys $(yosys -V | cut -d' ' -f2) elaborates the RTL and refuses bad parameters"
  exit "$fail"
fi

outdir=${1:?usage: rtl/synth.sh PKG.sv OUTDIR CONFIG...}
shift
mkdir -p "$outdir"
fail=0
for cfg in "$@"; do
  if ! [[ $cfg =~ ^([0-9]+)x([0-9]+)-(plain|xpose)$ ]]; then
    echo "rtl synth: bad config '$cfg' (want <Depth>x<KeyWidth>-plain|xpose)"; fail=1; continue
  fi
  depth=${BASH_REMATCH[1]} kbits=${BASH_REMATCH[2]} impl=${BASH_REMATCH[3]}
  xpose=0; [ "$impl" = xpose ] && xpose=1
  rpt=$outdir/lookup_core_$cfg.txt
  t0=$(date +%s)
  if ! out=$(yosys -q -p "read_verilog -sv -defer -mem2reg $src; hierarchy -check -top lookup_core \
      -chparam Depth $depth -chparam KeyWidth $kbits -chparam TcamTransposed $xpose; \
      synth -flatten -top lookup_core; tee -q -o $rpt stat" 2>&1); then
    printf '%s\n' "$out" | tail -n 20; echo "rtl synth: Yosys failed on $cfg"; fail=1; continue
  fi
  secs=$(( $(date +%s) - t0 ))
  cells=$(awk '/Number of cells:/ { n = $4 } END { print n }' "$rpt")
  ffs=$(awk '$1 ~ /^\$_(S|A)?DFF|^\$_DLATCH/ { n += $2 } END { print n + 0 }' "$rpt")
  printf '# %s s wall\n' "$secs" >>"$rpt"
  echo "synth lookup_core $cfg: $cells cells, $ffs flip-flops ($secs s, $rpt)"
  [ -n "$cells" ] || fail=1
done
exit "$fail"
