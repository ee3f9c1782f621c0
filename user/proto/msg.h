/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Peer-protocol messages: a frame's type says which message it is, its
 * payload is a list of attributes
 *
 *   u16 type, u16 reserved (0), u32 length, value, zero padding to 4 bytes
 *
 * (all little-endian). A per-message policy says which attributes may and
 * must appear; anything else is refused, so both sides agree on exactly
 * what v1 means. Numbers below are on the wire: never renumber them.
 */
#ifndef SL_PROTO_MSG_H
#define SL_PROTO_MSG_H

#include <stdint.h>

#include "frame.h"

enum sl_msg_type {
	SL_MSG_HELLO = 1,
	SL_MSG_HELLO_ACK = 2,
	SL_MSG_LOCKSET = 3,
	SL_MSG_LOCKSET_ACK = 4,
	SL_MSG_OFFER = 5,
	SL_MSG_ACCEPT = 6,
	SL_MSG_DATA = 7,
	SL_MSG_DISCARD = 8,
	SL_MSG_DONE = 9,
	SL_MSG_PUBLISHED = 10,
	SL_MSG_ERROR = 11,
	SL_MSG_BYE = 12,
	/* A verify session (HELLO with PURPOSE verify) carries these. */
	SL_MSG_VERIFY = 13,
	SL_MSG_SUMS = 14,
	SL_MSG_SUMS_DONE = 15,
	SL_MSG_MAX = SL_MSG_SUMS_DONE
};

/*
 * One attribute namespace for all messages: an attribute has the same
 * meaning and wire type wherever it is allowed.
 */
enum sl_attr_type {
	SL_A_VERSION_MIN = 1,		/* u32 1..255 */
	SL_A_VERSION_MAX = 2,		/* u32 1..255 */
	SL_A_ROLE = 3,			/* u32 enum sl_role */
	SL_A_HOST = 4,			/* string 1..255 */
	SL_A_RELATIONSHIP = 5,		/* string 1..63 */
	SL_A_VERSION = 6,		/* u32 1..255 */
	SL_A_PHASE = 7,			/* u32 enum sl_phase */
	SL_A_GENERATION = 8,		/* u64 */
	SL_A_ENTRY = 9,			/* nest, repeated */
	SL_A_GLOBAL_ID = 10,		/* string, UUID */
	SL_A_SNAPSHOT = 11,		/* string 1..255 */
	SL_A_LOCK_TYPE = 12,		/* u32 1..4, enum softlock_lock_type */
	SL_A_TEXT = 13,			/* string 1..255 */
	SL_A_DATASET = 14,		/* string 1..255 */
	SL_A_COUNT = 15,		/* u32 */
	SL_A_SIZE = 16,			/* u64, multiple of 512 */
	SL_A_CHUNK = 17,		/* u32, power of two 64 KiB..1 GiB */
	SL_A_BASE_GLOBAL_ID = 18,	/* string, UUID */
	SL_A_BASE_FINGERPRINT = 19,	/* 32 bytes */
	SL_A_RESUME_OFFSET = 20,	/* u64, multiple of 512 */
	SL_A_CHECKPOINT = 21,		/* u64 */
	SL_A_OFFSET = 22,		/* u64, multiple of 512 */
	SL_A_DATA = 23,			/* bytes, 512..16 MiB, multiple of 512 */
	SL_A_LENGTH = 24,		/* u64, multiple of 512, not 0 */
	SL_A_BYTES_SENT = 25,		/* u64 */
	SL_A_CHUNKS = 26,		/* u64 */
	SL_A_FINGERPRINT = 27,		/* 32 bytes */
	SL_A_CODE = 28,			/* u32 1..4095, an errno value */
	SL_A_MESSAGE = 29,		/* string 1..1023 */
	SL_A_VOLUME = 30,		/* string 1..255 */
	SL_A_PCPIS = 31,		/* bytes: UUIDs, 36 bytes each, no NUL */
	SL_A_PURPOSE = 32,		/* u32 enum sl_purpose */
	SL_A_SUMS = 33,			/* bytes: le32 CRC-32Cs, 4..16 MiB */
	SL_A_LEASE = 34,		/* u32 seconds, 1.. */
	/* Protocol version 2 on. */
	SL_A_DIGEST = 35,		/* 32 bytes: SHA-256, mirror/digest.h */
	SL_A_CRC = 36,			/* u32: CRC-32C of a DATA's bytes */
	SL_A_READ_BACK = 37,		/* u32 1: --verify, read back first */
	SL_A_MAX = SL_A_READ_BACK
};

enum sl_role {
	SL_ROLE_SOURCE = 1,
	SL_ROLE_DESTINATION = 2,
};

/*
 * What a session is for, said by HELLO (absent: update). An update
 * transfers one PCPI between two lock sets; a verify session compares
 * one PCPI's copies: the responder sends a CRC-32C per chunk of its copy;
 * a release session (softlock mirror destroy) carries only the
 * destination's last, empty lock set: the source drops every lock of it.
 */
