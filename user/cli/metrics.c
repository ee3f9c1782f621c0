// SPDX-License-Identifier: GPL-2.0
/*
 * softlock metrics: the kernel's locks and pools, the catalog and the
 * mirror relationships in the Prometheus text format, for node_exporter's
 * textfile collector (--output FILE is replaced atomically).
 *
 * Without the module the catalog's and the relationships' metrics are
 * still written, with softlock_module_loaded 0. A part that could not be
 * read is left out, said on stderr and counted in
 * softlock_metrics_collect_errors; the rest is still written.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/softlock.h>

#include "ctx.h"
#include "../lib/prom.h"
#include "../lib/safefile.h"
#include "../mirror/mstore.h"

#define SL_SYSFS "/sys/module/softlock"
#define SL_NTYPES (SOFTLOCK_LOCK_TYPE_APP + 1)

struct sl_mpool {
	char id[129];		/* the kernel's pool identity */
	char name[300];		/* VG/POOL when LVM knows it, else id */
	bool lvm;
	uint32_t locks, pcpis, staged, pinned;
	uint32_t by_type[SL_NTYPES];
	int64_t excl;		/* exclusive bytes of held PCPIs; -1 unknown */
};

struct sl_metrics {
	bool usage;
	int errors;
	bool loaded, sealed_known, sealed;
	bool stats_ok;
	struct sl_kstats stats;
	char kversion[64];
	struct sl_mpool *pools;
	size_t npools;
	struct sl_klock *locks;	/* sorted by pool, pcpi */
	size_t nlocks;
	bool cat_ok;
	size_t cat_holds;
	struct sl_relationship *rels;
	size_t nrels;
	bool rels_ok;
};

static void sl_fail(const struct sl_ctx *x, struct sl_metrics *m,
		    const char *what, const char *why)
{
	sl_err(x, "%s: %s; its metrics are left out", what, why);
	m->errors++;
}

static int sl_add_pool(const struct sl_kpool *p, void *arg)
{
	struct sl_metrics *m = arg;
	struct sl_mpool *v = reallocarray(m->pools, m->npools + 1, sizeof(*v));

	if (!v)
		return -ENOMEM;
	m->pools = v;
	v = memset(&m->pools[m->npools++], 0, sizeof(*v));
	snprintf(v->id, sizeof(v->id), "%s", p->pool);
	v->lvm = !sl_lvm_pool_name(p->pool, v->name, sizeof(v->name));
	if (!v->lvm)
		snprintf(v->name, sizeof(v->name), "%s", p->pool);
	v->locks = p->locks;
	v->pcpis = p->pcpis;
	v->staged = p->staged;
	v->excl = -1;
	if (!m->sealed_known)
		m->sealed = p->sealed;
	return 0;
}

static int sl_klock_cmp(const void *a, const void *b)
{
	const struct sl_klock *x = a, *y = b;
	int c = strcmp(x->pool, y->pool);

	return c ? c : (x->pcpi > y->pcpi) - (x->pcpi < y->pcpi);
}

static struct sl_mpool *sl_find(struct sl_metrics *m, const char *id)
{
	size_t i;

	for (i = 0; i < m->npools; i++)
		if (!strcmp(m->pools[i].id, id))
			return &m->pools[i];
	return NULL;
}

struct sl_excl_arg {
	struct sl_metrics *m;
	struct sl_mpool *p;
};

/* thin_ls's row: counted when the pool's id holds a lock. */
static void sl_add_excl(uint32_t id, uint64_t bytes, void *arg)
{
	struct sl_excl_arg *a = arg;
	struct sl_klock key = { .pcpi = id };

	snprintf(key.pool, sizeof(key.pool), "%s", a->p->id);
	if (bsearch(&key, a->m->locks, a->m->nlocks, sizeof(key),
		    sl_klock_cmp))
		a->p->excl += bytes;
}

