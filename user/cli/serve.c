// SPDX-License-Identifier: GPL-2.0
/*
 * softlock serve: the peer end of a mirror session. The peer is a name
 * in the peers file: a certificate's over --tls, the --peer of an ssh
 * forced command over --stdio. Its grants decide which relationship,
 * role, volume and lock set it may touch before anything else happens.
 * Only a --stdio that root started on this host (an exec: endpoint, a
 * local mirror) serves whatever the HELLO asks: whoever could start it
 * could run lvm itself. One reached over ssh without --peer would serve
 * anyone holding the key every volume, so it refuses.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "serve.h"
#include "../net/tls.h"
#include "../mirror/mirror.h"
#include "../mirror/mstore.h"
#include "../mirror/runlock.h"
#include "../mirror/session.h"
#include "../mirror/verify.h"

/* 0, or the ERROR sent to a peer that asked for more than its grants. */
static int sl_serve_authorize(struct sl_session *s,
			      const struct sl_serve_auth *auth,
			      const char *rel, const char *vol,
			      struct sl_mirror_env *e)
{
	const struct sl_grant *g = sl_grants_find(&auth->grants, rel, NULL, NULL);
	bool source = s->ps.self == SL_ROLE_SOURCE;

	if (!g)
		return sl_sess_fail(s, EACCES,
				    "%s: %s may not run relationship '%s' here: no line of the peers file grants it",
				    e->host, auth->peer, rel);
	if (strcmp(g->volume, vol))
		return sl_sess_fail(s, EACCES,
				    "%s: relationship '%s' is on %s here, not %s",
				    e->host, rel, g->volume, vol);
	if (s->ps.purpose == SL_PURPOSE_VERIFY)
		return 0;
	if (g->source != source)
		return sl_sess_fail(s, EACCES,
				    "%s: relationship '%s' makes this host the %s of %s, not the %s",
				    e->host, rel, g->source ? "source" : "destination",
				    vol, source ? "source" : "destination");
	e->only_dataset = g->source ? g->dataset : NULL;
	return 0;
}

int sl_serve_auth_load(struct sl_serve_auth *auth,
		       bool (*is_peer)(const char *name, void *arg),
		       void *arg, const char *peer, const char *who)
{
	struct sl_grants all;
	char err[1024], path[4096];
	size_t i;

	snprintf(path, sizeof(path), "%s/peers", sl_tls_dir());
	if (sl_grants_load(path, &all, err, sizeof(err)))
		fprintf(stderr, "softlock: %s: %s\n", who, err);
	auth->peer = peer;
	auth->grants.n = 0;
	auth->grants.g = calloc(all.n ? all.n : 1, sizeof(*auth->grants.g));
	if (!auth->grants.g) {
		sl_grants_free(&all);
		return -ENOMEM;
	}
	for (i = 0; i < all.n; i++)
		if (is_peer(all.g[i].peer, arg))
			auth->grants.g[auth->grants.n++] = all.g[i];
	sl_grants_free(&all);
	return 0;
}

/* --peer NAME matches the PEER field as written. */
static bool sl_peer_named(const char *name, void *arg)
{
	return !strcmp(name, arg);
}

/*
 * sshd sets SSH_CONNECTION for the command it runs: a --stdio without
 * --peer there is a key that would be served every volume.
 */
static int sl_serve_ssh_refuse(struct sl_ctx *x)
{
	sl_err(x, "--stdio started by ssh (SSH_CONNECTION is set) without --peer, which would let whoever holds this ssh key read, overwrite or hold any thin volume here; refused.\n"
	       "  Name the key's peer in root's ~/.ssh/authorized_keys on this host, in front of the key:\n"
	       "    command=\"softlock serve --stdio --peer NAME\",restrict ssh-ed25519 AAAA... COMMENT\n"
	       "  and grant NAME its relationships in %s/peers (see softlock(8), serve).",
	       sl_tls_dir());
	return SL_EXIT_FAIL;
}

