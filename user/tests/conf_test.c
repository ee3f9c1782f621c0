// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of softlock.conf: what the parser accepts, the FILE:LINE
 * and the fix it names for what it refuses, and when a schedule is due.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "../daemon/conf.h"

static char err[1024];

/* Parse text as "t.conf"; the return code, err set on failure. */
static int parse(const char *text, struct sl_conf *c)
{
	err[0] = '\0';
	return sl_conf_parse(text, "t.conf", c, err, sizeof(err));
}

/* text must be refused with a message matching both substrings. */
#define REFUSED(text, where, what) do {					\
	struct sl_conf c_;						\
	EXPECT_NE(0, parse(text, &c_));					\
	EXPECT_NE(NULL, strstr(err, where)) TH_LOG("got: %s", err);	\
	EXPECT_NE(NULL, strstr(err, what)) TH_LOG("got: %s", err);	\
	sl_conf_free(&c_);						\
} while (0)

#define REL "[relationship ab]\nsrc = vga/vol\ndst = host-b:vgb/vol\n"

TEST(full_file)
{
	struct sl_conf c;

	ASSERT_EQ(0, parse("# softlock.conf\n\n[daemon]\ntls = yes\n"
			   "listen = [::1]:7500   # loopback only\nmax_sessions = 8\n"
			   "max_updates=2\n"
			   "[relationship ab]\n  src = vga/vol\n"
			   "dst = exec:'ip netns exec b softlock serve --stdio # x':vgb/vol\n"
			   "every = 15m\nkeep = 7\nlease = 1d\ntimeout = 2h\n"
			   "[relationship nightly]\nsrc = host-c:vgc/vol\ndst = vga/copy\n"
			   "at = 02:30\nlease = none", &c)) TH_LOG("%s", err);
	EXPECT_TRUE(c.tls);
	EXPECT_STREQ("[::1]:7500", c.listen);
	EXPECT_EQ(8U, c.max_sessions);
	EXPECT_EQ(2U, c.max_updates);
	ASSERT_EQ(2U, c.n);
	EXPECT_STREQ("ab", c.rel[0].name);
	EXPECT_STREQ("vga/vol", c.rel[0].src);
	/* A '#' inside quotes is the command's, not a comment. */
	EXPECT_STREQ("exec:'ip netns exec b softlock serve --stdio # x':vgb/vol",
		     c.rel[0].dst);
	EXPECT_EQ(900U, c.rel[0].every);
	EXPECT_EQ(-1, c.rel[0].at_min);
	EXPECT_EQ(7U, c.rel[0].keep);
	EXPECT_EQ(86400U, c.rel[0].lease);
	EXPECT_EQ(7200U, c.rel[0].timeout);
	EXPECT_EQ(8U, c.rel[0].line);
	EXPECT_EQ(150, c.rel[1].at_min);
	EXPECT_EQ(0U, c.rel[1].every);
	EXPECT_EQ(0U, c.rel[1].keep);
	EXPECT_EQ(0U, c.rel[1].lease);
	EXPECT_EQ((uint32_t)SL_CONF_TIMEOUT_DEFAULT, c.rel[1].timeout);
	EXPECT_NE(NULL, sl_conf_find(&c, "nightly"));
	EXPECT_EQ(NULL, sl_conf_find(&c, "night"));
	sl_conf_free(&c);
}

TEST(defaults_and_empty)
{
	struct sl_conf c;

	ASSERT_EQ(0, parse("", &c));
	EXPECT_FALSE(c.tls);
	EXPECT_STREQ("", c.listen);
	EXPECT_EQ(16U, c.max_sessions);
	EXPECT_EQ(4U, c.max_updates);
	EXPECT_EQ(0U, c.n);
	sl_conf_free(&c);
}

/* The TLS daemon's gate (serve --tls): its defaults, and set. */
TEST(handshake_limits)
{
	struct sl_conf c;

	ASSERT_EQ(0, parse("[daemon]\ntls = yes\n", &c));
	EXPECT_EQ(128U, c.max_handshakes);
	EXPECT_EQ(4U, c.max_handshakes_per_address);
	EXPECT_EQ(10U, c.handshake_timeout);
	sl_conf_free(&c);
	ASSERT_EQ(0, parse("[daemon]\nmax_handshakes = 32\n"
			   "max_handshakes_per_address = 2\nhandshake_timeout = 5\n",
			   &c)) TH_LOG("%s", err);
	EXPECT_EQ(32U, c.max_handshakes);
	EXPECT_EQ(2U, c.max_handshakes_per_address);
	EXPECT_EQ(5U, c.handshake_timeout);
	sl_conf_free(&c);
	REFUSED("[daemon]\nhandshake_timeout = 11\n", "t.conf:2:", "seconds, 1..10");
	REFUSED("[daemon]\nhandshake_timeout = 0\n", "t.conf:2:", "seconds, 1..10");
	REFUSED("[daemon]\nmax_handshakes = 0\n", "t.conf:2:", "1..4096");
	REFUSED("[daemon]\nmax_handshakes_per_address = 0\n", "t.conf:2:", "1..1024");
}

