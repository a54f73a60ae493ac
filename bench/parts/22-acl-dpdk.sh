#!/usr/bin/env bash
# The TCAM model against DPDK's rte_acl, side by side on the same rule sets
# and traces (issue 11): cbgen's acl, fw and ipc families at 1K and 10K
# rules, 100 000 headers each.  pnicsim classify (its burst lookup loop) and
# dpdk-test-acl (Debian's dpdk-dev; one lcore, --no-huge --no-pci, scalar
# and default algorithms) classify the same trace; their first-match
# answers must be equal (rte_acl priority: test-acl gives line n priority
# RTE_ACL_MAX_PRIORITY - n, so the first rule wins, as in the TCAM).
# Figures per set, tcam_cb_<family>_<1k|10k>_:
#   entries, masks              the compiled TCAM set
#   pnicsim_mlps                pnicsim classify, M lookups/s (wall clock,
#                               as test-acl times itself; best of 5 runs,
#                               like the DPDK rates, the three alternating
#                               so that a busy spell on a shared machine
#                               hits them alike)
#   pnicsim_cpu_mlps            the same per second of its CPU time
#   build_s, tcam_mb            compile + install time, TCAM memory
#   write_p50_us, write_p99_us, inval_p50_us, inval_p99_us
#                               single-entry writes and invalidates timed
#                               one by one between bursts of lookups
#   dpdk_scalar_mlps, dpdk_default_mlps, ratio_scalar, ratio_default
#   dpdk_build_s, dpdk_mb       rte_acl build time (process time less a
#                               1-rule run's), runtime structure size
#   agree                       1 when every answer equals DPDK's
# Without dpdk-test-acl the DPDK figures are skipped with a message.
# Each set's line also names the TCAM index that answered (tuple, bitmap,
# part with its partitions) and the load average after the set's runs
# (the machine is shared: a loaded run's rates are not speeds).
# PNICSIM_OPTS (e.g. --single, --strategy bitmap) is passed to every
# classify run; SETS
# narrows the sets ("acl:1000 fw:10000").
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${BIN:-build/bin}
HDRS=${HDRS:-100000}
SETS=${SETS:-"acl:1000 fw:1000 ipc:1000 acl:10000 fw:10000 ipc:10000"}
read -r -a XOPTS <<<"${PNICSIM_OPTS:-}"
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
DPDK=$(command -v dpdk-test-acl || true)
[ -n "$DPDK" ] || echo "dpdk-test-acl not found (Debian package dpdk-dev): DPDK figures skipped"
EAL=(-l 0 --no-huge --no-pci --log-level=lib.acl:debug)