static void sl_collect_kernel(struct sl_ctx *x, struct sl_metrics *m)
{
	char buf[64], what[400];
	struct sl_excl_arg a = { m, NULL };
	struct sl_mpool *p;
	bool pinned;
	size_t i, j;
	int rc;

	rc = sl_kmod_open(&x->k);
	m->loaded = !rc;
	if (rc == -ENOENT)
		return;
	if (rc) {
		m->loaded = !access(SL_SYSFS, F_OK);
		sl_fail(x, m, "opening the softlock netlink family",
			strerror(-rc));
		return;
	}
	sl_kmod_sysfs("version", m->kversion, sizeof(m->kversion));
	if (sl_kmod_sysfs("parameters/sealed", buf, sizeof(buf))) {
		m->sealed_known = true;
		m->sealed = buf[0] == 'Y' || buf[0] == '1';
	}
	/* A module older than stats-get: the counters are left out. */
	rc = sl_kmod_stats(x->k, &m->stats);
	m->stats_ok = !rc;
	if (rc && rc != -EOPNOTSUPP)
		sl_fail(x, m, "reading the guard's counters", strerror(-rc));
	rc = sl_kmod_pools(x->k, sl_add_pool, m);
	if (rc) {
		sl_fail(x, m, "reading the kernel's pools", strerror(-rc));
		return;
	}
	m->sealed_known = m->sealed_known || m->npools;
	rc = sl_kmod_dump_all(x->k, NULL, &m->locks, &m->nlocks);
	if (rc) {
		sl_fail(x, m, "reading the kernel's locks", strerror(-rc));
		m->nlocks = 0;
		return;
	}
	qsort(m->locks, m->nlocks, sizeof(*m->locks), sl_klock_cmp);
	/* One run of the sorted array per PCPI: pinned if any lock pins it. */
	for (i = 0; i < m->nlocks; i = j) {
		p = sl_find(m, m->locks[i].pool);
		pinned = false;
		for (j = i; j < m->nlocks &&
		     !sl_klock_cmp(&m->locks[i], &m->locks[j]); j++) {
			pinned = pinned || m->locks[j].pinned;
			if (p && m->locks[j].type < SL_NTYPES)
				p->by_type[m->locks[j].type]++;
		}
		if (p && pinned)
			p->pinned++;	/* p NULL: added after the pool dump */
	}
	for (i = 0; m->usage && i < m->npools; i++) {
		a.p = &m->pools[i];
		if (!a.p->lvm)
			continue;	/* thin_ls needs LVM's names */
		a.p->excl = 0;
		rc = sl_lvm_pool_usage(a.p->name, sl_add_excl, &a);
		if (rc) {
			a.p->excl = -1;
			snprintf(what, sizeof(what),
				 "reading the exclusive data of pool %s with thin_ls",
				 a.p->name);
			sl_fail(x, m, what, rc == -EBUSY ?
				"its metadata snapshot is in use (try again later)" :
				strerror(-rc));
		}
	}
}

static void sl_collect_catalog(struct sl_ctx *x, struct sl_metrics *m)
{
	struct sl_cat_lock *c = NULL;
	char err[1200];
	int rc;

	rc = sl_cat_open(x->db_path, &x->cat, err, sizeof(err));
	if (rc) {
		sl_fail(x, m, "opening the catalog", err);
		return;
	}
	if (sl_cat_load(x->cat, &c, &m->cat_holds)) {
		sl_fail(x, m, "reading the catalog", sl_cat_error(x->cat));
	} else {
		m->cat_ok = true;
		free(c);
	}
	if (sl_mstore_init(x->cat) ||
	    sl_rel_list(x->cat, &m->rels, &m->nrels)) {
		sl_fail(x, m, "reading the mirror relationships",
			sl_cat_error(x->cat));
		return;
	}
	m->rels_ok = true;
}

static void sl_pool_gauge(struct sl_prom *pr, const struct sl_metrics *m,
			  const char *name, const char *help, size_t off)
{
	size_t i;

	if (!m->npools)
		return;
	sl_prom_family(pr, name, "gauge", help);
	for (i = 0; i < m->npools; i++)
		sl_prom_sample(pr, (const char *const[]){ "pool",
			       m->pools[i].name, NULL },
			       *(const uint32_t *)((const char *)&m->pools[i] + off));
}

