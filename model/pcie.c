/* PCIe link timing (see pcie.h; docs/pcie.md has the numbers' sources). */
#include "model/pcie.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

/* Every TLP on the wire: framing and sequence number (2 + 2 bytes of
 * STP/END symbols and sequence for gen 1-2, a 4-byte STP token holding
 * the sequence for gen 3 on) and the 4-byte LCRC. */
#define TLP_LINK_BYTES 8
/* Headers with 64-bit addresses: 4 DW for MWr and MRd, 3 DW for CplD. */
#define TLP_MWR_HDR 16
#define TLP_MRD_HDR 16
#define TLP_CPLD_HDR 12
#define MSIX_BYTES 4

typedef unsigned __int128 u128;

/* Each direction keeps the time it is idle from in units of 1/per_ps
 * picoseconds, where a wire bit takes an integer number of units, so that
 * back-to-back transfers add up exactly, however many there are. */
struct pcie_dir {
	u128 free;
	u128 busy;                   /* units it carried */
	uint64_t *bytes, *busy_ps;   /* its stats */
};

struct pcie_link {
	struct pcie_params p;
	u128 per_ps;                 /* units per picosecond */
	u128 per_byte;               /* units per wire byte */
	struct pcie_dir up, down;
	struct pcie_link_stats st;
};

struct pcie_params pcie_defaults(void)
{
	return (struct pcie_params){
		.gen = 4, .lanes = 8, .mps = 256, .mrrs = 512,
		.dllp_permille = 81, .read_rtt_ns = 500, .write_ns = 250,
		.irq_ns = 2000, .poll_ns = 100,
	};
}

static bool pow2_in(uint32_t v, uint32_t lo, uint32_t hi)
{
	return v >= lo && v <= hi && (v & (v - 1)) == 0;
}

static int bad(struct pnic_error *err, int errnum, const char *field,
	       const char *fmt, uint32_t v)
{
	int rc = pnic_err(err, errnum, fmt, v);

	if (err)
		snprintf(err->field, sizeof err->field, "%s", field);
	return rc;
}

int pcie_validate(const struct pcie_params *p, struct pnic_error *err)
{
	if (p->gen < PCIE_MIN_GEN || p->gen > PCIE_MAX_GEN)
		return bad(err, ERANGE, "gen", "PCIe generation %u is not 1..5", p->gen);
	if (!pow2_in(p->lanes, 1, 32))
		return bad(err, ERANGE, "lanes", "%u lanes is not 1, 2, 4, 8, 16 or 32",
			   p->lanes);
	if (!pow2_in(p->mps, 128, 4096))
		return bad(err, ERANGE, "mps",
			   "max payload size %u is not a power of two in 128..4096", p->mps);
	if (!pow2_in(p->mrrs, 128, 4096))
		return bad(err, ERANGE, "mrrs",
			   "max read request size %u is not a power of two in 128..4096",
			   p->mrrs);
	if (p->dllp_permille > 500)
		return bad(err, ERANGE, "dllp_permille",
			   "DLLP overhead %u per mille is not 0..500", p->dllp_permille);
	return 0;
}

/* ---- bytes and time ---------------------------------------------------- */

static uint64_t tlps(uint64_t len, uint32_t chunk)
{
	return len ? (len + chunk - 1) / chunk : 1;
}

uint64_t pcie_write_wire_bytes(const struct pcie_params *p, uint64_t len)
{
	return len + tlps(len, p->mps) * (TLP_LINK_BYTES + TLP_MWR_HDR);
}

uint64_t pcie_read_request_wire_bytes(const struct pcie_params *p,
				      uint64_t len)
{
	return tlps(len, p->mrrs) * (TLP_LINK_BYTES + TLP_MRD_HDR);
}

uint64_t pcie_completion_wire_bytes(const struct pcie_params *p, uint64_t len)
{
	return len + tlps(len, p->mps) * (TLP_LINK_BYTES + TLP_CPLD_HDR);
}

/* Line encoding: payload bits per 'den' bits on the lane. */
static void encoding(uint32_t gen, uint32_t *num, uint32_t *den)
{
	*num = gen <= 2 ? 8 : 128;
	*den = gen <= 2 ? 10 : 130;
}

static uint32_t mtps(uint32_t gen)
{
	static const uint32_t rate[PCIE_MAX_GEN + 1] = { 0, 2500, 5000, 8000,
							 16000, 32000 };

	return rate[gen];
}

/* A byte takes 8 * 1e12 / rate ps, rate = MT/s * 1e6 * lanes * num/den *
 * (1000 - dllp)/1000 bit/s: per_byte / per_ps, both integers. */
