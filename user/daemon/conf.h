/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /etc/softlock/softlock.conf, see softlock.conf(5): the daemon's own
 * settings and the relationships it keeps up to date. A pure parser (no
 * catalog, no kernel) so that `softlock daemon --check` and the host unit
 * tests see exactly what the daemon would run.
 */
#ifndef SL_CONF_H
#define SL_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SL_CONF_DEFAULT "/etc/softlock/softlock.conf"
#define SL_CONF_NAME_MAX 63	/* = SL_REL_NAME_MAX: the catalog's key */

/* The shortest `every`: a schedule tighter than that is a loop. */
#define SL_CONF_EVERY_MIN 10
/* = mirror.c's SL_LEASE_MIN: a lease must outlive an update. */
#define SL_CONF_LEASE_MIN 10
#define SL_CONF_TIMEOUT_DEFAULT (6 * 3600)

struct sl_conf_rel {
	char name[SL_CONF_NAME_MAX + 1];
	char src[1300];		/* as the catalog stores it (normalized) */
	char dst[1300];
	uint32_t every;		/* seconds, or 0 with at_min >= 0 */
	int at_min;		/* minute of the (local) day, or -1 */
	uint32_t keep;		/* 0: keep every PCPI, as mirror init */
	uint32_t lease;		/* 0: locks never expire */
	uint32_t timeout;	/* seconds an update may run */
	unsigned int line;	/* of its section header, for messages */
};

struct sl_conf {
	bool tls;		/* also serve peers (softlock serve --tls) */
	char listen[300];	/* "" : every address, port 7433 */
	uint32_t max_sessions;
	uint32_t max_handshakes;	/* serve --tls's gate: serve_gate.h */
	uint32_t max_handshakes_per_address;
	uint32_t handshake_timeout;	/* seconds */
	uint32_t max_updates;	/* updates running at once */
	struct sl_conf_rel *rel;
	size_t n;
};

/*
 * Parse the text of a config file named file (for messages). On error
 * returns -EINVAL (or -ENOMEM) and err holds "FILE:LINE: what is wrong:
 * what to write instead". *c is valid (and must be freed) either way.
 */
int sl_conf_parse(const char *text, const char *file, struct sl_conf *c,
		  char *err, size_t errlen);
/* Read and parse path; an unreadable file is an error naming it. */
int sl_conf_load(const char *path, struct sl_conf *c, char *err,
		 size_t errlen);
void sl_conf_free(struct sl_conf *c);
const struct sl_conf_rel *sl_conf_find(const struct sl_conf *c,
				       const char *name);

/*
 * Is r due at now, given its last update at last (0: never)? A
 * relationship never updated is due at once (its baseline); `every` runs
 * that long after the last update; `at` once per day at HH:MM local time
 * (a day missed while the daemon was down runs once, at its start).
 * *next is the time it is next due when it is not due now.
 */
bool sl_conf_due(const struct sl_conf_rel *r, int64_t last, int64_t now,
		 int64_t *next);

/* "every 15m" / "at 02:30", for plans and logs. */
void sl_conf_schedule(const struct sl_conf_rel *r, char *buf, size_t size);
/* A duration the way the config writes it: 90s, 15m, 2h, 1d. */
void sl_conf_duration(uint32_t secs, char *buf, size_t size);

#endif /* SL_CONF_H */
