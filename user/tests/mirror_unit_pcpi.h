/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mirror_unit_pcpi.h - the second half of mirror_unit_test.c, included by
 * it: the name, tag, lvs report and thin table parsing of PCPIs, and the
 * listing a volume keeps. Uses the includes of mirror_unit_test.c; the
 * harness registers tests per translation unit, so it is included rather
 * than linked.
 */
#ifndef MIRROR_UNIT_PCPI_H
#define MIRROR_UNIT_PCPI_H

/* ---- PCPI names, tags and lvs rows ---- */

static int pname(const char *lv, const char *name, uint32_t *seq, bool *part)
{
	*seq = 0;
	*part = false;
	return sl_pcpi_parse_name(lv, name, seq, part);
}

TEST(pcpi_names)
{
	char buf[SL_LV_NAME_MAX + 1], lv[200];
	uint32_t seq;
	bool part;

	ASSERT_EQ(0, pname("vol", "vol.sl.12", &seq, &part));
	ASSERT_EQ(12u, seq);
	ASSERT_FALSE(part);
	ASSERT_EQ(0, pname("vol", "vol.sl.12.part", &seq, &part));
	ASSERT_EQ(12u, seq);
	ASSERT_TRUE(part);
	ASSERT_EQ(0, pname("vol", "vol.sl.4294967295", &seq, &part));
	ASSERT_EQ(4294967295u, seq);
	ASSERT_EQ(-EINVAL, pname("vol", "vol.sl.4294967296", &seq, &part));
	ASSERT_EQ(-EINVAL, pname("vol", "vol.sl.x", &seq, &part));
	ASSERT_EQ(-EINVAL, pname("vol", "vol.sl.012", &seq, &part));
	ASSERT_EQ(-EINVAL, pname("vol", "vol.sl.0", &seq, &part));
	ASSERT_EQ(-EINVAL, pname("vol", "vol.sl.", &seq, &part));
	ASSERT_EQ(-EINVAL, pname("vol", "vol.sl.+1", &seq, &part));
	ASSERT_EQ(-EINVAL, pname("vol", "vol.sl.1part", &seq, &part));
	ASSERT_EQ(-EINVAL, pname("vol", "vol.sl.1.part.x", &seq, &part));
	ASSERT_EQ(-EINVAL, pname("vol", "vol.sl.1.partx", &seq, &part));
	ASSERT_EQ(-EINVAL, pname("vol", "volx.sl.1", &seq, &part));
	ASSERT_EQ(-EINVAL, pname("vol", "vol", &seq, &part));
	ASSERT_EQ(-EINVAL, pname("vol", "vol.sl.3.sl.1", &seq, &part));
	ASSERT_EQ(0, pname("vol.sl.3", "vol.sl.3.sl.1", &seq, &part));
	ASSERT_EQ(1u, seq);
	/* Any volume: split at the last ".sl.". */
	ASSERT_EQ(0, pname(NULL, "data.sl.5", &seq, &part));
	ASSERT_EQ(5u, seq);
	ASSERT_EQ(0, pname(NULL, "a.sl.1.sl.2.part", &seq, &part));
	ASSERT_EQ(2u, seq);
	ASSERT_TRUE(part);
	ASSERT_EQ(-EINVAL, pname(NULL, ".sl.1", &seq, &part));
	ASSERT_EQ(-EINVAL, pname(NULL, "data", &seq, &part));

	ASSERT_EQ(0, sl_pcpi_name("vg", "vol", 12, false, buf, sizeof(buf)));
	ASSERT_STREQ("vol.sl.12", buf);
	ASSERT_EQ(0, sl_pcpi_name("vg", "vol", 12, true, buf, sizeof(buf)));
	ASSERT_STREQ("vol.sl.12.part", buf);
	ASSERT_EQ(-EINVAL, sl_pcpi_name("vg", "vol", 0, false, buf,
					 sizeof(buf)));
	/*
	 * As a DM name "vg--m-" + 115 + ".sl.12" is 127: one past what LVM
	 * 2.03.16 accepts; ".sl.1" fits exactly. Alone, the LV name may
	 * have 127 characters.
	 */
	memset(lv, 'v', 115);
	lv[115] = '\0';
	ASSERT_EQ(0, sl_pcpi_name("vg-m", lv, 1, false, buf, sizeof(buf)));
	ASSERT_EQ(120u, strlen(buf));
	ASSERT_EQ(-ENAMETOOLONG, sl_pcpi_name("vg-m", lv, 12, false, buf,
					      sizeof(buf)));
	ASSERT_EQ(0, sl_pcpi_name("vgm", lv, 12, false, buf, sizeof(buf)));
	ASSERT_EQ(-ENAMETOOLONG, sl_pcpi_name("vgm", lv, 1, true, buf,
					      sizeof(buf)));
	memset(lv, 'v', 121);
	lv[121] = '\0';
	ASSERT_EQ(0, sl_pcpi_name(NULL, lv, 12, false, buf, sizeof(buf)));
	ASSERT_EQ(127u, strlen(buf));
	ASSERT_EQ(-ENAMETOOLONG, sl_pcpi_name(NULL, lv, 123, false, buf,
					      sizeof(buf)));
	ASSERT_EQ(-ENAMETOOLONG, sl_pcpi_name(NULL, "vol", 1, false, buf, 8));
	ASSERT_EQ(0, sl_pcpi_name(NULL, "vol", 1, false, buf, 9));
}

