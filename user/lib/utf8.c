// SPDX-License-Identifier: GPL-2.0
/*
 * Checking text is printable UTF-8. Well-formedness is GNU libunistring's
 * u8_check(): RFC 3629, the rule softlock.ko's sl_get_str() applies with
 * utf8_to_utf32() (the shortest form only, no surrogate U+D800..U+DFFF,
 * nothing past U+10FFFF). Then no control character (C0, DEL, C1), in a
 * second pass that skips printable ASCII, nearly every byte of a lock
 * set. A lock set carries three texts per entry and some 175,000 entries,
 * checked at both ends: iconv, opened per text and converting one code
 * point per call, was most of a set's apply time.
 */
#include <errno.h>
#include <unistr.h>

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

int sl_utf8_check(const char *s, size_t len, size_t *bad, uint32_t *cp)
{
	const uint8_t *u = (const uint8_t *)s, *at;
	size_t off = 0;
	ucs4_t c;
	int n;

	/* At fault: the sequence, as its first byte. */
	at = u8_check(u, len);
	if (at)
		return sl_utf8_bad(bad, cp, at - u, *at, -EILSEQ);
	while (off < len) {
		if (u[off] >= 0x20 && u[off] < 0x7f) {
			off++;
			continue;
		}
		/* Well-formed: the whole of it was checked above. */
		n = u8_mbtouc_unsafe(&c, u + off, len - off);
		if (c < 0x20 || (c >= 0x7f && c < 0xa0))
			return sl_utf8_bad(bad, cp, off, c, -EINVAL);
		off += n;
	}
	return 0;
}
