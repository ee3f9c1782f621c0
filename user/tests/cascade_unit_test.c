// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the cascade's pure parts: the origin a source keeps a
 * destination's set under, the "through" a listing shows, the cycle check,
 * the lease in HELLO, the destination's name in LOCKSET, a relationship's
 * lease in the catalog (including a catalog from before leases), the
 * de-duplication of a lock set and the generations a source gives sets.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>
#include <linux/softlock.h>

#include "kselftest_harness.h"

#include "../catalog/catalog.h"
#include "../mirror/lockset.h"
#include "../mirror/mstore.h"
#include "proto_build.h"

TEST(origin_names_the_destination)
{
	char o[SOFTLOCK_ORIGIN_MAX + 1], o2[SOFTLOCK_ORIGIN_MAX + 1];
	char longer[200];

	sl_mirror_origin("hostB:vgb/vol", o, sizeof(o));
	ASSERT_STREQ("softlock-mirror:hostB:vgb/vol", o);
	/* Too long for an origin: its start, "~" and a hash, still unique. */
	memset(longer, 'h', sizeof(longer));
	strcpy(longer + 150, ":vg/vol1");
	sl_mirror_origin(longer, o, sizeof(o));
	ASSERT_EQ((size_t)SOFTLOCK_ORIGIN_MAX, strlen(o));
	ASSERT_EQ(0, strncmp(o, "softlock-mirror:hhhh", 20));
	ASSERT_EQ('~', o[SOFTLOCK_ORIGIN_MAX - 9]);
	strcpy(longer + 150, ":vg/vol2");
	sl_mirror_origin(longer, o2, sizeof(o2));
	ASSERT_STRNE(o, o2);
	/* Exactly fitting stays readable. */
	memset(longer, 'x', sizeof(longer));
	longer[SOFTLOCK_ORIGIN_MAX - strlen(SL_MIRROR_ORIGIN_PREFIX)] = '\0';
	sl_mirror_origin(longer, o, sizeof(o));
	ASSERT_EQ(NULL, strchr(o, '~'));
	ASSERT_STREQ(longer, o + strlen(SL_MIRROR_ORIGIN_PREFIX));
}

TEST(through_shows_the_hop)
{
	ASSERT_STREQ("hostB:vgb/vol",
		     sl_mirror_through("softlock-mirror:hostB:vgb/vol",
				       "hostC:vgc/vol"));
	/* The destination's own base: no hop to show. */
	ASSERT_NULL(sl_mirror_through("softlock-mirror:hostB:vgb/vol",
				      "hostB:vgb/vol"));
	/* Not a mirror's lock. */
	ASSERT_NULL(sl_mirror_through("local", "hostC:vgc/vol"));
	ASSERT_NULL(sl_mirror_through("softlock-mirro", "x"));
}

static int add(struct sl_lockset *ls, uint32_t type, const char *text)
{
	struct sl_lock_entry e = { .type = type };

	snprintf(e.gid, sizeof(e.gid), "%s", ID1);
	snprintf(e.snapshot, sizeof(e.snapshot), "vol.sl.1");
	snprintf(e.text, sizeof(e.text), "%s", text);
	return sl_lockset_add(ls, &e);
}

TEST(cycle_refused)
{
	struct sl_lockset ls = { 0 };
	char err[512] = "";

	ASSERT_EQ(0, add(&ls, SOFTLOCK_LOCK_TYPE_DEST_PATH, "hostB:vgb/vol"));
	ASSERT_EQ(0, add(&ls, SOFTLOCK_LOCK_TYPE_DEST_PATH, "hostC:vgc/vol"));
	/* The same words in an application's lock are not a dependent. */
	ASSERT_EQ(0, add(&ls, SOFTLOCK_LOCK_TYPE_APP, "hostA:vga/vol"));
	ASSERT_EQ(0, sl_lockset_check_cycle(&ls, "hostA:vga/vol",
					    "hostB:vgb/vol", err, sizeof(err)));
	ASSERT_STREQ("", err);
	ASSERT_EQ(0, add(&ls, SOFTLOCK_LOCK_TYPE_DEST_PATH, "hostA:vga/vol"));
	ASSERT_EQ(-ELOOP, sl_lockset_check_cycle(&ls, "hostA:vga/vol",
						 "hostB:vgb/vol", err,
						 sizeof(err)));
	ASSERT_NE(NULL, strstr(err, "from hostB:vgb/vol says hostA:vga/vol itself needs vol.sl.1"));
	ASSERT_NE(NULL, strstr(err, "cycle"));
	sl_lockset_free(&ls);
}

