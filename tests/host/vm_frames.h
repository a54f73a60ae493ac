/* The host tests' frames: 64 bytes of Ethernet and IPv4 from VM s to VM
 * d (MAC(n) each), then TCP, UDP or (any other proto) an ICMP echo
 * request, the IP, TCP and UDP checksums right (the ICMP one 0: no test
 * reads it).  Offsets the tests poke: source MAC 6..11, ethertype 12,
 * destination IP 30.  Shared by tests/host/fpag_rig.h,
 * test_fpag_prog.c and test_oracle.c. */
#ifndef PNIC_TESTS_VM_FRAMES_H
#define PNIC_TESTS_VM_FRAMES_H

#include <criterion/criterion.h>
#include <stdint.h>

#include "model/frame.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (b) << 16 | (c) << 8 | (d))
#define MAC(n) (0x020000000010ull + (n))

static inline void put32(uint8_t *b, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		b[i] = (uint8_t)(v >> (24 - 8 * i));
}

static inline void mac_of(unsigned n, uint8_t m[6])
{
	for (int i = 0; i < 6; i++)
		m[i] = (uint8_t)(MAC(n) >> (40 - 8 * i));
}

static inline uint32_t vm_frame(uint8_t *b, unsigned s, unsigned d,
				uint32_t sip, uint32_t dip, uint8_t proto,
				uint16_t sport, uint16_t dport, uint8_t flags)
{
	struct frame_ipv4 ip = { .ttl = 64, .proto = proto };
	struct frame_buf f;
	uint8_t dm[6], sm[6];
	uint32_t l3, l4;

	mac_of(d, dm);
	mac_of(s, sm);
	put32(ip.src, sip);
	put32(ip.dst, dip);
	frame_init(&f, b, 64);
	frame_eth(&f, dm, sm, 0x0800);
	l3 = frame_ipv4(&f, &ip);
	if (proto == 6)
		l4 = frame_tcp(&f, &(struct frame_tcp){ .sport = sport, .dport = dport,
							.flags = flags, .window = 8192 });
	else if (proto == 17)
		l4 = frame_udp(&f, sport, dport);
	else
		l4 = frame_icmp(&f, 8, 0, 0);
	frame_fill(&f, 0, 64 - f.n);
	if (proto == 17)
		frame_udp_end(&f, l4);
	frame_ipv4_end(&f, l3, true);
	if (proto == 6 || proto == 17)
		frame_l4_csum(&f, l3, l4);
	cr_assert(!f.overflow);
	return f.n;
}

#endif
