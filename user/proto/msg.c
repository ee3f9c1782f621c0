// SPDX-License-Identifier: GPL-2.0
/*
 * Peer-protocol messages: the policy every received (and every built)
 * message is checked against. Building is msg_build.c, reading a checked
 * message msg_get.c.
 *
 * The policy is strict on purpose: an attribute a side does not know, a
 * duplicate, a wrong length or an odd string is refused rather than
 * skipped, so that a peer that means something else fails loudly at the
 * first frame instead of half-working. New attributes need a new version.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <linux/softlock.h>

#include "msg_int.h"
#include "../lib/utf8.h"

/* Lock attributes on the wire are the kernel's, unchanged. */
_Static_assert(SL_RELATIONSHIP_MAX == SOFTLOCK_ORIGIN_MAX, "origin length");
_Static_assert(SL_NAME_MAX == SOFTLOCK_TEXT_MAX, "text length");

const struct sl_attr_spec sl_attrs[SL_A_MAX + 1] = {
	[SL_A_VERSION_MIN]	= { "VERSION_MIN", K_U32, 0, 1, 255 },
	[SL_A_VERSION_MAX]	= { "VERSION_MAX", K_U32, 0, 1, 255 },
	[SL_A_ROLE]		= { "ROLE", K_U32, 0, SL_ROLE_SOURCE,
				    SL_ROLE_DESTINATION },
	[SL_A_HOST]		= { "HOST", K_STR, 0, 1, SL_NAME_MAX },
	[SL_A_RELATIONSHIP]	= { "RELATIONSHIP", K_STR, 0, 1,
				    SL_RELATIONSHIP_MAX },
	[SL_A_VERSION]		= { "VERSION", K_U32, 0, 1, 255 },
	[SL_A_PHASE]		= { "PHASE", K_U32, 0, SL_PHASE_BEFORE,
				    SL_PHASE_AFTER },
	[SL_A_GENERATION]	= { "GENERATION", K_U64, 0, 0, UINT64_MAX },
	[SL_A_ENTRY]		= { "ENTRY", K_NEST, 0, 0, SL_FRAME_MAX },
	[SL_A_GLOBAL_ID]	= { "GLOBAL_ID", K_STR, C_UUID, SL_UUID_LEN,
				    SL_UUID_LEN },
	[SL_A_SNAPSHOT]		= { "SNAPSHOT", K_STR, 0, 1, SL_NAME_MAX },
	[SL_A_LOCK_TYPE]	= { "LOCK_TYPE", K_U32, 0,
				    SOFTLOCK_LOCK_TYPE_OWNER,
				    SOFTLOCK_LOCK_TYPE_APP },
	[SL_A_TEXT]		= { "TEXT", K_STR, 0, 1, SL_NAME_MAX },
	[SL_A_DATASET]		= { "DATASET", K_STR, 0, 1, SL_NAME_MAX },
	[SL_A_COUNT]		= { "COUNT", K_U32, 0, 0, UINT32_MAX },
	[SL_A_SIZE]		= { "SIZE", K_U64, C_SECTOR, SL_SECTOR,
				    UINT64_MAX },
	[SL_A_CHUNK]		= { "CHUNK", K_U32, C_POW2, SL_CHUNK_MIN,
				    SL_CHUNK_MAX },
	[SL_A_BASE_GLOBAL_ID]	= { "BASE_GLOBAL_ID", K_STR, C_UUID,
				    SL_UUID_LEN, SL_UUID_LEN },
	[SL_A_BASE_FINGERPRINT]	= { "BASE_FINGERPRINT", K_BYTES, 0,
				    SL_FINGERPRINT_LEN, SL_FINGERPRINT_LEN },
	[SL_A_RESUME_OFFSET]	= { "RESUME_OFFSET", K_U64, C_SECTOR, 0,
				    UINT64_MAX },
	[SL_A_CHECKPOINT]	= { "CHECKPOINT", K_U64, 0, 0, UINT64_MAX },
	[SL_A_OFFSET]		= { "OFFSET", K_U64, C_SECTOR, 0, UINT64_MAX },
	[SL_A_DATA]		= { "DATA", K_BYTES, C_SECTOR, SL_SECTOR,
				    SL_DATA_MAX },
	[SL_A_LENGTH]		= { "LENGTH", K_U64, C_SECTOR, SL_SECTOR,
				    UINT64_MAX },
	[SL_A_BYTES_SENT]	= { "BYTES_SENT", K_U64, 0, 0, UINT64_MAX },
	[SL_A_CHUNKS]		= { "CHUNKS", K_U64, 0, 0, UINT64_MAX },
	[SL_A_FINGERPRINT]	= { "FINGERPRINT", K_BYTES, 0,
				    SL_FINGERPRINT_LEN, SL_FINGERPRINT_LEN },
	[SL_A_CODE]		= { "CODE", K_U32, 0, 1, 4095 },
	[SL_A_MESSAGE]		= { "MESSAGE", K_STR, 0, 1, SL_MESSAGE_MAX },
	[SL_A_VOLUME]		= { "VOLUME", K_STR, 0, 1, SL_NAME_MAX },
	[SL_A_PCPIS]		= { "PCPIS", K_BYTES, C_UUIDS, 0, SL_DATA_MAX },
	[SL_A_PURPOSE]		= { "PURPOSE", K_U32, 0, SL_PURPOSE_UPDATE,
				    SL_PURPOSE_RELEASE },
	[SL_A_SUMS]		= { "SUMS", K_BYTES, C_U32S, 4, SL_DATA_MAX },
	[SL_A_LEASE]		= { "LEASE", K_U32, 0, 1, UINT32_MAX },
	[SL_A_DIGEST]		= { "DIGEST", K_BYTES, 0, SL_DIGEST_LEN,
				    SL_DIGEST_LEN },
	[SL_A_CRC]		= { "CRC", K_U32, 0, 0, UINT32_MAX },
	[SL_A_READ_BACK]	= { "READ_BACK", K_U32, 0, 1, 1 },
};

