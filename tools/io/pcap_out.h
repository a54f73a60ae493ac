/* pcap_out: write Ethernet frames to a pcap file.
 *
 * One writer per output (an egress PPID, the to-host queue, the drops).
 * Files are classic pcap, DLT_EN10MB, nanosecond timestamps (magic
 * a1b23c4d), readable by tcpdump and Wireshark.  The writer owns its file;
 * write errors (a full disk) are remembered and reported once, at close.
 *
 * Edge code: uses libpcap; the core hands frames to a callback and never
 * sees a file.
 */
#ifndef PNICSIM_PCAP_OUT_H
#define PNICSIM_PCAP_OUT_H

#include <stdint.h>

#include "model/error.h"

#define PCAP_OUT_SNAPLEN 262144

struct pcap_out;

int pcap_out_open(const char *path, struct pcap_out **out,
		  struct pnic_error *err);
/* Append one frame: caplen bytes captured of a len-byte frame. */
void pcap_out_write(struct pcap_out *o, const uint8_t *frame,
		    uint32_t caplen, uint32_t len, uint64_t ts_ns);
/* Flush and close; 0 or -EIO (err names the file) if anything was lost.
 * NULL-safe. */
int pcap_out_close(struct pcap_out *o, struct pnic_error *err);
uint64_t pcap_out_count(const struct pcap_out *o);
const char *pcap_out_path(const struct pcap_out *o);

#endif
