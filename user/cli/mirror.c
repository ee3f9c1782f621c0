// SPDX-License-Identifier: GPL-2.0
/*
 * softlock mirror init|set|update|status (verify: mirror_verify.c;
 * destroy: mirror_destroy.c; the peer end, softlock serve: serve.c).
 *
 * The host that runs `mirror update` starts the peer (ssh, a command, or
 * itself for a local volume) and takes the role of whichever side is
 * local: push when the source is here, pull when the destination is.
 * Either way the destination drives the lock sets and the source the
 * data, so the session is the same.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "ctx.h"
#include "../lib/json.h"
#include "../mirror/mirror.h"
#include "../mirror/mstore.h"
#include "../mirror/progress.h"
#include "../mirror/runlock.h"
#include "../mirror/transport.h"
#include "../mirror/verify.h"

static const struct option sl_mirror_opts[] = {
	{ "name", required_argument, NULL, 'n' },
	{ "keep", required_argument, NULL, 'k' },
	{ "lease", required_argument, NULL, 'l' },
	{ "json", no_argument, NULL, 'j' },
	{ "verify", no_argument, NULL, 'V' },	/* update */
	{ "snapshot", required_argument, NULL, 'S' },	/* verify */
	{ "follow-source-deletions", required_argument, NULL, 'F' },
	{ "keep-locks", no_argument, NULL, 'K' },	/* destroy */
	{ NULL, 0, NULL, 0 },
};

int sl_mirror_open(struct sl_ctx *x)
{
	int rc = sl_need_root(x);

	if (!rc)
		rc = sl_open_catalog(x);
	if (!rc && sl_mstore_init(x->cat)) {
		sl_err(x, "%s", sl_cat_error(x->cat));
		rc = -EIO;
	}
	return rc;
}

int sl_mirror_find(struct sl_ctx *x, const char *key, const char *hint,
		   struct sl_relationship *r, struct sl_endpoint *src,
		   struct sl_endpoint *dst)
{
	char err[1400];
	int rc;

	if (sl_mirror_open(x))
		return -1;
	rc = sl_rel_find(x->cat, key, r);
	if (rc) {
		if (rc == -EEXIST)
			sl_err(x, "'%s' matches several relationships: name one (see 'softlock mirror status')",
			       key);
		else
			sl_err(x, "no mirror relationship '%s'%s", key, hint);
		return -1;
	}
	if (sl_endpoint_parse(r->src, src, err, sizeof(err)) ||
	    sl_endpoint_parse(r->dst, dst, err, sizeof(err))) {
		sl_err(x, "relationship %s: %s", r->name, err);
		return -1;
	}
	return 0;
}

/* The module is optional on a destination: without it nothing is locked. */
struct sl_kmod *sl_mirror_kernel(void)
{
	struct sl_kmod *k = NULL;

	return sl_kmod_open(&k) ? NULL : k;
}

/*
 * --lease DURATION, or "none"/"off"/"0" for locks that never expire. A
 * lease runs from one update's lock set to the next; one shorter than an
 * update would expire mid-transfer.
 */
#define SL_LEASE_MIN 10

static int sl_parse_lease(struct sl_ctx *x, const char *s, uint32_t *lease)
{
	int64_t secs = 0;

	if (!strcmp(s, "none") || !strcmp(s, "off") || !strcmp(s, "0")) {
		*lease = 0;
		return 0;
	}
	if (sl_parse_duration(s, &secs) || secs < SL_LEASE_MIN ||
	    secs > UINT32_MAX)
		return sl_usage(x, "--lease %s: use a duration of %ds or more, like 90s, 15m, 2h, 7d or 1w (longer than an update takes), or 'none'",
				s, SL_LEASE_MIN);
	*lease = secs;
	return 0;
}

/* --follow-source-deletions yes|no */
static int sl_parse_follow(struct sl_ctx *x, const char *s, bool *follow)
{
	if (!strcmp(s, "yes") || !strcmp(s, "no")) {
		*follow = !strcmp(s, "yes");
		return 0;
	}
	return sl_usage(x, "--follow-source-deletions %s: say yes or no", s);
}

