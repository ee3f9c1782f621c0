// SPDX-License-Identifier: GPL-2.0
/*
 * softlock: hold dm-thin snapshots that a mirror further downstream still
 * needs, so that nothing can delete them until the hold is released.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"

static const struct {
	const char *name;
	int (*fn)(struct sl_ctx *x, int argc, char **argv);
	const char *usage;
} sl_cmds[] = {
	{ "hold", cmd_hold, "SNAP --type owner|dest-path|qtree|app --text TEXT [--dataset DS] [--origin ORIGIN] [--expires DURATION]" },
	{ "release", cmd_release, "SNAP [--type T] [--text TEXT] [--origin ORIGIN] [--all] | --all | --stale" },
	{ "holds", cmd_holds, "[SNAP|VG|VG/POOL|/dev/mapper/POOL] [--json] [--stale] [--usage]" },
	{ "check", cmd_check, "SNAP" },
	{ "pools", cmd_pools, "[--json]" },
	{ "monitor", cmd_monitor, "" },
	{ "seal", cmd_seal, "" },
	{ "unseal", cmd_unseal, "" },
	{ "expire", cmd_expire, "" },
	{ "restore", cmd_restore, "" },
	{ "verify", cmd_verify, "[--fix]" },
	{ "mirror", cmd_mirror, "init SRC DST [--name NAME] [--keep N] [--lease DURATION] [--follow-source-deletions yes|no] | set NAME|DST --lease DURATION|none | update NAME|DST [--json] | status [NAME] [--json] | verify NAME|DST [--snapshot LV.sl.N] [--json] | destroy NAME|DST [--keep-locks]" },
	{ "serve", cmd_serve, "--stdio [--peer NAME] | --tls [--listen [ADDR]:PORT] [--max-sessions N] [--max-handshakes N] [--max-handshakes-per-address N] [--handshake-timeout SECONDS]" },
	{ "metrics", cmd_metrics, "[--output FILE] [--no-usage]" },
	{ "daemon", cmd_daemon, "[--config FILE] [--check | --once [NAME...]]" },
	{ "version", cmd_version, "" },
};

static void sl_help(FILE *f)
{
	size_t i;

	fprintf(f, "usage: softlock [--db PATH] COMMAND [ARGS]\n\n");
	for (i = 0; i < sizeof(sl_cmds) / sizeof(sl_cmds[0]); i++)
		fprintf(f, "  softlock %s %s\n", sl_cmds[i].name, sl_cmds[i].usage);
	fprintf(f, "\nSNAP is VG/LV, or --pool /dev/mapper/NAME --id N for a raw dm-thin pool.\n"
		"SRC and DST are VG/LV (this host), HOST:VG/LV (ssh), exec:'COMMAND':VG/LV\n"
		"or tls:HOST[:PORT]:VG/LV (mutual TLS to HOST's 'softlock serve --tls').\n"
		"The catalog is %s (or $SOFTLOCK_DB, or --db PATH).\n"
		"See softlock(8).\n", SL_CATALOG_DEFAULT);
}

int main(int argc, char **argv)
{
	struct sl_ctx x = { .cmd = "softlock" };
	int i = 1, rc;
	size_t c;

	x.db_path = getenv("SOFTLOCK_DB");
	if (!x.db_path || !*x.db_path)
		x.db_path = SL_CATALOG_DEFAULT;
	while (i < argc && argv[i][0] == '-') {
		if (!strcmp(argv[i], "--db") && i + 1 < argc) {
			x.db_path = argv[i + 1];
			i += 2;
		} else if (!strncmp(argv[i], "--db=", 5)) {
			x.db_path = argv[i++] + 5;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			sl_help(stdout);
			return SL_EXIT_OK;
		} else if (!strcmp(argv[i], "-V") || !strcmp(argv[i], "--version")) {
			argv[i] = "version";
			break;
		} else {
			fprintf(stderr, "softlock: unknown option '%s' (see 'softlock help')\n",
				argv[i]);
			return SL_EXIT_USAGE;
		}
	}
	if (i >= argc || !strcmp(argv[i], "help")) {
		sl_help(i >= argc ? stderr : stdout);
		return i >= argc ? SL_EXIT_USAGE : SL_EXIT_OK;
	}
	for (c = 0; c < sizeof(sl_cmds) / sizeof(sl_cmds[0]); c++) {
		if (strcmp(argv[i], sl_cmds[c].name))
			continue;
		x.cmd = sl_cmds[c].name;
		/* Subcommands parse their own options from argv[0] on. */
		optind = 1;
		rc = sl_cmds[c].fn(&x, argc - i, argv + i);
		sl_ctx_close(&x);
		return rc;
	}
	fprintf(stderr, "softlock: unknown command '%s' (see 'softlock help')\n",
		argv[i]);
	return SL_EXIT_USAGE;
}
