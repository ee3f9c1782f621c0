// SPDX-License-Identifier: GPL-2.0
/*
 * softlock.conf: an INI file, because that is what a storage admin edits
 * by hand and diffs in review. Strict on purpose: an unknown section or
 * key, a key given twice, a bad value, a relationship without a schedule
 * is an error naming FILE:LINE and the way to write it, never a guess; a
 * typo in a keep policy must not silently keep everything.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "../lib/safefile.h"
#include "../cli/args.h"
#include "../cli/serve_gate.h"
#include "../mirror/transport.h"

/* What a config may weigh (it is read whole). */
#define SL_CONF_FILE_MAX (16u << 20)

struct sl_parser {
	const char *file;
	unsigned int line;
	char *err;
	size_t errlen;
	struct sl_conf *c;
	enum { SL_SEC_NONE, SL_SEC_DAEMON, SL_SEC_REL } sec;
	bool seen_daemon;
	unsigned int seen;	/* keys of the current section, one bit each */
	unsigned int line_of[8];	/* where each was set */
};

static int sl_perr(struct sl_parser *p, unsigned int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int sl_perr(struct sl_parser *p, unsigned int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(p->err, p->errlen, "%s:%u: ", p->file, line);
	if (n < 0 || (size_t)n >= p->errlen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Cut a comment: '#' at the start or after a blank, outside quotes. */
static void sl_cut_comment(char *s)
{
	char quote = 0;
	char *q;

	for (q = s; *q; q++) {
		if (quote) {
			if (*q == quote)
				quote = 0;
		} else if (*q == '\'' || *q == '"') {
			quote = *q;
		} else if (*q == '#' && (q == s || q[-1] == ' ' || q[-1] == '\t')) {
			*q = '\0';
			return;
		}
	}
}

static char *sl_trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t' || *s == '\r')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static bool sl_name_ok(const char *s)
{
	size_t n = strlen(s);

	return n && n <= SL_CONF_NAME_MAX &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

/* [ADDR]:PORT, ADDR:PORT, :PORT, PORT or ADDR: what serve --listen takes. */
static bool sl_listen_ok(const char *s)
{
	const char *port = strrchr(s, ':');
	long v;
	char *end;

	if (!*s || strpbrk(s, " \t"))
		return false;
	if (s[0] == '[') {
		const char *b = strchr(s, ']');

		if (!b || b == s + 1 || (b[1] && b[1] != ':'))
			return false;
		port = b[1] ? b + 1 : NULL;
	} else if (port && strchr(s, ':') != port) {
		return false;	/* a bare IPv6 address needs brackets */
	} else if (!port && strspn(s, "0123456789") == strlen(s)) {
		port = s - 1;
	}
	if (!port)
		return true;
	v = strtol(port + 1, &end, 10);
	return port[1] >= '0' && port[1] <= '9' && !*end && v >= 1 && v <= 65535;
}

static int sl_bool(struct sl_parser *p, const char *key, const char *v, bool *out)
{
	if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "on")) {
		*out = true;
		return 0;
	}
	if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "off")) {
		*out = false;
		return 0;
	}
	return sl_perr(p, p->line, "%s = %s: write yes or no", key, v);
}

static int sl_secs(struct sl_parser *p, const char *key, const char *v,
		   uint32_t min, uint32_t *out)
{
	int64_t s;

	if (sl_parse_duration(v, &s) || s < min || s > UINT32_MAX)
		return sl_perr(p, p->line, "%s = %s: write a duration of %us or more, like 90s, 15m, 2h, 1d or 1w",
			       key, v, min);
	*out = s;
	return 0;
}

static const char *const sl_daemon_keys[] = {
	"tls", "listen", "max_sessions", "max_updates", "max_handshakes",
	"max_handshakes_per_address", "handshake_timeout", NULL,
};
static const char *const sl_rel_keys[] = {
	"src", "dst", "every", "at", "keep", "lease", "timeout", NULL,
};

