/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A streaming reader of thin-provisioning-tools' XML, on expat. Input is
 * fed in chunks of any size, as it arrives from the tool's pipe; each
 * element's start and end are handed to a callback as soon as expat has
 * read them, so neither the document nor a tree of it is ever held.
 * Anything the tools never print (text, comments, processing
 * instructions, a DOCTYPE, CDATA) is refused rather than skipped.
 */
#ifndef SL_XML_H
#define SL_XML_H

#include <stdbool.h>
#include <stddef.h>

#define SL_XML_TAG_MAX 1024	/* bytes of one start tag */
#define SL_XML_NAME_MAX 63
#define SL_XML_DEPTH_MAX 16
#define SL_XML_ATTRS_MAX 16

struct sl_xml_attr {
	const char *name;
	const char *value;	/* entity references decoded */
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
 * -errno with a message (no line number: the reader adds it) in msg.
 */
typedef int (*sl_xml_fn)(const struct sl_xml_tag *t, void *arg, char *msg,
			 size_t msglen);

struct sl_xml_state;

struct sl_xml {
	struct sl_xml_state *s;	/* expat's parser and the open elements */
	int rc;			/* sticky: the first error */
};

/* -ENOMEM, or 0 and x ready to be fed; sl_xml_finish frees it. */
int sl_xml_init(struct sl_xml *x, sl_xml_fn fn, void *arg, char *err,
		size_t errlen);
/* 0, or the first error (-EPROTO when malformed, or the callback's). */
int sl_xml_feed(struct sl_xml *x, const char *data, size_t len);
/*
 * The input ended: anything left open is an error. Frees the reader
 * whatever it returns (also after an error, without reading more).
 */
int sl_xml_finish(struct sl_xml *x);

/* The value of attribute name, or NULL. */
const char *sl_xml_get(const struct sl_xml_tag *t, const char *name);

#endif /* SL_XML_H */
