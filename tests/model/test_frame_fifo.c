/* Frame FIFO: order, wrap, iteration, and the size that makes every push
 * within the caller's bounds fit, checked against a plain list of what
 * was pushed. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "model/frame_fifo.h"

static struct frame_fifo *make(uint64_t bytes)
{
	struct frame_fifo *f;
	struct pnic_error err;

	cr_assert_eq(frame_fifo_create(bytes, &f, &err), 0, "%s", err.msg);
	return f;
}

/* An entry: its length, then bytes that say which entry it is. */
static void fill(uint8_t *p, uint32_t n, uint32_t tag)
{
	memcpy(p, &n, sizeof n);
	for (uint32_t i = 4; i < n; i++)
		p[i] = (uint8_t)(tag * 31 + i);
}

static void check(const uint8_t *p, uint32_t n, uint32_t tag)
{
	uint32_t m, bad = 0;

	memcpy(&m, p, sizeof m);
	cr_assert_eq(m, n, "entry %u: length", tag);
	for (uint32_t i = 4; i < n; i++)
		bad += p[i] != (uint8_t)(tag * 31 + i);
	cr_assert_eq(bad, 0, "entry %u: %u bytes changed", tag, bad);
}

Test(frame_fifo, refuses_bad_sizes)
{
	struct frame_fifo *f = (struct frame_fifo *)1;
	struct pnic_error err;

	cr_assert_eq(frame_fifo_create(8, &f, &err), -EINVAL);
	cr_assert_null(f);
	cr_assert(strstr(err.msg, "8 bytes"), "%s", err.msg);
	cr_assert_eq(frame_fifo_create(FRAME_FIFO_MAX_BYTES + 1, &f, &err), -EINVAL);
	cr_assert_eq(frame_fifo_size_for(UINT32_MAX, FRAME_FIFO_MAX_BYTES, 9000, 1),
		     FRAME_FIFO_MAX_BYTES + 1);
	frame_fifo_destroy(NULL);
}

Test(frame_fifo, first_in_first_out_and_aligned)
{
	struct frame_fifo *f = make(1024);
	uint8_t *e[5];

	cr_assert_null(frame_fifo_front(f));
	for (uint32_t i = 0; i < 5; i++) {
		e[i] = frame_fifo_push(f, 20 + i);
		cr_assert_not_null(e[i]);
		cr_assert_eq((uintptr_t)e[i] % 8, 0);
		fill(e[i], 20 + i, i);
	}
	cr_assert_eq(frame_fifo_count(f), 5);
	cr_assert_eq(frame_fifo_front(f), e[0]);
	for (uint32_t i = 0; i < 4; i++)
		cr_assert_eq(frame_fifo_next(f, e[i]), e[i + 1]);
	cr_assert_null(frame_fifo_next(f, e[4]));
	for (uint32_t i = 0; i < 5; i++) {
		check(frame_fifo_front(f), 20 + i, i);
		frame_fifo_pop(f);
	}
	cr_assert_null(frame_fifo_front(f));
	frame_fifo_pop(f);
	cr_assert_eq(frame_fifo_count(f), 0);
	frame_fifo_destroy(f);
}

/* An entry that does not fit before the end goes to the start, whole; a
 * push that fits nowhere changes nothing. */
Test(frame_fifo, wraps_whole_entries)
{
	struct frame_fifo *f = make(256);
	uint8_t *a, *b, *c, *d;

	a = frame_fifo_push(f, 100);     /* 112 at 0 */
	b = frame_fifo_push(f, 100);     /* 112 at 112 */
	cr_assert_not_null(a);
	cr_assert_not_null(b);
	fill(b, 100, 2);
	cr_assert_null(frame_fifo_push(f, 40), "32 bytes left at the top, 0 below");
	cr_assert_eq(frame_fifo_count(f), 2);
	frame_fifo_pop(f);
	c = frame_fifo_push(f, 40);      /* 48: wraps to 0 */
	cr_assert_eq(c, a, "wrapped to the start");
	fill(c, 40, 3);
	cr_assert_eq(frame_fifo_next(f, b), c);
	d = frame_fifo_push(f, 60);      /* 72 > 112 - 48 = 64 left below b */
	cr_assert_null(d);
	d = frame_fifo_push(f, 50);      /* 64: exactly fills */
	cr_assert_not_null(d);
	fill(d, 50, 4);
	cr_assert_null(frame_fifo_push(f, 1), "full");
	check(frame_fifo_front(f), 100, 2);
	frame_fifo_pop(f);
	check(frame_fifo_front(f), 40, 3);
	cr_assert_eq(frame_fifo_next(f, c), d);
	frame_fifo_pop(f);
	check(frame_fifo_front(f), 50, 4);
	frame_fifo_pop(f);
	cr_assert_eq(frame_fifo_count(f), 0);
	cr_assert_not_null(frame_fifo_push(f, 240), "empty again: the whole array");
	frame_fifo_destroy(f);
}

static uint64_t rnd(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return *s >> 33;
}

/* Random pushes and pops within bounds never fail at the promised size;
 * contents, order and iteration match a plain list. */
static void random_run(uint32_t max_entries, uint64_t max_bytes,
		       uint32_t max_entry, uint64_t seed)
{
	enum { N = 4096 };
	static uint32_t len[N], tag[N];
	static uint8_t *ptr[N];
	uint64_t s = seed, held = 0;
	uint32_t first = 0, n = 0, next_tag = 0;
	struct frame_fifo *f = make(frame_fifo_size_for(max_entries, max_bytes,
							max_entry, 0));

	cr_assert_leq(max_entries, N);
	for (unsigned step = 0; step < 100000; step++) {
		uint32_t l = 1 + (uint32_t)(rnd(&s) % max_entry);

		if (rnd(&s) % 2 && n < max_entries && held + l <= max_bytes) {
			uint32_t k = (first + n) % N;
			uint8_t *p = frame_fifo_push(f, l);

			cr_assert_not_null(p, "push of %u with %u entries, %llu bytes held",
					   l, n, (unsigned long long)held);
			fill(p, l, next_tag);
			len[k] = l;
			tag[k] = next_tag++;
			ptr[k] = p;
			n++;
			held += l;
		} else if (n) {
			const uint8_t *e = frame_fifo_front(f);

			for (uint32_t i = 0; i < n; i++, e = frame_fifo_next(f, e))
				if (i < 3 || i + 3 > n)
					cr_assert_eq(e, ptr[(first + i) % N]);
			cr_assert_null(e);
			check(frame_fifo_front(f), len[first], tag[first]);
			frame_fifo_pop(f);
			held -= len[first];
			first = (first + 1) % N;
			n--;
		}
		cr_assert_eq(frame_fifo_count(f), n);
	}
	frame_fifo_destroy(f);
}

Test(frame_fifo, bounded_pushes_always_fit)
{
	random_run(8, 4000, 1500, 1);
	random_run(64, 8192, 1518, 2);
	random_run(1000, 64 * 1000, 64, 3);
	random_run(16, 100000, 9022, 4);
	random_run(4096, 1 << 20, 300, 5);
}
