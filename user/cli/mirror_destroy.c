// SPDX-License-Identifier: GPL-2.0
/*
 * softlock mirror destroy NAME [--keep-locks]: end a relationship.
 *
 * Its lock set on the source goes first (a release session with the peer:
 * the destination's last lock set, empty), then what it left half-done on
 * the destination (.part LV, checkpoint), then its row. A source that
 * cannot be reached keeps its locks: they guard PCPIs that a destination
 * may still need, so they are never dropped by guesswork; the command
 * says so and how to release them there. The published PCPIs on either
 * side are data, not records: they stay, and the command says that too.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/softlock.h>

#include "ctx.h"
#include "../mirror/lockset.h"
#include "../mirror/mirror.h"
#include "../mirror/mstore.h"
#include "../mirror/transport.h"

/* The release session with the peer; 0, or -errno with err set. */
static int sl_destroy_release(const struct sl_relationship *r, bool source,
			      const struct sl_endpoint *local,
			      const struct sl_endpoint *peer_ep,
			      struct sl_mirror_env *e, char *err, size_t errlen)
{
	struct sl_peer_proc peer;
	struct sl_session s;
	int rc, status;

	rc = sl_peer_start(peer_ep, &peer, err, errlen);
	if (rc)
		return rc;
	sl_sess_init(&s, peer.rfd, peer.wfd, true,
		     source ? SL_ROLE_SOURCE : SL_ROLE_DESTINATION, e->host);
	rc = sl_sess_hello_purpose(&s, r->name, peer_ep->volume,
				   SL_PURPOSE_RELEASE);
	if (!rc)
		rc = source ? sl_mirror_source_release(&s, e, r->name,
						       local->volume) :
			      sl_mirror_dest_release(&s, e, r->name,
						     local->volume);
	if (!rc)
		rc = sl_sess_close(&s);
	if (rc)
		snprintf(err, errlen, "%s", s.err);
	status = sl_peer_finish(&peer, 30000);
	if (!rc && status) {
		snprintf(err, errlen, "the peer exited with status %d", status);
		rc = -EIO;
	}
	sl_sess_free(&s);
	return rc;
}

/* What the command leaves: the PCPIs here, by count. */
static void sl_destroy_left(const struct sl_relationship *r,
			    const struct sl_endpoint *local)
{
	struct sl_volume v;
	struct sl_pcpi *p = NULL;
	size_t n = 0, i, published = 0;
	char err[600];

	if (sl_volume_open(local->volume, &v, err, sizeof(err)))
		return;
	if (!sl_pcpi_list(&v, &p, &n, err, sizeof(err)))
		for (i = 0; i < n; i++)
			published += !p[i].part && p[i].gid[0];
	printf("mirror %s: left: %zu published PCPI(s) of %s on this host (remove them with lvremove when no longer wanted)\n",
	       r->name, published, local->volume);
	free(p);
	sl_volume_close(&v);
}

int sl_mirror_destroy(struct sl_ctx *x, const char *key, bool keep_locks)
{
	struct sl_mirror_env e = { 0 };
	struct sl_endpoint src, dst, local, peer;
	struct sl_relationship r;
	char host[256], err[1400], origin[SOFTLOCK_ORIGIN_MAX + 1];
	char dataset[600];
	bool source, released = false;
	int rc, status = SL_EXIT_OK;

	if (sl_mirror_find(x, key, " (see 'softlock mirror status')", &r, &src,
			   &dst))
		return SL_EXIT_FAIL;
	source = src.kind == SL_EP_LOCAL;
	local = source ? src : dst;
	peer = source ? dst : src;
	e.cat = x->cat;
	e.k = sl_mirror_kernel();
	e.host = sl_host_name(host, sizeof(host));
	if (!keep_locks) {
		rc = sl_destroy_release(&r, source, &local, &peer, &e, err,
					sizeof(err));
		released = !rc;
		if (released)
			printf("mirror %s: released the lock set of %s on %s\n",
			       r.name, r.dst, r.src);
		else
			fprintf(stderr, "softlock: mirror %s: the lock set on %s could not be released: %s\n",
				r.name, r.src, err);
	}
	if (!released) {
		/* Our own dataset names the origin; a peer's name is its own. */
		if (!source) {
			snprintf(dataset, sizeof(dataset), "%s:%s", e.host,
				 dst.volume);
			sl_mirror_origin(dataset, origin, sizeof(origin));
		}
		printf("mirror %s: left: the lock set on %s%s; release it there with 'softlock release --origin %s --all'\n",
		       r.name, r.src, keep_locks ? " (--keep-locks)" : "",
		       source ? "softlock-mirror:DSTHOST:VG/LV" : origin);
		/* The release session is what cleans a pushed-to destination. */
		if (dst.kind != SL_EP_LOCAL)
			printf("mirror %s: left: any .part LV and checkpoint of an interrupted transfer on %s\n",
			       r.name, r.dst);
	}
	/* Without the session (or a push, whose .part is on the peer). */
	if (dst.kind == SL_EP_LOCAL &&
	    sl_mirror_dest_forget(&e, r.name, dst.volume, err, sizeof(err))) {
		sl_err(x, "mirror %s: %s", r.name, err);
		status = SL_EXIT_FAIL;
	}
	if (status == SL_EXIT_OK) {
		if (sl_ckpt_del(x->cat, r.name) == 0)
			printf("mirror %s: removed its checkpoint\n", r.name);
		if (sl_rel_del(x->cat, r.name)) {
			sl_err(x, "mirror %s: %s", r.name, sl_cat_error(x->cat));
			status = SL_EXIT_FAIL;
		} else {
			printf("mirror %s: removed the relationship\n", r.name);
		}
	}
	sl_destroy_left(&r, &local);
	if (e.k)
		sl_kmod_close(e.k);
	return status;
}