TEST(refusals_name_line_and_fix)
{
	REFUSED("tls = yes\n", "t.conf:1:", "start with [daemon]");
	REFUSED("[daemon]\n[daemon]\n", "t.conf:2:", "twice");
	REFUSED("[deamon]\n", "t.conf:1:", "unknown section [deamon]");
	REFUSED("[daemon]\ntsl = yes\n", "t.conf:2:", "the keys are tls, listen");
	REFUSED("[daemon]\ntls = maybe\n", "t.conf:2:", "yes or no");
	REFUSED("[daemon]\nlisten = ::1:7433\n", "t.conf:2:", "brackets");
	REFUSED("[daemon]\nlisten = :70000\n", "t.conf:2:", "[ADDR]:PORT");
	REFUSED("[daemon]\nmax_sessions = 0\n", "t.conf:2:", "1..1024");
	REFUSED("[daemon]\nmax_updates = 65\n", "t.conf:2:", "1..64");
	REFUSED("[daemon]\ntls = yes\ntls = no\n", "t.conf:3:", "first at line 2");
	REFUSED("[daemon]\ntls =\n", "t.conf:2:", "no value");
	REFUSED("[daemon]\njust words\n", "t.conf:2:", "KEY = VALUE");
	REFUSED("[daemon] x\n", "t.conf:1:", "nothing after it");
	REFUSED("[relationship]\n", "t.conf:1:", "unknown section");
	REFUSED("[relationship a/b]\n", "t.conf:1:", "letters, digits");
	REFUSED(REL "every = 1h\n" REL "every = 1h\n", "t.conf:5:", "first at line 1");
	REFUSED(REL, "t.conf:1:", "needs a schedule");
	REFUSED(REL "every = 1h\nat = 02:00\n", "t.conf:5:", "both every and at");
	REFUSED(REL "every = 5s\n", "t.conf:4:", "10s or more");
	REFUSED(REL "every = soon\n", "t.conf:4:", "like 90s, 15m");
	REFUSED(REL "at = 24:00\n", "t.conf:4:", "HH:MM");
	REFUSED(REL "at = 2:5\n", "t.conf:4:", "HH:MM");
	REFUSED(REL "at = +2:05\n", "t.conf:4:", "HH:MM");
	REFUSED(REL "every = 1h\nkeep = 0\n", "t.conf:5:", "1 or more");
	REFUSED(REL "every = 1h\nlease = 2s\n", "t.conf:5:", "10s or more");
	REFUSED(REL "every = 1h\ntimeout = 30s\n", "t.conf:5:", "60s or more");
	REFUSED("[relationship ab]\nsrc = vga/vol\nevery = 1h\n", "t.conf:1:", "needs src = and dst =");
	REFUSED("[relationship ab]\nsrc = novolume\n", "t.conf:2:", "src = novolume");
	REFUSED("[relationship ab]\nsrc = h1:vga/vol\ndst = h2:vgb/vol\nevery = 1h\n",
		"t.conf:1:", "must be on this host");
}

/* On a pulled relationship keep is the destination's own retention. */
TEST(keep_on_the_destination)
{
	struct sl_conf c;

	ASSERT_EQ(0, parse("[relationship ab]\nsrc = h1:vga/vol\ndst = vgb/vol\n"
			   "every = 1h\nkeep = 2\n", &c)) TH_LOG("%s", err);
	ASSERT_EQ(1U, c.n);
	EXPECT_EQ(2U, c.rel[0].keep);
	sl_conf_free(&c);
}

