/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Mutually authenticated TLS 1.3 between two softlock hosts (OpenSSL).
 * Each host has a directory (default /etc/softlock/tls, or
 * $SOFTLOCK_TLS_DIR) holding:
 *
 *   cert.pem  this host's certificate (chain), sent to every peer
 *   key.pem   its private key, readable by its owner only
 *   ca.pem    the certificates of the authorities this host trusts: a
 *             peer's certificate must chain to one of them
 *   peers     (the serving side) what each trusted peer may do: peers.h
 *
 * The initiator checks that the server's certificate names the host it
 * dialled; the server requires a client certificate and then asks the
 * peers file what its holder may touch.
 */
#ifndef SL_TLS_H
#define SL_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <openssl/ssl.h>

#define SL_TLS_DIR_DEFAULT	"/etc/softlock/tls"
#define SL_TLS_PORT_DEFAULT	"7433"

/* $SOFTLOCK_TLS_DIR or the default. */
const char *sl_tls_dir(void);

/* A context for one side, from dir's files; NULL with err set. */
SSL_CTX *sl_tls_ctx(bool server, const char *dir, char *err, size_t errlen);

/*
 * TCP to host:port and the handshake, both within timeout_ms. On success
 * *ssl is the session over *fd (non-blocking). -errno with err saying
 * what failed: resolving, connecting, or which certificate check.
 */
int sl_tls_connect(SSL_CTX *ctx, const char *host, const char *port,
		   int timeout_ms, SSL **ssl, int *fd, char *err,
		   size_t errlen);
/* The server's handshake on an accepted fd, within timeout_ms. */
int sl_tls_accept(SSL_CTX *ctx, int fd, int timeout_ms, SSL **ssl,
		  char *err, size_t errlen);

/*
 * Does the peer's (verified) certificate carry name, as a subjectAltName
 * DNS entry (or its common name when it has none), or is name
 * "sha256:HEX" its fingerprint? arg is the SSL.
 */
bool sl_tls_peer_is(const char *name, void *arg);
/* The peer certificate's subject and fingerprint, for logs and errors. */
void sl_tls_peer_describe(SSL *ssl, char *buf, size_t size);

/*
 * Copy bytes both ways between the TLS session and a plain stream
 * (read from in, write to out) until both directions have ended: the
 * plain side's EOF becomes a TLS close_notify, the peer's close_notify an
 * EOF on out (the relay closes out; in stays the caller's). When out's
 * reader has gone, what the peer still sends is dropped while the other
 * direction finishes. A peer that does not close within timeout_ms after
 * we did is dropped (a warning on stderr). Returns 0, or -errno with why
 * in err, prefixed by who.
 */
int sl_tls_relay(SSL *ssl, int fd, int in, int out, int timeout_ms,
		 const char *who, char *err, size_t errlen);

#endif /* SL_TLS_H */
