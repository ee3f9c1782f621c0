// SPDX-License-Identifier: GPL-2.0
/*
 * Endpoints and the peer process. The peer is always a child speaking the
 * protocol on its stdin/stdout: ssh to another host, a user's command, or
 * this helper itself. Its argv is built here, never passed through a local
 * shell, except for exec: endpoints whose whole point is a shell command.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "transport.h"
#include "../net/tls.h"
#include "../net/tls_peer.h"
#include "../lvm/lvm.h"
#include "../lib/run.h"
#include "../lib/testhook.h"

static int sl_bad_endpoint(char *err, size_t errlen, const char *spec,
			   const char *why)
{
	/* Quote a long spec's start only, so that the reason is kept. */
	int len = strlen(spec) > 80 ? 72 : (int)strlen(spec);

	snprintf(err, errlen, "endpoint '%.*s%s': %s", len, spec,
		 spec[len] ? "..." : "", why);
	return -EINVAL;
}

static int sl_volume(const char *spec, const char *vol, struct sl_endpoint *ep,
		     char *err, size_t errlen)
{
	if (!*vol)
		return sl_bad_endpoint(err, errlen, spec,
				       "missing volume: end it with VG/LV");
	if (strlen(vol) >= sizeof(ep->volume) || !sl_lvm_name_ok(vol))
		return sl_bad_endpoint(err, errlen, spec,
				       "the volume is not VG/LV (LVM names: letters, digits, +_.-, not starting with -)");
	strcpy(ep->volume, vol);
	return 0;
}

static int sl_parse_exec(const char *spec, struct sl_endpoint *ep,
			 char *err, size_t errlen)
{
	const char *cmd = spec + 5, *end;
	char q = *cmd;

	if (q != '\'' && q != '"')
		return sl_bad_endpoint(err, errlen, spec,
				       "exec: needs a quoted command: exec:'COMMAND':VG/LV");
	end = strchr(cmd + 1, q);
	if (!end)
		return sl_bad_endpoint(err, errlen, spec,
				       "unterminated quote in the exec: command");
	if (end == cmd + 1)
		return sl_bad_endpoint(err, errlen, spec, "empty exec: command");
	if ((size_t)(end - cmd - 1) >= sizeof(ep->command))
		return sl_bad_endpoint(err, errlen, spec,
				       "the exec: command is too long (1023 bytes at most)");
	if (end[1] != ':')
		return sl_bad_endpoint(err, errlen, spec,
				       "expected ':VG/LV' after the exec: command's closing quote");
	ep->kind = SL_EP_EXEC;
	memcpy(ep->command, cmd + 1, end - cmd - 1);
	ep->command[end - cmd - 1] = '\0';
	return sl_volume(spec, end + 2, ep, err, errlen);
}

/* tls:HOST[:PORT]:VG/LV, HOST an IPv6 address in brackets. */
static int sl_parse_tls(const char *spec, struct sl_endpoint *ep,
			char *err, size_t errlen)
{
	const char *h = spec + 4, *vol = strrchr(spec, ':'), *hend, *p;
	size_t len;

	if (vol <= h)
		return sl_bad_endpoint(err, errlen, spec,
				       "tls: needs a host and a volume: tls:HOST[:PORT]:VG/LV");
	if (*h == '[') {
		hend = strchr(h, ']');
		if (!hend || hend > vol)
			return sl_bad_endpoint(err, errlen, spec,
					       "unterminated '[' around the IPv6 address");
		h++;
		p = hend + 1;
	} else {
		hend = memchr(h, ':', vol - h);
		if (!hend)
			hend = vol;
		p = hend;
	}
	len = hend - h;
	if (!len || len >= sizeof(ep->host))
		return sl_bad_endpoint(err, errlen, spec,
				       "the host must be 1..255 bytes");
	for (const char *c = h; c < hend; c++)
		if ((unsigned char)*c <= ' ' || *c == 0x7f || *c == '/' ||
		    (*c == ':' && h[-1] != '['))
			return sl_bad_endpoint(err, errlen, spec,
					       "the host contains a space, a '/' or a control character");
	memcpy(ep->host, h, len);
	ep->host[len] = '\0';
	strcpy(ep->port, SL_TLS_PORT_DEFAULT);
	if (p < vol) {
		if (*p != ':' || vol - p - 1 < 1 || vol - p - 1 > 5 ||
		    strspn(p + 1, "0123456789") != (size_t)(vol - p - 1) ||
		    atoi(p + 1) < 1 || atoi(p + 1) > 65535)
			return sl_bad_endpoint(err, errlen, spec,
					       "the port must be a number 1..65535: tls:HOST[:PORT]:VG/LV");
		memcpy(ep->port, p + 1, vol - p - 1);
		ep->port[vol - p - 1] = '\0';
	}
	ep->kind = SL_EP_TLS;
	return sl_volume(spec, vol + 1, ep, err, errlen);
}

