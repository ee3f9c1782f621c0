/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fault injection, compiled in only in the test build (softlock-test,
 * built with -DSL_TEST_HOOKS; `make`, `make install` and the .deb ship
 * softlock, where every hook below is an empty inline function and none
 * of these variables is read). Each hook is named after what it does to
 * the process; the VM tests set the variable, run softlock-test, and
 * see what the product does after such a fault.
 *
 * $SOFTLOCK_TEST_AT=WHERE:N:kill      SIGKILL at the Nth arrival at WHERE
 * $SOFTLOCK_TEST_AT=WHERE:N:pause:AT:GO
 *	at the Nth arrival, write "WHERE PID\n" into the FIFO AT, then wait for a
 *	line (or EOF) on the FIFO GO: the test knows the helper is there,
 *	does what it needs, and lets it go on. No timing is involved.
 * $SOFTLOCK_TEST_KILL_AT=HOST:N[:stop]
 *	the process whose $SOFTLOCK_HOST is HOST is killed (SIGKILL, as a
 *	crash would; :stop: SIGSTOP, a host that hangs) at its Nth kill
 *	point: just before and just after every command it runs (lib/run.c).
 *	Naming the host lets one variable reach both ends of a session.
 * $SOFTLOCK_TEST_POWEROFF=HOST:WHERE:N
 *	the machine goes off at once (sysrq "o": no sync, no unmount, like a
 *	power cut) when the process of HOST reaches WHERE for the Nth time:
 *	"frame" (a peer-protocol frame read), "replace" (a lock set staged
 *	in the kernel, not yet committed).
 * $SOFTLOCK_TEST_KILL_AFTER_DATA=N
 *	SIGKILL right after this process sent (source) or applied (dest)
 *	its Nth DATA frame.
 * $SOFTLOCK_TEST_CORRUPT_FRAME=N
 *	flip a bit in the last byte of the Nth frame this process sends,
 *	after its CRC was computed, as a bad link or bad memory would.
 * $SOFTLOCK_TEST_CORRUPT_APPLY=N, $SOFTLOCK_TEST_CORRUPT_WRITE=N
 *	change one byte of the Nth DATA the destination received intact,
 *	before the transfer digest sees it (APPLY) or after (WRITE: only a
 *	read-back, --verify, can tell).
 * $SOFTLOCK_TEST_GENERATION=N
 *	the destination sends N as its LOCKSETs' GENERATION instead of its
 *	clock (the set after gets N + 1, wrapping): a peer's clock stepped
 *	back, or UINT64_MAX, which the source must not depend on.
 * $SOFTLOCK_PROTO_CAPTURE=FILE
 *	append every frame this process reads or writes to FILE.HOST (HOST:
 *	$SOFTLOCK_HOST, else the pid), the whole session as one byte stream
 *	of at most 256 KiB: the protocol fuzzer's seeds (tools/fuzz_seeds.sh).
 *
 * Header-only, so that the protocol codec still links alone. Counts are
 * per process (one session per process in every test that counts), hence
 * the statics; sl_test_point's count is per place (one caller per place).
 */
#ifndef SL_TESTHOOK_H
#define SL_TESTHOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sl_test_corruption { SL_TEST_CORRUPT_APPLY, SL_TEST_CORRUPT_WRITE };

#ifdef SL_TEST_HOOKS
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static inline void sl_test_pause(const char *where, const char *fifos)
{
	char at[512], buf[64];
	const char *go = strchr(fifos, ':');
	ssize_t n;
	int fd;

	if (!go || (size_t)(go - fifos) >= sizeof(at))
		return;
	snprintf(at, sizeof(at), "%.*s", (int)(go - fifos), fifos);
	go++;
	fd = open(at, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (dprintf(fd, "%s %d\n", where, (int)getpid()) < 0)
			perror("softlock: test point");
		close(fd);
	}
	fd = open(go, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		while ((n = read(fd, buf, sizeof(buf))) > 0 &&
		       !memchr(buf, '\n', n))
			;
		close(fd);
	}
}

#define sl_test_point(where) do {					\
	static unsigned long sl_arrivals;				\
	const char *sl_at = getenv("SOFTLOCK_TEST_AT");			\
	size_t sl_len = strlen(where);					\
	char *sl_end;							\
									\
	if (sl_at && !strncmp(sl_at, where, sl_len) &&			\
	    sl_at[sl_len] == ':' &&					\
	    strtoul(sl_at + sl_len + 1, &sl_end, 10) == ++sl_arrivals) {	\
		fprintf(stderr, "softlock: test: %s at %s\n", sl_end, where);	\
		if (!strcmp(sl_end, ":kill"))				\
			kill(getpid(), SIGKILL);			\
		else if (!strncmp(sl_end, ":pause:", 7))		\
			sl_test_pause(where, sl_end + 7);		\
	}								\
} while (0)

/* The variable's number, or 0 (never) when it is not set. */
static inline unsigned long long sl_test_nth(const char *var)
{
	const char *v = getenv(var);

	return v ? strtoull(v, NULL, 10) : 0;
}

