// SPDX-License-Identifier: GPL-2.0
/*
 * A peer-protocol session: see session.h. The codec (proto/) knows what
 * is well-formed and in order; this file moves frames and turns the
 * codec's verdicts into one error per session, told to both sides.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "session.h"
#include "../lib/testhook.h"

void sl_sess_init(struct sl_session *s, int rfd, int wfd, bool initiator,
		  enum sl_role role, const char *host)
{
	const char *path = getenv("SOFTLOCK_PROTO_LOG");

	memset(s, 0, sizeof(*s));
	s->rfd = rfd;
	s->wfd = wfd;
	sl_proto_init(&s->ps, initiator, role);
	sl_pbuf_init(&s->out);
	sl_frame_init(&s->in);
	snprintf(s->host, sizeof(s->host), "%s", host);
	/* A log that cannot be opened must not stop a transfer. */
	if (path && *path)
		s->log = fopen(path, "ae");
}

void sl_sess_free(struct sl_session *s)
{
	sl_pbuf_free(&s->out);
	sl_frame_free(&s->in);
	if (s->log)
		fclose(s->log);
	s->log = NULL;
}

static void sl_log_attr(struct sl_session *s, const struct sl_msg *m,
			uint16_t attr, const char *name)
{
	const char *str;
	uint64_t v64;
	uint32_t v;

	if (!sl_msg_get_str(m, attr, &str))
		fprintf(s->log, " %s=%s", name, str);
	else if (!sl_msg_get_u32(m, attr, &v))
		fprintf(s->log, " %s=%u", name, v);
	else if (!sl_msg_get_u64(m, attr, &v64))
		fprintf(s->log, " %s=%llu", name, (unsigned long long)v64);
}

/*
 * "HOST send LOCKSET phase=1 gen=... entries=2 gid=..." per message, with
 * the entries' global ids, so a test can tell which PCPIs a set named.
 * Consecutive DATA frames become one "DATA xN" line.
 */
static void sl_log(struct sl_session *s, const char *dir,
		   const struct sl_msg *m)
{
	static const struct { uint16_t attr; const char *name; } keys[] = {
		{ SL_A_ROLE, "role" }, { SL_A_RELATIONSHIP, "relationship" },
		{ SL_A_VOLUME, "volume" }, { SL_A_PHASE, "phase" },
		{ SL_A_GENERATION, "generation" }, { SL_A_COUNT, "count" },
		{ SL_A_SNAPSHOT, "snapshot" }, { SL_A_GLOBAL_ID, "gid" },
		{ SL_A_BASE_GLOBAL_ID, "base" }, { SL_A_SIZE, "size" },
		{ SL_A_RESUME_OFFSET, "resume" }, { SL_A_BYTES_SENT, "bytes" },
		{ SL_A_CODE, "code" }, { SL_A_MESSAGE, "message" },
		{ SL_A_PURPOSE, "purpose" }, { SL_A_CHUNK, "chunk" },
		{ SL_A_OFFSET, "offset" }, { SL_A_LEASE, "lease" },
		{ SL_A_DATASET, "dataset" },
	};
	struct sl_msg e;
	size_t pos = 0, i, n;
	const char *gid;
	const void *sums;
	uint32_t len;

	if (!s->log)
		return;
	if (m->type == SL_MSG_DATA) {
		s->data_frames++;
		return;
	}
	if (s->data_frames)
		fprintf(s->log, "%s %s DATA x%llu\n", s->host, dir,
			(unsigned long long)s->data_frames);
	s->data_frames = 0;
	fprintf(s->log, "%s %s %s", s->host, dir, sl_msg_name(m->type));
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		sl_log_attr(s, m, keys[i].attr, keys[i].name);
	/* How many, not which: a list of ids or sums can be long. */
	if (!sl_msg_get_gids(m, SL_A_PCPIS, &gid, &n))
		fprintf(s->log, " pcpis=%zu", n);
	if (!sl_msg_get_bytes(m, SL_A_SUMS, &sums, &len))
		fprintf(s->log, " sums=%u", len / 4);
	if (m->type == SL_MSG_LOCKSET) {
		fprintf(s->log, " entries=%u", m->entries);
		while (sl_msg_next_entry(m, &pos, &e) == 1)
			if (!sl_msg_get_str(&e, SL_A_GLOBAL_ID, &gid))
				fprintf(s->log, " entry=%s", gid);
	}
	fputc('\n', s->log);
	fflush(s->log);
}

