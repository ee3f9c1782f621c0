/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The peer-protocol session as a state machine: which message may come
 * next, from which side, and whether its content fits what came before
 * (versions, relationship, lock-set phase, extents within
 * the offer). Both sides feed it every message they send and receive, so
 * each side holds the same view and the first out-of-place frame ends the
 * session with a message naming it.
 *
 * The initiator (the side that ran ssh) sends HELLO with its role; the
 * responder (`softlock serve --stdio`) takes the other role. From then on
 * the sender of each message is fixed by role. Soft locks travel upstream:
 * the destination sends LOCKSET (the snapshots it needs the source to
 * keep) before and after the transfer, PUBLISHED and the first BYE; the
 * source acknowledges each LOCKSET and sends the one OFFER, the stream
 * and the BYE reply. ERROR may come from either side at any step until
 * the session has ended, and ends it.
 *
 * A verify session (HELLO with PURPOSE verify) carries none of that: the
 * initiator sends VERIFY (a PCPI's global id and a chunk size), the
 * responder the CRC-32C of each chunk of its copy in SUMS, ascending and
 * contiguous from 0, then SUMS_DONE with the PCPI's size and the count;
 * the initiator says BYE, the responder answers it. Either kind of
 * session refuses the other kind's messages.
 *
 * A release session (HELLO with PURPOSE release, softlock mirror destroy)
 * is an update's end alone: after HELLO_ACK the destination sends
 * LOCKSET phase after, with no entries, the source installs it (dropping
 * every lock the destination had there) and acknowledges; BYE both ways.
 */
#ifndef SL_PROTO_STATE_H
#define SL_PROTO_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "msg.h"

/*
 * In session order: an update session carries exactly one OFFER, and goes
 * from HELLO_ACK to LOCKSET_BEFORE; a verify session goes to VERIFY. The
 * last two are where both kinds end.
 */
enum sl_proto_step {
	SL_ST_HELLO,		/* the initiator sends HELLO */
	SL_ST_HELLO_ACK,	/* the responder answers */
	SL_ST_LOCKSET_BEFORE,	/* the destination sends LOCKSET, phase before */
	SL_ST_ACK_BEFORE,	/* the source sends LOCKSET_ACK */
	SL_ST_OFFER,		/* the source sends the OFFER */
	SL_ST_ACCEPT,		/* the destination sends ACCEPT */
	SL_ST_STREAM,		/* the source sends DATA, DISCARD, DONE */
	SL_ST_PUBLISHED,	/* the destination sends PUBLISHED */
	SL_ST_LOCKSET_AFTER,	/* the destination sends LOCKSET, phase after */
	SL_ST_ACK_AFTER,	/* the source sends LOCKSET_ACK */
	SL_ST_BYE,		/* the destination sends BYE */
	SL_ST_BYE_REPLY,	/* the source answers BYE */
	SL_ST_VERIFY,		/* the initiator sends VERIFY */
	SL_ST_SUMS,		/* the responder sends SUMS, SUMS_DONE */
	SL_ST_VERIFY_BYE,	/* the initiator sends BYE */
	SL_ST_VERIFY_BYE_REPLY,	/* the responder answers BYE */
	SL_ST_CLOSED,		/* both said BYE: only end of stream may follow */
	SL_ST_FAILED,		/* an ERROR went either way, or a bad frame came */
};

struct sl_proto_state {
	uint8_t st;			/* enum sl_proto_step */
	uint8_t self;			/* enum sl_role; 0 until HELLO */
	uint8_t want;			/* the role a responder must take, or 0 */
	uint8_t purpose;		/* enum sl_purpose; 0 until HELLO */
	bool initiator;
	uint32_t version_min, version_max, version;
	uint32_t entries;		/* of the LOCKSET awaiting its ACK */
	/*
	 * The transfer, from the OFFER on; kept after PUBLISHED. A verify
	 * session keeps its CHUNK and GLOBAL_ID from VERIFY, in next where
	 * the next SUMS starts, in sums how many came, and SIZE from
	 * SUMS_DONE.
	 */
	uint64_t size, chunk, next, bytes, sums;
	char relationship[SL_RELATIONSHIP_MAX + 1];
	char global_id[SL_UUID_LEN + 1];
};

/*
 * An initiator gives its role; a responder gives the role it insists on,
 * or 0 to take whichever HELLO leaves it.
 */
void sl_proto_init(struct sl_proto_state *ps, bool initiator,
		   enum sl_role role);

/*
 * May the peer send a frame of this type now? 0, or -EPROTO with e.g.
 * "unexpected DATA before OFFER (expected OFFER from the source)". Cheap
 * enough to call before decoding the payload.
 */
int sl_proto_expect(const struct sl_proto_state *ps, uint8_t type,
		    char *err, size_t errlen);

/*
 * A decoded message from the peer: checks it as sl_proto_expect() does and
 * against the session so far, then advances. On -EPROTO the session is
 * over (state SL_ST_FAILED): send ERROR if possible and close.
 */
int sl_proto_recv(struct sl_proto_state *ps, const struct sl_msg *m,
		  char *err, size_t errlen);

/*
 * A message this side is about to send (the *m from sl_msg_end()): the
 * same checks, so a bug here is caught before the peer sees it. On error
 * nothing changes and the message must not be sent.
 */
int sl_proto_sent(struct sl_proto_state *ps, const struct sl_msg *m,
		  char *err, size_t errlen);

/*
 * The peer closed the stream (sl_frame_read() returned SL_FRAME_EOF): 0
 * when the session had ended (BYE both ways, or an ERROR), else
 * -ECONNRESET naming where it stopped.
 */
int sl_proto_eof(const struct sl_proto_state *ps, char *err, size_t errlen);

/* The session ended cleanly: BYE both ways. */
bool sl_proto_finished(const struct sl_proto_state *ps);

/*
 * The current step's short lowercase name for logs and checkpoints:
 * "hello", "hello-ack", "lockset-before", "ack-before", "offer", "accept",
 * "stream", "published", "lockset-after", "ack-after", "bye", "bye-reply",
 * and for a verify session "verify", "sums", "verify-bye",
 * "verify-bye-reply"; then "closed", "failed"; "invalid" for a state no
 * session reaches.
 */
const char *sl_proto_step_name(const struct sl_proto_state *ps);

/*
 * The responder's choice for a HELLO offering min..max: the highest
 * version both speak, or -EPROTONOSUPPORT (send it in an ERROR).
 */
int sl_proto_pick_version(uint32_t min, uint32_t max, uint32_t *version,
			  char *err, size_t errlen);

#endif /* SL_PROTO_STATE_H */
