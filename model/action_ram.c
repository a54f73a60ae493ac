#include "model/action_ram.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model/tcam.h"

#define ETH_HLEN 14
#define VLAN_HLEN 4
#define IPV4_MIN_HLEN 20
#define IPV6_HLEN 40
#define UDP_HLEN 8
#define VXLAN_HLEN 8
#define VXLAN_PORT 4789
#define VXLAN_FLAG_I 0x08

struct action_ram {
	uint32_t depth;
	struct action_word *words;
	bool tpl_set[ACTION_RAM_MAX_TEMPLATES];
	struct encap_template tpl[ACTION_RAM_MAX_TEMPLATES];
};

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

int encap_template_layout(const struct encap_template *t,
			  struct encap_layout *out, struct pnic_error *err)
{
	const uint8_t *b = t->bytes;
	uint32_t off = ETH_HLEN;
	uint16_t etype;

	memset(out, 0, sizeof *out);
	if (t->len > ENCAP_TEMPLATE_MAX_BYTES)
		return pnic_err(err, EINVAL,
				"encap template is %u bytes, more than the %u a template holds",
				t->len, ENCAP_TEMPLATE_MAX_BYTES);
	if (t->len < ETH_HLEN + IPV4_MIN_HLEN + UDP_HLEN + VXLAN_HLEN)
		return pnic_err(err, EINVAL,
				"encap template is %u bytes, too short for Ethernet/IPv4/UDP/VXLAN (%u)",
				t->len,
				ETH_HLEN + IPV4_MIN_HLEN + UDP_HLEN + VXLAN_HLEN);
	etype = rd16(b + 12);
	if (etype == 0x8100) {
		out->vlan = true;
		etype = rd16(b + 16);
		off += VLAN_HLEN;
	}
	out->l3_off = off;
	if (etype == 0x0800) {
		uint32_t ihl = (b[off] & 0x0f) * 4u;

		if (b[off] >> 4 != 4)
			return pnic_err(err, EINVAL,
					"encap template: IP version %u under ethertype 0x0800, expected 4",
					b[off] >> 4);
		if (ihl < IPV4_MIN_HLEN || off + ihl > t->len)
			return pnic_err(err, EINVAL,
					"encap template: IPv4 header length %u is below 20 or runs past the template",
					ihl);
		if (b[off + 9] != 17)
			return pnic_err(err, EINVAL,
					"encap template: IPv4 protocol %u, expected UDP (17)",
					b[off + 9]);
		if (rd16(b + off + 6) & 0x3fff)
			return pnic_err(err, EINVAL,
					"encap template: IPv4 header has MF or a fragment offset; an outer header must not be a fragment");
		if (b[off + 8] == 0)
			return pnic_err(err, EINVAL,
					"encap template: IPv4 TTL is 0; the first router would drop every packet");
		off += ihl;
	} else if (etype == 0x86dd) {
		out->ipv6 = true;
		if (b[off] >> 4 != 6)
			return pnic_err(err, EINVAL,
					"encap template: IP version %u under ethertype 0x86dd, expected 6",
					b[off] >> 4);
		if (off + IPV6_HLEN > t->len)
			return pnic_err(err, EINVAL,
					"encap template: IPv6 header runs past the template");
		if (b[off + 6] != 17)
			return pnic_err(err, EINVAL,
					"encap template: IPv6 next header %u, expected UDP (17) with no extension headers",
					b[off + 6]);
		if (b[off + 7] == 0)
			return pnic_err(err, EINVAL,
					"encap template: IPv6 hop limit is 0; the first router would drop every packet");
		off += IPV6_HLEN;
	} else {
		return pnic_err(err, EINVAL,
				"encap template: ethertype 0x%04x, expected IPv4 (0x0800) or IPv6 (0x86dd), optionally after one 802.1Q tag",
				etype);
	}
	out->l4_off = off;
	if (off + UDP_HLEN + VXLAN_HLEN != t->len)
		return pnic_err(err, EINVAL,
				"encap template is %u bytes but its UDP and VXLAN headers end at byte %u; the template must end with the VXLAN header",
				t->len, off + UDP_HLEN + VXLAN_HLEN);
	if (rd16(b + off + 2) != VXLAN_PORT)
		return pnic_err(err, EINVAL,
				"encap template: UDP destination port %u, expected VXLAN (4789)",
				rd16(b + off + 2));
	off += UDP_HLEN;
	out->vxlan_off = off;
	if (!(b[off] & VXLAN_FLAG_I))
		return pnic_err(err, EINVAL,
				"encap template: VXLAN flags 0x%02x lack the I flag (0x08), so receivers ignore the VNI",
				b[off]);
	out->vni = (uint32_t)b[off + 4] << 16 | (uint32_t)b[off + 5] << 8 |
		   b[off + 6];
	return 0;
}

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
