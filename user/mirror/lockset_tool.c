// SPDX-License-Identifier: GPL-2.0
/*
 * sl_lockset_send: the destination's end of a release session carrying
 * one LOCKSET as large as a frame allows, for the lock-set benchmark
 * (bench/lockset_bench.sh). It talks the peer protocol on stdin/stdout to
 * a `softlock serve --stdio` of the source, so the set goes through the
 * real server path: read, de-duplicated, checked, recorded in the
 * catalog and installed in the kernel.
 *
 *   sl_lockset_send [--max-bytes N] REL VOLUME DATASET PER_GID DUP_EVERY GID...
 *
 * Entries name the GIDs in turn, PER_GID distinct application locks each
 * (the source's kernel takes at most max_locks_per_pcpi locks of one
 * PCPI), then ids no PCPI has (the source counts them missing); every
 * DUP_EVERY-th entry (0: none) repeats an earlier one. Entries are added
 * until the next would not fit in the frame, or in N bytes with
 * --max-bytes (the benchmark's smaller sets: the cost of a set against
 * its size). Prints one line to stderr
 * as soon as the LOCKSET_ACK is in, before the session's BYE:
 * "entries N duplicates D bytes B apply_us T sent_us S", T being the time
 * from sending the LOCKSET to its LOCKSET_ACK and S the wall clock (µs
 * since the epoch) when sending began, so that the benchmark can place
 * the source's test points (SOFTLOCK_TEST_AT) within T.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/softlock.h>

#include "session.h"

/* Room for the message's other attributes and one more entry. */
#define SL_ROOM 1024

static uint64_t sl_now_us(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The time sl_msg_end() takes on a copy of the open frame in b; 0 if none. */
static uint64_t sl_check_us(const struct sl_pbuf *b)
{
	struct sl_pbuf c = *b;
	char err[256];
	uint64_t t0;

	c.data = malloc(b->cap);
	if (!c.data)
		return 0;
	memcpy(c.data, b->data, b->len);
	t0 = sl_now_us(CLOCK_MONOTONIC);
	if (sl_msg_end(&c, NULL, err, sizeof(err)))
		fprintf(stderr, "sl_lockset_send: %s\n", err);
	t0 = sl_now_us(CLOCK_MONOTONIC) - t0;
	free(c.data);
	return t0;
}

static void sl_put_entry(struct sl_pbuf *b, const char *gid, unsigned long i)
{
	char text[24];
	size_t nest;

	snprintf(text, sizeof(text), "%lx", i);
	nest = sl_msg_nest_begin(b, SL_A_ENTRY);
	sl_msg_put_str(b, SL_A_GLOBAL_ID, gid);
	sl_msg_put_str(b, SL_A_SNAPSHOT, "s");
	sl_msg_put_u32(b, SL_A_LOCK_TYPE, SOFTLOCK_LOCK_TYPE_APP);
	sl_msg_put_str(b, SL_A_TEXT, text);
	sl_msg_nest_end(b, nest);
}

int main(int argc, char **argv)
{
	unsigned long per_gid, dup_every, n = 0, dups = 0, i;
	unsigned long max_bytes = SL_FRAME_MAX;
	char missing[SL_UUID_LEN + 1];
	struct sl_session s;
	struct sl_pbuf *b;
	uint64_t t0, t1, sent, check_us;
	size_t bytes;
	int ngid, rc;

	if (argc > 2 && !strcmp(argv[1], "--max-bytes")) {
		max_bytes = strtoul(argv[2], NULL, 10);
		if (max_bytes > SL_FRAME_MAX)
			max_bytes = SL_FRAME_MAX;
		argc -= 2;
		argv += 2;
	}
	if (argc < 7) {
		fprintf(stderr, "usage: sl_lockset_send [--max-bytes N] REL VOLUME DATASET PER_GID DUP_EVERY GID...\n");
		return 2;
	}
	per_gid = strtoul(argv[4], NULL, 10);
	dup_every = strtoul(argv[5], NULL, 10);
	ngid = argc - 6;
	sl_sess_init(&s, 0, 1, true, SL_ROLE_DESTINATION, "bench");
	rc = sl_sess_hello_purpose(&s, argv[1], argv[2], SL_PURPOSE_RELEASE);
	if (rc)
		goto fail;
	b = sl_sess_begin(&s, SL_MSG_LOCKSET);
	sl_msg_put_str(b, SL_A_RELATIONSHIP, argv[1]);
	sl_msg_put_u32(b, SL_A_PHASE, SL_PHASE_AFTER);
	sl_msg_put_str(b, SL_A_DATASET, argv[3]);
	sl_msg_put_u64(b, SL_A_GENERATION, 1);
	for (i = 0; b->len + SL_ROOM < max_bytes; i++) {
		unsigned long k = i;

		/* A repeat of entry k / 2: the same gid and text. */
		if (dup_every && i && i % dup_every == 0) {
			k = (i - dups) / 2;
			dups++;
		} else {
			k = i - dups;
		}
		if (k < per_gid * ngid) {
			sl_put_entry(b, argv[6 + k % ngid], k);
		} else {
			/* Ids no PCPI has: 00000000-0000-4000-8000-KKKKKKKKKKKK. */
			snprintf(missing, sizeof(missing),
				 "00000000-0000-4000-8000-%012lx", k);
			sl_put_entry(b, missing, k);
		}
		n++;
	}
	bytes = b->len;
	/*
	 * sl_sess_send() checks the frame against the peer's policy before
	 * writing it, inside the timed span: the same check of a copy, timed
	 * here, tells how much of the span is this end's, not the server's.
	 */
	check_us = sl_check_us(b);
	sent = sl_now_us(CLOCK_REALTIME);
	t0 = sl_now_us(CLOCK_MONOTONIC);
	rc = sl_sess_send(&s);
	if (!rc)
		rc = sl_sess_recv(&s, SL_MSG_LOCKSET_ACK);
	t1 = sl_now_us(CLOCK_MONOTONIC);
	if (rc)
		goto fail;
	fprintf(stderr, "entries %lu duplicates %lu bytes %zu apply_us %llu sent_us %llu check_us %llu\n",
		n, dups, bytes, (unsigned long long)(t1 - t0),
		(unsigned long long)sent, (unsigned long long)check_us);
	fflush(stderr);
	sl_sess_begin(&s, SL_MSG_BYE);
	rc = sl_sess_send(&s);
	if (!rc)
		rc = sl_sess_recv(&s, SL_MSG_BYE);
	if (rc)
		goto fail;
	sl_sess_free(&s);
	return 0;
fail:
	fprintf(stderr, "sl_lockset_send: %s\n", s.err);
	sl_sess_free(&s);
	return 1;
}
