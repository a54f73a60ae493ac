/* The scenario's expectations against summary.json (io/scenario.h
 * `expect`): each figure found by its path and compared with its bounds.
 * A path that names nothing, or not a number, fails: a typo must not
 * pass. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "io/num.h"
#include "tools/pnicsim/run.h"

/* The node at path (keys and list positions joined by dots), or NULL. */
static const json_t *find(const json_t *j, const char *path)
{
	char buf[sizeof ((struct scenario_expect *)0)->figure], *save = NULL, *part;
	uint64_t i;

	snprintf(buf, sizeof buf, "%s", path);
	for (part = strtok_r(buf, ".", &save); part && j; part = strtok_r(NULL, ".", &save)) {
		if (json_is_object(j))
			j = json_object_get(j, part);
		else if (json_is_array(j) && !num_parse_u64(part, 0, SIZE_MAX, 0, &i))
			j = json_array_get(j, (size_t)i);
		else
			j = NULL;
	}
	return j;
}

/* Whether e holds; why not in why. */
static bool holds(const struct scenario_expect *e, const json_t *v, char *why,
		  size_t n)
{
	double x;

	if (!v || !(json_is_number(v) || json_is_boolean(v))) {
		snprintf(why, n, "%s", v ? "is not a number" : "names no figure of summary.json");
		return false;
	}
	x = json_is_boolean(v) ? (double)json_is_true(v) : json_number_value(v);
	if (e->has_equals && x != e->equals)
		snprintf(why, n, "is %.12g, expected %.12g", x, e->equals);
	else if (e->has_min && x < e->min)
		snprintf(why, n, "is %.12g, expected at least %.12g", x, e->min);
	else if (e->has_max && x > e->max)
		snprintf(why, n, "is %.12g, expected at most %.12g", x, e->max);
	else
		return true;
	return false;
}

json_t *run_expect_json(const struct run *r, const json_t *summary, FILE *report)
{
	const struct scenario *c = r->cfg;
	json_t *o = json_object(), *failed = json_array();
	uint32_t met = 0;
	char why[160];

	for (uint32_t i = 0; i < c->n_expects; i++) {
		const struct scenario_expect *e = &c->expects[i];

		if (holds(e, find(summary, e->figure), why, sizeof why)) {
			met++;
			continue;
		}
		json_array_append_new(failed, json_string(e->figure));
		if (report)
			fprintf(report, "pnicsim run: %s:%u: expect %s: %s\n", c->file, e->line,
				e->figure, why);
	}
	json_object_set_new(o, "checked", json_integer(c->n_expects));
	json_object_set_new(o, "met", json_integer(met));
	json_object_set_new(o, "failed", failed);
	return o;
}
