// SPDX-License-Identifier: GPL-2.0
/*
 * Checking text is printable UTF-8, in one pass over the bytes. A lock
 * set carries three texts per entry and some 175,000 entries, checked at
 * both ends: opening an iconv descriptor per text and converting one code
 * point per call made this most of a set's apply time.
 *
 * The rule is RFC 3629's, the one softlock.ko's sl_get_str() applies with
 * utf8_to_utf32(): a lead byte then its continuation bytes (10xxxxxx),
 * the shortest form only, no surrogate (U+D800..U+DFFF), nothing past
 * U+10FFFF; then no control character (C0, DEL, C1).
 */
#include <errno.h>

#include "utf8.h"

static int sl_utf8_bad(size_t *bad, uint32_t *cp, size_t off, uint32_t c,
		       int rc)
{
	if (bad)
		*bad = off;
	if (cp)
		*cp = c;
	return rc;
}

/*
 * The code point of the sequence at u[0] (of avail bytes) in *c and its
 * length, or 0 when it is not a well-formed sequence.
 */
static size_t sl_utf8_seq(const unsigned char *u, size_t avail, uint32_t *c)
{
	/* The least code point each length may encode (shortest form). */
	static const uint32_t least[] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t n, i;
	uint32_t v;

	if (u[0] < 0x80) {
		*c = u[0];
		return 1;
	}
	if (u[0] >= 0xc0 && u[0] < 0xe0) {
		n = 2;
		v = u[0] & 0x1f;
	} else if (u[0] >= 0xe0 && u[0] < 0xf0) {
		n = 3;
		v = u[0] & 0x0f;
	} else if (u[0] >= 0xf0 && u[0] < 0xf8) {
		n = 4;
		v = u[0] & 0x07;
	} else {
		/* A stray continuation byte, or a 5- or 6-byte form. */
		return 0;
	}
	if (avail < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((u[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (u[i] & 0x3f);
	}
	if (v < least[n] || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*c = v;
	return n;
}

int sl_utf8_check(const char *s, size_t len, size_t *bad, uint32_t *cp)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t off = 0, n;
	uint32_t c;

	while (off < len) {
		/* Printable ASCII, nearly every byte of a lock set. */
		if (u[off] >= 0x20 && u[off] < 0x7f) {
			off++;
			continue;
		}
		n = sl_utf8_seq(u + off, len - off, &c);
		/* At fault: the sequence, as its first byte. */
		if (!n)
			return sl_utf8_bad(bad, cp, off, u[off], -EILSEQ);
		if (c < 0x20 || (c >= 0x7f && c < 0xa0))
			return sl_utf8_bad(bad, cp, off, c, -EINVAL);
		off += n;
	}
	return 0;
}
