# Hit rate over time: hits / (hits + misses) over a sliding span of K
# windows of timeseries.csv (pnicsim run's per-window counts), one curve
# per run, with the first run's timed events (summary.json's "events")
# as vertical lines, a flood's end too.  Called by mk/figures.mk:
#   gnuplot -e "runs='DIR ...'; titles='T ...'; out='F.svg'; name='...'" hitrate.gp
# runs: run output folders; titles: one word per run (underscores show as
# spaces); name: the figure's title.  Needs jq for the events.

if (!exists("K")) K = 5                  # windows per point (0.5 ms at 100 us)
array H[K]
array M[K]
restart(x) = (ri = 0, sh = 0, sm = 0, sum [j = 1:K] (H[j] = 0, M[j] = 0, 0))
# The span's rate, the window (h hits, m misses) in.
slide(h, m) = (ri = ri % K + 1, sh = sh - H[ri] + h, sm = sm - M[ri] + m, \
	       H[ri] = h, M[ri] = m, sh + sm > 0 ? sh / (sh + sm) : NaN)
csv(j) = word(runs, j) . "/timeseries.csv"
first = word(runs, 1)
# The events as words: time (ns), kind, time, kind, ...
marks = system("jq -r '.events // [] | .[] | \"\\(.at_ns) \\(.kind)\", " . \
	       "(select(.window_ns) | \"\\(.at_ns + .window_ns) end_of_\\(.kind)\")' " . \
	       first . "/summary.json")
window_us = real(system("jq '.run.window_ns' " . first . "/summary.json")) / 1000

load "tools/figures/common.gp"
set datafile separator ","
set datafile columnheaders
# To the end of the last window with a lookup (a run's idle tail, one
# long line of timeseries.csv, would squeeze the rest).
xmax = 0
do for [j = 1:words(runs)] {
	stats csv(j) using (column("hits") + column("misses") > 0 ? column("end_ns") : NaN) nooutput
	xmax = STATS_max > xmax ? STATS_max : xmax
}
set xrange [0:xmax / 1e6]
set title name . sprintf(" (hit rate over %d windows of %g us)", K, window_us)
set xlabel "simulated time (ms)"
set ylabel "hit rate: hits / (hits + misses)"
set yrange [0:1.12]
set ytics 0, 0.2, 1
set grid
set key at graph 0.3, graph 0.3 center box opaque
do for [k = 1:words(marks) / 2] {
	t = real(word(marks, 2 * k - 1)) / 1e6
	set arrow k from first t, graph 0 to first t, graph 1 nohead lc "gray40" dt 3
	set label k label(word(marks, 2 * k)) at first t, graph 0.97 left offset 0.3, 0 font ",9"
}
plot for [j = 1:words(runs)] csv(j) \
	using (column("end_ns") / 1e6):(($0 == 0 ? restart(0) : 0), \
					slide(column("hits"), column("misses"))) \
	with lines lw 2 dt j lc j title label(word(titles, j))
