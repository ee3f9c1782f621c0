// SPDX-License-Identifier: GPL-2.0
/*
 * Contexts, connecting, accepting and the peer's identity. Everything runs
 * on non-blocking sockets with poll() and a deadline, so a peer that
 * stops half way through a handshake costs a timeout, never a hang.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "tls.h"
#include "../lib/safefile.h"

const char *sl_tls_dir(void)
{
	const char *d = getenv("SOFTLOCK_TLS_DIR");

	return d && *d ? d : SL_TLS_DIR_DEFAULT;
}

/* OpenSSL's queued errors, the most specific (last) one kept. */
static const char *sl_ssl_why(char *buf, size_t size)
{
	unsigned long e, last = 0;

	while ((e = ERR_get_error()))
		last = e;
	if (!last)
		return "unknown TLS error";
	ERR_error_string_n(last, buf, size);
	return buf;
}

static int sl_file_of(const char *dir, const char *name, char *path,
		      size_t size, char *err, size_t errlen)
{
	struct stat st;

	snprintf(path, size, "%s/%s", dir, name);
	if (stat(path, &st)) {
		snprintf(err, errlen, "cannot read %s: %s (this host's TLS files are cert.pem, key.pem and ca.pem in %s, or $SOFTLOCK_TLS_DIR)",
			 path, strerror(errno), dir);
		return -1;
	}
	/* The key: root's (or ours), and nobody else's to read. */
	if (!strcmp(name, "key.pem") &&
	    sl_file_trusted(&st, "the TLS key", path, true, err, errlen))
		return -1;
	return 0;
}

SSL_CTX *sl_tls_ctx(bool server, const char *dir, char *err, size_t errlen)
{
	char cert[4096], key[4096], ca[4096], why[256];
	SSL_CTX *ctx;

	if (sl_file_of(dir, "cert.pem", cert, sizeof(cert), err, errlen) ||
	    sl_file_of(dir, "key.pem", key, sizeof(key), err, errlen) ||
	    sl_file_of(dir, "ca.pem", ca, sizeof(ca), err, errlen))
		return NULL;
	ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
	if (!ctx) {
		snprintf(err, errlen, "cannot create a TLS context: %s",
			 sl_ssl_why(why, sizeof(why)));
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
			 SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		snprintf(err, errlen, "cannot use the certificate %s: %s", cert,
			 sl_ssl_why(why, sizeof(why)));
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		snprintf(err, errlen, "cannot use the key %s with %s: %s", key,
			 cert, sl_ssl_why(why, sizeof(why)));
		goto fail;
	}
	if (SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1) {
		snprintf(err, errlen, "cannot load the trusted authorities %s: %s",
			 ca, sl_ssl_why(why, sizeof(why)));
		goto fail;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | (server ?
			   SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0), NULL);
	/*
	 * The server sends one ticket right after it has checked the
	 * client's certificate; the client waits for it, so that a refused
	 * certificate is a connect error rather than a stream that ends.
	 * The ticket is never used to resume.
	 */
	if (server)
		SSL_CTX_set_num_tickets(ctx, 1);
	else
		SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

static long sl_ms_left(const struct timespec *deadline)
{
	struct timespec now;
	long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (deadline->tv_sec - now.tv_sec) * 1000 +
	     (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms > 0 ? ms : 0;
}

static void sl_deadline(struct timespec *d, int timeout_ms)
{
	clock_gettime(CLOCK_MONOTONIC, d);
	d->tv_sec += timeout_ms / 1000;
	d->tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (d->tv_nsec >= 1000000000) {
		d->tv_sec++;
		d->tv_nsec -= 1000000000;
	}
}

/* Wait for fd; 0, or -ETIMEDOUT once the deadline has passed. */
static int sl_wait(int fd, short events, const struct timespec *deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	int n;

	do
		n = poll(&p, 1, sl_ms_left(deadline));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n ? 0 : -ETIMEDOUT;
}

static int sl_tcp_connect(const char *host, const char *port,
			  const struct timespec *deadline, char *err,
			  size_t errlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	int fd = -1, rc, soerr, on = 1;
	socklen_t len;

	rc = getaddrinfo(host, port, &hints, &res);
	if (rc) {
		snprintf(err, errlen, "cannot resolve %s port %s: %s", host,
			 port, gai_strerror(rc));
		return -EHOSTUNREACH;
	}
	rc = -EHOSTUNREACH;
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
			    SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) {
			rc = -errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) && errno != EINPROGRESS) {
			rc = -errno;
		} else {
			rc = sl_wait(fd, POLLOUT, deadline);
			len = sizeof(soerr);
			if (!rc && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len))
				rc = -errno;
			else if (!rc && soerr)
				rc = -soerr;
		}
		if (!rc)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		snprintf(err, errlen, "cannot connect to %s port %s: %s (is 'softlock serve --tls' running there?)",
			 host, port, strerror(-rc));
		return rc;
	}
	/* A peer that vanished without a FIN is found, eventually. */
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
	return fd;
}

