/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Endpoints of a mirror relationship and the byte stream to a peer.
 *
 *   VG/LV                 this host
 *   HOST:VG/LV            ssh HOST softlock serve --stdio
 *   exec:'COMMAND':VG/LV  sh -c COMMAND (e.g. "ip netns exec b softlock
 *                         serve --stdio"); the quotes may be ' or "
 *   tls:HOST[:PORT]:VG/LV TCP to HOST's `softlock serve --tls` (default
 *                         port 7433) with mutual TLS (net/tls.h); an IPv6
 *                         address goes in brackets: tls:[fd00::2]:VG/LV
 */
#ifndef SL_TRANSPORT_H
#define SL_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

enum sl_ep_kind { SL_EP_LOCAL, SL_EP_SSH, SL_EP_EXEC, SL_EP_TLS };

struct sl_endpoint {
	enum sl_ep_kind kind;
	char host[256];		/* SSH: the host (may be user@host); TLS */
	char port[8];		/* TLS */
	char command[1024];	/* EXEC: the command */
	char volume[256];	/* VG/LV */
};

/* Parse spec; -EINVAL with a message naming what is wrong. */
int sl_endpoint_parse(const char *spec, struct sl_endpoint *ep, char *err,
		      size_t errlen);
/* Back to the spec form, for the catalog and messages. */
void sl_endpoint_format(const struct sl_endpoint *ep, char *buf,
			size_t size);

/* A running peer: the protocol goes over rfd/wfd. */
struct sl_peer_proc {
	pid_t pid;
	int rfd, wfd;
};

/*
 * Start the peer for ep: ssh (BatchMode, no tty), sh -c COMMAND, or a
 * TLS connection relayed by a child (net/tls_peer.h); for a
 * LOCAL endpoint the helper itself (/proc/self/exe serve --stdio) with the
 * same environment. The child's stderr is inherited, so its diagnostics
 * reach the user. SIGPIPE is ignored in this process.
 */
int sl_peer_start(const struct sl_endpoint *ep, struct sl_peer_proc *p,
		  char *err, size_t errlen);
/*
 * Close the stream and reap the child; returns its exit status (or 128 +
 * signal). A child that does not exit within timeout_ms after its stdin
 * closed is killed (SIGKILL).
 */
int sl_peer_finish(struct sl_peer_proc *p, int timeout_ms);

#endif /* SL_TRANSPORT_H */
