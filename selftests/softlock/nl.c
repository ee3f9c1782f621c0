// SPDX-License-Identifier: GPL-2.0
/*
 * nl.c - a tiny libmnl wrapper for the softlock generic netlink family.
 *
 * Every request asks for an ack, so each exchange ends with exactly one
 * NLMSG_ERROR (or NLMSG_DONE for a dump) carrying our sequence number; the
 * socket is always drained up to that point, even when the caller's
 * callback stops early, so the next request never reads stale replies.
 * Events (sequence 0) that arrive in the middle of an exchange on a socket
 * that joined the group are queued for sl_nl_next_event() instead of lost.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "nl.h"

/*
 * Dump skbs are at most 32 KiB; twice that leaves room for a large
 * multicast or an ack that echoes a request.
 */
#define SL_NL_RBUF	(64 * 1024)
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
/* Events parked during an exchange; beyond this they are dropped. */
#define SL_NL_MAX_QUEUED	65536

struct sl_event {
	struct sl_event *next;
	struct nlmsghdr nlh[];
};

struct sl_nl {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;
	uint16_t family;
	uint32_t events_grp;		/* 0: the family has no such group */
	char *rbuf;			/* SL_NL_RBUF bytes */
	char *req;			/* SL_NL_BUF bytes, for the helpers */
	struct sl_event *q_head, *q_tail;
	unsigned int q_len;
	char extack[512];
};

static uint32_t sl_nl_next_seq(struct sl_nl *nl)
{
	/* 0 marks events: never use it for a request. */
	if (++nl->seq == 0)
		nl->seq = 1;
	return nl->seq;
}

static bool sl_nl_is_event(const struct sl_nl *nl, const struct nlmsghdr *nlh)
{
	return nlh->nlmsg_seq == 0 && nlh->nlmsg_pid == 0 &&
	       nlh->nlmsg_type == nl->family;
}

static void sl_nl_queue(struct sl_nl *nl, const struct nlmsghdr *nlh)
{
	struct sl_event *ev;

	if (nl->q_len >= SL_NL_MAX_QUEUED)
		return;
	ev = malloc(sizeof(*ev) + nlh->nlmsg_len);
	if (!ev)
		return;
	ev->next = NULL;
	memcpy(ev->nlh, nlh, nlh->nlmsg_len);
	if (nl->q_tail)
		nl->q_tail->next = ev;
	else
		nl->q_head = ev;
	nl->q_tail = ev;
	nl->q_len++;
}

/*
 * Keep the extack of an NLMSG_ERROR or NLMSG_DONE. A missing attribute
 * comes back as NLMSGERR_ATTR_MISS_TYPE with no text; spell it out so a
 * caller printing the extack says what was wrong.
 */
static void sl_nl_keep_extack(struct sl_nl *nl, const struct nlmsghdr *nlh,
			      unsigned int offset)
{
	const char *msg = NULL;
	bool miss = false, nest = false, offs = false;
	uint32_t miss_type = 0, miss_nest = 0, bad_offs = 0;
	const struct nlattr *a;

	nl->extack[0] = '\0';
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) ||
	    nlh->nlmsg_len < NLMSG_HDRLEN + offset)
		return;
	mnl_attr_for_each(a, nlh, offset) {
		switch (mnl_attr_get_type(a)) {
		case NLMSGERR_ATTR_MSG:
			if (!mnl_attr_validate(a, MNL_TYPE_NUL_STRING))
				msg = mnl_attr_get_str(a);
			break;
		case NLMSGERR_ATTR_MISS_TYPE:
			if (!mnl_attr_validate(a, MNL_TYPE_U32)) {
				miss = true;
				miss_type = mnl_attr_get_u32(a);
			}
			break;
		case NLMSGERR_ATTR_MISS_NEST:
			if (!mnl_attr_validate(a, MNL_TYPE_U32)) {
				nest = true;
				miss_nest = mnl_attr_get_u32(a);
			}
			break;
		case NLMSGERR_ATTR_OFFS:
			if (!mnl_attr_validate(a, MNL_TYPE_U32)) {
				offs = true;
				bad_offs = mnl_attr_get_u32(a);
			}
			break;
		}
	}
	if (msg)
		snprintf(nl->extack, sizeof(nl->extack), "%s", msg);
	else if (miss && nest)
		snprintf(nl->extack, sizeof(nl->extack),
			 "missing attribute %u in nest at offset %u",
			 miss_type, miss_nest);
	else if (miss)
		snprintf(nl->extack, sizeof(nl->extack),
			 "missing attribute %u", miss_type);
	else if (offs)
		snprintf(nl->extack, sizeof(nl->extack),
			 "bad attribute at offset %u", bad_offs);
}

