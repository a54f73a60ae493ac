#include "io/classbench.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

/* A cursor over one line of a file, for error places. */
struct cursor {
	const char *name;
	unsigned line;
	const char *start;  /* first character of the line */
	const char *p;
	const char *end;    /* the '\n' or the end of the buffer */
	struct pnic_error *err;
};

static unsigned col(const struct cursor *c, const char *at)
{
	return (unsigned)(at - c->start) + 1;
}

static int fail_at(struct cursor *c, const char *at, const char *field,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int fail_at(struct cursor *c, const char *at, const char *field,
		   const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return pnic_err_at(c->err, EINVAL, c->name, c->line, col(c, at), field,
			   "%s", msg);
}

/* What the cursor sees, for "but found ..." in messages. */
static const char *found(const struct cursor *c, char *buf, size_t len)
{
	unsigned char ch;

	if (c->p >= c->end)
		return "the end of the line";
	ch = (unsigned char)*c->p;
	if (ch > ' ' && ch < 0x7f)
		snprintf(buf, len, "'%c'", ch);
	else
		snprintf(buf, len, "byte 0x%02x", ch);
	return buf;
}

static bool is_ws(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' ||
	       ch == '\f';
}

static void skip_ws(struct cursor *c)
{
	while (c->p < c->end && is_ws(*c->p))
		c->p++;
}

static bool at_end(const struct cursor *c)
{
	return c->p >= c->end;
}

static int expect_char(struct cursor *c, char ch, const char *field,
		       const char *what)
{
	char buf[16];

	if (c->p < c->end && *c->p == ch) {
		c->p++;
		return 0;
	}
	return fail_at(c, c->p, field, "expected %s but found %s", what,
		       found(c, buf, sizeof buf));
}

/* Fields are separated by at least one space or tab. */
static int next_field(struct cursor *c, const char *field, const char *what)
{
	char buf[16];

	if (c->p < c->end && !is_ws(*c->p))
		return fail_at(c, c->p, field,
			       "expected whitespace before the %s but found %s",
			       what, found(c, buf, sizeof buf));
	skip_ws(c);
	if (at_end(c))
		return fail_at(c, c->p, field,
			       "missing field: the line ends where the %s was expected",
			       what);
	return 0;
}

static int parse_dec(struct cursor *c, uint64_t max, uint64_t *out,
		     const char *field, const char *what)
{
	const char *s = c->p;
	uint64_t v = 0;
	char buf[16];

	if (at_end(c) || *c->p < '0' || *c->p > '9')
		return fail_at(c, c->p, field,
			       "expected %s (a decimal number) but found %s",
			       what, found(c, buf, sizeof buf));
	while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
		v = v * 10 + (uint64_t)(*c->p - '0');
		if (v > max)
			break;
		c->p++;
	}
	if (v > max) {
		while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
			c->p++;
		return fail_at(c, s, field, "%s %.*s is above %llu", what,
			       (int)(c->p - s > 24 ? 24 : c->p - s), s,
			       (unsigned long long)max);
	}
	*out = v;
	return 0;
}