static inline void sl_test_kill_point(const char *cmd, const char *when)
{
	static unsigned long points;
	const char *at = getenv("SOFTLOCK_TEST_KILL_AT");
	const char *host = getenv("SOFTLOCK_HOST");
	const char *colon;
	unsigned long n;
	char *end;
	bool stop;

	if (!at || !*at || !host)
		return;
	colon = strchr(at, ':');
	if (!colon || strncmp(at, host, colon - at) || host[colon - at])
		return;
	n = strtoul(colon + 1, &end, 10);
	stop = !strcmp(end, ":stop");
	if ((*end && !stop) || ++points != n)
		return;
	fprintf(stderr, "softlock: test: %s at point %lu, %s %s\n",
		stop ? "stopped" : "killed", points, when, cmd);
	kill(getpid(), stop ? SIGSTOP : SIGKILL);
}

static inline void sl_test_poweroff(const char *where)
{
	static unsigned long reached;
	const char *spec = getenv("SOFTLOCK_TEST_POWEROFF");
	const char *host = getenv("SOFTLOCK_HOST");
	char want[160];
	int fd, n;

	if (!spec || !host)
		return;
	n = snprintf(want, sizeof(want), "%s:%s:", host, where);
	if (n < 0 || (size_t)n >= sizeof(want) || strncmp(spec, want, n) ||
	    ++reached != strtoul(spec + n, NULL, 10))
		return;
	fd = open("/proc/sysrq-trigger", O_WRONLY | O_CLOEXEC);
	if (fd >= 0 && write(fd, "o", 1) == 1)
		pause();	/* the machine is going; nothing more runs */
}

static inline void sl_test_data_done(void)
{
	static unsigned long long frames;

	if (++frames == sl_test_nth("SOFTLOCK_TEST_KILL_AFTER_DATA"))
		kill(getpid(), SIGKILL);
}

static inline void sl_test_corrupt_frame(uint8_t *frame, size_t len)
{
	static unsigned long long frames;

	if (++frames == sl_test_nth("SOFTLOCK_TEST_CORRUPT_FRAME") && len)
		frame[len - 1] ^= 0x01;
}

static inline void sl_test_corrupt_data(uint8_t *buf, size_t len,
					unsigned long long nth,
					enum sl_test_corruption when)
{
	if (len > 100 && nth == sl_test_nth(when == SL_TEST_CORRUPT_APPLY ?
					    "SOFTLOCK_TEST_CORRUPT_APPLY" :
					    "SOFTLOCK_TEST_CORRUPT_WRITE"))
		buf[100] ^= 0x5a;
}

#define SL_CAPTURE_MAX	(256 * 1024)

static inline void sl_test_capture(const void *a, size_t alen,
				   const void *b, size_t blen)
{
	const char *base = getenv("SOFTLOCK_PROTO_CAPTURE");
	const char *host = getenv("SOFTLOCK_HOST");
	char path[4096];
	FILE *f;

	if (!base || !*base)
		return;
	if (host && *host)
		snprintf(path, sizeof(path), "%s.%s", base, host);
	else
		snprintf(path, sizeof(path), "%s.%d", base, (int)getpid());
	f = fopen(path, "ae");
	if (!f)
		return;
	if (ftell(f) + alen + blen <= SL_CAPTURE_MAX) {
		fwrite(a, 1, alen, f);
		if (blen)
			fwrite(b, 1, blen, f);
	}
	fclose(f);
}

/* The GENERATION to send instead of the clock; false: none given. */
static inline bool sl_test_generation(uint64_t *gen)
{
	const char *t = getenv("SOFTLOCK_TEST_GENERATION");

	if (!t || !*t)
		return false;
	*gen = strtoull(t, NULL, 10);
	return true;
}

/* A fault is meant for the process it was given to, not its peers. */
static inline bool sl_test_var(const char *env_entry)
{
	return !strncmp(env_entry, "SOFTLOCK_TEST_", 14);
}
#else
#define sl_test_point(where) do { } while (0)
static inline void sl_test_kill_point(const char *cmd, const char *when)
{ (void)cmd; (void)when; }
static inline void sl_test_poweroff(const char *where) { (void)where; }
static inline void sl_test_data_done(void) { }
static inline void sl_test_corrupt_frame(uint8_t *frame, size_t len)
{ (void)frame; (void)len; }
static inline void sl_test_corrupt_data(uint8_t *buf, size_t len,
					unsigned long long nth,
					enum sl_test_corruption when)
{ (void)buf; (void)len; (void)nth; (void)when; }
static inline void sl_test_capture(const void *a, size_t alen,
				   const void *b, size_t blen)
{ (void)a; (void)alen; (void)b; (void)blen; }
static inline bool sl_test_generation(uint64_t *gen)
{ (void)gen; return false; }
static inline bool sl_test_var(const char *env_entry)
{ (void)env_entry; return false; }
#endif

#endif /* SL_TESTHOOK_H */
