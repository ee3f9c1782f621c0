/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/softlock.yaml */
/* YNL-GEN kernel header */

#ifndef _LINUX_SOFTLOCK_GEN_H
#define _LINUX_SOFTLOCK_GEN_H

#include <net/netlink.h>
#include <net/genetlink.h>

#include <uapi/linux/softlock.h>
#include <compat.h>

/* Common nested types */
extern const struct nla_policy softlock_entry_nl_policy[SOFTLOCK_A_ENTRY_PIN_UUID + 1];

/* Ops table for softlock */
extern const struct genl_split_ops softlock_nl_ops[12];

int sl_nl_pre_doit(const struct genl_split_ops *ops, struct sk_buff *skb,
		   struct genl_info *info);
int sl_nl_lock_get_start(struct netlink_callback *cb);
int sl_nl_pool_get_start(struct netlink_callback *cb);
int sl_nl_lock_get_done(struct netlink_callback *cb);

int softlock_nl_lock_add_doit(struct sk_buff *skb, struct genl_info *info);
int softlock_nl_lock_del_doit(struct sk_buff *skb, struct genl_info *info);
int softlock_nl_lock_get_dumpit(struct sk_buff *skb,
				struct netlink_callback *cb);
int softlock_nl_replace_begin_doit(struct sk_buff *skb, struct genl_info *info);
int softlock_nl_replace_add_doit(struct sk_buff *skb, struct genl_info *info);
int softlock_nl_replace_commit_doit(struct sk_buff *skb,
				    struct genl_info *info);
int softlock_nl_replace_abort_doit(struct sk_buff *skb, struct genl_info *info);
int softlock_nl_check_doit(struct sk_buff *skb, struct genl_info *info);
int softlock_nl_pool_get_dumpit(struct sk_buff *skb,
				struct netlink_callback *cb);
int softlock_nl_seal_doit(struct sk_buff *skb, struct genl_info *info);
int softlock_nl_unseal_doit(struct sk_buff *skb, struct genl_info *info);
int softlock_nl_stats_get_doit(struct sk_buff *skb, struct genl_info *info);

enum {
	SOFTLOCK_NLGRP_EVENTS,
};

#endif /* _LINUX_SOFTLOCK_GEN_H */
