// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "softlock" (Documentation/netlink/specs/
 * softlock.yaml): CAP_SYS_ADMIN for every operation, an extack message on
 * every rejection, and events on the "events" group. The per-operation
 * policies and the op table are generated from the spec (netlink_gen.c):
 * the core has checked each attribute's type, length and range, and that
 * the op takes it, before a handler here runs.
 */
#include <linux/types.h>
#include <linux/kdev_t.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/capability.h>
#include <linux/nls.h>
#include <linux/timekeeping.h>
#include <net/genetlink.h>

#include "softlock.h"
#include "netlink.h"

/*
 * CAP_SYS_ADMIN in the initial user namespace, not the op flag
 * GENL_ADMIN_PERM: that one is CAP_NET_ADMIN. Checked once per request,
 * by sl_nl_pre_doit() or a dump's start.
 */
int sl_admin(struct sk_buff *skb, struct netlink_ext_ack *extack)
{
	if (netlink_capable(skb, CAP_SYS_ADMIN))
		return 0;
	NL_SET_ERR_MSG_MOD(extack,
			   "CAP_SYS_ADMIN in the initial user namespace is required");
	return -EPERM;
}

/*
 * An operation whose request takes no attributes (pool-get, seal, unseal,
 * stats-get) has no policy in the generated table. 6.1 gives such an op
 * the core's reject-all policy, but 6.2+ ignores the attributes of a split
 * op without one: refuse them here, on both, in 6.1's words (type 1 is
 * rejected, any other is unknown), so each op accepts only its own.
 */
static const struct nla_policy sl_reject_all[] = {
	[1] = { .type = NLA_REJECT },
};

static int sl_no_attrs(const struct nlmsghdr *nlh,
		       struct netlink_ext_ack *extack)
{
	return __nla_validate(nlmsg_attrdata(nlh, GENL_HDRLEN),
			      nlmsg_attrlen(nlh, GENL_HDRLEN),
			      ARRAY_SIZE(sl_reject_all) - 1, sl_reject_all,
			      NL_VALIDATE_STRICT, extack);
}

/* Every do operation's pre_doit (the spec's "pre"). */
int sl_nl_pre_doit(const struct genl_split_ops *ops, struct sk_buff *skb,
		   struct genl_info *info)
{
	int err;

	if (!ops->policy) {
		err = sl_no_attrs(info->nlhdr, info->extack);
		if (err)
			return err;
	}
	return sl_admin(skb, info->extack);
}

/*
 * Copy a validated string attribute into @buf. Every string softlock keeps
 * is shown to people and printed as JSON, so it must be printable UTF-8:
 * well-formed (no stray, overlong, surrogate or out-of-range sequence, as
 * utf8_to_utf32() checks) and without control characters (C0, DEL, C1) or
 * embedded NULs. The helper applies the same rule before it sends.
 */
int sl_get_str(const struct nlattr *nla, char *buf, size_t size,
	       bool may_be_empty, struct netlink_ext_ack *extack)
{
	const char *data = nla_data(nla);
	int len = nla_len(nla);
	unicode_t u;
	int i, n;

	if (len && !data[len - 1])
		len--;
	if (!len && !may_be_empty) {
		NL_SET_ERR_MSG_ATTR(extack, nla, "must not be empty");
		return -EINVAL;
	}
	for (i = 0; i < len; i += n) {
		n = 1;
		u = (unsigned char)data[i];
		if (u >= 0x80) {
			n = utf8_to_utf32((const u8 *)data + i, len - i, &u);
			if (n < 0) {
				NL_SET_ERR_MSG_ATTR(extack, nla,
						    "must be valid UTF-8");
				return -EINVAL;
			}
		}
		if (u < 0x20 || (u >= 0x7f && u < 0xa0)) {
			NL_SET_ERR_MSG_ATTR(extack, nla,
					    "must be printable (no control bytes or NUL)");
			return -EINVAL;
		}
	}
	if (len >= size) {
		NL_SET_ERR_MSG_ATTR(extack, nla, "too long");
		return -ERANGE;
	}
	memcpy(buf, data, len);
	buf[len] = '\0';
	return 0;
}

int sl_get_expires(const struct nlattr *nla, time64_t *expires,
		   struct netlink_ext_ack *extack)
{
	*expires = nla ? nla_get_u64(nla) : 0;
	if (*expires && *expires <= ktime_get_real_seconds()) {
		NL_SET_ERR_MSG_ATTR(extack, nla, "expiry is in the past");
		return -EINVAL;
	}
	return 0;
}

