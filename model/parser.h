/* Packet parser: Ethernet frame -> header offsets and fields.
 *
 * Parses Ethernet II, 802.1Q and 802.1ad/QinQ tags, ARP, IPv4 (options,
 * AH, fragments: only a first fragment carries L4), IPv6 with extension
 * headers (hop-by-hop, routing, fragment, destination options, AH), TCP,
 * UDP, ICMP, ICMPv6, and the tunnels VXLAN (UDP 4789), Geneve (UDP 6081)
 * and GRE (routing included), whose inner Ethernet/IP/L4 is parsed as a
 * second level when they carry Ethernet.  A fragment with offset 0 and no
 * more to follow is a whole packet.
 *
 * A pure function: no state, no allocation, never reads at or past
 * `caplen`.  Every length field (IP total / payload length, UDP length)
 * bounds what follows it, inner frames included.  A truncated or malformed
 * frame still yields a result: the fields parsed so far, `status` saying
 * why parsing stopped, and `depth`, the bytes examined (what the cycle
 * model charges for): the end of the last header accepted whole.
 * Statuses, bounds and the key builder that consumes the result are
 * described in docs/parser.md.
 */
#ifndef PNIC_PARSER_H
#define PNIC_PARSER_H

#include <stdbool.h>
#include <stdint.h>

enum parser_status {
	PARSE_OK = 0,
	PARSE_TRUNC_L2,        /* frame shorter than an Ethernet header / tag */
	PARSE_TRUNC_L3,        /* IP/ARP header cut by caplen */
	PARSE_TRUNC_L4,        /* TCP/UDP/ICMP header cut by caplen */
	PARSE_TRUNC_EXT,       /* extension header (IPv6, AH) cut */
	PARSE_TRUNC_TUNNEL,    /* VXLAN/Geneve/GRE header or inner frame cut */
	PARSE_BAD_IP_VERSION,  /* version nibble disagrees with ethertype */
	PARSE_BAD_IHL,         /* IPv4 IHL < 5 or beyond total length */
	PARSE_BAD_IP_LEN,      /* a length field (IP, UDP) short of a header */
	PARSE_BAD_EXT,         /* malformed extension header (IPv6, AH) */
	PARSE_TOO_MANY_TAGS,   /* more than 2 VLAN tags */
	PARSE_TOO_MANY_EXT,    /* extension header chain too long */
	PARSE_BAD_L4,          /* TCP data offset < 5 or beyond the IP packet;
				* UDP length < 8 or beyond the IP packet */
	PARSE_TOO_MANY_SRE,    /* GRE routing list too long */
	PARSE_STATUS_COUNT
};

enum parse_tunnel {
	TUNNEL_NONE = 0,
	TUNNEL_VXLAN,
	TUNNEL_GENEVE,
	TUNNEL_GRE,
};

/* Layer flags in pkt_hdrs.have */
#define HDR_ETH   (1u << 0)
#define HDR_VLAN  (1u << 1)
#define HDR_ARP   (1u << 2)
#define HDR_IPV4  (1u << 3)
#define HDR_IPV6  (1u << 4)
#define HDR_TCP   (1u << 5)
#define HDR_UDP   (1u << 6)
#define HDR_ICMP  (1u << 7)   /* ICMP or ICMPv6 */
#define HDR_FRAG  (1u << 8)   /* IP fragment (any) */
#define HDR_LATER_FRAG (1u << 9) /* non-first fragment: no L4 */

/* One encapsulation level (outer, or inner after a tunnel). */
struct pkt_hdrs {
	uint32_t have;          /* HDR_* */
	uint16_t l2_off;        /* Ethernet header */
	uint16_t l3_off;        /* IP / ARP header */
	uint16_t l4_off;        /* TCP/UDP/ICMP header */
	uint16_t l4_payload_off;
	uint8_t n_vlans;        /* 0..2 */
	uint16_t vlan_off[2];   /* offset of each tag's TPID, outer first */
	uint16_t vlan_tpid[2];
	uint16_t vlan_tci[2];
	uint16_t ethertype;     /* after tags */
	uint8_t ip_proto;       /* the protocol after AH / IPv6 extensions */
	uint8_t ttl;            /* TTL / hop limit */
	uint8_t tos;            /* TOS / traffic class */
	uint8_t src_ip[16];     /* IPv6, or IPv4-mapped ::ffff:a.b.c.d */
	uint8_t dst_ip[16];
	uint16_t ip_total_len;  /* IPv4 total length / IPv6 payload length + 40 */
	uint16_t l4_sport;      /* TCP/UDP; ICMP type in sport */
	uint16_t l4_dport;      /* TCP/UDP; ICMP code in dport */
	uint8_t tcp_flags;      /* FIN=0x01 SYN=0x02 RST=0x04 PSH ACK URG ECE CWR */
};

struct parser_result {
	enum parser_status status;
	uint16_t depth;          /* bytes examined */
	struct pkt_hdrs outer;
	enum parse_tunnel tunnel;
	uint32_t vni;            /* VXLAN / Geneve VNI */
	uint16_t tunnel_off;     /* VXLAN/Geneve/GRE header offset */
	bool have_inner;         /* inner Ethernet parsed (VXLAN) */
	struct pkt_hdrs inner;
};

/* Parse `caplen` captured bytes of a frame whose wire length is `len`
 * (>= caplen).  Always fills *out. Returns out->status. */
enum parser_status parser_parse(const uint8_t *frame, uint32_t caplen,
			      uint32_t len, struct parser_result *out);

/* Short stable name for a status ("ok", "trunc_l3", ...). */
const char *parser_status_name(enum parser_status s);

#endif
