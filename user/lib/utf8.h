/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The rule for every text softlock keeps and shows (lock texts, datasets,
 * origins, names in the peer protocol): printable UTF-8. Well-formed
 * UTF-8 (RFC 3629: no stray or overlong sequence, no surrogate, nothing
 * past U+10FFFF) without control characters (C0, DEL, C1). softlock.ko
 * applies the same rule (sl_get_str), so what the helper accepts the
 * kernel takes, and what either stores can always be printed as JSON.
 */
#ifndef SL_UTF8_H
#define SL_UTF8_H

#include <stddef.h>
#include <stdint.h>

/*
 * 0 when the len bytes of s are printable UTF-8; -EILSEQ when they are
 * not UTF-8, -EINVAL for a control character, with *bad (may be NULL)
 * the offset of the sequence at fault and *cp its code point (for
 * -EINVAL; the byte there for -EILSEQ). Needs no memory: it always
 * tells.
 */
int sl_utf8_check(const char *s, size_t len, size_t *bad, uint32_t *cp);

#endif /* SL_UTF8_H */
