// SPDX-License-Identifier: GPL-2.0
/*
 * Netlink operations on whole lock sets and on the module's state: the
 * staged atomic replace, check, seal/unseal, and the refusal event.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <net/genetlink.h>

#include "softlock.h"
#include "netlink.h"

static int sl_get_generation(struct genl_info *info, u64 *gen)
{
	if (GENL_REQ_ATTR_CHECK(info, SOFTLOCK_A_GENERATION))
		return -EINVAL;
	*gen = nla_get_u64(info->attrs[SOFTLOCK_A_GENERATION]);
	return 0;
}

/* Pool, origin and generation: what every replace op needs. */
static int sl_replace_args(struct genl_info *info, struct sl_names *n, u64 *gen)
{
	int err = sl_get_names(info, n, true);

	if (err)
		return err;
	return sl_get_generation(info, gen);
}

int softlock_nl_replace_begin_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sl_names n;
	u64 gen;
	int err;

	err = sl_replace_args(info, &n, &gen);
	if (err)
		return err;
	return sl_replace_begin(n.pool, n.origin, gen, info->extack);
}

/* Parse one entry nest; its strings are checked by sl_get_str later. */
static int sl_parse_entry(const struct nlattr *nla, struct nlattr **tb,
			  struct netlink_ext_ack *extack)
{
	int err = nla_parse_nested(tb, SOFTLOCK_A_ENTRY_MAX, nla,
				   softlock_entry_nl_policy, extack);

	if (err)
		return err;
	if (NL_REQ_ATTR_CHECK(extack, nla, tb, SOFTLOCK_A_ENTRY_TYPE) ||
	    NL_REQ_ATTR_CHECK(extack, nla, tb, SOFTLOCK_A_ENTRY_PCPI) ||
	    NL_REQ_ATTR_CHECK(extack, nla, tb, SOFTLOCK_A_ENTRY_TEXT))
		return -EINVAL;
	return 0;
}

/*
 * Fill @spec from an entry, copying its strings to @buf (advanced past
 * them). With @buf NULL only validate, and add the bytes needed to @need.
 */
static int sl_entry_spec(const struct nlattr *nla, struct sl_lock_spec *spec,
			 char **buf, size_t *need, struct netlink_ext_ack *extack)
{
	struct nlattr *tb[SOFTLOCK_A_ENTRY_MAX + 1];
	char text[SOFTLOCK_TEXT_MAX + 1], dataset[SOFTLOCK_TEXT_MAX + 1];
	char uuid[SOFTLOCK_POOL_MAX + 1];
	size_t tlen, dlen, ulen;
	int err;

	err = sl_parse_entry(nla, tb, extack);
	if (err)
		return err;
	dataset[0] = '\0';
	err = sl_get_str(tb[SOFTLOCK_A_ENTRY_TEXT], text, sizeof(text), false,
			 extack);
	if (err)
		return err;
	if (tb[SOFTLOCK_A_ENTRY_DATASET]) {
		err = sl_get_str(tb[SOFTLOCK_A_ENTRY_DATASET], dataset,
				 sizeof(dataset), true, extack);
		if (err)
			return err;
	}
	err = sl_get_expires(tb[SOFTLOCK_A_ENTRY_EXPIRES], &spec->expires,
			     extack);
	if (err)
		return err;
	err = sl_get_pin(tb[SOFTLOCK_A_ENTRY_PIN_DEV], tb[SOFTLOCK_A_ENTRY_PIN_UUID],
			 &spec->pin_dev, uuid, extack);
	if (err)
		return err;
	tlen = strlen(text) + 1;
	dlen = strlen(dataset) + 1;
	ulen = strlen(uuid) + 1;
	if (!*buf) {
		*need += tlen + dlen + ulen;
		return 0;
	}
	spec->pcpi = nla_get_u32(tb[SOFTLOCK_A_ENTRY_PCPI]);
	spec->type = nla_get_u32(tb[SOFTLOCK_A_ENTRY_TYPE]);
	spec->text = memcpy(*buf, text, tlen);
	spec->dataset = memcpy(*buf + tlen, dataset, dlen);
	spec->pin_uuid = memcpy(*buf + tlen + dlen, uuid, ulen);
	*buf += tlen + dlen + ulen;
	return 0;
}

