// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of the TLS transport: tls: endpoints, the peers file, and a
 * real mutual-TLS connection on 127.0.0.1 (certificates made with the
 * openssl command) carrying 8 MiB each way through both relays, with
 * the refusals a wrong certificate must get.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "kselftest_harness.h"

#include "../mirror/transport.h"
#include "../net/peers.h"
#include "../net/tls.h"
#include "../net/tls_peer.h"
#include "endpoint_check.h"

/* ---- tls: endpoints ---- */

static void tls_ep(struct __test_metadata *_metadata, const char *spec,
		   const char *host, const char *port, const char *canonical)
{
	struct sl_endpoint a;
	char err[512];

	endpoint_roundtrip(_metadata, spec, canonical);
	ASSERT_EQ(0, sl_endpoint_parse(spec, &a, err, sizeof(err)))
		TH_LOG("%s: %s", spec, err);
	ASSERT_EQ((int)SL_EP_TLS, (int)a.kind);
	ASSERT_STREQ(host, a.host);
	ASSERT_STREQ(port, a.port);
	ASSERT_STREQ("vg/lv", a.volume);
}

TEST(tls_endpoints)
{
	tls_ep(_metadata, "tls:a.example:vg/lv", "a.example", "7433",
	       "tls:a.example:7433:vg/lv");
	tls_ep(_metadata, "tls:10.0.0.1:9000:vg/lv", "10.0.0.1", "9000",
	       "tls:10.0.0.1:9000:vg/lv");
	tls_ep(_metadata, "tls:[fd00::2]:vg/lv", "fd00::2", "7433",
	       "tls:[fd00::2]:7433:vg/lv");
	tls_ep(_metadata, "tls:[::1]:1:vg/lv", "::1", "1", "tls:[::1]:1:vg/lv");
	endpoint_refused(_metadata, "tls:vg/lv", "needs a host and a volume");
	endpoint_refused(_metadata, "tls::vg/lv", "needs a host and a volume");
	endpoint_refused(_metadata, "tls::7433:vg/lv", "1..255 bytes");
	endpoint_refused(_metadata, "tls:h:0:vg/lv", "port must be a number");
	endpoint_refused(_metadata, "tls:h:65536:vg/lv",
			 "port must be a number");
	endpoint_refused(_metadata, "tls:h:x1:vg/lv", "port must be a number");
	endpoint_refused(_metadata, "tls:h:1:2:vg/lv", "port must be a number");
	endpoint_refused(_metadata, "tls:[::1:vg/lv", "unterminated '['");
	endpoint_refused(_metadata, "tls:a b:vg/lv", "space");
	endpoint_refused(_metadata, "tls:h:vg", "not VG/LV");
}

/* ---- the peers file ---- */

static bool is_name(const char *peer, void *arg)
{
	return !strcmp(peer, arg);
}

TEST(peers_parse)
{
	const char *text =
		"# who may do what\n"
		"hostB ba source vgA/vol hostB:vgB/vol  # B pulls\n"
		"\n"
		"   \t\n"
		"sha256:AB:cd:EF:0123456789abcdef0123456789abcdef0123456789abcdef0123456789 ca destination vgA/in\r\n"
		"hostB bb destination vgA/in2";
	struct sl_grants g;
	const struct sl_grant *x;
	char err[512];

	ASSERT_EQ(0, sl_grants_parse(text, "peers", &g, err, sizeof(err)))
		TH_LOG("%s", err);
	ASSERT_EQ(3u, g.n);
	ASSERT_STREQ("hostB", g.g[0].peer);
	ASSERT_TRUE(g.g[0].source);
	ASSERT_STREQ("vgA/vol", g.g[0].volume);
	ASSERT_STREQ("hostB:vgB/vol", g.g[0].dataset);
	ASSERT_EQ(2u, g.g[0].line);
	/* Fingerprints are kept as lowercase hex without colons. */
	ASSERT_STREQ("sha256:abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789",
		     g.g[1].peer);
	ASSERT_FALSE(g.g[1].source);
	ASSERT_STREQ("", g.g[1].dataset);
	ASSERT_EQ(5u, g.g[1].line);
	x = sl_grants_find(&g, "bb", is_name, "hostB");
	ASSERT_NE(NULL, x);
	ASSERT_STREQ("vgA/in2", x->volume);
	ASSERT_EQ(NULL, sl_grants_find(&g, "bb", is_name, "hostC"));
	ASSERT_EQ(NULL, sl_grants_find(&g, "zz", is_name, "hostB"));
	/* Grants already narrowed to one peer: any PEER matches. */
	x = sl_grants_find(&g, "ca", NULL, NULL);
	ASSERT_NE(NULL, x);
	ASSERT_FALSE(x->source);
	sl_grants_free(&g);
	ASSERT_EQ(0, sl_grants_parse("# nothing\n", "peers", &g, err,
				     sizeof(err)));
	ASSERT_EQ(0u, g.n);
}

