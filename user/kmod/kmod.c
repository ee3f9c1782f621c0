// SPDX-License-Identifier: GPL-2.0
/*
 * Client of softlock.ko's generic netlink family over libnl-genl-3.
 *
 * libnl 3.7 has no extended-ack API, so the socket options are set on its
 * fd and the error callback reads the kernel's message out of the
 * NLMSG_ERROR TLVs itself.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/genetlink.h>
#include <linux/softlock.h>
#include <netlink/netlink.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>

#include "../lib/testhook.h"
#include "kmod.h"
#include "kmod_int.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

bool sl_kmod_sysfs(const char *name, char *buf, size_t size)
{
	char path[256];
	FILE *f;
	bool ok;

	snprintf(path, sizeof(path), "/sys/module/softlock/%s", name);
	f = fopen(path, "re");
	ok = f && fgets(buf, size, f);
	if (f)
		fclose(f);
	if (ok)
		buf[strcspn(buf, "\n")] = '\0';
	return ok;
}

/* Requests with many entries are split in messages of this size. */
#define SL_MSG_SIZE (64 * 1024)

/* State of one request: set by the callbacks, read by sl_talk(). */
struct sl_req {
	struct sl_kmod *k;
	int (*reply)(struct nlattr **tb, void *arg);
	void *arg;
	int err;
	int stop;		/* the reply callback asked to stop */
	int done;
};

static const char *const sl_type_names[] = {
	[SOFTLOCK_LOCK_TYPE_OWNER] = "owner",
	[SOFTLOCK_LOCK_TYPE_DEST_PATH] = "dest-path",
	[SOFTLOCK_LOCK_TYPE_QTREE] = "qtree",
	[SOFTLOCK_LOCK_TYPE_APP] = "app",
};

const char *sl_type_name(uint32_t type)
{
	if (type >= SOFTLOCK_LOCK_TYPE_OWNER && type <= SOFTLOCK_LOCK_TYPE_APP)
		return sl_type_names[type];
	return "?";
}

uint32_t sl_type_parse(const char *s)
{
	uint32_t t;

	for (t = SOFTLOCK_LOCK_TYPE_OWNER; t <= SOFTLOCK_LOCK_TYPE_APP; t++)
		if (!strcmp(s, sl_type_names[t]))
			return t;
	return 0;
}

const char *sl_kmod_error(const struct sl_kmod *k)
{
	return k->error;
}

/* Keep the kernel's extack message, found after the echoed request. */
static int sl_err_cb(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct sl_req *r = arg;
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	size_t off = sizeof(*e);
	struct nlattr *a;
	int rem;

	(void)who;
	r->err = e->error;
	r->done = 1;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NL_STOP;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += NLMSG_ALIGN(e->msg.nlmsg_len) - sizeof(e->msg);
	if (off >= nlh->nlmsg_len - NLMSG_HDRLEN)
		return NL_STOP;
	a = (struct nlattr *)((char *)e + off);
	rem = nlh->nlmsg_len - NLMSG_HDRLEN - off;
	for (; nla_ok(a, rem); a = nla_next(a, &rem)) {
		if (nla_type(a) == NLMSGERR_ATTR_MSG)
			snprintf(r->k->error, sizeof(r->k->error), "%.*s",
				 nla_len(a), (char *)nla_data(a));
		if (nla_type(a) == NLMSGERR_ATTR_MISS_TYPE &&
		    !r->k->error[0])
			snprintf(r->k->error, sizeof(r->k->error),
				 "missing attribute %u", nla_get_u32(a));
	}
	return NL_STOP;
}

static int sl_ack_cb(struct nl_msg *msg, void *arg)
{
	struct sl_req *r = arg;

	(void)msg;
	r->done = 1;
	return NL_STOP;
}

static int sl_valid_cb(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[SOFTLOCK_A_MAX + 1];
	struct sl_req *r = arg;

	if (!r->reply || r->stop)
		return NL_OK;
	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, SOFTLOCK_A_MAX, NULL))
		return NL_OK;
	if (r->reply(tb, r->arg))
		r->stop = 1;
	return NL_OK;
}

int sl_talk(struct sl_kmod *k, struct nl_msg *msg,
		   int (*reply)(struct nlattr **tb, void *arg), void *arg)
{
	struct sl_req r = { .k = k, .reply = reply, .arg = arg };
	struct nl_cb *cb;
	int ret;

	k->error[0] = '\0';
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nl_cb_err(cb, NL_CB_CUSTOM, sl_err_cb, &r);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, sl_ack_cb, &r);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, sl_ack_cb, &r);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, sl_valid_cb, &r);
	ret = nl_send_auto(k->sk, msg);
	nlmsg_free(msg);
	while (ret >= 0 && !r.done)
		ret = nl_recvmsgs(k->sk, cb);
	nl_cb_put(cb);
	if (r.done)
		return r.err;
	snprintf(k->error, sizeof(k->error), "netlink: %s", nl_geterror(ret));
	return -EIO;
}