static void sl_emit_kernel(struct sl_prom *pr, const struct sl_metrics *m)
{
	size_t i, n;
	uint32_t t;

	sl_prom_family(pr, "softlock_module_loaded", "gauge",
		       "1 when softlock.ko is loaded (its netlink family answers).");
	sl_prom_sample(pr, NULL, m->loaded);
	if (m->loaded && m->kversion[0]) {
		sl_prom_family(pr, "softlock_module_info", "gauge",
			       "The loaded module's version, in the label.");
		sl_prom_sample(pr, (const char *const[]){ "version",
			       m->kversion, NULL }, 1);
	}
	if (m->loaded && m->sealed_known) {
		sl_prom_family(pr, "softlock_module_sealed", "gauge",
			       "1 while the module is sealed: every pool delete is refused.");
		sl_prom_sample(pr, NULL, m->sealed);
	}
	if (m->stats_ok) {
		sl_prom_family(pr, "softlock_refused_deletes_total", "counter",
			       "Thin-pool deletes the kernel refused since the module loaded: the snapshot was locked, or the module sealed. LVM refuses a pinned snapshot's lvremove itself; those never reach the kernel.");
		sl_prom_sample(pr, (const char *const[]){ "reason", "locked",
			       NULL }, (double)m->stats.refused_locked);
		sl_prom_sample(pr, (const char *const[]){ "reason", "sealed",
			       NULL }, (double)m->stats.refused_sealed);
	}
	/* A module older than the guard-state attribute: left out. */
	if (m->stats_ok && m->stats.guard_state) {
		sl_prom_family(pr, "softlock_guard_armed", "gauge",
			       "1 while the guard hooks dm-thin-pool's pool_message and refuses deletes of held snapshots. 0 when dm-thin-pool is not loaded (no pool to guard) or when the hook failed: then deletes are NOT guarded, 'softlock version' and the kernel log say why.");
		sl_prom_sample(pr, NULL, m->stats.guard_state ==
			       SOFTLOCK_GUARD_STATE_ARMED);
	}
	if (m->npools) {
		sl_prom_family(pr, "softlock_locks", "gauge",
			       "Committed locks the kernel holds, per pool and lock type.");
		for (i = 0; i < m->npools; i++)
			for (t = 1; t < SL_NTYPES; t++)
				sl_prom_sample(pr, (const char *const[]){
					"pool", m->pools[i].name,
					"type", sl_type_name(t), NULL },
					m->pools[i].by_type[t]);
	}
	sl_pool_gauge(pr, m, "softlock_locks_staged", "Locks in open (staged) lock-set replacements, per pool.",
		      offsetof(struct sl_mpool, staged));
	sl_pool_gauge(pr, m, "softlock_pcpis_held", "Snapshots (thin ids) that hold at least one lock, per pool.",
		      offsetof(struct sl_mpool, pcpis));
	sl_pool_gauge(pr, m, "softlock_pcpis_pinned", "Held snapshots the kernel keeps open (lvremove refuses them), per pool.",
		      offsetof(struct sl_mpool, pinned));
	for (i = 0, n = 0; m->usage && i < m->npools; i++)
		n += m->pools[i].excl >= 0;
	if (n)
		sl_prom_family(pr, "softlock_held_exclusive_bytes", "gauge",
			       "Data only the held snapshots map (what deleting each would free, summed), per LVM pool; from thin_ls.");
	for (i = 0; n && i < m->npools; i++)
		if (m->pools[i].excl >= 0)
			sl_prom_sample(pr, (const char *const[]){ "pool",
				       m->pools[i].name, NULL },
				       m->pools[i].excl);
}

/* The last success of r: an older catalog only has the last update. */
static bool sl_last_ok(const struct sl_relationship *r, int64_t *end,
		       int64_t *start)
{
	*end = r->ok_time;
	*start = r->ok_start;
	if (!*end && r->last_time && !strcmp(r->last_result, "ok")) {
		*end = r->last_time;
		*start = r->last_time - (int64_t)(r->last_ms / 1000);
	}
	return *end != 0;
}

enum sl_rel_metric { SL_R_INFO, SL_R_TIME, SL_R_RESULT, SL_R_BYTES,
		     SL_R_DURATION, SL_R_OK_TIME, SL_R_LAG };

static const struct {
	const char *name, *help;
} sl_rel_metrics[] = {
	[SL_R_INFO] = { "softlock_mirror_relationship_info",
			"A mirror relationship of this host; source and destination in the labels." },
	[SL_R_TIME] = { "softlock_mirror_last_update_timestamp_seconds",
			"When the relationship's last update ended (Unix time)." },
	[SL_R_RESULT] = { "softlock_mirror_last_update_success",
			  "1 when the last update succeeded, 0 when it failed." },
	[SL_R_BYTES] = { "softlock_mirror_last_transfer_bytes",
			 "Data bytes the last update sent." },
	[SL_R_DURATION] = { "softlock_mirror_last_duration_seconds",
			    "How long the last update took." },
	[SL_R_OK_TIME] = { "softlock_mirror_last_success_timestamp_seconds",
			   "When the last successful update ended (Unix time)." },
	[SL_R_LAG] = { "softlock_mirror_lag_seconds",
		       "Now minus the start of the last successful update (its snapshot was taken after it)." },
};