#define GID "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f0"
#define FPH "00112233445566778899aabbccddeeff0123456789abcdef0011223344556677"

TEST(pcpi_tags)
{
	char gid[SL_GID_LEN + 1];
	uint8_t fp[SL_FP_LEN];
	bool has_fp;

	ASSERT_EQ(0, sl_pcpi_parse_tags("sl.gid." GID ",sl.fp." FPH ",other",
					gid, &has_fp, fp));
	ASSERT_STREQ(GID, gid);
	ASSERT_TRUE(has_fp);
	ASSERT_EQ(0x00, fp[0]);
	ASSERT_EQ(0x11, fp[1]);
	ASSERT_EQ(0x77, fp[31]);
	ASSERT_EQ(0, sl_pcpi_parse_tags("backup,sl.gid." GID, gid, &has_fp,
					fp));
	ASSERT_STREQ(GID, gid);
	ASSERT_FALSE(has_fp);
	ASSERT_EQ(0, sl_pcpi_parse_tags("", gid, &has_fp, fp));
	ASSERT_STREQ("", gid);
	/* Unrelated, including other sl. tags: ignored. */
	ASSERT_EQ(0, sl_pcpi_parse_tags("sl.gidx,sl.other.1,sl.fpx,sl.fp." FPH,
					gid, &has_fp, fp));
	ASSERT_STREQ("", gid);
	ASSERT_TRUE(has_fp);
	/* Malformed or repeated identity: untagged, never half. */
	ASSERT_EQ(-EINVAL, sl_pcpi_parse_tags("sl.gid.nope,sl.fp." FPH, gid,
					      &has_fp, fp));
	ASSERT_STREQ("", gid);
	ASSERT_FALSE(has_fp);
	ASSERT_EQ(-EINVAL, sl_pcpi_parse_tags("sl.gid." GID ",sl.gid." GID,
					      gid, &has_fp, fp));
	ASSERT_STREQ("", gid);
	ASSERT_EQ(-EINVAL, sl_pcpi_parse_tags("sl.fp." FPH ",sl.fp." FPH,
					      gid, &has_fp, fp));
	ASSERT_FALSE(has_fp);
	ASSERT_EQ(-EINVAL, sl_pcpi_parse_tags("sl.gid." GID ",sl.fp.abc", gid,
					      &has_fp, fp));
	ASSERT_STREQ("", gid);
	ASSERT_EQ(-EINVAL, sl_pcpi_parse_tags("sl.gid.0F1E2D3C-4B5A-4978-8695-A4B3C2D1E0F0",
					      gid, &has_fp, fp));
	ASSERT_EQ(-EINVAL, sl_pcpi_parse_tags("sl.fp.", gid, &has_fp, fp));
	ASSERT_EQ(-EINVAL, sl_pcpi_parse_tags("sl.gid.", gid, &has_fp, fp));
}