TEST(every_is_due_after_its_interval)
{
	struct sl_conf c;
	int64_t next;

	ASSERT_EQ(0, parse(REL "every = 15m\n", &c));
	/* Never updated: due at once, the baseline. */
	EXPECT_TRUE(sl_conf_due(&c.rel[0], 0, 1000000, &next));
	EXPECT_FALSE(sl_conf_due(&c.rel[0], 1000000, 1000000 + 899, &next));
	EXPECT_EQ(1000000 + 900, next);
	EXPECT_TRUE(sl_conf_due(&c.rel[0], 1000000, 1000000 + 900, &next));
	/* The last update "in the future" (clock set back): from now. */
	EXPECT_FALSE(sl_conf_due(&c.rel[0], 5000000, 1000000, &next));
	EXPECT_EQ(1000000 + 900, next);
	sl_conf_free(&c);
}

TEST(at_is_due_once_a_day)
{
	struct sl_conf c;
	int64_t next, day = 20000 * 86400LL;	/* a midnight, UTC */

	setenv("TZ", "UTC", 1);
	tzset();
	ASSERT_EQ(0, parse(REL "at = 02:30\n", &c));
	/* Ran yesterday at 02:30; at 02:29 today it is not due yet. */
	EXPECT_FALSE(sl_conf_due(&c.rel[0], day - 86400 + 9000, day + 8940, &next));
	EXPECT_EQ(day + 9000, next);
	EXPECT_TRUE(sl_conf_due(&c.rel[0], day - 86400 + 9000, day + 9000, &next));
	/* Ran at 02:30 today: next is tomorrow's. */
	EXPECT_FALSE(sl_conf_due(&c.rel[0], day + 9005, day + 20000, &next));
	EXPECT_EQ(day + 86400 + 9000, next);
	/* A day missed while down runs once, at the start. */
	EXPECT_TRUE(sl_conf_due(&c.rel[0], day - 5 * 86400, day + 100, &next));
	sl_conf_free(&c);
}

TEST(durations_print_as_written)
{
	char b[32];

	sl_conf_duration(90, b, sizeof(b));
	EXPECT_STREQ("90s", b);
	sl_conf_duration(900, b, sizeof(b));
	EXPECT_STREQ("15m", b);
	sl_conf_duration(7200, b, sizeof(b));
	EXPECT_STREQ("2h", b);
	sl_conf_duration(86400, b, sizeof(b));
	EXPECT_STREQ("1d", b);
}

TEST(load_names_a_missing_file)
{
	struct sl_conf c;

	EXPECT_NE(0, sl_conf_load("/nonexistent/softlock.conf", &c, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "cannot read the config /nonexistent/softlock.conf"));
	sl_conf_free(&c);
}

/*
 * Its exec: endpoints run as root through a shell: a file that another
 * user, or a group, can change is refused, as the peers file is. Run as
 * root (make check is), which may chown the file to another uid.
 */
TEST(load_refuses_a_file_others_can_change)
{
	char dir[] = "/tmp/sl-conf-test.XXXXXX", path[64], link[64];
	struct sl_conf c;
	FILE *f;

	ASSERT_NE(NULL, mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/softlock.conf", dir);
	snprintf(link, sizeof(link), "%s/link.conf", dir);
	f = fopen(path, "we");
	ASSERT_NE(NULL, f);
	fputs(REL "every = 1h\n", f);
	ASSERT_EQ(0, fclose(f));
	ASSERT_EQ(0, chmod(path, 0644));
	EXPECT_EQ(0, sl_conf_load(path, &c, err, sizeof(err))) TH_LOG("%s", err);
	sl_conf_free(&c);
	ASSERT_EQ(0, chmod(path, 0666));
	EXPECT_EQ(-EPERM, sl_conf_load(path, &c, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "the config /tmp/sl-conf-test.")) TH_LOG("%s", err);
	EXPECT_NE(NULL, strstr(err, "can be changed by others than its owner (root): run 'chown root")) TH_LOG("%s", err);
	sl_conf_free(&c);
	ASSERT_EQ(0, chmod(path, 0664));
	EXPECT_EQ(-EPERM, sl_conf_load(path, &c, err, sizeof(err))) TH_LOG("group-writable");
	sl_conf_free(&c);
	ASSERT_EQ(0, chmod(path, 0644));
	ASSERT_EQ(0, chown(path, 12345, -1));
	EXPECT_EQ(-EPERM, sl_conf_load(path, &c, err, sizeof(err))) TH_LOG("another user's");
	sl_conf_free(&c);
	ASSERT_EQ(0, chown(path, 0, -1));
	ASSERT_EQ(0, symlink(path, link));
	EXPECT_EQ(-ELOOP, sl_conf_load(link, &c, err, sizeof(err))) TH_LOG("a link");
	sl_conf_free(&c);
	unlink(link);
	unlink(path);
	rmdir(dir);
}

TEST_HARNESS_MAIN