field() { awk -v k="$1" '$1 == k { print $2 }' "$2"; }
best() { awk -v a="$1" -v b="$2" 'BEGIN { print (b + 0 > a + 0 ? b : a) }'; }
mlps() { awk -v f="$1" 'BEGIN { printf "%.3f", f / 1e6 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }'; }
# dpdk-test-acl's rate line: "... cycles/pkt, 23840181.15 pkt/sec"
dpdk_rate() { awk '/search_ip5tuples.*pkt\/sec/ { print $(NF - 1) }' "$1"; }
# seconds of wall time of a command
wall() { local t0 t1; t0=$(date +%s.%N); "$@" > /dev/null 2>&1; t1=$(date +%s.%N)
         awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'; }

for spec in $SETS; do
  fam=${spec%%:*}; n=${spec##*:}; tag=$([ "$n" -ge 10000 ] && echo 10k || echo 1k)
  rep=$([ "$n" -ge 10000 ] && echo 5 || echo 20)
  name=tcam_cb_${fam}_${tag}
  "$BIN"/cbgen rules "$n" --style "$fam" --seed 1 -o "$dir/rules"
  "$BIN"/cbgen trace "$dir/rules" "$HDRS" --seed 2 -o "$dir/trace"
  "$BIN"/pnicsim classify "$dir/rules" "$dir/trace" --depth auto \
    --writes 20000 "${XOPTS[@]}" > "$dir/ans.pnicsim" 2> "$dir/sum"
  # Runs of each side, alternating: pnicsim, rte_acl scalar, default.
  fast=0; cpu=0; sc=0; df=0
  for run in 1 2 3 4 5; do
    "$BIN"/pnicsim classify "$dir/rules" "$dir/trace" --depth auto --quiet \
      --repeat "$rep" "${XOPTS[@]}" 2> "$dir/fast"
    fast=$(best "$fast" "$(field lookups_per_s "$dir/fast")")
    cpu=$(best "$cpu" "$(field lookups_per_cpu_s "$dir/fast")")
    [ -n "$DPDK" ] || continue
    for alg in scalar default; do
      aopt=(); [ "$alg" = default ] || aopt=(--alg="$alg")
      "$DPDK" "${EAL[@]}" -- --rulesf="$dir/rules" --tracef="$dir/trace" \
        --tracenum="$HDRS" --verbose=0 --iter="$rep" "${aopt[@]}" > "$dir/dpdk.$alg" 2>&1
    done
    sc=$(best "$sc" "$(dpdk_rate "$dir/dpdk.scalar")")
    df=$(best "$df" "$(dpdk_rate "$dir/dpdk.default")")
  done
  echo "$fam ${tag}: $n rules -> $(field tcam_entries "$dir/sum") entries," \
       "$(field masks "$dir/sum") masks; pnicsim $(mlps "$fast") M/s," \
       "build $(field build_seconds "$dir/sum") s, $(field tcam_bytes "$dir/sum") B;" \
       "write p50/p99 $(field write_p50_us "$dir/sum")/$(field write_p99_us "$dir/sum") us," \
       "invalidate $(field invalidate_p50_us "$dir/sum")/$(field invalidate_p99_us "$dir/sum") us;" \
       "index $(grep '^tcam_index' "$dir/sum" | cut -c15-); load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "BENCH ${name}_entries $(field tcam_entries "$dir/sum")"
  echo "BENCH ${name}_masks $(field masks "$dir/sum")"
  echo "BENCH ${name}_pnicsim_mlps $(mlps "$fast")"
  echo "BENCH ${name}_pnicsim_cpu_mlps $(mlps "$cpu")"
  echo "BENCH ${name}_build_s $(field build_seconds "$dir/sum")"
  echo "BENCH ${name}_tcam_mb $(awk -v b="$(field tcam_bytes "$dir/sum")" 'BEGIN { printf "%.2f", b / 1048576 }')"
  echo "BENCH ${name}_write_p50_us $(field write_p50_us "$dir/sum")"
  echo "BENCH ${name}_write_p99_us $(field write_p99_us "$dir/sum")"
  echo "BENCH ${name}_inval_p50_us $(field invalidate_p50_us "$dir/sum")"
  echo "BENCH ${name}_inval_p99_us $(field invalidate_p99_us "$dir/sum")"
  [ -n "$DPDK" ] || continue

  # Answers: test-acl prints "result: R" per header, R = 0-based rule or
  # 4294967295 (no match).
  "$DPDK" "${EAL[@]}" -- --rulesf="$dir/rules" --tracef="$dir/trace" \
    --tracenum="$HDRS" --verbose=2 --alg=scalar > "$dir/dpdk.out" 2>&1
  awk '/^ipv4_5tuple: .*result:/ { r = $NF; print (r == 4294967295 ? -1 : r) }' \
    "$dir/dpdk.out" > "$dir/ans.dpdk"
  agree=0
  if cmp -s "$dir/ans.pnicsim" "$dir/ans.dpdk"; then
    agree=1
  else
    echo "DISAGREE: $(wc -l < "$dir/ans.dpdk") DPDK answers vs $(wc -l < "$dir/ans.pnicsim"); first:"
    diff <(nl "$dir/ans.pnicsim") <(nl "$dir/ans.dpdk") | head -5 || true
  fi
  dmem=$(awk '/^total: [0-9]+ bytes/ { print $2 }' "$dir/dpdk.out")
  head -n 1 "$dir/rules" > "$dir/one"; head -n 4 "$dir/trace" > "$dir/trace4"
  tb=$(wall "$DPDK" "${EAL[@]}" -- --rulesf="$dir/one" --tracef="$dir/trace4" --tracenum=4 --verbose=0)
  ts=$(wall "$DPDK" "${EAL[@]}" -- --rulesf="$dir/rules" --tracef="$dir/trace4" --tracenum=4 --verbose=0)
  dbuild=$(awk -v a="$ts" -v b="$tb" 'BEGIN { d = a - b; printf "%.3f", (d > 0 ? d : 0) }')
  echo "  dpdk: scalar $(mlps "$sc") M/s, default $(mlps "$df") M/s; pnicsim/scalar" \
       "$(ratio "$fast" "$sc"), pnicsim/default $(ratio "$fast" "$df"); build" \
       "$dbuild s, $dmem B; answers $([ $agree = 1 ] && echo equal || echo DIFFER)"
  echo "BENCH ${name}_dpdk_scalar_mlps $(mlps "$sc")"
  echo "BENCH ${name}_dpdk_default_mlps $(mlps "$df")"
  echo "BENCH ${name}_ratio_scalar $(ratio "$fast" "$sc")"
  echo "BENCH ${name}_ratio_default $(ratio "$fast" "$df")"
  echo "BENCH ${name}_dpdk_build_s $dbuild"
  echo "BENCH ${name}_dpdk_mb $(awk -v b="$dmem" 'BEGIN { printf "%.2f", b / 1048576 }')"
  echo "BENCH ${name}_agree $agree"
done
