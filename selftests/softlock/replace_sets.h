/* SPDX-License-Identifier: GPL-2.0 */
/*
 * replace_sets.h - the lock sets of replace_test.c: the 100,000-lock sets
 * A and B that replace_100k and no_gap swap, by pcpi (want_*) and by index
 * (gen_*), and fill(), which the other tests' sets use too. Included once,
 * by replace_test.c, before its fixture.
 */
#ifndef REPLACE_SETS_H
#define REPLACE_SETS_H

#define N100K		100000u
#define DEST_PATH	SOFTLOCK_LOCK_TYPE_DEST_PATH

/*
 * Set A: pcpi 1..100000. Set B: A without the pcpis p % 20000 == 7 (five
 * "A only") plus 100001..100005 ("B only"), also 100,000 locks, new texts.
 */
#define A_ONLY(p)	((p) % 20000 == 7)
#define B_EXTRA		5u

static bool in_a(uint32_t p)
{
	return p >= 1 && p <= N100K;
}

static bool in_b(uint32_t p)
{
	return (in_a(p) && !A_ONLY(p)) || (p > N100K && p <= N100K + B_EXTRA);
}

static void fill(struct entry *e, uint32_t p, const char *tfmt,
		 const char *dfmt)
{
	e->pcpi = p;
	e->type = DEST_PATH;
	e->expires = 0;
	snprintf(e->text, sizeof(e->text), tfmt, p);
	snprintf(e->dataset, sizeof(e->dataset), dfmt, p);
}

static bool want_a(uint32_t p, struct entry *e, const void *arg)
{
	(void)arg;
	fill(e, p, "hostC:vg/vol-%u", "ds-%u");
	return in_a(p);
}

static bool want_b(uint32_t p, struct entry *e, const void *arg)
{
	(void)arg;
	fill(e, p, "new-%u", "dsb-%u");
	return in_b(p);
}

static void gen_a(unsigned int i, struct entry *e, const void *arg)
{
	want_a(i + 1, e, arg);
}

/* B by index: the A pcpis that stay, in order, then the extras. */
static void gen_b(unsigned int i, struct entry *e, const void *arg)
{
	const uint32_t *b_pcpis = arg;

	want_b(b_pcpis[i], e, NULL);
}

#endif /* REPLACE_SETS_H */
