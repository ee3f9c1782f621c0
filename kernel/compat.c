// SPDX-License-Identifier: GPL-2.0
/* Implementations behind compat.h, for the kernels that need them. */
#include <linux/atomic.h>
#include <linux/kernel.h>
#include <net/genetlink.h>

#include "compat.h"
#include "netlink_gen.h"

#ifdef SL_NEED_EXTACK_RING
/* Slots are claimed with an atomic counter; nothing else protects them. */
static char sl_extack_ring[SL_EXTACK_RING][SL_EXTACK_LEN];
static atomic_t sl_extack_next = ATOMIC_INIT(0);

char *sl_extack_fmt(const char *fmt, ...)
{
	unsigned int slot = atomic_inc_return(&sl_extack_next) % SL_EXTACK_RING;
	char *buf = sl_extack_ring[slot];
	va_list args;

	va_start(args, fmt);
	vsnprintf(buf, SL_EXTACK_LEN, fmt, args);
	va_end(args);
	return buf;
}
#endif

#ifndef SL_HAVE_SPLIT_OPS
/* Written once by sl_genl_ops_init(), before the family is registered. */
static struct genl_ops sl_full_ops[ARRAY_SIZE(softlock_nl_ops)] __ro_after_init;

static const struct genl_split_ops *sl_split_op(u8 cmd)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(softlock_nl_ops); i++)
		if (softlock_nl_ops[i].cmd == cmd)
			return &softlock_nl_ops[i];
	return NULL;
}

/* 6.1 calls one pre_doit for the family: run the op's own. */
static int sl_full_pre_doit(const struct genl_ops *ops, struct sk_buff *skb,
			    struct genl_info *info)
{
	const struct genl_split_ops *op = sl_split_op(ops->cmd);

	if (!op || !op->pre_doit)
		return 0;
	return op->pre_doit(op, skb, info);
}

void sl_genl_ops_init(struct genl_family *family)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(softlock_nl_ops); i++) {
		const struct genl_split_ops *op = &softlock_nl_ops[i];

		/* One split op per command: no op here is both do and dump. */
		sl_full_ops[i] = (struct genl_ops) {
			.cmd = op->cmd,
			.doit = op->doit,
			.start = op->start,
			.dumpit = op->dumpit,
			.done = op->done,
			.policy = op->policy,
			.maxattr = op->maxattr,
			.validate = op->validate,
			.flags = op->flags & ~(GENL_CMD_CAP_DO | GENL_CMD_CAP_DUMP),
		};
	}
	family->ops = sl_full_ops;
	family->pre_doit = sl_full_pre_doit;
}
#endif