/*
 * After an OpenSSL call returned ret: wait for what it wants (0: call it
 * again), -ETIMEDOUT at the deadline, or fail when it failed for good.
 */
static int sl_ssl_wait(SSL *ssl, int ret, int fd,
		       const struct timespec *deadline, int fail)
{
	switch (SSL_get_error(ssl, ret)) {
	case SSL_ERROR_WANT_READ:
		return sl_wait(fd, POLLIN, deadline);
	case SSL_ERROR_WANT_WRITE:
		return sl_wait(fd, POLLOUT, deadline);
	default:
		return fail;
	}
}

/* Drive a handshake step (fn) to completion within the deadline. */
static int sl_handshake(SSL *ssl, int fd, int (*fn)(SSL *),
			const struct timespec *deadline)
{
	int ret, rc;

	do {
		ret = fn(ssl);
		if (ret == 1)
			return 0;
		rc = sl_ssl_wait(ssl, ret, fd, deadline, -EPROTO);
	} while (!rc);
	return rc;
}

static bool sl_has_ticket(SSL *ssl)
{
	SSL_SESSION *sess = SSL_get_session(ssl);

	return sess && SSL_SESSION_get_ticket_lifetime_hint(sess);
}

/*
 * The client's side is complete when the server has accepted its
 * certificate: wait for the ticket that follows that check, or for the
 * alert that refuses it.
 */
static int sl_await_ticket(SSL *ssl, int fd, const struct timespec *deadline)
{
	char byte;
	int ret, rc;

	do {
		ret = SSL_peek(ssl, &byte, 1);
		if (ret > 0 || sl_has_ticket(ssl))
			return 0;
		rc = sl_ssl_wait(ssl, ret, fd, deadline, -EACCES);
	} while (!rc);
	return rc;
}

/*
 * After a refusal, wait (up to the deadline) for the server to close: it
 * logs why before it does, so when we report, its log says it too.
 */
static void sl_await_close(int fd, const struct timespec *deadline)
{
	char buf[512];
	ssize_t n;

	while (!sl_wait(fd, POLLIN, deadline)) {
		n = read(fd, buf, sizeof(buf));
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			return;
	}
}

static bool sl_is_ip(const char *host)
{
	unsigned char a[16];

	return inet_pton(AF_INET, host, a) == 1 ||
	       inet_pton(AF_INET6, host, a) == 1;
}

