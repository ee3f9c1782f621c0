/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nl_fuzz.c's end of run: the pools dump, the table's invariants, the
 * statistics, and the fixture. It uses nl_fuzz.c's state (struct fz and
 * its helpers), so nl_fuzz.c includes it once, just before its test.
 */
#ifndef NL_FUZZ_END_H
#define NL_FUZZ_END_H

static int pools_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[SOFTLOCK_A_MAX + 1];
	struct fz *f = data;
	struct pool_line *l = f->pl + f->npl;

	if (sl_nl_parse(nlh, tb) || !tb[SOFTLOCK_A_POOL] || !tb[SOFTLOCK_A_COUNT] ||
	    !tb[SOFTLOCK_A_PCPI_COUNT] || !tb[SOFTLOCK_A_STAGED] || !tb[SOFTLOCK_A_SEALED] ||
	    f->npl == ARRAY_SIZE(f->pl)) {
		f->bad_lines++;
		return MNL_CB_OK;
	}
	f->npl++;
	*l = (struct pool_line){
		.count = mnl_attr_get_u32(tb[SOFTLOCK_A_COUNT]),
		.pcpis = mnl_attr_get_u32(tb[SOFTLOCK_A_PCPI_COUNT]),
		.staged = mnl_attr_get_u32(tb[SOFTLOCK_A_STAGED]),
		.sealed = mnl_attr_get_u8(tb[SOFTLOCK_A_SEALED]),
	};
	snprintf(l->pool, sizeof(l->pool), "%s", mnl_attr_get_str(tb[SOFTLOCK_A_POOL]));
	return MNL_CB_OK;
}

static struct pool_line *pool_find(struct fz *f, const char *pool)
{
	struct pool_line *l;

	for (l = f->pl; l < f->pl + f->npl; l++)
		if (!strcmp(l->pool, pool))
			return l;
	return NULL;
}

/* Dump the pools: each listed once, staged counts as the model says. */
static int pools_get(struct fz *f, const char *when)
{
	struct pool_line *l;
	struct org *o;
	uint32_t want;
	int err;

	f->npl = f->bad_lines = 0;
	err = sl_nl_talk(f->c.nl, sl_nl_req(f->c.nl, f->c.buf, SOFTLOCK_CMD_POOL_GET,
					    NLM_F_DUMP), pools_cb, f);
	if (err || f->bad_lines) {
		fz_fail(f, false, "%s: POOL_GET: %d (%s), %lu bad lines", when, err,
			sl_nl_extack(f->c.nl), f->bad_lines);
		return -1;
	}
	for (l = f->pl; l < f->pl + f->npl; l++) {
		for (want = 0, o = f->orgs; o < f->orgs + f->norgs; o++)
			want += o->open && !strcmp(o->pool, l->pool) ? o->staged : 0;
		if (pool_find(f, l->pool) != l || l->staged != want)
			fz_fail(f, false, "%s: pool %s listed twice or %u staged, model %u",
				when, l->pool, l->staged, want);
	}
	for (o = f->orgs; o < f->orgs + f->norgs; o++)
		if (o->open && o->staged && !pool_find(f, o->pool))
			fz_fail(f, false, "%s: pool %s with staged locks not listed", when, o->pool);
	return 0;
}

static void key_cb(const struct lockv *lv, void *arg)
{
	struct fz *f = arg;
	struct key *k;

	for (k = f->k; k < f->k + f->nk; k++)
		if (k->pcpi == lv->pcpi && !strcmp(k->pool, lv->pool))
			break;
	if (k == f->k + f->nk) {
		if (f->nk++ == ARRAY_SIZE(f->k))
			abort();
		k->pcpi = lv->pcpi;
		snprintf(k->pool, sizeof(k->pool), "%s", lv->pool);
	}
	f->locks++;
	k->n++;
	k->live += !lv->expires || (time_t)lv->expires > f->now;
}

static int tally_cmp(const void *a, const void *b)
{
	const struct tally *x = a, *y = b;

	return x->cls != y->cls ? x->cls - y->cls : x->cmd != y->cmd ?
	       x->cmd - y->cmd : x->err - y->err;
}

