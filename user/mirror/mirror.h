/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The two ends of one mirror update, over an open session whose HELLO
 * exchange is done. The source takes (or picks) the PCPI to send, installs
 * the destination's lock sets, and streams the changed ranges; the
 * destination checks the base, writes into a .part LV, checkpoints,
 * publishes atomically, and tells the source what it needs kept.
 */
#ifndef SL_MIRROR_H
#define SL_MIRROR_H

#include <stdbool.h>
#include <stdint.h>

#include "../catalog/catalog.h"
#include "../kmod/kmod.h"
#include "pcpi.h"
#include "session.h"

struct sl_mirror_env {
	struct sl_cat *cat;
	struct sl_kmod *k;	/* NULL on a destination without the module */
	const char *host;	/* this host's name, in lock texts and logs */
	bool bar, json;		/* progress on a terminal / as JSON lines */
	unsigned int keep;	/* source: PCPIs to keep, 0 all (--keep) */
	/* source: seconds the destination's locks live unless renewed; 0 forever */
	uint32_t lease;
	/*
	 * source: the only destination whose lock set this session may
	 * install (a TLS peer's grant, net/peers.h); NULL for any.
	 */
	const char *only_dataset;
	/*
	 * `mirror update --verify`: the destination reads back what it
	 * applied before publishing (a pushing source asks for it in OFFER).
	 */
	bool verify;
	/* Filled by the update. */
	char snapshot[128];	/* the PCPI sent or received */
	char gid[SL_UUID_LEN + 1];
	char base[128];		/* its base, "" for a full transfer */
	uint64_t size;
	uint64_t data_bytes;	/* DATA payload bytes this session */
	uint64_t discard_bytes;
	uint64_t verified_bytes;	/* read back by --verify */
	uint64_t changed_bytes;	/* changed/mapped ranges at or past resume */
	uint64_t resume;	/* where the stream started */
	uint64_t wire_bytes;	/* frames both ways, headers included */
	bool up_to_date;	/* the destination had it already */
	unsigned int removed, kept;	/* by retention on this side */
};

/* Print what retention did on this side (stderr: stdout may be the peer). */
void sl_mirror_retention_report(void *arg, const struct sl_pcpi *p,
				bool removed, const char *why);

/* The host name: $SOFTLOCK_HOST, else the system's. */
const char *sl_host_name(char *buf, size_t size);

int sl_mirror_source(struct sl_session *s, struct sl_mirror_env *e,
		     const char *rel, const char *volume);
int sl_mirror_dest(struct sl_session *s, struct sl_mirror_env *e,
		   const char *rel, const char *volume);
/*
 * The two ends of a release session (softlock mirror destroy): the
 * destination sends its empty lock set, the source installs it, which
 * drops every lock the destination had on the source.
 */
int sl_mirror_source_release(struct sl_session *s, struct sl_mirror_env *e,
			     const char *rel, const char *volume);
int sl_mirror_dest_release(struct sl_session *s, struct sl_mirror_env *e,
			   const char *rel, const char *volume);
/*
 * On a destination: remove rel's .part LV (a transfer that will not
 * resume) and its checkpoint, saying so on stderr; 0 when there is none.
 * The release session does it first; mirror destroy without one too.
 */
int sl_mirror_dest_forget(struct sl_mirror_env *e, const char *rel,
			  const char *volume, char *err, size_t errlen);

#endif /* SL_MIRROR_H */