static int sl_daemon_key(struct sl_parser *p, int k, const char *v)
{
	struct sl_conf *c = p->c;

	switch (k) {
	case 0:
		return sl_bool(p, "tls", v, &c->tls);
	case 1:
		if (!sl_listen_ok(v))
			return sl_perr(p, p->line, "listen = %s: write [ADDR]:PORT, ADDR:PORT, :PORT or PORT (an IPv6 address in brackets)",
				       v);
		snprintf(c->listen, sizeof(c->listen), "%s", v);
		return 0;
	case 2:
		if (sl_parse_u32(v, 1024, &c->max_sessions) || !c->max_sessions)
			return sl_perr(p, p->line, "max_sessions = %s: write a number 1..1024", v);
		return 0;
	case 3:
		if (sl_parse_u32(v, 64, &c->max_updates) || !c->max_updates)
			return sl_perr(p, p->line, "max_updates = %s: write a number 1..64", v);
		return 0;
	case 4:
		if (sl_parse_u32(v, 4096, &c->max_handshakes) || !c->max_handshakes)
			return sl_perr(p, p->line, "max_handshakes = %s: write a number 1..4096", v);
		return 0;
	case 5:
		if (sl_parse_u32(v, 1024, &c->max_handshakes_per_address) ||
		    !c->max_handshakes_per_address)
			return sl_perr(p, p->line, "max_handshakes_per_address = %s: write a number 1..1024", v);
		return 0;
	default:
		if (sl_parse_u32(v, SL_GATE_TIMEOUT_MAX, &c->handshake_timeout) ||
		    !c->handshake_timeout)
			return sl_perr(p, p->line, "handshake_timeout = %s: write seconds, 1..%d",
				       v, SL_GATE_TIMEOUT_MAX);
		return 0;
	}
}

static int sl_endpoint_key(struct sl_parser *p, const char *key, const char *v,
			   char *out, size_t size)
{
	struct sl_endpoint ep;
	char err[512];

	if (sl_endpoint_parse(v, &ep, err, sizeof(err)))
		return sl_perr(p, p->line, "%s = %s: %s", key, v, err);
	sl_endpoint_format(&ep, out, size);
	return 0;
}

static int sl_rel_key(struct sl_parser *p, int k, const char *v)
{
	struct sl_conf_rel *r = &p->c->rel[p->c->n - 1];
	unsigned int h, m;
	size_t n;

	switch (k) {
	case 0:
		return sl_endpoint_key(p, "src", v, r->src, sizeof(r->src));
	case 1:
		return sl_endpoint_key(p, "dst", v, r->dst, sizeof(r->dst));
	case 2:
		return sl_secs(p, "every", v, SL_CONF_EVERY_MIN, &r->every);
	case 3:
		/* H:MM or HH:MM, digits only. */
		n = strlen(v);
		if ((n != 4 && n != 5) || v[n - 3] != ':' ||
		    strspn(v, "0123456789") != (size_t)n - 3 ||
		    strspn(v + n - 2, "0123456789") != 2 ||
		    sscanf(v, "%u:%u", &h, &m) != 2 || h > 23 || m > 59)
			return sl_perr(p, p->line, "at = %s: write a time of day HH:MM, like 02:30 (local time)", v);
		r->at_min = h * 60 + m;
		return 0;
	case 4:
		if (sl_parse_u32(v, UINT32_MAX, &r->keep) || !r->keep)
			return sl_perr(p, p->line, "keep = %s: write the number of PCPIs to keep, 1 or more (leave keep out to keep them all)", v);
		return 0;
	case 5:
		if (!strcmp(v, "none") || !strcmp(v, "off")) {
			r->lease = 0;
			return 0;
		}
		return sl_secs(p, "lease", v, SL_CONF_LEASE_MIN, &r->lease);
	default:
		return sl_secs(p, "timeout", v, 60, &r->timeout);
	}
}

/* The rules that need the whole section: what mirror init would refuse. */
static int sl_rel_end(struct sl_parser *p)
{
	struct sl_conf_rel *r;
	struct sl_endpoint s, d;
	char err[512];

	if (p->sec != SL_SEC_REL)
		return 0;
	r = &p->c->rel[p->c->n - 1];
	if (!*r->src || !*r->dst)
		return sl_perr(p, r->line, "[relationship %s] needs src = and dst = (VG/LV, HOST:VG/LV, exec:'COMMAND':VG/LV or tls:HOST[:PORT]:VG/LV)",
			       r->name);
	if (!r->every && r->at_min < 0)
		return sl_perr(p, r->line, "[relationship %s] needs a schedule: every = DURATION (like 15m) or at = HH:MM",
			       r->name);
	if (r->every && r->at_min >= 0)
		return sl_perr(p, p->line_of[3], "[relationship %s] has both every and at: keep one",
			       r->name);
	sl_endpoint_parse(r->src, &s, err, sizeof(err));
	sl_endpoint_parse(r->dst, &d, err, sizeof(err));
	if (s.kind != SL_EP_LOCAL && d.kind != SL_EP_LOCAL)
		return sl_perr(p, r->line, "[relationship %s]: src or dst must be on this host (a plain VG/LV): the update runs here",
			       r->name);
	/*
	 * keep is this host's side: the source's snapshots when src is here,
	 * else the destination's own history (mirror init --keep there).
	 */
	return 0;
}