struct nl_msg *sl_msg(struct sl_kmod *k, uint8_t cmd, int flags,
		      size_t size)
{
	struct nl_msg *msg = size ? nlmsg_alloc_size(size) : nlmsg_alloc();

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, k->family, 0,
			 flags | NLM_F_ACK, cmd, SOFTLOCK_FAMILY_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

int sl_find_group(struct sl_kmod *k)
{
	k->events_grp = genl_ctrl_resolve_grp(k->sk, SOFTLOCK_FAMILY_NAME,
					      SOFTLOCK_MCGRP_EVENTS);
	return k->events_grp < 0 ? -ENOENT : 0;
}

int sl_kmod_open(struct sl_kmod **kp)
{
	struct sl_kmod *k = calloc(1, sizeof(*k));
	int one = 1, fd;

	*kp = NULL;
	if (!k)
		return -ENOMEM;
	k->sk = nl_socket_alloc();
	if (!k->sk || genl_connect(k->sk)) {
		sl_kmod_close(k);
		return -EIO;
	}
	k->family = genl_ctrl_resolve(k->sk, SOFTLOCK_FAMILY_NAME);
	if (k->family < 0) {
		sl_kmod_close(k);
		return -ENOENT;
	}
	fd = nl_socket_get_fd(k->sk);
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	nl_socket_set_buffer_size(k->sk, 1 << 20, 1 << 20);
	nl_socket_set_msg_buf_size(k->sk, 64 * 1024);
	*kp = k;
	return 0;
}

void sl_kmod_close(struct sl_kmod *k)
{
	if (!k)
		return;
	if (k->sk)
		nl_socket_free(k->sk);
	free(k);
}

#define SL_PUT(expr) do { if ((expr) < 0) goto nomem; } while (0)

static int sl_put_spec(struct nl_msg *msg, const struct sl_kspec *s, bool nest)
{
	int a_type = nest ? SOFTLOCK_A_ENTRY_TYPE : SOFTLOCK_A_TYPE;
	int a_pcpi = nest ? SOFTLOCK_A_ENTRY_PCPI : SOFTLOCK_A_PCPI;
	int a_text = nest ? SOFTLOCK_A_ENTRY_TEXT : SOFTLOCK_A_TEXT;
	int a_ds = nest ? SOFTLOCK_A_ENTRY_DATASET : SOFTLOCK_A_DATASET;
	int a_exp = nest ? SOFTLOCK_A_ENTRY_EXPIRES : SOFTLOCK_A_EXPIRES;
	int a_pin = nest ? SOFTLOCK_A_ENTRY_PIN_DEV : SOFTLOCK_A_PIN_DEV;
	int a_uuid = nest ? SOFTLOCK_A_ENTRY_PIN_UUID : SOFTLOCK_A_PIN_UUID;
	/* The kernel's new_encode_dev(). */
	uint32_t pin = (s->pin_minor & 0xff) | (s->pin_major << 8) |
		       ((s->pin_minor & ~0xffu) << 12);

	SL_PUT(nla_put_u32(msg, a_type, s->type));
	SL_PUT(nla_put_u32(msg, a_pcpi, s->pcpi));
	SL_PUT(nla_put_string(msg, a_text, s->text));
	if (s->dataset && s->dataset[0])
		SL_PUT(nla_put_string(msg, a_ds, s->dataset));
	if (s->expires)
		SL_PUT(nla_put_u64(msg, a_exp, s->expires));
	/* The kernel pins only the device that has this uuid. */
	if (s->pin_major || s->pin_minor) {
		SL_PUT(nla_put_u32(msg, a_pin, pin));
		SL_PUT(nla_put_string(msg, a_uuid, s->pin_uuid ? s->pin_uuid : ""));
	}
	return 0;
nomem:
	return -EMSGSIZE;
}

int sl_put_names(struct nl_msg *msg, const char *pool,
			const char *origin)
{
	SL_PUT(nla_put_string(msg, SOFTLOCK_A_POOL, pool));
	if (origin)
		SL_PUT(nla_put_string(msg, SOFTLOCK_A_ORIGIN, origin));
	return 0;
nomem:
	return -EMSGSIZE;
}

int sl_kmod_add(struct sl_kmod *k, const char *pool, const char *origin,
		const struct sl_kspec *spec)
{
	struct nl_msg *msg = sl_msg(k, SOFTLOCK_CMD_LOCK_ADD, 0, 0);

	if (!msg)
		return -ENOMEM;
	if (sl_put_names(msg, pool, origin) || sl_put_spec(msg, spec, false)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return sl_talk(k, msg, NULL, NULL);
}

static int sl_get_count(struct nlattr **tb, void *arg)
{
	if (tb[SOFTLOCK_A_COUNT])
		*(uint32_t *)arg = nla_get_u32(tb[SOFTLOCK_A_COUNT]);
	return 0;
}

int sl_kmod_del(struct sl_kmod *k, const char *pool, uint32_t pcpi,
		uint32_t type, const char *text, const char *origin,
		uint32_t *removed)
{
	struct nl_msg *msg = sl_msg(k, SOFTLOCK_CMD_LOCK_DEL, 0, 0);
	uint32_t count = 0;
	int err;

	if (!msg)
		return -ENOMEM;
	if (sl_put_names(msg, pool, origin) ||
	    nla_put_u32(msg, SOFTLOCK_A_PCPI, pcpi) ||
	    (type && nla_put_u32(msg, SOFTLOCK_A_TYPE, type)) ||
	    (text && nla_put_string(msg, SOFTLOCK_A_TEXT, text))) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	err = sl_talk(k, msg, sl_get_count, &count);
	if (removed)
		*removed = err ? 0 : count;
	return err;
}

static int sl_replace_cmd(struct sl_kmod *k, uint8_t cmd, const char *pool,
			  const char *origin, uint64_t gen)
{
	struct nl_msg *msg = sl_msg(k, cmd, 0, 0);

	if (!msg)
		return -ENOMEM;
	if (sl_put_names(msg, pool, origin) ||
	    nla_put_u64(msg, SOFTLOCK_A_GENERATION, gen)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return sl_talk(k, msg, NULL, NULL);
}

/* Stage specs from *i on, as many as fit in one message. */
static int sl_replace_batch(struct sl_kmod *k, const char *pool,
			    const char *origin, uint64_t gen,
			    const struct sl_kspec *specs, size_t n, size_t *i)
{
	struct nl_msg *msg = sl_msg(k, SOFTLOCK_CMD_REPLACE_ADD, 0, SL_MSG_SIZE);
	size_t first = *i;
	struct nlattr *nest;

	if (!msg)
		return -ENOMEM;
	if (sl_put_names(msg, pool, origin) ||
	    nla_put_u64(msg, SOFTLOCK_A_GENERATION, gen)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	for (; *i < n; (*i)++) {
		nest = nla_nest_start(msg, SOFTLOCK_A_ENTRY);
		if (!nest || sl_put_spec(msg, &specs[*i], true)) {
			if (nest)
				nla_nest_cancel(msg, nest);
			break;
		}
		nla_nest_end(msg, nest);
	}
	if (*i == first) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return sl_talk(k, msg, NULL, NULL);
}

int sl_kmod_replace(struct sl_kmod *k, const char *pool, const char *origin,
		    uint64_t generation, const struct sl_kspec *specs,
		    size_t n)
{
	char why[sizeof(k->error)];
	size_t i = 0;
	int err;

	err = sl_replace_cmd(k, SOFTLOCK_CMD_REPLACE_BEGIN, pool, origin,
			     generation);
	while (!err && i < n)
		err = sl_replace_batch(k, pool, origin, generation, specs, n, &i);
	if (!err) {
		sl_test_poweroff("replace");
		sl_test_point("kmod-staged");
	}
	if (!err)
		err = sl_replace_cmd(k, SOFTLOCK_CMD_REPLACE_COMMIT, pool,
				     origin, generation);
	if (err && err != -ESTALE) {
		/* Drop what was staged; report the first failure's reason. */
		memcpy(why, k->error, sizeof(why));
		sl_replace_cmd(k, SOFTLOCK_CMD_REPLACE_ABORT, pool, origin,
			       generation);
		memcpy(k->error, why, sizeof(why));
	}
	return err;
}

int sl_kmod_seal(struct sl_kmod *k, bool seal)
{
	struct nl_msg *msg = sl_msg(k, seal ? SOFTLOCK_CMD_SEAL :
				       SOFTLOCK_CMD_UNSEAL, 0, 0);

	return msg ? sl_talk(k, msg, NULL, NULL) : -ENOMEM;
}