struct sl_pbuf *sl_sess_begin(struct sl_session *s, enum sl_msg_type type)
{
	sl_pbuf_reset(&s->out);
	sl_msg_begin(&s->out, type);
	return &s->out;
}

/*
 * s->err for an ERROR from the peer: "PEER: MESSAGE", unless the message
 * starts with the peer's name already, as the engine's own messages do
 * ("hostB: no PCPI with global id ..."): said once, not twice.
 */
static void sl_peer_said(struct sl_session *s, const char *msg)
{
	const char *peer = *s->peer ? s->peer : "the peer";
	size_t n = strlen(peer);

	if (!strncmp(msg, peer, n) && msg[n] == ':')
		snprintf(s->err, sizeof(s->err), "%s", msg);
	else
		snprintf(s->err, sizeof(s->err), "%s: %s", peer, msg);
}

/*
 * After a failed write: the peer's last words are usually an ERROR. A
 * peer that is no softlock at all (a shell's banner, a wrong forced
 * command) may have written something and exited before our first frame
 * went out: what it wrote says more than the broken pipe does.
 */
static void sl_read_peer_error(struct sl_session *s)
{
	struct sl_msg m;
	char e[256];
	const char *msg;
	int rc;

	rc = sl_frame_read(s->rfd, &s->in, e, sizeof(e));
	if (rc < 0) {
		snprintf(s->err, sizeof(s->err), "%s", e);
		return;
	}
	if (rc != SL_FRAME_OK || s->in.type != SL_MSG_ERROR ||
	    sl_msg_decode(&s->in, &m, e, sizeof(e)) ||
	    sl_msg_get_str(&m, SL_A_MESSAGE, &msg))
		return;
	sl_peer_said(s, msg);
}

int sl_sess_send(struct sl_session *s)
{
	struct sl_msg m;
	int rc;

	rc = sl_msg_end(&s->out, &m, s->err, sizeof(s->err));
	if (!rc)
		rc = sl_proto_sent(&s->ps, &m, s->err, sizeof(s->err));
	if (rc)
		return rc;
	sl_log(s, "send", &m);
	sl_test_corrupt_frame(s->out.data, s->out.len);
	rc = sl_frame_write(s->wfd, &s->out, s->err, sizeof(s->err));
	if (rc == -EPIPE)
		sl_read_peer_error(s);
	if (!rc)
		s->wire_out += s->out.len;
	return rc;
}

static int sl_send_error(struct sl_session *s, int code, const char *msg)
{
	struct sl_pbuf *b;
	struct sl_msg m;
	char e[256];

	if (code <= 0 || code > 4095)
		code = EPROTO;
	b = sl_sess_begin(s, SL_MSG_ERROR);
	sl_msg_put_u32(b, SL_A_CODE, code);
	sl_msg_put_str(b, SL_A_MESSAGE, *msg ? msg : "failed");
	if (sl_msg_end(b, &m, e, sizeof(e)))
		return -EINVAL;
	/* The state may already be failed (a bad frame): send regardless. */
	sl_proto_sent(&s->ps, &m, e, sizeof(e));
	sl_log(s, "send", &m);
	return sl_frame_write(s->wfd, b, e, sizeof(e));
}

int sl_sess_fail(struct sl_session *s, int code, const char *fmt, ...)
{
	char msg[SL_MESSAGE_MAX + 1];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(s->err, sizeof(s->err), "%s", msg);
	if (!s->failed)
		sl_send_error(s, code, msg);
	s->failed = true;
	return -code;
}

int sl_sess_recv(struct sl_session *s, enum sl_msg_type want)
{
	char e[sizeof(s->err)];
	const char *msg;
	uint32_t code;
	int rc;

	rc = sl_frame_read(s->rfd, &s->in, e, sizeof(e));
	if (rc == SL_FRAME_EOF) {
		rc = sl_proto_eof(&s->ps, e, sizeof(e));
		if (!rc && !s->failed)
			rc = -ECONNRESET;
		snprintf(s->err, sizeof(s->err), "%s", e);
		s->failed = true;
		return rc ? rc : -ECONNRESET;
	}
	if (rc < 0)
		return sl_sess_fail(s, -rc, "%s", e);
	s->wire_in += SL_FRAME_HDR_LEN + s->in.len;
	rc = sl_msg_decode(&s->in, &s->m, e, sizeof(e));
	if (rc)
		return sl_sess_fail(s, -rc, "%s", e);
	rc = sl_proto_recv(&s->ps, &s->m, e, sizeof(e));
	sl_log(s, "recv", &s->m);
	if (s->m.type == SL_MSG_ERROR) {
		s->failed = true;
		if (sl_msg_get_u32(&s->m, SL_A_CODE, &code))
			code = EPROTO;
		if (sl_msg_get_str(&s->m, SL_A_MESSAGE, &msg))
			msg = "failed";
		sl_peer_said(s, msg);
		return -(int)code;
	}
	if (rc)
		return sl_sess_fail(s, -rc, "%s", e);
	if (want && s->m.type != want)
		return sl_sess_fail(s, EPROTO, "expected %s, got %s",
				    sl_msg_name(want),
				    sl_msg_name(s->m.type));
	return 0;
}

