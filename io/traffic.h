/* traffic: when the packets of one scenario input arrive, for a timed run.
 *
 * An input (io/scenario.h) is a capture file, the port it arrives on, a
 * pace and a number of loops.  This reader hands its frames out in order,
 * each with the time its sender offers it to the port, in picoseconds
 * from the start of the run:
 *   - pace trace: the capture's own spacing, (ts - ts of the first frame)
 *     / multiplier, rounded to the picosecond, after the input's lead on
 *     the scenario's shared clock (scenario_input.lead_ns / multiplier:
 *     two captures of one conversation keep their relative times); the
 *     multiplier's division
 *     is made on each frame's offset from the first, never accumulated,
 *     so a long trace does not drift;
 *   - pace line_rate: every frame is offered at the start; the port sends
 *     them back to back.
 * Offered is not sent: a port never puts a frame on the wire before the
 * previous one has left it (model/pipeline's ingress MAC), so frames
 * offered closer together than the line rate allows go back to back.
 *
 * Loop k (from 0) is loop 0 shifted by k periods.  A period is the
 * capture's span (last offset) plus the mean gap between its frames, so
 * that the loops follow each other as the frames inside a loop do; a
 * one-frame capture, or pace line_rate, has a period of 0 (its loops go
 * back to back).  The capture is read once to learn its span; a capture
 * that turns out damaged is played once, up to the damage, as replay
 * does, and traffic_next() reports the damage when it reaches it.
 *
 * Edge code: reads files through pcap_in.  A frame stays valid until the
 * next call.
 */
#ifndef PNICSIM_TRAFFIC_H
#define PNICSIM_TRAFFIC_H

#include <stdint.h>

#include "io/scenario.h"
#include "model/error.h"

struct traffic;

struct traffic_pkt {
	const uint8_t *frame;
	uint32_t caplen, len;
	uint64_t offer_ps;      /* from the start of the run */
	uint32_t in_port;       /* the input's PPID */
	uint32_t loop;          /* 0-based */
	uint64_t number;        /* 1-based packet number in the file */
};

/* Open the input's capture and learn its span.  0, or a negative errno
 * with err naming the file. */
int traffic_open(const struct scenario_input *in, struct traffic **out,
		 struct pnic_error *err);
void traffic_close(struct traffic *t);

/* 1 and *p filled, 0 when every loop is done, or a negative errno when
 * the capture is damaged at this point (err names the file, the packet
 * and the reason); frames before the damage have all been handed out. */
int traffic_next(struct traffic *t, struct traffic_pkt *p,
		 struct pnic_error *err);

/* The period between loops, in picoseconds. */
uint64_t traffic_period_ps(const struct traffic *t);

#endif
