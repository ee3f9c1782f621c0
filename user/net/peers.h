/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Who may reach this host's `softlock serve --tls` or, through an ssh
 * forced command, `softlock serve --stdio --peer NAME`, and for what:
 * the peers file (default /etc/softlock/tls/peers). One grant per line:
 *
 *   PEER  RELATIONSHIP  source       VOLUME  DATASET
 *   PEER  RELATIONSHIP  destination  VOLUME
 *
 * PEER is a name the peer's certificate carries (a subjectAltName DNS
 * entry, or its common name when it has none), sha256:HEX, the
 * certificate's fingerprint, or the NAME of a --peer. The grant lets
 * that peer run the session RELATIONSHIP (the name in its HELLO) in
 * which this host is the source or the destination of VOLUME (VG/LV
 * here). As the source, the only lock set the peer may install here is
 * DATASET's (HOST:VG/LV, the peer's own volume, which becomes the locks'
 * origin): it cannot replace the locks another peer depends on. A
 * verify of VOLUME is allowed by either grant. '#' starts a comment.
 */
#ifndef SL_PEERS_H
#define SL_PEERS_H

#include <stdbool.h>
#include <stddef.h>

#define SL_PEERS_LINE_MAX	1024

struct sl_grant {
	char peer[256];
	char relationship[64];
	bool source;		/* this host sends VOLUME; else it receives */
	char volume[256];
	char dataset[256];	/* source: the peer's HOST:VG/LV */
	unsigned int line;
};

struct sl_grants {
	struct sl_grant *g;
	size_t n;
};

/*
 * Parse a peers file's text; name (the file) is for messages. -EINVAL
 * with err naming the line and what is wrong; -ENOMEM.
 */
int sl_grants_parse(const char *text, const char *name, struct sl_grants *out,
		    char *err, size_t errlen);
/*
 * Read and parse path. It must be a regular file that only its owner
 * (root, or this user) can write: anyone who can write it can grant
 * themselves every volume.
 */
int sl_grants_load(const char *path, struct sl_grants *out, char *err,
		   size_t errlen);
void sl_grants_free(struct sl_grants *g);

/*
 * The grant for relationship of a peer for which is_peer(PEER, arg) is
 * true (any peer's when is_peer is NULL: grants already narrowed to one
 * certificate); NULL when there is none.
 */
const struct sl_grant *sl_grants_find(const struct sl_grants *g,
				      const char *relationship,
				      bool (*is_peer)(const char *peer, void *arg),
				      void *arg);

#endif /* SL_PEERS_H */
