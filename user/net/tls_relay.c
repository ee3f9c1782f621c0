// SPDX-License-Identifier: GPL-2.0
/*
 * The relay between a TLS session and the plain byte stream that the
 * protocol code reads and writes. It lets the codec keep its blocking
 * descriptors and its own timeouts: the relay is a separate process, one
 * per connection, and only ever waits on poll(). OpenSSL may want to read
 * to write and write to read, so each direction keeps its own buffer and
 * says what it waits for.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>

#include "tls.h"
#include "../lib/err.h"

#define SL_RELAY_BUF	(64 << 10)

struct sl_dir {
	char buf[SL_RELAY_BUF];
	size_t off, len;
	bool eof;		/* its source ended */
};

struct sl_relay {
	SSL *ssl;
	int fd, in, out;
	const char *who;
	char *err;		/* the caller's, for the failure */
	size_t errlen;
	struct sl_dir up;	/* in -> TLS */
	struct sl_dir down;	/* TLS -> out */
	bool closing;		/* close_notify to send */
	bool closed;		/* close_notify sent */
	short fd_events, in_events, out_events;
};

static void sl_set_nonblock(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

static int sl_relay_fail(struct sl_relay *r, const char *what, int rc)
{
	unsigned long e = ERR_peek_last_error();
	char why[256] = "";

	if (e)
		ERR_error_string_n(e, why, sizeof(why));
	else if (rc)
		snprintf(why, sizeof(why), "%s", strerror(-rc));
	ERR_clear_error();
	return sl_errf(r->err, r->errlen, rc ? rc : -ECONNRESET, "%s: %s: %s",
		       r->who, what,
		       why[0] ? why : "connection closed without a TLS close");
}

/* What OpenSSL needs before it can go on; 0 when it failed for good. */
static short sl_ssl_wants(SSL *ssl, int ret)
{
	switch (SSL_get_error(ssl, ret)) {
	case SSL_ERROR_WANT_READ:
		return POLLIN;
	case SSL_ERROR_WANT_WRITE:
		return POLLOUT;
	default:
		return 0;
	}
}

static void sl_relay_drop_out(struct sl_relay *r)
{
	if (r->out >= 0)
		close(r->out);
	r->out = -1;
	r->down.len = 0;
}

/* TLS -> out. 1 when something moved, 0 when waiting, -errno. */
static int sl_relay_down(struct sl_relay *r)
{
	struct sl_dir *d = &r->down;
	ssize_t n;
	int ret;
	short w;

	if (!d->len && !d->eof) {
		ret = SSL_read(r->ssl, d->buf, sizeof(d->buf));
		if (ret > 0) {
			d->off = 0;
			d->len = ret;
			return 1;
		}
		if (SSL_get_error(r->ssl, ret) == SSL_ERROR_ZERO_RETURN) {
			d->eof = true;
			return 1;
		}
		w = sl_ssl_wants(r->ssl, ret);
		if (!w)
			return sl_relay_fail(r, "reading from the peer",
					     errno ? -errno : 0);
		r->fd_events |= w;
		return 0;
	}
	if (!d->len)
		return 0;
	if (r->out < 0) {	/* nobody to deliver to: drain to the close */
		d->len = 0;
		return 1;
	}
	n = write(r->out, d->buf + d->off, d->len);
	if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
		r->out_events |= POLLOUT;
		return 0;
	}
	if (n < 0) {
		/*
		 * The local end has gone (a session that failed and said
		 * why): the other direction still carries its last words
		 * and a clean close.
		 */
		sl_relay_drop_out(r);
		return 1;
	}
	d->off += n;
	d->len -= n;
	return 1;
}

/* in -> TLS, then close_notify after in's EOF. */
static int sl_relay_up(struct sl_relay *r)
{
	struct sl_dir *u = &r->up;
	ssize_t n;
	int ret;
	short w;

	if (!u->len && !u->eof) {
		n = read(r->in, u->buf, sizeof(u->buf));
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			r->in_events |= POLLIN;
			return 0;
		}
		if (n < 0)
			return -errno;
		if (!n) {
			u->eof = true;
			r->closing = true;
			return 1;
		}
		u->off = 0;
		u->len = n;
		return 1;
	}
	if (u->len) {
		ret = SSL_write(r->ssl, u->buf + u->off, u->len);
		if (ret > 0) {
			u->off += ret;
			u->len -= ret;
			return 1;
		}
		w = sl_ssl_wants(r->ssl, ret);
		if (!w)
			return sl_relay_fail(r, "writing to the peer",
					     errno ? -errno : 0);
		r->fd_events |= w;
		return 0;
	}
	if (r->closing && !r->closed) {
		ret = SSL_shutdown(r->ssl);
		if (ret >= 0) {
			r->closed = true;
			return 1;
		}
		w = sl_ssl_wants(r->ssl, ret);
		if (!w) {	/* The peer is gone already: nothing to tell. */
			ERR_clear_error();
			r->closed = true;
			return 1;
		}
		r->fd_events |= w;
	}
	return 0;
}

static long sl_now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int sl_relay_run(struct sl_relay *r, int timeout_ms)
{
	struct pollfd p[3];
	long close_by = 0, left;
	int up, down, n;

	sl_set_nonblock(r->fd);
	sl_set_nonblock(r->in);
	sl_set_nonblock(r->out);
	for (;;) {
		r->fd_events = r->in_events = r->out_events = 0;
		down = sl_relay_down(r);
		if (down < 0)
			return down;
		if (r->down.eof && !r->down.len)
			sl_relay_drop_out(r);	/* the peer's EOF, passed on */
		up = sl_relay_up(r);
		if (up < 0)
			return up;
		if (r->closed && r->out < 0)
			return 0;
		if (down || up)
			continue;
		if (r->closed && !close_by)
			close_by = sl_now_ms() + timeout_ms;
		left = close_by ? close_by - sl_now_ms() : -1;
		p[0] = (struct pollfd){ .fd = r->fd, .events = r->fd_events };
		p[1] = (struct pollfd){ .fd = r->in, .events = r->in_events };
		p[2] = (struct pollfd){ .fd = r->out, .events = r->out_events };
		n = poll(p, 3, close_by ? (int)(left > 0 ? left : 0) : -1);
		if (n < 0 && errno != EINTR)
			return -errno;
		if (!n && close_by) {
			fprintf(stderr, "softlock: %s: the peer did not close the connection within %d s; dropped\n",
				r->who, timeout_ms / 1000);
			return 0;
		}
		/* The local reader went away while we had data for it. */
		if (r->out >= 0 && (p[2].revents & (POLLERR | POLLHUP)) &&
		    !(p[2].revents & POLLOUT))
			sl_relay_drop_out(r);
	}
}

int sl_tls_relay(SSL *ssl, int fd, int in, int out, int timeout_ms,
		 const char *who, char *err, size_t errlen)
{
	struct sl_relay *r = calloc(1, sizeof(*r));	/* 128 KiB of buffers */
	int rc;

	if (!r)
		return sl_errf(err, errlen, -ENOMEM, "%s: out of memory", who);
	r->err = err;
	r->errlen = errlen;
	r->ssl = ssl;
	r->fd = fd;
	r->in = in;
	r->out = out;
	r->who = who;
	rc = sl_relay_run(r, timeout_ms);
	sl_relay_drop_out(r);
	free(r);
	return rc;
}
