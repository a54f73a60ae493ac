# TCAM placement moves per insert against the anchor: placebench's lines
# (one per workload and strategy, in its order: naive_top, plo_top,
# plo_middle, plo_spread for each workload) as bars of the mean moves
# per insert, a mark at the worst single insert, and Shah & Gupta's
# bounds for PLO at the bench's level count L: L-1 moves with the free
# space at one end, L/2 with it in the middle.  Called by mk/figures.mk:
#   gnuplot -e "bench='FILE'; out='F.svg'" placement.gp
# where FILE holds `placebench`'s output.

height = 500
load "tools/figures/common.gp"
rows = "< grep moves/insert " . bench
stats "< head -1 " . bench using 4 nooutput       # "placement: depth D, L levels, ..."
L = STATS_max
stats "< head -1 " . bench using 6 nooutput
INSERTS = STATS_max
stats rows using 6 nooutput                      # the worst inserts
WORST = STATS_max
ROWS = STATS_records
S = 4                                            # strategies per workload
floor_y = 0.01                                    # where a bar of 0 is drawn from
W = 0.8 / S
x(s) = $0 + (s - (S - 1) / 2.0) * W
y(v) = v > 0 ? v : NaN
array code[S] = ["naive_top", "plo_top", "plo_middle", "plo_spread"]
array strategy[S] = ["naive shift, free space at the bottom", \
		     "PLO, free space at the bottom", \
		     "PLO, free space in the middle", \
		     "PLO, free space between levels"]
# The bench must still list them in this order, or the bars are misnamed.
do for [s = 0:S - 1] {
	stats rows every S::s using (strcol(2) eq code[s + 1] ? 0 : 1) nooutput
	if (STATS_max > 0) {
		exit error sprintf("%s: strategy %d of each workload is not %s", bench, s + 1, code[s + 1])
	}
}

set title sprintf("TCAM placement: moves per insert, %d inserts, %d levels (bars: mean; marks: worst insert)", \
		  INSERTS, L)
set ylabel "moves per insert (log scale; 0 shown as a label)"
set logscale y
set yrange [floor_y:WORST * 4]
set format y "%g"
set xrange [-0.5:ROWS / S - 0.5]
set grid ytics
set key outside below horizontal maxcols 2 font ",9"
set style fill solid 0.7 border -1
set boxwidth W
plot rows every S using ($0):(NaN):xtic(1) notitle, \
     for [s = 0:S - 1] rows every S::s using (x(s)):(y($4)) \
	with boxes lc s + 1 title strategy[s + 1], \
     for [s = 0:S - 1] rows every S::s using (x(s)):(y(column(6))) \
	with points pt 6 ps 1 lc s + 1 notitle, \
     for [s = 0:S - 1] rows every S::s using (x(s)):(floor_y * 1.5):($4 > 0 ? "" : "0") \
	with labels font ",9" notitle, \
     L - 1 with lines lc "black" dt 2 \
	title sprintf("Shah & Gupta's bound, free space at one end: L-1 = %d", L - 1), \
     L / 2.0 with lines lc "black" dt 4 \
	title sprintf("Shah & Gupta's bound, free space in the middle: L/2 = %d", L / 2)
