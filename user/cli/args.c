// SPDX-License-Identifier: GPL-2.0
/* Command-line values: durations, ids, lock texts and selectors. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "../lib/utf8.h"

int sl_parse_duration(const char *s, int64_t *secs)
{
	static const struct { char unit; int64_t mul; } units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 },
		{ 'w', 604800 },
	};
	unsigned long long v;
	char *end;
	size_t i;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || v == 0)
		return -EINVAL;
	if (!*end) {
		*secs = v;
		return v > INT32_MAX ? -ERANGE : 0;
	}
	if (end[1])
		return -EINVAL;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (*end != units[i].unit)
			continue;
		if (v > (unsigned long long)INT32_MAX / units[i].mul)
			return -ERANGE;
		*secs = v * units[i].mul;
		return 0;
	}
	return -EINVAL;
}

int sl_parse_u32(const char *s, uint32_t max, uint32_t *v)
{
	unsigned long long n;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	if (n > max)
		return -ERANGE;
	*v = n;
	return 0;
}

bool sl_text_ok(const char *s, bool may_be_empty)
{
	size_t n = strlen(s);

	if (n > 255 || (!n && !may_be_empty))
		return false;
	return !sl_utf8_check(s, n, NULL, NULL);
}

const char *sl_fmt_age(int64_t secs, char *buf, size_t size)
{
	if (secs < 0)
		secs = 0;
	if (secs < 60)
		snprintf(buf, size, "%llds", (long long)secs);
	else if (secs < 3600)
		snprintf(buf, size, "%lldm", (long long)secs / 60);
	else if (secs < 86400)
		snprintf(buf, size, "%lldh%02lldm", (long long)secs / 3600,
			 (long long)secs % 3600 / 60);
	else
		snprintf(buf, size, "%lldd%02lldh", (long long)secs / 86400,
			 (long long)secs % 86400 / 3600);
	return buf;
}

int sl_selector_check(const struct sl_selector *sel, uint32_t *id,
		      char *err, size_t errlen)
{
	if (sel->vglv && (sel->pool || sel->id)) {
		snprintf(err, errlen,
			 "name the snapshot either as VG/LV or with --pool and --id, not both");
		return -EINVAL;
	}
	if (sel->vglv)
		return 0;
	if (!sel->pool || !sel->id) {
		snprintf(err, errlen,
			 "name a snapshot: VG/LV, or --pool /dev/mapper/NAME --id N");
		return -EINVAL;
	}
	if (sl_parse_u32(sel->id, 16777215, id)) {
		snprintf(err, errlen, "--id %s: not a thin device id (0..16777215)",
			 sel->id);
		return -EINVAL;
	}
	return 0;
}
