/* The least FPAG scenario the section tests build on: three ports, the
 * FPAG as the host program, two VNICs and an uplink (lines 1..9, so a
 * section appended starts at line 10). */
#ifndef PNIC_TESTS_FPAG_BASE_H
#define PNIC_TESTS_FPAG_BASE_H

#define FPAG_BASE \
	"tcam: { depth: 64 }\n"                                                 /* 1 */ \
	"ports: [ { ppid: 0, name: vf0 }, { ppid: 1, name: vf1 }, { ppid: 2, name: up } ]\n" \
	"vpid_map: { n_vpids: 8 }\n"                                            /* 3 */ \
	"host: { program: fpag }\n"                                             /* 4 */ \
	"topology:\n"                                                           /* 5 */ \
	"  vnics:\n"                                                            /* 6 */ \
	"    - { name: a, mac: '02:00:00:00:00:0a', ipv4: 10.0.0.1, port: vf0 }\n" \
	"    - { name: b, mac: '02:00:00:00:00:0b', ipv6: '2001:db8::b', vlan: 7, port: vf1 }\n" \
	"  uplinks: [ { name: wan, port: up, routes: [ 0.0.0.0/0, '::/0' ] } ]\n" /* 9 */

#endif