int sl_endpoint_parse(const char *spec, struct sl_endpoint *ep, char *err,
		      size_t errlen)
{
	const char *colon, *p;
	size_t len;

	memset(ep, 0, sizeof(*ep));
	if (!*spec)
		return sl_bad_endpoint(err, errlen, spec,
				       "empty: give VG/LV, HOST:VG/LV or exec:'COMMAND':VG/LV");
	if (!strncmp(spec, "exec:", 5))
		return sl_parse_exec(spec, ep, err, errlen);
	if (!strncmp(spec, "tls:", 4))
		return sl_parse_tls(spec, ep, err, errlen);
	/* LVM names have no ':', so the last one ends the host (IPv6). */
	colon = strrchr(spec, ':');
	if (!colon) {
		ep->kind = SL_EP_LOCAL;
		return sl_volume(spec, spec, ep, err, errlen);
	}
	len = colon - spec;
	if (!len)
		return sl_bad_endpoint(err, errlen, spec, "empty host before ':'");
	if (len >= sizeof(ep->host))
		return sl_bad_endpoint(err, errlen, spec,
				       "the host is too long (255 bytes at most)");
	/* It becomes an ssh argument: no option, no whitespace. */
	if (spec[0] == '-')
		return sl_bad_endpoint(err, errlen, spec, "a host cannot start with '-'");
	for (p = spec; p < colon; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f || *p == '\'' ||
		    *p == '"')
			return sl_bad_endpoint(err, errlen, spec,
					       "the host contains a space, a quote or a control character");
	ep->kind = SL_EP_SSH;
	memcpy(ep->host, spec, len);
	ep->host[len] = '\0';
	return sl_volume(spec, colon + 1, ep, err, errlen);
}

void sl_endpoint_format(const struct sl_endpoint *ep, char *buf, size_t size)
{
	switch (ep->kind) {
	case SL_EP_SSH:
		snprintf(buf, size, "%s:%s", ep->host, ep->volume);
		break;
	case SL_EP_TLS:
		snprintf(buf, size, strchr(ep->host, ':') ? "tls:[%s]:%s:%s" :
			 "tls:%s:%s:%s", ep->host, ep->port, ep->volume);
		break;
	case SL_EP_EXEC:
		/* A parsed command never holds both kinds of quote. */
		if (strchr(ep->command, '\''))
			snprintf(buf, size, "exec:\"%s\":%s", ep->command,
				 ep->volume);
		else
			snprintf(buf, size, "exec:'%s':%s", ep->command,
				 ep->volume);
		break;
	default:
		snprintf(buf, size, "%s", ep->volume);
	}
}

static void sl_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/*
 * The peer's environment: ours without the test build's fault
 * injections (lib/testhook.h), and without SSH_CONNECTION: a local peer (exec:, or this host's own
 * serve) started by an admin logged in over ssh was not reached over
 * ssh, and serve --stdio refuses one that was (ssh's remote end sets its
 * own). Built before sl_spawn forks (the child may only make
 * async-signal-safe calls).
 */
static char **sl_peer_env(void)
{
	size_t n = 0, m = 0;
	char **envp;

	while (environ[n])
		n++;
	envp = calloc(n + 1, sizeof(*envp));
	if (!envp)
		return NULL;
	for (n = 0; environ[n]; n++)
		if (!sl_test_var(environ[n]) &&
		    strncmp(environ[n], "SSH_CONNECTION=", 15))
			envp[m++] = environ[n];
	return envp;
}

int sl_peer_start(const struct sl_endpoint *ep, struct sl_peer_proc *p,
		  char *err, size_t errlen)
{
	const char *remote = getenv("SOFTLOCK_REMOTE");
	const char *ssh[] = { "ssh", "-o", "BatchMode=yes", "-T", ep->host,
			      remote && *remote ? remote : "softlock", "serve",
			      "--stdio", NULL };
	const char *sh[] = { "/bin/sh", "-c", ep->command, NULL };
	const char *self[] = { "/proc/self/exe", "serve", "--stdio", NULL };
	const char *const *argv = ep->kind == SL_EP_SSH ? ssh :
				  ep->kind == SL_EP_EXEC ? sh : self;
	int to[2] = { -1, -1 }, from[2] = { -1, -1 };
	char **envp = NULL;
	int rc = 0;

	p->pid = -1;
	p->rfd = p->wfd = -1;
	if (ep->kind == SL_EP_TLS)
		return sl_tls_peer_start(ep->host, ep->port, &p->pid, &p->rfd,
					 &p->wfd, err, errlen);
	/* A peer that dies must be an EPIPE to handle, not our death. */
	signal(SIGPIPE, SIG_IGN);
	rc = sl_pipes(to, from);
	if (rc) {
		snprintf(err, errlen, "cannot create pipes: %s", strerror(-rc));
		goto out;
	}
	envp = sl_peer_env();
	if (!envp) {
		rc = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	/* PATH only for a bare name ("ssh"), as a shell would. */
	rc = sl_spawn(&(struct sl_spawn){ .argv = argv, .envp = envp,
		.fd = { to[0], from[1], -1 } }, &p->pid);
	if (rc) {
		snprintf(err, errlen, "cannot run %s: %s%s", argv[0],
			 strerror(-rc), ep->kind == SL_EP_SSH ?
			 " (install openssh-client)" : "");
		goto out;
	}
	p->wfd = to[1];
	p->rfd = from[0];
	to[1] = from[0] = -1;
out:
	sl_close(&to[0]);
	sl_close(&to[1]);
	sl_close(&from[0]);
	sl_close(&from[1]);
	free(envp);
	return rc;
}

int sl_peer_finish(struct sl_peer_proc *p, int timeout_ms)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	int status, waited = 0;
	pid_t r;

	/* The child sees EOF on stdin (and EPIPE if it still writes). */
	sl_close(&p->wfd);
	sl_close(&p->rfd);
	if (p->pid <= 0)
		return -ECHILD;
	for (;;) {
		r = waitpid(p->pid, &status, WNOHANG);
		if (r < 0 && errno == EINTR)
			continue;
		if (r != 0)
			break;
		if (waited >= timeout_ms) {
			kill(p->pid, SIGKILL);
			while ((r = waitpid(p->pid, &status, 0)) < 0 &&
			       errno == EINTR)
				;
			break;
		}
		nanosleep(&tick, NULL);
		waited += 10;
	}
	p->pid = -1;
	if (r < 0)
		return -errno;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