/* A message that breaks the codec's rules (sl_msg_parse): -EBADMSG. */
#define sl_malformed(err, errlen, ...) \
	sl_errf(err, errlen, -EBADMSG, __VA_ARGS__)

static int sl_check_hello(const struct sl_msg *m, const char *ctx, char *err,
			  size_t errlen)
{
	uint32_t lo = 0, hi = 0;

	sl_msg_get_u32(m, SL_A_VERSION_MIN, &lo);
	sl_msg_get_u32(m, SL_A_VERSION_MAX, &hi);
	if (lo > hi)
		return sl_malformed(err, errlen, "%s: VERSION_MIN %u is above VERSION_MAX %u",
				    ctx, lo, hi);
	return 0;
}

static int sl_check_offer(const struct sl_msg *m, const char *ctx, char *err,
			  size_t errlen)
{
	const char *id = "", *base = "";

	/* A base names a snapshot and its content; one without the other is useless. */
	if (!m->attr[SL_A_BASE_GLOBAL_ID] != !m->attr[SL_A_BASE_FINGERPRINT])
		return sl_malformed(err, errlen, "%s: %s without %s", ctx,
				    m->attr[SL_A_BASE_GLOBAL_ID] ? "BASE_GLOBAL_ID" :
								   "BASE_FINGERPRINT",
				    m->attr[SL_A_BASE_GLOBAL_ID] ? "BASE_FINGERPRINT" :
								   "BASE_GLOBAL_ID");
	sl_msg_get_str(m, SL_A_GLOBAL_ID, &id);
	if (!sl_msg_get_str(m, SL_A_BASE_GLOBAL_ID, &base) && !strcmp(id, base))
		return sl_malformed(err, errlen, "%s: BASE_GLOBAL_ID %s is the offered snapshot itself",
				    ctx, id);
	return 0;
}

static int sl_check_extent(const struct sl_msg *m, const char *ctx, char *err,
			   size_t errlen)
{
	uint64_t off = 0, len = 0;
	const void *p;
	uint32_t n;

	sl_msg_get_u64(m, SL_A_OFFSET, &off);
	if (!sl_msg_get_bytes(m, SL_A_DATA, &p, &n))
		len = n;
	else
		sl_msg_get_u64(m, SL_A_LENGTH, &len);
	if (len > UINT64_MAX - off)
		return sl_malformed(err, errlen, "%s: %llu bytes at OFFSET %llu run past 2^64",
				    ctx, (unsigned long long)len,
				    (unsigned long long)off);
	return 0;
}

