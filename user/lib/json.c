// SPDX-License-Identifier: GPL-2.0
/*
 * JSON through json-c: LVM's reports are parsed by json-c's tokener
 * (strict RFC 8259, UTF-8 validated, \u escapes and surrogate pairs
 * decoded) and walked for their flat objects; the helper's own --json
 * strings are written by json-c's serializer, after the text is checked
 * to be UTF-8 so that the output always is.
 */
#include <errno.h>
#include <json.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "utf8.h"

#define SL_JSON_MAX_DEPTH 16

/*
 * A string the helper can use: no NUL inside (no C string can carry it)
 * and well-formed UTF-8 (json-c's own check lets overlong forms through).
 */
static bool sl_string_ok(struct json_object *v)
{
	const char *s = json_object_get_string(v);
	size_t len = json_object_get_string_len(v);

	return strlen(s) == len && sl_utf8_check(s, len, NULL, NULL) != -EILSEQ;
}

/* The text of a scalar (numbers as json-c writes them), or NULL. */
static const char *sl_scalar(struct json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null:
		return "null";
	case json_type_string:
	case json_type_int:
	case json_type_double:
	case json_type_boolean:
		return json_object_get_string(v);
	default:
		return NULL;
	}
}

static int sl_walk(struct json_object *v,
		   int (*fn)(const struct sl_json_obj *o, void *arg),
		   void *arg)
{
	struct sl_json_obj o = { 0 };
	struct json_object_iterator it, end;
	const char *s;
	bool flat = true;
	size_t i, n;
	int err;

	if (json_object_is_type(v, json_type_array)) {
		n = json_object_array_length(v);
		for (i = 0; i < n; i++) {
			err = sl_walk(json_object_array_get_idx(v, i), fn, arg);
			if (err)
				return err;
		}
		return 0;
	}
	if (!json_object_is_type(v, json_type_object))
		return 0;
	/* Members in document order: json-c keeps insertion order. */
	end = json_object_iter_end(v);
	for (it = json_object_iter_begin(v); !json_object_iter_equal(&it, &end);
	     json_object_iter_next(&it)) {
		s = sl_scalar(json_object_iter_peek_value(&it));
		if (json_object_is_type(json_object_iter_peek_value(&it),
					json_type_string) &&
		    !sl_string_ok(json_object_iter_peek_value(&it)))
			return -EINVAL;
		if (!s) {
			flat = false;
			err = sl_walk(json_object_iter_peek_value(&it), fn, arg);
			if (err)
				return err;
			continue;
		}
		if (o.n < SL_JSON_MAX_KEYS) {
			o.key[o.n] = json_object_iter_peek_name(&it);
			o.val[o.n++] = s;
		}
	}
	return flat && o.n ? fn(&o, arg) : 0;
}

int sl_json_each_object(const char *text,
			int (*fn)(const struct sl_json_obj *o, void *arg),
			void *arg)
{
	struct json_tokener *tok = json_tokener_new_ex(SL_JSON_MAX_DEPTH);
	struct json_object *root;
	size_t len = strlen(text), end;
	int err = -EINVAL;

	if (!tok)
		return -ENOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
			       JSON_TOKENER_VALIDATE_UTF8);
	root = len <= INT32_MAX ? json_tokener_parse_ex(tok, text, (int)len) :
				  NULL;
	if (root && json_tokener_get_error(tok) == json_tokener_success) {
		/* Whitespace may follow the value; nothing else. */
		end = json_tokener_get_parse_end(tok);
		end += strspn(text + end, " \t\r\n");
		err = end == len ? sl_walk(root, fn, arg) : -EINVAL;
	}
	json_object_put(root);
	json_tokener_free(tok);
	return err;
}

const char *sl_json_get(const struct sl_json_obj *o, const char *key)
{
	int i;

	for (i = 0; i < o->n; i++)
		if (!strcmp(o->key[i], key))
			return o->val[i];
	return NULL;
}

/*
 * s with every byte that is not part of a UTF-8 sequence replaced by
 * U+FFFD, malloc'ed; NULL when out of memory.
 */
static char *sl_utf8_repair(const char *s)
{
	size_t len = strlen(s), at, n = 0;
	char *out = malloc(len * 3 + 1);
	uint32_t cp;
	int rc;

	if (!out)
		return NULL;
	while (*s) {
		rc = sl_utf8_check(s, len, &at, &cp);
		if (!rc)
			at = len;
		/* A control character is UTF-8: json-c escapes or keeps it. */
		if (rc == -EINVAL)
			at += cp < 0x80 ? 1 : 2;
		memcpy(out + n, s, at);
		n += at;
		s += at;
		len -= at;
		if (rc == -EILSEQ) {
			memcpy(out + n, "\xef\xbf\xbd", 3);
			n += 3;
			s++;
			len--;
		}
	}
	out[n] = '\0';
	return out;
}

void sl_json_str(FILE *f, const char *s)
{
	struct json_object *v;
	char *fixed = NULL;

	if (sl_utf8_check(s, strlen(s), NULL, NULL) == -EILSEQ) {
		fixed = sl_utf8_repair(s);
		s = fixed ? fixed : "";
	}
	v = json_object_new_string(s);
	free(fixed);
	if (!v) {
		fputs("null", f);
		return;
	}
	fputs(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
					     JSON_C_TO_STRING_NOSLASHESCAPE),
	      f);
	json_object_put(v);
}