int sl_tls_connect(SSL_CTX *ctx, const char *host, const char *port,
		   int timeout_ms, SSL **out, int *fdp, char *err,
		   size_t errlen)
{
	char why[256];
	struct timespec deadline;
	long vr;
	SSL *ssl;
	int fd, rc;

	sl_deadline(&deadline, timeout_ms);
	fd = sl_tcp_connect(host, port, &deadline, err, errlen);
	if (fd < 0)
		return fd;
	ssl = SSL_new(ctx);
	if (!ssl || SSL_set_fd(ssl, fd) != 1) {
		snprintf(err, errlen, "cannot start TLS: %s",
			 sl_ssl_why(why, sizeof(why)));
		rc = -ENOMEM;
		goto fail;
	}
	/*
	 * The server's certificate must name the host we dialled; a name
	 * that could not be set would leave it unchecked: fail closed.
	 */
	if (sl_is_ip(host) ?
	    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) != 1 :
	    SSL_set1_host(ssl, host) != 1 ||
	    SSL_set_tlsext_host_name(ssl, host) != 1) {
		snprintf(err, errlen, "%s port %s: cannot have the server's certificate checked for %s: %s",
			 host, port, host, sl_ssl_why(why, sizeof(why)));
		rc = -EINVAL;
		goto fail;
	}
	rc = sl_handshake(ssl, fd, SSL_connect, &deadline);
	if (!rc)
		rc = sl_await_ticket(ssl, fd, &deadline);
	if (rc == -ETIMEDOUT) {
		snprintf(err, errlen, "%s port %s: no TLS handshake within %d s",
			 host, port, timeout_ms / 1000);
		goto fail;
	}
	if (rc) {
		vr = SSL_get_verify_result(ssl);
		if (vr != X509_V_OK)
			snprintf(err, errlen, "%s port %s: its certificate is not trusted here: %s (its issuer must be in %s/ca.pem and it must name %s)",
				 host, port, X509_verify_cert_error_string(vr),
				 sl_tls_dir(), host);
		else if (rc == -EACCES)
			snprintf(err, errlen, "%s port %s refused this host's certificate: %s (it must trust this host's issuer)",
				 host, port, sl_ssl_why(why, sizeof(why)));
		else
			snprintf(err, errlen, "%s port %s: TLS handshake failed: %s",
				 host, port, sl_ssl_why(why, sizeof(why)));
		if (vr == X509_V_OK)
			sl_await_close(fd, &deadline);
		rc = -EACCES;
		goto fail;
	}
	*out = ssl;
	*fdp = fd;
	return 0;
fail:
	SSL_free(ssl);
	close(fd);
	return rc;
}

int sl_tls_accept(SSL_CTX *ctx, int fd, int timeout_ms, SSL **out,
		  char *err, size_t errlen)
{
	struct timespec deadline;
	char why[256];
	long vr;
	SSL *ssl;
	int rc;

	sl_deadline(&deadline, timeout_ms);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	ssl = SSL_new(ctx);
	if (!ssl || SSL_set_fd(ssl, fd) != 1) {
		snprintf(err, errlen, "cannot start TLS: %s",
			 sl_ssl_why(why, sizeof(why)));
		SSL_free(ssl);
		return -ENOMEM;
	}
	rc = sl_handshake(ssl, fd, SSL_accept, &deadline);
	if (rc) {
		vr = SSL_get_verify_result(ssl);
		if (rc == -ETIMEDOUT)
			snprintf(err, errlen, "no TLS handshake within %d s",
				 timeout_ms / 1000);
		else if (vr != X509_V_OK)
			snprintf(err, errlen, "refused an untrusted certificate: %s",
				 X509_verify_cert_error_string(vr));
		else
			snprintf(err, errlen, "refused: %s",
				 sl_ssl_why(why, sizeof(why)));
		SSL_free(ssl);
		return rc == -ETIMEDOUT ? rc : -EACCES;
	}
	*out = ssl;
	return 0;
}

static bool sl_fingerprint(X509 *c, char *hex, size_t size)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len, i;

	if (!X509_digest(c, EVP_sha256(), md, &len) || size < len * 2 + 1)
		return false;
	for (i = 0; i < len; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return true;
}

bool sl_tls_peer_is(const char *name, void *arg)
{
	X509 *c = SSL_get0_peer_certificate(arg);
	char hex[2 * EVP_MAX_MD_SIZE + 1];

	if (!c)
		return false;
	if (!strncmp(name, "sha256:", 7))
		return sl_fingerprint(c, hex, sizeof(hex)) &&
		       !strcmp(hex, name + 7);
	return X509_check_host(c, name, strlen(name),
			       X509_CHECK_FLAG_NO_WILDCARDS, NULL) == 1;
}

void sl_tls_peer_describe(SSL *ssl, char *buf, size_t size)
{
	X509 *c = SSL_get0_peer_certificate(ssl);
	char subject[256], hex[2 * EVP_MAX_MD_SIZE + 1];

	if (!c) {
		snprintf(buf, size, "no certificate");
		return;
	}
	X509_NAME_oneline(X509_get_subject_name(c), subject, sizeof(subject));
	if (!sl_fingerprint(c, hex, sizeof(hex)))
		snprintf(hex, sizeof(hex), "?");
	snprintf(buf, size, "%s sha256:%.16s...", subject, hex);
}
