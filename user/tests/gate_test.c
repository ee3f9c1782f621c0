// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of cli/serve_gate.c's per-address limit: an IPv4
 * address counts alone, an IPv6 address by its /64 (a host owns a whole
 * /64 and could otherwise open 2^64 handshakes), an IPv4-mapped IPv6
 * address as the IPv4 address it is.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "kselftest_harness.h"

#include "../cli/serve_gate.h"

static struct sockaddr_storage addr(const char *text)
{
	struct sockaddr_storage ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET6, text, &s6->sin6_addr) == 1)
		s6->sin6_family = AF_INET6;
	else if (inet_pton(AF_INET, text, &s4->sin_addr) == 1)
		s4->sin_family = AF_INET;
	return ss;
}

FIXTURE(gate) {
	struct sl_gate g;
	pid_t next;
};

FIXTURE_SETUP(gate)
{
	const struct sl_gate_limits lim = {
		.sessions = 16, .handshakes = 128, .per_address = 2,
		.timeout_s = 10,
	};

	sl_gate_init(&self->g, &lim);
	self->next = 1000;
}

FIXTURE_TEARDOWN(gate)
{
	sl_gate_free(&self->g);
}

/* Admit a connection from text and, when admitted, add it. */
static bool connect_from(struct sl_gate *g, pid_t *next, const char *text)
{
	struct sockaddr_storage ss = addr(text);

	if (!sl_gate_admit(g, &ss, text))
		return false;
	return sl_gate_add(g, (*next)++, -1, &ss, text) == 0;
}

TEST_F(gate, ipv4_counts_each_address)
{
	ASSERT_TRUE(connect_from(&self->g, &self->next, "10.0.0.1"));
	ASSERT_TRUE(connect_from(&self->g, &self->next, "10.0.0.1"));
	EXPECT_FALSE(connect_from(&self->g, &self->next, "10.0.0.1"));
	EXPECT_TRUE(connect_from(&self->g, &self->next, "10.0.0.2"));
}

TEST_F(gate, ipv6_counts_each_slash_64)
{
	ASSERT_TRUE(connect_from(&self->g, &self->next, "2001:db8:0:1::1"));
	ASSERT_TRUE(connect_from(&self->g, &self->next, "2001:db8:0:1::2"));
	/* A third address of the same /64 is the same host. */
	EXPECT_FALSE(connect_from(&self->g, &self->next,
				  "2001:db8:0:1:ffff:ffff:ffff:ffff"));
	/* The next /64 is another. */
	EXPECT_TRUE(connect_from(&self->g, &self->next, "2001:db8:0:2::1"));
}

TEST_F(gate, ipv4_mapped_is_its_ipv4_address)
{
	ASSERT_TRUE(connect_from(&self->g, &self->next, "::ffff:10.0.0.1"));
	ASSERT_TRUE(connect_from(&self->g, &self->next, "10.0.0.1"));
	EXPECT_FALSE(connect_from(&self->g, &self->next, "::ffff:10.0.0.1"));
	/* Not its /64: the neighbour in the mapped range is another host. */
	EXPECT_TRUE(connect_from(&self->g, &self->next, "::ffff:10.0.0.2"));
}

TEST_F(gate, a_reaped_handshake_frees_its_place)
{
	ASSERT_TRUE(connect_from(&self->g, &self->next, "2001:db8::1"));
	ASSERT_TRUE(connect_from(&self->g, &self->next, "2001:db8::2"));
	ASSERT_FALSE(connect_from(&self->g, &self->next, "2001:db8::3"));
	sl_gate_reaped(&self->g, 1000);
	EXPECT_TRUE(connect_from(&self->g, &self->next, "2001:db8::3"));
}

TEST_HARNESS_MAIN
