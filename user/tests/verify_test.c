// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the mirror's verify engine (mirror/verify.c) on
 * regular files: the two ends of a verify session over a socketpair, the
 * responder in a child process, as `softlock serve --stdio` would run it.
 * Identical copies, flipped bytes, copies of different sizes, small
 * frames, and errors on either side. The LVM parts (looking a PCPI up by
 * global id, activating it) run in the VM test mirror_verify_test.sh.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "../mirror/verify.h"
#include "../proto/crc32c.h"

#define MiB (1024 * 1024)
#define GID "0f8a3c2e-5b1d-4e6f-9a7b-1c2d3e4f5a6b"
#define SIZE (6 * MiB + 8192)	/* 7 chunks of 1 MiB, the last short */

/* How the responder behaves. */
struct peer {
	const char *dev;
	uint64_t size;
	uint32_t per_frame;
	bool missing;		/* answer VERIFY with ENOENT */
};

/* The responder: HELLO, VERIFY, then sums or the ENOENT refusal. */
static int respond(int fd, const struct peer *p)
{
	struct sl_session s;
	const char *rel, *vol;
	uint32_t chunk;
	int rc;

	sl_sess_init(&s, fd, fd, false, 0, "hostB");
	rc = sl_sess_accept(&s, &rel, &vol);
	if (!rc && s.ps.purpose != SL_PURPOSE_VERIFY)
		rc = -EPROTO;
	if (!rc)
		rc = sl_sess_recv(&s, SL_MSG_VERIFY);
	if (!rc && p->missing)
		rc = sl_sess_fail(&s, ENOENT, "hostB: no PCPI with global id %s on vgB/vol",
				  s.ps.global_id);
	if (!rc) {
		sl_msg_get_u32(&s.m, SL_A_CHUNK, &chunk);
		rc = sl_verify_send(&s, p->dev, p->size, chunk, p->per_frame);
	}
	sl_sess_free(&s);
	return rc;
}

/*
 * Verify dev (size bytes) here against the peer; 0 or -errno, with the
 * session's error in err and the responder's exit status in *status.
 */
static int verify(const char *dev, uint64_t size, uint32_t chunk,
		  const struct peer *p, struct sl_verify_result *res,
		  char *err, size_t errlen, int *status)
{
	struct sl_session s;
	int sv[2], rc;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return -errno;
	pid = fork();
	if (!pid) {
		close(sv[0]);
		_exit(respond(sv[1], p) ? 1 : 0);
	}
	close(sv[1]);
	sl_sess_init(&s, sv[0], sv[0], true, SL_ROLE_DESTINATION, "hostA");
	rc = sl_sess_hello_purpose(&s, "rel", "vgB/vol", SL_PURPOSE_VERIFY);
	if (!rc)
		rc = sl_verify_compare(&s, dev, size, GID, chunk, res);
	if (!rc)
		rc = sl_sess_close(&s);
	snprintf(err, errlen, "%s", s.err);
	sl_sess_free(&s);
	close(sv[0]);
	waitpid(pid, status, 0);
	return rc;
}

/* A file of size bytes with the same pseudo-random content for a seed. */
static int make_file(char *path, uint64_t size, unsigned int seed)
{
	uint8_t *buf = malloc(size);
	int fd = mkstemp(path);
	uint64_t i;
	int rc = 0;

	if (!buf || fd < 0)
		rc = -ENOMEM;
	srand(seed);
	for (i = 0; !rc && i < size; i++)
		buf[i] = rand();
	if (!rc && pwrite(fd, buf, size, 0) != (ssize_t)size)
		rc = -EIO;
	if (fd >= 0)
		close(fd);
	free(buf);
	return rc;
}

