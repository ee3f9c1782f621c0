/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Prometheus text exposition format (version 0.0.4), as node_exporter's
 * textfile collector reads it: per metric one "# HELP" and one "# TYPE"
 * line, then its samples, name{label="value",...} value. Names are checked
 * and label values escaped here, so a caller cannot emit a file the
 * collector rejects (it drops the whole file, not one line).
 */
#ifndef SL_PROM_H
#define SL_PROM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct sl_prom {
	FILE *f;
	char family[128];	/* the metric the samples belong to */
	int err;		/* first error: -EINVAL bad name, -EIO write */
};

/* [a-zA-Z_:][a-zA-Z0-9_:]* */
bool sl_prom_metric_name_ok(const char *name);
/* [a-zA-Z_][a-zA-Z0-9_]*, not starting with "__" (reserved). */
bool sl_prom_label_name_ok(const char *name);
/*
 * Escape a label value (\ " and newline) or, with help set, a HELP text
 * (\ and newline). Returns the length it needs, like snprintf; out is
 * always terminated when size > 0.
 */
size_t sl_prom_escape(const char *in, bool help, char *out, size_t size);
/* A sample value: integers exactly, NaN, +Inf, -Inf, else %.17g. */
void sl_prom_value(double v, char *out, size_t size);

void sl_prom_init(struct sl_prom *p, FILE *f);
/* Start a metric: type is "gauge", "counter" or "untyped". */
void sl_prom_family(struct sl_prom *p, const char *name, const char *type,
		    const char *help);
/*
 * One sample of the current metric; labels is NULL or an array of name,
 * value pairs ended by a NULL name.
 */
void sl_prom_sample(struct sl_prom *p, const char *const *labels, double v);

#endif /* SL_PROM_H */