static int sl_mirror_init(struct sl_ctx *x, const char *name,
			  const char *keep, const char *lease,
			  const char *follow, int argc, char **argv)
{
	struct sl_relationship r = { 0 };
	struct sl_endpoint src, dst;
	char err[512];
	int rc;

	if (argc != 2)
		return sl_usage(x, "mirror init needs SRC and DST");
	if (sl_endpoint_parse(argv[0], &src, err, sizeof(err)) ||
	    sl_endpoint_parse(argv[1], &dst, err, sizeof(err)))
		return sl_usage(x, "%s", err);
	if (src.kind != SL_EP_LOCAL && dst.kind != SL_EP_LOCAL)
		return sl_usage(x, "one of SRC and DST must be on this host (a plain VG/LV): the update runs here");
	if (!name && dst.kind == SL_EP_EXEC)
		return sl_usage(x, "an exec: destination needs --name NAME");
	if (!name)
		sl_endpoint_format(&dst, r.name, sizeof(r.name));
	else
		snprintf(r.name, sizeof(r.name), "%s", name);
	if ((name && strlen(name) > SL_REL_NAME_MAX) ||
	    strlen(r.name) >= SL_REL_NAME_MAX)
		return sl_usage(x, "the relationship name must be 1..%d bytes: give a shorter --name",
				SL_REL_NAME_MAX);
	/* --keep is this host's retention: of the source or of the destination. */
	if (keep && (sscanf(keep, "%u%n", &r.keep, &rc) != 1 ||
		     keep[rc] || !r.keep))
		return sl_usage(x, "--keep needs a number of PCPIs, 1 or more");
	if (follow && (sl_parse_follow(x, follow, &r.follow) ||
		       dst.kind != SL_EP_LOCAL))
		return sl_usage(x, "--follow-source-deletions yes|no needs the destination on this host: the destination decides what it deletes");
	if (lease && sl_parse_lease(x, lease, &r.lease))
		return SL_EXIT_USAGE;
	rc = sl_mirror_open(x);
	if (rc)
		return SL_EXIT_FAIL;
	sl_endpoint_format(&src, r.src, sizeof(r.src));
	sl_endpoint_format(&dst, r.dst, sizeof(r.dst));
	r.created = time(NULL);
	rc = sl_rel_add(x->cat, &r);
	if (rc == -EEXIST) {
		sl_err(x, "a relationship named '%s' exists already: pick another --name",
		       r.name);
		return SL_EXIT_FAIL;
	}
	if (rc) {
		sl_err(x, "recording the relationship: %s", sl_cat_error(x->cat));
		return SL_EXIT_FAIL;
	}
	printf("mirror %s: %s -> %s\n", r.name, r.src, r.dst);
	if (dst.kind == SL_EP_LOCAL && !r.keep)
		printf("mirror %s: %s keeps every PCPI it receives%s\n", r.name,
		       r.dst, r.follow ? " until the source removes it" : "");
	else if (dst.kind == SL_EP_LOCAL)
		printf("mirror %s: %s keeps its newest %u PCPIs%s\n", r.name,
		       r.dst, r.keep, r.follow ? ", and older ones until the source removes them" : "");
	return SL_EXIT_OK;
}

/* mirror set NAME --lease D|none: takes effect with the next update. */
static int sl_mirror_set(struct sl_ctx *x, const char *key, const char *lease)
{
	struct sl_relationship r;
	uint32_t secs;
	int rc;

	if (!lease)
		return sl_usage(x, "mirror set needs --lease DURATION|none");
	if (sl_parse_lease(x, lease, &secs))
		return SL_EXIT_USAGE;
	if (sl_mirror_open(x))
		return SL_EXIT_FAIL;
	rc = sl_rel_find(x->cat, key, &r);
	if (rc) {
		sl_err(x, "no mirror relationship '%s' (or several match): see 'softlock mirror status'",
		       key);
		return SL_EXIT_FAIL;
	}
	r.lease = secs;
	if (sl_rel_set_result(x->cat, &r)) {
		sl_err(x, "recording the lease: %s", sl_cat_error(x->cat));
		return SL_EXIT_FAIL;
	}
	if (secs)
		printf("mirror %s: the source's locks expire %u s after each update unless renewed\n",
		       r.name, secs);
	else
		printf("mirror %s: the source's locks never expire\n", r.name);
	return SL_EXIT_OK;
}

