/* The PCIe link: TLP bytes as the spec splits them, the rate after line
 * encoding and DLLP overhead, and two directions that carry one transfer
 * at a time. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "model/pcie.h"

/* Gen 1 x1 without DLLP overhead: 2.5 GT/s * 8/10 = 2 Gb/s, 4000 ps a
 * byte; latencies round. */
static struct pcie_params slow(void)
{
	return (struct pcie_params){ .gen = 1, .lanes = 1, .mps = 128,
				     .mrrs = 256, .dllp_permille = 0,
				     .read_rtt_ns = 500, .write_ns = 200,
				     .irq_ns = 1000, .poll_ns = 100 };
}

static struct pcie_link *link_of(struct pcie_params p)
{
	struct pcie_link *l;
	struct pnic_error err;

	cr_assert_eq(pcie_link_create(&p, &l, &err), 0, "%s", err.msg);
	return l;
}

Test(pcie, defaults_are_valid_and_fit_a_100g_nic)
{
	struct pcie_params p = pcie_defaults();

	cr_assert_eq(pcie_validate(&p, NULL), 0);
	/* 16 GT/s * 8 lanes * 128/130 * (1 - 0.081) */
	cr_assert_eq(pcie_tlp_mbps(&p), 115822);
	cr_assert_gt(pcie_tlp_mbps(&p), 100000, "a 100G NIC's traffic fits");
}

Test(pcie, line_encoding_per_generation)
{
	struct pcie_params p = slow();

	cr_assert_eq(pcie_wire_ps(&p, 1), 4000);
	p.gen = 2;
	cr_assert_eq(pcie_wire_ps(&p, 1), 2000);
	p.gen = 3;   /* 8 GT/s * 128/130: 8 bits in 1015.625 ps */
	cr_assert_eq(pcie_wire_ps(&p, 1), 1016);
	cr_assert_eq(pcie_wire_ps(&p, 128), 130000);
	p.gen = 5;
	p.lanes = 16;
	cr_assert_eq(pcie_wire_ps(&p, 128 * 64), 130000);
	p.dllp_permille = 500;   /* half the rate left */
	cr_assert_eq(pcie_wire_ps(&p, 128 * 64), 260000);
}

Test(pcie, tlps_split_at_mps_and_mrrs)
{
	struct pcie_params p = pcie_defaults();   /* MPS 256, MRRS 512 */

	cr_assert_eq(pcie_write_wire_bytes(&p, 4), 4 + 24);
	cr_assert_eq(pcie_write_wire_bytes(&p, 256), 256 + 24);
	cr_assert_eq(pcie_write_wire_bytes(&p, 257), 257 + 2 * 24);
	cr_assert_eq(pcie_write_wire_bytes(&p, 1000), 1000 + 4 * 24);
	cr_assert_eq(pcie_read_request_wire_bytes(&p, 512), 24);
	cr_assert_eq(pcie_read_request_wire_bytes(&p, 1000), 2 * 24);
	cr_assert_eq(pcie_completion_wire_bytes(&p, 1000), 1000 + 4 * 20);
	cr_assert_eq(pcie_write_wire_bytes(&p, 0), 24, "a zero-length write is one TLP");
}

Test(pcie, a_busy_direction_delays_the_next_transfer)
{
	struct pcie_link *l = link_of(slow());
	/* 100 bytes: 124 on the wire, 496 ns; then 200 ns to land */
	uint64_t a = pcie_link_dma_write(l, 0, 100);
	uint64_t b = pcie_link_dma_write(l, 0, 100);
	uint64_t c = pcie_link_dma_write(l, 10000000, 100);

	cr_assert_eq(a, 496000 + 200000);
	cr_assert_eq(b, 2 * 496000 + 200000, "waits for the first");
	cr_assert_eq(c, 10000000 + 496000 + 200000, "an idle link starts at once");
	/* the other direction is free */
	cr_assert_eq(pcie_link_mmio_write(l, 0, 8), (24 + 8) * 4000 + 200000);
	cr_assert_eq(pcie_link_stats(l)->up_bytes, 3 * 124);
	cr_assert_eq(pcie_link_stats(l)->up_busy_ps, 3 * 496000);
	cr_assert_eq(pcie_link_stats(l)->dma_write_bytes, 300);
	pcie_link_destroy(l);
}

Test(pcie, a_read_is_request_round_trip_and_completions)
{
	struct pcie_link *l = link_of(slow());
	/* 300 bytes: two requests (MRRS 256) up; 300 + 3 * 20 bytes (MPS
	 * 128) back */
	uint64_t t = pcie_link_dma_read(l, 1000, 300);

	cr_assert_eq(t, 1000 + 48 * 4000 + 500000 + 360 * 4000);
	cr_assert_eq(pcie_link_stats(l)->down_bytes, 360);
	cr_assert_eq(pcie_link_stats(l)->up_bytes, 48);
	/* a doorbell now waits for the completions on the downstream side */
	cr_assert_eq(pcie_link_mmio_write(l, 1000, 4), t + 28 * 4000 + 200000);
	pcie_link_destroy(l);
}

Test(pcie, interrupt_is_a_write_and_the_handler)
{
	struct pcie_link *l = link_of(slow());

	cr_assert_eq(pcie_link_interrupt(l, 0), 28 * 4000 + 200000 + 1000000);
	cr_assert_eq(pcie_link_stats(l)->interrupts, 1);
	pcie_link_destroy(l);
}

/* 10 million back-to-back 65-byte writes at gen 3 (1015.625 ps a byte,
 * 90390.625 ps a TLP) end where one 890-million-byte transfer would: no
 * rounding adds up. */
Test(pcie, back_to_back_transfers_do_not_drift)
{
	struct pcie_params p = slow();
	struct pcie_link *l;
	uint64_t end = 0;

	p.gen = 3;
	p.mps = 4096;
	p.write_ns = 0;
	l = link_of(p);
	for (int i = 0; i < 10000000; i++)
		end = pcie_link_dma_write(l, 0, 65);
	cr_assert_eq(end, pcie_wire_ps(&p, 10000000ull * 89));
	cr_assert_eq(end, 903906250000ull);
	pcie_link_destroy(l);
}

static void refused(struct pcie_params p, const char *field, const char *msg)
{
	struct pcie_link *l = (struct pcie_link *)&p;
	struct pnic_error err;

	cr_assert_eq(pcie_link_create(&p, &l, &err), -ERANGE, "%s", field);
	cr_assert_null(l);
	cr_assert_str_eq(err.field, field);
	cr_assert(strstr(err.msg, msg), "%s", err.msg);
}

Test(pcie, refuses_what_no_link_has)
{
	struct pcie_params d = pcie_defaults(), p;

	p = d, p.gen = 0, refused(p, "gen", "generation 0 is not 1..5");
	p = d, p.gen = 6, refused(p, "gen", "generation 6");
	p = d, p.lanes = 3, refused(p, "lanes", "3 lanes");
	p = d, p.lanes = 64, refused(p, "lanes", "64 lanes");
	p = d, p.mps = 100, refused(p, "mps", "max payload size 100");
	p = d, p.mps = 8192, refused(p, "mps", "8192");
	p = d, p.mrrs = 64, refused(p, "mrrs", "max read request size 64");
	p = d, p.dllp_permille = 501, refused(p, "dllp_permille", "501 per mille");
}