static void print_stats(struct fz *f, double dt)
{
	unsigned long by_errno[4096][2] = { { 0 } };
	unsigned int i;
	int e;

	ksft_print_msg("%lu requests (%lu well-formed, %lu mutated, %lu raw) in %.1f s: %.0f/s\n",
		       f->idx, f->kinds[0], f->kinds[1], f->kinds[2], dt, f->idx / dt);
	ksft_print_msg("per command: accepted / family errors / core errors / dropped\n");
	for (i = 0; i <= CMD_OTHER; i++)
		ksft_print_msg("  %-14s %6lu %6lu %6lu %6lu\n", cmd_names[i], f->st[i][ST_OK],
			       f->st[i][ST_FAMILY], f->st[i][ST_CORE], f->st[i][ST_DROP]);
	ksft_print_msg("%lu dumps, %lu dump records\n", f->dumps, f->records);
	for (i = 0; i < f->nt; i++)
		by_errno[f->t[i].err][f->t[i].cls] += f->t[i].n;
	ksft_print_msg("errors by errno: family / core (af_netlink, genetlink)\n");
	for (e = 1; e < 4096; e++)
		if (by_errno[e][CORE] || by_errno[e][FAMILY])
			ksft_print_msg("  %-12s %7lu %7lu\n", ename(e), by_errno[e][FAMILY],
				       by_errno[e][CORE]);
	ksft_print_msg("errors without an extack message, by (command, errno):\n");
	qsort(f->t, f->nt, sizeof(f->t[0]), tally_cmp);
	for (i = 0; i < f->nt; i++)
		if (f->t[i].ext != EXT_MSG)
			ksft_print_msg("  %-6s %-14s %-11s %7lu%s\n",
				       f->t[i].cls == CORE ? "core" : "family",
				       cmd_names[f->t[i].cmd], ename(f->t[i].err), f->t[i].n,
				       f->t[i].ext == EXT_MISS ? " with NLMSGERR_ATTR_MISS_TYPE" :
				       f->t[i].cls == CORE ? "" : " NO EXTACK: FAIL");
	if (f->long_msgs)
		ksft_print_msg("%lu extack messages at the 79-byte limit, e.g. \"%s\"\n",
			       f->long_msgs, f->long_msg);
}

FIXTURE(fz) {
	struct fz *f;
};

FIXTURE_SETUP(fz)
{
	int one = 1, buf = 8 << 20, err;
	struct fz *f;

	self->f = f = calloc(1, sizeof(*f));
	ASSERT_NE(NULL, f);
	err = conn_open(&f->c);
	if (err == -ENOENT)
		SKIP(return, "softlock family not registered (module not loaded)");
	ASSERT_EQ(0, err);
	f->g.b = calloc(1, FZ_TX);
	f->rx = malloc(FZ_RX);
	ASSERT_TRUE(f->g.b && f->rx);
	/* The fuzzing socket: capped acks with extack TLVs. */
	f->sk = mnl_socket_open(NETLINK_GENERIC);
	ASSERT_NE(NULL, f->sk);
	ASSERT_EQ(0, mnl_socket_bind(f->sk, 0, MNL_SOCKET_AUTOPID));
	f->fd = mnl_socket_get_fd(f->sk);
	ASSERT_EQ(0, setsockopt(f->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one)));
	ASSERT_EQ(0, setsockopt(f->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one)));
	setsockopt(f->fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf));
	/* nl.c resolved the family: its request header carries the id. */
	f->g.family = sl_nl_req(f->c.nl, f->c.buf, 0, 0)->nlmsg_type;
}

FIXTURE_TEARDOWN(fz)
{
	struct fz *f = self->f;

	if (f->c.nl)
		EXPECT_EQ(0, sl_nl_simple(f->c.nl, SOFTLOCK_CMD_UNSEAL));
	conn_close(&f->c);
	if (f->sk)
		mnl_socket_close(f->sk);
	free(f->g.b);
	free(f->rx);
	free(f);
}

#endif /* NL_FUZZ_END_H */
