// SPDX-License-Identifier: GPL-2.0
/*
 * The pure half of pcpi.h: PCPI names, identity tags, gids and
 * fingerprints, lvs report rows, device-mapper names and thin tables.
 * Nothing here runs LVM, so the host tests cover all of it. Parsing is
 * strict so that an LV another tool named or tagged alike is never
 * mistaken for a PCPI with a different identity: a malformed sl.*
 * identity counts as none at all.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "pcpi.h"
#include "../lib/json.h"
#include "../lvm/lvm.h"

int sl_pcpi_name(const char *vg, const char *lv, uint32_t seq, bool part,
		 char *buf, size_t size)
{
	char dm[SL_DM_NAME_MAX + 1];
	int n;

	if (!seq)
		return -EINVAL;
	n = snprintf(buf, size, "%s.sl.%u%s", lv, seq, part ? ".part" : "");
	if (n < 0 || (size_t)n >= size || n > SL_LV_NAME_MAX ||
	    (vg && sl_lvm_dm_name(vg, buf, "", dm, sizeof(dm))))
		return -ENAMETOOLONG;
	return 0;
}

int sl_pcpi_parse_name(const char *lv, const char *name, uint32_t *seq,
		       bool *part)
{
	const char *p = NULL, *d;
	uint64_t n = 0;
	size_t len;

	if (lv) {
		len = strlen(lv);
		if (!len || strncmp(name, lv, len) ||
		    strncmp(name + len, ".sl.", 4))
			return -EINVAL;
		p = name + len;
	} else {
		for (d = strstr(name, ".sl."); d; d = strstr(d + 1, ".sl."))
			p = d;
		if (!p || p == name)
			return -EINVAL;
	}
	p += 4;
	if (*p < '1' || *p > '9')
		return -EINVAL;
	for (d = p; *d >= '0' && *d <= '9'; d++) {
		n = n * 10 + (*d - '0');
		if (n > UINT32_MAX)
			return -EINVAL;
	}
	if (*d && strcmp(d, ".part"))
		return -EINVAL;
	*seq = n;
	*part = *d != '\0';
	return 0;
}

static bool sl_lowhex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

bool sl_gid_ok(const char *gid)
{
	int i;

	if (strlen(gid) != SL_GID_LEN)
		return false;
	for (i = 0; i < SL_GID_LEN; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (gid[i] != '-')
				return false;
		} else if (!sl_lowhex(gid[i])) {
			return false;
		}
	}
	return true;
}

static int sl_hexval(char c)
{
	return c <= '9' ? c - '0' : c - 'a' + 10;
}

int sl_fp_parse(const char *hex, uint8_t fp[SL_FP_LEN])
{
	int i;

	if (strlen(hex) != 2 * SL_FP_LEN)
		return -EINVAL;
	for (i = 0; i < 2 * SL_FP_LEN; i++)
		if (!sl_lowhex(hex[i]))
			return -EINVAL;
	for (i = 0; i < SL_FP_LEN; i++)
		fp[i] = sl_hexval(hex[2 * i]) << 4 | sl_hexval(hex[2 * i + 1]);
	return 0;
}

void sl_fp_hex(const uint8_t fp[SL_FP_LEN], char hex[2 * SL_FP_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	int i;

	for (i = 0; i < SL_FP_LEN; i++) {
		hex[2 * i] = digits[fp[i] >> 4];
		hex[2 * i + 1] = digits[fp[i] & 15];
	}
	hex[2 * SL_FP_LEN] = '\0';
}

int sl_pcpi_parse_tags(const char *tags, char gid[SL_GID_LEN + 1],
		       bool *has_fp, uint8_t fp[SL_FP_LEN])
{
	char val[2 * SL_FP_LEN + 1];
	const char *t, *end;
	bool bad = false;
	size_t len;

	gid[0] = '\0';
	*has_fp = false;
	for (t = tags; *t; t = *end ? end + 1 : end) {
		end = strchrnul(t, ',');
		len = end - t;
		if (len >= 7 && !strncmp(t, "sl.gid.", 7)) {
			if (gid[0] || len - 7 != SL_GID_LEN) {
				bad = true;
				continue;
			}
			memcpy(gid, t + 7, SL_GID_LEN);
			gid[SL_GID_LEN] = '\0';
			bad |= !sl_gid_ok(gid);
		} else if (len >= 6 && !strncmp(t, "sl.fp.", 6)) {
			if (*has_fp || len - 6 != 2 * SL_FP_LEN) {
				bad = true;
				continue;
			}
			memcpy(val, t + 6, 2 * SL_FP_LEN);
			val[2 * SL_FP_LEN] = '\0';
			bad |= sl_fp_parse(val, fp) != 0;
			*has_fp = true;
		}
	}
	if (!bad)
		return 0;
	gid[0] = '\0';
	*has_fp = false;
	memset(fp, 0, SL_FP_LEN);
	return -EINVAL;
}

/* A byte count or number as lvs prints it with --units b --nosuffix. */
static uint64_t sl_num(const char *s)
{
	return s ? strtoull(s, NULL, 10) : 0;
}

