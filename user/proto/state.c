// SPDX-License-Identifier: GPL-2.0
/*
 * The peer-protocol session state machine: a table of who may send what in
 * each step, and the checks that tie a message to the ones before it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "state.h"

/* Who sends: fixed per step, and per message type except ERROR and BYE. */
enum { W_ANY, W_INIT, W_RESP, W_SRC, W_DST };

static const char *const sl_who[] = {
	[W_ANY] = "either side", [W_INIT] = "initiator",
	[W_RESP] = "responder", [W_SRC] = "source", [W_DST] = "destination",
};

static const uint8_t sl_type_sender[SL_MSG_MAX + 1] = {
	[SL_MSG_HELLO] = W_INIT, [SL_MSG_HELLO_ACK] = W_RESP,
	/* Locks travel upstream: the destination says what it needs kept. */
	[SL_MSG_LOCKSET] = W_DST, [SL_MSG_LOCKSET_ACK] = W_SRC,
	[SL_MSG_OFFER] = W_SRC, [SL_MSG_ACCEPT] = W_DST,
	[SL_MSG_DATA] = W_SRC, [SL_MSG_DISCARD] = W_SRC,
	[SL_MSG_DONE] = W_SRC, [SL_MSG_PUBLISHED] = W_DST,
	[SL_MSG_ERROR] = W_ANY, [SL_MSG_BYE] = W_ANY,
	/* The side that asked for the comparison computes it too. */
	[SL_MSG_VERIFY] = W_INIT, [SL_MSG_SUMS] = W_RESP,
	[SL_MSG_SUMS_DONE] = W_RESP,
};

/* The kind of session a message belongs to; 0: both kinds. */
static const uint8_t sl_type_purpose[SL_MSG_MAX + 1] = {
	[SL_MSG_LOCKSET] = SL_PURPOSE_UPDATE,
	[SL_MSG_LOCKSET_ACK] = SL_PURPOSE_UPDATE,
	[SL_MSG_OFFER] = SL_PURPOSE_UPDATE, [SL_MSG_ACCEPT] = SL_PURPOSE_UPDATE,
	[SL_MSG_DATA] = SL_PURPOSE_UPDATE, [SL_MSG_DISCARD] = SL_PURPOSE_UPDATE,
	[SL_MSG_DONE] = SL_PURPOSE_UPDATE,
	[SL_MSG_PUBLISHED] = SL_PURPOSE_UPDATE,
	[SL_MSG_VERIFY] = SL_PURPOSE_VERIFY, [SL_MSG_SUMS] = SL_PURPOSE_VERIFY,
	[SL_MSG_SUMS_DONE] = SL_PURPOSE_VERIFY,
};

static const char *const sl_purpose_session[] = {
	[SL_PURPOSE_UPDATE] = "an update session",
	[SL_PURPOSE_VERIFY] = "a verify session",
	[SL_PURPOSE_RELEASE] = "a release session",
};

/* A release session is an update's last lock set alone. */
static bool sl_purpose_ok(uint8_t purpose, uint8_t type)
{
	if (!purpose || !sl_type_purpose[type] ||
	    sl_type_purpose[type] == purpose)
		return true;
	return purpose == SL_PURPOSE_RELEASE &&
	       (type == SL_MSG_LOCKSET || type == SL_MSG_LOCKSET_ACK);
}

#define T(x) (1u << SL_MSG_##x)