/* A pin names its device by dev_t and by DM uuid (pin.c): both or none. */
int sl_get_pin(const struct nlattr *nla, const struct nlattr *uuid,
	       dev_t *dev, char *buf, struct netlink_ext_ack *extack)
{
	*dev = nla ? new_decode_dev(nla_get_u32(nla)) : 0;
	if (nla && !*dev) {
		NL_SET_ERR_MSG_ATTR(extack, nla, "device 0:0 cannot be pinned");
		return -EINVAL;
	}
	if (nla && !uuid) {
		NL_SET_ERR_MSG_ATTR(extack, nla,
				    "a pin needs the device's DM uuid (pin-uuid)");
		return -EINVAL;
	}
	if (uuid && !nla) {
		NL_SET_ERR_MSG_ATTR(extack, uuid, "pin-uuid without pin-dev");
		return -EINVAL;
	}
	buf[0] = '\0';
	return uuid ? sl_get_str(uuid, buf, SOFTLOCK_POOL_MAX + 1, false,
				 extack) : 0;
}

int sl_get_names(struct genl_info *info, struct sl_names *n, bool want_origin)
{
	struct netlink_ext_ack *extack = info->extack;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, SOFTLOCK_A_POOL))
		return -EINVAL;
	err = sl_get_str(info->attrs[SOFTLOCK_A_POOL], n->pool,
			 sizeof(n->pool), false, extack);
	if (err || !want_origin)
		return err;
	if (!info->attrs[SOFTLOCK_A_ORIGIN]) {
		strscpy(n->origin, SL_ORIGIN_LOCAL, sizeof(n->origin));
		return 0;
	}
	return sl_get_str(info->attrs[SOFTLOCK_A_ORIGIN], n->origin,
			  sizeof(n->origin), false, extack);
}

int sl_put_u64(struct sk_buff *skb, int type, u64 v)
{
	return nla_put_u64_64bit(skb, type, v, SOFTLOCK_A_PAD);
}

/* Send @cmd to the events group, filled by @fill, if anyone listens. */
void sl_notify(u8 cmd, int (*fill)(struct sk_buff *skb, const void *arg),
	       const void *arg)
{
	struct sk_buff *skb;
	void *hdr;

	if (!genl_has_listeners(&sl_family, &init_net, 0))
		return;
	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		return;
	hdr = genlmsg_put(skb, 0, 0, &sl_family, 0, cmd);
	if (!hdr || fill(skb, arg)) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_end(skb, hdr);
	genlmsg_multicast(&sl_family, skb, 0, 0, GFP_KERNEL);
}

static int sl_fill_lock(struct sk_buff *skb, const void *arg)
{
	const struct sl_lock_view *lv = arg;

	if (nla_put_string(skb, SOFTLOCK_A_POOL, lv->pool) ||
	    nla_put_u32(skb, SOFTLOCK_A_PCPI, lv->pcpi) ||
	    nla_put_u32(skb, SOFTLOCK_A_TYPE, lv->type) ||
	    nla_put_string(skb, SOFTLOCK_A_TEXT, lv->text) ||
	    (lv->dataset[0] &&
	     nla_put_string(skb, SOFTLOCK_A_DATASET, lv->dataset)) ||
	    nla_put_string(skb, SOFTLOCK_A_ORIGIN, lv->origin) ||
	    sl_put_u64(skb, SOFTLOCK_A_CREATED, lv->created) ||
	    sl_put_u64(skb, SOFTLOCK_A_EXPIRES, lv->expires) ||
	    (lv->pinned && nla_put_flag(skb, SOFTLOCK_A_PINNED)) ||
	    sl_put_u64(skb, SOFTLOCK_A_GENERATION, lv->generation))
		return -EMSGSIZE;
	return 0;
}