const struct sl_msg_spec sl_entry_spec = {
	"ENTRY", {
		[SL_A_GLOBAL_ID] = P_REQ, [SL_A_SNAPSHOT] = P_REQ,
		[SL_A_LOCK_TYPE] = P_REQ, [SL_A_TEXT] = P_REQ,
		[SL_A_DATASET] = P_OPT,	/* a lock's dataset may be empty */
	}, NULL
};

static const struct sl_msg_spec sl_msgs[SL_MSG_MAX + 1] = {
	[SL_MSG_HELLO] = { "HELLO", {
		[SL_A_VERSION_MIN] = P_REQ, [SL_A_VERSION_MAX] = P_REQ,
		[SL_A_ROLE] = P_REQ, [SL_A_HOST] = P_REQ,
		[SL_A_RELATIONSHIP] = P_REQ, [SL_A_VOLUME] = P_REQ,
		[SL_A_PURPOSE] = P_OPT,	/* absent: update */
		[SL_A_LEASE] = P_OPT,	/* absent: locks never expire */
	}, sl_check_hello },
	[SL_MSG_HELLO_ACK] = { "HELLO_ACK", {
		[SL_A_VERSION] = P_REQ, [SL_A_HOST] = P_REQ,
	}, NULL },
	[SL_MSG_LOCKSET] = { "LOCKSET", {
		[SL_A_RELATIONSHIP] = P_REQ, [SL_A_PHASE] = P_REQ,
		[SL_A_GENERATION] = P_REQ, [SL_A_ENTRY] = P_MULTI,
		[SL_A_DATASET] = P_REQ,	/* the destination, HOST:VG/LV */
	}, NULL },
	[SL_MSG_LOCKSET_ACK] = { "LOCKSET_ACK", {
		[SL_A_COUNT] = P_REQ,
	}, NULL },
	[SL_MSG_OFFER] = { "OFFER", {
		[SL_A_SNAPSHOT] = P_REQ, [SL_A_GLOBAL_ID] = P_REQ,
		[SL_A_SIZE] = P_REQ, [SL_A_CHUNK] = P_REQ,
		[SL_A_BASE_GLOBAL_ID] = P_OPT, [SL_A_BASE_FINGERPRINT] = P_OPT,
		[SL_A_PCPIS] = P_OPT,	/* what the source still holds */
		[SL_A_READ_BACK] = P_OPT,	/* the initiator's --verify */
	}, sl_check_offer },
	[SL_MSG_ACCEPT] = { "ACCEPT", {
		[SL_A_RESUME_OFFSET] = P_REQ, [SL_A_CHECKPOINT] = P_REQ,
	}, NULL },
	[SL_MSG_DATA] = { "DATA", {
		[SL_A_OFFSET] = P_REQ, [SL_A_DATA] = P_REQ,
		[SL_A_CRC] = P_OPT,	/* for `mirror update --verify` */
	}, sl_check_extent },
	[SL_MSG_DISCARD] = { "DISCARD", {
		[SL_A_OFFSET] = P_REQ, [SL_A_LENGTH] = P_REQ,
	}, sl_check_extent },
	[SL_MSG_DONE] = { "DONE", {
		[SL_A_BYTES_SENT] = P_REQ, [SL_A_CHUNKS] = P_REQ,
		[SL_A_FINGERPRINT] = P_REQ, [SL_A_DIGEST] = P_REQ,
	}, NULL },
	[SL_MSG_PUBLISHED] = { "PUBLISHED", {
		[SL_A_GLOBAL_ID] = P_REQ,
	}, NULL },
	[SL_MSG_ERROR] = { "ERROR", {
		[SL_A_CODE] = P_REQ, [SL_A_MESSAGE] = P_REQ,
	}, NULL },
	[SL_MSG_BYE] = { "BYE", { 0 }, NULL },
	[SL_MSG_VERIFY] = { "VERIFY", {
		[SL_A_GLOBAL_ID] = P_REQ, [SL_A_CHUNK] = P_REQ,
	}, NULL },
	/* Whether the sums fit the chunks is the session's to check. */
	[SL_MSG_SUMS] = { "SUMS", {
		[SL_A_OFFSET] = P_REQ, [SL_A_SUMS] = P_REQ,
	}, NULL },
	[SL_MSG_SUMS_DONE] = { "SUMS_DONE", {
		[SL_A_SIZE] = P_REQ, [SL_A_COUNT] = P_REQ,
	}, NULL },
};

