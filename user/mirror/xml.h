/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A streaming tag parser for the XML subset thin-provisioning-tools print:
 * elements with double-quoted attributes, self-closing tags, whitespace
 * between tags, and nothing else (no text, comments, declarations or
 * CDATA). Input is fed in chunks of any size; each tag is handed to a
 * callback as soon as its '>' arrives, so no document tree is ever built.
 */
#ifndef SL_XML_H
#define SL_XML_H

#include <stdbool.h>
#include <stddef.h>

#define SL_XML_TAG_MAX 1024	/* bytes between '<' and '>' */
#define SL_XML_NAME_MAX 63
#define SL_XML_DEPTH_MAX 16
#define SL_XML_ATTRS_MAX 16

struct sl_xml_attr {
	const char *name;
	const char *value;	/* raw: entity references are not decoded */
};

struct sl_xml_tag {
	const char *name;
	const char *parent;	/* the enclosing element, NULL for the root */
	int depth;		/* open elements around this one (root: 0) */
	bool end;		/* the element ends here (</x>, or after <x/>) */
	bool empty;		/* written <x/>: a start then an end event */
	unsigned long line;	/* where the tag's '<' is, from 1 */
	int nattr;
	struct sl_xml_attr attr[SL_XML_ATTRS_MAX];
};

/*
 * Called for every start and end of an element. Returns 0 to go on, or
 * -errno with a message (no line number: the parser adds it) in msg.
 */
typedef int (*sl_xml_fn)(const struct sl_xml_tag *t, void *arg, char *msg,
			 size_t msglen);

struct sl_xml {
	sl_xml_fn fn;
	void *arg;
	char *err;
	size_t errlen;
	int rc;			/* sticky: the first error */
	int state;
	unsigned long line, tag_line;
	size_t len;
	int depth;
	bool root_seen, root_done;
	char buf[SL_XML_TAG_MAX + 1];
	char open[SL_XML_DEPTH_MAX][SL_XML_NAME_MAX + 1];
	unsigned long open_line[SL_XML_DEPTH_MAX];
};

void sl_xml_init(struct sl_xml *x, sl_xml_fn fn, void *arg, char *err,
		 size_t errlen);
/* 0, or the first error (-EPROTO when malformed, or the callback's). */
int sl_xml_feed(struct sl_xml *x, const char *data, size_t len);
/* The input ended: anything left open is an error. */
int sl_xml_finish(struct sl_xml *x);

/* The value of attribute name, or NULL. */
const char *sl_xml_get(const struct sl_xml_tag *t, const char *name);

#endif /* SL_XML_H */
