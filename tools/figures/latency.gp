# Latency CDFs, hit against miss: per run, the hit path (last bit in to
# last bit out) and the miss path (last bit in to the to-host queue) from
# packets.csv, binned on a log axis (B bins a decade: no per-packet
# points), a to_host path when the run has one, and the miss round trip
# (last bit in to the entry written in the core) through summary.json's
# percentiles (min, p50, p99, p99.9, max: the run keeps no per-packet
# round trip).  Called by mk/figures.mk:
#   gnuplot -e "runs='DIR ...'; titles='T ...'; out='F.svg'" latency.gp
# Needs jq.

height = 540
load "tools/figures/common.gp"
if (!exists("B")) B = 50.0
bin(x) = x > 0 ? 10 ** (ceil(log10(x) * B) / B) : NaN
dir(j) = word(runs, j)
q(j, e) = real(system("jq '" . e . "' " . dir(j) . "/summary.json"))
N = words(runs)
array NS[N]                     # ns per cycle
array NHIT[N]
array NMISS[N]
array NHOST[N]
do for [j = 1:N] {
	NS[j] = 1e9 / q(j, ".nic.clock_hz")
	NHIT[j] = q(j, ".latency.hit.count")
	NMISS[j] = q(j, ".latency.miss.count")
	NHOST[j] = q(j, ".latency.to_host.count")
}
# The path's latency in ns: to the last bit out for a hit, else to the
# to-host queue (docs/run.md's definitions).
# A path's lines of packets.csv (smooth cumulative restarts at every
# undefined point, so the other paths' lines are left out before).
rows(j, p) = "< awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == \"path\") c = i; print; next } " . \
	     "$c == \"" . p . "\"' " . dir(j) . "/packets.csv"
lat(p, j) = bin((column(p eq "hit" ? "departure" : "enqueue") - column("arrival_last")) * NS[j])
trip(j) = "< jq -r '.miss_round_trip.total.ns | " . \
	"\"\\(.min),0\\n\\(.p50),0.5\\n\\(.p99),0.99\\n\\(.[\"p99.9\"]),0.999\\n\\(.max),1\"' " . \
	dir(j) . "/summary.json"
name(j, p, n) = sprintf("%s: %s (%d)", label(word(titles, j)), p, n)

set datafile separator ","
set datafile columnheaders
set title "Latency from the last bit in, per path (CDF; log time axis)"
set xlabel "latency (ns)"
set ylabel "fraction of the path's packets"
set logscale x
set format x "%.0s%c"
set yrange [0:1.02]
set grid
set key outside below maxrows 3 width -2 font ",9"
plot for [j = 1:N] rows(j, "hit") \
	using (lat("hit", j)):(1.0 / NHIT[j]) smooth cumulative \
	with steps lw 2 lc j dt 1 title name(j, "hit", NHIT[j]), \
     for [j = 1:N] rows(j, "miss") \
	using (lat("miss", j)):(1.0 / NMISS[j]) smooth cumulative \
	with steps lw 2 lc j dt 2 title name(j, "miss", NMISS[j]), \
     for [j = 1:N] rows(j, NHOST[j] > 0 ? "to_host" : "hit") \
	using (NHOST[j] > 0 ? lat("to_host", j) : NaN):(1.0 / (NHOST[j] > 0 ? NHOST[j] : 1)) \
	smooth cumulative with steps lw 2 lc j dt 4 \
	title NHOST[j] > 0 ? name(j, "to_host", NHOST[j]) : "", \
     for [j = 1:N] trip(j) using 1:2 with linespoints lw 1 lc j dt 3 pt 7 ps 0.6 \
	title sprintf("%s: miss round trip (p0, 50, 99, 99.9, 100)", label(word(titles, j)))
