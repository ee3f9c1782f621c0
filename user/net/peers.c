// SPDX-License-Identifier: GPL-2.0
/*
 * The peers file: which certificate may run which relationship here. A
 * line that cannot be read is an error for the whole file, never skipped:
 * a daemon that quietly ignored a typo would refuse a peer the admin
 * meant to allow, or worse, keep serving a grant the admin meant to
 * change.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "peers.h"
#include "../lib/safefile.h"
#include "../lvm/lvm.h"

#define SL_PEERS_FILE_MAX	(1 << 20)

static int sl_line_bad(char *err, size_t errlen, const char *name,
		       unsigned int line, const char *why)
{
	snprintf(err, errlen, "%s line %u: %s", name, line, why);
	return -EINVAL;
}

/* sha256:HEX, with or without the colons openssl prints, to lowercase hex. */
static bool sl_fingerprint_norm(const char *in, char *out, size_t size)
{
	size_t n = 0;

	for (; *in; in++) {
		if (*in == ':')
			continue;
		if (!isxdigit((unsigned char)*in) || n + 1 >= size)
			return false;
		out[n++] = tolower((unsigned char)*in);
	}
	out[n] = '\0';
	return n == 64;
}

/* HOST:VG/LV, as a destination names itself in its lock sets. */
static bool sl_dataset_ok(const char *ds)
{
	const char *colon = strrchr(ds, ':');

	return colon && colon > ds && sl_lvm_name_ok(colon + 1);
}

static int sl_grant_parse(char *line, unsigned int no, const char *name,
			  struct sl_grant *g, char *err, size_t errlen)
{
	char *f[5], *save = NULL, *tok;
	size_t n = 0;

	for (tok = strtok_r(line, " \t", &save); tok;
	     tok = strtok_r(NULL, " \t", &save)) {
		if (n == 5)
			return sl_line_bad(err, errlen, name, no,
					   "too many fields: PEER RELATIONSHIP source|destination VOLUME [DATASET]");
		f[n++] = tok;
	}
	if (n < 4)
		return sl_line_bad(err, errlen, name, no,
				   "too few fields: PEER RELATIONSHIP source|destination VOLUME [DATASET]");
	memset(g, 0, sizeof(*g));
	g->line = no;
	if (!strncmp(f[0], "sha256:", 7)) {
		strcpy(g->peer, "sha256:");
		if (!sl_fingerprint_norm(f[0] + 7, g->peer + 7,
					 sizeof(g->peer) - 7))
			return sl_line_bad(err, errlen, name, no,
					   "sha256: needs the certificate's 64 hex digits (openssl x509 -noout -fingerprint -sha256)");
	} else if (strlen(f[0]) >= sizeof(g->peer)) {
		return sl_line_bad(err, errlen, name, no,
				   "the peer's name is longer than 255 bytes");
	} else {
		strcpy(g->peer, f[0]);
	}
	if (strlen(f[1]) >= sizeof(g->relationship))
		return sl_line_bad(err, errlen, name, no,
				   "the relationship's name is longer than 63 bytes");
	strcpy(g->relationship, f[1]);
	if (!strcmp(f[2], "source"))
		g->source = true;
	else if (strcmp(f[2], "destination"))
		return sl_line_bad(err, errlen, name, no,
				   "the third field is this host's role: source or destination");
	if (strlen(f[3]) >= sizeof(g->volume) || !sl_lvm_name_ok(f[3]))
		return sl_line_bad(err, errlen, name, no,
				   "the volume is not VG/LV");
	strcpy(g->volume, f[3]);
	if (g->source && n != 5)
		return sl_line_bad(err, errlen, name, no,
				   "a source grant needs the peer's DATASET (HOST:VG/LV): the only lock set it may install here");
	if (!g->source && n != 4)
		return sl_line_bad(err, errlen, name, no,
				   "a destination grant takes no DATASET: this host installs no lock set for the peer");
	if (n == 5) {
		if (strlen(f[4]) >= sizeof(g->dataset) || !sl_dataset_ok(f[4]))
			return sl_line_bad(err, errlen, name, no,
					   "the dataset is not HOST:VG/LV");
		strcpy(g->dataset, f[4]);
	}
	return 0;
}

int sl_grants_parse(const char *text, const char *name, struct sl_grants *out,
		    char *err, size_t errlen)
{
	char line[SL_PEERS_LINE_MAX], *hash;
	const char *p = text, *nl;
	unsigned int no = 0;
	struct sl_grant *g;
	size_t len;
	int rc;

	memset(out, 0, sizeof(*out));
	while (*p) {
		no++;
		nl = strchr(p, '\n');
		len = nl ? (size_t)(nl - p) : strlen(p);
		if (len >= sizeof(line)) {
			rc = sl_line_bad(err, errlen, name, no,
					 "longer than 1023 bytes");
			goto fail;
		}
		memcpy(line, p, len);
		line[len] = '\0';
		p += len + (nl ? 1 : 0);
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		if (line[strspn(line, " \t\r")] == '\0')
			continue;
		line[strcspn(line, "\r")] = '\0';
		g = realloc(out->g, (out->n + 1) * sizeof(*g));
		if (!g) {
			snprintf(err, errlen, "%s: out of memory", name);
			rc = -ENOMEM;
			goto fail;
		}
		out->g = g;
		rc = sl_grant_parse(line, no, name, &out->g[out->n], err,
				    errlen);
		if (rc)
			goto fail;
		out->n++;
	}
	return 0;
fail:
	sl_grants_free(out);
	return rc;
}

int sl_grants_load(const char *path, struct sl_grants *out, char *err,
		   size_t errlen)
{
	struct stat st;
	char *text;
	ssize_t n;
	size_t got = 0;
	int fd, rc;

	memset(out, 0, sizeof(*out));
	fd = sl_file_open_trusted(path, "the peers file", SL_PEERS_FILE_MAX,
				  " (list the peers this host serves there: see softlock(8))",
				  &st, err, errlen);
	if (fd < 0)
		return fd;
	text = malloc(st.st_size + 1);
	if (!text) {
		close(fd);
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	while (got < (size_t)st.st_size) {
		n = read(fd, text + got, st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += n;
	}
	close(fd);
	text[got] = '\0';
	if (strlen(text) != got) {
		free(text);
		snprintf(err, errlen, "the peers file %s contains a NUL byte",
			 path);
		return -EINVAL;
	}
	rc = sl_grants_parse(text, path, out, err, errlen);
	free(text);
	return rc;
}

void sl_grants_free(struct sl_grants *g)
{
	free(g->g);
	g->g = NULL;
	g->n = 0;
}

const struct sl_grant *sl_grants_find(const struct sl_grants *g,
				      const char *relationship,
				      bool (*is_peer)(const char *peer, void *arg),
				      void *arg)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		if (!strcmp(g->g[i].relationship, relationship) &&
		    (!is_peer || is_peer(g->g[i].peer, arg)))
			return &g->g[i];
	return NULL;
}
