// SPDX-License-Identifier: GPL-2.0
/*
 * softlock mirror verify NAME|DST [--snapshot LV.sl.N] [--json]: compare
 * this host's copy of a PCPI with the peer's, chunk by chunk (see
 * mirror/verify.h), and say whether they are identical and where they
 * first differ.
 *
 * Without --snapshot it verifies the newest PCPI both sides hold. The
 * protocol asks for one PCPI by global id and the peer answers ENOENT when
 * it has none, so this side offers its own PCPIs newest first, one
 * session each, until the peer has one: a destination lags its source by
 * an update at most, so the first or second try normally finds it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "../lib/json.h"
#include "../mirror/mirror.h"
#include "../mirror/mstore.h"
#include "../mirror/progress.h"
#include "../mirror/transport.h"
#include "../mirror/verify.h"

/* How many of this side's PCPIs a default verify offers the peer. */
#define SL_VERIFY_TRIES 16

struct sl_vjob {
	struct sl_ctx *x;
	struct sl_relationship r;
	struct sl_endpoint local, peer;
	bool source;		/* this side is the source */
	char host[256];
	char peer_host[256];	/* the peer's name, once it said it */
	struct sl_verify_result res;
	char err[1024];
};

static bool sl_published(const struct sl_pcpi *p)
{
	return !p->part && p->gid[0] && p->has_fp;
}

/* One verify session with the peer about p. 0, or -errno with j->err. */
static int sl_verify_once(struct sl_vjob *j, struct sl_pcpi *p)
{
	struct sl_peer_proc peer;
	struct sl_session s;
	int rc, status;

	memset(&j->res, 0, sizeof(j->res));
	rc = sl_peer_start(&j->peer, &peer, j->err, sizeof(j->err));
	if (rc)
		return rc;
	sl_sess_init(&s, peer.rfd, peer.wfd, true,
		     j->source ? SL_ROLE_SOURCE : SL_ROLE_DESTINATION, j->host);
	rc = sl_sess_hello_purpose(&s, j->r.name, j->peer.volume,
				   SL_PURPOSE_VERIFY);
	if (!rc)
		rc = sl_verify_run(&s, p, SL_VERIFY_CHUNK, &j->res);
	if (!rc)
		rc = sl_sess_close(&s);
	status = sl_peer_finish(&peer, 30000);
	if (!rc && status) {
		snprintf(s.err, sizeof(s.err), "the peer exited with status %d",
			 status);
		rc = -EIO;
	}
	if (rc)
		snprintf(j->err, sizeof(j->err), "%s", s.err);
	if (*s.peer)
		snprintf(j->peer_host, sizeof(j->peer_host), "%s", s.peer);
	sl_sess_free(&s);
	return rc;
}

/*
 * --snapshot: this side's LV name ("vol.sl.3") or VG/LV. Names differ
 * between the sides (vgA/vol.sl.3 is vgB/dst.sl.3), global ids do not:
 * the peer is asked by global id.
 */
static struct sl_pcpi *sl_find_named(struct sl_pcpi *p, size_t n,
				     const char *name)
{
	char vglv[300];
	size_t i;

	for (i = 0; i < n; i++) {
		snprintf(vglv, sizeof(vglv), "%s/%s", p[i].vg, p[i].lv);
		if (!strcmp(p[i].lv, name) || !strcmp(vglv, name))
			return &p[i];
	}
	return NULL;
}

static void sl_chunk_text(uint64_t chunk, char *buf, size_t size)
{
	if (chunk % (1u << 20))
		snprintf(buf, size, "%llu KiB", (unsigned long long)chunk >> 10);
	else
		snprintf(buf, size, "%llu MiB", (unsigned long long)chunk >> 20);
}

static void sl_verify_report(const struct sl_vjob *j, const struct sl_pcpi *p,
			     bool json, double secs)
{
	const struct sl_verify_result *v = &j->res;
	char chunk[32];

	if (json) {
		printf("{\"relationship\":");
		sl_json_str(stdout, j->r.name);
		printf(",\"snapshot\":");
		sl_json_str(stdout, p->lv);
		printf(",\"global_id\":\"%s\",\"peer\":", p->gid);
		sl_json_str(stdout, j->peer_host);
		printf(",\"result\":\"%s\",\"chunk\":%llu,\"size\":%llu,\"peer_size\":%llu,\"chunks\":%llu,\"differ\":%llu,",
		       v->differ ? "different" : "identical",
		       (unsigned long long)v->chunk,
		       (unsigned long long)v->size,
		       (unsigned long long)v->peer_size,
		       (unsigned long long)v->chunks,
		       (unsigned long long)v->differ);
		if (v->differ)
			printf("\"first_offset\":%llu,\"first_chunk\":%llu,",
			       (unsigned long long)(v->first * v->chunk),
			       (unsigned long long)v->first);
		else
			printf("\"first_offset\":null,\"first_chunk\":null,");
		printf("\"seconds\":%.3f}\n", secs);
		return;
	}
	sl_chunk_text(v->chunk, chunk, sizeof(chunk));
	if (!v->differ) {
		printf("mirror %s: %s (global id %s): identical, %llu chunks of %s\n",
		       j->r.name, p->lv, p->gid, (unsigned long long)v->chunks,
		       chunk);
		return;
	}
	printf("mirror %s: %s: %llu of %llu chunks differ; first difference at byte offset %llu (chunk %llu)\n",
	       j->r.name, p->lv, (unsigned long long)v->differ,
	       (unsigned long long)v->chunks,
	       (unsigned long long)(v->first * v->chunk),
	       (unsigned long long)v->first);
	if (v->size != v->peer_size)
		printf("mirror %s: %s: the copies' sizes differ: %llu bytes on %s, %llu on %s\n",
		       j->r.name, p->lv, (unsigned long long)v->size, j->host,
		       (unsigned long long)v->peer_size, j->peer_host);
}

