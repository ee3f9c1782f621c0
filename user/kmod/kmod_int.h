/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What kmod.c (the connection and the requests that change locks) and
 * kmod_read.c (the requests that read them, and events) share. Not for
 * use outside user/kmod/.
 */
#ifndef SL_KMOD_INT_H
#define SL_KMOD_INT_H

#include <stddef.h>
#include <stdint.h>
#include <netlink/netlink.h>

struct sl_kmod {
	struct nl_sock *sk;
	int family;
	int events_grp;
	char error[512];
};

/* A request of cmd (NLM_F_ACK added); size 0 for the default size. */
struct nl_msg *sl_msg(struct sl_kmod *k, uint8_t cmd, int flags,
		      size_t size);
/*
 * Send msg (consumed) and read replies until the ack or the dump's end,
 * calling reply with each reply's attributes. 0 or -errno, with the
 * kernel's message in k->error.
 */
int sl_talk(struct sl_kmod *k, struct nl_msg *msg,
	    int (*reply)(struct nlattr **tb, void *arg), void *arg);
/* The POOL and, when given, ORIGIN attributes; -EMSGSIZE if full. */
int sl_put_names(struct nl_msg *msg, const char *pool, const char *origin);
/* Resolve the events multicast group into k->events_grp. */
int sl_find_group(struct sl_kmod *k);

#endif /* SL_KMOD_INT_H */
