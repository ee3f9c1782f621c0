/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the kernels softlock supports (6.1 and 6.9+,
 * tested on Debian's 6.1 and 6.12) lives here and nowhere else. The
 * SL_HAVE_* macros come from feature tests on the kernel headers (Kbuild).
 */
#ifndef _SOFTLOCK_COMPAT_H
#define _SOFTLOCK_COMPAT_H

#include <linux/blkdev.h>
#include <linux/fs.h>
#include <net/genetlink.h>

/* Block device opens: 6.9 turned the handle into a struct file. */
#ifdef SL_HAVE_BDEV_FILE
struct sl_bdev_handle {
	struct file *file;
};

static inline int sl_bdev_open_ro(dev_t dev, struct sl_bdev_handle *h)
{
	h->file = bdev_file_open_by_dev(dev, BLK_OPEN_READ, NULL, NULL);
	return PTR_ERR_OR_ZERO(h->file);
}

static inline void sl_bdev_close(struct sl_bdev_handle *h)
{
	fput(h->file);
}
#else
struct sl_bdev_handle {
	struct block_device *bdev;
};

static inline int sl_bdev_open_ro(dev_t dev, struct sl_bdev_handle *h)
{
	h->bdev = blkdev_get_by_dev(dev, FMODE_READ, NULL);
	return PTR_ERR_OR_ZERO(h->bdev);
}

static inline void sl_bdev_close(struct sl_bdev_handle *h)
{
	blkdev_put(h->bdev, FMODE_READ);
}
#endif

/* Parsed request attributes of a dump: 6.2 moved them into a genl_info. */
static inline struct nlattr **sl_dump_attrs(struct netlink_callback *cb)
{
#ifdef SL_HAVE_GENL_INFO_DUMP
	return genl_info_dump(cb)->attrs;
#else
	return genl_dumpit_info(cb)->attrs;
#endif
}

/*
 * The op table: kernel/netlink_gen.c (generated from the spec) is written
 * as split ops, per-operation policies with a pre_doit or start each. 6.1
 * has no struct genl_split_ops (6.2 added it), so there it gets one with
 * the same members, for the generated table to be written in, and
 * sl_genl_ops_init() turns that table into the genl_ops 6.1 registers,
 * once, at load: each op keeps its own policy (6.1 already takes one per
 * op), and the pre_doit, one per family on 6.1, runs the op's own. The
 * table has one source, the spec, on every kernel. SL_GENL_OPS names
 * the table in the family (netlink.c, which sees netlink_gen.h).
 */
#ifdef SL_HAVE_SPLIT_OPS
#define SL_GENL_OPS							\
	.split_ops = softlock_nl_ops,					\
	.n_split_ops = ARRAY_SIZE(softlock_nl_ops)
static inline void sl_genl_ops_init(struct genl_family *family) { }
#else
struct genl_split_ops {
	int (*pre_doit)(const struct genl_split_ops *ops, struct sk_buff *skb,
			struct genl_info *info);
	int (*doit)(struct sk_buff *skb, struct genl_info *info);
	void (*post_doit)(const struct genl_split_ops *ops,
			  struct sk_buff *skb, struct genl_info *info);
	int (*start)(struct netlink_callback *cb);
	int (*dumpit)(struct sk_buff *skb, struct netlink_callback *cb);
	int (*done)(struct netlink_callback *cb);
	const struct nla_policy *policy;
	unsigned int maxattr;
	u8 cmd;
	u8 internal_flags;
	u8 flags;
	u8 validate;
};

/* .ops is set by sl_genl_ops_init(). */
#define SL_GENL_OPS .n_ops = ARRAY_SIZE(softlock_nl_ops)
void sl_genl_ops_init(struct genl_family *family);
#endif

/*
 * 6.1's nla_policy points at a range through a non-const pointer (6.2 made
 * it const); the generated policies point at const ranges, which nothing
 * writes to on any kernel.
 */
#ifndef SL_HAVE_CONST_RANGE
#undef NLA_POLICY_FULL_RANGE
#define NLA_POLICY_FULL_RANGE(tp, _range) {				\
	.type = NLA_ENSURE_UINT_OR_BINARY_TYPE(tp),			\
	.validation_type = NLA_VALIDATE_RANGE_PTR,			\
	.range = (struct netlink_range_validation *)(_range),		\
}
#endif

/*
 * Formatted extack messages: 6.2 added a buffer to the extack. On 6.1 the
 * message must outlive the handler until the ack is built, so it goes into
 * one of a ring of static buffers (compat.c); a slot is reused only after
 * SL_EXTACK_RING later messages, long after any ack that pointed at it.
 */
#ifndef SL_HAVE_EXTACK_FMT
#define SL_EXTACK_RING 32
#define SL_EXTACK_LEN 80
char *sl_extack_fmt(const char *fmt, ...) __printf(1, 2);
#define NL_SET_ERR_MSG_FMT_MOD(extack, fmt, args...) do {		\
	struct netlink_ext_ack *__sl_extack = (extack);			\
									\
	if (__sl_extack)						\
		__sl_extack->_msg = sl_extack_fmt(KBUILD_MODNAME ": " fmt, \
						  ##args);		\
} while (0)
#define SL_NEED_EXTACK_RING 1
#endif

/*
 * Locks come from caches of the module's own sized to 16 bytes where the
 * kernel supports kfree() of a cache's objects (6.4 and later; detected
 * by kvfree_rcu_barrier(), which came later still, in 6.12). On 6.1 locks
 * stay in kmalloc.
 */
#ifdef SL_HAVE_KVFREE_RCU_BARRIER
#define SL_LOCK_CACHES 1
#else
#define SL_LOCK_CACHES 0
#endif

#endif /* _SOFTLOCK_COMPAT_H */
