// SPDX-License-Identifier: GPL-2.0
/*
 * Checking text is printable UTF-8 with glibc's own UTF-8 decoder
 * (iconv's built-in UTF-8 to UCS-4 conversion, which needs no gconv
 * module or locale): it refuses stray, overlong and surrogate sequences;
 * the limit of U+10FFFF and the control characters are checked here on
 * the decoded code points.
 */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <iconv.h>

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
	/* UCS-4LE rather than WCHAR_T: the same on every host. */
	iconv_t cd = iconv_open("UCS-4LE", "UTF-8");
	char *in = (char *)s, *o;
	size_t il = len, ol, off, r;
	uint32_t c;
	int rc = 0;

	if (cd == (iconv_t)-1)
		return -ENOMEM;
	/* One code point at a time: each error then has its offset. */
	while (il && !rc) {
		off = len - il;
		o = (char *)&c;
		ol = sizeof(c);
		r = iconv(cd, &in, &il, &o, &ol);
		if (r == (size_t)-1 && errno != E2BIG) {
			/*
			 * EILSEQ, or EINVAL: the text ends inside a sequence.
			 * Where: iconv stops on it (a code point before it
			 * may have been converted in the same call).
			 */
			off = len - il;
			rc = sl_utf8_bad(bad, cp, off, (unsigned char)s[off],
					 -EILSEQ);
			break;
		}
		c = le32toh(c);
		if (c > 0x10ffff)
			rc = sl_utf8_bad(bad, cp, off, (unsigned char)s[off],
					 -EILSEQ);
		/* C0, DEL and C1 controls: nothing a person can read. */
		else if (c < 0x20 || (c >= 0x7f && c < 0xa0))
			rc = sl_utf8_bad(bad, cp, off, c, -EINVAL);
	}
	iconv_close(cd);
	return rc;
}