/*
 * Each spec's required attributes as a bit mask, made once at start-up
 * from the tables above: the check that none is missing, after every
 * entry of a set of 175,000, is then one compare instead of a walk of
 * every attribute number.
 */
static uint64_t sl_req[SL_MSG_MAX + 1];
uint64_t sl_entry_req;

static uint64_t sl_spec_req(const struct sl_msg_spec *spec)
{
	uint64_t req = 0;
	unsigned int t;

	for (t = 1; t <= SL_A_MAX; t++)
		if (spec->pol[t] == P_REQ)
			req |= 1ull << t;
	return req;
}

__attribute__((constructor)) static void sl_req_init(void)
{
	unsigned int i;

	_Static_assert(SL_A_MAX < 64, "one bit per attribute");
	for (i = 1; i <= SL_MSG_MAX; i++)
		sl_req[i] = sl_spec_req(&sl_msgs[i]);
	sl_entry_req = sl_spec_req(&sl_entry_spec);
}

const char *sl_msg_name(unsigned int type)
{
	return type && type <= SL_MSG_MAX ? sl_msgs[type].name : NULL;
}

const char *sl_attr_name(unsigned int attr)
{
	return attr && attr <= SL_A_MAX ? sl_attrs[attr].name : NULL;
}

/* What each byte of a lowercase UUID may be: a hex digit, or a dash. */
static const char sl_uuid_form[SL_UUID_LEN + 1] =
	"xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
