/* SPDX-License-Identifier: GPL-2.0 */
/*
 * endpoint_check.h - the endpoint checks mirror_unit_test.c and
 * net_test.c share: a spec parses, prints canonically and parses back to
 * the same endpoint; a bad spec is refused with the reason. Include after
 * kselftest_harness.h and ../mirror/transport.h.
 */
#ifndef ENDPOINT_CHECK_H
#define ENDPOINT_CHECK_H

#include <errno.h>
#include <string.h>

static void endpoint_roundtrip(struct __test_metadata *_metadata,
			       const char *spec, const char *canonical)
{
	struct sl_endpoint a, b;
	char err[512], buf[1400];

	ASSERT_EQ(0, sl_endpoint_parse(spec, &a, err, sizeof(err)))
		TH_LOG("%s: %s", spec, err);
	sl_endpoint_format(&a, buf, sizeof(buf));
	ASSERT_STREQ(canonical, buf);
	ASSERT_EQ(0, sl_endpoint_parse(buf, &b, err, sizeof(err)));
	ASSERT_EQ(0, memcmp(&a, &b, sizeof(a)));
}

static void endpoint_refused(struct __test_metadata *_metadata,
			     const char *spec, const char *why)
{
	struct sl_endpoint ep;
	char err[512] = "";

	ASSERT_EQ(-EINVAL, sl_endpoint_parse(spec, &ep, err, sizeof(err)))
		TH_LOG("accepted: %s", spec);
	ASSERT_NE(NULL, strstr(err, why)) TH_LOG("%s: %s", spec, err);
}

#endif /* ENDPOINT_CHECK_H */
