// SPDX-License-Identifier: GPL-2.0
/*
 * The initiator's end of a TLS transport. The handshake runs here, in the
 * helper, so that every failure to connect or to be trusted is an error
 * with its reason; only then a child takes the connection over and relays
 * it to the pipes the session uses.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tls.h"
#include "tls_peer.h"
#include "../lib/run.h"
#include "../proto/frame.h"

int sl_tls_timeout_ms(void)
{
	int t = sl_peer_timeout_ms();

	return t < 0 || t > 60000 ? 60000 : t;
}

int sl_tls_peer_start(const char *host, const char *port, pid_t *pid,
		      int *rfd, int *wfd, char *err, size_t errlen)
{
	int to[2] = { -1, -1 }, from[2] = { -1, -1 }, fd = -1, rc;
	char who[300];
	SSL_CTX *ctx;
	SSL *ssl = NULL;

	*pid = -1;
	ctx = sl_tls_ctx(false, sl_tls_dir(), err, errlen);
	if (!ctx)
		return -ENOENT;
	rc = sl_tls_connect(ctx, host, port, sl_tls_timeout_ms(), &ssl, &fd,
			    err, errlen);
	if (rc)
		goto out;
	rc = sl_pipes(to, from);
	if (rc) {
		snprintf(err, errlen, "cannot create pipes: %s", strerror(-rc));
		goto out;
	}
	snprintf(who, sizeof(who), "tls %s port %s", host, port);
	signal(SIGPIPE, SIG_IGN);
	*pid = fork();
	if (*pid < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot fork: %s", strerror(-rc));
		goto out;
	}
	if (*pid == 0) {
		char why[512];

		close(to[1]);
		close(from[0]);
		/* The relay's own process: it reports its failure itself. */
		if (sl_tls_relay(ssl, fd, to[0], from[1], sl_tls_timeout_ms(),
				 who, why, sizeof(why))) {
			fprintf(stderr, "softlock: %s\n", why);
			_exit(1);
		}
		_exit(0);
	}
	*wfd = to[1];
	*rfd = from[0];
	to[1] = from[0] = -1;
out:
	/* The child owns the connection now; freeing ours sends nothing. */
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	if (fd >= 0)
		close(fd);
	for (int i = 0; i < 2; i++) {
		if (to[i] >= 0)
			close(to[i]);
		if (from[i] >= 0)
			close(from[i]);
	}
	return rc;
}