/* What `lvs --reportformat json --units b --nosuffix -o ...` prints. */
static const char report[] =
	"{\"report\": [{\"lv\": [\n"
	"{\"vg_name\":\"vg\", \"lv_name\":\"pool\", \"lv_attr\":\"twi-aotz--\", \"lv_size\":\"1073741824\", \"pool_lv\":\"\", \"thin_id\":\"\", \"lv_tags\":\"\", \"lv_active\":\"active\", \"lv_kernel_major\":\"253\", \"lv_kernel_minor\":\"2\", \"segtype\":\"thin-pool\", \"chunk_size\":\"65536\"},\n"
	"{\"vg_name\":\"vg\", \"lv_name\":\"vol\", \"lv_attr\":\"Vwi-a-tz--\", \"lv_size\":\"104857600\", \"pool_lv\":\"pool\", \"thin_id\":\"1\", \"lv_tags\":\"\", \"lv_active\":\"active\", \"lv_kernel_major\":\"253\", \"lv_kernel_minor\":\"4\", \"segtype\":\"thin\", \"chunk_size\":\"0\"},\n"
	"{\"vg_name\":\"vg\", \"lv_name\":\"vol.sl.2.part\", \"lv_attr\":\"Vwi-a-tz--\", \"lv_size\":\"104857600\", \"pool_lv\":\"pool\", \"thin_id\":\"4\", \"lv_tags\":\"sl.gid." GID "\", \"lv_active\":\"active\", \"lv_kernel_major\":\"253\", \"lv_kernel_minor\":\"7\", \"segtype\":\"thin\", \"chunk_size\":\"0\"},\n"
	"{\"vg_name\":\"vg\", \"lv_name\":\"vol.sl.1\", \"lv_attr\":\"Vri---tz-k\", \"lv_size\":\"104857600\", \"pool_lv\":\"pool\", \"thin_id\":\"3\", \"lv_tags\":\"keep,sl.fp." FPH ",sl.gid." GID "\", \"lv_active\":\"\", \"lv_kernel_major\":\"-1\", \"lv_kernel_minor\":\"-1\", \"segtype\":\"thin\", \"chunk_size\":\"0\"},\n"
	"{\"vg_name\":\"vg\", \"lv_name\":\"vol.sl.3\", \"lv_attr\":\"Vri-a-tz-k\", \"lv_size\":\"104857600\", \"pool_lv\":\"pool\", \"thin_id\":\"5\", \"lv_tags\":\"sl.fp." FPH ",sl.gid.bad\", \"lv_active\":\"active\", \"lv_kernel_major\":\"253\", \"lv_kernel_minor\":\"9\", \"segtype\":\"thin\", \"chunk_size\":\"0\"},\n"
	"{\"vg_name\":\"vg\", \"lv_name\":\"vol.sl.7\", \"lv_attr\":\"-wi-a-----\", \"lv_size\":\"4194304\", \"pool_lv\":\"\", \"thin_id\":\"\", \"lv_tags\":\"\", \"lv_active\":\"active\", \"lv_kernel_major\":\"253\", \"lv_kernel_minor\":\"10\", \"segtype\":\"linear\", \"chunk_size\":\"0\"},\n"
	"{\"vg_name\":\"vg\", \"lv_name\":\"other.sl.9\", \"lv_attr\":\"Vri---tz-k\", \"lv_size\":\"4194304\", \"pool_lv\":\"pool\", \"thin_id\":\"6\", \"lv_tags\":\"sl.gid." GID "\", \"lv_active\":\"\", \"lv_kernel_major\":\"-1\", \"lv_kernel_minor\":\"-1\", \"segtype\":\"thin\", \"chunk_size\":\"0\"}\n"
	"]}]}\n";

struct rows {
	struct sl_pcpi p[8];
	int rc[8];
	int n;
};

static int take_row(const struct sl_json_obj *o, void *arg)
{
	struct rows *r = arg;

	if (r->n < 8) {
		r->rc[r->n] = sl_pcpi_from_row(o, "vol", &r->p[r->n]);
		r->n++;
	}
	return 0;
}

