/* SPDX-License-Identifier: GPL-2.0 */
/* Parsing of the helper's command-line values: pure functions, unit-tested. */
#ifndef SL_ARGS_H
#define SL_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "90", "90s", "15m", "2h", "7d", "1w" to seconds; -EINVAL when malformed. */
int sl_parse_duration(const char *s, int64_t *secs);
/* Non-negative decimal id up to max. */
int sl_parse_u32(const char *s, uint32_t max, uint32_t *v);
/* 1..255 bytes of printable UTF-8 (see lib/utf8.h). */
bool sl_text_ok(const char *s, bool may_be_empty);
/* "1h 5m" style age for listings, into buf. */
const char *sl_fmt_age(int64_t secs, char *buf, size_t size);

/* A snapshot as the user named it: VG/LV, or --pool DEV --id N. */
struct sl_selector {
	const char *vglv;
	const char *pool;
	const char *id;
};

/*
 * Check that exactly one form is given; err explains what is wrong.
 * *id receives the thin id of the raw form.
 */
int sl_selector_check(const struct sl_selector *sel, uint32_t *id,
		      char *err, size_t errlen);

#endif /* SL_ARGS_H */
