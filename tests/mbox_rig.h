/* The mailbox tests' rig: host memory (a byte array at a DMA address),
 * the device's DMA callbacks over it, bounds-checked, with faults to
 * inject, and a NIC with a mailbox device in front of it.  Shared by
 * tests/model/test_mbox_dev.c and tests/host/test_mbox_drv.c. */
#ifndef PNIC_TESTS_MBOX_RIG_H
#define PNIC_TESTS_MBOX_RIG_H

#include <criterion/criterion.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/mbox_dev.h"
#include "model/nic.h"

#define MEM_DMA 0x40000000ull

struct mbox_mem {
	uint8_t *bytes;
	size_t size;
	uint64_t dma;
	/* Accesses touching [fault_lo, fault_hi) fail with -EFAULT; a torn
	 * write there first writes its first `torn` bytes. */
	uint64_t fault_lo, fault_hi;
	uint32_t torn;
	/* Every read of [watch_lo, watch_hi) is handed to watch(). */
	uint64_t watch_lo, watch_hi;
	void (*watch)(void *ctx, uint64_t addr, uint32_t len);
	void *watch_ctx;
	uint64_t faults;
};

static inline void mem_init(struct mbox_mem *m, size_t size)
{
	memset(m, 0, sizeof *m);
	m->bytes = calloc(1, size);
	m->size = size;
	m->dma = MEM_DMA;
}

static inline void mem_free(struct mbox_mem *m)
{
	free(m->bytes);
	m->bytes = NULL;
}

static inline bool mem_in(const struct mbox_mem *m, uint64_t addr,
			  uint32_t len)
{
	return addr >= m->dma && addr - m->dma <= m->size &&
	       len <= m->size - (addr - m->dma);
}

static inline bool mem_faulty(const struct mbox_mem *m, uint64_t addr,
			      uint32_t len)
{
	return addr < m->fault_hi && addr + len > m->fault_lo;
}

static inline int mem_dma_read(void *ctx, uint64_t addr, void *buf,
			       uint32_t len)
{
	struct mbox_mem *m = ctx;

	if (!mem_in(m, addr, len) || mem_faulty(m, addr, len)) {
		m->faults++;
		return -EFAULT;
	}
	if (m->watch && addr < m->watch_hi && addr + len > m->watch_lo)
		m->watch(m->watch_ctx, addr, len);
	memcpy(buf, m->bytes + (addr - m->dma), len);
	return 0;
}

static inline int mem_dma_write(void *ctx, uint64_t addr, const void *buf,
				uint32_t len)
{
	struct mbox_mem *m = ctx;

	if (!mem_in(m, addr, len))
		goto fault;
	if (mem_faulty(m, addr, len)) {
		if (m->torn)
			memcpy(m->bytes + (addr - m->dma), buf,
			       m->torn < len ? m->torn : len);
		goto fault;
	}
	memcpy(m->bytes + (addr - m->dma), buf, len);
	return 0;
fault:
	m->faults++;
	return -EFAULT;
}

static inline uint8_t *mem_at(struct mbox_mem *m, uint64_t addr)
{
	return m->bytes + (addr - m->dma);
}

/* Deterministic random numbers (xorshift64*). */
static inline uint64_t mem_rand(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

/* A driver's register accesses straight to the device (ctx: the
 * mbox_dev), and a device's sink straight to a NIC (ctx: the nic). */
static inline void rig_bar_write(void *ctx, uint32_t off, uint32_t v)
{
	mbox_dev_bar_write(ctx, off, v);
}

static inline uint32_t rig_bar_read(void *ctx, uint32_t off)
{
	return mbox_dev_bar_read(ctx, off);
}

static inline int rig_nic_apply(void *ctx, const struct nic_cmd *c,
				struct nic_cmd_result *res, struct pnic_error *err)
{
	return nic_apply(ctx, c, res, err);
}

typedef int (*rig_submit_fn)(void *ctx, const struct nic_cmd *c,
			     struct nic_cmd_result *res, struct pnic_error *err);

/* A NIC (the ipv4_5tuple profile, 104-bit keys; 4 ports, 8 VPIDs, `depth`
 * entries, packets to out) and a mailbox device over host memory m whose
 * sink is submit(nic, ...). */
static inline void mbox_rig(struct mbox_mem *m, uint32_t depth,
			    datapath_out_fn out, rig_submit_fn submit,
			    void (*irq)(void *ctx, unsigned v),
			    struct nic **nic, struct mbox_dev **dev)
{
	struct nic_params np = { .profile = key_profile_ipv4_5tuple(),
				 .depth = depth, .n_ports = 4, .n_vpids = 8,
				 .out = out };
	struct mbox_dev_params dp = { .key_bits = 104, .dma_read = mem_dma_read,
				      .dma_write = mem_dma_write, .irq = irq,
				      .ctx = m };
	struct pnic_error err;

	cr_assert_eq(nic_create(&np, nic, &err), 0, "%s", err.msg);
	dp.sink = (struct nic_cmd_sink){ submit, *nic };
	cr_assert_eq(mbox_dev_create(&dp, dev, &err), 0, "%s", err.msg);
}

#endif
