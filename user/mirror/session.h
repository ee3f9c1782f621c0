/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One peer-protocol session over a byte stream: frames out and in, every
 * message checked against the session state (proto/state.h) both ways,
 * an ERROR from the peer turned into a local error, and an optional
 * protocol log (SOFTLOCK_PROTO_LOG=FILE: one line per message, DATA
 * counted rather than listed) that the tests read to prove which lock
 * sets went where, and in which order.
 */
#ifndef SL_SESSION_H
#define SL_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../proto/frame.h"
#include "../proto/msg.h"
#include "../proto/state.h"

struct sl_session {
	int rfd, wfd;
	struct sl_proto_state ps;
	struct sl_pbuf out;
	struct sl_frame in;
	struct sl_msg m;		/* the last message received */
	char host[256];			/* this side, for the log */
	char peer[256];			/* the other side, once known */
	FILE *log;
	uint64_t data_frames;		/* DATA since the last log line */
	uint64_t wire_out, wire_in;	/* bytes, frames included */
	/*
	 * The relationship's lease in seconds (0: none): the initiator sets
	 * it before its HELLO, the other side reads it from that HELLO.
	 */
	uint32_t lease;
	uint32_t version;		/* the responder's pick, for its ack */
	bool failed;			/* an ERROR went either way */
	char err[1024];			/* why the session failed */
};

void sl_sess_init(struct sl_session *s, int rfd, int wfd, bool initiator,
		  enum sl_role role, const char *host);
void sl_sess_free(struct sl_session *s);

/* Open a message; put attributes into the returned buffer. */
struct sl_pbuf *sl_sess_begin(struct sl_session *s, enum sl_msg_type type);
/*
 * Close, check against the session and send it. 0, or -errno with s->err
 * set (a write error reads what the peer sent: usually its ERROR).
 */
int sl_sess_send(struct sl_session *s);
/*
 * The next message, checked (s->m). An ERROR from the peer is -CODE with
 * s->err "HOST: MESSAGE"; a malformed or unexpected frame is -errno with
 * s->err saying why, and is answered with an ERROR before returning.
 * want (0: any) narrows what may come, for a clearer message.
 */
int sl_sess_recv(struct sl_session *s, enum sl_msg_type want);
/*
 * This side failed: send ERROR(code, message) when the stream still
 * works, and remember the message. Returns -code.
 */
int sl_sess_fail(struct sl_session *s, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * The initiator's handshake: HELLO with its role and the session's
 * purpose (enum sl_purpose), then HELLO_ACK. sl_sess_hello() is an
 * update's.
 */
int sl_sess_hello_purpose(struct sl_session *s, const char *relationship,
			  const char *volume, enum sl_purpose purpose);
int sl_sess_hello(struct sl_session *s, const char *relationship,
		  const char *volume);
/*
 * The responder's: HELLO in, HELLO_ACK out. *relationship and *volume
 * point into s->in until the next receive: copy them. What the session
 * is for is s->ps.purpose.
 */
int sl_sess_accept(struct sl_session *s, const char **relationship,
		   const char **volume);
/*
 * The same in two steps, for a responder that decides whether to serve
 * the HELLO before answering it (an ERROR instead of the HELLO_ACK).
 */
int sl_sess_accept_hello(struct sl_session *s, const char **relationship,
			 const char **volume);
int sl_sess_ack(struct sl_session *s);
/* The session ended cleanly (BYE both ways): wait for the peer's EOF. */
int sl_sess_close(struct sl_session *s);

#endif /* SL_SESSION_H */
