/* replay: the state of one `pnicsim replay` run, shared by the files of
 * the command (cmd_replay.c runs it, replay_report.c reports it,
 * outdir.c owns the output folder).  Private to tools/pnicsim/.
 */
#ifndef PNICSIM_REPLAY_H
#define PNICSIM_REPLAY_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "model/datapath.h"
#include "model/lookup.h"
#include "model/nic.h"
#include "io/scenario.h"
#include "tools/pnicsim/outdir.h"

struct replay_input_result {
	uint64_t packets;
	const char *linktype_name;  /* NULL until the file is opened */
	bool refused;               /* could not be opened / link type refused */
	bool interrupted;           /* the run was stopped while reading it */
	char error[512];            /* "" if none */
};

struct replay {
	struct scenario *cfg;
	const struct scenario_input *inputs;  /* the config's, or --pcap's */
	uint32_t n_inputs;
	const char *out_dir;
	bool write_pcaps;
	struct nic *nic;
	const struct lookup *lk;              /* the NIC's, for reports */
	const struct datapath *dp;            /* the NIC's, for reports */
	struct outdir *out;
	struct replay_input_result *results;  /* n_inputs */
	struct datapath_pkt *pkts;                  /* frames point into bytes */
	uint8_t *bytes;
	int signal;                 /* the signal that stopped the run, or 0 */
	double core_s, wall_s;
	int file_errors;
};

/* summary.json: every result of the run and nothing of the host it ran
 * on, so two runs of the same config and inputs give the same bytes. */
json_t *replay_summary_json(const struct replay *r);
/* timing.json: the host's figures (datapath CPU seconds and packets/s,
 * wall seconds, pcaps open at most), which vary run to run. */
json_t *replay_timing_json(const struct replay *r);
/* The readable summary (stdout). */
void replay_summary_print(FILE *f, const struct replay *r);

/* "dst_ip 10.0.0.0/8 ip_proto 6 l4_dst 443": the fields an entry matches
 * (value/mask where the mask is not a prefix or the whole field), in the
 * profile's order, from its value and mask, so raw hex entries read like
 * field-wise ones; "any" for a catch-all. */
void replay_describe_match(const struct scenario *c,
			   const struct scenario_flow *f, char *buf, size_t n);
/* "forward vpid 3 vm_b -> ppid 3 vf1, mirror vpid 4 -> ppid 3 vf1,
 * dec_ttl, count", with the map as the run's VPID map holds it. */
void replay_describe_action(const struct replay *r,
			    const struct pnic_action *a, char *buf, size_t n);

#endif