static void peers_bad(struct __test_metadata *_metadata, const char *text,
		      const char *why)
{
	struct sl_grants g;
	char err[512] = "";

	ASSERT_EQ(-EINVAL, sl_grants_parse(text, "P", &g, err, sizeof(err)))
		TH_LOG("accepted: %s", text);
	ASSERT_NE(NULL, strstr(err, why)) TH_LOG("%s: %s", text, err);
	ASSERT_EQ(0u, g.n);
}

TEST(peers_errors)
{
	char long_line[1100];

	peers_bad(_metadata, "ok r source vg/lv h:vg/lv\nbad\n", "P line 2: too few");
	peers_bad(_metadata, "a r source vg/lv h:vg/lv x", "too many");
	peers_bad(_metadata, "a r both vg/lv", "source or destination");
	peers_bad(_metadata, "a r source vg/lv", "needs the peer's DATASET");
	peers_bad(_metadata, "a r destination vg/lv h:vg/lv", "takes no DATASET");
	peers_bad(_metadata, "a r source vg h:vg/lv", "not VG/LV");
	peers_bad(_metadata, "a r source vg/lv vg/lv", "not HOST:VG/LV");
	peers_bad(_metadata, "a r source vg/lv :vg/lv", "not HOST:VG/LV");
	peers_bad(_metadata, "sha256:12 r destination vg/lv", "64 hex digits");
	peers_bad(_metadata, "a 0123456789012345678901234567890123456789012345678901234567890123 destination vg/lv",
		  "longer than 63");
	memset(long_line, 'x', sizeof(long_line) - 1);
	long_line[sizeof(long_line) - 1] = '\0';
	peers_bad(_metadata, long_line, "longer than 1023");
}

/* ---- a real connection ---- */

#define BIG (8 << 20)

static int sh(const char *fmt, const char *dir)
{
	char cmd[4096];

	snprintf(cmd, sizeof(cmd), fmt, dir, dir, dir, dir, dir, dir, dir,
		 dir, dir, dir);
	return system(cmd);
}

/* dir/{ca,rogue}/ and dir/{srv,cli,bad}/{cert,key,ca}.pem */
static int make_certs(const char *dir)
{
	return sh("set -e; cd %s; printf '[req]\\ndistinguished_name=dn\\n[dn]\\n' > cnf;"
		  "export OPENSSL_CONF=$PWD/cnf;"
		  "for ca in ca rogue; do openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"
		  " -days 2 -keyout $ca.key -out $ca.pem -subj /CN=$ca 2>/dev/null; done;"
		  "mk() { mkdir -p $1; printf 'subjectAltName=%%s\\n' $3 > $1/ext;"
		  " openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout $1/key.pem"
		  " -out $1/csr -subj /CN=$1 2>/dev/null;"
		  " openssl x509 -req -in $1/csr -CA $2.pem -CAkey $2.key -set_serial $4 -days 2"
		  " -extfile $1/ext -out $1/cert.pem 2>/dev/null; cp ca.pem $1/ca.pem; chmod 600 $1/key.pem; };"
		  "mk srv ca IP:127.0.0.1 1; mk cli ca DNS:cli 2; mk bad rogue DNS:cli 3", dir);
}

