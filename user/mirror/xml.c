// SPDX-License-Identifier: GPL-2.0
/*
 * The tag parser. It is strict on purpose: the ranges it yields decide
 * which blocks a mirror copies, so output it does not fully understand
 * (a truncated run, a newer tool's format, a stray message on stdout)
 * must stop the transfer with an error naming the line, never be skipped.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "xml.h"

enum { SL_XML_TEXT, SL_XML_TAG, SL_XML_QUOTE };

static int sl_xml_fail(struct sl_xml *x, unsigned long line, const char *fmt,
		       ...) __attribute__((format(printf, 3, 4)));

static int sl_xml_fail(struct sl_xml *x, unsigned long line, const char *fmt,
		       ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(x->err, x->errlen, "line %lu: %s", line, msg);
	x->rc = -EPROTO;
	return x->rc;
}

void sl_xml_init(struct sl_xml *x, sl_xml_fn fn, void *arg, char *err,
		 size_t errlen)
{
	memset(x, 0, sizeof(*x));
	x->fn = fn;
	x->arg = arg;
	x->err = err;
	x->errlen = errlen;
	x->line = 1;
	if (errlen)
		err[0] = '\0';
}

const char *sl_xml_get(const struct sl_xml_tag *t, const char *name)
{
	int i;

	for (i = 0; i < t->nattr; i++)
		if (!strcmp(t->attr[i].name, name))
			return t->attr[i].value;
	return NULL;
}

static bool sl_xml_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool sl_xml_name_char(char c, bool first)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	    c == ':')
		return true;
	return !first && ((c >= '0' && c <= '9') || c == '-' || c == '.');
}

/* Length of the name at p, 0 when there is none. */
static size_t sl_xml_name(const char *p)
{
	size_t n = 0;

	while (sl_xml_name_char(p[n], n == 0))
		n++;
	return n;
}

/* &name; &#123; &#x1F; are well-formed; they are kept as written. */
static bool sl_xml_entity_ok(const char *p)
{
	size_t n;

	if (p[1] == '#' && p[2] == 'x') {
		for (n = 3; isxdigit((unsigned char)p[n]); n++)
			;
		return n > 3 && p[n] == ';';
	}
	if (p[1] == '#') {
		for (n = 2; isdigit((unsigned char)p[n]); n++)
			;
		return n > 2 && p[n] == ';';
	}
	n = sl_xml_name(p + 1);
	return n && p[n + 1] == ';';
}

static int sl_xml_emit(struct sl_xml *x, struct sl_xml_tag *t)
{
	char msg[400];
	int rc;

	t->line = x->tag_line;
	msg[0] = '\0';
	rc = x->fn(t, x->arg, msg, sizeof(msg));
	if (rc) {
		snprintf(x->err, x->errlen, "line %lu: %s", x->tag_line,
			 msg[0] ? msg : "rejected");
		x->rc = rc;
	}
	return rc;
}

static int sl_xml_end_tag(struct sl_xml *x, char *p)
{
	struct sl_xml_tag t = { .end = true };
	size_t n = sl_xml_name(p);
	char *q = p + n;

	while (sl_xml_space(*q))
		q++;
	if (!n || *q)
		return sl_xml_fail(x, x->tag_line, "malformed end tag </%s>", p);
	p[n] = '\0';
	if (!x->depth)
		return sl_xml_fail(x, x->tag_line,
				   "end tag </%s> without a start tag", p);
	if (strcmp(x->open[x->depth - 1], p))
		return sl_xml_fail(x, x->tag_line,
				   "end tag </%s> does not match <%s> of line %lu",
				   p, x->open[x->depth - 1],
				   x->open_line[x->depth - 1]);
	x->depth--;
	t.name = p;
	t.depth = x->depth;
	t.parent = x->depth ? x->open[x->depth - 1] : NULL;
	if (!x->depth)
		x->root_done = true;
	return sl_xml_emit(x, &t);
}

/* Attributes from p to the end of the tag; sets t->empty on "/". */
static int sl_xml_attrs(struct sl_xml *x, struct sl_xml_tag *t, char *p)
{
	bool space;
	size_t n;
	char *v, *e;
	int i;

	for (;;) {
		space = false;
		while (sl_xml_space(*p)) {
			p++;
			space = true;
		}
		if (!*p)
			return 0;
		if (p[0] == '/' && !p[1]) {
			t->empty = true;
			return 0;
		}
		n = sl_xml_name(p);
		if (!n || !space)
			return sl_xml_fail(x, x->tag_line,
					   "<%s>: expected an attribute name or the end of the tag at \"%.20s\"",
					   t->name, p);
		if (t->nattr == SL_XML_ATTRS_MAX)
			return sl_xml_fail(x, x->tag_line,
					   "<%s>: more than %d attributes",
					   t->name, SL_XML_ATTRS_MAX);
		t->attr[t->nattr].name = p;
		p += n;
		while (sl_xml_space(*p))
			*p++ = '\0';
		if (*p != '=')
			return sl_xml_fail(x, x->tag_line,
					   "<%s>: attribute %.*s has no value",
					   t->name, (int)n, t->attr[t->nattr].name);
		*p++ = '\0';
		while (sl_xml_space(*p))
			p++;
		if (*p != '"')
			return sl_xml_fail(x, x->tag_line,
					   "<%s>: the value of %s is not in double quotes",
					   t->name, t->attr[t->nattr].name);
		v = ++p;
		/* The tokenizer saw the closing quote before the '>'. */
		e = strchr(v, '"');
		*e = '\0';
		/* The tokenizer already refused '<' in values. */
		for (; *p; p++)
			if (*p == '&' && !sl_xml_entity_ok(p))
				return sl_xml_fail(x, x->tag_line,
						   "<%s>: malformed entity reference in the value of %s",
						   t->name, t->attr[t->nattr].name);
		for (i = 0; i < t->nattr; i++)
			if (!strcmp(t->attr[i].name, t->attr[t->nattr].name))
				return sl_xml_fail(x, x->tag_line,
						   "<%s>: attribute %s given twice",
						   t->name, t->attr[i].name);
		t->attr[t->nattr++].value = v;
		p = e + 1;
	}
}