/* The errno of an NLMSG_ERROR (0 for an ack); its extack is kept. */
static int sl_nl_error(struct sl_nl *nl, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	unsigned int offset = sizeof(*e);

	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*e))
		return -EPROTO;
	/* Without NETLINK_CAP_ACK the request is echoed before the TLVs. */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		offset += e->msg.nlmsg_len - sizeof(e->msg);
	sl_nl_keep_extack(nl, nlh, MNL_ALIGN(offset));
	return e->error;
}

/* NLMSG_DONE carries the dump's final status and, on error, an extack. */
static int sl_nl_done(struct sl_nl *nl, const struct nlmsghdr *nlh)
{
	int err;

	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(int))
		return 0;
	memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
	sl_nl_keep_extack(nl, nlh, sizeof(int));
	return err;
}

static int sl_nl_exchange(struct sl_nl *nl, struct nlmsghdr *req,
			  int (*cb)(const struct nlmsghdr *nlh, void *data),
			  void *data)
{
	uint32_t seq = sl_nl_next_seq(nl);
	int cb_ret = MNL_CB_OK, cb_errno = 0, err = 0;
	bool done = false;

	nl->extack[0] = '\0';
	req->nlmsg_seq = seq;
	req->nlmsg_pid = 0;
	if (mnl_socket_sendto(nl->sock, req, req->nlmsg_len) < 0)
		return -errno;

	while (!done) {
		const struct nlmsghdr *nlh;
		ssize_t len;
		int left;

		len = mnl_socket_recvfrom(nl->sock, nl->rbuf, SL_NL_RBUF);
		if (len < 0) {
			if (errno == EINTR)
				continue;
			/*
			 * ENOBUFS: the socket overran, most likely with
			 * events; our reply may be lost too, so give up.
			 */
			return -errno;
		}
		left = len;
		for (nlh = (const struct nlmsghdr *)nl->rbuf;
		     mnl_nlmsg_ok(nlh, left);
		     nlh = mnl_nlmsg_next(nlh, &left)) {
			if (nlh->nlmsg_seq != seq) {
				/* An event, or a reply to an older request. */
				if (sl_nl_is_event(nl, nlh))
					sl_nl_queue(nl, nlh);
				continue;
			}
			if (nlh->nlmsg_pid && nlh->nlmsg_pid != nl->portid)
				continue;
			switch (nlh->nlmsg_type) {
			case NLMSG_NOOP:
				continue;
			case NLMSG_ERROR:
				err = sl_nl_error(nl, nlh);
				/* A dump ends with DONE; an error ends it too. */
				if (err || !(req->nlmsg_flags & NLM_F_DUMP))
					done = true;
				continue;
			case NLMSG_DONE:
				err = sl_nl_done(nl, nlh);
				done = true;
				continue;
			case NLMSG_OVERRUN:
				err = -ENOBUFS;
				continue;
			}
			if (nlh->nlmsg_type != nl->family) {
				err = -EPROTO;
				continue;
			}
			/* After STOP or ERROR keep reading, but stay quiet. */
			if (!cb || cb_ret != MNL_CB_OK)
				continue;
			errno = 0;
			cb_ret = cb(nlh, data);
			if (cb_ret == MNL_CB_ERROR)
				cb_errno = errno ? errno : EPROTO;
		}
	}
	if (err)
		return err;
	return cb_ret == MNL_CB_ERROR ? -cb_errno : 0;
}

int sl_nl_talk(struct sl_nl *nl, struct nlmsghdr *req,
	       int (*cb)(const struct nlmsghdr *nlh, void *data), void *data)
{
	return sl_nl_exchange(nl, req, cb, data);
}

const char *sl_nl_extack(const struct sl_nl *nl)
{
	return nl->extack;
}