/* The server side: accept one connection, echo everything back reversed-case free. */
static void serve_echo(const char *dir, int lfd)
{
	char err[512];
	SSL_CTX *ctx = sl_tls_ctx(true, dir, err, sizeof(err));
	int to[2], back[2], fd, rc;
	SSL *ssl;

	if (!ctx)
		_exit(10);
	fd = accept(lfd, NULL, NULL);
	if (fd < 0 || sl_tls_accept(ctx, fd, 10000, &ssl, err, sizeof(err)))
		_exit(11);
	if (!sl_tls_peer_is("cli", ssl) || sl_tls_peer_is("srv", ssl))
		_exit(12);
	/* A plain echo loop in a child, relayed to the client. */
	if (pipe(to) || pipe(back))
		_exit(13);
	if (fork() == 0) {
		char buf[65536];
		ssize_t n;

		close(to[1]);
		close(back[0]);
		while ((n = read(to[0], buf, sizeof(buf))) > 0)
			if (write(back[1], buf, n) != n)
				_exit(1);
		_exit(0);
	}
	close(to[0]);
	close(back[1]);
	rc = sl_tls_relay(ssl, fd, back[0], to[1], 10000, "test server", err,
			  sizeof(err));
	if (rc)
		fprintf(stderr, "%s\n", err);
	wait(NULL);
	_exit(rc ? 14 : 0);
}

static int listener(int *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || bind(fd, (void *)&a, sizeof(a)) || listen(fd, 4) ||
	    getsockname(fd, (void *)&a, &len))
		return -1;
	*port = ntohs(a.sin_port);
	return fd;
}

FIXTURE(tls) {
	char dir[64];
	char sub[128];
	char port[8];
	int lfd;
	pid_t server;
};