/* Sample metric k of relationship r, or false when it has none. */
static bool sl_rel_value(const struct sl_relationship *r, int k, time_t now,
			 double *v)
{
	int64_t end, start;
	bool ok = sl_last_ok(r, &end, &start);

	switch (k) {
	case SL_R_INFO:
		*v = 1;
		return true;
	case SL_R_TIME:
	case SL_R_RESULT:
	case SL_R_BYTES:
	case SL_R_DURATION:
		*v = k == SL_R_TIME ? r->last_time :
		     k == SL_R_RESULT ? !strcmp(r->last_result, "ok") :
		     k == SL_R_BYTES ? r->last_bytes : r->last_ms / 1000.0;
		return r->last_time != 0;
	case SL_R_OK_TIME:
		*v = end;
		return ok;
	default:
		*v = now > start ? now - start : 0;
		return ok;
	}
}

static void sl_emit_rels(struct sl_prom *pr, const struct sl_metrics *m,
			 time_t now)
{
	size_t i, k, shown;
	double v;

	for (k = 0; k < sizeof(sl_rel_metrics) / sizeof(sl_rel_metrics[0]); k++) {
		for (i = 0, shown = 0; i < m->nrels; i++) {
			if (!sl_rel_value(&m->rels[i], k, now, &v))
				continue;
			if (!shown++)
				sl_prom_family(pr, sl_rel_metrics[k].name, "gauge",
					       sl_rel_metrics[k].help);
			if (k == SL_R_INFO)
				sl_prom_sample(pr, (const char *const[]){
					"relationship", m->rels[i].name,
					"source", m->rels[i].src,
					"destination", m->rels[i].dst, NULL }, v);
			else
				sl_prom_sample(pr, (const char *const[]){
					"relationship", m->rels[i].name,
					NULL }, v);
		}
	}
}

static void sl_emit(struct sl_prom *pr, const struct sl_metrics *m,
		    time_t now)
{
	sl_prom_family(pr, "softlock_build_info", "gauge",
		       "The softlock helper's version, in the label.");
	sl_prom_sample(pr, (const char *const[]){ "version", SL_VERSION,
						  NULL }, 1);
	sl_emit_kernel(pr, m);
	if (m->cat_ok) {
		sl_prom_family(pr, "softlock_catalog_holds", "gauge",
			       "Holds the catalog records (restored at boot).");
		sl_prom_sample(pr, NULL, m->cat_holds);
	}
	if (m->rels_ok) {
		sl_prom_family(pr, "softlock_mirror_relationships", "gauge",
			       "Mirror relationships in the catalog.");
		sl_prom_sample(pr, NULL, m->nrels);
	}
	sl_emit_rels(pr, m, now);
	sl_prom_family(pr, "softlock_metrics_collect_errors", "gauge",
		       "Parts this run could not read (left out; softlock metrics said why on stderr).");
	sl_prom_sample(pr, NULL, m->errors);
}

int cmd_metrics(struct sl_ctx *x, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "no-usage", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	struct sl_metrics m = { .usage = true };
	const char *output = NULL;
	struct sl_prom pr;
	char *buf = NULL, err[4400];
	size_t len = 0;
	FILE *f;
	int c, rc;

	while ((c = getopt_long(argc, argv, "o:n", opts, NULL)) != -1) {
		if (c == 'o')
			output = optarg;
		else if (c == 'n')
			m.usage = false;
		else
			return sl_usage(x, "unknown option");
	}
	if (optind < argc)
		return sl_usage(x, "unexpected argument '%s'", argv[optind]);
	if (output && !*output)
		return sl_usage(x, "--output needs a file name");
	if (sl_need_root(x))
		return SL_EXIT_FAIL;
	sl_collect_kernel(x, &m);
	sl_collect_catalog(x, &m);
	f = open_memstream(&buf, &len);
	if (!f) {
		sl_err(x, "out of memory");
		rc = -ENOMEM;
		goto out;
	}
	sl_prom_init(&pr, f);
	sl_emit(&pr, &m, time(NULL));
	rc = fclose(f) ? -EIO : pr.err;
	if (rc) {
		/* A name or label the formatter refused: a bug, not data. */
		sl_err(x, "formatting the metrics failed (%s): nothing written; please report this",
		       strerror(-rc));
		goto out;
	}
	/*
	 * Mode 0644: the collector may run as another user. Never through
	 * a link planted in its (often shared) directory.
	 */
	if (output) {
		rc = sl_file_replace(output, buf, len, 0644, err, sizeof(err));
		if (rc)
			sl_err(x, "%s", err);
	}
	else if (fwrite(buf, 1, len, stdout) != len || fflush(stdout))
		rc = -EIO;
out:
	free(buf);
	free(m.pools);
	free(m.locks);
	free(m.rels);
	if (rc)
		return SL_EXIT_FAIL;
	return m.errors ? SL_EXIT_FAIL : SL_EXIT_OK;
}