static struct nlmsghdr *sl_nl_put_hdr(void *buf, uint16_t type, uint8_t cmd,
				      uint8_t version, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags | NLM_F_REQUEST | NLM_F_ACK;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = version;
	return nlh;
}

struct nlmsghdr *sl_nl_req(struct sl_nl *nl, void *buf, uint8_t cmd,
			   uint16_t flags)
{
	return sl_nl_put_hdr(buf, nl->family, cmd, SOFTLOCK_FAMILY_VERSION,
			     flags);
}

static int sl_nl_grp_cb(const struct nlattr *grp, struct sl_nl *nl)
{
	const struct nlattr *a;
	const char *name = NULL;
	uint32_t id = 0;

	mnl_attr_for_each_nested(a, grp) {
		if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_NAME &&
		    !mnl_attr_validate(a, MNL_TYPE_NUL_STRING))
			name = mnl_attr_get_str(a);
		else if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_ID &&
			 !mnl_attr_validate(a, MNL_TYPE_U32))
			id = mnl_attr_get_u32(a);
	}
	if (name && !strcmp(name, SOFTLOCK_MCGRP_EVENTS))
		nl->events_grp = id;
	return MNL_CB_OK;
}

static int sl_nl_family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct sl_nl *nl = data;
	const struct nlattr *a, *grp;

	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		switch (mnl_attr_get_type(a)) {
		case CTRL_ATTR_FAMILY_ID:
			if (mnl_attr_validate(a, MNL_TYPE_U16))
				return MNL_CB_ERROR;
			nl->family = mnl_attr_get_u16(a);
			break;
		case CTRL_ATTR_MCAST_GROUPS:
			mnl_attr_for_each_nested(grp, a)
				sl_nl_grp_cb(grp, nl);
			break;
		}
	}
	return MNL_CB_OK;
}

/* Ask the generic netlink controller for the family id and event group. */
static int sl_nl_resolve(struct sl_nl *nl)
{
	struct nlmsghdr *nlh;
	int err;

	nl->family = GENL_ID_CTRL;
	nlh = sl_nl_put_hdr(nl->req, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, 0);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, SOFTLOCK_FAMILY_NAME);
	err = sl_nl_exchange(nl, nlh, sl_nl_family_cb, nl);
	if (err)
		return err;
	return nl->family == GENL_ID_CTRL ? -ENOENT : 0;
}

/* Bigger buffers than the defaults: 256 KiB requests, long event bursts. */
static void sl_nl_bufsizes(struct sl_nl *nl)
{
	int fd = mnl_socket_get_fd(nl->sock);
	int snd = SL_NL_BUF * 2, rcv = 8 << 20;

	/* The FORCE variants pass rmem_max/wmem_max but need CAP_NET_ADMIN. */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &snd, sizeof(snd)))
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &snd, sizeof(snd));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
}

struct sl_nl *sl_nl_open(void)
{
	struct sl_nl *nl = calloc(1, sizeof(*nl));
	int one = 1, err;

	if (!nl)
		return NULL;
	err = -ENOMEM;
	nl->rbuf = malloc(SL_NL_RBUF);
	nl->req = malloc(SL_NL_BUF);
	if (!nl->rbuf || !nl->req)
		goto fail;
	nl->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!nl->sock)
		goto fail_errno;
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0)
		goto fail_errno;
	nl->portid = mnl_socket_get_portid(nl->sock);
	/* Extack texts are the point of most negative tests: insist on them. */
	if (mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one,
				  sizeof(one)) < 0 ||
	    mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one,
				  sizeof(one)) < 0)
		goto fail_errno;
	sl_nl_bufsizes(nl);
	nl->seq = (uint32_t)time(NULL);
	err = sl_nl_resolve(nl);
	if (err)
		goto fail;
	return nl;

fail_errno:
	err = -errno;
fail:
	sl_nl_close(nl);
	errno = -err;
	return NULL;
}

void sl_nl_close(struct sl_nl *nl)
{
	struct sl_event *ev;

	if (!nl)
		return;
	while ((ev = nl->q_head)) {
		nl->q_head = ev->next;
		free(ev);
	}
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl->rbuf);
	free(nl->req);
	free(nl);
}