static const struct {
	const char *name;	/* sl_proto_step_name() */
	uint8_t who;		/* whose turn it is */
	uint32_t types;		/* what that side may send (ERROR: always) */
	const char *where;	/* "unexpected DATA <where>" */
	const char *expected;
} sl_steps[] = {
	[SL_ST_HELLO] = { "hello", W_INIT, T(HELLO), "before HELLO", "HELLO" },
	[SL_ST_HELLO_ACK] = { "hello-ack", W_RESP, T(HELLO_ACK),
			      "before HELLO_ACK", "HELLO_ACK" },
	[SL_ST_LOCKSET_BEFORE] = { "lockset-before", W_DST, T(LOCKSET),
				   "before the first LOCKSET", "LOCKSET" },
	[SL_ST_ACK_BEFORE] = { "ack-before", W_SRC, T(LOCKSET_ACK),
			       "before LOCKSET_ACK", "LOCKSET_ACK" },
	[SL_ST_OFFER] = { "offer", W_SRC, T(OFFER), "before OFFER", "OFFER" },
	[SL_ST_ACCEPT] = { "accept", W_DST, T(ACCEPT), "before ACCEPT",
			   "ACCEPT" },
	[SL_ST_STREAM] = { "stream", W_SRC, T(DATA) | T(DISCARD) | T(DONE),
			   "before DONE", "DATA, DISCARD or DONE" },
	[SL_ST_PUBLISHED] = { "published", W_DST, T(PUBLISHED),
			      "before PUBLISHED", "PUBLISHED" },
	[SL_ST_LOCKSET_AFTER] = { "lockset-after", W_DST, T(LOCKSET),
				  "after PUBLISHED", "LOCKSET" },
	[SL_ST_ACK_AFTER] = { "ack-after", W_SRC, T(LOCKSET_ACK),
			      "before the last LOCKSET_ACK", "LOCKSET_ACK" },
	[SL_ST_BYE] = { "bye", W_DST, T(BYE), "after the last LOCKSET_ACK",
			"BYE" },
	[SL_ST_BYE_REPLY] = { "bye-reply", W_SRC, T(BYE),
			      "before the BYE reply", "BYE" },
	[SL_ST_VERIFY] = { "verify", W_INIT, T(VERIFY), "before VERIFY",
			   "VERIFY" },
	[SL_ST_SUMS] = { "sums", W_RESP, T(SUMS) | T(SUMS_DONE),
			 "before SUMS_DONE", "SUMS or SUMS_DONE" },
	[SL_ST_VERIFY_BYE] = { "verify-bye", W_INIT, T(BYE), "after SUMS_DONE",
			       "BYE" },
	[SL_ST_VERIFY_BYE_REPLY] = { "verify-bye-reply", W_RESP, T(BYE),
				     "before the BYE reply", "BYE" },
	[SL_ST_CLOSED] = { "closed", W_ANY, 0, "after BYE", "nothing" },
	[SL_ST_FAILED] = { "failed", W_ANY, 0,
			   "after an ERROR or a bad frame", "nothing" },
};

static int sl_other(int role)
{
	return role == SL_ROLE_SOURCE ? SL_ROLE_DESTINATION : SL_ROLE_SOURCE;
}

/* What the sender of a message is called, as precisely as is known. */
static int sl_sender(const struct sl_proto_state *ps, bool from_self)
{
	int role = from_self ? ps->self : ps->self ? sl_other(ps->self) : 0;

	if (role)
		return role == SL_ROLE_SOURCE ? W_SRC : W_DST;
	return from_self == ps->initiator ? W_INIT : W_RESP;
}

/* Is the sender who? 1, 0, or -1 while the roles are not known yet. */
static int sl_sender_is(const struct sl_proto_state *ps, bool from_self,
			int who)
{
	switch (who) {
	case W_INIT:
		return from_self == ps->initiator;
	case W_RESP:
		return from_self != ps->initiator;
	case W_SRC:
	case W_DST:
		if (!ps->self)
			return -1;
		return sl_sender(ps, from_self) == who;
	}
	return 1;
}

void sl_proto_init(struct sl_proto_state *ps, bool initiator,
		   enum sl_role role)
{
	memset(ps, 0, sizeof(*ps));
	ps->initiator = initiator;
	if (initiator)
		ps->self = role;
	else
		ps->want = role;
}