int softlock_nl_replace_add_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct netlink_ext_ack *extack = info->extack;
	struct sl_lock_spec spec, *specs;
	unsigned int n = 0, i = 0;
	const struct nlattr *nla;
	size_t need = 0;
	char *buf = NULL;
	struct sl_names names;
	u64 gen;
	int err, rem;

	err = sl_replace_args(info, &names, &gen);
	if (err)
		return err;
	/* Validate every entry before staging any: all or nothing. */
	nlmsg_for_each_attr(nla, info->nlhdr, GENL_HDRLEN, rem) {
		if (nla_type(nla) != SOFTLOCK_A_ENTRY)
			continue;
		err = sl_entry_spec(nla, &spec, &buf, &need, extack);
		if (err)
			return err;
		n++;
	}
	if (!n) {
		NL_SET_ERR_ATTR_MISS(extack, NULL, SOFTLOCK_A_ENTRY);
		NL_SET_ERR_MSG_MOD(extack, "no entry to stage");
		return -EINVAL;
	}
	specs = kvmalloc(array_size(n, sizeof(*specs)) + need, GFP_KERNEL);
	if (!specs)
		return -ENOMEM;
	buf = (char *)(specs + n);
	nlmsg_for_each_attr(nla, info->nlhdr, GENL_HDRLEN, rem) {
		if (nla_type(nla) != SOFTLOCK_A_ENTRY)
			continue;
		err = sl_entry_spec(nla, &specs[i++], &buf, &need, extack);
		if (err)
			goto out;
	}
	err = sl_replace_add(names.pool, names.origin, gen, specs, n, extack);
out:
	kvfree(specs);
	return err;
}

/* What a committed replace reports on the events group. */
struct sl_replace_event {
	struct sl_names n;
	u64 gen;
	u32 count;
};

static int sl_fill_replace(struct sk_buff *skb, const void *arg)
{
	const struct sl_replace_event *ev = arg;

	if (nla_put_string(skb, SOFTLOCK_A_POOL, ev->n.pool) ||
	    nla_put_string(skb, SOFTLOCK_A_ORIGIN, ev->n.origin) ||
	    sl_put_u64(skb, SOFTLOCK_A_GENERATION, ev->gen) ||
	    nla_put_u32(skb, SOFTLOCK_A_COUNT, ev->count))
		return -EMSGSIZE;
	return 0;
}

int softlock_nl_replace_commit_doit(struct sk_buff *skb,
				    struct genl_info *info)
{
	struct sl_replace_event ev;
	int err;

	err = sl_replace_args(info, &ev.n, &ev.gen);
	if (err)
		return err;
	err = sl_replace_commit(ev.n.pool, ev.n.origin, ev.gen, &ev.count,
				info->extack);
	if (err)
		return err;
	sl_notify(SOFTLOCK_CMD_REPLACE_NTF, sl_fill_replace, &ev);
	return sl_reply_u32(info, SOFTLOCK_CMD_REPLACE_COMMIT,
			    SOFTLOCK_A_COUNT, ev.count);
}

int softlock_nl_replace_abort_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sl_names n;
	u64 gen;
	int err;

	err = sl_replace_args(info, &n, &gen);
	if (err)
		return err;
	return sl_replace_abort(n.pool, n.origin, gen, info->extack);
}

static int sl_put_verdict(struct sk_buff *skb, const char *pool, u32 pcpi,
			  const struct sl_verdict *v)
{
	if (nla_put_string(skb, SOFTLOCK_A_POOL, pool) ||
	    nla_put_u32(skb, SOFTLOCK_A_PCPI, pcpi) ||
	    nla_put_u32(skb, SOFTLOCK_A_REASON, v->reason) ||
	    nla_put_u32(skb, SOFTLOCK_A_COUNT, v->count))
		return -EMSGSIZE;
	if (!v->count)
		return 0;
	if (nla_put_u32(skb, SOFTLOCK_A_TYPE, v->type) ||
	    nla_put_string(skb, SOFTLOCK_A_TEXT, v->text) ||
	    (v->dataset[0] &&
	     nla_put_string(skb, SOFTLOCK_A_DATASET, v->dataset)) ||
	    nla_put_string(skb, SOFTLOCK_A_ORIGIN, v->origin))
		return -EMSGSIZE;
	return 0;
}

