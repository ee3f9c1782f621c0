/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nl.h - a tiny libmnl wrapper for the softlock generic netlink family,
 * shared by the selftests and sl_ctl.
 *
 * One struct sl_nl is one NETLINK_GENERIC socket with extended acks
 * enabled, bound to the resolved "softlock" family.  It is not thread
 * safe: give each thread its own.
 */
#ifndef SL_NL_H
#define SL_NL_H

#include <stdint.h>
#include <linux/netlink.h>
#include <linux/softlock.h>

/* Size of the request buffer callers allocate for sl_nl_req(). */
#define SL_NL_BUF	(256 * 1024)

struct sl_nl;

/* Open a socket and resolve the family.  NULL + errno (ENOENT: no family). */
struct sl_nl *sl_nl_open(void);
void sl_nl_close(struct sl_nl *nl);

/*
 * Start a request in @buf (SL_NL_BUF bytes): nlmsghdr + genlmsghdr for the
 * family, command @cmd, flags @flags | NLM_F_REQUEST | NLM_F_ACK.
 */
struct nlmsghdr *sl_nl_req(struct sl_nl *nl, void *buf, uint8_t cmd,
			   uint16_t flags);

/*
 * Send @req and receive until its ack (or NLMSG_DONE for dumps).  @cb, if
 * not NULL, is called for every reply message and returns MNL_CB_OK,
 * MNL_CB_STOP or MNL_CB_ERROR.  Returns 0 or -errno; the extack message of
 * the last error is kept for sl_nl_extack().
 */
int sl_nl_talk(struct sl_nl *nl, struct nlmsghdr *req,
	       int (*cb)(const struct nlmsghdr *nlh, void *data), void *data);

/* The extack message of the last sl_nl_talk(); "" when there was none. */
const char *sl_nl_extack(const struct sl_nl *nl);

/* Parse a softlock message; @tb has SOFTLOCK_A_MAX + 1 slots. 0 or -EINVAL. */
int sl_nl_parse(const struct nlmsghdr *nlh, const struct nlattr **tb);

/* Join the "events" multicast group: 0 or -errno. */
int sl_nl_join_events(struct sl_nl *nl);

/*
 * Wait up to @timeout_ms for one event message and pass it to @cb.
 * 0, -ETIMEDOUT, or -errno.
 */
int sl_nl_next_event(struct sl_nl *nl, int timeout_ms,
		     int (*cb)(const struct nlmsghdr *nlh, void *data),
		     void *data);

/* Convenience wrappers; all return 0 or -errno. */
int sl_nl_add(struct sl_nl *nl, const char *pool, uint32_t pcpi,
	      uint32_t type, const char *text, const char *origin);
int sl_nl_del(struct sl_nl *nl, const char *pool, uint32_t pcpi,
	      uint32_t *count);
int sl_nl_check(struct sl_nl *nl, const char *pool, uint32_t pcpi,
		uint32_t *reason, uint32_t *count);
/* A command without attributes: SOFTLOCK_CMD_SEAL or SOFTLOCK_CMD_UNSEAL. */
int sl_nl_simple(struct sl_nl *nl, uint8_t cmd);
/* The guard's counters of refused deletes and its state (stats-get). */
int sl_nl_stats(struct sl_nl *nl, uint64_t *refused_locked,
		uint64_t *refused_sealed, uint32_t *guard_state);

/* "owner", "dest-path", "qtree", "app"; "?" for anything else. */
const char *sl_nl_type_name(uint32_t t);
/* Name or number to a lock type; -1 when bad. */
int sl_nl_type_parse(const char *s);

#endif /* SL_NL_H */