static int sl_check(const struct sl_proto_state *ps, bool from_self,
		    uint8_t type, char *err, size_t errlen)
{
	const char *verb = from_self ? "this side may not send" : "unexpected";
	const char *name = sl_msg_name(type);
	int who;

	if (!name)
		return sl_errf(err, errlen, -EPROTO, "%s message type %u",
			       verb, type);
	if (ps->st >= SL_ST_CLOSED)
		return sl_errf(err, errlen, -EPROTO,
			       "%s %s %s: the session is over", verb, name,
			       sl_steps[ps->st].where);
	if (type == SL_MSG_ERROR)
		return 0;
	/* Known from HELLO on; before it, only HELLO passes anyway. */
	if (!sl_purpose_ok(ps->purpose, type))
		return sl_errf(err, errlen, -EPROTO,
			       "%s %s in %s: only %s carries %s", verb, name,
			       sl_purpose_session[ps->purpose],
			       sl_purpose_session[sl_type_purpose[type]],
			       name);
	who = sl_type_sender[type];
	if (!sl_sender_is(ps, from_self, who) && from_self)
		return sl_errf(err, errlen, -EPROTO,
			       "the %s may not send %s: only the %s sends %s",
			       sl_who[sl_sender(ps, true)], name, sl_who[who],
			       name);
	if (!sl_sender_is(ps, from_self, who))
		return sl_errf(err, errlen, -EPROTO,
			       "unexpected %s from the %s: only the %s sends %s",
			       name, sl_who[sl_sender(ps, false)], sl_who[who],
			       name);
	/* Named as such: "expected LOCKSET" alone would not say what is wrong. */
	if (type == SL_MSG_OFFER && ps->st > SL_ST_OFFER)
		return sl_errf(err, errlen, -EPROTO,
			       "%s OFFER %s: a session carries exactly one OFFER",
			       verb, sl_steps[ps->st].where);
	who = sl_steps[ps->st].who;
	if (!(sl_steps[ps->st].types & 1u << type) ||
	    !sl_sender_is(ps, from_self, who))
		return sl_errf(err, errlen, -EPROTO,
			       "%s %s %s (expected %s from the %s)", verb,
			       name, sl_steps[ps->st].where,
			       sl_steps[ps->st].expected, sl_who[who]);
	return 0;
}

int sl_proto_expect(const struct sl_proto_state *ps, uint8_t type,
		    char *err, size_t errlen)
{
	return sl_check(ps, false, type, err, errlen);
}

static const char *sl_role_name(uint32_t role)
{
	if (role == SL_ROLE_SOURCE)
		return "source";
	return role == SL_ROLE_DESTINATION ? "destination" : "(no role)";
}

/* A message that does not fit the session so far. */
#define sl_bad(err, errlen, ...) sl_errf(err, errlen, -EPROTO, __VA_ARGS__)

/* For printing u64 values with %llu. */
#define ULL(x) ((unsigned long long)(x))

static int sl_hello(struct sl_proto_state *n, const struct sl_msg *m,
		    char *err, size_t errlen)
{
	uint32_t role = 0, purpose = SL_PURPOSE_UPDATE;
	const char *rel = "";

	sl_msg_get_u32(m, SL_A_ROLE, &role);
	sl_msg_get_u32(m, SL_A_PURPOSE, &purpose);
	sl_msg_get_u32(m, SL_A_VERSION_MIN, &n->version_min);
	sl_msg_get_u32(m, SL_A_VERSION_MAX, &n->version_max);
	sl_msg_get_str(m, SL_A_RELATIONSHIP, &rel);
	if (n->initiator && role != n->self)
		return sl_bad(err, errlen, "HELLO: ROLE %s, but this side is the %s",
			      sl_role_name(role), sl_role_name(n->self));
	if (!n->initiator) {
		if (n->want && role == n->want)
			return sl_bad(err, errlen, "HELLO: the peer is the %s, and so is this side",
				      sl_role_name(role));
		n->self = sl_other(role);
	}
	snprintf(n->relationship, sizeof(n->relationship), "%s", rel);
	n->purpose = purpose;
	n->st = SL_ST_HELLO_ACK;
	return 0;
}

