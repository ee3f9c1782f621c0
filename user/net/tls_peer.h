/* SPDX-License-Identifier: GPL-2.0 */
/* A TLS peer as the mirror's transport sees it: a process and two fds. */
#ifndef SL_TLS_PEER_H
#define SL_TLS_PEER_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Connect to host:port with this host's TLS files (tls.h) and fork a
 * relay: the protocol is then written to *wfd and read from *rfd as with
 * any other peer, and *pid is reaped like one. -errno with err saying
 * what failed (files, connection, either side's certificate check).
 */
int sl_tls_peer_start(const char *host, const char *port, pid_t *pid,
		      int *rfd, int *wfd, char *err, size_t errlen);

/* A handshake's or a closing peer's time limit: the peer timeout, 60 s at most. */
int sl_tls_timeout_ms(void);

#endif /* SL_TLS_PEER_H */
