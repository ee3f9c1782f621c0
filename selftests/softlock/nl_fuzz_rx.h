/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nl_fuzz.c's exchange: send one request on the fuzzing socket, read every
 * reply to it, and check each as it comes (sequence, type, extack, the
 * attributes a reply must carry), filling in struct fz's r. It uses
 * nl_fuzz.c's state (struct fz, fz_fail(), req_cmd()), so nl_fuzz.c
 * includes it once, before its judge.
 */
#ifndef NL_FUZZ_RX_H
#define NL_FUZZ_RX_H

/* The extack TLVs of an NLMSG_ERROR or NLMSG_DONE, from @off on. */
static void parse_ext(struct fz *f, const struct nlmsghdr *nlh, unsigned int off)
{
	const struct nlattr *a;
	const char *s;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	mnl_attr_for_each(a, nlh, off) {
		if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MISS_TYPE && !f->r.ext)
			f->r.ext = EXT_MISS;
		if (mnl_attr_get_type(a) != NLMSGERR_ATTR_MSG)
			continue;
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0) {
			fz_fail(f, true, "extack message is not a string");
			continue;
		}
		f->r.ext = EXT_MSG;
		s = mnl_attr_get_str(a);
		/* Formatted messages live in 80-byte buffers: truncated? */
		if (strlen(s) >= 79 && !f->long_msgs++)
			snprintf(f->long_msg, sizeof(f->long_msg), "%s", s);
	}
}

/* A do reply or dump record: well-formed, for the command sent, complete. */
static void check_record(struct fz *f, const struct nlmsghdr *nlh)
{
	static const uint32_t need[SOFTLOCK_CMD_MAX + 1] = {
		[SOFTLOCK_CMD_LOCK_GET] = A(POOL) | A(PCPI) | A(TYPE) | A(TEXT) | A(ORIGIN) |
					  A(CREATED) | A(EXPIRES) | A(GENERATION),
		[SOFTLOCK_CMD_POOL_GET] = A(POOL) | A(COUNT) | A(PCPI_COUNT) | A(STAGED) | A(SEALED),
		[SOFTLOCK_CMD_LOCK_DEL] = A(COUNT),
		[SOFTLOCK_CMD_REPLACE_COMMIT] = A(COUNT),
		[SOFTLOCK_CMD_CHECK] = A(POOL) | A(PCPI) | A(REASON) | A(COUNT),
		[SOFTLOCK_CMD_STATS_GET] = A(REFUSED_LOCKED) | A(REFUSED_SEALED) | A(GUARD_STATE),
	};
	const struct genlmsghdr *gh = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[SOFTLOCK_A_MAX + 1];
	uint32_t have = 0, a;

	if (sl_nl_parse(nlh, tb) || gh->cmd != req_cmd(f) || !need[gh->cmd]) {
		fz_fail(f, true, "malformed reply (cmd %u)", gh->cmd);
		return;
	}
	for (a = 1; a <= SOFTLOCK_A_MAX; a++)
		have |= tb[a] ? BIT(a) : 0;
	if ((have & need[gh->cmd]) != need[gh->cmd])
		fz_fail(f, true, "%s reply lacks attributes (has 0x%x)", cmd_names[gh->cmd], have);
	f->r.count = tb[SOFTLOCK_A_COUNT] ? mnl_attr_get_u32(tb[SOFTLOCK_A_COUNT]) : 0;
	f->r.reason = tb[SOFTLOCK_A_REASON] ? mnl_attr_get_u32(tb[SOFTLOCK_A_REASON]) : 0;
	f->r.pcpi = tb[SOFTLOCK_A_PCPI] ? mnl_attr_get_u32(tb[SOFTLOCK_A_PCPI]) : 0;
}

/* One datagram of replies; true once the final one (ack, error, DONE) came. */
static bool on_replies(struct fz *f, int left)
{
	const struct nlmsghdr *nlh;

	for (nlh = (void *)f->rx; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

		if (nlh->nlmsg_seq != f->seq || f->r.final) {
			fz_fail(f, true, "stray reply (type %u, seq %u)",
				nlh->nlmsg_type, nlh->nlmsg_seq);
		} else if (nlh->nlmsg_type == NLMSG_ERROR) {
			f->r.final = true;
			f->r.err = -EPROTO;
			if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*e) ||
			    !(nlh->nlmsg_flags & NLM_F_CAPPED))
				fz_fail(f, true, "short or uncapped NLMSG_ERROR");
			else
				f->r.err = e->error;
			parse_ext(f, nlh, sizeof(*e));
		} else if (nlh->nlmsg_type == NLMSG_DONE) {
			f->r.final = f->r.done = true;
			if (nlh->nlmsg_len >= NLMSG_HDRLEN + sizeof(int))
				memcpy(&f->r.err, e, sizeof(int));
			parse_ext(f, nlh, sizeof(int));
		} else if (nlh->nlmsg_type == f->g.family) {
			if (nlh->nlmsg_flags & NLM_F_MULTI)
				f->r.parts++;
			else
				f->r.replies++;
			check_record(f, nlh);
		} else {
			fz_fail(f, true, "reply of type %u", nlh->nlmsg_type);
		}
	}
	return f->r.final;
}

/*
 * Send the request and read every reply. genetlink runs a request inside
 * sendmsg() and has queued its replies when that returns, and each
 * recvmsg() fills the next part of a dump: once the socket reads empty,
 * nothing more comes. An unfinished dump still gets a few seconds.
 */
static void exchange(struct fz *f)
{
	bool waited = false;
	ssize_t n;

	memset(&f->r, 0, sizeof(f->r));
	f->seq = f->seq + 1 ?: 1;
	hdr(&f->g)->nlmsg_seq = f->seq;
	if (send(f->fd, f->g.b, f->g.len, 0) < 0) {
		fz_fail(f, true, "send: %s", strerror(errno));
		return;
	}
	for (;;) {
		n = recv(f->fd, f->rx, FZ_RX, MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN && f->r.parts && !waited) {
			struct pollfd p = { .fd = f->fd, .events = POLLIN };

			poll(&p, 1, 5000);
			waited = true;
			continue;
		}
		if (n < 0) {
			if (errno != EAGAIN || f->r.parts)
				fz_fail(f, true, "recv: %s", f->r.parts ?
					"a dump never ended" : strerror(errno));
			return;
		}
		if (n > FZ_RX)
			fz_fail(f, true, "reply of %zd bytes truncated", n);
		waited = false;
		if (on_replies(f, n > FZ_RX ? FZ_RX : n))
			return;
	}
}

#endif /* NL_FUZZ_RX_H */