static int poke(const char *path, uint64_t off)
{
	int fd = open(path, O_RDWR);
	uint8_t c;
	int rc = -EIO;

	if (fd >= 0 && pread(fd, &c, 1, off) == 1) {
		c ^= 0x5a;
		rc = pwrite(fd, &c, 1, off) == 1 ? 0 : -EIO;
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

FIXTURE(v) {
	char a[64], b[64];
	char err[1024];
	struct sl_verify_result res;
	int status;
};

FIXTURE_SETUP(v)
{
	strcpy(self->a, "/tmp/sl-verify-a.XXXXXX");
	strcpy(self->b, "/tmp/sl-verify-b.XXXXXX");
	/* One more MiB than used: room for the size tests. */
	ASSERT_EQ(0, make_file(self->a, SIZE + MiB, 7));
	ASSERT_EQ(0, make_file(self->b, SIZE + MiB, 7));
}

FIXTURE_TEARDOWN(v)
{
	unlink(self->a);
	unlink(self->b);
}

TEST_F(v, sums_are_crc32c_of_each_chunk)
{
	struct sl_chunk_reader r;
	uint32_t sums[9];
	uint8_t *buf = malloc(SIZE);
	int fd = open(self->a, O_RDONLY), i;

	ASSERT_NE(NULL, buf);
	ASSERT_EQ(SIZE, pread(fd, buf, SIZE, 0));
	close(fd);
	ASSERT_EQ(0, sl_reader_open(&r, self->a, 256 * 1024, self->err,
				    sizeof(self->err)));
	/* From chunk 1 on, two beyond the end: those stay 0. */
	ASSERT_EQ(0, sl_verify_sums(&r, SIZE, MiB, 1, 8, sums, self->err,
				    sizeof(self->err))) TH_LOG("%s", self->err);
	for (i = 0; i < 6; i++)
		ASSERT_EQ(sl_crc32c(0, buf + (i + 1) * MiB,
				    i == 5 ? 8192 : MiB), sums[i]);
	ASSERT_EQ(0u, sums[6]);
	ASSERT_EQ(0u, sums[7]);
	/* A unit that does not divide the chunk is refused. */
	ASSERT_EQ(-EINVAL, sl_verify_sums(&r, SIZE, 128 * 1024, 0, 1, sums,
					  self->err, sizeof(self->err)));
	sl_reader_close(&r);
	free(buf);
}

TEST_F(v, identical)
{
	struct peer p = { .dev = self->b, .size = SIZE, .per_frame = 2 };

	ASSERT_EQ(0, verify(self->a, SIZE, MiB, &p, &self->res, self->err,
			    sizeof(self->err), &self->status))
		TH_LOG("%s", self->err);
	ASSERT_EQ(0, self->status);
	ASSERT_EQ(7u, self->res.chunks);
	ASSERT_EQ(0u, self->res.differ);
	ASSERT_EQ((uint64_t)SIZE, self->res.size);
	ASSERT_EQ((uint64_t)SIZE, self->res.peer_size);
	ASSERT_EQ((uint64_t)MiB, self->res.chunk);
	/* Default frames, small chunks: 97 sums in one frame. */
	p.per_frame = 0;
	ASSERT_EQ(0, verify(self->a, SIZE, 64 * 1024, &p, &self->res, self->err,
			    sizeof(self->err), &self->status))
		TH_LOG("%s", self->err);
	ASSERT_EQ(97u, self->res.chunks);
	ASSERT_EQ(0u, self->res.differ);
}

TEST_F(v, flipped_bytes)
{
	struct peer p = { .dev = self->b, .size = SIZE, .per_frame = 3 };

	ASSERT_EQ(0, poke(self->b, 5 * MiB + 123));
	ASSERT_EQ(0, verify(self->a, SIZE, MiB, &p, &self->res, self->err,
			    sizeof(self->err), &self->status))
		TH_LOG("%s", self->err);
	ASSERT_EQ(0, self->status);
	ASSERT_EQ(7u, self->res.chunks);
	ASSERT_EQ(1u, self->res.differ);
	ASSERT_EQ(5u, self->res.first);
	/* Two more, one in the first chunk, one in the short last one. */
	ASSERT_EQ(0, poke(self->b, 0));
	ASSERT_EQ(0, poke(self->b, SIZE - 1));
	ASSERT_EQ(0, verify(self->a, SIZE, MiB, &p, &self->res, self->err,
			    sizeof(self->err), &self->status))
		TH_LOG("%s", self->err);
	ASSERT_EQ(3u, self->res.differ);
	ASSERT_EQ(0u, self->res.first);
	/* In 64 KiB chunks: chunk 80 (5 MiB + 123), 0 and the last, 96. */
	ASSERT_EQ(0, verify(self->a, SIZE, 64 * 1024, &p, &self->res,
			    self->err, sizeof(self->err), &self->status))
		TH_LOG("%s", self->err);
	ASSERT_EQ(97u, self->res.chunks);
	ASSERT_EQ(3u, self->res.differ);
	ASSERT_EQ(0u, self->res.first);
}

/* A chunk on one side only differs; so does a short one against a full. */
TEST_F(v, sizes_differ)
{
	struct peer p = { .dev = self->b, .size = SIZE + MiB, .per_frame = 2 };

	ASSERT_EQ(0, verify(self->a, SIZE, MiB, &p, &self->res, self->err,
			    sizeof(self->err), &self->status))
		TH_LOG("%s", self->err);
	ASSERT_EQ(8u, self->res.chunks);
	ASSERT_EQ(2u, self->res.differ);	/* 6: short here; 7: there only */
	ASSERT_EQ(6u, self->res.first);
	ASSERT_EQ((uint64_t)SIZE + MiB, self->res.peer_size);
	p.size = 2 * MiB;
	ASSERT_EQ(0, verify(self->a, SIZE, MiB, &p, &self->res, self->err,
			    sizeof(self->err), &self->status))
		TH_LOG("%s", self->err);
	ASSERT_EQ(7u, self->res.chunks);
	ASSERT_EQ(5u, self->res.differ);	/* 2..6 here only */
	ASSERT_EQ(2u, self->res.first);
}

TEST_F(v, errors)
{
	struct peer p = { .dev = self->b, .size = SIZE, .missing = true };

	/* The peer has no such PCPI: said as such, for the caller to retry. */
	ASSERT_EQ(-ENOENT, verify(self->a, SIZE, MiB, &p, &self->res,
				  self->err, sizeof(self->err), &self->status));
	ASSERT_TRUE(self->res.peer_missing);
	/* Named once: the message starts with the peer's name already. */
	ASSERT_STREQ("hostB: no PCPI with global id " GID " on vgB/vol",
		     self->err);
	/* The peer cannot read its copy: not "missing", whatever errno. */
	p.missing = false;
	p.dev = "/nonexistent/sl-verify";
	ASSERT_EQ(-ENODEV, verify(self->a, SIZE, MiB, &p, &self->res,
				  self->err, sizeof(self->err), &self->status));
	ASSERT_FALSE(self->res.peer_missing);
	ASSERT_NE(NULL, strstr(self->err, "cannot open /nonexistent/sl-verify"))
		TH_LOG("%s", self->err);
	ASSERT_EQ(1 << 8, self->status);
	/* Neither can this side, or its size is not one direct I/O reads. */
	p.dev = self->b;
	ASSERT_EQ(-ENODEV, verify("/nonexistent/a", SIZE, MiB, &p, &self->res,
				  self->err, sizeof(self->err), &self->status));
	ASSERT_FALSE(self->res.peer_missing);
	ASSERT_EQ(-EINVAL, verify(self->a, SIZE - 512, MiB, &p, &self->res,
				  self->err, sizeof(self->err), &self->status));
	ASSERT_NE(NULL, strstr(self->err, "is not a multiple of 4096"))
		TH_LOG("%s", self->err);
	/* The peer's copy ends early: its read fails, and it says so. */
	p.size = SIZE + 2 * MiB;
	ASSERT_EQ(-EIO, verify(self->a, SIZE, MiB, &p, &self->res, self->err,
			       sizeof(self->err), &self->status));
	ASSERT_NE(NULL, strstr(self->err, "end of device")) TH_LOG("%s", self->err);
}

/*
 * A peer that is no softlock (a login banner, a wrong forced command)
 * writes its line and exits before HELLO goes out: the write breaks, and
 * the error says what the peer is, not only that the pipe broke.
 */
TEST(peer_not_softlock)
{
	static const char banner[] = "Welcome to the server\n";
	struct sl_session s;
	int in[2], out[2];

	signal(SIGPIPE, SIG_IGN);
	ASSERT_EQ(0, pipe(in));
	ASSERT_EQ(0, pipe(out));
	ASSERT_EQ((ssize_t)sizeof(banner) - 1,
		  write(in[1], banner, sizeof(banner) - 1));
	close(in[1]);
	close(out[0]);
	sl_sess_init(&s, in[0], out[1], true, SL_ROLE_DESTINATION, "hostA");
	ASSERT_EQ(-EPIPE, sl_sess_hello_purpose(&s, "rel", "vgB/vol",
						SL_PURPOSE_VERIFY));
	ASSERT_NE(NULL, strstr(s.err, "does not speak the softlock protocol"))
		TH_LOG("%s", s.err);
	sl_sess_free(&s);
	close(in[0]);
	close(out[1]);
}

TEST_HARNESS_MAIN
