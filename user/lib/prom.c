// SPDX-License-Identifier: GPL-2.0
/* The Prometheus text exposition format: names, escaping, sample lines. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "prom.h"

static bool sl_prom_name(const char *name, bool colon)
{
	const char *p;

	if (!name || !*name || (*name >= '0' && *name <= '9'))
		return false;
	for (p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' ||
		      (colon && *p == ':')))
			return false;
	return true;
}

bool sl_prom_metric_name_ok(const char *name)
{
	return sl_prom_name(name, true);
}

bool sl_prom_label_name_ok(const char *name)
{
	return sl_prom_name(name, false) && strncmp(name, "__", 2);
}

size_t sl_prom_escape(const char *in, bool help, char *out, size_t size)
{
	size_t n = 0;
	const char *p;
	char esc;

	for (p = in; *p; p++) {
		esc = *p == '\\' ? '\\' : *p == '\n' ? 'n' :
		      (*p == '"' && !help) ? '"' : 0;
		if (esc) {
			if (n + 1 < size)
				out[n] = '\\';
			n++;
		}
		if (n + 1 < size)
			out[n] = esc && esc != '\\' && esc != '"' ? esc : *p;
		n++;
	}
	if (size)
		out[n < size ? n : size - 1] = '\0';
	return n;
}

void sl_prom_value(double v, char *out, size_t size)
{
	if (isnan(v))
		snprintf(out, size, "NaN");
	else if (isinf(v))
		snprintf(out, size, v > 0 ? "+Inf" : "-Inf");
	else if (v > -9007199254740992.0 && v < 9007199254740992.0 &&
		 v == (double)(long long)v)
		snprintf(out, size, "%lld", (long long)v);
	else
		snprintf(out, size, "%.17g", v);
}

void sl_prom_init(struct sl_prom *p, FILE *f)
{
	memset(p, 0, sizeof(*p));
	p->f = f;
}

static void sl_prom_fail(struct sl_prom *p, int err)
{
	if (!p->err)
		p->err = err;
}

static void sl_prom_put(struct sl_prom *p, const char *s, bool help)
{
	char buf[1024];
	size_t n = sl_prom_escape(s, help, buf, sizeof(buf));

	if (n < sizeof(buf)) {
		fputs(buf, p->f);
		return;
	}
	for (; *s; s++) {
		n = sl_prom_escape((char[2]){ *s, 0 }, help, buf, sizeof(buf));
		fputs(buf, p->f);
	}
}

void sl_prom_family(struct sl_prom *p, const char *name, const char *type,
		    const char *help)
{
	if (!sl_prom_metric_name_ok(name) || strlen(name) >= sizeof(p->family) ||
	    (strcmp(type, "gauge") && strcmp(type, "counter") &&
	     strcmp(type, "untyped"))) {
		sl_prom_fail(p, -EINVAL);
		p->family[0] = '\0';
		return;
	}
	snprintf(p->family, sizeof(p->family), "%s", name);
	fprintf(p->f, "# HELP %s ", name);
	sl_prom_put(p, help, true);
	fprintf(p->f, "\n# TYPE %s %s\n", name, type);
	if (ferror(p->f))
		sl_prom_fail(p, -EIO);
}

void sl_prom_sample(struct sl_prom *p, const char *const *labels, double v)
{
	char val[64];
	size_t i;

	if (!p->family[0]) {
		sl_prom_fail(p, -EINVAL);
		return;
	}
	for (i = 0; labels && labels[i]; i += 2)
		if (!sl_prom_label_name_ok(labels[i]) || !labels[i + 1]) {
			sl_prom_fail(p, -EINVAL);
			return;
		}
	fputs(p->family, p->f);
	for (i = 0; labels && labels[i]; i += 2) {
		fprintf(p->f, "%s%s=\"", i ? "," : "{", labels[i]);
		sl_prom_put(p, labels[i + 1], false);
		fputc('"', p->f);
	}
	sl_prom_value(v, val, sizeof(val));
	fprintf(p->f, "%s %s\n", i ? "}" : "", val);
	if (ferror(p->f))
		sl_prom_fail(p, -EIO);
}
