// SPDX-License-Identifier: GPL-2.0
/* Transfer progress: see progress.h. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "progress.h"

double sl_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sl_progress_show(struct sl_progress *p, bool final)
{
	double t = sl_now() - p->start;
	double rate = t > 0 ? p->done / t : 0;
	double eta = rate > 0 ? (p->total - p->done) / rate : 0;
	unsigned int pct = p->total ? p->done * 100 / p->total : 100;
	char bar[31];
	unsigned int i, fill = pct * 30 / 100;

	if (p->json) {
		printf("{\"event\":\"progress\",\"snapshot\":\"%s\",\"bytes_done\":%llu,\"bytes_total\":%llu,\"rate_bytes_per_s\":%.0f,\"eta_s\":%.1f,\"final\":%s}\n",
		       p->what, (unsigned long long)p->done,
		       (unsigned long long)p->total, rate, eta,
		       final ? "true" : "false");
		fflush(stdout);
	}
	if (!p->bar)
		return;
	for (i = 0; i < 30; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[30] = 0;
	fprintf(stderr, "\r%s [%s] %3u%% %7.1f MiB/s ETA %u:%02u%s", p->what,
		bar, pct, rate / 1048576, (unsigned int)eta / 60,
		(unsigned int)eta % 60, final ? "\n" : "");
}

void sl_progress_start(struct sl_progress *p, const char *what,
		       uint64_t total, bool bar, bool json)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->what, sizeof(p->what), "%s", what);
	p->total = total;
	p->bar = bar && isatty(STDERR_FILENO);
	p->json = json;
	p->start = p->last = sl_now();
}

void sl_progress_add(struct sl_progress *p, uint64_t bytes)
{
	double t;

	p->done += bytes;
	if (!p->bar && !p->json)
		return;
	t = sl_now();
	if (t - p->last < 0.25)
		return;
	p->last = t;
	sl_progress_show(p, false);
}

void sl_progress_end(struct sl_progress *p, bool ok)
{
	if (ok)
		p->done = p->total;
	sl_progress_show(p, true);
}