int softlock_nl_lock_add_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct netlink_ext_ack *extack = info->extack;
	char text[SOFTLOCK_TEXT_MAX + 1], dataset[SOFTLOCK_TEXT_MAX + 1];
	char uuid[SOFTLOCK_POOL_MAX + 1];
	struct sl_lock_spec spec = {
		.text = text, .dataset = dataset, .pin_uuid = uuid,
	};
	struct sl_lock_view lv;
	struct sl_names n;
	int err;

	err = sl_get_names(info, &n, true);
	if (err)
		return err;
	if (GENL_REQ_ATTR_CHECK(info, SOFTLOCK_A_PCPI) ||
	    GENL_REQ_ATTR_CHECK(info, SOFTLOCK_A_TYPE) ||
	    GENL_REQ_ATTR_CHECK(info, SOFTLOCK_A_TEXT))
		return -EINVAL;
	dataset[0] = '\0';
	spec.pcpi = nla_get_u32(info->attrs[SOFTLOCK_A_PCPI]);
	spec.type = nla_get_u32(info->attrs[SOFTLOCK_A_TYPE]);
	err = sl_get_str(info->attrs[SOFTLOCK_A_TEXT], text, sizeof(text),
			 false, extack);
	if (err)
		return err;
	if (info->attrs[SOFTLOCK_A_DATASET]) {
		err = sl_get_str(info->attrs[SOFTLOCK_A_DATASET], dataset,
				 sizeof(dataset), true, extack);
		if (err)
			return err;
	}
	err = sl_get_expires(info->attrs[SOFTLOCK_A_EXPIRES], &spec.expires,
			     extack);
	if (err)
		return err;
	err = sl_get_pin(info->attrs[SOFTLOCK_A_PIN_DEV],
			 info->attrs[SOFTLOCK_A_PIN_UUID], &spec.pin_dev, uuid,
			 extack);
	if (err)
		return err;
	err = sl_table_add(n.pool, n.origin, &spec, extack);
	if (err)
		return err;

	lv = (struct sl_lock_view) {
		.pool = n.pool, .origin = n.origin, .text = text,
		.dataset = dataset, .pcpi = spec.pcpi, .type = spec.type,
		.pinned = spec.pin_dev, .created = ktime_get_real_seconds(),
		.expires = spec.expires,
	};
	sl_notify(SOFTLOCK_CMD_LOCK_NTF, sl_fill_lock, &lv);
	return 0;
}

struct sl_unlock_event {
	const struct sl_match *m;
	u32 count;
};

static int sl_fill_unlock(struct sk_buff *skb, const void *arg)
{
	const struct sl_unlock_event *ev = arg;
	const struct sl_match *m = ev->m;

	if (nla_put_string(skb, SOFTLOCK_A_POOL, m->pool) ||
	    nla_put_u32(skb, SOFTLOCK_A_PCPI, m->pcpi) ||
	    (m->type && nla_put_u32(skb, SOFTLOCK_A_TYPE, m->type)) ||
	    (m->text && nla_put_string(skb, SOFTLOCK_A_TEXT, m->text)) ||
	    (m->origin && nla_put_string(skb, SOFTLOCK_A_ORIGIN, m->origin)) ||
	    nla_put_u32(skb, SOFTLOCK_A_COUNT, ev->count))
		return -EMSGSIZE;
	return 0;
}

int sl_reply_u32(struct genl_info *info, u8 cmd, int type, u32 v)
{
	struct sk_buff *msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	void *hdr;

	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &sl_family, 0, cmd);
	if (!hdr || nla_put_u32(msg, type, v)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

int softlock_nl_lock_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct netlink_ext_ack *extack = info->extack;
	char text[SOFTLOCK_TEXT_MAX + 1];
	struct sl_match m = { .has_pcpi = true };
	struct sl_unlock_event ev = { .m = &m };
	struct sl_names n;
	int err;

	err = sl_get_names(info, &n, true);
	if (err)
		return err;
	if (GENL_REQ_ATTR_CHECK(info, SOFTLOCK_A_PCPI))
		return -EINVAL;
	m.pool = n.pool;
	m.pcpi = nla_get_u32(info->attrs[SOFTLOCK_A_PCPI]);
	m.origin = info->attrs[SOFTLOCK_A_ORIGIN] ? n.origin : NULL;
	if (info->attrs[SOFTLOCK_A_TYPE])
		m.type = nla_get_u32(info->attrs[SOFTLOCK_A_TYPE]);
	if (info->attrs[SOFTLOCK_A_TEXT]) {
		err = sl_get_str(info->attrs[SOFTLOCK_A_TEXT], text,
				 sizeof(text), false, extack);
		if (err)
			return err;
		m.text = text;
	}
	err = sl_table_del(&m, &ev.count, extack);
	if (err)
		return err;
	sl_notify(SOFTLOCK_CMD_UNLOCK_NTF, sl_fill_unlock, &ev);
	return sl_reply_u32(info, SOFTLOCK_CMD_LOCK_DEL, SOFTLOCK_A_COUNT,
			    ev.count);
}

