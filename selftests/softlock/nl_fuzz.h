/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nl_fuzz.h - the request generators of nl_fuzz.c: a seeded PRNG,
 * well-formed requests for every softlock command, mutations of them, and
 * raw noise after a valid header. Every decision comes from the PRNG, so a
 * seed replays the same choices; only expiry times (from the clock) and
 * replace generations (from the model of the kernel's answers) vary.
 */
#ifndef NL_FUZZ_H
#define NL_FUZZ_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/softlock.h>

/* Request buffer: a base request, 6 entries and 3 appended ~4 KiB attributes fit. */
#define FZ_TX		32768
#define FZ_NPOOLS	5
#define FZ_NORIGINS	5

struct gen {
	uint64_t rng;
	uint16_t family;
	char *b;			/* FZ_TX bytes: the request */
	size_t len;			/* bytes sent; nlmsg_len may say otherwise */
	time_t now;
	time_t short_exp;		/* latest near expiry put in a request */
	/* The generation to use for a replace op, chosen from the model. */
	uint64_t (*pick_gen)(void *arg, uint8_t cmd, const char *pool,
			     const char *origin);
	void *arg;
	char pools[FZ_NPOOLS][SOFTLOCK_POOL_MAX + 1];
	char origins[FZ_NORIGINS][SOFTLOCK_ORIGIN_MAX + 1];	/* "": none */
	char long_text[SOFTLOCK_TEXT_MAX + 1];
};

/* splitmix64: small, fast, and the same stream everywhere. */
static inline uint64_t rnd(struct gen *g)
{
	uint64_t z = (g->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline uint32_t below(struct gen *g, uint32_t n)
{
	return (uint32_t)(rnd(g) % n);
}

static inline bool pct(struct gen *g, unsigned int p)
{
	return below(g, 100) < p;
}

static inline void rand_bytes(struct gen *g, char *p, size_t n)
{
	while (n--)
		*p++ = (char)rnd(g);
}

static inline struct nlmsghdr *hdr(struct gen *g)
{
	return (struct nlmsghdr *)g->b;
}

static inline void gen_init(struct gen *g)
{
	static const char *const pools[] = { "fz-a", "fz-b", "fz-\xc3\xbc", "p" };
	static const char *const origins[] = { "", "local", "mirror-1", "mirror-2" };
	unsigned int i;

	for (i = 0; i < 4; i++) {
		strcpy(g->pools[i], pools[i]);
		strcpy(g->origins[i], origins[i]);
	}
	/* The longest accepted pool, origin and text. */
	memset(g->pools[4], 'P', SOFTLOCK_POOL_MAX);
	memcpy(g->pools[4], "fz-long-", 8);
	memset(g->origins[4], 'O', SOFTLOCK_ORIGIN_MAX);
	memset(g->long_text, 'T', SOFTLOCK_TEXT_MAX);
}

static inline struct nlmsghdr *start(struct gen *g, uint8_t cmd, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(g->b);
	struct genlmsghdr *gh;

	nlh->nlmsg_type = g->family;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	gh = mnl_nlmsg_put_extra_header(nlh, sizeof(*gh));
	gh->cmd = cmd;
	gh->version = SOFTLOCK_FAMILY_VERSION;
	return nlh;
}

/* A string attribute, NUL-terminated or not: the kernel takes both. */
static inline void put_str(struct gen *g, uint16_t type, const char *s)
{
	if (pct(g, 15))
		mnl_attr_put(hdr(g), type, strlen(s), s);
	else
		mnl_attr_put_strz(hdr(g), type, s);
}

static inline uint32_t pick_pcpi(struct gen *g)
{
	static const uint32_t v[] = { 0, 1, 2, 3, 42, 1000,
				      SOFTLOCK_PCPI_MAX - 1, SOFTLOCK_PCPI_MAX };

	return pct(g, 60) ? below(g, 20) : v[below(g, 8)];
}

static inline const char *pick_text(struct gen *g, char *buf)
{
	static const char *const t[] = { "t", "owner-alice", "hostC:vg/vol",
					 "Zo\xc3\xab \xe2\x86\x92 hostC" };
	unsigned int i, n;

	if (pct(g, 5))
		return g->long_text;
	if (pct(g, 75))
		return t[below(g, 4)];
	n = 1 + below(g, 24);
	for (i = 0; i < n; i++)
		buf[i] = (char)(0x20 + below(g, 0x5f));
	buf[n] = '\0';
	return buf;
}

/* new_encode_dev() */
static inline uint32_t fz_dev(uint32_t major, uint32_t minor)
{
	return (minor & 0xff) | (major << 8) | ((minor & ~0xffu) << 12);
}

/* Dataset, expiry and pin of a lock (LOCK_ADD) or an entry (@entry). */
static inline void put_opts(struct gen *g, bool entry)
{
	struct nlmsghdr *nlh = hdr(g);
	char s[32];
	unsigned int r = below(g, 100);
	time_t e;

	if (r < 30)
		put_str(g, entry ? SOFTLOCK_A_ENTRY_DATASET : SOFTLOCK_A_DATASET,
			r < 5 ? "" : r < 8 ? g->long_text : pick_text(g, s));
	r = below(g, 100);
	e = r < 10 ? 0 : r < 30 ? g->now + 3600 + below(g, 1 << 24) :
	    r < 33 ? g->now + 1 + below(g, 3) : INT64_MAX;
	if (r < 35)
		mnl_attr_put_u64(nlh, entry ? SOFTLOCK_A_ENTRY_EXPIRES :
				 SOFTLOCK_A_EXPIRES, e);
	if (r >= 30 && r < 33 && e > g->short_exp)
		g->short_exp = e;
	/* Loop devices exist in the guest; 0:0 is refused. */
	if (pct(g, 6))
		mnl_attr_put_u32(nlh, entry ? SOFTLOCK_A_ENTRY_PIN_DEV :
				 SOFTLOCK_A_PIN_DEV,
				 pct(g, 85) ? fz_dev(7, below(g, 8)) : 0);
}

static inline void put_entry_attrs(struct gen *g)
{
	char s[32];

	mnl_attr_put_u32(hdr(g), SOFTLOCK_A_ENTRY_TYPE, 1 + below(g, 4));
	mnl_attr_put_u32(hdr(g), SOFTLOCK_A_ENTRY_PCPI, pick_pcpi(g));
	put_str(g, SOFTLOCK_A_ENTRY_TEXT, pick_text(g, s));
	put_opts(g, true);
}

static inline uint8_t pick_cmd(struct gen *g)
{
	static const uint8_t w[SOFTLOCK_CMD_UNSEAL + 1] = {
		0, 22, 9, 9, 9, 13, 7, 4, 12, 5, 1, 1,
	};
	unsigned int r = below(g, 93), c;

	if (r == 92)
		return SOFTLOCK_CMD_STATS_GET;
	for (c = 1; r >= w[c]; c++)
		r -= w[c];
	return c;
}

/* A well-formed request for @cmd, with valid and boundary values. */
static inline void gen_valid(struct gen *g, uint8_t cmd)
{
	bool dump = cmd == SOFTLOCK_CMD_LOCK_GET || cmd == SOFTLOCK_CMD_POOL_GET;
	/* 5% of the dumps are sent as a do: the core must refuse them. */
	struct nlmsghdr *nlh = start(g, cmd, (dump && !pct(g, 5) ? NLM_F_DUMP : 0) |
				     (pct(g, 3) ? NLM_F_ECHO : 0));
	const char *pool = g->pools[below(g, FZ_NPOOLS)];
	const char *origin = g->origins[below(g, FZ_NORIGINS)];
	unsigned int i, n;
	char s[32];

	origin = *origin ? origin : NULL;
	switch (cmd) {
	case SOFTLOCK_CMD_LOCK_ADD:
	case SOFTLOCK_CMD_LOCK_DEL:
	case SOFTLOCK_CMD_CHECK:
		put_str(g, SOFTLOCK_A_POOL, pool);
		mnl_attr_put_u32(nlh, SOFTLOCK_A_PCPI, pick_pcpi(g));
		if (cmd == SOFTLOCK_CMD_CHECK)
			break;
		if (cmd == SOFTLOCK_CMD_LOCK_ADD || pct(g, 30))
			mnl_attr_put_u32(nlh, SOFTLOCK_A_TYPE, 1 + below(g, 4));
		if (cmd == SOFTLOCK_CMD_LOCK_ADD || pct(g, 30))
			put_str(g, SOFTLOCK_A_TEXT, pick_text(g, s));
		if (origin && (cmd == SOFTLOCK_CMD_LOCK_ADD || pct(g, 40)))
			put_str(g, SOFTLOCK_A_ORIGIN, origin);
		if (cmd == SOFTLOCK_CMD_LOCK_ADD)
			put_opts(g, false);
		break;
	case SOFTLOCK_CMD_LOCK_GET:
		if (pct(g, 50))
			put_str(g, SOFTLOCK_A_POOL, pool);
		if (pct(g, 30))
			mnl_attr_put_u32(nlh, SOFTLOCK_A_PCPI, pick_pcpi(g));
		if (origin && pct(g, 30))
			put_str(g, SOFTLOCK_A_ORIGIN, origin);
		break;
	case SOFTLOCK_CMD_REPLACE_BEGIN ... SOFTLOCK_CMD_REPLACE_ABORT:
		put_str(g, SOFTLOCK_A_POOL, pool);
		if (origin)
			put_str(g, SOFTLOCK_A_ORIGIN, origin);
		mnl_attr_put_u64(nlh, SOFTLOCK_A_GENERATION,
				 g->pick_gen(g->arg, cmd, pool, origin));
		n = cmd == SOFTLOCK_CMD_REPLACE_ADD ? 1 + below(g, 6) : 0;
		for (i = 0; i < n; i++) {
			struct nlattr *nest = mnl_attr_nest_start(nlh, SOFTLOCK_A_ENTRY);

			put_entry_attrs(g);
			mnl_attr_nest_end(nlh, nest);
		}
		break;
	}
	g->len = nlh->nlmsg_len;
}

/* Malformed ENTRY nests, for any command: the policy validates them all. */
static inline void mut_nest(struct gen *g)
{
	struct nlmsghdr *nlh = hdr(g);
	struct nlattr *nest[16], *x;
	unsigned int i, d, v = below(g, 9);
	unsigned int depth = v == 2 ? 2 + below(g, 13) : 1; /* entries in entries */
	char s[300];

	if (v == 6) {		/* entry attributes at the top level */
		put_entry_attrs(g);
		return;
	}
	for (i = 0; i < depth; i++)
		nest[i] = mnl_attr_nest_start(nlh, SOFTLOCK_A_ENTRY);
	if (v != 1 && v != 4 && v != 5 && v != 7)
		put_entry_attrs(g);
	x = mnl_nlmsg_get_payload_tail(nlh);
	switch (v) {
	case 1:			/* garbage */
		d = 1 + below(g, 40);
		memset(x, 0, MNL_ALIGN(d));
		rand_bytes(g, (char *)x, d);
		nlh->nlmsg_len = MNL_ALIGN(nlh->nlmsg_len) + MNL_ALIGN(d);
		break;
	case 3:			/* unknown type inside */
		mnl_attr_put_u32(nlh, pct(g, 30) ? 0 :
				 SOFTLOCK_A_ENTRY_MAX + 1 + below(g, 40), 1);
		break;
	case 4:			/* one required attribute missing */
		d = below(g, 3);
		if (d != 0)
			mnl_attr_put_u32(nlh, SOFTLOCK_A_ENTRY_TYPE, 1);
		if (d != 1)
			mnl_attr_put_u32(nlh, SOFTLOCK_A_ENTRY_PCPI, 1);
		if (d != 2)
			mnl_attr_put_strz(nlh, SOFTLOCK_A_ENTRY_TEXT, "t");
		break;
	case 7:			/* bad values inside */
		mnl_attr_put_u32(nlh, SOFTLOCK_A_ENTRY_TYPE, pct(g, 50) ? 0 : 5);
		mnl_attr_put_u32(nlh, SOFTLOCK_A_ENTRY_PCPI, pct(g, 50) ? 1 :
				 SOFTLOCK_PCPI_MAX + 1 + below(g, 9));
		memset(s, 'x', sizeof(s));
		mnl_attr_put(nlh, SOFTLOCK_A_ENTRY_TEXT, 1 + below(g, sizeof(s)), s);
		break;
	case 8:			/* a truncated attribute header inside */
		x->nla_len = below(g, 4);
		x->nla_type = SOFTLOCK_A_ENTRY_TEXT;
		nlh->nlmsg_len = MNL_ALIGN(nlh->nlmsg_len) + 4;
		break;
	}
	while (depth--)
		mnl_attr_nest_end(nlh, nest[depth]);
	if (v == 0)		/* NLA_F_NESTED missing */
		nest[0]->nla_type &= ~NLA_F_NESTED;
}

/* The offsets of up to 64 well-formed top-level attributes. */
static inline unsigned int attrs_of(struct gen *g, uint32_t *off)
{
	struct nlattr *a;
	unsigned int n = 0;

	mnl_attr_for_each(a, hdr(g), GENL_HDRLEN)
		if (n < 64)
			off[n++] = (char *)a - g->b;
	return n;
}

/* nlmsg_len lies, or the datagram ends early. */
static inline void truncate_msg(struct gen *g)
{
	struct nlmsghdr *nlh = hdr(g), *tail;
	uint32_t len = nlh->nlmsg_len, cut;

	switch (below(g, 5)) {
	case 0:	/* not even an nlmsghdr: dropped */
		g->len = 1 + below(g, NLMSG_HDRLEN - 1);
		break;
	case 1:	/* nlmsg_len below the header, or beyond the datagram: dropped */
		nlh->nlmsg_len = pct(g, 50) ? below(g, NLMSG_HDRLEN) :
				 len + 1 + below(g, 64);
		break;
	case 2:	/* half a genlmsghdr */
		g->len = nlh->nlmsg_len = NLMSG_HDRLEN + below(g, GENL_HDRLEN);
		break;
	default: /* cut inside the attributes, maybe with more bytes after */
		if (len <= NLMSG_HDRLEN + GENL_HDRLEN)
			break;
		cut = NLMSG_HDRLEN + GENL_HDRLEN +
		      below(g, len - NLMSG_HDRLEN - GENL_HDRLEN);
		g->len = nlh->nlmsg_len = cut;
		/* The rest as a second message the kernel skips (no REQUEST). */
		if (pct(g, 50) && len >= NLMSG_ALIGN(cut) + NLMSG_HDRLEN) {
			tail = (struct nlmsghdr *)(g->b + NLMSG_ALIGN(cut));
			*tail = (struct nlmsghdr){ .nlmsg_len = len - NLMSG_ALIGN(cut),
						   .nlmsg_type = g->family };
			g->len = len;
		}
	}
}

/* Apply one to three mutations to the request in g->b. */
static inline void mutate(struct gen *g)
{
	static const uint16_t strs[] = { SOFTLOCK_A_POOL, SOFTLOCK_A_TEXT,
					 SOFTLOCK_A_DATASET, SOFTLOCK_A_ORIGIN };
	static const uint16_t lims[] = { SOFTLOCK_POOL_MAX, SOFTLOCK_TEXT_MAX,
					 SOFTLOCK_TEXT_MAX, SOFTLOCK_ORIGIN_MAX };
	static const uint16_t ints[] = { SOFTLOCK_A_PCPI, SOFTLOCK_A_TYPE,
					 SOFTLOCK_A_PIN_DEV, SOFTLOCK_A_EXPIRES,
					 SOFTLOCK_A_GENERATION };
	static const char *const bad[] = { "ab\0cd", "\x01" "ctl", "del\x7f",
					   "", "\0", "x\0\0", "tab\there" };
	static const uint8_t badlen[] = { 5, 4, 4, 0, 1, 3, 8 };
	struct nlmsghdr *nlh = hdr(g);
	struct genlmsghdr *gh = mnl_nlmsg_get_payload(nlh);
	unsigned int k = 1 + below(g, 3), n, i, l;
	struct nlattr *a;
	uint32_t off[64];
	char s[4096];

	while (k--) {
		n = attrs_of(g, off);
		a = n ? (struct nlattr *)(g->b + off[below(g, n)]) : NULL;
		l = a ? MNL_ALIGN(a->nla_len) : 0;
		if (a && (char *)a + l > g->b + nlh->nlmsg_len)
			l = g->b + nlh->nlmsg_len - (char *)a;
		i = below(g, 4);
		switch (below(g, 14)) {
		case 0:		/* unknown (or random) attribute type */
			rand_bytes(g, s, l = below(g, 17));
			mnl_attr_put(nlh, pct(g, 50) ? SOFTLOCK_A_MAX + 1 + below(g, 8) :
				     pct(g, 20) ? 0 : below(g, 0x4000), l, s);
			break;
		case 1:		/* duplicate: the last one wins */
			if (a) {
				memcpy(mnl_nlmsg_get_payload_tail(nlh), a, l);
				nlh->nlmsg_len = MNL_ALIGN(nlh->nlmsg_len) + l;
			}
			break;
		case 2:		/* string at, just over, or far over its limit */
			l = lims[i] + (pct(g, 25) ? below(g, 3000) : below(g, 2));
			memset(s, 'A' + below(g, 26), l);
			s[l] = '\0';
			mnl_attr_put(nlh, strs[i], l + pct(g, 50), s);
			break;
		case 3:		/* integer of the wrong size */
			l = "\0\1\2\3\5\10\14"[below(g, 7)];
			i = below(g, 5);
			l += l == (i < 3 ? 4u : 8u);
			rand_bytes(g, s, l);
			mnl_attr_put(nlh, ints[i], l, s);
			break;
		case 4:		/* unterminated, embedded NUL, control bytes, empty */
			l = below(g, 7);
			mnl_attr_put(nlh, strs[i], badlen[l], bad[l]);
			break;
		case 5:
			mut_nest(g);
			break;
		case 6:		/* drop an attribute: missing required ones */
			if (a) {
				memmove(a, (char *)a + l,
					g->b + nlh->nlmsg_len - (char *)a - l);
				nlh->nlmsg_len -= l;
			}
			break;
		case 7:		/* nla_len lies */
			if (a)
				a->nla_len = i == 0 ? 0xffff : i == 1 ?
					     a->nla_len + 1 + below(g, 8) : below(g, 4);
			break;
		case 8:		/* NLA_F_NESTED / NLA_F_NET_BYTEORDER where unexpected */
			if (a)
				a->nla_type ^= i & 1 ? NLA_F_NESTED : NLA_F_NET_BYTEORDER;
			break;
		case 9:		/* flip bytes of the attributes */
			for (i = 1 + i; nlh->nlmsg_len > GENL_HDRLEN + NLMSG_HDRLEN && i--;)
				g->b[NLMSG_HDRLEN + GENL_HDRLEN + below(g,
				     nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN)] ^=
					1 << below(g, 8);
			break;
		case 10:	/* out of range, or reply-only attributes */
			if (i == 0)
				mnl_attr_put_u32(nlh, SOFTLOCK_A_PCPI, pct(g, 50) ?
						 SOFTLOCK_PCPI_MAX + 1 : UINT32_MAX);
			else if (i == 1)
				mnl_attr_put_u32(nlh, SOFTLOCK_A_TYPE, pct(g, 50) ? 0 : 5);
			else if (i == 2)
				mnl_attr_put_u64(nlh, SOFTLOCK_A_EXPIRES, pct(g, 50) ?
						 1 : (uint64_t)INT64_MAX + 1);
			else
				mnl_attr_put(nlh, SOFTLOCK_A_CREATED + below(g, 12),
					     below(g, 3) * 4, "\1\0\0\0\0\0\0\0");
			break;
		case 11:	/* unknown, notification or another command */
			gh->cmd = i == 0 ? 0 : i == 1 ? SOFTLOCK_CMD_LOCK_NTF + below(g, 5) :
				  i == 2 ? SOFTLOCK_CMD_MAX + 1 + below(g, 239) :
				  1 + below(g, SOFTLOCK_CMD_UNSEAL);
			break;
		case 12:	/* genlmsghdr: version, reserved */
			if (i & 1)
				gh->version = (uint8_t)(2 + below(g, 254));
			else
				gh->reserved = (uint16_t)(1 + below(g, 0xffff));
			break;
		case 13:	/* flags: DUMP on a do, half a DUMP, reserved bits */
			nlh->nlmsg_flags ^= i == 0 ? NLM_F_DUMP : i == 1 ?
					    (pct(g, 50) ? NLM_F_ROOT : NLM_F_MATCH) :
					    1 << (2 + below(g, 14));
			nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
			break;
		}
	}
	g->len = nlh->nlmsg_len;
	if (pct(g, 15))
		truncate_msg(g);
}

/* A valid header, then random bytes or attribute-shaped noise. */
static inline void gen_raw(struct gen *g)
{
	struct nlmsghdr *nlh = start(g, pct(g, 70) ? 1 + below(g, SOFTLOCK_CMD_UNSEAL) :
				     below(g, 256), pct(g, 25) ? NLM_F_DUMP : 0);
	unsigned int n = below(g, 600), l;
	char s[64];

	if (pct(g, 50)) {
		rand_bytes(g, mnl_nlmsg_get_payload_tail(nlh), n);
		nlh->nlmsg_len += n;
	} else {
		for (; n > MNL_ATTR_HDRLEN + 40; n -= MNL_ALIGN(MNL_ATTR_HDRLEN + l)) {
			rand_bytes(g, s, l = below(g, 40));
			mnl_attr_put(nlh, below(g, SOFTLOCK_A_MAX + 3) |
				     (pct(g, 5) ? NLA_F_NESTED : 0), l, s);
		}
	}
	g->len = nlh->nlmsg_len;
}

#endif /* NL_FUZZ_H */