FIXTURE_SETUP(tls)
{
	int port;

	strcpy(self->dir, "/tmp/sl-net-test.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	ASSERT_EQ(0, make_certs(self->dir));
	self->lfd = listener(&port);
	ASSERT_LE(0, self->lfd);
	snprintf(self->port, sizeof(self->port), "%d", port);
	snprintf(self->sub, sizeof(self->sub), "%s/srv", self->dir);
	self->server = fork();
	ASSERT_LE(0, self->server);
	if (!self->server)
		serve_echo(self->sub, self->lfd);
	signal(SIGPIPE, SIG_IGN);
}

FIXTURE_TEARDOWN(tls)
{
	kill(self->server, SIGKILL);
	waitpid(self->server, NULL, 0);
	close(self->lfd);
	sh("rm -rf %s", self->dir);
}

static int server_status(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

TEST_F(tls, eight_mib_both_ways)
{
	char err[1024], *out, *in;
	int rfd, wfd, status;
	size_t got = 0, i;
	pid_t relay, writer;
	ssize_t n;

	snprintf(self->sub, sizeof(self->sub), "%s/cli", self->dir);
	setenv("SOFTLOCK_TLS_DIR", self->sub, 1);
	ASSERT_EQ(0, sl_tls_peer_start("127.0.0.1", self->port, &relay, &rfd,
				       &wfd, err, sizeof(err)))
		TH_LOG("%s", err);
	out = malloc(BIG);
	in = malloc(BIG);
	ASSERT_NE(NULL, out);
	ASSERT_NE(NULL, in);
	for (i = 0; i < BIG; i++)
		out[i] = (char)(i * 2654435761u >> 13);
	/* Write and read together: the echo would fill the pipes. */
	writer = fork();
	if (writer == 0) {
		size_t off = 0;

		close(rfd);
		while (off < BIG && (n = write(wfd, out + off, BIG - off)) > 0)
			off += n;
		_exit(off == BIG ? 0 : 1);
	}
	close(wfd);
	while (got < BIG && (n = read(rfd, in + got, BIG - got)) > 0)
		got += n;
	ASSERT_EQ((size_t)BIG, got);
	ASSERT_EQ(0, memcmp(out, in, BIG));
	/* Our EOF went through; the server's came back. */
	ASSERT_EQ(0, read(rfd, in, 1));
	ASSERT_EQ(writer, waitpid(writer, &status, 0));
	ASSERT_EQ(0, WEXITSTATUS(status));
	close(rfd);
	ASSERT_EQ(relay, waitpid(relay, &status, 0));
	ASSERT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(0, server_status(self->server));
	free(out);
	free(in);
}

TEST_F(tls, untrusted_client_refused)
{
	char err[1024];
	int rfd, wfd;
	pid_t relay;

	snprintf(self->sub, sizeof(self->sub), "%s/bad", self->dir);
	setenv("SOFTLOCK_TLS_DIR", self->sub, 1);
	ASSERT_EQ(-EACCES, sl_tls_peer_start("127.0.0.1", self->port, &relay,
					     &rfd, &wfd, err, sizeof(err)));
	ASSERT_NE(NULL, strstr(err, "refused this host's certificate"))
		TH_LOG("%s", err);
	ASSERT_EQ(11, server_status(self->server));
}

TEST_F(tls, server_must_name_the_address)
{
	char err[1024];
	int rfd, wfd;
	pid_t relay;

	snprintf(self->sub, sizeof(self->sub), "%s/cli", self->dir);
	setenv("SOFTLOCK_TLS_DIR", self->sub, 1);
	/* localhost is 127.0.0.1, but the certificate names only the address. */
	ASSERT_EQ(-EACCES, sl_tls_peer_start("localhost", self->port, &relay,
					     &rfd, &wfd, err, sizeof(err)));
	ASSERT_NE(NULL, strstr(err, "not trusted here: hostname mismatch"))
		TH_LOG("%s", err);
}

TEST_F(tls, key_readable_by_others)
{
	char err[1024], key[200];
	int rfd, wfd;
	pid_t relay;

	snprintf(self->sub, sizeof(self->sub), "%s/cli", self->dir);
	snprintf(key, sizeof(key), "%s/key.pem", self->sub);
	ASSERT_EQ(0, chmod(key, 0640));
	setenv("SOFTLOCK_TLS_DIR", self->sub, 1);
	ASSERT_EQ(-ENOENT, sl_tls_peer_start("127.0.0.1", self->port, &relay,
					     &rfd, &wfd, err, sizeof(err)));
	ASSERT_NE(NULL, strstr(err, "can be read by others than its owner"))
		TH_LOG("%s", err);
}

TEST_F(tls, key_owned_by_another_user)
{
	char err[1024], key[200];
	int rfd, wfd;
	pid_t relay;

	snprintf(self->sub, sizeof(self->sub), "%s/cli", self->dir);
	snprintf(key, sizeof(key), "%s/key.pem", self->sub);
	/* Mode 0600, but its owner is not root: that user can read it. */
	ASSERT_EQ(0, chown(key, 12345, -1));
	setenv("SOFTLOCK_TLS_DIR", self->sub, 1);
	ASSERT_EQ(-ENOENT, sl_tls_peer_start("127.0.0.1", self->port, &relay,
					     &rfd, &wfd, err, sizeof(err)));
	ASSERT_NE(NULL, strstr(err, "belongs to uid 12345, not root"))
		TH_LOG("%s", err);
}

/*
 * The client's SSL_set1_host, which fails when a test says so (OpenSSL's
 * fails when out of memory): then no name would be checked at all.
 */
static bool fail_set1_host;

int SSL_set1_host(SSL *s, const char *hostname)
{
	int (*real)(SSL *, const char *);

	if (fail_set1_host)
		return 0;
	real = (int (*)(SSL *, const char *))dlsym(RTLD_NEXT, "SSL_set1_host");
	return real ? real(s, hostname) : 0;
}

TEST_F(tls, server_name_that_cannot_be_set_fails_closed)
{
	char err[1024];
	int rfd, wfd;
	pid_t relay;

	snprintf(self->sub, sizeof(self->sub), "%s/cli", self->dir);
	setenv("SOFTLOCK_TLS_DIR", self->sub, 1);
	fail_set1_host = true;
	/*
	 * localhost is 127.0.0.1, which the server's certificate names, but
	 * not as localhost: unchecked, the name would pass.
	 */
	EXPECT_GT(0, sl_tls_peer_start("localhost", self->port, &relay,
				       &rfd, &wfd, err, sizeof(err)));
	fail_set1_host = false;
	EXPECT_NE(NULL, strstr(err, "cannot have the server's certificate checked for localhost"))
		TH_LOG("%s", err);
}

TEST_HARNESS_MAIN