/*
 * Dump state kept in cb->ctx between the parts of a dump. @err and @msg hold
 * a rejection decided in .start on kernels that give .start no extack
 * (before 6.2): it is returned from the first .dumpit call instead, whose
 * error reaches userspace in NLMSG_DONE with the message.
 */
struct sl_dump_ctx {
	struct sl_cursor cur;
	struct sl_dump_filter *filter;
	const char *msg;
	int err;
};

struct sl_dump_filter {
	struct sl_match m;
	char pool[SOFTLOCK_POOL_MAX + 1];
	char origin[SOFTLOCK_ORIGIN_MAX + 1];
};

static struct sl_dump_ctx *sl_ctx(struct netlink_callback *cb)
{
	BUILD_BUG_ON(sizeof(struct sl_dump_ctx) > sizeof(cb->ctx));
	return (struct sl_dump_ctx *)cb->ctx;
}

/*
 * End .start with @err. Without an extack there (before 6.2) the error and
 * its message (always a string literal on these paths) wait for .dumpit.
 */
static int sl_dump_start_result(struct netlink_callback *cb,
				struct netlink_ext_ack *local, int err)
{
	if (!err || cb->extack)
		return err;
	sl_ctx(cb)->err = err;
	sl_ctx(cb)->msg = local->_msg;
	return 0;
}

/* The rejection .start deferred, if any, as .dumpit's result. */
static int sl_dump_deferred(struct netlink_callback *cb)
{
	struct sl_dump_ctx *ctx = sl_ctx(cb);

	if (ctx->err && cb->extack && ctx->msg)
		cb->extack->_msg = ctx->msg;
	return ctx->err;
}

/* Parse lock-get's filters into @f. */
static int sl_lock_get_filter(struct nlattr **attrs, struct sl_dump_filter *f,
			      struct netlink_ext_ack *extack)
{
	int err;

	if (attrs[SOFTLOCK_A_POOL]) {
		err = sl_get_str(attrs[SOFTLOCK_A_POOL], f->pool,
				 sizeof(f->pool), false, extack);
		if (err)
			return err;
		f->m.pool = f->pool;
	}
	if (attrs[SOFTLOCK_A_ORIGIN]) {
		err = sl_get_str(attrs[SOFTLOCK_A_ORIGIN], f->origin,
				 sizeof(f->origin), false, extack);
		if (err)
			return err;
		f->m.origin = f->origin;
	}
	if (attrs[SOFTLOCK_A_PCPI]) {
		f->m.has_pcpi = true;
		f->m.pcpi = nla_get_u32(attrs[SOFTLOCK_A_PCPI]);
	}
	return 0;
}

/* lock-get's start (the spec's "pre"): the admin check, then the filters. */
int sl_nl_lock_get_start(struct netlink_callback *cb)
{
	struct netlink_ext_ack local = {};
	struct netlink_ext_ack *extack = cb->extack ?: &local;
	struct sl_dump_filter *f;
	int err;

	err = sl_admin(cb->skb, extack);
	if (err)
		return sl_dump_start_result(cb, &local, err);
	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	err = sl_lock_get_filter(sl_dump_attrs(cb), f, extack);
	if (err) {
		kfree(f);
		return sl_dump_start_result(cb, &local, err);
	}
	sl_ctx(cb)->filter = f;
	return 0;
}

int sl_nl_lock_get_done(struct netlink_callback *cb)
{
	kfree(sl_ctx(cb)->filter);
	return 0;
}

struct sl_dump_arg {
	struct sk_buff *skb;
	struct netlink_callback *cb;
	u8 cmd;
};

