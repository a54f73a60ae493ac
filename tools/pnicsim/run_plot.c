/* The plots of `pnicsim run`, made by gnuplot (pngcairo and svg
 * terminals): latency-cdf.{png,svg}, the CDF of each path's latency from
 * the last bit in, and timeseries.{png,svg}, the per-window counts and
 * queue depths read back from timeseries.csv.  The script goes to a
 * temporary file and gnuplot runs on it, so a gnuplot that dies cannot
 * take the run with it (no pipe to break).  Plots never fail the run:
 * without gnuplot, or when it fails, r->plot_note says why, and no plot
 * is left.  PNICSIM_GNUPLOT names another gnuplot (tests name a missing
 * one). */
#include <errno.h>
#include <limits.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tools/pnicsim/run.h"

extern char **environ;

static const char *const plot_names[] = {
	"latency-cdf.png", "latency-cdf.svg", "timeseries.png", "timeseries.svg",
};

#define N_PLOTS (sizeof plot_names / sizeof plot_names[0])

/* The quantiles the CDF is drawn through: every percent, then the tail. */
static const double tail_q[] = { 0.995, 0.999, 0.9995, 0.9999, 1.0 };

/* A gnuplot string: single quotes, a quote doubled. */
static void put_quoted(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s; s++) {
		if (*s == '\'')
			fputc('\'', f);
		fputc(*s, f);
	}
	fputc('\'', f);
}

/* The CDF of h (each sample times to_ns) as the data block $name. */
static void cdf_block(FILE *f, const struct hist *h, const char *name,
		      double to_ns)
{
	fprintf(f, "$%s << EOD\n", name);
	fprintf(f, "%.3f 0\n", (double)hist_min(h) * to_ns);
	for (unsigned k = 1; k < 100; k++)
		fprintf(f, "%.3f %.4f\n",
			(double)hist_quantile(h, k / 100.0) * to_ns, k / 100.0);
	for (unsigned k = 0; k < sizeof tail_q / sizeof tail_q[0]; k++)
		fprintf(f, "%.3f %.4f\n",
			(double)hist_quantile(h, tail_q[k]) * to_ns, tail_q[k]);
	fprintf(f, "EOD\n");
}

/* Both terminals for the plot commands in `body`. */
static void both_terminals(FILE *f, const char *png, const char *svg,
			   const char *body)
{
	fprintf(f, "set terminal pngcairo size 1000,650 noenhanced\nset output ");
	put_quoted(f, png);
	fprintf(f, "\n%s\nset terminal svg size 1000,650 noenhanced\nset output ", body);
	put_quoted(f, svg);
	fprintf(f, "\n%s\nunset output\nreset\n", body);
}

/* The curves: each path's latency (cycles), and the miss round trip (ps)
 * to the entry written. */
static void latency_script(FILE *f, const struct run *r, char paths[][PATH_MAX])
{
	const struct hist *h[RUN_PATHS + 1] = { &r->lat[0], &r->lat[1], &r->lat[2], r->trip };
	const char *name[RUN_PATHS + 1] = { "hit", "miss", "to_host", "miss_round_trip" };
	double to_ns = 1e9 / (double)r->sp.clock_hz;
	char body[1024];
	size_t len;
	bool any = false;

	for (unsigned i = 0; i <= RUN_PATHS; i++)
		if (h[i]->count)
			cdf_block(f, h[i], name[i], i < RUN_PATHS ? to_ns : 1e-3);
	fprintf(f, "set title 'Latency CDF per path (from the last bit in: to the last bit out, "
		   "to the to-host queue, to the entry installed)'\n"
		   "set xlabel 'latency (ns)'\nset ylabel 'fraction of packets'\n"
		   "set yrange [0:1]\nset grid\nset key bottom right\nset logscale x\n");
	len = (size_t)snprintf(body, sizeof body, "plot ");
	for (unsigned i = 0; i <= RUN_PATHS; i++) {
		if (!h[i]->count)
			continue;
		len += (size_t)snprintf(body + len, sizeof body - len,
					"%s$%s using 1:2 with steps lw 2 title '%s (%llu)'",
					any ? ", " : "", name[i], name[i],
					(unsigned long long)h[i]->count);
		any = true;
	}
	if (!any)
		snprintf(body, sizeof body, "unset logscale x\nset label 'no packets' at graph 0.5,0.5 center\n"
			 "plot [0:1] NaN notitle");
	both_terminals(f, paths[0], paths[1], body);
}

