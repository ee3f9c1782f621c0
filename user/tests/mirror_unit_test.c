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
#include "endpoint_check.h"

/* ---- Endpoints ---- */

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

	endpoint_roundtrip(_metadata, "vg/lv", "vg/lv");
	endpoint_roundtrip(_metadata, "h.example:vg/lv", "h.example:vg/lv");
	endpoint_roundtrip(_metadata, "fe80::1:vg/lv", "fe80::1:vg/lv");
	endpoint_roundtrip(_metadata, "exec:'sh -c x':vg/lv",
			   "exec:'sh -c x':vg/lv");
	/* The canonical quote is ', unless the command holds one. */
	endpoint_roundtrip(_metadata, "exec:\"true\":vg/lv",
			   "exec:'true':vg/lv");
	endpoint_roundtrip(_metadata, "exec:\"echo 'x'\":vg/lv",
			   "exec:\"echo 'x'\":vg/lv");
}

TEST(endpoint_errors)
{
	char host[400], cmd[1200];

	endpoint_refused(_metadata, "", "empty");
	endpoint_refused(_metadata, ":vg/lv", "empty host");
	endpoint_refused(_metadata, "host:", "missing volume");
	endpoint_refused(_metadata, "host:vg", "not VG/LV");
	endpoint_refused(_metadata, "vg", "not VG/LV");
	endpoint_refused(_metadata, "vg/lv/x", "not VG/LV");
	endpoint_refused(_metadata, "host:vg/a;b", "not VG/LV");
	endpoint_refused(_metadata, "host:vg/-lv", "not VG/LV");
	endpoint_refused(_metadata, "-oProxyCommand=x:vg/lv", "start with '-'");
	endpoint_refused(_metadata, "a b:vg/lv", "space");
	endpoint_refused(_metadata, "a'b:vg/lv", "quote");
	endpoint_refused(_metadata, "exec:'cmd:vg/lv", "unterminated quote");
	endpoint_refused(_metadata, "exec:\"cmd':vg/lv", "unterminated quote");
	endpoint_refused(_metadata, "exec:cmd:vg/lv", "quoted command");
	endpoint_refused(_metadata, "exec:", "quoted command");
	endpoint_refused(_metadata, "exec:'':vg/lv", "empty exec");
	endpoint_refused(_metadata, "exec:'x'vg/lv", "expected ':VG/LV'");
	endpoint_refused(_metadata, "exec:'x'", "expected ':VG/LV'");
	endpoint_refused(_metadata, "exec:'x':", "missing volume");
	endpoint_refused(_metadata, "exec:'x':nope", "not VG/LV");
	memset(host, 'h', 300);
	strcpy(host + 300, ":vg/lv");
	endpoint_refused(_metadata, host, "host is too long");
	strcpy(cmd, "exec:'");
	memset(cmd + 6, 'c', 1100);
	strcpy(cmd + 1106, "':vg/lv");
	endpoint_refused(_metadata, cmd, "too long");
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

/*
 * PCPI names, tags, lvs rows, thin tables and volume listings are in
 * their own file; the harness registers tests per translation unit, so it
 * is included rather than linked.
 */
#include "mirror_unit_pcpi.h"

TEST_HARNESS_MAIN
