// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the mirror's plumbing that needs no LVM: endpoint
 * specs, the peer process, identities, the name, tag, report and thin
 * table parsing of PCPIs, and the listing a volume keeps. The mirror's
 * catalog tables are in mstore_test.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "../lib/json.h"
#include "../lvm/lvm.h"
#include "../mirror/pcpi_int.h"
#include "../mirror/transport.h"

/* ---- Endpoints ---- */

static void roundtrip(struct __test_metadata *_metadata, const char *spec,
		      const char *canonical)
{
	struct sl_endpoint a, b;
	char err[512], buf[1400];

	ASSERT_EQ(0, sl_endpoint_parse(spec, &a, err, sizeof(err)))
		TH_LOG("%s: %s", spec, err);
	sl_endpoint_format(&a, buf, sizeof(buf));
	ASSERT_STREQ(canonical, buf);
	ASSERT_EQ(0, sl_endpoint_parse(buf, &b, err, sizeof(err)));
	ASSERT_EQ(0, memcmp(&a, &b, sizeof(a)));
}

TEST(endpoint_forms)
{
	struct sl_endpoint ep;
	char err[512];

	ASSERT_EQ(0, sl_endpoint_parse("vg0/data-1", &ep, err, sizeof(err)));
	ASSERT_EQ((int)SL_EP_LOCAL, (int)ep.kind);
	ASSERT_STREQ("vg0/data-1", ep.volume);
	ASSERT_EQ(0, sl_endpoint_parse("root@hostB:vg/vol", &ep, err,
				       sizeof(err)));
	ASSERT_EQ((int)SL_EP_SSH, (int)ep.kind);
	ASSERT_STREQ("root@hostB", ep.host);
	ASSERT_STREQ("vg/vol", ep.volume);
	/* LVM names have no ':': an IPv6 host keeps all of its colons. */
	ASSERT_EQ(0, sl_endpoint_parse("fe80::1:vg/vol", &ep, err,
				       sizeof(err)));
	ASSERT_STREQ("fe80::1", ep.host);
	ASSERT_EQ(0, sl_endpoint_parse("exec:'ip netns exec b softlock serve --stdio':vg/v",
				       &ep, err, sizeof(err)));
	ASSERT_EQ((int)SL_EP_EXEC, (int)ep.kind);
	ASSERT_STREQ("ip netns exec b softlock serve --stdio", ep.command);
	ASSERT_STREQ("vg/v", ep.volume);
	ASSERT_EQ(0, sl_endpoint_parse("exec:\"echo 'a:b'\":vg/v", &ep, err,
				       sizeof(err)));
	ASSERT_STREQ("echo 'a:b'", ep.command);

	roundtrip(_metadata, "vg/lv", "vg/lv");
	roundtrip(_metadata, "h.example:vg/lv", "h.example:vg/lv");
	roundtrip(_metadata, "fe80::1:vg/lv", "fe80::1:vg/lv");
	roundtrip(_metadata, "exec:'sh -c x':vg/lv", "exec:'sh -c x':vg/lv");
	/* The canonical quote is ', unless the command holds one. */
	roundtrip(_metadata, "exec:\"true\":vg/lv", "exec:'true':vg/lv");
	roundtrip(_metadata, "exec:\"echo 'x'\":vg/lv",
		  "exec:\"echo 'x'\":vg/lv");
}

static void refused(struct __test_metadata *_metadata, const char *spec,
		    const char *why)
{
	struct sl_endpoint ep;
	char err[512] = "";

	ASSERT_EQ(-EINVAL, sl_endpoint_parse(spec, &ep, err, sizeof(err)))
		TH_LOG("accepted: %s", spec);
	ASSERT_NE(NULL, strstr(err, why)) TH_LOG("%s: %s", spec, err);
}

TEST(endpoint_errors)
{
	char host[400], cmd[1200];

	refused(_metadata, "", "empty");
	refused(_metadata, ":vg/lv", "empty host");
	refused(_metadata, "host:", "missing volume");
	refused(_metadata, "host:vg", "not VG/LV");
	refused(_metadata, "vg", "not VG/LV");
	refused(_metadata, "vg/lv/x", "not VG/LV");
	refused(_metadata, "host:vg/a;b", "not VG/LV");
	refused(_metadata, "host:vg/-lv", "not VG/LV");
	refused(_metadata, "-oProxyCommand=x:vg/lv", "start with '-'");
	refused(_metadata, "a b:vg/lv", "space");
	refused(_metadata, "a'b:vg/lv", "quote");
	refused(_metadata, "exec:'cmd:vg/lv", "unterminated quote");
	refused(_metadata, "exec:\"cmd':vg/lv", "unterminated quote");
	refused(_metadata, "exec:cmd:vg/lv", "quoted command");
	refused(_metadata, "exec:", "quoted command");
	refused(_metadata, "exec:'':vg/lv", "empty exec");
	refused(_metadata, "exec:'x'vg/lv", "expected ':VG/LV'");
	refused(_metadata, "exec:'x'", "expected ':VG/LV'");
	refused(_metadata, "exec:'x':", "missing volume");
	refused(_metadata, "exec:'x':nope", "not VG/LV");
	memset(host, 'h', 300);
	strcpy(host + 300, ":vg/lv");
	refused(_metadata, host, "host is too long");
	strcpy(cmd, "exec:'");
	memset(cmd + 6, 'c', 1100);
	strcpy(cmd + 1106, "':vg/lv");
	refused(_metadata, cmd, "too long");
}

