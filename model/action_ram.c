#include "model/action_ram.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model/tcam.h"

struct action_ram {
	uint32_t depth;
	struct action_word *words;
	bool tpl_set[ACTION_RAM_MAX_TEMPLATES];
	struct encap_template tpl[ACTION_RAM_MAX_TEMPLATES];
};

int action_ram_create(const struct action_ram_params *p,
		      struct action_ram **out, struct pnic_error *err)
{
	struct action_ram *r;

	*out = NULL;
	if (p->depth == 0 || p->depth > TCAM_MAX_DEPTH)
		return pnic_err(err, EINVAL,
				"action RAM depth %u is outside 1..%u (use the TCAM's depth)",
				p->depth, TCAM_MAX_DEPTH);
	r = calloc(1, sizeof *r);
	if (!r)
		goto err_alloc;
	r->depth = p->depth;
	r->words = calloc(p->depth, sizeof *r->words);
	if (!r->words)
		goto err_words;
	*out = r;
	return 0;

err_words:
	free(r);
err_alloc:
	return pnic_err(err, ENOMEM, "out of memory for an action RAM of %u entries",
			p->depth);
}

void action_ram_destroy(struct action_ram *r)
{
	if (!r)
		return;
	free(r->words);
	free(r);
}

int action_ram_write(struct action_ram *r, uint32_t index,
		     const struct action_word *w, struct pnic_error *err)
{
	if (index >= r->depth)
		return pnic_err(err, ERANGE,
				"action RAM index %u is out of range (depth %u)",
				index, r->depth);
	r->words[index] = *w;
	return 0;
}

void action_ram_read(const struct action_ram *r, uint32_t index,
		     struct action_word *out)
{
	if (index >= r->depth) {
		memset(out, 0, sizeof *out);
		return;
	}
	*out = r->words[index];
}

int action_ram_set_template(struct action_ram *r, uint8_t id,
			    const struct encap_template *t,
			    struct pnic_error *err)
{
	struct encap_layout lay;
	int rc = encap_template_layout(t, &lay, err);

	if (rc < 0) {
		/* Say which template, keeping the layout's reason. */
		if (err) {
			char msg[sizeof err->msg];

			memcpy(msg, err->msg, sizeof msg);
			pnic_err(err, -rc, "template %u: %s", id, msg);
		}
		return rc;
	}
	/* Copy only the used bytes and zero the rest, so two templates with
	 * the same header compare equal whatever trailed in the caller's
	 * buffer. */
	memset(&r->tpl[id], 0, sizeof r->tpl[id]);
	memcpy(r->tpl[id].bytes, t->bytes, t->len);
	r->tpl[id].len = t->len;
	r->tpl_set[id] = true;
	return 0;
}

const struct encap_template *action_ram_template(const struct action_ram *r,
						 uint8_t id)
{
	return r->tpl_set[id] ? &r->tpl[id] : NULL;
}

uint32_t action_ram_depth(const struct action_ram *r)
{
	return r->depth;
}
