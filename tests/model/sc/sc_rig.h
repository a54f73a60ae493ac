/* A run of the SystemC system in a child process (SystemC elaborates once
 * per process), its result and a hash of everything it handed out
 * (records, egress frames with their departures, windows, miss trips)
 * sent back through a pipe. */
#ifndef TESTS_SC_RIG_H
#define TESTS_SC_RIG_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "io/scenario.h"
#include "model/sc/system.h"

struct sc_out {
	int rc;
	char msg[512];
	struct system_result res;
	uint64_t hash;               /* records + egress + trips */
	uint64_t egress_hash;        /* egress frames and departures only */
	uint64_t records, egress, windows, trips;
	uint64_t last_departure_ns;
	struct system_miss_trip first_trip;
	uint64_t dep_of_id[4];       /* departure ns of arrivals 0..3 */
	uint64_t win_arrivals, win_commands;   /* summed over windows */
	/* Order-free sums of each arrival's decision and of each frame out
	 * with its bytes, to compare with the functional NIC. */
	uint64_t dec_sum, out_sum;
	uint64_t hits_after_install;  /* hits on entries the host installed */
	uint32_t first_index;         /* the scenario's entries end */
	uint64_t records_path[4];
	double cpu_s;                 /* the child's CPU time in system_run */
	uint64_t actions;             /* timed actions reported */
	struct system_action action[4];   /* the first four */
};

/* One arrival's decision, one frame out: the same encoding as the
 * functional side (sc_fn_*). */
static uint64_t sc_fnv(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

static uint64_t sc_dec(uint64_t id, uint64_t kind, uint64_t what)
{
	uint64_t f[3] = { id, kind, what };

	return sc_fnv(f, sizeof f);
}

static uint64_t sc_outh(uint64_t id, uint64_t ppid, const uint8_t *frame,
			uint32_t caplen)
{
	uint64_t f[3] = { id, ppid, sc_fnv(frame, caplen) };

	return sc_fnv(f, sizeof f);
}

static uint64_t sc_mix(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

static void sc_on_egress(void *ctx, const struct pipeline_egress *e,
			 uint64_t dep_ns)
{
	struct sc_out *o = ctx;
	uint64_t f[5] = { e->id, e->kind, e->ppid, e->len, dep_ns };

	o->egress++;
	o->egress_hash = sc_mix(o->egress_hash, f, sizeof f);
	o->egress_hash = sc_mix(o->egress_hash, e->frame, e->caplen);
	o->hash = sc_mix(o->hash, f, sizeof f);
	o->last_departure_ns = dep_ns;
	if (e->kind == PL_TX_FORWARD && e->id < 4)
		o->dep_of_id[e->id] = dep_ns;
	if (e->kind != PL_TX_PACKET_OUT)
		o->out_sum += sc_outh(e->id, e->ppid + (e->kind == PL_TX_MIRROR ? 100 : 0),
				      e->frame, e->caplen);
}

static void sc_on_record(void *ctx, const struct pipeline_record *r)
{
	struct sc_out *o = ctx;
	uint64_t f[8] = { r->id, r->arrival_last, r->enqueue, r->departure,
			  r->path, r->drop, r->out_ppid, (uint64_t)r->entry };

	o->records++;
	o->hash = sc_mix(o->hash, f, sizeof f);
	o->records_path[r->path & 3]++;
	switch (r->path) {
	case PL_PATH_HIT:
		o->dec_sum += sc_dec(r->id, 0, r->out_ppid);
		if (r->entry >= 0 && (uint32_t)r->entry >= o->first_index)
			o->hits_after_install++;
		break;
	case PL_PATH_MISS:
	case PL_PATH_TO_HOST:
		o->dec_sum += sc_dec(r->id, 1, r->host);
		break;
	case PL_PATH_DROP:
		o->dec_sum += sc_dec(r->id, 2, r->drop);
		break;
	}
}

static void sc_on_window(void *ctx, const struct system_window *w)
{
	struct sc_out *o = ctx;

	o->windows++;
	o->win_arrivals += w->arrivals;
	o->win_commands += w->commands;
	o->hash = sc_mix(o->hash, w, sizeof *w);
}

static void sc_on_trip(void *ctx, const struct system_miss_trip *t)
{
	struct sc_out *o = ctx;

	if (o->trips++ == 0)
		o->first_trip = *t;
	o->hash = sc_mix(o->hash, t, sizeof *t);
}

static void sc_on_action(void *ctx, const struct system_action *a)
{
	struct sc_out *o = ctx;

	if (o->actions < 4)
		o->action[o->actions] = *a;
	o->actions++;
}

static void sc_child(const char *path,
		     void (*tweak)(struct system_params *p, void *arg),
		     void *arg, struct sc_out *o)
{
	struct scenario *sc;
	struct system_params p;
	struct pnic_error err = { 0 };

	o->hash = o->egress_hash = 0xcbf29ce484222325ull;
	o->rc = scenario_load(path, &sc, &err);
	if (o->rc == 0) {
		o->first_index = scenario_entries_end(sc);
		system_params_default(&p);
		p.scenario = sc;
		p.egress = sc_on_egress;
		p.record = sc_on_record;
		p.window = sc_on_window;
		p.miss = sc_on_trip;
		p.action = sc_on_action;
		p.ctx = o;
		if (tweak)
			tweak(&p, arg);
		struct timespec a, b;

		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
		o->rc = system_run(&p, &o->res, &err);
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
		o->cpu_s = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) * 1e-9;
	}
	snprintf(o->msg, sizeof o->msg, "%s", err.msg);
}

static void sc_run(const char *path,
		   void (*tweak)(struct system_params *p, void *arg),
		   void *arg, struct sc_out *o)
{
	int fd[2], status;
	pid_t pid;
	size_t got = 0;
	ssize_t n;

	memset(o, 0, sizeof *o);
	if (pipe(fd) != 0)
		abort();
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		close(fd[0]);
		sc_child(path, tweak, arg, o);
		while (got < sizeof *o && (n = write(fd[1], (char *)o + got,
						     sizeof *o - got)) > 0)
			got += (size_t)n;
		_exit(0);
	}
	close(fd[1]);
	while (got < sizeof *o && (n = read(fd[0], (char *)o + got,
					    sizeof *o - got)) > 0)
		got += (size_t)n;
	close(fd[0]);
	waitpid(pid, &status, 0);
	if (got != sizeof *o || !WIFEXITED(status) || WEXITSTATUS(status)) {
		o->rc = -ECHILD;
		snprintf(o->msg, sizeof o->msg, "the child run died (status 0x%x)",
			 status);
	}
}

#endif
