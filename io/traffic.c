/* traffic: a scenario input's frames with the times they are offered
 * (see traffic.h). */
#include "io/traffic.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "io/pcap_in.h"
#include "model/editor.h"
#include "model/encap.h"
#include "model/frame.h"
#include "model/parser.h"

/* The longest frame a remote source's encapsulation takes (a jumbo). */
#define ENC_MAX (9216u + ENCAP_TEMPLATE_MAX_BYTES)

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
	uint32_t sent;          /* a generated input: frames handed out */
	uint8_t gen[64];        /* its frame */
	uint8_t *enc;           /* a remote source's frame, encapsulated */
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
	if (in->by_vnic && in->owner->topo.n_remote_vms + in->owner->topo.n_remote_hosts &&
	    !(t->enc = malloc(ENC_MAX))) {
		free(t);
		return pnic_err(err, ENOMEM, "out of memory for an input");
	}
	t->lead_ps = in->pace != SCENARIO_PACE_TRACE ? 0 :
		     (uint64_t)llround((double)in->lead_ns * 1000.0 / in->multiplier);
	if (in->generated) {
		*out = t;
		return 0;
	}
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
	free(t->enc);
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

/* A frame from a VM behind a remote host arrives as that host's VTEP
 * sends it: encapsulated (VXLAN, the VM's VNI) toward this host's VTEP
 * on the uplink. */
static int encapsulate(struct traffic *t, struct traffic_pkt *p, int host,
		       uint32_t vni, struct pnic_error *err)
{
	const struct scenario_topology *topo = &t->in->owner->topo;
	const struct fpag_uplink *u = &topo->uplinks[topo->remote_hosts[host].v.uplink].v;
	struct encap_fields e = { .ttl = 64, .vni = vni };
	struct pnic_action a = { .kind = ACT_FORWARD, .tunnel_op = TUNNEL_OP_VXLAN_ENCAP };
	struct encap_template tpl;
	struct parser_result pr;
	uint32_t len = p->caplen, ip = topo->remote_hosts[host].v.vtep_ipv4;

	for (int i = 0; i < 6; i++) {
		e.eth_dst[i] = (uint8_t)(u->vtep_mac >> (40 - 8 * i));
		e.eth_src[i] = (uint8_t)(u->next_hop_mac >> (40 - 8 * i));
	}
	for (int i = 0; i < 4; i++) {
		e.src_ip[i] = (uint8_t)(ip >> (24 - 8 * i));
		e.dst_ip[i] = (uint8_t)(u->vtep_ipv4 >> (24 - 8 * i));
	}
	if (encap_build(&e, &tpl, err) < 0 || p->caplen != p->len || len > ENC_MAX - tpl.len)
		return pnic_err_at(err, EINVAL, t->in->path, 0, 0, "in_port",
				   "packet %llu: a remote VM's frame that cannot be encapsulated (cut short, or over %u bytes)",
				   (unsigned long long)p->number, ENC_MAX - ENCAP_TEMPLATE_MAX_BYTES);
	memcpy(t->enc, p->frame, len);
	parser_parse(t->enc, len, len, &pr);
	if (editor_apply(&a, &tpl, &pr, t->enc, &len, ENC_MAX, NULL) < 0)
		return pnic_err_at(err, EINVAL, t->in->path, 0, 0, "in_port",
				   "packet %llu: the remote VM's frame could not be encapsulated",
				   (unsigned long long)p->number);
	p->frame = t->enc;
	p->caplen = p->len = len;
	return 0;
}

/* in_port: vnics: the port of the frame's source, when it is offered. */
static int attach(struct traffic *t, struct traffic_pkt *p,
		  struct pnic_error *err)
{
	uint64_t mac = 0;
	uint32_t vni = 0;
	int host;

	for (uint32_t i = 6; i < 12 && p->caplen >= 12; i++)
		mac = mac << 8 | p->frame[i];
	p->in_port = p->caplen >= 12 ? scenario_attachment(t->in->owner, mac, p->offer_ps / 1000)
				     : UINT32_MAX;
	if (p->in_port != UINT32_MAX && t->enc && p->caplen >= 12 &&
	    (host = scenario_remote_source(t->in->owner, mac, p->offer_ps / 1000, &vni)) >= 0)
		return encapsulate(t, p, host, vni, err);
	if (p->in_port != UINT32_MAX)
		return 0;
	return pnic_err_at(err, EINVAL, t->in->path, 0, 0, "in_port",
			   "packet %llu: its source MAC %012llx is no VNIC's and the topology has no uplink to bring it in (in_port: vnics)",
			   (unsigned long long)p->number, (unsigned long long)mac);
}

static void put_mac(uint8_t *b, uint64_t mac)
{
	for (int i = 0; i < 6; i++)
		b[i] = (uint8_t)(mac >> (40 - 8 * i));
}

static void put_ip(uint8_t *b, uint32_t ip)
{
	for (int i = 0; i < 4; i++)
		b[i] = (uint8_t)(ip >> (24 - 8 * i));
}

/* Flow i of a table flood: a UDP datagram or a TCP SYN, 64 bytes. */
static uint32_t flood_frame(const struct scenario_flood *fl, uint32_t i,
			    uint8_t *b)
{
	struct frame_ipv4 ip = { .ttl = 64, .proto = fl->proto };
	uint16_t sport = (uint16_t)(1024 + i % 64512);
	uint16_t dport = (uint16_t)(fl->dst_port + i / 64512);
	struct frame_buf f;
	uint8_t dm[6], sm[6];
	uint32_t l3, l4;

	put_mac(dm, fl->dst_mac);
	put_mac(sm, fl->src_mac);
	put_ip(ip.src, fl->src_ip);
	put_ip(ip.dst, fl->dst_ip);
	frame_init(&f, b, 64);
	frame_eth(&f, dm, sm, 0x0800);
	l3 = frame_ipv4(&f, &ip);
	if (fl->proto == 6)
		l4 = frame_tcp(&f, &(struct frame_tcp){ .sport = sport, .dport = dport,
							.seq = i, .flags = 0x02,
							.window = 65535 });
	else
		l4 = frame_udp(&f, sport, dport);
	frame_fill(&f, 0, 64 - f.n);
	if (fl->proto != 6)
		frame_udp_end(&f, l4);
	frame_ipv4_end(&f, l3, true);
	frame_l4_csum(&f, l3, l4);
	return f.n;
}

/* A generated input: its frames one gap apart from its lead. */
static int next_generated(struct traffic *t, struct traffic_pkt *p,
			  struct pnic_error *err)
{
	const struct scenario_flood *fl = &t->in->flood;
	uint32_t n;
	int rc;

	if (t->sent >= fl->flows)
		return 0;
	n = flood_frame(fl, t->sent, t->gen);
	*p = (struct traffic_pkt){
		.frame = t->gen, .caplen = n, .len = n,
		.offer_ps = t->lead_ps + (uint64_t)t->sent * fl->gap_ps,
		.in_port = t->in->in_port, .number = t->sent + 1,
	};
	t->sent++;
	if (t->in->by_vnic && (rc = attach(t, p, err)) < 0)
		return rc;
	return 1;
}

int traffic_next(struct traffic *t, struct traffic_pkt *p,
		 struct pnic_error *err)
{
	struct pcap_in_pkt k;
	int rc;

	if (t->in->generated)
		return next_generated(t, p, err);
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