static int sl_lockset(struct sl_proto_state *n, const struct sl_msg *m,
		      char *err, size_t errlen)
{
	uint32_t phase = 0;
	const char *rel = "";
	bool before = n->st == SL_ST_LOCKSET_BEFORE;

	sl_msg_get_u32(m, SL_A_PHASE, &phase);
	sl_msg_get_str(m, SL_A_RELATIONSHIP, &rel);
	if (phase != (before ? SL_PHASE_BEFORE : SL_PHASE_AFTER))
		return sl_bad(err, errlen, "LOCKSET: PHASE %s, but this one must be %s",
			      phase == SL_PHASE_BEFORE ? "before" : "after",
			      before ? "before (the first)" : "after");
	if (strcmp(rel, n->relationship))
		return sl_bad(err, errlen, "LOCKSET: RELATIONSHIP \"%s\", but the session is for \"%s\"",
			      rel, n->relationship);
	/*
	 * GENERATION is not checked: the source orders the sets itself, in
	 * the order they arrive (Documentation/protocol.rst, LOCKSET).
	 */
	n->entries = m->entries;
	n->st = before ? SL_ST_ACK_BEFORE : SL_ST_ACK_AFTER;
	return 0;
}

/* DATA and DISCARD: ascending, not overlapping, inside the offer. */
static int sl_extent(struct sl_proto_state *n, const struct sl_msg *m,
		     char *err, size_t errlen)
{
	const char *name = sl_msg_name(m->type);
	uint64_t off = 0, len = 0;
	const void *p;
	uint32_t dlen;

	sl_msg_get_u64(m, SL_A_OFFSET, &off);
	if (!sl_msg_get_bytes(m, SL_A_DATA, &p, &dlen))
		len = dlen;
	else
		sl_msg_get_u64(m, SL_A_LENGTH, &len);
	if (off < n->next)
		return sl_bad(err, errlen, "%s at OFFSET %llu: extents must ascend without overlap, the next may start at %llu",
			      name, ULL(off), ULL(n->next));
	if (off > n->size || len > n->size - off)
		return sl_bad(err, errlen, "%s: %llu bytes at OFFSET %llu end beyond the offered SIZE %llu",
			      name, ULL(len), ULL(off), ULL(n->size));
	n->next = off + len;
	if (m->type == SL_MSG_DATA)
		n->bytes += len;
	return 0;
}

/*
 * SUMS: one sum per CHUNK-sized chunk from OFFSET on, contiguous with the
 * ones before, so that the receiver can compare them as they come. How
 * many chunks there are is known only at SUMS_DONE.
 */
static int sl_sums(struct sl_proto_state *n, const struct sl_msg *m,
		   char *err, size_t errlen)
{
	uint64_t off = 0, cnt;
	const void *p;
	uint32_t len = 0;

	sl_msg_get_u64(m, SL_A_OFFSET, &off);
	sl_msg_get_bytes(m, SL_A_SUMS, &p, &len);
	cnt = len / 4;
	if (off != n->next)
		return sl_bad(err, errlen, "SUMS at OFFSET %llu: sums must ascend contiguously from 0, the next starts at %llu",
			      ULL(off), ULL(n->next));
	/*
	 * SUMS_DONE counts them in a u32. That also keeps next below 2^62
	 * (under 2^32 sums of at most 2^30 bytes): it cannot overflow.
	 */
	if (n->sums + cnt > UINT32_MAX)
		return sl_bad(err, errlen, "SUMS: more than %u sums in one session",
			      UINT32_MAX);
	n->next = off + cnt * n->chunk;
	n->sums += cnt;
	return 0;
}

