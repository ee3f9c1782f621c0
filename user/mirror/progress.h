/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Progress of a transfer: a bar with rate and ETA on a terminal (stderr),
 * JSON lines on stdout with --json, nothing otherwise. At most a few
 * updates a second, and always one at the end.
 */
#ifndef SL_PROGRESS_H
#define SL_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

struct sl_progress {
	bool bar, json;
	uint64_t total, done;
	double start, last;	/* seconds, CLOCK_MONOTONIC */
	char what[128];		/* the snapshot being sent */
};

/* bar: draw on stderr if it is a terminal; json: lines on stdout. */
void sl_progress_start(struct sl_progress *p, const char *what,
		       uint64_t total, bool bar, bool json);
void sl_progress_add(struct sl_progress *p, uint64_t bytes);
void sl_progress_end(struct sl_progress *p, bool ok);
double sl_now(void);

#endif /* SL_PROGRESS_H */
