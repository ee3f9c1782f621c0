// SPDX-License-Identifier: GPL-2.0
/*
 * Reading a message that sl_msg_parse() has checked: the getters of its
 * attributes and the walk over a LOCKSET's entries.
 */
#include <errno.h>
#include <string.h>

#include "msg_int.h"

static const uint8_t *sl_msg_attr(const struct sl_msg *m, uint16_t attr,
				  int kind, int *rc)
{
	if (!attr || attr > SL_A_MAX || sl_attrs[attr].kind != kind) {
		*rc = -EINVAL;
		return NULL;
	}
	*rc = m->attr[attr] ? 0 : -ENOENT;
	return m->attr[attr];
}

int sl_msg_get_u32(const struct sl_msg *m, uint16_t attr, uint32_t *v)
{
	const uint8_t *a;
	int rc;

	a = sl_msg_attr(m, attr, K_U32, &rc);
	if (a)
		*v = sl_le32(a + SL_ATTR_HDR_LEN);
	return rc;
}

int sl_msg_get_u64(const struct sl_msg *m, uint16_t attr, uint64_t *v)
{
	const uint8_t *a;
	int rc;

	a = sl_msg_attr(m, attr, K_U64, &rc);
	if (a)
		*v = sl_le64(a + SL_ATTR_HDR_LEN);
	return rc;
}

int sl_msg_get_str(const struct sl_msg *m, uint16_t attr, const char **s)
{
	const uint8_t *a;
	int rc;

	a = sl_msg_attr(m, attr, K_STR, &rc);
	if (a)
		*s = (const char *)a + SL_ATTR_HDR_LEN;
	return rc;
}

int sl_msg_get_bytes(const struct sl_msg *m, uint16_t attr, const void **p,
		     uint32_t *len)
{
	const uint8_t *a;
	int rc;

	a = sl_msg_attr(m, attr, K_BYTES, &rc);
	if (a) {
		*p = a + SL_ATTR_HDR_LEN;
		*len = sl_le32(a + 4);
	}
	return rc;
}

int sl_msg_get_gids(const struct sl_msg *m, uint16_t attr, const char **p,
		    size_t *count)
{
	const uint8_t *a;
	int rc;

	if (attr && attr <= SL_A_MAX && sl_attrs[attr].check != C_UUIDS)
		return -EINVAL;
	a = sl_msg_attr(m, attr, K_BYTES, &rc);
	if (a) {
		*p = (const char *)a + SL_ATTR_HDR_LEN;
		*count = sl_le32(a + 4) / SL_UUID_LEN;
	}
	return rc;
}

/*
 * Index an ENTRY checked when its LOCKSET was decoded (sl_msg_parse() or
 * sl_msg_end()): its values are not checked again, a set's texts being
 * most of its bytes. Its bounds, its strings' NULs and its required
 * attributes are, so that a caller's mistake cannot make a getter read
 * outside it. 1, or -EBADMSG.
 */
static int sl_entry_index(const uint8_t *p, uint32_t len, struct sl_msg *e)
{
	uint32_t off = 0, alen;
	uint64_t seen = 0;
	const uint8_t *a;
	uint16_t t;

	memset(e, 0, sizeof(*e));
	e->payload = p;
	e->len = len;
	while (off < len) {
		a = p + off;
		if (len - off < SL_ATTR_HDR_LEN)
			return -EBADMSG;
		t = sl_le16(a);
		alen = sl_le32(a + 4);
		if (!t || t > SL_A_MAX || !sl_entry_spec.pol[t] ||
		    alen > len - off - SL_ATTR_HDR_LEN)
			return -EBADMSG;
		/* A string's getter returns it as a C string. */
		if (sl_attrs[t].kind == K_STR &&
		    (!alen || a[SL_ATTR_HDR_LEN + alen - 1]))
			return -EBADMSG;
		if (!e->attr[t])
			e->attr[t] = a;
		seen |= 1ull << t;
		off += SL_ATTR_HDR_LEN + alen;
		off += -alen & 3;
		if (off > len)
			return -EBADMSG;
	}
	return (seen & sl_entry_req) == sl_entry_req ? 1 : -EBADMSG;
}

int sl_msg_next_entry(const struct sl_msg *m, size_t *pos, struct sl_msg *e)
{
	const uint8_t *a;
	uint32_t alen;

	while (*pos < m->len && m->len - *pos >= SL_ATTR_HDR_LEN) {
		a = m->payload + *pos;
		alen = sl_le32(a + 4);
		*pos += SL_ATTR_HDR_LEN + (size_t)alen + (-alen & 3);
		if (sl_le16(a) != SL_A_ENTRY)
			continue;
		if (alen > m->len - (a - m->payload) - SL_ATTR_HDR_LEN)
			return -EBADMSG;
		return sl_entry_index(a + SL_ATTR_HDR_LEN, alen, e);
	}
	return 0;
}