static int hex_digit(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static int parse_hex(struct cursor *c, uint64_t max, uint64_t *out,
		     const char *field, const char *what)
{
	const char *s = c->p;
	uint64_t v = 0;
	unsigned nd = 0;
	char buf[16];

	if (c->end - c->p < 2 || c->p[0] != '0' ||
	    (c->p[1] != 'x' && c->p[1] != 'X'))
		return fail_at(c, c->p, field,
			       "expected %s as hex like 0x%0*llX but found %s",
			       what, max > 0xff ? 4 : 2, (unsigned long long)max,
			       found(c, buf, sizeof buf));
	c->p += 2;
	while (c->p < c->end && hex_digit(*c->p) >= 0) {
		if (v <= max)
			v = v * 16 + (uint64_t)hex_digit(*c->p);
		c->p++;
		nd++;
	}
	if (!nd)
		return fail_at(c, c->p, field,
			       "expected hex digits after '0x' for %s but found %s",
			       what, found(c, buf, sizeof buf));
	if (v > max)
		return fail_at(c, s, field, "%s %.*s is above 0x%llX", what,
			       (int)(c->p - s > 24 ? 24 : c->p - s), s,
			       (unsigned long long)max);
	*out = v;
	return 0;
}

static int parse_prefix(struct cursor *c, uint32_t *addr, uint8_t *len,
			const char *field)
{
	uint64_t v, a = 0;
	int rc;

	for (int i = 0; i < 4; i++) {
		if (i) {
			rc = expect_char(c, '.', field,
					 "'.' between the address bytes");
			if (rc)
				return rc;
		}
		rc = parse_dec(c, 255, &v, field, "address byte");
		if (rc)
			return rc;
		a = a << 8 | v;
	}
	rc = expect_char(c, '/', field, "'/' and a prefix length after the address");
	if (rc)
		return rc;
	rc = parse_dec(c, 32, &v, field, "prefix length");
	if (rc)
		return rc;
	*addr = (uint32_t)a;
	*len = (uint8_t)v;
	return 0;
}

static int parse_ports(struct cursor *c, uint16_t *lo, uint16_t *hi,
		       const char *field)
{
	const char *s = c->p;
	uint64_t l, h;
	int rc;

	rc = parse_dec(c, 65535, &l, field, "low port");
	if (rc)
		return rc;
	skip_ws(c);
	rc = expect_char(c, ':', field, "':' between the low and high port");
	if (rc)
		return rc;
	skip_ws(c);
	rc = parse_dec(c, 65535, &h, field, "high port");
	if (rc)
		return rc;
	if (l > h)
		return fail_at(c, s, field,
			       "port range %llu : %llu has its low end above its high end",
			       (unsigned long long)l, (unsigned long long)h);
	*lo = (uint16_t)l;
	*hi = (uint16_t)h;
	return 0;
}

static int parse_valmask(struct cursor *c, uint64_t max, uint64_t *v,
			 uint64_t *m, const char *field)
{
	int rc = parse_hex(c, max, v, field, "value");

	if (rc)
		return rc;
	rc = expect_char(c, '/', field, "'/' between value and mask");
	if (rc)
		return rc;
	return parse_hex(c, max, m, field, "mask");
}

static int parse_rule_line(struct cursor *c, struct acl_rule *r,
			   uint32_t *flags)
{
	uint64_t v, m;
	int rc;

	memset(r, 0, sizeof *r);
	skip_ws(c);
	rc = expect_char(c, '@', "source", "'@' at the start of a rule");
	if (!rc)
		rc = parse_prefix(c, &r->src_ip, &r->src_len, "source");
	if (!rc)
		rc = next_field(c, "destination", "destination prefix");
	if (!rc)
		rc = parse_prefix(c, &r->dst_ip, &r->dst_len, "destination");
	if (!rc)
		rc = next_field(c, "source_ports", "source port range");
	if (!rc)
		rc = parse_ports(c, &r->sport_lo, &r->sport_hi, "source_ports");
	if (!rc)
		rc = next_field(c, "destination_ports", "destination port range");
	if (!rc)
		rc = parse_ports(c, &r->dport_lo, &r->dport_hi,
				 "destination_ports");
	if (!rc)
		rc = next_field(c, "protocol", "protocol value/mask");
	if (!rc)
		rc = parse_valmask(c, 0xff, &v, &m, "protocol");
	if (rc)
		return rc;
	r->proto = (uint8_t)(v & m);
	r->proto_mask = (uint8_t)m;
	r->src_ip &= r->src_len ? 0xffffffffu << (32 - r->src_len) : 0;
	r->dst_ip &= r->dst_len ? 0xffffffffu << (32 - r->dst_len) : 0;

	*flags = 0;
	if (!at_end(c) && !is_ws(*c->p)) {
		char buf[16];

		return fail_at(c, c->p, "flags",
			       "expected whitespace before the flags value/mask but found %s",
			       found(c, buf, sizeof buf));
	}
	skip_ws(c);
	if (at_end(c))
		return 0; /* the flags field is optional */
	rc = parse_valmask(c, 0xffff, &v, &m, "flags");
	if (rc)
		return rc;
	*flags = (uint32_t)(v << 16 | m);
	skip_ws(c);
	if (!at_end(c))
		return fail_at(c, c->p, NULL,
			       "unexpected text after the flags field (a rule has 6 fields)");
	return 0;
}

/* Called on every line that is not blank or a comment. */
typedef int (*line_fn)(struct cursor *c, void *ctx);

/* Where the lines come from: a buffer, or (f set) a file read a line at a
 * time so that its text is never held whole. */
struct line_src {
	const char *name;
	const char *buf;
	size_t len;
	FILE *f;
};

static int one_line(struct cursor *c, const char *line, const char *end,
		    line_fn fn, void *ctx)
{
	c->line++;
	c->start = c->p = line;
	c->end = end;
	skip_ws(c);
	if (at_end(c) || *c->p == '#')
		return 0;
	return fn(c, ctx);
}

static int buf_lines(const struct line_src *src, struct cursor *c,
		     line_fn fn, void *ctx)
{
	const char *p = src->buf, *end = src->buf + src->len;
	int rc = 0;

	while (p < end && !rc) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		rc = one_line(c, p, nl ? nl : end, fn, ctx);
		p = nl ? nl + 1 : end;
	}
	return rc;
}

