/* Protocol constants: the numbers the wire formats fix (ethertypes, IP
 * protocol numbers, UDP ports, header lengths, flag bits), in one place
 * for the parser, the editor, the encap block, the frame builder, the
 * scenario reader, the tools and the tests.
 *
 * Values only, each as its standard defines it; no types, no functions.
 * Every name starts with PROTO_, so that none meets the C library's own
 * (<netinet/in.h>'s IPPROTO_TCP, <linux/if_ether.h>'s ETH_P_IPV6) in a
 * file that includes both.
 * Lengths are the fixed (minimum) size of a header in bytes: a header
 * with options or extensions says its own length.
 */
#ifndef PNIC_PROTO_H
#define PNIC_PROTO_H

/* ---- Ethernet (IEEE 802.3) and its tags (IEEE 802.1Q) ----------------- */

#define PROTO_ETH_ALEN         6       /* a MAC address */
#define PROTO_ETH_HLEN        14       /* destination, source, ethertype */
#define PROTO_ETH_MIN_FRAME   60       /* the shortest frame, FCS not counted */
#define PROTO_VLAN_HLEN        4       /* TPID and TCI */
#define PROTO_VLAN_VID_MASK   0x0fff   /* the TCI's VLAN id */
#define PROTO_VLAN_PCP_SHIFT  13       /* the TCI's priority, 3 bits */
#define PROTO_VLAN_VID_MAX    4095
#define PROTO_VLAN_PCP_MAX       7

#define PROTO_ETH_P_IPV4    0x0800
#define PROTO_ETH_P_ARP     0x0806
#define PROTO_ETH_P_RARP    0x8035
#define PROTO_ETH_P_8021Q   0x8100
#define PROTO_ETH_P_IPV6    0x86dd
#define PROTO_ETH_P_MPLS    0x8847
#define PROTO_ETH_P_8021AD  0x88a8
#define PROTO_ETH_P_QINQ1   0x9100     /* pre-standard QinQ */
#define PROTO_ETH_P_TEB     0x6558     /* transparent Ethernet bridging */

/* ---- ARP (RFC 826) ---------------------------------------------------- */

#define PROTO_ARP_FIXED_HLEN   8       /* before the four addresses */
#define PROTO_ARP_HTYPE_ETH    1
#define PROTO_ARP_OP_REQUEST   1

/* ---- IPv4 (RFC 791), IPv6 (RFC 8200) and their extensions ------------- */

#define PROTO_IPV4_HLEN       20       /* without options */
#define PROTO_IPV4_DF        0x4000    /* the flags-and-offset word's bits */
#define PROTO_IPV4_MF        0x2000
#define PROTO_IPV4_FRAG_OFF  0x1fff    /* in 8-byte units */
#define PROTO_IPV6_HLEN       40
#define PROTO_IPV6_FRAG_HLEN   8
#define PROTO_AH_MIN_HLEN     12       /* next header .. sequence number (RFC 4302) */
#define PROTO_IP_TTL_DEFAULT  64       /* RFC 1700's recommended TTL */

#define PROTO_IP_HOPOPTS   0
#define PROTO_IP_ICMP      1
#define PROTO_IP_IGMP      2
#define PROTO_IP_TCP       6
#define PROTO_IP_UDP      17
#define PROTO_IP_ROUTING  43
#define PROTO_IP_FRAGMENT 44
#define PROTO_IP_GRE      47
#define PROTO_IP_ESP      50
#define PROTO_IP_AH       51
#define PROTO_IP_ICMPV6   58
#define PROTO_IP_DSTOPTS  60
#define PROTO_IP_SCTP    132

/* ---- TCP (RFC 9293), UDP (RFC 768), ICMP ------------------------------ */

#define PROTO_TCP_HLEN        20       /* without options */
#define PROTO_TCP_FIN        0x01
#define PROTO_TCP_SYN        0x02
#define PROTO_TCP_RST        0x04
#define PROTO_TCP_PSH        0x08
#define PROTO_TCP_ACK        0x10
#define PROTO_UDP_HLEN         8
#define PROTO_ICMP_HLEN        8

/* ---- tunnels ---------------------------------------------------------- */

#define PROTO_UDP_VXLAN    4789    /* RFC 7348 */
#define PROTO_UDP_GENEVE   6081    /* RFC 8926 */
#define PROTO_VXLAN_HLEN       8
#define PROTO_VXLAN_FLAG_I   0x08      /* the VNI is valid */
#define PROTO_VXLAN_VNI_MAX  0xffffff
#define PROTO_GENEVE_HLEN      8       /* without options */
#define PROTO_GRE_HLEN         4       /* flags and version, protocol */
#define PROTO_GRE_SRE_HLEN     4       /* RFC 1701 source-route entry, fixed part */
#define PROTO_GRE_C          0x8000    /* checksum present */
#define PROTO_GRE_R          0x4000    /* routing present (RFC 1701) */
#define PROTO_GRE_K          0x2000    /* key present */
#define PROTO_GRE_S          0x1000    /* sequence number present */
#define PROTO_GRE_VERSION    0x0007

#endif
