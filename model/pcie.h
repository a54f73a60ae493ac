/* PCIe link: when the transfers between the host and the pNIC arrive.
 *
 * The link is two directions, each carrying one transaction layer packet
 * (TLP) at a time at the link's rate: upstream (device to host) carries the
 * device's DMA writes (MWr), its read requests (MRd) and its interrupts
 * (an MSI-X is a 4-byte MWr); downstream (host to device) carries the
 * host's register writes (doorbells, MWr) and the completions with data
 * (CplD) that answer the device's reads.  A transfer is split into TLPs as
 * the spec splits it (writes and completions at the max payload size,
 * read requests at the max read request size), each TLP carries its
 * framing, sequence number, header and LCRC, and the rate is the lanes'
 * signalling rate after line encoding (8b/10b for gen 1 and 2, 128b/130b
 * for gen 3 to 5) less the share that ACK and flow-control DLLPs and SKIP
 * ordered sets take.  A direction that is busy delays the next transfer:
 * bandwidth is shared, transfers are served in the order they are asked.
 *
 * Latency is two parameters, as measured on real hosts rather than
 * derived: the round trip of a read (request out, memory, completion back,
 * serialisation not included) and the one-way time of a posted write.
 * docs/pcie.md gives every default and its source.
 *
 * Time is in picoseconds.  Each call is given the time the transfer is
 * asked for (never earlier than the previous call's on the same direction
 * for the result to be meaningful; an earlier one simply waits for the
 * direction) and returns when it is complete at the far end.  Nothing
 * here knows of SystemC: the SystemC link module (model/sc/) calls these
 * and waits for the time they return; tests call them directly.
 */
#ifndef PNIC_PCIE_H
#define PNIC_PCIE_H

#include <stdint.h>

#include "model/error.h"

#define PCIE_MIN_GEN 1
#define PCIE_MAX_GEN 5

struct pcie_params {
	uint32_t gen;            /* 1..5: 2.5, 5, 8, 16, 32 GT/s per lane */
	uint32_t lanes;          /* 1, 2, 4, 8, 16 or 32 */
	uint32_t mps;            /* max payload size, bytes: 128..4096, power of 2 */
	uint32_t mrrs;           /* max read request size, same range */
	uint32_t dllp_permille;  /* share of the rate ACK/FC DLLPs and SKIPs take, 0..500 */
	uint32_t read_rtt_ns;    /* a read's round trip, serialisation aside */
	uint32_t write_ns;       /* a posted write's one-way latency */
	uint32_t irq_ns;         /* an MSI-X landing to the handler running */
	uint32_t poll_ns;        /* one poll of a ring word the device wrote */
};

/* The defaults docs/pcie.md explains: gen 4 x8, MPS 256, MRRS 512. */
struct pcie_params pcie_defaults(void);

/* 0, or -EINVAL / -ERANGE with the field named in err. */
int pcie_validate(const struct pcie_params *p, struct pnic_error *err);

/* Bytes on the wire, TLP overheads included, for len bytes of payload. */
uint64_t pcie_write_wire_bytes(const struct pcie_params *p, uint64_t len);
uint64_t pcie_read_request_wire_bytes(const struct pcie_params *p,
				      uint64_t len);
uint64_t pcie_completion_wire_bytes(const struct pcie_params *p,
				    uint64_t len);
/* Picoseconds to put `bytes` wire bytes on one direction (rounded up). */
uint64_t pcie_wire_ps(const struct pcie_params *p, uint64_t bytes);
/* The rate TLPs see, in Mb/s (rounded down), for reports. */
uint64_t pcie_tlp_mbps(const struct pcie_params *p);

/* ---- the link: two directions, each busy until some time ------------- */

struct pcie_link;

struct pcie_link_stats {
	uint64_t up_bytes, down_bytes;      /* wire bytes per direction */
	uint64_t up_busy_ps, down_busy_ps;  /* time each direction carried */
	uint64_t dma_writes, dma_reads, mmio_writes, interrupts;
	uint64_t dma_write_bytes, dma_read_bytes;   /* payload */
};

int pcie_link_create(const struct pcie_params *p, struct pcie_link **out,
		     struct pnic_error *err);
void pcie_link_destroy(struct pcie_link *l);
const struct pcie_params *pcie_link_params(const struct pcie_link *l);

/* The device writes len bytes into host memory: the time the last byte is
 * there (upstream). */
uint64_t pcie_link_dma_write(struct pcie_link *l, uint64_t now_ps,
			     uint64_t len);
/* The device reads len bytes of host memory: the time the last byte is at
 * the device (requests upstream, completions downstream). */
uint64_t pcie_link_dma_read(struct pcie_link *l, uint64_t now_ps,
			    uint64_t len);
/* The host writes len bytes into the device's BAR (a doorbell): the time
 * the device sees it (downstream). */
uint64_t pcie_link_mmio_write(struct pcie_link *l, uint64_t now_ps,
			      uint64_t len);
/* The device raises an MSI-X: the time the host's handler runs. */
uint64_t pcie_link_interrupt(struct pcie_link *l, uint64_t now_ps);

const struct pcie_link_stats *pcie_link_stats(const struct pcie_link *l);

#endif
