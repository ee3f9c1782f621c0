// SPDX-License-Identifier: GPL-2.0
/*
 * nl_cmd.c - the softlock family's messages on top of nl.c's socket:
 * sl_nl_parse() and its attribute validation, the one-call wrappers
 * (add, del, check, seal/unseal), and the lock type names.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "nl.h"
#include "nl_priv.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

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
	case SOFTLOCK_A_REFUSED_LOCKED:
	case SOFTLOCK_A_REFUSED_SEALED:
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

struct sl_stats_want {
	uint64_t *locked, *sealed;
	uint32_t *guard;
	int seen;
};

static int sl_nl_stats_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[SOFTLOCK_A_MAX + 1] = { NULL };
	struct sl_stats_want *w = data;

	if (sl_nl_parse(nlh, tb))
		return MNL_CB_ERROR;
	if (tb[SOFTLOCK_A_REFUSED_LOCKED]) {
		*w->locked = mnl_attr_get_u64(tb[SOFTLOCK_A_REFUSED_LOCKED]);
		w->seen++;
	}
	if (tb[SOFTLOCK_A_REFUSED_SEALED]) {
		*w->sealed = mnl_attr_get_u64(tb[SOFTLOCK_A_REFUSED_SEALED]);
		w->seen++;
	}
	if (tb[SOFTLOCK_A_GUARD_STATE]) {
		*w->guard = mnl_attr_get_u32(tb[SOFTLOCK_A_GUARD_STATE]);
		w->seen++;
	}
	return MNL_CB_OK;
}

int sl_nl_stats(struct sl_nl *nl, uint64_t *refused_locked,
		uint64_t *refused_sealed, uint32_t *guard_state)
{
	struct nlmsghdr *nlh = sl_nl_req(nl, nl->req, SOFTLOCK_CMD_STATS_GET, 0);
	struct sl_stats_want w = { refused_locked, refused_sealed, guard_state,
				   0 };
	int err = sl_nl_talk(nl, nlh, sl_nl_stats_cb, &w);

	return !err && w.seen != 3 ? -EPROTO : err;
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