TEST(pcpi_rows)
{
	struct sl_pcpi got[4];
	struct rows r = { 0 };
	const struct sl_pcpi *p;
	int i, n = 0;

	ASSERT_EQ(0, sl_json_each_object(report, take_row, &r));
	ASSERT_EQ(7, r.n);
	ASSERT_EQ(-ENOENT, r.rc[0]);	/* the pool */
	ASSERT_EQ(-ENOENT, r.rc[1]);	/* the origin */
	ASSERT_EQ(-EINVAL, r.rc[5]);	/* named as one, but linear */
	ASSERT_EQ(7u, r.p[5].seq);
	ASSERT_EQ(-ENOENT, r.rc[6]);	/* another volume's */

	p = &r.p[2];
	ASSERT_EQ(0, r.rc[2]);
	ASSERT_STREQ("vg", p->vg);
	ASSERT_STREQ("vol.sl.2.part", p->lv);
	ASSERT_EQ(2u, p->seq);
	ASSERT_TRUE(p->part);
	ASSERT_STREQ(GID, p->gid);
	ASSERT_FALSE(p->has_fp);
	ASSERT_TRUE(p->active);
	ASSERT_FALSE(p->readonly);
	ASSERT_EQ(253u, p->major);
	ASSERT_EQ(7u, p->minor);

	p = &r.p[3];
	ASSERT_EQ(0, r.rc[3]);
	ASSERT_EQ(1u, p->seq);
	ASSERT_FALSE(p->part);
	ASSERT_STREQ(GID, p->gid);
	ASSERT_TRUE(p->has_fp);
	ASSERT_EQ(0x33, p->fp[3]);
	ASSERT_EQ(3u, p->thin_id);
	ASSERT_EQ(104857600ull, p->size);
	ASSERT_FALSE(p->active);
	ASSERT_TRUE(p->readonly);
	ASSERT_EQ(0u, p->major);
	ASSERT_STREQ("pool", p->pool_lv);

	p = &r.p[4];		/* a malformed gid tag: untagged */
	ASSERT_EQ(0, r.rc[4]);
	ASSERT_STREQ("", p->gid);
	ASSERT_FALSE(p->has_fp);
	ASSERT_TRUE(p->active);
	ASSERT_EQ(9u, p->minor);

	for (i = 0; i < r.n; i++)
		if (!r.rc[i])
			got[n++] = r.p[i];
	ASSERT_EQ(3, n);
	/* Only vol.sl.1 is published: the part and the untagged are not. */
	p = sl_pcpi_newest(got, n);
	ASSERT_NE(NULL, p);
	ASSERT_STREQ("vol.sl.1", p->lv);
	ASSERT_EQ(p, sl_pcpi_by_gid(got, n, GID));
	ASSERT_EQ(NULL, sl_pcpi_by_gid(got, n, "x"));
	ASSERT_EQ(NULL, sl_pcpi_newest(got, 0));
	/* Published as 10 (the part's gid, now with a fp): the newest. */
	got[0].part = false;
	got[0].has_fp = true;
	got[0].seq = 10;
	ASSERT_EQ(&got[0], sl_pcpi_newest(got, n));
}

TEST(dm_names)
{
	char buf[64];

	ASSERT_EQ(0, sl_lvm_dm_name("vg", "pool", "-tpool", buf, sizeof(buf)));
	ASSERT_STREQ("vg-pool-tpool", buf);
	ASSERT_EQ(0, sl_lvm_dm_name("vg-a", "my-pool", "_tmeta", buf,
				     sizeof(buf)));
	ASSERT_STREQ("vg--a-my--pool_tmeta", buf);
	ASSERT_EQ(0, sl_lvm_dm_name("v-", "p", "", buf, 6));
	ASSERT_STREQ("v---p", buf);
	ASSERT_EQ(-ENAMETOOLONG, sl_lvm_dm_name("v-", "p", "", buf, 5));
	ASSERT_STREQ("", buf);
	ASSERT_EQ(-ENAMETOOLONG, sl_lvm_dm_name("vg", "pool", "-tpool", buf,
						 13));
	ASSERT_EQ(0, sl_lvm_dm_name("vg", "pool", "-tpool", buf, 14));
}

TEST(thin_params)
{
	unsigned int maj, min;
	uint32_t id;

	ASSERT_EQ(0, sl_pcpi_thin_params("253:4 17", &maj, &min, &id));
	ASSERT_EQ(253u, maj);
	ASSERT_EQ(4u, min);
	ASSERT_EQ(17u, id);
	/* An external origin may follow the id. */
	ASSERT_EQ(0, sl_pcpi_thin_params("7:1048575 16777215 253:9", &maj,
					 &min, &id));
	ASSERT_EQ(1048575u, min);
	ASSERT_EQ(16777215u, id);
	ASSERT_EQ(-EINVAL, sl_pcpi_thin_params("253:4 16777216", &maj, &min,
					       &id));
	ASSERT_EQ(-EINVAL, sl_pcpi_thin_params("253:4", &maj, &min, &id));
	ASSERT_EQ(-EINVAL, sl_pcpi_thin_params("253:4 ", &maj, &min, &id));
	ASSERT_EQ(-EINVAL, sl_pcpi_thin_params("253:4  5", &maj, &min, &id));
	ASSERT_EQ(-EINVAL, sl_pcpi_thin_params("253:4 -5", &maj, &min, &id));
	ASSERT_EQ(-EINVAL, sl_pcpi_thin_params("253 4 5", &maj, &min, &id));
	ASSERT_EQ(-EINVAL, sl_pcpi_thin_params("253:4 5x", &maj, &min, &id));
	ASSERT_EQ(-EINVAL, sl_pcpi_thin_params("", &maj, &min, &id));
}