static void sl_report(const struct sl_relationship *r,
		      const struct sl_mirror_env *e, bool json, double secs)
{
	struct rusage self, peer;

	if (json) {
		printf("{\"event\":\"done\",\"relationship\":");
		sl_json_str(stdout, r->name);
		printf(",\"result\":");
		sl_json_str(stdout, r->last_result);
		printf(",\"snapshot\":");
		sl_json_str(stdout, e->snapshot);
		printf(",\"global_id\":\"%s\",\"base\":", e->gid);
		sl_json_str(stdout, e->base);
		printf(",\"retention_removed\":%u,\"retention_kept\":%u",
		       e->removed, e->kept);
		/* Peak RSS in KiB: this helper, and the peer it started. */
		getrusage(RUSAGE_SELF, &self);
		getrusage(RUSAGE_CHILDREN, &peer);
		printf(",\"max_rss_kib\":%ld,\"peer_max_rss_kib\":%ld",
		       self.ru_maxrss, peer.ru_maxrss);
		printf(",\"verified_bytes\":%llu",
		       (unsigned long long)e->verified_bytes);
		printf(",\"size\":%llu,\"data_bytes\":%llu,\"discard_bytes\":%llu,\"changed_bytes\":%llu,\"resume_offset\":%llu,\"wire_bytes\":%llu,\"up_to_date\":%s,\"seconds\":%.3f}\n",
		       (unsigned long long)e->size,
		       (unsigned long long)e->data_bytes,
		       (unsigned long long)e->discard_bytes,
		       (unsigned long long)e->changed_bytes,
		       (unsigned long long)e->resume,
		       (unsigned long long)e->wire_bytes,
		       e->up_to_date ? "true" : "false", secs);
		return;
	}
	if (strcmp(r->last_result, "ok"))
		return;
	if (e->up_to_date)
		printf("mirror %s: up to date at %s\n", r->name, e->snapshot);
	else
		printf("mirror %s: %s%s%s%s: %.1f MiB sent, %.1f MiB discarded in %.1f s\n",
		       r->name, e->snapshot, *e->base ? " (base " : " (full",
		       e->base, e->resume ? ", resumed)" : ")",
		       e->data_bytes / 1048576.0, e->discard_bytes / 1048576.0,
		       secs);
}

