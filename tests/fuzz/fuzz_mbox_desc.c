/* Fuzz the mailbox descriptor decoder: the input (zero-padded to 256
 * bytes) as a command descriptor, and the key width from its last byte.
 * Checked: a fault names a byte inside the descriptor and a known code;
 * a descriptor that decodes encodes back to one that decodes the same
 * (the one layout serves both ends). */
#include <stdlib.h>
#include <string.h>

#include "model/mbox.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t d[MBOX_DESC_BYTES] = { 0 }, again[MBOX_DESC_BYTES];
	uint32_t key_bits = 1 + (size ? data[size - 1] : 0) % PNIC_KEY_MAX_BITS;
	struct mbox_desc m, m2;
	struct pnic_error err;
	enum mbox_err rc;
	uint16_t off;

	memcpy(d, data, size < sizeof d ? size : sizeof d);
	rc = mbox_desc_decode(d, key_bits, &m, &off, &err);
	if (rc) {
		if (off >= MBOX_DESC_BYTES || rc >= MBOX_ERR_RING_SIZE ||
		    !strcmp(mbox_err_name(rc), "?"))
			abort();
		return 0;
	}
	mbox_desc_encode(&m, again);
	if (mbox_desc_decode(again, key_bits, &m2, &off, &err) != MBOX_OK)
		abort();
	if (m2.tag != m.tag || m2.cmd.op != m.cmd.op || m2.addr != m.addr ||
	    m2.key_bits != m.key_bits)
		abort();
	/* Only a template's unused tail may differ: it is not carried. */
	if (m.cmd.op != NIC_OP_TEMPLATE_SET && memcmp(d, again, sizeof d))
		abort();
	return 0;
}