/* Reject attributes whose payload does not fit their type. */
static int sl_nl_attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(a);
	enum mnl_attr_data_type dt;

	if (mnl_attr_type_valid(a, SOFTLOCK_A_MAX) < 0)
		return MNL_CB_OK;	/* newer kernel: ignore */
	switch (type) {
	case SOFTLOCK_A_POOL:
	case SOFTLOCK_A_TEXT:
	case SOFTLOCK_A_DATASET:
	case SOFTLOCK_A_ORIGIN:
		dt = MNL_TYPE_NUL_STRING;
		break;
	case SOFTLOCK_A_CREATED:
	case SOFTLOCK_A_EXPIRES:
	case SOFTLOCK_A_GENERATION:
		dt = MNL_TYPE_U64;
		break;
	case SOFTLOCK_A_PINNED:
		dt = MNL_TYPE_FLAG;
		break;
	case SOFTLOCK_A_SEALED:
		dt = MNL_TYPE_U8;
		break;
	case SOFTLOCK_A_ENTRY:
		dt = MNL_TYPE_NESTED;
		break;
	case SOFTLOCK_A_PAD:
		return MNL_CB_OK;
	default:
		dt = MNL_TYPE_U32;
		break;
	}
	if (mnl_attr_validate(a, dt) < 0)
		return MNL_CB_ERROR;
	tb[type] = a;
	return MNL_CB_OK;
}

int sl_nl_parse(const struct nlmsghdr *nlh, const struct nlattr **tb)
{
	memset(tb, 0, (SOFTLOCK_A_MAX + 1) * sizeof(*tb));
	if (nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN)
		return -EINVAL;
	if (mnl_attr_parse(nlh, GENL_HDRLEN, sl_nl_attr_cb, tb) != MNL_CB_OK)
		return -EINVAL;
	return 0;
}

int sl_nl_join_events(struct sl_nl *nl)
{
	int grp = nl->events_grp;

	if (!grp)
		return -ENOENT;
	if (mnl_socket_setsockopt(nl->sock, NETLINK_ADD_MEMBERSHIP, &grp,
				  sizeof(grp)) < 0)
		return -errno;
	return 0;
}

static long sl_nl_ms_left(const struct timespec *deadline)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (deadline->tv_sec - now.tv_sec) * 1000 +
	       (deadline->tv_nsec - now.tv_nsec) / 1000000;
}

int sl_nl_next_event(struct sl_nl *nl, int timeout_ms,
		     int (*cb)(const struct nlmsghdr *nlh, void *data),
		     void *data)
{
	struct pollfd pfd = { .fd = mnl_socket_get_fd(nl->sock),
			      .events = POLLIN };
	struct timespec deadline;
	struct sl_event *ev;
	int ret;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += timeout_ms / 1000;
	deadline.tv_nsec += (timeout_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	for (;;) {
		const struct nlmsghdr *nlh;
		ssize_t len;
		long left;
		int rest;

		/* One datagram may hold several events: serve the queue. */
		ev = nl->q_head;
		if (ev) {
			nl->q_head = ev->next;
			if (!nl->q_head)
				nl->q_tail = NULL;
			nl->q_len--;
			ret = cb ? cb(ev->nlh, data) : MNL_CB_OK;
			free(ev);
			return ret == MNL_CB_ERROR ? -EPROTO : 0;
		}
		left = sl_nl_ms_left(&deadline);
		if (left < 0)
			left = 0;
		ret = poll(&pfd, 1, left);
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret < 0)
			return -errno;
		if (!ret)
			return -ETIMEDOUT;
		len = mnl_socket_recvfrom(nl->sock, nl->rbuf, SL_NL_RBUF);
		if (len < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		rest = len;
		for (nlh = (const struct nlmsghdr *)nl->rbuf;
		     mnl_nlmsg_ok(nlh, rest); nlh = mnl_nlmsg_next(nlh, &rest))
			if (sl_nl_is_event(nl, nlh))
				sl_nl_queue(nl, nlh);
	}
}

int sl_nl_add(struct sl_nl *nl, const char *pool, uint32_t pcpi,
	      uint32_t type, const char *text, const char *origin)
{
	struct nlmsghdr *nlh = sl_nl_req(nl, nl->req, SOFTLOCK_CMD_LOCK_ADD, 0);

	mnl_attr_put_strz(nlh, SOFTLOCK_A_POOL, pool);
	mnl_attr_put_u32(nlh, SOFTLOCK_A_PCPI, pcpi);
	mnl_attr_put_u32(nlh, SOFTLOCK_A_TYPE, type);
	mnl_attr_put_strz(nlh, SOFTLOCK_A_TEXT, text);
	if (origin)
		mnl_attr_put_strz(nlh, SOFTLOCK_A_ORIGIN, origin);
	return sl_nl_talk(nl, nlh, NULL, NULL);
}

/* Pick one u32 attribute out of a reply. */
struct sl_u32_want {
	int type;
	uint32_t *val;
	bool seen;
};

static int sl_nl_u32s_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[SOFTLOCK_A_MAX + 1];
	struct sl_u32_want *w;

	if (sl_nl_parse(nlh, tb))
		return MNL_CB_ERROR;
	for (w = data; w->type; w++) {
		if (!tb[w->type])
			continue;
		w->seen = true;
		if (w->val)
			*w->val = mnl_attr_get_u32(tb[w->type]);
	}
	return MNL_CB_OK;
}

