// SPDX-License-Identifier: GPL-2.0
/*
 * The reader of thin-provisioning-tools' XML, on expat. It is strict on
 * purpose: the ranges it yields decide which blocks a mirror copies, so
 * output it does not fully understand (a truncated run, a newer tool's
 * format, a stray message on stdout) must stop the transfer with an error
 * naming the line, never be skipped.
 *
 * Memory stays bounded whatever the size of the output: expat keeps only
 * the token it is reading, and this file only the names of the open
 * elements (at most SL_XML_DEPTH_MAX of them).
 */
#include <errno.h>
#include <expat.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xml.h"

struct sl_xml_state {
	XML_Parser p;
	struct sl_xml *x;
	sl_xml_fn fn;
	void *arg;
	char *err;
	size_t errlen;
	int depth;
	bool root_seen;
	char open[SL_XML_DEPTH_MAX][SL_XML_NAME_MAX + 1];
	unsigned long open_line[SL_XML_DEPTH_MAX];
};

static void sl_xml_fail(struct sl_xml_state *s, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Record the first error and stop expat: nothing after it is trusted. */
static void sl_xml_fail(struct sl_xml_state *s, int rc, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (s->x->rc)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(s->err, s->errlen, "line %lu: %s",
		 (unsigned long)XML_GetCurrentLineNumber(s->p), msg);
	s->x->rc = rc;
	XML_StopParser(s->p, XML_FALSE);
}

static void sl_xml_call(struct sl_xml_state *s, struct sl_xml_tag *t)
{
	char msg[512] = "";
	int rc;

	rc = s->fn(t, s->arg, msg, sizeof(msg));
	if (rc)
		sl_xml_fail(s, rc, "%s", msg);
}

static void XMLCALL sl_xml_start(void *data, const XML_Char *name,
				 const XML_Char **atts)
{
	struct sl_xml_state *s = data;
	struct sl_xml_tag t = { .name = name };
	int i;

	if (s->x->rc)
		return;
	s->root_seen = true;
	if (XML_GetCurrentByteCount(s->p) > SL_XML_TAG_MAX) {
		sl_xml_fail(s, -EPROTO, "tag longer than %d bytes",
			    SL_XML_TAG_MAX);
		return;
	}
	if (s->depth == SL_XML_DEPTH_MAX) {
		sl_xml_fail(s, -EPROTO, "elements nested deeper than %d",
			    SL_XML_DEPTH_MAX);
		return;
	}
	if (strlen(name) > SL_XML_NAME_MAX) {
		sl_xml_fail(s, -EPROTO, "element name longer than %d bytes",
			    SL_XML_NAME_MAX);
		return;
	}
	for (i = 0; atts[2 * i]; i++) {
		if (i == SL_XML_ATTRS_MAX) {
			sl_xml_fail(s, -EPROTO, "<%s>: more than %d attributes",
				    name, SL_XML_ATTRS_MAX);
			return;
		}
		t.attr[i].name = atts[2 * i];
		t.attr[i].value = atts[2 * i + 1];
	}
	t.nattr = i;
	t.depth = s->depth;
	t.parent = s->depth ? s->open[s->depth - 1] : NULL;
	t.line = XML_GetCurrentLineNumber(s->p);
	strcpy(s->open[s->depth], name);
	s->open_line[s->depth] = t.line;
	s->depth++;
	sl_xml_call(s, &t);
}

static void XMLCALL sl_xml_end(void *data, const XML_Char *name)
{
	struct sl_xml_state *s = data;
	struct sl_xml_tag t = { .name = name, .end = true };

	if (s->x->rc)
		return;
	s->depth--;
	t.depth = s->depth;
	t.parent = s->depth ? s->open[s->depth - 1] : NULL;
	t.line = XML_GetCurrentLineNumber(s->p);
	/* expat reports the end of <x/> as an event of no bytes of its own. */
	t.empty = XML_GetCurrentByteCount(s->p) == 0;
	sl_xml_call(s, &t);
}

static void XMLCALL sl_xml_text(void *data, const XML_Char *text, int len)
{
	struct sl_xml_state *s = data;
	int i;

	for (i = 0; i < len; i++)
		if (!strchr(" \t\r\n", text[i])) {
			sl_xml_fail(s, -EPROTO, "text outside tags (\"%c...\")",
					   text[i]);
			return;
		}
}

static void sl_xml_foreign(struct sl_xml_state *s)
{
	sl_xml_fail(s, -EPROTO,
		    "declarations, comments, processing instructions and CDATA are not part of thin-provisioning-tools' output");
}

static void XMLCALL sl_xml_decl(void *data, const XML_Char *version,
				const XML_Char *encoding, int standalone)
{
	(void)version;
	(void)encoding;
	(void)standalone;
	sl_xml_foreign(data);
}

static void XMLCALL sl_xml_comment(void *data, const XML_Char *text)
{
	(void)text;
	sl_xml_foreign(data);
}

static void XMLCALL sl_xml_pi(void *data, const XML_Char *target,
			      const XML_Char *text)
{
	(void)target;
	(void)text;
	sl_xml_foreign(data);
}

static void XMLCALL sl_xml_doctype(void *data, const XML_Char *name,
				   const XML_Char *sysid, const XML_Char *pubid,
				   int has_internal_subset)
{
	(void)name;
	(void)sysid;
	(void)pubid;
	(void)has_internal_subset;
	sl_xml_foreign(data);
}

static void XMLCALL sl_xml_cdata(void *data)
{
	sl_xml_foreign(data);
}

int sl_xml_init(struct sl_xml *x, sl_xml_fn fn, void *arg, char *err,
		size_t errlen)
{
	struct sl_xml_state *s;

	memset(x, 0, sizeof(*x));
	if (errlen)
		err[0] = '\0';
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	/* The tools print ASCII; UTF-8 is what anything else must be. */
	s->p = XML_ParserCreate("UTF-8");
	if (!s->p) {
		free(s);
		return -ENOMEM;
	}
	s->x = x;
	s->fn = fn;
	s->arg = arg;
	s->err = err;
	s->errlen = errlen;
	XML_SetUserData(s->p, s);
	XML_SetElementHandler(s->p, sl_xml_start, sl_xml_end);
	XML_SetCharacterDataHandler(s->p, sl_xml_text);
	XML_SetXmlDeclHandler(s->p, sl_xml_decl);
	XML_SetCommentHandler(s->p, sl_xml_comment);
	XML_SetProcessingInstructionHandler(s->p, sl_xml_pi);
	XML_SetStartDoctypeDeclHandler(s->p, sl_xml_doctype);
	XML_SetStartCdataSectionHandler(s->p, sl_xml_cdata);
	x->s = s;
	return 0;
}

const char *sl_xml_get(const struct sl_xml_tag *t, const char *name)
{
	int i;

	for (i = 0; i < t->nattr; i++)
		if (!strcmp(t->attr[i].name, name))
			return t->attr[i].value;
	return NULL;
}

/* expat refused the input: say why, in the words of what was open. */
static void sl_xml_syntax(struct sl_xml_state *s, bool final)
{
	enum XML_Error e = XML_GetErrorCode(s->p);

	if (final && !s->root_seen && e == XML_ERROR_NO_ELEMENTS)
		sl_xml_fail(s, -EPROTO, "no XML element in the input");
	else if (final && s->depth && (e == XML_ERROR_NO_ELEMENTS ||
				       e == XML_ERROR_UNCLOSED_TOKEN ||
				       e == XML_ERROR_PARTIAL_CHAR))
		sl_xml_fail(s, -EPROTO, "the input ends before </%s> (opened on line %lu)",
			    s->open[s->depth - 1], s->open_line[s->depth - 1]);
	else
		sl_xml_fail(s, -EPROTO, "%s", XML_ErrorString(e));
}

int sl_xml_feed(struct sl_xml *x, const char *data, size_t len)
{
	struct sl_xml_state *s = x->s;
	int n;

	if (!s)
		return x->rc ?: -EINVAL;
	while (!x->rc && len) {
		n = len > INT_MAX ? INT_MAX : (int)len;
		if (XML_Parse(s->p, data, n, XML_FALSE) != XML_STATUS_OK &&
		    !x->rc)
			sl_xml_syntax(s, false);
		data += n;
		len -= n;
	}
	return x->rc;
}

int sl_xml_finish(struct sl_xml *x)
{
	struct sl_xml_state *s = x->s;

	if (!s)
		return x->rc ?: -EINVAL;
	if (!x->rc && XML_Parse(s->p, NULL, 0, XML_TRUE) != XML_STATUS_OK &&
	    !x->rc)
		sl_xml_syntax(s, true);
	XML_ParserFree(s->p);
	free(s);
	x->s = NULL;
	return x->rc;
}