static int sl_sums_done(struct sl_proto_state *n, const struct sl_msg *m,
			char *err, size_t errlen)
{
	uint64_t size = 0, chunks;
	uint32_t count = 0;

	sl_msg_get_u64(m, SL_A_SIZE, &size);
	sl_msg_get_u32(m, SL_A_COUNT, &count);
	if (count != n->sums)
		return sl_bad(err, errlen, "SUMS_DONE: COUNT %u, but SUMS carried %llu sums",
			      count, ULL(n->sums));
	/* The last chunk may be short; written so that it cannot overflow. */
	chunks = size / n->chunk + !!(size % n->chunk);
	if (count != chunks)
		return sl_bad(err, errlen, "SUMS_DONE: SIZE %llu is %llu chunks of %llu, but COUNT is %u",
			      ULL(size), ULL(chunks), ULL(n->chunk), count);
	n->size = size;
	n->st = SL_ST_VERIFY_BYE;
	return 0;
}

static int sl_advance(struct sl_proto_state *n, const struct sl_msg *m,
		      char *err, size_t errlen)
{
	uint32_t u = 0;
	uint64_t v = 0;
	const char *s = "";

	switch (m->type) {
	case SL_MSG_HELLO:
		return sl_hello(n, m, err, errlen);
	case SL_MSG_HELLO_ACK:
		sl_msg_get_u32(m, SL_A_VERSION, &u);
		if (u < n->version_min || u > n->version_max ||
		    u > SL_PROTO_VERSION)
			return sl_bad(err, errlen, "HELLO_ACK: VERSION %u, but HELLO offered %u..%u and this side speaks up to %u",
				      u, n->version_min, n->version_max,
				      SL_PROTO_VERSION);
		n->version = u;
		n->st = n->purpose == SL_PURPOSE_VERIFY ? SL_ST_VERIFY :
			n->purpose == SL_PURPOSE_RELEASE ? SL_ST_LOCKSET_AFTER :
			SL_ST_LOCKSET_BEFORE;
		return 0;
	case SL_MSG_LOCKSET:
		return sl_lockset(n, m, err, errlen);
	case SL_MSG_LOCKSET_ACK:
		sl_msg_get_u32(m, SL_A_COUNT, &u);
		if (u != n->entries)
			return sl_bad(err, errlen, "LOCKSET_ACK: COUNT %u, but the LOCKSET had %u entries",
				      u, n->entries);
		n->st = n->st == SL_ST_ACK_BEFORE ? SL_ST_OFFER : SL_ST_BYE;
		return 0;
	case SL_MSG_OFFER:
		sl_msg_get_u64(m, SL_A_SIZE, &n->size);
		sl_msg_get_u32(m, SL_A_CHUNK, &u);
		sl_msg_get_str(m, SL_A_GLOBAL_ID, &s);
		n->chunk = u;
		snprintf(n->global_id, sizeof(n->global_id), "%s", s);
		n->st = SL_ST_ACCEPT;
		return 0;
	case SL_MSG_ACCEPT:
		sl_msg_get_u64(m, SL_A_RESUME_OFFSET, &v);
		if (v > n->size)
			return sl_bad(err, errlen, "ACCEPT: RESUME_OFFSET %llu is beyond the offered SIZE %llu",
				      ULL(v), ULL(n->size));
		/* Progress is kept per chunk; the end needs no alignment. */
		if (v != n->size && (!n->chunk || v % n->chunk))
			return sl_bad(err, errlen, "ACCEPT: RESUME_OFFSET %llu is not a multiple of CHUNK %llu",
				      ULL(v), ULL(n->chunk));
		n->next = v;
		n->bytes = 0;
		n->st = SL_ST_STREAM;
		return 0;
	case SL_MSG_DATA:
	case SL_MSG_DISCARD:
		return sl_extent(n, m, err, errlen);
	case SL_MSG_DONE:
		sl_msg_get_u64(m, SL_A_BYTES_SENT, &v);
		if (v != n->bytes)
			return sl_bad(err, errlen, "DONE: BYTES_SENT %llu, but DATA carried %llu bytes",
				      ULL(v), ULL(n->bytes));
		n->st = SL_ST_PUBLISHED;
		return 0;
	case SL_MSG_PUBLISHED:
		sl_msg_get_str(m, SL_A_GLOBAL_ID, &s);
		if (strcmp(s, n->global_id))
			return sl_bad(err, errlen, "PUBLISHED: GLOBAL_ID %s, but the OFFER was %s",
				      s, n->global_id);
		n->st = SL_ST_LOCKSET_AFTER;
		return 0;
	case SL_MSG_VERIFY:
		sl_msg_get_u32(m, SL_A_CHUNK, &u);
		sl_msg_get_str(m, SL_A_GLOBAL_ID, &s);
		n->chunk = u;
		snprintf(n->global_id, sizeof(n->global_id), "%s", s);
		n->next = 0;
		n->sums = 0;
		n->st = SL_ST_SUMS;
		return 0;
	case SL_MSG_SUMS:
		return sl_sums(n, m, err, errlen);
	case SL_MSG_SUMS_DONE:
		return sl_sums_done(n, m, err, errlen);
	case SL_MSG_BYE:
		if (n->st == SL_ST_BYE)
			n->st = SL_ST_BYE_REPLY;
		else if (n->st == SL_ST_VERIFY_BYE)
			n->st = SL_ST_VERIFY_BYE_REPLY;
		else
			n->st = SL_ST_CLOSED;
		return 0;
	case SL_MSG_ERROR:
		n->st = SL_ST_FAILED;
		return 0;
	}
	return sl_bad(err, errlen, "unknown message type %u", m->type);
}

