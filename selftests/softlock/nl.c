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
 * The family's messages (parsing, the one-call wrappers) are in nl_cmd.c.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "nl.h"
#include "nl_priv.h"

/*
 * Dump skbs are at most 32 KiB; twice that leaves room for a large
 * multicast or an ack that echoes a request.
 */
#define SL_NL_RBUF	(64 * 1024)
/* Events parked during an exchange; beyond this they are dropped. */
#define SL_NL_MAX_QUEUED	65536

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