/*
 * An error: on stderr, and with --json as the one line on stdout too. The
 * copies could not be compared, which is not "they differ": exit 2.
 */
static int sl_verify_fail(const struct sl_vjob *j, const char *snapshot,
			  bool json, const char *msg)
{
	if (!*j->r.name) {	/* no relationship found: msg says so */
		if (json) {
			printf("{\"relationship\":null,\"result\":\"error\",\"error\":");
			sl_json_str(stdout, msg);
			printf("}\n");
		}
		sl_err(j->x, "%s", msg);
		return SL_EXIT_UNKNOWN;
	}
	if (json) {
		printf("{\"relationship\":");
		sl_json_str(stdout, j->r.name);
		printf(",\"snapshot\":");
		sl_json_str(stdout, snapshot ? snapshot : "");
		printf(",\"result\":\"error\",\"error\":");
		sl_json_str(stdout, msg);
		printf("}\n");
	}
	sl_err(j->x, "mirror %s: %s", j->r.name, msg);
	return SL_EXIT_UNKNOWN;
}

/* Try p; on the peer's ENOENT, *missing and 0 (the caller tries on). */
static int sl_verify_try(struct sl_vjob *j, struct sl_pcpi *p, bool *missing)
{
	int rc = sl_verify_once(j, p);

	*missing = rc && j->res.peer_missing;
	return *missing ? 0 : rc;
}

int sl_mirror_verify(struct sl_ctx *x, const char *key, const char *snapshot,
		     bool json)
{
	struct sl_vjob j = { .x = x };
	struct sl_endpoint src, dst;
	struct sl_pcpi *list = NULL, *p = NULL;
	struct sl_volume v;
	size_t n = 0, i, tried = 0;
	bool missing = false;
	char msg[1400];
	double t0 = sl_now();
	int rc;

	if (sl_mirror_open(x))
		return SL_EXIT_UNKNOWN;
	rc = sl_rel_find(x->cat, key, &j.r);
	if (rc) {
		memset(&j.r, 0, sizeof(j.r));
		snprintf(msg, sizeof(msg), rc == -EEXIST ?
			 "'%s' matches several relationships: name one (see 'softlock mirror status')" :
			 "no mirror relationship '%s': create it with 'softlock mirror init SRC DST'",
			 key);
		return sl_verify_fail(&j, snapshot, json, msg);
	}
	if (sl_endpoint_parse(j.r.src, &src, j.err, sizeof(j.err)) ||
	    sl_endpoint_parse(j.r.dst, &dst, j.err, sizeof(j.err)))
		return sl_verify_fail(&j, snapshot, json, j.err);
	/* As for update: this side is whichever end is local. */
	j.source = src.kind == SL_EP_LOCAL;
	j.local = j.source ? src : dst;
	j.peer = j.source ? dst : src;
	sl_host_name(j.host, sizeof(j.host));
	snprintf(j.peer_host, sizeof(j.peer_host), "the peer");
	rc = sl_volume_open(j.local.volume, &v, j.err, sizeof(j.err));
	if (!rc)
		rc = sl_pcpi_list(&v, &list, &n, j.err, sizeof(j.err));
	/* The list is a copy: only v.vg, a name, is used below. */
	sl_volume_close(&v);
	if (rc)
		return sl_verify_fail(&j, snapshot, json, j.err);
	if (snapshot) {
		p = sl_find_named(list, n, snapshot);
		if (!p || !sl_published(p)) {
			if (p)
				snprintf(msg, sizeof(msg), "%s is not a published PCPI of %s (a transfer in progress, or untagged)",
					 snapshot, j.local.volume);
			else
				snprintf(msg, sizeof(msg), "no PCPI named %s of %s on %s (see 'lvs %s')",
					 snapshot, j.local.volume, j.host, v.vg);
			free(list);
			return sl_verify_fail(&j, snapshot, json, msg);
		}
		rc = sl_verify_once(&j, p);
	} else {
		/* sl_pcpi_list() sorts by N: newest last. */
		for (i = n; i-- > 0 && tried < SL_VERIFY_TRIES;) {
			if (!sl_published(&list[i]))
				continue;
			p = &list[i];
			tried++;
			rc = sl_verify_try(&j, p, &missing);
			if (rc || !missing)
				break;
		}
	}
	if (!rc && !p)
		snprintf(j.err, sizeof(j.err), "%s holds no PCPIs on %s: nothing to verify (run 'softlock mirror update %s' first)",
			 j.local.volume, j.host, j.r.name);
	else if (!rc && missing)
		snprintf(j.err, sizeof(j.err), "no PCPI is on both sides: %s does not hold the newest %zu of %s (%s)",
			 j.peer_host, tried, j.local.volume, j.host);
	if (!rc && p && !missing) {
		sl_verify_report(&j, p, json, sl_now() - t0);
		rc = j.res.differ ? SL_EXIT_FAIL : SL_EXIT_OK;
	} else {
		if (p && !missing)
			snprintf(msg, sizeof(msg), "%s: %s", p->lv, j.err);
		else
			snprintf(msg, sizeof(msg), "%s", j.err);
		rc = sl_verify_fail(&j, p ? p->lv : snapshot, json, msg);
	}
	free(list);
	return rc;
}