static struct sl_pcpi mk(const char *lv, uint32_t seq, bool part)
{
	struct sl_pcpi p = { .vg = "vg", .seq = seq, .part = part };

	snprintf(p.lv, sizeof(p.lv), "%s", lv);
	return p;
}

/*
 * The listing a volume keeps: handed out again without lvs (there is
 * none on PATH here), kept current by notes of one's own changes, and
 * stale after any other change or a note it cannot place.
 */
TEST(volume_listing)
{
	struct sl_volume v = { .vg = "vg", .lv = "vol" };
	const char *old = getenv("PATH");
	char *saved = strdup(old ? old : "/usr/bin:/bin");
	struct sl_pcpi p, *got;
	char err[512];
	size_t n;

	v.listed = calloc(2, sizeof(*v.listed));
	ASSERT_NE(NULL, v.listed);
	v.listed[0] = mk("vol.sl.1", 1, false);
	v.listed[1] = mk("vol.sl.3", 3, false);
	v.nlisted = 2;
	v.other_max = 5;	/* a linear LV named vol.sl.5 */
	v.listed_at = sl_lvm_changes();
	v.have_list = true;
	setenv("PATH", "/nonexistent", 1);

	ASSERT_TRUE(sl_pcpi_listed_ok(&v));
	ASSERT_EQ(5u, sl_pcpi_listed_max(&v));
	ASSERT_EQ(0, sl_pcpi_list(&v, &got, &n, err, sizeof(err)));
	ASSERT_EQ(2u, n);
	ASSERT_STREQ("vol.sl.3", got[1].lv);
	free(got);

	/* A part of 2 made through v: listed in its place. */
	sl_lvm_changed();
	p = mk("vol.sl.2.part", 2, true);
	sl_pcpi_note(&v, true, NULL, &p);
	ASSERT_TRUE(sl_pcpi_listed_ok(&v));
	ASSERT_EQ(0, sl_pcpi_list(&v, &got, &n, err, sizeof(err)));
	ASSERT_EQ(3u, n);
	ASSERT_STREQ("vol.sl.2.part", got[1].lv);
	free(got);
	/* ... published: renamed in place. */
	sl_lvm_changed();
	p = mk("vol.sl.2", 2, false);
	sl_pcpi_note(&v, true, "vol.sl.2.part", &p);
	ASSERT_EQ(3u, v.nlisted);
	ASSERT_STREQ("vol.sl.2", v.listed[1].lv);
	ASSERT_FALSE(v.listed[1].part);
	/* ... and the newest removed: N falls back to the linear one's. */
	sl_lvm_changed();
	sl_pcpi_note(&v, true, "vol.sl.3", NULL);
	ASSERT_EQ(2u, v.nlisted);
	ASSERT_TRUE(sl_pcpi_listed_ok(&v));
	v.other_max = 0;
	ASSERT_EQ(2u, sl_pcpi_listed_max(&v));

	/* Notes it cannot place make it stale; so does any other change. */
	p = mk("other.sl.9", 9, false);
	sl_pcpi_note(&v, true, NULL, &p);
	ASSERT_FALSE(sl_pcpi_listed_ok(&v));
	v.have_list = true;
	sl_pcpi_note(&v, true, "vol.sl.7", NULL);
	ASSERT_FALSE(sl_pcpi_listed_ok(&v));
	v.have_list = true;
	p = mk("vol.sl.1", 1, false);
	sl_pcpi_note(&v, true, "vol.sl.2", &p);	/* a duplicate */
	ASSERT_FALSE(sl_pcpi_listed_ok(&v));
	v.have_list = true;
	sl_pcpi_note(&v, false, "vol.sl.2", NULL);
	ASSERT_FALSE(sl_pcpi_listed_ok(&v));
	v.have_list = true;
	ASSERT_TRUE(sl_pcpi_listed_ok(&v));
	sl_lvm_changed();
	ASSERT_FALSE(sl_pcpi_listed_ok(&v));
	/* Listed again: with no lvs to run, that fails. */
	ASSERT_GT(0, sl_pcpi_list(&v, &got, &n, err, sizeof(err)));
	ASSERT_NE(NULL, strstr(err, "lvs vg")) TH_LOG("%s", err);

	sl_volume_close(&v);
	ASSERT_EQ(NULL, v.listed);
	sl_volume_close(&v);
	setenv("PATH", saved, 1);
	free(saved);
}

#endif /* MIRROR_UNIT_PCPI_H */
