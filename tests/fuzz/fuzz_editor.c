/* Fuzz the editor: an action word, a parse result and a frame from the
 * input.  Byte 11 bit 2 picks where the parse result comes from: the
 * parser run on the frame (what the datapath does), or raw input bytes, so
 * that the editor's bounds checks also meet descriptions that do not match
 * the frame at all.  The frame sits in a heap buffer of exactly `cap` bytes, so
 * ASan sees any write past it.  Checked: the result code is a known
 * reason, an edit never grows the frame past cap, and a refusal leaves the
 * frame untouched. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "model/editor.h"

static const uint8_t tpl_v4[50] = {
	2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00,
	0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
	0, 0, 0x12, 0xb5, 0, 0, 0, 0,
	0x08, 0, 0, 0, 0, 0, 1, 0,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct action_word w = { { 0, 0 } };
	struct parser_result pr;
	struct pnic_action a;
	struct encap_template t;
	const struct encap_template *tp = NULL;
	uint32_t len, n, cap;
	uint8_t *buf, *orig;
	unsigned mode, mode_parse;
	int rc;

	if (size < 12 + sizeof pr)
		return 0;
	memcpy(&w.w[0], data, 8);
	w.w[1] = data[8];
	action_unpack(&w, &a);
	cap = data[9] | (uint32_t)data[10] << 8;
	mode = data[11] & 3;
	mode_parse = data[11] & 4;
	switch (mode) {
	case 0:
		break;
	case 1:
		memset(&t, 0, sizeof t);
		memcpy(t.bytes, tpl_v4, sizeof tpl_v4);
		t.len = sizeof tpl_v4;
		tp = &t;
		break;
	default:
		memset(&t, 0, sizeof t);
		t.len = data[11] >> 3 << 2;
		tp = &t;
		break;
	}
	memcpy(&pr, data + 12, sizeof pr);
	/* bools must hold 0 or 1 to be loaded at all */
	pr.have_inner = *((const uint8_t *)data + 12 +
			  offsetof(struct parser_result, have_inner)) & 1;
	data += 12 + sizeof pr;
	size -= 12 + sizeof pr;
	/* a raw template (mode 2, 3) takes its bytes from the input too */
	if (mode >= 2 && size >= ENCAP_TEMPLATE_MAX_BYTES) {
		memcpy(t.bytes, data, ENCAP_TEMPLATE_MAX_BYTES);
		data += ENCAP_TEMPLATE_MAX_BYTES;
		size -= ENCAP_TEMPLATE_MAX_BYTES;
	}
	len = (uint32_t)size;
	if (mode_parse)
		parser_parse(data, len, len, &pr);
	if (cap < len)
		cap = len;
	buf = malloc(cap ? cap : 1);
	orig = malloc(len ? len : 1);
	if (!buf || !orig)
		abort();
	memcpy(buf, data, len);
	memcpy(orig, data, len);
	n = len;
	rc = editor_apply(&a, tp, &pr, buf, &n, cap, NULL);
	if (rc > 0 || rc <= -EDIT_STATUS_COUNT)
		abort();
	if (rc == 0 && n > cap)
		abort();
	if (rc < 0 && (n != len || memcmp(buf, orig, len)))
		abort();
	free(buf);
	free(orig);
	return 0;
}
