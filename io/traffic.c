/* traffic: a scenario input's frames with the times they are offered
 * (see traffic.h). */
#include "io/traffic.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

#include "io/pcap_in.h"

struct traffic {
	const struct scenario_input *in;
	struct pcap_in *pin;
	uint32_t loop;
	bool damaged;           /* the capture ended in damage: no more loops */
	uint64_t first_ns;      /* timestamp of the loop's first frame */
	uint64_t frames;        /* frames of loop 0 */
	uint64_t span_ps;       /* loop 0's last offset */
	uint64_t period_ps;     /* known once loop 0 is read */
	uint64_t last_ps;       /* the previous frame's offset in its loop */
	uint64_t lead_ps;       /* the input's first frame on the shared clock */
};

int traffic_open(const struct scenario_input *in, struct traffic **out,
		 struct pnic_error *err)
{
	struct traffic *t;
	int rc;

	*out = NULL;
	t = calloc(1, sizeof *t);
	if (!t)
		return pnic_err(err, ENOMEM, "out of memory for an input");
	t->in = in;
	t->lead_ps = in->pace != SCENARIO_PACE_TRACE ? 0 :
		     (uint64_t)llround((double)in->lead_ns * 1000.0 / in->multiplier);
	rc = pcap_in_open(in->path, &t->pin, err);
	if (rc) {
		free(t);
		return rc;
	}
	*out = t;
	return 0;
}

void traffic_close(struct traffic *t)
{
	if (!t)
		return;
	pcap_in_close(t->pin);
	free(t);
}

uint64_t traffic_period_ps(const struct traffic *t)
{
	return t->period_ps;
}

/* A frame's offset in its loop: the capture's spacing over the
 * multiplier, never before the frame ahead of it. */
static uint64_t offset_ps(struct traffic *t, uint64_t ts_ns)
{
	uint64_t off = 0;

	if (t->in->pace == SCENARIO_PACE_LINE_RATE)
		return 0;
	if (ts_ns > t->first_ns) {
		uint64_t d = ts_ns - t->first_ns;

		off = t->in->multiplier == 1.0
			? d * 1000u
			: (uint64_t)llround((double)d * 1000.0 / t->in->multiplier);
	}
	return off > t->last_ps ? off : t->last_ps;
}

/* Loop 0 is over: its period is known. */
static void end_loop0(struct traffic *t)
{
	t->span_ps = t->last_ps;
	t->period_ps = t->frames > 1 ? t->span_ps + t->span_ps / (t->frames - 1) : 0;
}

/* The next loop, or 0 when there is none. */
static int next_loop(struct traffic *t, struct pnic_error *err)
{
	int rc;

	if (t->loop == 0)
		end_loop0(t);
	pcap_in_close(t->pin);
	t->pin = NULL;
	if (t->damaged || t->frames == 0 || t->loop + 1 >= t->in->loops)
		return 0;
	if ((rc = pcap_in_open(t->in->path, &t->pin, err)))
		return rc;
	t->loop++;
	t->last_ps = 0;
	return 1;
}

static void fill(struct traffic *t, const struct pcap_in_pkt *k,
		 struct traffic_pkt *p)
{
	if (k->number == 1)
		t->first_ns = k->ts_ns;
	t->last_ps = offset_ps(t, k->ts_ns);
	if (t->loop == 0)
		t->frames++;
	*p = (struct traffic_pkt){
		.frame = k->frame, .caplen = k->caplen, .len = k->len,
		.offer_ps = t->lead_ps + (uint64_t)t->loop * t->period_ps + t->last_ps,
		.in_port = t->in->in_port, .loop = t->loop, .number = k->number,
	};
}

/* in_port: vnics: the port of the frame's source, when it is offered. */
static int attach(const struct traffic *t, struct traffic_pkt *p,
		  struct pnic_error *err)
{
	uint64_t mac = 0;

	for (uint32_t i = 6; i < 12 && p->caplen >= 12; i++)
		mac = mac << 8 | p->frame[i];
	p->in_port = p->caplen >= 12 ? scenario_attachment(t->in->owner, mac, p->offer_ps / 1000)
				     : UINT32_MAX;
	if (p->in_port != UINT32_MAX)
		return 0;
	return pnic_err_at(err, EINVAL, t->in->path, 0, 0, "in_port",
			   "packet %llu: its source MAC %012llx is no VNIC's and the topology has no uplink to bring it in (in_port: vnics)",
			   (unsigned long long)p->number, (unsigned long long)mac);
}

int traffic_next(struct traffic *t, struct traffic_pkt *p,
		 struct pnic_error *err)
{
	struct pcap_in_pkt k;
	int rc;

	for (;;) {
		if (!t->pin)
			return 0;
		rc = pcap_in_next(t->pin, &k, err);
		if (rc == 1) {
			fill(t, &k, p);
			return t->in->by_vnic && (rc = attach(t, p, err)) < 0 ? rc : 1;
		}
		if (rc < 0) {
			t->damaged = true;
			if (t->loop == 0)
				end_loop0(t);
			return rc;
		}
		if ((rc = next_loop(t, err)) <= 0)
			return rc;
	}
}