static void set_entry(struct sl_lock_entry *e, const char *gid, uint32_t type,
		  const char *text, const char *snap)
{
	memset(e, 0, sizeof(*e));
	snprintf(e->gid, sizeof(e->gid), "%s", gid);
	snprintf(e->snapshot, sizeof(e->snapshot), "%s", snap);
	e->type = type;
	snprintf(e->text, sizeof(e->text), "%s", text);
}

/* Duplicates are (gid, type, text); the first of each stays, in order. */
TEST(dedup_keeps_first_in_order)
{
	static const struct { const char *gid; uint32_t type; const char *text;
			      const char *snap; } in[] = {
		{ ID2, SOFTLOCK_LOCK_TYPE_DEST_PATH, "hostB:vgb/vol", "s1" },
		{ ID1, SOFTLOCK_LOCK_TYPE_DEST_PATH, "hostB:vgb/vol", "s2" },
		{ ID2, SOFTLOCK_LOCK_TYPE_DEST_PATH, "hostB:vgb/vol", "dup" },
		{ ID2, SOFTLOCK_LOCK_TYPE_APP, "hostB:vgb/vol", "s3" },
		{ ID2, SOFTLOCK_LOCK_TYPE_DEST_PATH, "hostC:vgc/vol", "s4" },
		{ ID1, SOFTLOCK_LOCK_TYPE_DEST_PATH, "hostB:vgb/vol", "dup" },
		{ ID2, SOFTLOCK_LOCK_TYPE_APP, "hostB:vgb/vol", "dup" },
	};
	static const char *const want[] = { "s1", "s2", "s3", "s4" };
	struct sl_lockset ls = { 0 };
	struct sl_lock_entry e;
	size_t i;

	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		set_entry(&e, in[i].gid, in[i].type, in[i].text, in[i].snap);
		ASSERT_EQ(0, sl_lockset_add(&ls, &e));
	}
	ASSERT_EQ(0, sl_lockset_dedup(&ls));
	ASSERT_EQ(4u, ls.n);
	for (i = 0; i < ls.n; i++)
		ASSERT_STREQ(want[i], ls.v[i].snapshot);
	/* Nothing left to drop: unchanged. */
	ASSERT_EQ(0, sl_lockset_dedup(&ls));
	ASSERT_EQ(4u, ls.n);
	sl_lockset_free(&ls);
}

/*
 * The adversarial inputs of a full LOCKSET (about 180,000 entries):
 * all equal, and all distinct but each sent twice. Both would take
 * minutes with a pairwise check.
 */
TEST(dedup_of_a_full_set)
{
	const size_t n = 180000;
	struct sl_lockset ls = { 0 };
	struct sl_lock_entry e;
	char text[32];
	size_t i;

	set_entry(&e, ID1, SOFTLOCK_LOCK_TYPE_APP, "same", "first");
	ASSERT_EQ(0, sl_lockset_add(&ls, &e));
	snprintf(e.snapshot, sizeof(e.snapshot), "later");
	for (i = 1; i < n; i++)
		ASSERT_EQ(0, sl_lockset_add(&ls, &e));
	ASSERT_EQ(0, sl_lockset_dedup(&ls));
	ASSERT_EQ(1u, ls.n);
	ASSERT_STREQ("first", ls.v[0].snapshot);
	sl_lockset_free(&ls);

	for (i = 0; i < n; i++) {
		snprintf(text, sizeof(text), "h%zu:vg/v", (n / 2 + i) % (n / 2));
		set_entry(&e, i % 3 ? ID1 : ID2, SOFTLOCK_LOCK_TYPE_APP, text,
		      i < n / 2 ? "first" : "second");
		ASSERT_EQ(0, sl_lockset_add(&ls, &e));
	}
	ASSERT_EQ(0, sl_lockset_dedup(&ls));
	/* Entry i + n/2 repeats entry i (3 divides n/2: the same gid). */
	ASSERT_EQ(n / 2, ls.n);
	for (i = 0; i < ls.n; i++) {
		snprintf(text, sizeof(text), "h%zu:vg/v", i);
		ASSERT_STREQ(text, ls.v[i].text);
		ASSERT_STREQ("first", ls.v[i].snapshot);
	}
	sl_lockset_free(&ls);
}