static int file_lines(const struct line_src *src, struct cursor *c,
		      line_fn fn, void *ctx)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0;

	while (!rc && (n = getline(&line, &cap, src->f)) >= 0)
		rc = one_line(c, line, line + n - (n && line[n - 1] == '\n'),
			      fn, ctx);
	if (!rc && ferror(src->f))
		rc = pnic_err_at(c->err, EIO, src->name, c->line + 1, 0, NULL,
				 "read error: %s", strerror(errno));
	free(line);
	return rc;
}

static int each_line(const struct line_src *src, struct pnic_error *err,
		     line_fn fn, void *ctx)
{
	struct cursor c = { .name = src->name, .err = err };

	return src->f ? file_lines(src, &c, fn, ctx) : buf_lines(src, &c, fn, ctx);
}

/* Growing array: doubles, so loading n items costs O(n). */
static int grow(void **arr, size_t *cap, size_t need, size_t size)
{
	size_t ncap;
	void *p;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 1024;
	while (ncap < need)
		ncap *= 2;
	p = realloc(*arr, ncap * size);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

struct rules_ctx {
	struct classbench_rules *out;
	size_t cap, flags_cap;
};

static int rule_line(struct cursor *c, void *ctx_)
{
	struct rules_ctx *ctx = ctx_;
	struct classbench_rules *o = ctx->out;
	int rc;

	if (o->n == UINT32_MAX)
		return fail_at(c, c->p, NULL, "too many rules");
	if (grow((void **)&o->rules, &ctx->cap, (size_t)o->n + 1,
		 sizeof *o->rules) ||
	    grow((void **)&o->flags, &ctx->flags_cap, (size_t)o->n + 1,
		 sizeof *o->flags))
		return pnic_err(c->err, ENOMEM, "out of memory at rule %u",
				o->n);
	rc = parse_rule_line(c, &o->rules[o->n], &o->flags[o->n]);
	if (rc)
		return rc;
	o->rules[o->n].action = o->n;
	o->flags_ignored += (o->flags[o->n] & 0xffff) != 0;
	o->n++;
	return 0;
}

static int rules_read(const struct line_src *src, struct classbench_rules *out,
		      struct pnic_error *err)
{
	struct rules_ctx ctx = { .out = out };
	int rc;

	memset(out, 0, sizeof *out);
	rc = each_line(src, err, rule_line, &ctx);
	if (!rc && out->n == 0)
		rc = pnic_err_at(err, EINVAL, src->name, 0, 0, NULL,
				 "no rules: expected lines like '@10.0.0.0/8\t0.0.0.0/0\t0 : 65535\t80 : 80\t0x06/0xFF\t0x0000/0x0000'");
	if (rc)
		classbench_rules_free(out);
	return rc;
}

int classbench_rules_parse(const char *name, const char *buf, size_t len,
		   struct classbench_rules *out, struct pnic_error *err)
{
	struct line_src src = { .name = name, .buf = buf, .len = len };

	return rules_read(&src, out, err);
}

void classbench_rules_free(struct classbench_rules *r)
{
	if (!r)
		return;
	free(r->rules);
	free(r->flags);
	memset(r, 0, sizeof *r);
}

#define NO_ID UINT64_MAX

struct trace_ctx {
	struct classbench_trace *out;
	size_t cap;
};

/* The numbers of one trace line as written, "-1" as NO_ID; *n is how many. */
static int trace_numbers(struct cursor *c, uint64_t v[7], const char *at[7],
			 unsigned *n)
{
	char buf[16];
	int rc;

	for (*n = 0; !at_end(c); (*n)++) {
		if (*n == 7)
			return fail_at(c, c->p, NULL,
				       "expected at most 7 numbers (src_ip dst_ip src_port dst_port proto flags filter_id)");
		at[*n] = c->p;
		if (c->end - c->p >= 2 && c->p[0] == '-' && c->p[1] == '1') {
			c->p += 2;
			v[*n] = NO_ID;
		} else {
			/* wide enough for trace_check() to name the
			 * column of a number that is too large */
			rc = parse_dec(c, 999999999999999999ull, &v[*n],
				       NULL, "a header field");
			if (rc)
				return rc;
		}
		if (!at_end(c) && !is_ws(*c->p))
			return fail_at(c, c->p, NULL,
				       "expected whitespace after number %u but found %s",
				       *n + 1, found(c, buf, sizeof buf));
		skip_ws(c);
	}
	if (*n < 5)
		return fail_at(c, c->p, NULL,
			       "missing field: expected 5 to 7 numbers (src_ip dst_ip src_port dst_port proto [[flags] filter_id]), found %u",
			       *n);
	return 0;
}

/* What column i of an n-column line is: 6 columns are ClassBench's trace
 * of a rule file without flags fields, whose sixth is the filter id. */
static const char *trace_column(unsigned i, unsigned n)
{
	static const char *const names[] = {
		"src_ip", "dst_ip", "src_port", "dst_port", "proto", "flags",
		"filter_id",
	};

	return i == n - 1 && n > 5 ? names[6] : names[i];
}

/* Each column's range; flags and filter_id take any 32-bit value. */
static int trace_check(struct cursor *c, const uint64_t v[7],
		       const char *const at[7], unsigned n)
{
	static const uint64_t max[] = { 0xffffffffull, 0xffffffffull, 65535,
					65535, 255, 0xffffffffull,
					0xffffffffull };

	for (unsigned i = 0; i < n; i++) {
		const char *name = trace_column(i, n);
		bool id = i == n - 1 && n > 5;

		if (v[i] == NO_ID && !id)
			return fail_at(c, at[i], name,
				       "expected %s as a non-negative decimal number; -1 is only allowed as filter_id",
				       name);
		if (v[i] != NO_ID && v[i] > max[i])
			return fail_at(c, at[i], name, "%s %llu is above %llu",
				       name, (unsigned long long)v[i],
				       (unsigned long long)max[i]);
	}
	return 0;
}

static int trace_line(struct cursor *c, void *ctx_)
{
	struct trace_ctx *ctx = ctx_;
	struct classbench_trace *o = ctx->out;
	const char *at[7];
	uint64_t v[7];
	unsigned n;
	int rc;

	rc = trace_numbers(c, v, at, &n);
	if (!rc)
		rc = trace_check(c, v, at, n);
	if (rc)
		return rc;
	if (grow((void **)&o->hdrs, &ctx->cap, o->n + 1, sizeof *o->hdrs))
		return pnic_err(c->err, ENOMEM, "out of memory at header %zu",
				o->n);

	struct classbench_header *h = &o->hdrs[o->n++];

	memset(h, 0, sizeof *h);
	h->h.src_ip = (uint32_t)v[0];
	h->h.dst_ip = (uint32_t)v[1];
	h->h.sport = (uint16_t)v[2];
	h->h.dport = (uint16_t)v[3];
	h->h.proto = (uint8_t)v[4];
	h->flags = n == 7 ? (uint32_t)v[5] : 0;
	h->filter_id = n > 5 && v[n - 1] != NO_ID ? (int64_t)v[n - 1] : -1;
	return 0;
}

static int trace_read(const struct line_src *src, struct classbench_trace *out,
		      struct pnic_error *err)
{
	struct trace_ctx ctx = { .out = out };
	int rc;

	memset(out, 0, sizeof *out);
	rc = each_line(src, err, trace_line, &ctx);
	if (!rc && out->n == 0)
		rc = pnic_err_at(err, EINVAL, src->name, 0, 0, NULL,
				 "no headers: expected lines of decimal numbers 'src_ip dst_ip src_port dst_port proto flags filter_id'");
	if (rc)
		classbench_trace_free(out);
	return rc;
}

int classbench_trace_parse(const char *name, const char *buf, size_t len,
		   struct classbench_trace *out, struct pnic_error *err)
{
	struct line_src src = { .name = name, .buf = buf, .len = len };

	return trace_read(&src, out, err);
}

void classbench_trace_free(struct classbench_trace *t)
{
	if (!t)
		return;
	free(t->hdrs);
	memset(t, 0, sizeof *t);
}

/* Opens path for reading and fills src; 0 or a negative errno. */
static int open_src(const char *path, struct line_src *src,
		    struct pnic_error *err)
{
	memset(src, 0, sizeof *src);
	src->name = path;
	src->f = fopen(path, "rb");
	if (!src->f)
		return pnic_err_at(err, errno ? errno : EIO, path, 0, 0, NULL,
				   "cannot open: %s", strerror(errno));
	return 0;
}

int classbench_rules_load(const char *path, struct classbench_rules *out,
		  struct pnic_error *err)
{
	struct line_src src;
	int rc;

	memset(out, 0, sizeof *out);
	rc = open_src(path, &src, err);
	if (rc)
		return rc;
	rc = rules_read(&src, out, err);
	fclose(src.f);
	return rc;
}

int classbench_trace_load(const char *path, struct classbench_trace *out,
		  struct pnic_error *err)
{
	struct line_src src;
	int rc;

	memset(out, 0, sizeof *out);
	rc = open_src(path, &src, err);
	if (rc)
		return rc;
	rc = trace_read(&src, out, err);
	fclose(src.f);
	return rc;
}

static void put_ip(FILE *f, uint32_t a)
{
	fprintf(f, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff,
		a & 0xff);
}

void classbench_write_rule(FILE *f, const struct acl_rule *r, uint16_t flags,
		   uint16_t flags_mask)
{
	fputc('@', f);
	put_ip(f, r->src_ip);
	fprintf(f, "/%u\t", r->src_len);
	put_ip(f, r->dst_ip);
	fprintf(f, "/%u\t%u : %u\t%u : %u\t0x%02X/0x%02X\t0x%04X/0x%04X\t\n",
		r->dst_len, r->sport_lo, r->sport_hi, r->dport_lo, r->dport_hi,
		r->proto & r->proto_mask, r->proto_mask, flags & flags_mask,
		flags_mask);
}

void classbench_write_header(FILE *f, const struct classbench_header *h)
{
	fprintf(f, "%u\t%u\t%u\t%u\t%u\t%u\t%lld\n", h->h.src_ip, h->h.dst_ip,
		h->h.sport, h->h.dport, h->h.proto, h->flags,
		(long long)h->filter_id);
}
