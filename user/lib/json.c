// SPDX-License-Identifier: GPL-2.0
/*
 * A small recursive-descent JSON reader. It keeps only flat objects (the
 * rows of an LVM report); nested values are parsed and skipped. Strings are
 * decoded (\uXXXX to UTF-8); malformed input is an error, never a guess.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

#define SL_JSON_MAX_DEPTH 16

struct sl_jp {
	const char *p;
	int (*fn)(const struct sl_json_obj *o, void *arg);
	void *arg;
	int depth;
};

static void sl_ws(struct sl_jp *j)
{
	while (isspace((unsigned char)*j->p))
		j->p++;
}

static int sl_put_utf8(char *out, unsigned int c)
{
	if (c < 0x80) {
		out[0] = c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = 0xc0 | (c >> 6);
		out[1] = 0x80 | (c & 0x3f);
		return 2;
	}
	out[0] = 0xe0 | (c >> 12);
	out[1] = 0x80 | ((c >> 6) & 0x3f);
	out[2] = 0x80 | (c & 0x3f);
	return 3;
}

/* Parse a string at j->p (on the quote); *out is malloc'ed when wanted. */
static int sl_string(struct sl_jp *j, char **out)
{
	const char *s = ++j->p;
	char *buf, *w;
	unsigned int c;

	buf = malloc(strlen(s) + 1);
	if (!buf)
		return -ENOMEM;
	for (w = buf; *j->p != '"'; j->p++) {
		if (!*j->p || (unsigned char)*j->p < 0x20)
			goto bad;
		if (*j->p != '\\') {
			*w++ = *j->p;
			continue;
		}
		switch (*++j->p) {
		case '"': case '\\': case '/': *w++ = *j->p; break;
		case 'b': *w++ = '\b'; break;
		case 'f': *w++ = '\f'; break;
		case 'n': *w++ = '\n'; break;
		case 'r': *w++ = '\r'; break;
		case 't': *w++ = '\t'; break;
		case 'u':
			if (sscanf(j->p + 1, "%4x", &c) != 1 ||
			    !isxdigit((unsigned char)j->p[4]))
				goto bad;
			w += sl_put_utf8(w, c);
			j->p += 4;
			break;
		default:
			goto bad;
		}
	}
	j->p++;
	*w = '\0';
	if (out)
		*out = buf;
	else
		free(buf);
	return 0;
bad:
	free(buf);
	return -EINVAL;
}

static int sl_value(struct sl_jp *j, char **scalar);

static void sl_obj_free(struct sl_json_obj *o)
{
	int i;

	for (i = 0; i < o->n; i++) {
		free(o->key[i]);
		free(o->val[i]);
	}
}

static int sl_object(struct sl_jp *j)
{
	struct sl_json_obj o = { 0 };
	int flat = 1, err = 0;
	char *key, *val;

	j->p++;
	sl_ws(j);
	while (*j->p != '}') {
		if (*j->p != '"') {
			err = -EINVAL;
			break;
		}
		err = sl_string(j, &key);
		if (err)
			break;
		sl_ws(j);
		if (*j->p++ != ':') {
			free(key);
			err = -EINVAL;
			break;
		}
		val = NULL;
		err = sl_value(j, &val);
		if (err || !val || o.n == SL_JSON_MAX_KEYS) {
			flat = flat && !err && val;
			free(key);
			free(val);
			if (err)
				break;
		} else {
			o.key[o.n] = key;
			o.val[o.n++] = val;
		}
		sl_ws(j);
		if (*j->p == ',') {
			j->p++;
			sl_ws(j);
		} else if (*j->p != '}') {
			err = -EINVAL;
			break;
		}
	}
	if (!err) {
		j->p++;
		if (flat && o.n)
			err = j->fn(&o, j->arg);
	}
	sl_obj_free(&o);
	return err;
}

static int sl_array(struct sl_jp *j)
{
	int err;

	j->p++;
	sl_ws(j);
	while (*j->p != ']') {
		err = sl_value(j, NULL);
		if (err)
			return err;
		sl_ws(j);
		if (*j->p == ',')
			j->p++;
		else if (*j->p != ']')
			return -EINVAL;
	}
	j->p++;
	return 0;
}

/* A value; for scalars *scalar (when given) gets their text. */
static int sl_value(struct sl_jp *j, char **scalar)
{
	const char *start;
	int err;

	sl_ws(j);
	if (*j->p == '{' || *j->p == '[') {
		if (++j->depth > SL_JSON_MAX_DEPTH)
			return -EINVAL;
		err = *j->p == '{' ? sl_object(j) : sl_array(j);
		j->depth--;
		return err;
	}
	if (*j->p == '"')
		return sl_string(j, scalar);
	start = j->p;
	while (*j->p && (isalnum((unsigned char)*j->p) ||
			 strchr("+-.", *j->p)))
		j->p++;
	if (j->p == start)
		return -EINVAL;
	if (scalar) {
		*scalar = strndup(start, j->p - start);
		if (!*scalar)
			return -ENOMEM;
	}
	return 0;
}

int sl_json_each_object(const char *text,
			int (*fn)(const struct sl_json_obj *o, void *arg),
			void *arg)
{
	struct sl_jp j = { .p = text, .fn = fn, .arg = arg };
	int err = sl_value(&j, NULL);

	if (err)
		return err;
	sl_ws(&j);
	return *j.p ? -EINVAL : 0;
}

const char *sl_json_get(const struct sl_json_obj *o, const char *key)
{
	int i;

	for (i = 0; i < o->n; i++)
		if (!strcmp(o->key[i], key))
			return o->val[i];
	return NULL;
}

void sl_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}