static int sl_dump_one(struct sl_dump_arg *d,
		       int (*fill)(struct sk_buff *skb, const void *arg),
		       const void *arg)
{
	void *hdr = genlmsg_put(d->skb, NETLINK_CB(d->cb->skb).portid,
				d->cb->nlh->nlmsg_seq, &sl_family,
				NLM_F_MULTI, d->cmd);

	if (!hdr)
		return -EMSGSIZE;
	if (fill(d->skb, arg)) {
		genlmsg_cancel(d->skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(d->skb, hdr);
	return 0;
}

static int sl_dump_lock(void *arg, const struct sl_lock_view *lv)
{
	return sl_dump_one(arg, sl_fill_lock, lv);
}

/* A full skb ends this part; the next part resumes from the cursor. */
static int sl_dump_result(struct sk_buff *skb, int err)
{
	if (err && err != -EMSGSIZE)
		return err;
	if (err && !skb->len)
		return -EMSGSIZE;
	return skb->len;
}

int softlock_nl_lock_get_dumpit(struct sk_buff *skb,
				struct netlink_callback *cb)
{
	struct sl_dump_arg d = { skb, cb, SOFTLOCK_CMD_LOCK_GET };
	struct sl_dump_ctx *ctx = sl_ctx(cb);

	if (ctx->err)
		return sl_dump_deferred(cb);
	return sl_dump_result(skb, sl_table_walk_locks(&ctx->cur,
						       &ctx->filter->m,
						       sl_dump_lock, &d));
}

static int sl_fill_pool(struct sk_buff *skb, const void *arg)
{
	const struct sl_pool_view *pv = arg;

	if (nla_put_string(skb, SOFTLOCK_A_POOL, pv->pool) ||
	    nla_put_u32(skb, SOFTLOCK_A_COUNT, pv->nr_locks) ||
	    nla_put_u32(skb, SOFTLOCK_A_PCPI_COUNT, pv->nr_pcpis) ||
	    nla_put_u32(skb, SOFTLOCK_A_STAGED, pv->nr_staged) ||
	    nla_put_u8(skb, SOFTLOCK_A_SEALED, READ_ONCE(softlock_sealed)))
		return -EMSGSIZE;
	return 0;
}

static int sl_dump_pool(void *arg, const struct sl_pool_view *pv)
{
	return sl_dump_one(arg, sl_fill_pool, pv);
}

/* pool-get's start (the spec's "pre"): no attributes, the admin check. */
int sl_nl_pool_get_start(struct netlink_callback *cb)
{
	struct netlink_ext_ack local = {};
	struct netlink_ext_ack *extack = cb->extack ?: &local;
	int err;

	err = sl_no_attrs(cb->nlh, extack);
	if (err)
		return sl_dump_start_result(cb, &local, err);
	return sl_dump_start_result(cb, &local, sl_admin(cb->skb, extack));
}

int softlock_nl_pool_get_dumpit(struct sk_buff *skb,
				struct netlink_callback *cb)
{
	struct sl_dump_arg d = { skb, cb, SOFTLOCK_CMD_POOL_GET };

	if (sl_ctx(cb)->err)
		return sl_dump_deferred(cb);
	return sl_dump_result(skb, sl_table_walk_pools(&sl_ctx(cb)->cur,
						       sl_dump_pool, &d));
}

/*
 * Written here, not generated: the events group is for CAP_SYS_ADMIN only,
 * which the 6.12 generator cannot express. Same index as the generated
 * SOFTLOCK_NLGRP_EVENTS.
 */
static const struct genl_multicast_group sl_mcgrps[] = {
	[SOFTLOCK_NLGRP_EVENTS] = {
		.name = SOFTLOCK_MCGRP_EVENTS,
		.flags = GENL_MCAST_CAP_SYS_ADMIN,
	},
};

struct genl_family sl_family __ro_after_init = {
	.name = SOFTLOCK_FAMILY_NAME,
	.version = SOFTLOCK_FAMILY_VERSION,
	SL_GENL_OPS,
	.mcgrps = sl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(sl_mcgrps),
	/*
	 * Pools are not per network namespace, and every operation checks
	 * CAP_SYS_ADMIN in the initial user namespace, so a helper in any
	 * netns (a container, a host in the tests) may use the family.
	 * Events still go to the initial netns only: a listener elsewhere
	 * could be root of an unprivileged user namespace.
	 */
	.netnsok = true,
	/*
	 * Requests run without genl_mutex, so one that waits on the table
	 * (a commit unlinking a million locks) holds up no other family:
	 * each handler keeps its state on its stack or in its own dump's
	 * cb->ctx, the table has its own mutex, check and stats read under
	 * RCU or atomically, and seal/unseal order their events with
	 * sl_seal_mutex. Events of two concurrent changes to the table may
	 * go out in either order; a dump is the authority on its state.
	 */
	.parallel_ops = true,
	.module = THIS_MODULE,
};

int sl_netlink_init(void)
{
	sl_genl_ops_init(&sl_family);
	return genl_register_family(&sl_family);
}

void sl_netlink_exit(void)
{
	genl_unregister_family(&sl_family);
}
