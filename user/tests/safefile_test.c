// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of lib/safefile.c: a replaced file never follows a link
 * planted beside or at its name; a file root trusts is refused when
 * others can change it, a key when others can read it or it is not
 * root's. Run as root (make check does), which may chown to another uid.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "../lib/safefile.h"

#define OTHER_UID 12345

static char err[1024];

/* The file's bytes (at most 63), NUL-terminated, in a static buffer. */
static const char *content(const char *path)
{
	static char buf[64];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return "(cannot open)";
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n < 0 ? 0 : n] = '\0';
	return buf;
}

static int entries(const char *dir)
{
	struct dirent *d;
	DIR *dp = opendir(dir);
	int n = 0;

	if (!dp)
		return -1;
	while ((d = readdir(dp)))
		n += strcmp(d->d_name, ".") && strcmp(d->d_name, "..");
	closedir(dp);
	return n;
}

static void put(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	if (fd >= 0) {
		if (write(fd, text, strlen(text)) < 0)
			perror(path);
		fchmod(fd, mode);
		close(fd);
	}
}

FIXTURE(dir) {
	char d[64];
	char victim[128], out[128], planted[128];
};

FIXTURE_SETUP(dir)
{
	strcpy(self->d, "/tmp/sl-safefile-test.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->d));
	snprintf(self->victim, sizeof(self->victim), "%s/victim", self->d);
	snprintf(self->out, sizeof(self->out), "%s/softlock.prom", self->d);
	snprintf(self->planted, sizeof(self->planted), "%s/softlock.prom.tmp",
		 self->d);
	put(self->victim, "precious", 0600);
}

FIXTURE_TEARDOWN(dir)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", self->d);
	if (system(cmd))
		perror(cmd);
}

TEST_F(dir, replace_never_follows_a_planted_link)
{
	struct stat st;

	/* Where a predictable temporary name would be written... */
	ASSERT_EQ(0, symlink(self->victim, self->planted));
	/* ... and the file itself. */
	ASSERT_EQ(0, symlink(self->victim, self->out));
	ASSERT_EQ(0, sl_file_replace(self->out, "new\n", 4, 0644, err,
				     sizeof(err))) TH_LOG("%s", err);
	EXPECT_STREQ("precious", content(self->victim));
	ASSERT_EQ(0, lstat(self->out, &st));
	EXPECT_TRUE(S_ISREG(st.st_mode));
	EXPECT_EQ(0644U, st.st_mode & 07777);
	EXPECT_STREQ("new\n", content(self->out));
	/* victim, the planted link and the new file: nothing left behind. */
	EXPECT_EQ(3, entries(self->d));
}

TEST_F(dir, replace_fails_whole_in_a_missing_directory)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/none/softlock.prom", self->d);
	EXPECT_EQ(-ENOENT, sl_file_replace(path, "x", 1, 0644, err,
					   sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "/none/softlock.prom.tmp.XXXXXX: No such file")) TH_LOG("%s", err);
}

/* path with mode (and owner) must be refused, saying fix. */
static int opened(const char *path)
{
	int fd = sl_file_open_trusted(path, "the file", 1 << 20, NULL, NULL,
				      err, sizeof(err));

	if (fd >= 0)
		close(fd);
	return fd < 0 ? fd : 0;
}

TEST_F(dir, open_trusted_refuses_what_others_can_change)
{
	char link[160];

	put(self->out, "x", 0644);
	EXPECT_EQ(0, opened(self->out)) TH_LOG("%s", err);
	ASSERT_EQ(0, chmod(self->out, 0666));
	EXPECT_EQ(-EPERM, opened(self->out));
	EXPECT_NE(NULL, strstr(err, "can be changed by others than its owner (root): run 'chown root")) TH_LOG("%s", err);
	ASSERT_EQ(0, chmod(self->out, 0664));
	EXPECT_EQ(-EPERM, opened(self->out)) TH_LOG("group-writable");
	ASSERT_EQ(0, chmod(self->out, 0644));
	ASSERT_EQ(0, chown(self->out, OTHER_UID, -1));
	EXPECT_EQ(-EPERM, opened(self->out)) TH_LOG("owned by uid %d", OTHER_UID);
	ASSERT_EQ(0, chown(self->out, 0, -1));
	snprintf(link, sizeof(link), "%s/link", self->d);
	ASSERT_EQ(0, symlink(self->out, link));
	EXPECT_EQ(-ELOOP, opened(link));
	EXPECT_EQ(-EINVAL, opened(self->d)) TH_LOG("a directory");
}

TEST_F(dir, key_must_be_unreadable_and_roots)
{
	struct stat st;

	ASSERT_EQ(0, stat(self->victim, &st));
	EXPECT_EQ(0, sl_file_trusted(&st, "the key", self->victim, true, err,
				     sizeof(err))) TH_LOG("%s", err);
	st.st_mode |= 0040;
	EXPECT_EQ(-EPERM, sl_file_trusted(&st, "the key", self->victim, true,
					  err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "can be read by others than its owner: run 'chmod 600")) TH_LOG("%s", err);
	st.st_mode &= ~0077;
	st.st_uid = OTHER_UID;
	EXPECT_EQ(-EPERM, sl_file_trusted(&st, "the key", self->victim, true,
					  err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "belongs to uid 12345, not root")) TH_LOG("%s", err);
}

TEST_HARNESS_MAIN
