/* Action RAM: one action word per TCAM entry, indexed by the entry a
 * lookup hit.  Also holds the VXLAN encap templates that encap actions name
 * (their format, building and checking are the encap block's,
 * model/encap.h).
 *
 * Function only: the lookup core decides when reads and writes happen.
 * Entries never written read as a zero word (ACT_DROP).
 */
#ifndef PNIC_ACTION_RAM_H
#define PNIC_ACTION_RAM_H

#include <stdbool.h>
#include <stdint.h>

#include "model/action.h"
#include "model/encap.h"
#include "model/error.h"

#define ACTION_RAM_MAX_TEMPLATES 256

struct action_ram;

struct action_ram_params {
	uint32_t depth;   /* same as the TCAM's */
};

int action_ram_create(const struct action_ram_params *p,
		      struct action_ram **out, struct pnic_error *err);
void action_ram_destroy(struct action_ram *r);

int action_ram_write(struct action_ram *r, uint32_t index,
		     const struct action_word *w, struct pnic_error *err);
/* The word at index (zero word if index >= depth). */
void action_ram_read(const struct action_ram *r, uint32_t index,
		     struct action_word *out);

/* Validates the template with encap_template_layout(). */
int action_ram_set_template(struct action_ram *r, uint8_t id,
			    const struct encap_template *t,
			    struct pnic_error *err);
/* NULL if template id was never set. */
const struct encap_template *action_ram_template(const struct action_ram *r,
						 uint8_t id);
uint32_t action_ram_depth(const struct action_ram *r);

#endif