/* ---- The peer process ---- */

/* Start spec's peer, read all it prints, finish it: its status. */
static int peer_output(const char *spec, char *buf, size_t size,
		       int timeout_ms)
{
	struct sl_endpoint ep;
	struct sl_peer_proc p;
	char err[512];
	size_t len = 0;
	ssize_t n;
	int rc;

	rc = sl_endpoint_parse(spec, &ep, err, sizeof(err));
	if (!rc)
		rc = sl_peer_start(&ep, &p, err, sizeof(err));
	if (rc) {
		snprintf(buf, size, "%s", err);
		return rc;
	}
	while (len + 1 < size &&
	       (n = read(p.rfd, buf + len, size - len - 1)) > 0)
		len += n;
	buf[len] = '\0';
	return sl_peer_finish(&p, timeout_ms);
}

TEST(peer_exec_stream)
{
	struct sl_endpoint ep;
	struct sl_peer_proc p;
	char err[512], buf[16] = "";

	ASSERT_EQ(0, sl_endpoint_parse("exec:'cat':vg/lv", &ep, err,
				       sizeof(err)));
	ASSERT_EQ(0, sl_peer_start(&ep, &p, err, sizeof(err))) TH_LOG("%s", err);
	ASSERT_LT(0, p.pid);
	ASSERT_EQ(5, write(p.wfd, "hello", 5));
	ASSERT_EQ(5, read(p.rfd, buf, 5));
	ASSERT_STREQ("hello", buf);
	ASSERT_EQ(0, sl_peer_finish(&p, 5000));
	ASSERT_EQ(-1, p.rfd);
	ASSERT_EQ(-1, p.wfd);
}

TEST(peer_exit_status_and_kill)
{
	char buf[64];
	struct timespec a, b;

	ASSERT_EQ(3, peer_output("exec:'exit 3':vg/lv", buf, sizeof(buf),
				 5000));
	clock_gettime(CLOCK_MONOTONIC, &a);
	/* Ignores EOF on stdin and its stdout is closed by us: killed. */
	ASSERT_EQ(128 + 9, peer_output("exec:'exec 1>&-; sleep 30':vg/lv", buf,
				       sizeof(buf), 200));
	clock_gettime(CLOCK_MONOTONIC, &b);
	ASSERT_GT(10, b.tv_sec - a.tv_sec);
}