static void byte_time(const struct pcie_params *p, u128 *per_byte, u128 *per_ps)
{
	uint32_t num, den;

	encoding(p->gen, &num, &den);
	*per_byte = (u128)8u * 1000000u * den * 1000u;
	*per_ps = (u128)mtps(p->gen) * p->lanes * num * (1000u - p->dllp_permille);
}

static uint64_t units_to_ps(u128 units, u128 per_ps)
{
	return (uint64_t)((units + per_ps - 1) / per_ps);
}

uint64_t pcie_wire_ps(const struct pcie_params *p, uint64_t bytes)
{
	u128 per_byte, per_ps;

	byte_time(p, &per_byte, &per_ps);
	return units_to_ps(per_byte * bytes, per_ps);
}

uint64_t pcie_tlp_mbps(const struct pcie_params *p)
{
	uint32_t num, den;

	encoding(p->gen, &num, &den);
	return (uint64_t)mtps(p->gen) * p->lanes * num *
	       (1000u - p->dllp_permille) / den / 1000u;
}

/* ---- the link ---------------------------------------------------------- */

int pcie_link_create(const struct pcie_params *p, struct pcie_link **out,
		     struct pnic_error *err)
{
	struct pcie_link *l;
	int rc;

	*out = NULL;
	if ((rc = pcie_validate(p, err)))
		return rc;
	l = calloc(1, sizeof *l);
	if (!l)
		return pnic_err(err, ENOMEM, "out of memory for a PCIe link");
	l->p = *p;
	byte_time(p, &l->per_byte, &l->per_ps);
	l->up = (struct pcie_dir){ 0, 0, &l->st.up_bytes, &l->st.up_busy_ps };
	l->down = (struct pcie_dir){ 0, 0, &l->st.down_bytes, &l->st.down_busy_ps };
	*out = l;
	return 0;
}

void pcie_link_destroy(struct pcie_link *l)
{
	free(l);
}

const struct pcie_params *pcie_link_params(const struct pcie_link *l)
{
	return &l->p;
}

/* Put `bytes` on direction d no earlier than `now`: when the last bit is
 * on the wire. */
static uint64_t send(struct pcie_link *l, struct pcie_dir *d, uint64_t now,
		     uint64_t bytes)
{
	u128 at = (u128)now * l->per_ps;
	u128 start = at > d->free ? at : d->free;
	u128 t = l->per_byte * bytes;

	d->free = start + t;
	*d->bytes += bytes;
	d->busy += t;
	*d->busy_ps = units_to_ps(d->busy, l->per_ps);
	return units_to_ps(d->free, l->per_ps);
}

static uint64_t up(struct pcie_link *l, uint64_t now, uint64_t bytes)
{
	return send(l, &l->up, now, bytes);
}

static uint64_t down(struct pcie_link *l, uint64_t now, uint64_t bytes)
{
	return send(l, &l->down, now, bytes);
}

uint64_t pcie_link_dma_write(struct pcie_link *l, uint64_t now_ps,
			     uint64_t len)
{
	l->st.dma_writes++;
	l->st.dma_write_bytes += len;
	return up(l, now_ps, pcie_write_wire_bytes(&l->p, len)) +
	       (uint64_t)l->p.write_ns * 1000u;
}

uint64_t pcie_link_dma_read(struct pcie_link *l, uint64_t now_ps,
			    uint64_t len)
{
	uint64_t asked = up(l, now_ps, pcie_read_request_wire_bytes(&l->p, len));
	uint64_t back = asked + (uint64_t)l->p.read_rtt_ns * 1000u;

	l->st.dma_reads++;
	l->st.dma_read_bytes += len;
	return down(l, back, pcie_completion_wire_bytes(&l->p, len));
}

uint64_t pcie_link_mmio_write(struct pcie_link *l, uint64_t now_ps,
			      uint64_t len)
{
	l->st.mmio_writes++;
	return down(l, now_ps, pcie_write_wire_bytes(&l->p, len)) +
	       (uint64_t)l->p.write_ns * 1000u;
}

uint64_t pcie_link_interrupt(struct pcie_link *l, uint64_t now_ps)
{
	l->st.interrupts++;
	return up(l, now_ps, pcie_write_wire_bytes(&l->p, MSIX_BYTES)) +
	       ((uint64_t)l->p.write_ns + l->p.irq_ns) * 1000u;
}

const struct pcie_link_stats *pcie_link_stats(const struct pcie_link *l)
{
	return &l->st;
}