/* A received LOCKSET with an entry twice reads as the set without it. */
TEST(read_drops_duplicates)
{
	struct sl_lockset ls = { 0 };
	struct sl_lock_entry e;
	struct sl_pbuf b;
	struct sl_msg m;
	char err[512];

	for (int i = 0; i < 3; i++) {
		set_entry(&e, i == 1 ? ID2 : ID1, SOFTLOCK_LOCK_TYPE_DEST_PATH,
		      "hostB:vgb/vol", i ? "vol.sl.2" : "vol.sl.1");
		ASSERT_EQ(0, sl_lockset_add(&ls, &e));
	}
	sl_pbuf_init(&b);
	sl_msg_begin(&b, SL_MSG_LOCKSET);
	sl_msg_put_str(&b, SL_A_RELATIONSHIP, "ab");
	sl_msg_put_u32(&b, SL_A_PHASE, SL_PHASE_BEFORE);
	sl_msg_put_str(&b, SL_A_DATASET, "hostB:vgb/vol");
	sl_msg_put_u64(&b, SL_A_GENERATION, 1);
	sl_lockset_put(&ls, &b);
	sl_lockset_free(&ls);
	ASSERT_EQ(0, sl_msg_end(&b, &m, err, sizeof(err))) TH_LOG("%s", err);
	ASSERT_EQ(3u, m.entries);
	ASSERT_EQ(0, sl_lockset_read(&m, &ls));
	ASSERT_EQ(2u, ls.n);
	ASSERT_STREQ(ID1, ls.v[0].gid);
	ASSERT_STREQ("vol.sl.1", ls.v[0].snapshot);
	ASSERT_STREQ(ID2, ls.v[1].gid);
	sl_lockset_free(&ls);
	sl_pbuf_free(&b);
}

TEST(lease_and_destination_on_the_wire)
{
	struct sl_pbuf b;
	struct sl_msg m;
	const char *s;
	char err[512];
	uint32_t u;

	sl_pbuf_init(&b);
	hello(&b, SL_ROLE_SOURCE, 1, 1, "ab");
	sl_msg_put_u32(&b, SL_A_LEASE, 3600);
	ASSERT_EQ(0, sl_msg_end(&b, &m, err, sizeof(err))) TH_LOG("%s", err);
	ASSERT_EQ(0, sl_msg_get_u32(&m, SL_A_LEASE, &u));
	ASSERT_EQ(3600u, u);
	/* No lease: absent, never 0. */
	sl_pbuf_reset(&b);
	hello(&b, SL_ROLE_SOURCE, 1, 1, "ab");
	sl_msg_put_u32(&b, SL_A_LEASE, 0);
	ASSERT_EQ(-EBADMSG, sl_msg_end(&b, &m, err, sizeof(err)));
	ASSERT_NE(NULL, strstr(err, "LEASE")) TH_LOG("%s", err);
	/* LOCKSET names its destination; one without is refused. */
	sl_pbuf_reset(&b);
	lockset(&b, SL_PHASE_BEFORE, 1, "ab", 2);
	ASSERT_EQ(0, sl_msg_end(&b, &m, err, sizeof(err))) TH_LOG("%s", err);
	ASSERT_EQ(0, sl_msg_get_str(&m, SL_A_DATASET, &s));
	ASSERT_STREQ("hostB:vg1/copy", s);
	sl_pbuf_reset(&b);
	sl_msg_begin(&b, SL_MSG_LOCKSET);
	sl_msg_put_str(&b, SL_A_RELATIONSHIP, "ab");
	sl_msg_put_u32(&b, SL_A_PHASE, SL_PHASE_BEFORE);
	sl_msg_put_u64(&b, SL_A_GENERATION, 1);
	ASSERT_NE(0, sl_msg_end(&b, &m, err, sizeof(err)));
	ASSERT_NE(NULL, strstr(err, "missing required attribute DATASET"))
		TH_LOG("%s", err);
	sl_pbuf_free(&b);
}