static const bool sl_hex_digit[256] = {
	['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1,
	['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
	['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
};

/* The offset of the first byte of v that breaks the form, or -1. */
static int sl_uuid_bad(const uint8_t *v)
{
	int i;

	for (i = 0; i < SL_UUID_LEN; i++)
		if (sl_uuid_form[i] == '-' ? v[i] != '-' : !sl_hex_digit[v[i]])
			return i;
	return -1;
}

/*
 * A list of UUIDs. The bad byte is named by value, not printed: it may be
 * anything, and the message may travel in an ERROR, whose text must be
 * printable.
 */
static int sl_uuids_check(const struct sl_attr_spec *as, const char *ctx,
			  const uint8_t *v, uint32_t len, char *err,
			  size_t errlen)
{
	uint32_t i;
	int bad;

	if (len % SL_UUID_LEN)
		return sl_malformed(err, errlen, "%s: attribute %s: %u bytes, not a multiple of %d",
				    ctx, as->name, len, SL_UUID_LEN);
	for (i = 0; i < len / SL_UUID_LEN; i++) {
		bad = sl_uuid_bad(v + (size_t)i * SL_UUID_LEN);
		if (bad >= 0)
			return sl_malformed(err, errlen, "%s: attribute %s: id %u is not a lowercase UUID: byte 0x%02x at offset %d",
					    ctx, as->name, i + 1,
					    v[(size_t)i * SL_UUID_LEN + bad], bad);
	}
	return 0;
}

static int sl_str_check(const struct sl_attr_spec *as, const char *ctx,
			const uint8_t *v, uint32_t len, char *err,
			size_t errlen)
{
	size_t n, i;
	uint32_t cp;
	int rc;

	/*
	 * A well-formed UUID is 36 bytes of printable ASCII with no NUL: the
	 * checks below would all pass. A lock set carries one per entry,
	 * and their UTF-8 check was a quarter of checking the set. Anything
	 * else goes through them, for the message that names what is wrong.
	 */
	if (as->check == C_UUID && len == SL_UUID_LEN + 1 && !v[SL_UUID_LEN] &&
	    sl_uuid_bad(v) < 0)
		return 0;
	if (!len || v[len - 1])
		return sl_malformed(err, errlen, "%s: attribute %s: string not NUL-terminated",
				    ctx, as->name);
	n = strlen((const char *)v);
	if (n != len - 1)
		return sl_malformed(err, errlen, "%s: attribute %s: NUL byte inside the string at offset %zu",
				    ctx, as->name, n);
	if (n < as->min || n > as->max)
		return sl_malformed(err, errlen, "%s: attribute %s: %zu characters, allowed %llu..%llu",
				    ctx, as->name, n, (unsigned long long)as->min,
				    (unsigned long long)as->max);
	/* Printable UTF-8, as softlock.ko requires (lib/utf8.h). */
	rc = sl_utf8_check((const char *)v, n, &i, &cp);
	if (rc == -EINVAL && cp < 0x80)
		return sl_malformed(err, errlen, "%s: attribute %s: non-printable byte 0x%02x at offset %zu",
				    ctx, as->name, cp, i);
	if (rc == -EINVAL)
		return sl_malformed(err, errlen, "%s: attribute %s: control character U+%04X at offset %zu",
				    ctx, as->name, cp, i);
	if (rc)
		return sl_malformed(err, errlen, "%s: attribute %s: not UTF-8: byte 0x%02x at offset %zu",
				    ctx, as->name, cp, i);
	/* The length is checked above: a UUID attribute has exactly 36. */
	if (as->check == C_UUID && sl_uuid_bad(v) >= 0)
		return sl_malformed(err, errlen, "%s: attribute %s: \"%s\" is not a lowercase UUID",
				    ctx, as->name, (const char *)v);
	return 0;
}

static int sl_value_check(const struct sl_attr_spec *as, const char *ctx,
			  const uint8_t *v, uint32_t len, char *err,
			  size_t errlen)
{
	unsigned long long x;

	switch (as->kind) {
	case K_STR:
		return sl_str_check(as, ctx, v, len, err, errlen);
	case K_BYTES:
		if (len < as->min || len > as->max)
			return sl_malformed(err, errlen, "%s: attribute %s: %u bytes, allowed %llu..%llu",
					    ctx, as->name, len,
					    (unsigned long long)as->min,
					    (unsigned long long)as->max);
		if (as->check == C_SECTOR && len % SL_SECTOR)
			return sl_malformed(err, errlen, "%s: attribute %s: %u bytes, not a multiple of %d",
					    ctx, as->name, len, SL_SECTOR);
		if (as->check == C_U32S && len % 4)
			return sl_malformed(err, errlen, "%s: attribute %s: %u bytes, not a multiple of 4",
					    ctx, as->name, len);
		if (as->check == C_UUIDS)
			return sl_uuids_check(as, ctx, v, len, err, errlen);
		return 0;
	case K_U32:
	case K_U64:
		if (len != (as->kind == K_U32 ? 4u : 8u))
			return sl_malformed(err, errlen, "%s: attribute %s: length %u, a %s is %d bytes",
					    ctx, as->name, len,
					    as->kind == K_U32 ? "u32" : "u64",
					    as->kind == K_U32 ? 4 : 8);
		x = as->kind == K_U32 ? sl_le32(v) : sl_le64(v);
		break;
	default:
		return 0;
	}
	if (x < as->min || x > as->max)
		return sl_malformed(err, errlen, "%s: attribute %s: %llu is out of range %llu..%llu",
				    ctx, as->name, x, (unsigned long long)as->min,
				    (unsigned long long)as->max);
	if (as->check == C_SECTOR && x % SL_SECTOR)
		return sl_malformed(err, errlen, "%s: attribute %s: %llu is not a multiple of %d",
				    ctx, as->name, x, SL_SECTOR);
	if (as->check == C_POW2 && (x & (x - 1)))
		return sl_malformed(err, errlen, "%s: attribute %s: %llu is not a power of two",
				    ctx, as->name, x);
	return 0;
}

/*
 * Check the attribute list p[0..len) against spec and index it into m.
 * ctx names the message (and entry) for the error. Recursion stops at one
 * level: only LOCKSET allows a nest, and entries allow none.
 */
static int sl_attrs_parse(const struct sl_msg_spec *spec, const char *ctx,
			  const uint8_t *p, size_t len, struct sl_msg *m,
			  char *err, size_t errlen)
{
	const struct sl_attr_spec *as;
	size_t off = 0, left, i;
	uint64_t seen = 0, req;
	uint32_t alen, pad;
	const uint8_t *a;
	struct sl_msg e;
	char sub[64];
	uint16_t t;
	int rc;

	memset(m, 0, sizeof(*m));
	m->payload = p;
	m->len = len;
	while (off < len) {
		a = p + off;
		left = len - off;
		if (left < SL_ATTR_HDR_LEN)
			return sl_malformed(err, errlen, "%s: %zu stray bytes at offset %zu, too short for an attribute",
					    ctx, left, off);
		t = sl_le16(a);
		alen = sl_le32(a + 4);
		if (!t || t > SL_A_MAX)
			return sl_malformed(err, errlen, "%s: unknown attribute %u",
					    ctx, t);
		as = &sl_attrs[t];
		if (!spec->pol[t])
			return sl_malformed(err, errlen, "%s: attribute %s is not part of %s",
					    ctx, as->name, spec->name);
		if (sl_le16(a + 2))
			return sl_malformed(err, errlen, "%s: attribute %s: reserved field is 0x%04x, must be 0",
					    ctx, as->name, sl_le16(a + 2));
		left -= SL_ATTR_HDR_LEN;
		if (alen > left)
			return sl_malformed(err, errlen, "%s: attribute %s: length %u runs past the end (%zu bytes left)",
					    ctx, as->name, alen, left);
		pad = -alen & 3;
		if (pad > left - alen)
			return sl_malformed(err, errlen, "%s: attribute %s: padding missing at the end",
					    ctx, as->name);
		for (i = 0; i < pad; i++)
			if (a[SL_ATTR_HDR_LEN + alen + i])
				return sl_malformed(err, errlen, "%s: attribute %s: padding is not zero",
						    ctx, as->name);
		if (m->attr[t] && spec->pol[t] != P_MULTI)
			return sl_malformed(err, errlen, "%s: duplicate attribute %s",
					    ctx, as->name);
		if (as->kind == K_NEST) {
			m->entries++;
			/*
			 * Its context ("LOCKSET: ENTRY 7") is formatted only
			 * for an error, by checking the entry again: doing so
			 * for each of a set's 175,000 entries took longer than
			 * checking them.
			 */
			rc = sl_attrs_parse(&sl_entry_spec, "ENTRY",
					    a + SL_ATTR_HDR_LEN, alen, &e,
					    NULL, 0);
			if (rc) {
				snprintf(sub, sizeof(sub), "%s: %s %u", ctx,
					 as->name, m->entries);
				rc = sl_attrs_parse(&sl_entry_spec, sub,
						    a + SL_ATTR_HDR_LEN, alen,
						    &e, err, errlen);
			}
		} else {
			rc = sl_value_check(as, ctx, a + SL_ATTR_HDR_LEN, alen,
					    err, errlen);
		}
		if (rc)
			return rc;
		if (!m->attr[t])
			m->attr[t] = a;
		seen |= 1ull << t;
		off += SL_ATTR_HDR_LEN + alen + pad;
	}
	req = spec == &sl_entry_spec ? sl_entry_req : sl_req[spec - sl_msgs];
	for (t = 1; (seen & req) != req && t <= SL_A_MAX; t++)
		if (spec->pol[t] == P_REQ && !m->attr[t])
			return sl_malformed(err, errlen, "%s: missing required attribute %s",
					    ctx, sl_attrs[t].name);
	return spec->check ? spec->check(m, ctx, err, errlen) : 0;
}

int sl_msg_parse(uint8_t type, const void *payload, size_t len,
		 struct sl_msg *m, char *err, size_t errlen)
{
	int rc;

	if (!type || type > SL_MSG_MAX)
		return sl_malformed(err, errlen, "unknown message type %u", type);
	if (len > SL_FRAME_MAX)
		return sl_errf(err, errlen, -EMSGSIZE,
			       "%s: %zu bytes (limit %u)",
			       sl_msgs[type].name, len, SL_FRAME_MAX);
	rc = sl_attrs_parse(&sl_msgs[type], sl_msgs[type].name, payload, len,
			    m, err, errlen);
	m->type = type;
	return rc;
}

int sl_msg_decode(const struct sl_frame *f, struct sl_msg *m, char *err,
		  size_t errlen)
{
	return sl_msg_parse(f->type, f->payload, f->len, m, err, errlen);
}