enum sl_purpose {
	SL_PURPOSE_UPDATE = 1,
	SL_PURPOSE_VERIFY = 2,
	SL_PURPOSE_RELEASE = 3,
};

/*
 * The destination's lock set, which the source installs: the snapshots
 * the destination needs kept before the transfer, and after it published.
 */
enum sl_phase {
	SL_PHASE_BEFORE = 1,
	SL_PHASE_AFTER = 2,
};

#define SL_ATTR_HDR_LEN		8
#define SL_UUID_LEN		36	/* lowercase 8-4-4-4-12 hex */
#define SL_FINGERPRINT_LEN	32
#define SL_DIGEST_LEN		32
#define SL_NAME_MAX		255	/* host, volume, snapshot, text... */
#define SL_RELATIONSHIP_MAX	63	/* it becomes the locks' origin */
#define SL_MESSAGE_MAX		1023
#define SL_SECTOR		512
#define SL_CHUNK_MIN		(64u << 10)
#define SL_CHUNK_MAX		(1u << 30)
#define SL_DATA_MAX		(16u << 20)

/*
 * A decoded, validated message. Nothing is copied: payload and every
 * attribute point into the frame it came from.
 */
struct sl_msg {
	uint8_t type;			/* enum sl_msg_type; 0 for an ENTRY */
	const uint8_t *payload;
	uint32_t len;
	uint32_t entries;		/* ENTRY attributes (LOCKSET) */
	const uint8_t *attr[SL_A_MAX + 1];	/* first occurrence's header */
};

/* "HELLO", "ENTRY"...; NULL for numbers that name nothing. */
const char *sl_msg_name(unsigned int type);
const char *sl_attr_name(unsigned int attr);

/*
 * Building: sl_msg_begin() opens a frame in b, the puts append attributes,
 * sl_msg_end() closes it and checks it against the policy the peer will
 * apply, so this side never sends what it would itself refuse. A put that
 * fails (memory, size) is reported by sl_msg_end().
 */
void sl_msg_begin(struct sl_pbuf *b, enum sl_msg_type type);
void sl_msg_put_u32(struct sl_pbuf *b, uint16_t attr, uint32_t v);
void sl_msg_put_u64(struct sl_pbuf *b, uint16_t attr, uint64_t v);
void sl_msg_put_str(struct sl_pbuf *b, uint16_t attr, const char *s);
void sl_msg_put_bytes(struct sl_pbuf *b, uint16_t attr, const void *p,
		      size_t len);
/*
 * Room for a len-byte value, returned for the caller to fill (DATA read
 * straight from the device into the frame); valid until the next put.
 */
void *sl_msg_put_space(struct sl_pbuf *b, uint16_t attr, size_t len);
/* A nest: the attributes put until sl_msg_nest_end() go inside it. */
size_t sl_msg_nest_begin(struct sl_pbuf *b, uint16_t attr);
void sl_msg_nest_end(struct sl_pbuf *b, size_t nest);
/*
 * Close the frame and validate it; on success *m (may be NULL) describes
 * the message just built, pointing into b. 0, or -errno and err.
 */
int sl_msg_end(struct sl_pbuf *b, struct sl_msg *m, char *err, size_t errlen);

/*
 * Decoding: check a payload against its message's policy. On success *m
 * indexes it; on failure (-EBADMSG) err names the message, the attribute
 * and what is wrong with it.
 */
int sl_msg_parse(uint8_t type, const void *payload, size_t len,
		 struct sl_msg *m, char *err, size_t errlen);
int sl_msg_decode(const struct sl_frame *f, struct sl_msg *m,
		  char *err, size_t errlen);

/*
 * Getters: 0, -ENOENT when the (optional) attribute is absent, -EINVAL
 * when attr is not of the getter's type. Strings and bytes point into the
 * message; strings are NUL-terminated and printable.
 */
int sl_msg_get_u32(const struct sl_msg *m, uint16_t attr, uint32_t *v);
int sl_msg_get_u64(const struct sl_msg *m, uint16_t attr, uint64_t *v);
int sl_msg_get_str(const struct sl_msg *m, uint16_t attr, const char **s);
int sl_msg_get_bytes(const struct sl_msg *m, uint16_t attr, const void **p,
		     uint32_t *len);
/*
 * A list of global ids (PCPIS): *p points at *count UUIDs of SL_UUID_LEN
 * bytes each, back to back and NOT NUL-terminated (the i-th is p + i *
 * SL_UUID_LEN; print it with "%.36s"); each is a checked lowercase UUID.
 * *count may be 0. -EINVAL for an attribute that is not such a list.
 * To send one, fill sl_msg_put_space(b, SL_A_PCPIS, n * SL_UUID_LEN).
 */
int sl_msg_get_gids(const struct sl_msg *m, uint16_t attr, const char **p,
		    size_t *count);
/*
 * Walk a LOCKSET's entries: *pos starts at 0; returns 1 with the next
 * entry in *e (use the getters on it), 0 after the last.
 */
int sl_msg_next_entry(const struct sl_msg *m, size_t *pos, struct sl_msg *e);

#endif /* SL_PROTO_MSG_H */
