// SPDX-License-Identifier: GPL-2.0
/*
 * The requests that read softlock.ko's state: a delete's verdict, the
 * counters, the locks and pools (dumps), and the events multicast group.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/genetlink.h>
#include <linux/softlock.h>
#include <netlink/netlink.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>

#include "kmod.h"
#include "kmod_int.h"

static void sl_copy_str(char *dst, size_t size, const struct nlattr *a)
{
	if (a)
		snprintf(dst, size, "%.*s", nla_len(a), (const char *)nla_data(a));
	else
		dst[0] = '\0';
}

static void sl_parse_lock(struct nlattr **tb, struct sl_klock *l)
{
	memset(l, 0, sizeof(*l));
	sl_copy_str(l->pool, sizeof(l->pool), tb[SOFTLOCK_A_POOL]);
	sl_copy_str(l->text, sizeof(l->text), tb[SOFTLOCK_A_TEXT]);
	sl_copy_str(l->dataset, sizeof(l->dataset), tb[SOFTLOCK_A_DATASET]);
	sl_copy_str(l->origin, sizeof(l->origin), tb[SOFTLOCK_A_ORIGIN]);
	if (tb[SOFTLOCK_A_PCPI])
		l->pcpi = nla_get_u32(tb[SOFTLOCK_A_PCPI]);
	if (tb[SOFTLOCK_A_TYPE])
		l->type = nla_get_u32(tb[SOFTLOCK_A_TYPE]);
	if (tb[SOFTLOCK_A_CREATED])
		l->created = nla_get_u64(tb[SOFTLOCK_A_CREATED]);
	if (tb[SOFTLOCK_A_EXPIRES])
		l->expires = nla_get_u64(tb[SOFTLOCK_A_EXPIRES]);
	if (tb[SOFTLOCK_A_GENERATION])
		l->generation = nla_get_u64(tb[SOFTLOCK_A_GENERATION]);
	l->pinned = tb[SOFTLOCK_A_PINNED] != NULL;
}

static int sl_get_verdict(struct nlattr **tb, void *arg)
{
	struct sl_kverdict *v = arg;

	sl_parse_lock(tb, &v->first);
	v->reason = tb[SOFTLOCK_A_REASON] ? nla_get_u32(tb[SOFTLOCK_A_REASON]) : 0;
	v->count = tb[SOFTLOCK_A_COUNT] ? nla_get_u32(tb[SOFTLOCK_A_COUNT]) : 0;
	return 0;
}

int sl_kmod_check(struct sl_kmod *k, const char *pool, uint32_t pcpi,
		  struct sl_kverdict *v)
{
	struct nl_msg *msg = sl_msg(k, SOFTLOCK_CMD_CHECK, 0, 0);

	memset(v, 0, sizeof(*v));
	if (!msg)
		return -ENOMEM;
	if (sl_put_names(msg, pool, NULL) ||
	    nla_put_u32(msg, SOFTLOCK_A_PCPI, pcpi)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return sl_talk(k, msg, sl_get_verdict, v);
}

struct sl_stats_arg {
	struct sl_kstats *s;
	bool seen;
};

static int sl_get_stats(struct nlattr **tb, void *arg)
{
	struct sl_stats_arg *a = arg;

	if (!tb[SOFTLOCK_A_REFUSED_LOCKED] || !tb[SOFTLOCK_A_REFUSED_SEALED])
		return 0;
	a->s->refused_locked = nla_get_u64(tb[SOFTLOCK_A_REFUSED_LOCKED]);
	a->s->refused_sealed = nla_get_u64(tb[SOFTLOCK_A_REFUSED_SEALED]);
	if (tb[SOFTLOCK_A_GUARD_STATE])
		a->s->guard_state = nla_get_u32(tb[SOFTLOCK_A_GUARD_STATE]);
	a->seen = true;
	return 0;
}

int sl_kmod_stats(struct sl_kmod *k, struct sl_kstats *s)
{
	struct nl_msg *msg = sl_msg(k, SOFTLOCK_CMD_STATS_GET, 0, 0);
	struct sl_stats_arg a = { s, false };
	int err;

	memset(s, 0, sizeof(*s));
	if (!msg)
		return -ENOMEM;
	err = sl_talk(k, msg, sl_get_stats, &a);
	return !err && !a.seen ? -EPROTO : err;
}

struct sl_dump_arg {
	int (*lock_fn)(const struct sl_klock *l, void *arg);
	int (*pool_fn)(const struct sl_kpool *p, void *arg);
	void *arg;
};

static int sl_dump_lock(struct nlattr **tb, void *arg)
{
	struct sl_dump_arg *d = arg;
	struct sl_klock l;

	sl_parse_lock(tb, &l);
	return d->lock_fn(&l, d->arg);
}

int sl_kmod_dump(struct sl_kmod *k, const char *pool,
		 int (*fn)(const struct sl_klock *l, void *arg), void *arg)
{
	struct nl_msg *msg = sl_msg(k, SOFTLOCK_CMD_LOCK_GET, NLM_F_DUMP, 0);
	struct sl_dump_arg d = { .lock_fn = fn, .arg = arg };

	if (!msg)
		return -ENOMEM;
	if (pool && nla_put_string(msg, SOFTLOCK_A_POOL, pool)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return sl_talk(k, msg, sl_dump_lock, &d);
}

struct sl_klock_vec {
	struct sl_klock *v;
	size_t n, cap;
};

static int sl_vec_add(const struct sl_klock *l, void *arg)
{
	struct sl_klock_vec *kv = arg;
	struct sl_klock *p;

	if (kv->n == kv->cap) {
		p = reallocarray(kv->v, kv->cap * 2 + 64, sizeof(*p));
		if (!p)
			return -ENOMEM;
		kv->v = p;
		kv->cap = kv->cap * 2 + 64;
	}
	kv->v[kv->n++] = *l;
	return 0;
}

int sl_kmod_dump_all(struct sl_kmod *k, const char *pool,
		     struct sl_klock **locks, size_t *n)
{
	struct sl_klock_vec kv = { 0 };
	int err = sl_kmod_dump(k, pool, sl_vec_add, &kv);

	if (err) {
		free(kv.v);
		return err;
	}
	*locks = kv.v;
	*n = kv.n;
	return 0;
}

static int sl_dump_pool(struct nlattr **tb, void *arg)
{
	struct sl_dump_arg *d = arg;
	struct sl_kpool p = { 0 };

	sl_copy_str(p.pool, sizeof(p.pool), tb[SOFTLOCK_A_POOL]);
	if (tb[SOFTLOCK_A_COUNT])
		p.locks = nla_get_u32(tb[SOFTLOCK_A_COUNT]);
	if (tb[SOFTLOCK_A_PCPI_COUNT])
		p.pcpis = nla_get_u32(tb[SOFTLOCK_A_PCPI_COUNT]);
	if (tb[SOFTLOCK_A_STAGED])
		p.staged = nla_get_u32(tb[SOFTLOCK_A_STAGED]);
	if (tb[SOFTLOCK_A_SEALED])
		p.sealed = nla_get_u8(tb[SOFTLOCK_A_SEALED]);
	return d->pool_fn(&p, d->arg);
}

int sl_kmod_pools(struct sl_kmod *k,
		  int (*fn)(const struct sl_kpool *p, void *arg), void *arg)
{
	struct nl_msg *msg = sl_msg(k, SOFTLOCK_CMD_POOL_GET, NLM_F_DUMP, 0);
	struct sl_dump_arg d = { .pool_fn = fn, .arg = arg };

	return msg ? sl_talk(k, msg, sl_dump_pool, &d) : -ENOMEM;
}

struct sl_mon {
	int (*fn)(const struct sl_kevent *ev, void *arg);
	void *arg;
	int ret;
};

static int sl_event_cb(struct nl_msg *msg, void *arg)
{
	struct genlmsghdr *g = nlmsg_data(nlmsg_hdr(msg));
	struct nlattr *tb[SOFTLOCK_A_MAX + 1];
	struct sl_mon *m = arg;
	struct sl_kevent ev = { 0 };

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, SOFTLOCK_A_MAX, NULL))
		return NL_SKIP;
	switch (g->cmd) {
	case SOFTLOCK_CMD_LOCK_NTF: ev.kind = SL_EV_LOCK; break;
	case SOFTLOCK_CMD_UNLOCK_NTF: ev.kind = SL_EV_UNLOCK; break;
	case SOFTLOCK_CMD_REPLACE_NTF: ev.kind = SL_EV_REPLACE; break;
	case SOFTLOCK_CMD_REFUSED_NTF: ev.kind = SL_EV_REFUSED; break;
	case SOFTLOCK_CMD_SEAL_NTF: ev.kind = SL_EV_SEAL; break;
	default: return NL_SKIP;
	}
	sl_parse_lock(tb, &ev.lock);
	ev.count = tb[SOFTLOCK_A_COUNT] ? nla_get_u32(tb[SOFTLOCK_A_COUNT]) : 0;
	ev.reason = tb[SOFTLOCK_A_REASON] ? nla_get_u32(tb[SOFTLOCK_A_REASON]) : 0;
	ev.sealed = tb[SOFTLOCK_A_SEALED] && nla_get_u8(tb[SOFTLOCK_A_SEALED]);
	m->ret = m->fn(&ev, m->arg);
	return m->ret ? NL_STOP : NL_OK;
}

int sl_kmod_monitor(struct sl_kmod *k,
		    int (*fn)(const struct sl_kevent *ev, void *arg),
		    void (*ready)(void *arg), void *arg)
{
	struct sl_mon m = { fn, arg, 0 };
	int err;

	err = sl_find_group(k);
	if (err)
		return err;
	if (nl_socket_add_membership(k->sk, k->events_grp) < 0) {
		snprintf(k->error, sizeof(k->error),
			 "joining the events group needs CAP_SYS_ADMIN");
		return -EPERM;
	}
	nl_socket_disable_seq_check(k->sk);
	nl_socket_modify_cb(k->sk, NL_CB_VALID, NL_CB_CUSTOM, sl_event_cb, &m);
	if (ready)
		ready(arg);
	while (!m.ret) {
		err = nl_recvmsgs_default(k->sk);
		if (err < 0 && err != -NLE_INTR) {
			snprintf(k->error, sizeof(k->error), "netlink: %s",
				 nl_geterror(err));
			return -EIO;
		}
	}
	return m.ret < 0 ? m.ret : 0;
}