static void timeseries_script(FILE *f, const struct run *r,
			      char paths[][PATH_MAX])
{
	/* Fixed y ranges: gnuplot warns on an all-zero series otherwise. */
	double ymax = (double)r->window_max_count * 1.1 + 1.0;
	double dmax = (double)r->window_max_depth * 1.1 + 1.0;
	char csv[PATH_MAX], body[2048];

	outdir_tmp_path(r->out, "timeseries.csv", csv, sizeof csv);
	fprintf(f, "set datafile separator ','\ncsv = ");
	put_quoted(f, csv);
	fprintf(f, "\n");
	snprintf(body, sizeof body,
		 "set multiplot layout 2,1 title 'Per window of %.3f us'\n"
		 "set grid\nset key outside right\nset xlabel 'simulated time (us)'\n"
		 "set ylabel 'packets per window'\nset yrange [0:%.1f]\n"
		 "plot csv skip 1 using ($1/1000):4 with steps title 'departed', "
		 "'' skip 1 using ($1/1000):5 with steps title 'hits', "
		 "'' skip 1 using ($1/1000):6 with steps title 'misses', "
		 "'' skip 1 using ($1/1000):8 with steps title 'drops', "
		 "'' skip 1 using ($1/1000):11 with steps title 'events'\n"
		 "set ylabel 'frames queued at the window end'\nset yrange [0:%.1f]\n"
		 "plot csv skip 1 using ($1/1000):13 with steps title 'ingress', "
		 "'' skip 1 using ($1/1000):14 with steps title 'egress', "
		 "'' skip 1 using ($1/1000):15 with steps title 'to-host'\n"
		 "unset multiplot",
		 (double)r->sp.window_ps / 1e6, ymax, dmax);
	if (!r->windows)
		snprintf(body, sizeof body, "set label 'no windows' at graph 0.5,0.5 center\n"
			 "plot [0:1] NaN notitle");
	both_terminals(f, paths[2], paths[3], body);
}

/* gnuplot on the script: its exit status, or -1 when it could not run. */
static int run_gnuplot(const char *gnuplot, const char *script)
{
	char *argv[] = { (char *)gnuplot, (char *)script, NULL };
	pid_t pid;
	int st;

	if (posix_spawnp(&pid, gnuplot, NULL, NULL, argv, environ) != 0)
		return -1;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void forget_plots(char paths[][PATH_MAX])
{
	for (unsigned i = 0; i < N_PLOTS; i++)
		unlink(paths[i]);
}

void run_plot(struct run *r)
{
	const char *gnuplot = getenv("PNICSIM_GNUPLOT");
	char paths[N_PLOTS][PATH_MAX], script[] = "/tmp/pnicsim-plot-XXXXXX";
	struct pnic_error err;
	FILE *f;
	int fd, rc;

	gnuplot = gnuplot && *gnuplot ? gnuplot : "gnuplot";
	for (unsigned i = 0; i < N_PLOTS; i++)
		if (outdir_path(r->out, plot_names[i], paths[i], PATH_MAX, &err)) {
			snprintf(r->plot_note, sizeof r->plot_note, "not made: %s", err.msg);
			return;
		}
	fflush(r->timeseries);
	if ((fd = mkstemp(script)) < 0 || !(f = fdopen(fd, "w"))) {
		snprintf(r->plot_note, sizeof r->plot_note,
			 "not made: no temporary file for the script: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	latency_script(f, r, paths);
	timeseries_script(f, r, paths);
	rc = fclose(f) ? -2 : run_gnuplot(gnuplot, script);
	unlink(script);
	if (rc == 0) {
		r->plots_made = true;
		return;
	}
	forget_plots(paths);
	snprintf(r->plot_note, sizeof r->plot_note, rc == -1
		 ? "not made: %s was not found (install gnuplot, e.g. gnuplot-nox)"
		 : "not made: %s failed (its messages are above)", gnuplot);
}
