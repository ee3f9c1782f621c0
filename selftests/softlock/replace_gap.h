/* SPDX-License-Identifier: GPL-2.0 */
/*
 * replace_gap.h - the checker threads of replace_test.c's no_gap test:
 * CHECK requests, or real dm-thin deletes, on a sample of pcpis while the
 * set is swapped, each verdict judged against the sets A and B and the
 * phase of the swap. It uses replace_test.c's sets (replace_sets.h) and
 * its MB origin, so replace_test.c includes it once, just before no_gap.
 */
#ifndef REPLACE_GAP_H
#define REPLACE_GAP_H

/* A checker thread of no_gap: CHECK requests, or dm-thin deletes. */
struct gap_ctx {
	const char *pool;
	const uint32_t *sample;
	unsigned int nsample;
	bool dm;		/* ask the guard itself, not CHECK */
	atomic_int *phase;	/* 0 staging, 1 commit sent, 2 acked, 3 stop */
	atomic_uint passes;	/* full passes over the sample */
	atomic_bool gone;	/* the thread has returned */
	/* written by the thread only, read after the join */
	unsigned long checks, during, bad;
	char why[WHY_LEN];
};

/*
 * Judge one verdict on @p. @ph0/@ph1: the phase before the request and
 * after the reply. @new_seen: a verdict already showed the new set, so no
 * later one may show the old set (the swap is one pointer store). A dm
 * verdict is only locked (count 1) or not; a CHECK also names the lock.
 */
static void judge(struct gap_ctx *g, uint32_t p, const struct verdict *v,
		  int ph0, int ph1, bool *new_seen)
{
	struct entry ea, eb;
	bool a = want_a(p, &ea, NULL), b = want_b(p, &eb, NULL);
	bool is_old, is_new;

	if (!g->dm && v->reason != (v->count ? SOFTLOCK_REASON_LOCKED :
				    SOFTLOCK_REASON_NONE))
		fail_why(g->why, &g->bad, "pcpi %u: reason %u with count %u",
			 p, v->reason, v->count);
	/* Both sets' locks count only for a check that overlapped the swap. */
	if (v->count > 2 || (v->count == 2 && (ph0 > 1 || ph1 < 1)))
		fail_why(g->why, &g->bad, "pcpi %u: count %u in phase %d..%d",
			 p, v->count, ph0, ph1);
	if (!g->dm && v->count && strcmp(v->origin, MB))
		fail_why(g->why, &g->bad, "pcpi %u: origin %s", p, v->origin);
	if (a && b && !v->count)
		fail_why(g->why, &g->bad,
			 "pcpi %u in both sets seen UNLOCKED (%s) in phase %d..%d",
			 p, g->dm ? "delete let through" : "check", ph0, ph1);
	/* Old: A's text, or a B-only pcpi free. New: B's, or A-only free. */
	if (g->dm) {
		is_old = a != b && (v->count ? a : b);
		is_new = a != b && !is_old;
	} else {
		is_old = v->count ? a && !strcmp(v->text, ea.text) : !a;
		is_new = v->count ? b && !strcmp(v->text, eb.text) : a;
		if (v->count && !is_old && !is_new)
			fail_why(g->why, &g->bad, "pcpi %u: text \"%s\"", p,
				 v->text);
	}
	if (is_old && (*new_seen || ph0 >= 2))
		fail_why(g->why, &g->bad, "pcpi %u: old state after the swap",
			 p);
	if (is_new && ph1 == 0)
		fail_why(g->why, &g->bad,
			 "pcpi %u: new state before the commit (\"%s\" x%u)",
			 p, v->text, v->count);
	*new_seen |= is_new;
}

/* One verdict: by CHECK, or by the outcome of a real delete. */
static int ask(struct gap_ctx *g, struct conn *c, int ctl, uint32_t p,
	       struct verdict *v)
{
	int err;

	if (!g->dm)
		return check(c, g->pool, p, v);
	memset(v, 0, sizeof(*v));
	err = dm_delete(ctl, g->pool, p);
	v->count = err == -EBUSY;
	return err == -EBUSY || err == -ENODATA ? 0 : err ?: -EEXIST;
}

static void *gap_checker(void *arg)
{
	struct gap_ctx *g = arg;
	struct conn c = { 0 };
	bool new_seen = false;
	int ph0, ph1, err, ctl = -1;
	unsigned int i, pass;
	struct verdict v;

	if (g->dm) {
		ctl = open("/dev/mapper/control", O_RDWR | O_CLOEXEC);
		err = ctl < 0 ? -errno : 0;
	} else {
		err = conn_open(&c);
	}
	for (pass = 0; !err && atomic_load(g->phase) != 3; pass++) {
		for (i = 0; !err && i < g->nsample; i++) {
			/*
			 * Each delete let through logs a dm-thin warning:
			 * while staging, ask about the pcpis that change
			 * state only every 16th pass.
			 */
			if (g->dm && in_a(g->sample[i]) != in_b(g->sample[i]) &&
			    pass % 16 && !atomic_load(g->phase))
				continue;
			ph0 = atomic_load(g->phase);
			err = ask(g, &c, ctl, g->sample[i], &v);
			ph1 = atomic_load(g->phase);
			g->checks++;
			g->during += ph0 <= 1 && ph1 >= 1;
			if (!err)
				judge(g, g->sample[i], &v, ph0, ph1, &new_seen);
		}
		atomic_fetch_add(&g->passes, 1);
	}
	if (err)
		fail_why(g->why, &g->bad, "%s: %s", g->dm ? "delete" : "check",
			 strerror(-err));
	conn_close(&c);
	if (ctl >= 0)
		close(ctl);
	atomic_store(&g->gone, true);
	return NULL;
}

/* Let both checkers finish @n more passes over the sample. */
static void wait_passes(struct gap_ctx *g, unsigned int n)
{
	unsigned int start[2] = { atomic_load(&g[0].passes),
				  atomic_load(&g[1].passes) };
	int i;

	for (i = 0; i < 2; i++)
		while (atomic_load(&g[i].passes) - start[i] < n &&
		       !atomic_load(&g[i].gone))
			sched_yield();
}

#endif /* REPLACE_GAP_H */
