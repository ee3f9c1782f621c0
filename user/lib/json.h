/* SPDX-License-Identifier: GPL-2.0 */
/*
 * JSON, through json-c: reading LVM's --reportformat json (arrays of flat
 * objects of strings), and writing the helper's own --json output.
 */
#ifndef SL_JSON_H
#define SL_JSON_H

#include <stdio.h>

#define SL_JSON_MAX_KEYS 32

/* A flat object: keys and string values (numbers as their text). */
struct sl_json_obj {
	int n;
	const char *key[SL_JSON_MAX_KEYS];
	const char *val[SL_JSON_MAX_KEYS];
};

const char *sl_json_get(const struct sl_json_obj *o, const char *key);

/*
 * Call fn for every object in text whose members are all scalars, in
 * document order; the strings it is given live until fn returns. Returns
 * 0, -EINVAL for malformed JSON (not RFC 8259, not UTF-8, nested deeper
 * than 16, a string with \u0000 in it), -ENOMEM, or fn's non-zero return.
 */
int sl_json_each_object(const char *text,
			int (*fn)(const struct sl_json_obj *o, void *arg),
			void *arg);

/*
 * Write s as a JSON string literal. The output is always valid JSON: a
 * byte of s that is not UTF-8 (the helper's texts are checked to be, so
 * this is for names from elsewhere) is written as U+FFFD.
 */
void sl_json_str(FILE *f, const char *s);

#endif /* SL_JSON_H */
