/* pcap_out: write Ethernet frames to a pcap file.
 *
 * One writer per output (an egress PPID, the to-host queue, the drops).
 * Files are classic pcap, DLT_EN10MB, nanosecond timestamps (magic
 * a1b23c4d), readable by tcpdump
 * and Wireshark.  The writer owns its file; write errors (a full disk, a
 * file size limit) are remembered and reported once, at close.
 *
 * A writer can be parked: its file is flushed and closed, and the writer
 * keeps its path and count, so that a program with more outputs than open
 * files allowed (one per egress port) holds only some of them open.
 * Resuming reopens the file for appending.  Frames written to a parked
 * writer are not lost silently: they count as lost and fail the close.
 *
 * Edge code: uses libpcap's dumper (pcap_dump_open_append() to resume);
 * the core hands frames to a callback and never sees a file.
 */
#ifndef PNICSIM_PCAP_OUT_H
#define PNICSIM_PCAP_OUT_H

#include <stdbool.h>
#include <stdint.h>

#include "model/error.h"

#define PCAP_OUT_SNAPLEN 262144

struct pcap_out;

/* Create (or truncate) path and write the file header.  0, or the negative
 * errno of the failure (-EMFILE when out of file descriptors, so a caller
 * can park another writer and retry) with err naming the file. */
int pcap_out_open(const char *path, struct pcap_out **out,
		  struct pnic_error *err);
/* Append one frame: caplen bytes captured of a len-byte frame. */
void pcap_out_write(struct pcap_out *o, const uint8_t *frame,
		    uint32_t caplen, uint32_t len, uint64_t ts_ns);
/* Flush and close the file, keeping the writer; a no-op when parked.
 * 0, or -EIO (err names the file) if anything was lost. */
int pcap_out_park(struct pcap_out *o, struct pnic_error *err);
/* Reopen a parked writer's file for appending; a no-op when open.  0, or
 * the negative errno of the failure (-EMFILE as for pcap_out_open). */
int pcap_out_resume(struct pcap_out *o, struct pnic_error *err);
bool pcap_out_is_open(const struct pcap_out *o);
/* Flush and close; 0 or -EIO (err names the file) if anything was lost.
 * NULL-safe; a parked writer is closed too. */
int pcap_out_close(struct pcap_out *o, struct pnic_error *err);
/* Frames written (lost ones included). */
uint64_t pcap_out_count(const struct pcap_out *o);
const char *pcap_out_path(const struct pcap_out *o);

#endif