int softlock_nl_check_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sl_verdict *v;
	struct sk_buff *msg;
	struct sl_names n;
	u32 pcpi;
	void *hdr;
	int err;

	err = sl_get_names(info, &n, false);
	if (err)
		return err;
	if (GENL_REQ_ATTR_CHECK(info, SOFTLOCK_A_PCPI))
		return -EINVAL;
	pcpi = nla_get_u32(info->attrs[SOFTLOCK_A_PCPI]);
	v = kmalloc(sizeof(*v), GFP_KERNEL);
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	err = -ENOMEM;
	if (!v || !msg)
		goto err_free;
	sl_table_check(n.pool, pcpi, v);
	err = -EMSGSIZE;
	hdr = genlmsg_put_reply(msg, info, &sl_family, 0, SOFTLOCK_CMD_CHECK);
	if (!hdr || sl_put_verdict(msg, n.pool, pcpi, v))
		goto err_free;
	genlmsg_end(msg, hdr);
	kfree(v);
	return genlmsg_reply(msg, info);

err_free:
	nlmsg_free(msg);
	kfree(v);
	return err;
}

static int sl_fill_sealed(struct sk_buff *skb, const void *arg)
{
	return nla_put_u8(skb, SOFTLOCK_A_SEALED, *(const bool *)arg);
}

/*
 * Orders seal and unseal requests, which run in parallel (parallel_ops),
 * so that the last event and log line sent tell the state left behind.
 * The guard reads softlock_sealed without it.
 */
static DEFINE_MUTEX(sl_seal_mutex);

static void sl_set_sealed(bool seal)
{
	mutex_lock(&sl_seal_mutex);
	if (READ_ONCE(softlock_sealed) != seal)
		pr_info("%s: %s pool deletes\n", seal ? "sealed" : "unsealed",
			seal ? "refusing all" : "guarding only locked");
	WRITE_ONCE(softlock_sealed, seal);
	sl_notify(SOFTLOCK_CMD_SEAL_NTF, sl_fill_sealed, &seal);
	mutex_unlock(&sl_seal_mutex);
}

int softlock_nl_seal_doit(struct sk_buff *skb, struct genl_info *info)
{
	sl_set_sealed(true);
	return 0;
}

int softlock_nl_unseal_doit(struct sk_buff *skb, struct genl_info *info)
{
	sl_set_sealed(false);
	return 0;
}

int softlock_nl_stats_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	u64 locked, sealed;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &sl_family, 0,
				SOFTLOCK_CMD_STATS_GET);
	sl_guard_stats(&locked, &sealed);
	if (!hdr || sl_put_u64(msg, SOFTLOCK_A_REFUSED_LOCKED, locked) ||
	    sl_put_u64(msg, SOFTLOCK_A_REFUSED_SEALED, sealed) ||
	    nla_put_u32(msg, SOFTLOCK_A_GUARD_STATE, sl_guard_state())) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

struct sl_refusal {
	const char *pool;
	u32 pcpi;
	const struct sl_verdict *v;
};

static int sl_fill_refused(struct sk_buff *skb, const void *arg)
{
	const struct sl_refusal *r = arg;

	return sl_put_verdict(skb, r->pool, r->pcpi, r->v);
}

/* Called by the guard after it has decided; may allocate. */
void sl_notify_refused(const char *pool, u32 pcpi, const struct sl_verdict *v)
{
	struct sl_refusal r = { pool, pcpi, v };

	sl_notify(SOFTLOCK_CMD_REFUSED_NTF, sl_fill_refused, &r);
}
