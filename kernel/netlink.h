/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared between the netlink files: the family and request helpers. The
 * handlers' prototypes, the policies and the op table are generated from
 * the spec (netlink_gen.h).
 */
#ifndef _SOFTLOCK_NETLINK_H
#define _SOFTLOCK_NETLINK_H

#include <net/genetlink.h>

#include "softlock.h"
#include "netlink_gen.h"

extern struct genl_family sl_family;

/* Request strings, NUL-terminated, that outlive the attribute parsing. */
struct sl_names {
	char pool[SOFTLOCK_POOL_MAX + 1];
	char origin[SOFTLOCK_ORIGIN_MAX + 1];
};

int sl_admin(struct sk_buff *skb, struct netlink_ext_ack *extack);
int sl_get_str(const struct nlattr *nla, char *buf, size_t size,
	       bool may_be_empty, struct netlink_ext_ack *extack);
int sl_get_expires(const struct nlattr *nla, time64_t *expires,
		   struct netlink_ext_ack *extack);
int sl_get_pin(const struct nlattr *nla, const struct nlattr *uuid,
	       dev_t *dev, char *buf, struct netlink_ext_ack *extack);
int sl_get_names(struct genl_info *info, struct sl_names *n, bool want_origin);
int sl_put_u64(struct sk_buff *skb, int type, u64 v);
void sl_notify(u8 cmd, int (*fill)(struct sk_buff *skb, const void *arg),
	       const void *arg);
int sl_reply_u32(struct genl_info *info, u8 cmd, int type, u32 v);

#endif /* _SOFTLOCK_NETLINK_H */
