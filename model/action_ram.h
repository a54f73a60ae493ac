/* Action RAM: one action word per TCAM entry, indexed by the entry a
 * lookup hit.  Also holds the VXLAN encap templates that encap actions name.
 *
 * Function only: the lookup core decides when reads and writes happen.
 * Entries never written read as a zero word (ACT_DROP).
 */
#ifndef PNIC_ACTION_RAM_H
#define PNIC_ACTION_RAM_H

#include <stdbool.h>
#include <stdint.h>

#include "model/action.h"
#include "model/error.h"

#define ACTION_RAM_MAX_TEMPLATES 256
#define ENCAP_TEMPLATE_MAX_BYTES 128

struct action_ram;

struct action_ram_params {
	uint32_t depth;   /* same as the TCAM's */
};

/* Outer headers prepended by a VXLAN encap: Ethernet (+VLAN) / IPv4 or
 * IPv6 / UDP / VXLAN, with length, checksum and UDP source port fields
 * fixed up per packet by the editor. */
struct encap_template {
	uint8_t bytes[ENCAP_TEMPLATE_MAX_BYTES];
	uint16_t len;
};

int action_ram_create(const struct action_ram_params *p,
		      struct action_ram **out, struct pnic_error *err);
void action_ram_destroy(struct action_ram *r);

int action_ram_write(struct action_ram *r, uint32_t index,
		     const struct action_word *w, struct pnic_error *err);
/* The word at index (zero word if index >= depth). */
void action_ram_read(const struct action_ram *r, uint32_t index,
		     struct action_word *out);

/* Validates the template (parses as Ethernet/IP/UDP 4789/VXLAN). */
int action_ram_set_template(struct action_ram *r, uint8_t id,
			    const struct encap_template *t,
			    struct pnic_error *err);
/* NULL if template id was never set. */
const struct encap_template *action_ram_template(const struct action_ram *r,
						 uint8_t id);
uint32_t action_ram_depth(const struct action_ram *r);

/* Where the editor finds the fields it fixes up in a template.  Filled by
 * encap_template_layout(), which is also the check that
 * action_ram_set_template() applies: Ethernet [+ one 802.1Q tag] / IPv4
 * (no fragment bits, TTL > 0) or IPv6 (next header UDP, hop limit > 0) /
 * UDP destination port 4789 / VXLAN with the I flag, ending right after the
 * VXLAN header.  Constant time, no allocation: the editor calls it per
 * packet. */
struct encap_layout {
	uint16_t l3_off;     /* outer IPv4 / IPv6 header */
	uint16_t l4_off;     /* outer UDP header */
	uint16_t vxlan_off;  /* VXLAN header; the template ends 8 bytes on */
	bool ipv6;
	bool vlan;           /* template carries an outer 802.1Q tag */
	uint32_t vni;
};

int encap_template_layout(const struct encap_template *t,
			  struct encap_layout *out, struct pnic_error *err);

#endif