static int sl_xml_start_tag(struct sl_xml *x, char *p)
{
	struct sl_xml_tag t = { 0 };
	size_t n = sl_xml_name(p);
	char name[SL_XML_NAME_MAX + 1];
	int rc;

	if (!n)
		return sl_xml_fail(x, x->tag_line, "malformed tag <%.40s>", p);
	if (n > SL_XML_NAME_MAX)
		return sl_xml_fail(x, x->tag_line, "element name longer than %d",
				   SL_XML_NAME_MAX);
	if (x->root_done)
		return sl_xml_fail(x, x->tag_line,
				   "<%.*s> after the end of the root element",
				   (int)n, p);
	memcpy(name, p, n);
	name[n] = '\0';
	t.name = name;
	rc = sl_xml_attrs(x, &t, p + n);
	if (rc)
		return rc;
	if (x->depth == SL_XML_DEPTH_MAX)
		return sl_xml_fail(x, x->tag_line, "elements nested deeper than %d",
				   SL_XML_DEPTH_MAX);
	t.depth = x->depth;
	t.parent = x->depth ? x->open[x->depth - 1] : NULL;
	x->root_seen = true;
	rc = sl_xml_emit(x, &t);
	if (rc)
		return rc;
	if (t.empty) {
		t.end = true;
		if (!x->depth)
			x->root_done = true;
		return sl_xml_emit(x, &t);
	}
	memcpy(x->open[x->depth], name, n + 1);
	x->open_line[x->depth++] = x->tag_line;
	return 0;
}

/* A whole tag is in x->buf (without its '<' and '>'). */
static int sl_xml_tag(struct sl_xml *x)
{
	char *p = x->buf;

	x->buf[x->len] = '\0';
	if (p[0] == '/')
		return sl_xml_end_tag(x, p + 1);
	if (p[0] == '?' || p[0] == '!')
		return sl_xml_fail(x, x->tag_line,
				   "<%c...>: declarations, comments and CDATA are not part of thin-provisioning-tools' output",
				   p[0]);
	return sl_xml_start_tag(x, p);
}

static int sl_xml_char(struct sl_xml *x, char c)
{
	unsigned char u = c;

	if (u < 0x20 && !sl_xml_space(c))
		return sl_xml_fail(x, x->line, "control character 0x%02x", u);
	switch (x->state) {
	case SL_XML_TEXT:
		if (c == '<') {
			x->state = SL_XML_TAG;
			x->len = 0;
			x->tag_line = x->line;
			return 0;
		}
		if (sl_xml_space(c))
			return 0;
		if (c == '>')
			return sl_xml_fail(x, x->line, "'>' outside a tag");
		return sl_xml_fail(x, x->line, "text outside tags (\"%c...\")",
				   u < 0x7f ? c : '?');
	case SL_XML_TAG:
		if (c == '>') {
			x->state = SL_XML_TEXT;
			return sl_xml_tag(x);
		}
		if (c == '<')
			return sl_xml_fail(x, x->line,
					   "'<' inside the tag that began on line %lu",
					   x->tag_line);
		if (c == '"')
			x->state = SL_XML_QUOTE;
		break;
	default:
		/* An unclosed quote would otherwise swallow the next tags. */
		if (c == '<')
			return sl_xml_fail(x, x->line,
					   "'<' in an attribute value (unclosed quote in the tag of line %lu?)",
					   x->tag_line);
		if (c == '"')
			x->state = SL_XML_TAG;
	}
	if (x->len == SL_XML_TAG_MAX)
		return sl_xml_fail(x, x->tag_line, "tag longer than %d bytes",
				   SL_XML_TAG_MAX);
	x->buf[x->len++] = c;
	return 0;
}

int sl_xml_feed(struct sl_xml *x, const char *data, size_t len)
{
	size_t i;

	for (i = 0; i < len && !x->rc; i++) {
		sl_xml_char(x, data[i]);
		/* Count after the character: its errors name its own line. */
		if (data[i] == '\n')
			x->line++;
	}
	return x->rc;
}

int sl_xml_finish(struct sl_xml *x)
{
	if (x->rc)
		return x->rc;
	if (x->state != SL_XML_TEXT)
		return sl_xml_fail(x, x->line,
				   "the input ends inside the tag that began on line %lu",
				   x->tag_line);
	if (x->depth)
		return sl_xml_fail(x, x->line,
				   "the input ends before </%s> (opened on line %lu)",
				   x->open[x->depth - 1], x->open_line[x->depth - 1]);
	if (!x->root_seen)
		return sl_xml_fail(x, x->line, "no XML element in the input");
	return 0;
}