/* serve --stdio [--peer NAME]. */
static int sl_serve_stdio(struct sl_ctx *x, const char *peer)
{
	struct sl_serve_auth auth = { 0 };
	char who[300];
	int rc;

	if (!peer) {
		if (getenv("SSH_CONNECTION"))
			return sl_serve_ssh_refuse(x);
		return sl_serve_session(x, STDIN_FILENO, STDOUT_FILENO, NULL);
	}
	snprintf(who, sizeof(who), "serve --stdio --peer %s", peer);
	if (sl_serve_auth_load(&auth, sl_peer_named, (void *)peer, peer, who)) {
		sl_err(x, "%s: out of memory", who);
		return SL_EXIT_FAIL;
	}
	rc = sl_serve_session(x, STDIN_FILENO, STDOUT_FILENO, &auth);
	sl_grants_free(&auth.grants);
	return rc;
}

/*
 * How long a session waits for the run lock before it refuses. A peer
 * that died mid-update (killed, rebooted, a cut link) leaves its session
 * here holding the lock until that session's current step ends and it
 * reads the closed connection: the peer's next update, which may come at
 * once, must not be refused for its own ghost.
 */
#define SL_SERVE_RUNLOCK_WAIT_MS 60000
#define SL_SERVE_RUNLOCK_POLL_MS 100

/*
 * The relationship's run lock in this host's role, held until the session
 * ends: a second session, or an update run here, would share its .part
 * and checkpoint. The peer is told who has it.
 */
static int sl_serve_runlock(struct sl_session *s, struct sl_cat *cat,
			    const char *rel, int *fd)
{
	const struct timespec poll = {
		.tv_nsec = SL_SERVE_RUNLOCK_POLL_MS * 1000000L,
	};
	bool source = s->ps.self == SL_ROLE_SOURCE;
	unsigned int waited = 0;
	char err[4600];
	pid_t holder;
	int rc;

	for (;;) {
		rc = sl_runlock_take(cat, rel, source ? "source" : "destination",
				     fd, &holder, err, sizeof(err));
		if (rc != -EBUSY || waited >= SL_SERVE_RUNLOCK_WAIT_MS)
			break;
		nanosleep(&poll, NULL);
		waited += SL_SERVE_RUNLOCK_POLL_MS;
	}
	if (rc == -EBUSY)
		return sl_sess_fail(s, EBUSY,
				    "%s: relationship %s is being updated by pid %d there: nothing done; run it again once that one ends",
				    s->host, rel, (int)holder);
	if (rc)
		return sl_sess_fail(s, -rc, "%s: %s", s->host, err);
	return 0;
}

int sl_serve_session(struct sl_ctx *x, int rfd, int wfd,
		     const struct sl_serve_auth *auth)
{
	struct sl_mirror_env e = { 0 };
	struct sl_session s;
	const char *rel, *vol;
	char relc[SL_REL_NAME_MAX + 1], volc[256], host[256];
	int rc, run = -1;

	if (sl_mirror_open(x))
		return SL_EXIT_FAIL;
	e.cat = x->cat;
	e.k = sl_mirror_kernel();
	e.host = sl_host_name(host, sizeof(host));
	sl_sess_init(&s, rfd, wfd, false, 0, e.host);
	rc = sl_sess_accept_hello(&s, &rel, &vol);
	e.lease = s.lease;
	if (!rc && auth && auth->busy)
		rc = sl_sess_fail(&s, EBUSY,
				  "%s: every session slot is taken (serve --max-sessions): nothing done; run it again once one ends",
				  e.host);
	else if (!rc) {
		snprintf(relc, sizeof(relc), "%s", rel);
		snprintf(volc, sizeof(volc), "%s", vol);
		if (auth)
			rc = sl_serve_authorize(&s, auth, relc, volc, &e);
	}
	/* A verify reads one PCPI and changes nothing here. */
	if (!rc && s.ps.purpose != SL_PURPOSE_VERIFY)
		rc = sl_serve_runlock(&s, x->cat, relc, &run);
	if (!rc)
		rc = sl_sess_ack(&s);
	if (!rc) {
		/* A verify reads one PCPI and changes nothing here. */
		if (s.ps.purpose == SL_PURPOSE_VERIFY)
			rc = sl_verify_serve(&s, volc);
		else if (s.ps.purpose == SL_PURPOSE_RELEASE)
			rc = s.ps.self == SL_ROLE_SOURCE ?
			     sl_mirror_source_release(&s, &e, relc, volc) :
			     sl_mirror_dest_release(&s, &e, relc, volc);
		else
			rc = s.ps.self == SL_ROLE_SOURCE ?
			     sl_mirror_source(&s, &e, relc, volc) :
			     sl_mirror_dest(&s, &e, relc, volc);
	}
	if (rc)
		sl_err(x, "%s", s.err);
	sl_sess_free(&s);
	if (e.k)
		sl_kmod_close(e.k);
	if (run >= 0)
		close(run);	/* a --tls server's session ends, it goes on */
	return rc ? SL_EXIT_FAIL : SL_EXIT_OK;
}