static int sl_step(struct sl_proto_state *ps, bool from_self,
		   const struct sl_msg *m, char *err, size_t errlen)
{
	struct sl_proto_state n = *ps;
	int rc;

	rc = sl_check(ps, from_self, m->type, err, errlen);
	if (!rc)
		rc = sl_advance(&n, m, err, errlen);
	if (!rc)
		*ps = n;	/* all or nothing */
	return rc;
}

int sl_proto_recv(struct sl_proto_state *ps, const struct sl_msg *m,
		  char *err, size_t errlen)
{
	int rc = sl_step(ps, false, m, err, errlen);

	if (rc)
		ps->st = SL_ST_FAILED;
	return rc;
}

int sl_proto_sent(struct sl_proto_state *ps, const struct sl_msg *m,
		  char *err, size_t errlen)
{
	return sl_step(ps, true, m, err, errlen);
}

int sl_proto_eof(const struct sl_proto_state *ps, char *err, size_t errlen)
{
	if (ps->st >= SL_ST_CLOSED)
		return 0;
	return sl_errf(err, errlen, -ECONNRESET,
		       "the peer closed the connection %s",
		       sl_steps[ps->st].where);
}

bool sl_proto_finished(const struct sl_proto_state *ps)
{
	return ps->st == SL_ST_CLOSED;
}

const char *sl_proto_step_name(const struct sl_proto_state *ps)
{
	if (ps->st > SL_ST_FAILED)	/* the last step */
		return "invalid";
	return sl_steps[ps->st].name;
}

int sl_proto_pick_version(uint32_t min, uint32_t max, uint32_t *version,
			  char *err, size_t errlen)
{
	uint32_t hi = max < SL_PROTO_VERSION ? max : SL_PROTO_VERSION;

	if (!min || hi < min || hi < SL_PROTO_VERSION_MIN)
		return sl_errf(err, errlen, -EPROTONOSUPPORT,
			       "no common protocol version: the peer speaks %u..%u, this side %u..%u",
			       min, max, SL_PROTO_VERSION_MIN,
			       SL_PROTO_VERSION);
	*version = hi;
	return 0;
}