static int sl_section(struct sl_parser *p, char *s)
{
	struct sl_conf *c = p->c;
	struct sl_conf_rel *grown;
	char *end = strchr(s, ']'), *name;
	int rc = sl_rel_end(p);

	if (rc)
		return rc;
	if (!end || *sl_trim(end + 1))
		return sl_perr(p, p->line, "a section header ends with ']' and nothing after it: write [daemon] or [relationship NAME]");
	*end = '\0';
	s = sl_trim(s + 1);
	p->seen = 0;
	if (!strcmp(s, "daemon")) {
		if (p->seen_daemon)
			return sl_perr(p, p->line, "[daemon] appears twice: merge its settings into one section");
		p->seen_daemon = true;
		p->sec = SL_SEC_DAEMON;
		return 0;
	}
	if (strncmp(s, "relationship", 12) || (s[12] != ' ' && s[12] != '\t'))
		return sl_perr(p, p->line, "unknown section [%s]: write [daemon] or [relationship NAME]", s);
	name = sl_trim(s + 12);
	if (!sl_name_ok(name))
		return sl_perr(p, p->line, "[relationship %s]: a name is 1..%d letters, digits, '.', '_' or '-'",
			       name, SL_CONF_NAME_MAX);
	if (sl_conf_find(c, name))
		return sl_perr(p, p->line, "[relationship %s] appears twice (first at line %u): rename one",
			       name, sl_conf_find(c, name)->line);
	grown = realloc(c->rel, (c->n + 1) * sizeof(*c->rel));
	if (!grown)
		return sl_perr(p, p->line, "out of memory");
	c->rel = grown;
	memset(&c->rel[c->n], 0, sizeof(*c->rel));
	snprintf(c->rel[c->n].name, sizeof(c->rel[c->n].name), "%s", name);
	c->rel[c->n].at_min = -1;
	c->rel[c->n].timeout = SL_CONF_TIMEOUT_DEFAULT;
	c->rel[c->n].line = p->line;
	c->n++;
	p->sec = SL_SEC_REL;
	return 0;
}

static int sl_setting(struct sl_parser *p, char *s)
{
	const char *const *keys = p->sec == SL_SEC_DAEMON ? sl_daemon_keys : sl_rel_keys;
	char *eq = strchr(s, '='), *key, *v, known[128] = "";
	int k;

	if (p->sec == SL_SEC_NONE)
		return sl_perr(p, p->line, "a setting outside any section: start with [daemon] or [relationship NAME]");
	if (!eq)
		return sl_perr(p, p->line, "'%s' is not a setting: write KEY = VALUE, a [section] or a # comment", s);
	*eq = '\0';
	key = sl_trim(s);
	v = sl_trim(eq + 1);
	for (k = 0; keys[k] && strcmp(keys[k], key); k++)
		snprintf(known + strlen(known), sizeof(known) - strlen(known),
			 "%s%s", k ? ", " : "", keys[k]);
	if (!keys[k]) {
		return sl_perr(p, p->line, "unknown key '%s' in [%s%s]: the keys are %s",
			       key, p->sec == SL_SEC_DAEMON ? "daemon" : "relationship ",
			       p->sec == SL_SEC_DAEMON ? "" : p->c->rel[p->c->n - 1].name,
			       known);
	}
	if (p->seen & (1u << k))
		return sl_perr(p, p->line, "%s is set twice in this section (first at line %u): keep one",
			       key, p->line_of[k]);
	p->seen |= 1u << k;
	p->line_of[k] = p->line;
	if (!*v)
		return sl_perr(p, p->line, "%s has no value: write %s = VALUE, or remove the line", key, key);
	return p->sec == SL_SEC_DAEMON ? sl_daemon_key(p, k, v) : sl_rel_key(p, k, v);
}

int sl_conf_parse(const char *text, const char *file, struct sl_conf *c,
		  char *err, size_t errlen)
{
	struct sl_parser p = { .file = file, .err = err, .errlen = errlen, .c = c };
	char buf[4096], *s;
	const char *nl;
	size_t len;
	int rc = 0;

	memset(c, 0, sizeof(*c));
	c->max_sessions = SL_GATE_SESSIONS;
	c->max_handshakes = SL_GATE_HANDSHAKES;
	c->max_handshakes_per_address = SL_GATE_PER_ADDRESS;
	c->handshake_timeout = SL_GATE_TIMEOUT_S;
	c->max_updates = 4;
	while (*text && !rc) {
		p.line++;
		nl = strchr(text, '\n');
		len = nl ? (size_t)(nl - text) : strlen(text);
		if (len >= sizeof(buf))
			return sl_perr(&p, p.line, "line longer than %zu bytes: shorten it", sizeof(buf) - 1);
		memcpy(buf, text, len);
		buf[len] = '\0';
		text += len + (nl ? 1 : 0);
		if (memchr(buf, '\0', len))
			return sl_perr(&p, p.line, "a NUL byte: this is not a text file");
		sl_cut_comment(buf);
		s = sl_trim(buf);
		if (!*s)
			continue;
		rc = *s == '[' ? sl_section(&p, s) : sl_setting(&p, s);
	}
	if (!rc)
		rc = sl_rel_end(&p);
	return rc;
}