int sl_nl_del(struct sl_nl *nl, const char *pool, uint32_t pcpi,
	      uint32_t *count)
{
	struct nlmsghdr *nlh = sl_nl_req(nl, nl->req, SOFTLOCK_CMD_LOCK_DEL, 0);
	struct sl_u32_want want[] = {
		{ .type = SOFTLOCK_A_COUNT, .val = count }, { .type = 0 },
	};
	int err;

	mnl_attr_put_strz(nlh, SOFTLOCK_A_POOL, pool);
	mnl_attr_put_u32(nlh, SOFTLOCK_A_PCPI, pcpi);
	err = sl_nl_talk(nl, nlh, sl_nl_u32s_cb, want);
	if (!err && !want[0].seen)
		err = -EPROTO;
	return err;
}

int sl_nl_check(struct sl_nl *nl, const char *pool, uint32_t pcpi,
		uint32_t *reason, uint32_t *count)
{
	struct nlmsghdr *nlh = sl_nl_req(nl, nl->req, SOFTLOCK_CMD_CHECK, 0);
	struct sl_u32_want want[] = {
		{ .type = SOFTLOCK_A_REASON, .val = reason },
		{ .type = SOFTLOCK_A_COUNT, .val = count },
		{ .type = 0 },
	};
	int err;

	mnl_attr_put_strz(nlh, SOFTLOCK_A_POOL, pool);
	mnl_attr_put_u32(nlh, SOFTLOCK_A_PCPI, pcpi);
	err = sl_nl_talk(nl, nlh, sl_nl_u32s_cb, want);
	if (!err && (!want[0].seen || !want[1].seen))
		err = -EPROTO;
	return err;
}

int sl_nl_simple(struct sl_nl *nl, uint8_t cmd)
{
	return sl_nl_talk(nl, sl_nl_req(nl, nl->req, cmd, 0), NULL, NULL);
}

static const char *const sl_type_names[] = {
	[SOFTLOCK_LOCK_TYPE_OWNER] = "owner",
	[SOFTLOCK_LOCK_TYPE_DEST_PATH] = "dest-path",
	[SOFTLOCK_LOCK_TYPE_QTREE] = "qtree",
	[SOFTLOCK_LOCK_TYPE_APP] = "app",
};

const char *sl_nl_type_name(uint32_t t)
{
	if (t < ARRAY_SIZE(sl_type_names) && sl_type_names[t])
		return sl_type_names[t];
	return "?";
}

int sl_nl_type_parse(const char *s)
{
	unsigned int t;
	char *end;

	for (t = SOFTLOCK_LOCK_TYPE_OWNER; t <= SOFTLOCK_LOCK_TYPE_APP; t++)
		if (!strcasecmp(s, sl_type_names[t]))
			return t;
	errno = 0;
	t = strtoul(s, &end, 10);
	if (errno || end == s || *end || t < SOFTLOCK_LOCK_TYPE_OWNER ||
	    t > SOFTLOCK_LOCK_TYPE_APP)
		return -1;
	return t;
}