static const struct option sl_serve_opts[] = {
	{ "stdio", no_argument, NULL, 's' },
	{ "tls", no_argument, NULL, 't' },
	{ "listen", required_argument, NULL, 'l' },
	{ "max-sessions", required_argument, NULL, 'm' },
	{ "max-handshakes", required_argument, NULL, 'H' },
	{ "max-handshakes-per-address", required_argument, NULL, 'A' },
	{ "handshake-timeout", required_argument, NULL, 'T' },
	{ "peer", required_argument, NULL, 'p' },
	{ NULL, 0, NULL, 0 },
};

int cmd_serve(struct sl_ctx *x, int argc, char **argv)
{
	const char *listen = NULL, *peer = NULL;
	bool stdio = false, tls = false;
	struct sl_gate_limits lim = {
		.sessions = SL_GATE_SESSIONS, .handshakes = SL_GATE_HANDSHAKES,
		.per_address = SL_GATE_PER_ADDRESS, .timeout_s = SL_GATE_TIMEOUT_S,
	};
	bool gate = false;
	int c;

	while ((c = getopt_long(argc, argv, "", sl_serve_opts, NULL)) != -1) {
		switch (c) {
		case 's':
			stdio = true;
			break;
		case 't':
			tls = true;
			break;
		case 'l':
			listen = optarg;
			break;
		case 'p':
			/* A name in the peers file's PEER column: one field. */
			if (!*optarg || strlen(optarg) > 255 ||
			    optarg[strcspn(optarg, " \t\r\n#")] ||
			    !strncmp(optarg, "sha256:", 7))
				return sl_usage(x, "--peer %s: give the name of the PEER column of the peers file (no blanks, no '#', not a sha256: fingerprint)",
						optarg);
			peer = optarg;
			break;
		case 'm':
			if (sl_parse_u32(optarg, 1024, &lim.sessions) || !lim.sessions)
				return sl_usage(x, "--max-sessions %s: give a number 1..1024",
						optarg);
			gate = true;
			break;
		case 'H':
			if (sl_parse_u32(optarg, 4096, &lim.handshakes) || !lim.handshakes)
				return sl_usage(x, "--max-handshakes %s: give a number 1..4096",
						optarg);
			gate = true;
			break;
		case 'A':
			if (sl_parse_u32(optarg, 1024, &lim.per_address) || !lim.per_address)
				return sl_usage(x, "--max-handshakes-per-address %s: give a number 1..1024",
						optarg);
			gate = true;
			break;
		case 'T':
			if (sl_parse_u32(optarg, SL_GATE_TIMEOUT_MAX, &lim.timeout_s) ||
			    !lim.timeout_s)
				return sl_usage(x, "--handshake-timeout %s: give seconds, 1..%d",
						optarg, SL_GATE_TIMEOUT_MAX);
			gate = true;
			break;
		default:
			return sl_usage(x, "serve: --stdio [--peer NAME] | --tls [--listen [ADDR]:PORT] [--max-sessions N] [--max-handshakes N] [--max-handshakes-per-address N] [--handshake-timeout SECONDS]");
		}
	}
	if (optind != argc)
		return sl_usage(x, "serve takes no arguments, only --stdio or --tls");
	if (stdio == tls)
		return sl_usage(x, "serve needs --stdio (the peer protocol on stdin and stdout) or --tls (listen for peers over TCP with mutual TLS)");
	if (stdio && (listen || gate))
		return sl_usage(x, "--listen and the limits of sessions and handshakes go with --tls");
	if (tls && peer)
		return sl_usage(x, "--peer goes with --stdio: over --tls the peer is its certificate");
	if (stdio)
		return sl_serve_stdio(x, peer);
	return sl_serve_tls(x, listen, &lim);
}