int sl_conf_load(const char *path, struct sl_conf *c, char *err, size_t errlen)
{
	char *text = NULL;
	size_t len = 0, n;
	FILE *f;
	int fd, rc;

	memset(c, 0, sizeof(*c));
	/* The usual way to say "no config": nothing in it to trust. */
	if (!strcmp(path, "/dev/null"))
		return sl_conf_parse("", path, c, err, errlen);
	/* Its exec: endpoints run as root through a shell: only root writes it. */
	fd = sl_file_open_trusted(path, "the config", SL_CONF_FILE_MAX,
				  " (install one from softlock's dist/etc/softlock.conf, see softlock.conf(5))",
				  NULL, err, errlen);
	if (fd < 0)
		return fd;
	f = fdopen(fd, "r");
	if (!f) {
		rc = -errno;
		close(fd);
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		return rc;
	}
	do {
		char *grown = realloc(text, len + 65536 + 1);

		if (!grown) {
			free(text);
			fclose(f);
			snprintf(err, errlen, "%s: out of memory", path);
			return -ENOMEM;
		}
		text = grown;
		n = fread(text + len, 1, 65536, f);
		len += n;
	} while (n == 65536 && len < SL_CONF_FILE_MAX);
	text[len] = '\0';
	rc = ferror(f) ? -EIO : 0;
	fclose(f);
	if (rc)
		snprintf(err, errlen, "reading the config %s failed: check the file", path);
	else if (strlen(text) != len) {
		snprintf(err, errlen, "%s: a NUL byte: this is not a text file", path);
		rc = -EINVAL;
	} else
		rc = sl_conf_parse(text, path, c, err, errlen);
	free(text);
	return rc;
}

void sl_conf_free(struct sl_conf *c)
{
	free(c->rel);
	c->rel = NULL;
	c->n = 0;
}

const struct sl_conf_rel *sl_conf_find(const struct sl_conf *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (!strcmp(c->rel[i].name, name))
			return &c->rel[i];
	return NULL;
}

/* The local time HH:MM on the day of t plus days (mktime handles DST). */
static int64_t sl_at_on(int at_min, int64_t t, int days)
{
	time_t tt = t;
	struct tm tm;

	localtime_r(&tt, &tm);
	tm.tm_mday += days;
	tm.tm_hour = at_min / 60;
	tm.tm_min = at_min % 60;
	tm.tm_sec = 0;
	tm.tm_isdst = -1;
	return mktime(&tm);
}

bool sl_conf_due(const struct sl_conf_rel *r, int64_t last, int64_t now,
		 int64_t *next)
{
	int64_t prev;

	if (last <= 0) {
		*next = now;
		return true;
	}
	/* A clock set back must not postpone updates by as much. */
	if (last > now)
		last = now;
	if (r->at_min < 0) {
		*next = last + r->every;
		if (*next <= now)
			*next = now;
		return *next <= now;
	}
	/* The latest HH:MM at or before now; due unless run since. */
	prev = sl_at_on(r->at_min, now, 0);
	if (prev > now)
		prev = sl_at_on(r->at_min, now, -1);
	if (last < prev) {
		*next = now;
		return true;
	}
	*next = sl_at_on(r->at_min, prev, 1);
	return false;
}

void sl_conf_duration(uint32_t secs, char *buf, size_t size)
{
	if (secs && secs % 604800 == 0)
		snprintf(buf, size, "%uw", secs / 604800);
	else if (secs && secs % 86400 == 0)
		snprintf(buf, size, "%ud", secs / 86400);
	else if (secs && secs % 3600 == 0)
		snprintf(buf, size, "%uh", secs / 3600);
	else if (secs && secs % 60 == 0)
		snprintf(buf, size, "%um", secs / 60);
	else
		snprintf(buf, size, "%us", secs);
}

void sl_conf_schedule(const struct sl_conf_rel *r, char *buf, size_t size)
{
	char d[32];

	if (r->at_min >= 0) {
		snprintf(buf, size, "at %02d:%02d", r->at_min / 60, r->at_min % 60);
		return;
	}
	sl_conf_duration(r->every, d, sizeof(d));
	snprintf(buf, size, "every %s", d);
}