static int sl_mirror_update(struct sl_ctx *x, const char *key, bool json,
			    bool verify)
{
	struct sl_mirror_env e = { .json = json, .bar = !json, .verify = verify };
	struct sl_endpoint src, dst, local;
	struct sl_relationship r;
	struct sl_peer_proc peer;
	struct sl_session s;
	char host[256], err[4600];
	time_t started;
	bool source;
	pid_t holder;
	double t0;
	int rc, status, run;

	if (sl_mirror_find(x, key, ": create it with 'softlock mirror init SRC DST'",
			   &r, &src, &dst))
		return SL_EXIT_FAIL;
	/* Push when the source is here, else pull. */
	source = src.kind == SL_EP_LOCAL;
	local = source ? src : dst;
	/* Held until this process exits, however it exits. */
	rc = sl_runlock_take(x->cat, r.name, source ? "source" : "destination",
			     &run, &holder, err, sizeof(err));
	if (rc == -EBUSY) {
		sl_err(x, "relationship %s is being updated by pid %d: nothing done; run it again once that one ends",
		       r.name, (int)holder);
		return SL_EXIT_BUSY;
	}
	if (rc) {
		sl_err(x, "%s", err);
		return SL_EXIT_FAIL;
	}
	rc = sl_peer_start(source ? &dst : &src, &peer, err, sizeof(err));
	if (rc) {
		sl_err(x, "%s", err);
		return SL_EXIT_FAIL;
	}
	e.cat = x->cat;
	e.k = sl_mirror_kernel();
	e.host = sl_host_name(host, sizeof(host));
	e.keep = source ? r.keep : 0;
	e.lease = r.lease;
	t0 = sl_now();
	started = time(NULL);
	sl_sess_init(&s, peer.rfd, peer.wfd, true,
		     source ? SL_ROLE_SOURCE : SL_ROLE_DESTINATION, e.host);
	s.lease = r.lease;	/* a pulled-from source learns it from HELLO */
	rc = sl_sess_hello(&s, r.name, source ? dst.volume : src.volume);
	if (!rc)
		rc = source ? sl_mirror_source(&s, &e, r.name, local.volume) :
			      sl_mirror_dest(&s, &e, r.name, local.volume);
	if (!rc)
		rc = sl_sess_close(&s);
	e.wire_bytes = s.wire_out + s.wire_in;
	status = sl_peer_finish(&peer, 30000);
	if (!rc && status) {
		snprintf(s.err, sizeof(s.err), "the peer exited with status %d",
			 status);
		rc = -EIO;
	}
	r.last_time = time(NULL);
	snprintf(r.last_result, sizeof(r.last_result), "%s", rc ? s.err : "ok");
	r.last_bytes = e.data_bytes;
	r.last_ms = (sl_now() - t0) * 1000;
	if (!rc) {
		r.ok_time = r.last_time;
		r.ok_start = started;
		snprintf(r.last_snapshot, sizeof(r.last_snapshot), "%s", e.snapshot);
		snprintf(r.last_gid, sizeof(r.last_gid), "%s", e.gid);
	}
	if (sl_rel_set_result(x->cat, &r))
		sl_err(x, "recording the result: %s", sl_cat_error(x->cat));
	sl_report(&r, &e, json, sl_now() - t0);
	if (rc)
		sl_err(x, "mirror %s: %s", r.name, s.err);
	sl_sess_free(&s);
	if (e.k)
		sl_kmod_close(e.k);
	return rc ? SL_EXIT_FAIL : SL_EXIT_OK;
}

static int sl_mirror_status(struct sl_ctx *x, const char *key, bool json)
{
	struct sl_relationship *r = NULL;
	struct sl_checkpoint ck;
	size_t n = 0, i, shown = 0;
	char when[32];

	if (sl_mirror_open(x))
		return SL_EXIT_FAIL;
	if (sl_rel_list(x->cat, &r, &n)) {
		sl_err(x, "reading the relationships: %s", sl_cat_error(x->cat));
		return SL_EXIT_FAIL;
	}
	if (json)
		printf("[");
	else
		printf("%-24s %-28s %-28s %-20s %-20s %s\n", "NAME", "SOURCE",
		       "DESTINATION", "LAST", "PCPI", "RESULT");
	for (i = 0; i < n; i++) {
		if (key && strcmp(key, r[i].name) && strcmp(key, r[i].src) &&
		    strcmp(key, r[i].dst))
			continue;
		if (json) {
			printf("%s{\"name\":", shown ? "," : "");
			sl_json_str(stdout, r[i].name);
			printf(",\"source\":");
			sl_json_str(stdout, r[i].src);
			printf(",\"destination\":");
			sl_json_str(stdout, r[i].dst);
			printf(",\"last_time\":%lld,\"last_result\":",
			       (long long)r[i].last_time);
			sl_json_str(stdout, r[i].last_result);
			printf(",\"last_snapshot\":");
			sl_json_str(stdout, r[i].last_snapshot);
			printf(",\"last_global_id\":\"%s\",\"lease\":%u,\"last_bytes\":%llu,\"last_ms\":%llu,\"last_success_time\":%lld,\"last_success_start\":%lld,\"checkpoint\":",
			       r[i].last_gid, r[i].lease,
			       (unsigned long long)r[i].last_bytes,
			       (unsigned long long)r[i].last_ms,
			       (long long)r[i].ok_time,
			       (long long)r[i].ok_start);
			if (!sl_ckpt_get(x->cat, r[i].name, &ck))
				printf("{\"global_id\":\"%s\",\"offset\":%llu}",
				       ck.gid, (unsigned long long)ck.offset);
			else
				printf("null");
			printf("}");
		} else {
			when[0] = 0;
			if (r[i].last_time)
				strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S",
					 localtime(&(time_t){ r[i].last_time }));
			printf("%-24s %-28s %-28s %-20s %-20s %s\n", r[i].name,
			       r[i].src, r[i].dst, *when ? when : "never",
			       *r[i].last_snapshot ? r[i].last_snapshot : "-",
			       *r[i].last_result ? r[i].last_result : "-");
		}
		shown++;
	}
	if (json)
		printf("]\n");
	free(r);
	if (key && !shown) {
		sl_err(x, "no mirror relationship '%s'", key);
		return SL_EXIT_FAIL;
	}
	return SL_EXIT_OK;
}

