/* SPDX-License-Identifier: GPL-2.0 */
/* softlock serve: one peer session, and the TLS daemon that runs them. */
#ifndef SL_SERVE_H
#define SL_SERVE_H

#include "ctx.h"
#include "serve_gate.h"
#include "../net/peers.h"

/*
 * What an authenticated peer may do: its grants (net/peers.h), already
 * narrowed to the ones that name it (its certificate, or the --peer of
 * an ssh forced command), and how to name it.
 */
struct sl_serve_auth {
	struct sl_grants grants;
	const char *peer;	/* for messages */
	bool busy;		/* no session slot: refuse after HELLO */
};

/*
 * Fill auth with the lines of the peers file (SOFTLOCK_TLS_DIR/peers)
 * for which is_peer(PEER, arg) holds, named peer. A peers file that
 * cannot be read grants nothing, said on stderr with who: the session
 * still runs far enough to tell the peer it may not. 0 or -ENOMEM.
 */
int sl_serve_auth_load(struct sl_serve_auth *auth,
		       bool (*is_peer)(const char *name, void *arg),
		       void *arg, const char *peer, const char *who);

/*
 * One session on rfd/wfd, in whichever role the initiator's HELLO leaves;
 * with auth, only what the peer's grants allow. An exit status.
 */
int sl_serve_session(struct sl_ctx *x, int rfd, int wfd,
		     const struct sl_serve_auth *auth);

/*
 * softlock serve --tls: listen, and serve each connection in a child,
 * within lim (serve_gate.h).
 */
int sl_serve_tls(struct sl_ctx *x, const char *listen,
		 const struct sl_gate_limits *lim);

#endif /* SL_SERVE_H */