TEST(peer_child_hygiene)
{
	char buf[256];
	unsigned long long ign;
	char *p;
	int fd;

	/* A descriptor we forgot to make close-on-exec must not leak. */
	fd = open("/dev/null", O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(40, dup2(fd, 40));
	ASSERT_EQ(0, peer_output("exec:'if [ -e /proc/self/fd/40 ]; then echo leaked; else echo closed; fi':vg/lv",
				 buf, sizeof(buf), 5000));
	ASSERT_STREQ("closed\n", buf);
	close(40);
	close(fd);
	/* Our ignored SIGPIPE must not reach the peer. */
	ASSERT_EQ(0, peer_output("exec:'grep SigIgn /proc/self/status':vg/lv",
				 buf, sizeof(buf), 5000));
	p = strchr(buf, ':');
	ASSERT_NE(NULL, p);
	ign = strtoull(p + 1, NULL, 16);
	ASSERT_EQ(0ull, ign & (1ull << (13 - 1))) TH_LOG("%s", buf);
}

TEST(peer_ssh_argv)
{
	char dir[] = "/tmp/sl-ssh-XXXXXX", path[64], env[128], buf[256];
	FILE *f;

	ASSERT_NE(NULL, mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/ssh", dir);
	f = fopen(path, "w");
	ASSERT_NE(NULL, f);
	fputs("#!/bin/sh\necho \"$@\"\n", f);
	fclose(f);
	ASSERT_EQ(0, chmod(path, 0755));
	snprintf(env, sizeof(env), "%s:/usr/bin:/bin", dir);
	setenv("PATH", env, 1);
	unsetenv("SOFTLOCK_REMOTE");
	ASSERT_EQ(0, peer_output("root@hostB:vg/lv", buf, sizeof(buf), 5000));
	ASSERT_STREQ("-o BatchMode=yes -T root@hostB softlock serve --stdio\n",
		     buf);
	setenv("SOFTLOCK_REMOTE", "/opt/sl/softlock", 1);
	ASSERT_EQ(0, peer_output("hostC:vg/lv", buf, sizeof(buf), 5000));
	ASSERT_STREQ("-o BatchMode=yes -T hostC /opt/sl/softlock serve --stdio\n",
		     buf);
	unlink(path);
	rmdir(dir);
	/* No ssh at all: said at start, not as a broken stream later. */
	setenv("PATH", "/nonexistent", 1);
	ASSERT_EQ(-ENOENT, peer_output("hostC:vg/lv", buf, sizeof(buf), 5000));
	ASSERT_NE(NULL, strstr(buf, "cannot run ssh")) TH_LOG("%s", buf);
}

/* ---- Identities ---- */

TEST(gid_new)
{
	char a[SL_GID_LEN + 1], b[SL_GID_LEN + 1];
	int i;

	for (i = 0; i < 64; i++) {
		ASSERT_EQ(0, sl_gid_new(a));
		ASSERT_EQ((size_t)SL_GID_LEN, strlen(a));
		ASSERT_TRUE(sl_gid_ok(a)) TH_LOG("%s", a);
		ASSERT_EQ('4', a[14]);
		ASSERT_NE(NULL, strchr("89ab", a[19])) TH_LOG("%s", a);
	}
	ASSERT_EQ(0, sl_gid_new(b));
	ASSERT_STRNE(a, b);
	ASSERT_TRUE(sl_gid_ok("01234567-89ab-cdef-0123-456789abcdef"));
	ASSERT_FALSE(sl_gid_ok("01234567-89AB-cdef-0123-456789abcdef"));
	ASSERT_FALSE(sl_gid_ok("01234567-89ab-cdef-0123-456789abcde"));
	ASSERT_FALSE(sl_gid_ok("0123456789ab-cdef-0123-456789abcdef-"));
	ASSERT_FALSE(sl_gid_ok("01234567-89ab-cdef-0123-456789abcdeg"));
}

TEST(fp_hex)
{
	uint8_t fp[SL_FP_LEN], back[SL_FP_LEN], other[SL_FP_LEN];
	char hex[2 * SL_FP_LEN + 1];
	int i;

	for (i = 0; i < SL_FP_LEN; i++)
		fp[i] = i * 8 + 7;
	sl_fp_hex(fp, hex);
	ASSERT_STREQ("070f171f272f373f474f575f676f777f"
		     "878f979fa7afb7bfc7cfd7dfe7eff7ff", hex);
	ASSERT_EQ(0, sl_fp_parse(hex, back));
	ASSERT_EQ(0, memcmp(fp, back, SL_FP_LEN));
	hex[5] = 'F';
	ASSERT_EQ(-EINVAL, sl_fp_parse(hex, back));
	hex[5] = 'f';
	hex[63] = '\0';
	ASSERT_EQ(-EINVAL, sl_fp_parse(hex, back));
	ASSERT_EQ(0, sl_fp_new(fp));
	ASSERT_EQ(0, sl_fp_new(other));
	ASSERT_NE(0, memcmp(fp, other, SL_FP_LEN));
}

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

	ASSERT_EQ(0, sl_pcpi_dm_name("vg", "pool", "-tpool", buf, sizeof(buf)));
	ASSERT_STREQ("vg-pool-tpool", buf);
	ASSERT_EQ(0, sl_pcpi_dm_name("vg-a", "my-pool", "_tmeta", buf,
				     sizeof(buf)));
	ASSERT_STREQ("vg--a-my--pool_tmeta", buf);
	ASSERT_EQ(0, sl_pcpi_dm_name("v-", "p", "", buf, 6));
	ASSERT_STREQ("v---p", buf);
	ASSERT_EQ(-ENAMETOOLONG, sl_pcpi_dm_name("v-", "p", "", buf, 5));
	ASSERT_STREQ("", buf);
	ASSERT_EQ(-ENAMETOOLONG, sl_pcpi_dm_name("vg", "pool", "-tpool", buf,
						 13));
	ASSERT_EQ(0, sl_pcpi_dm_name("vg", "pool", "-tpool", buf, 14));
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

TEST_HARNESS_MAIN