int cmd_mirror(struct sl_ctx *x, int argc, char **argv)
{
	const char *name = NULL, *keep = NULL, *lease = NULL, *sub;
	const char *follow = NULL;
	bool keep_locks = false;
	const char *snapshot = NULL;
	bool json = false, verify = false;
	int c;

	if (argc < 2)
		return sl_usage(x, "mirror needs a subcommand: init, update, status, verify, set or destroy");
	sub = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "n:k:l:jS:F:KV", sl_mirror_opts, NULL)) != -1) {
		switch (c) {
		case 'n': name = optarg; break;
		case 'k': keep = optarg; break;
		case 'l': lease = optarg; break;
		case 'j': json = true; break;
		case 'S': snapshot = optarg; break;
		case 'F': follow = optarg; break;
		case 'K': keep_locks = true; break;
		case 'V': verify = true; break;
		default: return sl_usage(x, "unknown option");
		}
	}
	argc -= optind;
	argv += optind;
	if (snapshot && strcmp(sub, "verify"))
		return sl_usage(x, "--snapshot is an option of mirror verify");
	if (verify && strcmp(sub, "update"))
		return sl_usage(x, "--verify is an option of mirror update (mirror verify compares whole PCPIs)");
	if (lease && strcmp(sub, "init") && strcmp(sub, "set"))
		return sl_usage(x, "--lease is an option of mirror init and mirror set");
	if (keep_locks && strcmp(sub, "destroy"))
		return sl_usage(x, "--keep-locks is an option of mirror destroy");
	if (follow && strcmp(sub, "init"))
		return sl_usage(x, "--follow-source-deletions is an option of mirror init");
	if (!strcmp(sub, "init"))
		return sl_mirror_init(x, name, keep, lease, follow, argc, argv);
	if (!strcmp(sub, "set")) {
		if (argc != 1)
			return sl_usage(x, "mirror set needs one relationship (its name or DST)");
		return sl_mirror_set(x, argv[0], lease);
	}
	if (!strcmp(sub, "update")) {
		if (argc != 1)
			return sl_usage(x, "mirror update needs one relationship (its name or DST)");
		return sl_mirror_update(x, argv[0], json, verify);
	}
	if (!strcmp(sub, "status")) {
		if (argc > 1)
			return sl_usage(x, "mirror status takes at most one relationship");
		return sl_mirror_status(x, argc ? argv[0] : NULL, json);
	}
	if (!strcmp(sub, "verify")) {
		if (argc != 1)
			return sl_usage(x, "mirror verify needs one relationship (its name or DST)");
		return sl_mirror_verify(x, argv[0], snapshot, json);
	}
	if (!strcmp(sub, "destroy")) {
		if (argc != 1)
			return sl_usage(x, "mirror destroy needs one relationship (its name or DST)");
		return sl_mirror_destroy(x, argv[0], keep_locks);
	}
	return sl_usage(x, "unknown mirror subcommand '%s': init, update, status, verify, set or destroy",
			sub);
}