int sl_sess_hello_purpose(struct sl_session *s, const char *relationship,
			  const char *volume, enum sl_purpose purpose)
{
	struct sl_pbuf *b = sl_sess_begin(s, SL_MSG_HELLO);
	const char *host;
	int rc;

	sl_msg_put_u32(b, SL_A_VERSION_MIN, SL_PROTO_VERSION_MIN);
	sl_msg_put_u32(b, SL_A_VERSION_MAX, SL_PROTO_VERSION);
	sl_msg_put_u32(b, SL_A_ROLE, s->ps.self);
	sl_msg_put_str(b, SL_A_HOST, s->host);
	sl_msg_put_str(b, SL_A_RELATIONSHIP, relationship);
	sl_msg_put_str(b, SL_A_VOLUME, volume);
	/* Said even for an update, the default: the log shows it. */
	sl_msg_put_u32(b, SL_A_PURPOSE, purpose);
	if (s->lease)
		sl_msg_put_u32(b, SL_A_LEASE, s->lease);
	rc = sl_sess_send(s);
	if (!rc)
		rc = sl_sess_recv(s, SL_MSG_HELLO_ACK);
	if (rc)
		return rc;
	if (!sl_msg_get_str(&s->m, SL_A_HOST, &host))
		snprintf(s->peer, sizeof(s->peer), "%s", host);
	return 0;
}

int sl_sess_hello(struct sl_session *s, const char *relationship,
		  const char *volume)
{
	return sl_sess_hello_purpose(s, relationship, volume,
				     SL_PURPOSE_UPDATE);
}

int sl_sess_accept_hello(struct sl_session *s, const char **relationship,
			 const char **volume)
{
	uint32_t min, max, version;
	const char *host;
	char e[256];
	int rc;

	rc = sl_sess_recv(s, SL_MSG_HELLO);
	if (rc)
		return rc;
	if (!sl_msg_get_str(&s->m, SL_A_HOST, &host))
		snprintf(s->peer, sizeof(s->peer), "%s", host);
	sl_msg_get_u32(&s->m, SL_A_VERSION_MIN, &min);
	sl_msg_get_u32(&s->m, SL_A_VERSION_MAX, &max);
	rc = sl_proto_pick_version(min, max, &version, e, sizeof(e));
	if (rc)
		return sl_sess_fail(s, -rc, "%s", e);
	sl_msg_get_str(&s->m, SL_A_RELATIONSHIP, relationship);
	sl_msg_get_str(&s->m, SL_A_VOLUME, volume);
	s->lease = 0;
	sl_msg_get_u32(&s->m, SL_A_LEASE, &s->lease);
	s->version = version;
	return 0;
}

int sl_sess_ack(struct sl_session *s)
{
	struct sl_pbuf *b = sl_sess_begin(s, SL_MSG_HELLO_ACK);

	sl_msg_put_u32(b, SL_A_VERSION, s->version);
	sl_msg_put_str(b, SL_A_HOST, s->host);
	return sl_sess_send(s);
}

int sl_sess_accept(struct sl_session *s, const char **relationship,
		   const char **volume)
{
	int rc = sl_sess_accept_hello(s, relationship, volume);

	return rc ? rc : sl_sess_ack(s);
}

int sl_sess_close(struct sl_session *s)
{
	char e[256];
	int rc;

	if (!sl_proto_finished(&s->ps))
		return -EPROTO;
	rc = sl_frame_read(s->rfd, &s->in, e, sizeof(e));
	if (rc == SL_FRAME_EOF)
		return 0;
	snprintf(s->err, sizeof(s->err), "%s",
		 rc < 0 ? e : "the peer sent more after BYE");
	return rc < 0 ? rc : -EPROTO;
}