static const char *sl_str(const struct sl_json_obj *o, const char *key)
{
	const char *v = sl_json_get(o, key);

	return v ? v : "";
}

int sl_pcpi_from_row(const struct sl_json_obj *o, const char *lv,
		     struct sl_pcpi *p)
{
	const char *name = sl_str(o, "lv_name"), *vg = sl_str(o, "vg_name");
	const char *attr = sl_str(o, "lv_attr");

	memset(p, 0, sizeof(*p));
	if (!*vg || strlen(vg) > SL_LV_NAME_MAX ||
	    strlen(name) > SL_LV_NAME_MAX ||
	    sl_pcpi_parse_name(lv, name, &p->seq, &p->part))
		return -ENOENT;
	snprintf(p->vg, sizeof(p->vg), "%s", vg);
	snprintf(p->lv, sizeof(p->lv), "%s", name);
	if (strcmp(sl_str(o, "segtype"), "thin"))
		return -EINVAL;
	/* Malformed identity tags leave it untagged: nothing to do here. */
	sl_pcpi_parse_tags(sl_str(o, "lv_tags"), p->gid, &p->has_fp, p->fp);
	p->thin_id = sl_num(sl_json_get(o, "thin_id"));
	p->size = sl_num(sl_json_get(o, "lv_size"));
	/* lv_attr: [1] permission (r, R: read-only), [4] state (a: active). */
	p->active = !strcmp(sl_str(o, "lv_active"), "active") ||
		    (strlen(attr) > 4 && attr[4] == 'a');
	p->readonly = strlen(attr) > 1 && (attr[1] == 'r' || attr[1] == 'R');
	if (p->active) {
		p->major = sl_num(sl_json_get(o, "lv_kernel_major"));
		p->minor = sl_num(sl_json_get(o, "lv_kernel_minor"));
		sl_lvm_dm_uuid(sl_json_get(o, "vg_uuid"),
			       sl_json_get(o, "lv_uuid"), p->dm_uuid,
			       sizeof(p->dm_uuid));
	}
	snprintf(p->pool_lv, sizeof(p->pool_lv), "%s", sl_str(o, "pool_lv"));
	return 0;
}

/* A decimal without sign or leading space, up to max, ended by end. */
static const char *sl_dec(const char *s, char end, uint64_t max,
			  uint64_t *out)
{
	uint64_t n = 0;
	const char *d = s;

	for (; *d >= '0' && *d <= '9'; d++) {
		n = n * 10 + (*d - '0');
		if (n > max)
			return NULL;
	}
	if (d == s || *d != end)
		return NULL;
	*out = n;
	return d;
}

int sl_pcpi_thin_params(const char *params, unsigned int *pool_major,
			unsigned int *pool_minor, uint32_t *thin_id)
{
	uint64_t maj, min, id;
	const char *p;

	p = sl_dec(params, ':', 0xfff, &maj);
	if (p)
		p = sl_dec(p + 1, ' ', 0xfffff, &min);
	if (!p)
		return -EINVAL;
	/* dm-thin's ids are 24 bits; an external origin may follow. */
	if (!sl_dec(p + 1, '\0', 0xffffff, &id) &&
	    !sl_dec(p + 1, ' ', 0xffffff, &id))
		return -EINVAL;
	*pool_major = maj;
	*pool_minor = min;
	*thin_id = id;
	return 0;
}

/* ---- Random identities ---- */

static int sl_random(void *buf, size_t len)
{
	ssize_t n;
	size_t got = 0;

	while (got < len) {
		n = getrandom((char *)buf + got, len - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		got += n;
	}
	return 0;
}

int sl_gid_new(char gid[SL_GID_LEN + 1])
{
	uint8_t b[16];
	int rc = sl_random(b, sizeof(b)), i, w = 0;

	if (rc)
		return rc;
	b[6] = (b[6] & 0x0f) | 0x40;	/* version 4: random */
	b[8] = (b[8] & 0x3f) | 0x80;	/* variant 10: RFC 4122 */
	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			gid[w++] = '-';
		w += sprintf(gid + w, "%02x", b[i]);
	}
	return 0;
}

int sl_fp_new(uint8_t fp[SL_FP_LEN])
{
	return sl_random(fp, SL_FP_LEN);
}

static bool sl_published(const struct sl_pcpi *p)
{
	return !p->part && p->gid[0] && p->has_fp;
}

const struct sl_pcpi *sl_pcpi_newest(const struct sl_pcpi *p, size_t n)
{
	const struct sl_pcpi *best = NULL;
	size_t i;

	for (i = 0; i < n; i++)
		if (sl_published(&p[i]) && (!best || p[i].seq > best->seq))
			best = &p[i];
	return best;
}

const struct sl_pcpi *sl_pcpi_by_gid(const struct sl_pcpi *p, size_t n,
				     const char *gid)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (sl_published(&p[i]) && !strcmp(p[i].gid, gid))
			return &p[i];
	return NULL;
}

void sl_pcpi_dev(const struct sl_pcpi *p, char *buf, size_t size)
{
	snprintf(buf, size, "/dev/%s/%s", p->vg, p->lv);
}