TEST(lease_in_the_catalog)
{
	char dir[] = "/tmp/sl-cascade-XXXXXX", path[64], err[512], cmd[96];
	struct sl_relationship r = { .created = 1 }, got;
	struct sl_cat *c;
	sqlite3 *db;

	ASSERT_NE(NULL, mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/softlock.db", dir);
	/* A catalog written before leases existed. */
	ASSERT_EQ(SQLITE_OK, sqlite3_open(path, &db));
	ASSERT_EQ(SQLITE_OK, sqlite3_exec(db,
		"CREATE TABLE relationships(name TEXT PRIMARY KEY, src TEXT NOT NULL, dst TEXT NOT NULL,"
		" created INTEGER NOT NULL, last_time INTEGER NOT NULL DEFAULT 0,"
		" last_result TEXT NOT NULL DEFAULT '', last_bytes INTEGER NOT NULL DEFAULT 0,"
		" last_ms INTEGER NOT NULL DEFAULT 0, last_snapshot TEXT NOT NULL DEFAULT '',"
		" last_gid TEXT NOT NULL DEFAULT '', keep INTEGER NOT NULL DEFAULT 0);"
		"INSERT INTO relationships(name, src, dst, created, keep) VALUES('old', 'vg/a', 'hostB:vg/a', 5, 2);",
		NULL, NULL, NULL));
	sqlite3_close(db);
	ASSERT_EQ(0, sl_cat_open(path, &c, err, sizeof(err))) TH_LOG("%s", err);
	ASSERT_EQ(0, sl_mstore_init(c)) TH_LOG("%s", sl_cat_error(c));
	ASSERT_EQ(0, sl_rel_get(c, "old", &got));
	ASSERT_EQ(2u, got.keep);
	ASSERT_EQ(0u, got.lease);
	snprintf(r.name, sizeof(r.name), "leased");
	snprintf(r.src, sizeof(r.src), "vg/b");
	snprintf(r.dst, sizeof(r.dst), "hostC:vg/b");
	r.lease = 86400;
	ASSERT_EQ(0, sl_rel_add(c, &r));
	ASSERT_EQ(0, sl_rel_get(c, "leased", &got));
	ASSERT_EQ(86400u, got.lease);
	got.lease = 0;
	ASSERT_EQ(0, sl_rel_set_result(c, &got));
	ASSERT_EQ(0, sl_rel_get(c, "leased", &got));
	ASSERT_EQ(0u, got.lease);
	sl_cat_close(c);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ASSERT_EQ(0, system(cmd));
}

/*
 * The source numbers a destination's sets: one up per set, per (pool,
 * origin), kept across a reopen, never below a floor (the kernel's), and
 * refused at the kernel's last generation.
 */
TEST(generations_in_the_catalog)
{
	char dir[] = "/tmp/sl-cascade-XXXXXX", path[64], err[512], cmd[96];
	struct sl_cat *c;
	uint64_t g;

	ASSERT_NE(NULL, mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/softlock.db", dir);
	ASSERT_EQ(0, sl_cat_open(path, &c, err, sizeof(err))) TH_LOG("%s", err);
	ASSERT_EQ(0, sl_cat_next_generation(c, "p1", "o1", 0, &g));
	ASSERT_EQ(1u, g);
	ASSERT_EQ(0, sl_cat_next_generation(c, "p1", "o1", 0, &g));
	ASSERT_EQ(2u, g);
	/* Another origin, another pool: counted apart. */
	ASSERT_EQ(0, sl_cat_next_generation(c, "p1", "o2", 0, &g));
	ASSERT_EQ(1u, g);
	ASSERT_EQ(0, sl_cat_next_generation(c, "p2", "o1", 0, &g));
	ASSERT_EQ(1u, g);
	sl_cat_close(c);
	ASSERT_EQ(0, sl_cat_open(path, &c, err, sizeof(err))) TH_LOG("%s", err);
	ASSERT_EQ(0, sl_cat_next_generation(c, "p1", "o1", 0, &g));
	ASSERT_EQ(3u, g);
	/* Above the kernel's (a peer's clock, from before): and on from there. */
	ASSERT_EQ(0, sl_cat_next_generation(c, "p1", "o1", 1765000000000001ull, &g));
	ASSERT_EQ(1765000000000001ull, g);
	ASSERT_EQ(0, sl_cat_next_generation(c, "p1", "o1", 5, &g));
	ASSERT_EQ(1765000000000002ull, g);
	/* Past INT64_MAX, bit for bit, up to U64_MAX - 1 and no further. */
	ASSERT_EQ(0, sl_cat_next_generation(c, "p1", "o1", UINT64_MAX - 2, &g));
	ASSERT_EQ(UINT64_MAX - 2, g);
	ASSERT_EQ(0, sl_cat_next_generation(c, "p1", "o1", 0, &g));
	ASSERT_EQ(UINT64_MAX - 1, g);
	ASSERT_EQ(-ERANGE, sl_cat_next_generation(c, "p1", "o1", 0, &g));
	ASSERT_NE(NULL, strstr(sl_cat_error(c), "last generation"));
	ASSERT_EQ(-ERANGE, sl_cat_next_generation(c, "p1", "o2", UINT64_MAX, &g));
	sl_cat_close(c);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ASSERT_EQ(0, system(cmd));
}

TEST_HARNESS_MAIN
