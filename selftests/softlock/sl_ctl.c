// SPDX-License-Identifier: GPL-2.0
/*
 * sl_ctl - a small control tool for the softlock netlink family, used by
 * the shell selftests. Output is line oriented and stable so scripts can
 * parse it; errors go to stderr as "sl_ctl: CMD: STRERROR: EXTACK".
 * Exit status: 0 ok, 1 the kernel (or the socket) said no, 2 bad usage.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <libmnl/libmnl.h>

#include "nl.h"

#define EXIT_USAGE	2

static const char usage_text[] =
	"usage: sl_ctl add POOL PCPI TYPE TEXT [-d DATASET] [-o ORIGIN] [-e EXPIRES] [-p MAJ:MIN -u DM_UUID]\n"
	"       sl_ctl del POOL PCPI [-t TYPE] [-x TEXT] [-o ORIGIN]\n"
	"       sl_ctl check POOL PCPI\n"
	"       sl_ctl dump [-P POOL] [-i PCPI] [-o ORIGIN]\n"
	"       sl_ctl pools\n"
	"       sl_ctl seal | unseal\n"
	"       sl_ctl stats\n"
	"       sl_ctl replace POOL ORIGIN GEN N FIRST_PCPI [TEXTPREFIX [PER_PCPI]]\n"
	"       sl_ctl count [-P POOL]\n"
	"TYPE: owner, dest-path, qtree, app or 1..4. EXPIRES: unix seconds, or +SECONDS from now.\n";

/* Everything one command needs; lives on main()'s stack. */
struct ctl {
	const char *cmd;
	struct sl_nl *nl;
	char *buf;			/* SL_NL_BUF request buffer */
	const char *pool, *origin, *text, *dataset, *pin_uuid;
	bool has_pcpi, has_expires, has_pin;
	uint32_t pcpi, type, pin_dev;
	uint64_t expires;
};

static int usage(const char *why, const char *arg)
{
	if (why)
		fprintf(stderr, "sl_ctl: %s%s%s (sl_ctl -h for usage)\n", why,
			arg ? ": " : "", arg ? arg : "");
	else
		fputs(usage_text, stderr);
	return EXIT_USAGE;
}

static int fail(const struct ctl *c, int err)
{
	const char *ext = c->nl ? sl_nl_extack(c->nl) : "";

	fprintf(stderr, "sl_ctl: %s: %s%s%s\n", c->cmd, strerror(-err),
		*ext ? ": " : "", ext);
	return 1;
}

/* Connect only once the arguments are known good: usage errors exit 2. */
static int ctl_open(struct ctl *c)
{
	int err;

	c->buf = malloc(SL_NL_BUF);
	c->nl = c->buf ? sl_nl_open() : NULL;
	if (c->nl)
		return 0;
	err = c->buf ? errno : ENOMEM;
	fprintf(stderr, "sl_ctl: %s: %s%s\n", c->cmd, strerror(err),
		err == ENOENT ? ": no softlock family; is softlock.ko loaded?" :
		"");
	return 1;
}

static bool parse_u64(const char *s, uint64_t max, uint64_t *v)
{
	unsigned long long x;
	char *end;

	if (!*s || *s == '-')
		return false;
	errno = 0;
	x = strtoull(s, &end, 0);
	if (errno || *end || x > max)
		return false;
	*v = x;
	return true;
}

static bool parse_u32(const char *s, uint32_t *v)
{
	uint64_t x;

	if (!parse_u64(s, UINT32_MAX, &x))
		return false;
	*v = x;
	return true;
}

/* MAJ:MIN to the kernel's new_encode_dev() form, as PIN_DEV wants it. */
static bool parse_dev(const char *s, uint32_t *dev)
{
	unsigned int maj, min;
	char tail;

	if (sscanf(s, "%u:%u%c", &maj, &min, &tail) != 2 || maj > 0xfff ||
	    min > 0xfffff)
		return false;
	*dev = (min & 0xff) | (maj << 8) | ((min & ~0xffu) << 12);
	return true;
}

static bool parse_expires(const char *s, uint64_t *v)
{
	uint64_t rel;

	if (*s != '+')
		return parse_u64(s, UINT64_MAX, v);
	if (!parse_u64(s + 1, UINT32_MAX, &rel))
		return false;
	*v = (uint64_t)time(NULL) + rel;
	return true;
}

/* Options shared by the commands; each command says which it accepts. */
static int parse_opts(struct ctl *c, int argc, char **argv, const char *opts)
{
	int o, t;

	optind = 0;	/* glibc: start afresh */
	while ((o = getopt(argc, argv, opts)) != -1) {
		switch (o) {
		case 'd':
			c->dataset = optarg;
			break;
		case 'o':
			c->origin = optarg;
			break;
		case 'x':
			c->text = optarg;
			break;
		case 'P':
			c->pool = optarg;
			break;
		case 'e':
			if (!parse_expires(optarg, &c->expires))
				return usage("bad expiry", optarg);
			c->has_expires = true;
			break;
		case 'p':
			if (!parse_dev(optarg, &c->pin_dev))
				return usage("bad device, want MAJ:MIN", optarg);
			c->has_pin = true;
			break;
		case 'u':
			c->pin_uuid = optarg;
			break;
		case 'i':
			if (!parse_u32(optarg, &c->pcpi))
				return usage("bad PCPI", optarg);
			c->has_pcpi = true;
			break;
		case 't':
			t = sl_nl_type_parse(optarg);
			if (t < 0)
				return usage("bad lock type", optarg);
			c->type = t;
			break;
		default:
			return usage(NULL, NULL);
		}
	}
	return 0;
}

static int cmd_add(struct ctl *c, int argc, char **argv)
{
	struct nlmsghdr *nlh;
	int t, err;

	if (argc != 4)
		return usage("add wants POOL PCPI TYPE TEXT", NULL);
	if (!parse_u32(argv[1], &c->pcpi))
		return usage("bad PCPI", argv[1]);
	t = sl_nl_type_parse(argv[2]);
	if (t < 0)
		return usage("bad lock type", argv[2]);
	if (ctl_open(c))
		return 1;
	nlh = sl_nl_req(c->nl, c->buf, SOFTLOCK_CMD_LOCK_ADD, 0);
	mnl_attr_put_strz(nlh, SOFTLOCK_A_POOL, argv[0]);
	mnl_attr_put_u32(nlh, SOFTLOCK_A_PCPI, c->pcpi);
	mnl_attr_put_u32(nlh, SOFTLOCK_A_TYPE, t);
	mnl_attr_put_strz(nlh, SOFTLOCK_A_TEXT, argv[3]);
	if (c->dataset)
		mnl_attr_put_strz(nlh, SOFTLOCK_A_DATASET, c->dataset);
	if (c->origin)
		mnl_attr_put_strz(nlh, SOFTLOCK_A_ORIGIN, c->origin);
	if (c->has_expires)
		mnl_attr_put_u64(nlh, SOFTLOCK_A_EXPIRES, c->expires);
	if (c->has_pin)
		mnl_attr_put_u32(nlh, SOFTLOCK_A_PIN_DEV, c->pin_dev);
	if (c->pin_uuid)
		mnl_attr_put_strz(nlh, SOFTLOCK_A_PIN_UUID, c->pin_uuid);
	err = sl_nl_talk(c->nl, nlh, NULL, NULL);
	return err ? fail(c, err) : 0;
}

static int count_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[SOFTLOCK_A_MAX + 1];

	if (sl_nl_parse(nlh, tb) || !tb[SOFTLOCK_A_COUNT])
		return MNL_CB_ERROR;
	*(uint32_t *)data = mnl_attr_get_u32(tb[SOFTLOCK_A_COUNT]);
	return MNL_CB_OK;
}

static int cmd_del(struct ctl *c, int argc, char **argv)
{
	struct nlmsghdr *nlh;
	uint32_t n = 0;
	int err;

	if (argc != 2)
		return usage("del wants POOL PCPI", NULL);
	if (!parse_u32(argv[1], &c->pcpi))
		return usage("bad PCPI", argv[1]);
	if (ctl_open(c))
		return 1;
	nlh = sl_nl_req(c->nl, c->buf, SOFTLOCK_CMD_LOCK_DEL, 0);
	mnl_attr_put_strz(nlh, SOFTLOCK_A_POOL, argv[0]);
	mnl_attr_put_u32(nlh, SOFTLOCK_A_PCPI, c->pcpi);
	if (c->type)
		mnl_attr_put_u32(nlh, SOFTLOCK_A_TYPE, c->type);
	if (c->text)
		mnl_attr_put_strz(nlh, SOFTLOCK_A_TEXT, c->text);
	if (c->origin)
		mnl_attr_put_strz(nlh, SOFTLOCK_A_ORIGIN, c->origin);
	err = sl_nl_talk(c->nl, nlh, count_cb, &n);
	if (err)
		return fail(c, err);
	printf("removed %" PRIu32 "\n", n);
	return 0;
}

static const char *str_or(const struct nlattr *a, const char *dflt)
{
	return a ? mnl_attr_get_str(a) : dflt;
}

static uint32_t u32_or(const struct nlattr *a, uint32_t dflt)
{
	return a ? mnl_attr_get_u32(a) : dflt;
}

static int check_cb(const struct nlmsghdr *nlh, void *data)
{
	static const char *const reasons[] = { "none", "locked", "sealed" };
	const struct nlattr *tb[SOFTLOCK_A_MAX + 1];
	uint32_t reason, count;

	if (sl_nl_parse(nlh, tb) || !tb[SOFTLOCK_A_REASON] ||
	    !tb[SOFTLOCK_A_COUNT])
		return MNL_CB_ERROR;
	reason = mnl_attr_get_u32(tb[SOFTLOCK_A_REASON]);
	count = mnl_attr_get_u32(tb[SOFTLOCK_A_COUNT]);
	printf("reason=%s count=%" PRIu32,
	       reason < 3 ? reasons[reason] : "unknown", count);
	if (count)
		printf(" type=%s text=%s origin=%s",
		       sl_nl_type_name(u32_or(tb[SOFTLOCK_A_TYPE], 0)),
		       str_or(tb[SOFTLOCK_A_TEXT], ""),
		       str_or(tb[SOFTLOCK_A_ORIGIN], ""));
	putchar('\n');
	*(bool *)data = true;
	return MNL_CB_OK;
}

static int cmd_check(struct ctl *c, int argc, char **argv)
{
	struct nlmsghdr *nlh;
	bool seen = false;
	int err;

	if (argc != 2)
		return usage("check wants POOL PCPI", NULL);
	if (!parse_u32(argv[1], &c->pcpi))
		return usage("bad PCPI", argv[1]);
	if (ctl_open(c))
		return 1;
	nlh = sl_nl_req(c->nl, c->buf, SOFTLOCK_CMD_CHECK, 0);
	mnl_attr_put_strz(nlh, SOFTLOCK_A_POOL, argv[0]);
	mnl_attr_put_u32(nlh, SOFTLOCK_A_PCPI, c->pcpi);
	err = sl_nl_talk(c->nl, nlh, check_cb, &seen);
	if (!err && !seen)
		err = -EPROTO;
	return err ? fail(c, err) : 0;
}

/* One dump line per lock; with @data non-NULL only count them. */
static int dump_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[SOFTLOCK_A_MAX + 1];

	if (sl_nl_parse(nlh, tb) || !tb[SOFTLOCK_A_POOL] ||
	    !tb[SOFTLOCK_A_PCPI] || !tb[SOFTLOCK_A_TYPE] ||
	    !tb[SOFTLOCK_A_TEXT] || !tb[SOFTLOCK_A_ORIGIN] ||
	    !tb[SOFTLOCK_A_GENERATION])
		return MNL_CB_ERROR;
	if (data) {
		(*(uint64_t *)data)++;
		return MNL_CB_OK;
	}
	printf("%s\t%" PRIu32 "\t%s\t%s\t%" PRIu64 "\t%d\t%s\n",
	       mnl_attr_get_str(tb[SOFTLOCK_A_POOL]),
	       mnl_attr_get_u32(tb[SOFTLOCK_A_PCPI]),
	       sl_nl_type_name(mnl_attr_get_u32(tb[SOFTLOCK_A_TYPE])),
	       mnl_attr_get_str(tb[SOFTLOCK_A_ORIGIN]),
	       mnl_attr_get_u64(tb[SOFTLOCK_A_GENERATION]),
	       !!tb[SOFTLOCK_A_PINNED], mnl_attr_get_str(tb[SOFTLOCK_A_TEXT]));
	return MNL_CB_OK;
}

static int cmd_dump(struct ctl *c, int argc, bool count_only)
{
	struct nlmsghdr *nlh;
	uint64_t n = 0;
	int err;

	if (argc)
		return usage("too many arguments", NULL);
	if (ctl_open(c))
		return 1;
	nlh = sl_nl_req(c->nl, c->buf, SOFTLOCK_CMD_LOCK_GET, NLM_F_DUMP);
	if (c->pool)
		mnl_attr_put_strz(nlh, SOFTLOCK_A_POOL, c->pool);
	if (c->has_pcpi)
		mnl_attr_put_u32(nlh, SOFTLOCK_A_PCPI, c->pcpi);
	if (c->origin)
		mnl_attr_put_strz(nlh, SOFTLOCK_A_ORIGIN, c->origin);
	err = sl_nl_talk(c->nl, nlh, dump_cb, count_only ? &n : NULL);
	if (err)
		return fail(c, err);
	if (count_only)
		printf("%" PRIu64 "\n", n);
	return 0;
}

static int pools_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[SOFTLOCK_A_MAX + 1];

	(void)data;
	if (sl_nl_parse(nlh, tb) || !tb[SOFTLOCK_A_POOL])
		return MNL_CB_ERROR;
	printf("%s\tlocks=%" PRIu32 "\tpcpis=%" PRIu32 "\tstaged=%" PRIu32
	       "\tsealed=%d\n", mnl_attr_get_str(tb[SOFTLOCK_A_POOL]),
	       u32_or(tb[SOFTLOCK_A_COUNT], 0),
	       u32_or(tb[SOFTLOCK_A_PCPI_COUNT], 0),
	       u32_or(tb[SOFTLOCK_A_STAGED], 0),
	       tb[SOFTLOCK_A_SEALED] ? mnl_attr_get_u8(tb[SOFTLOCK_A_SEALED]) : 0);
	return MNL_CB_OK;
}

static int cmd_pools(struct ctl *c, int argc)
{
	int err;

	if (argc)
		return usage("too many arguments", NULL);
	if (ctl_open(c))
		return 1;
	err = sl_nl_talk(c->nl, sl_nl_req(c->nl, c->buf, SOFTLOCK_CMD_POOL_GET,
					  NLM_F_DUMP), pools_cb, NULL);
	return err ? fail(c, err) : 0;
}

static struct nlmsghdr *replace_req(struct ctl *c, uint8_t cmd, uint64_t gen)
{
	struct nlmsghdr *nlh = sl_nl_req(c->nl, c->buf, cmd, 0);

	mnl_attr_put_strz(nlh, SOFTLOCK_A_POOL, c->pool);
	mnl_attr_put_strz(nlh, SOFTLOCK_A_ORIGIN, c->origin);
	mnl_attr_put_u64(nlh, SOFTLOCK_A_GENERATION, gen);
	return nlh;
}

/* Stage entries [*i, n) into one message, as many as fit half the buffer. */
static int replace_batch(struct ctl *c, uint64_t gen, uint64_t *i, uint64_t n,
			 uint32_t first, const char *prefix, uint32_t per)
{
	/* Half: also below the socket send buffer an unprivileged user gets. */
	const size_t room = SL_NL_BUF / 2;
	struct nlmsghdr *nlh = replace_req(c, SOFTLOCK_CMD_REPLACE_ADD, gen);
	char text[SOFTLOCK_TEXT_MAX + 1];
	uint64_t start = *i;
	struct nlattr *nest;

	for (; *i < n; (*i)++) {
		snprintf(text, sizeof(text), "%s-%" PRIu64, prefix, *i);
		nest = mnl_attr_nest_start_check(nlh, room, SOFTLOCK_A_ENTRY);
		if (!nest)
			break;
		if (!mnl_attr_put_u32_check(nlh, room, SOFTLOCK_A_ENTRY_TYPE,
					    SOFTLOCK_LOCK_TYPE_DEST_PATH) ||
		    !mnl_attr_put_u32_check(nlh, room, SOFTLOCK_A_ENTRY_PCPI,
					    first + (uint32_t)(*i / per)) ||
		    !mnl_attr_put_strz_check(nlh, room, SOFTLOCK_A_ENTRY_TEXT,
					     text)) {
			mnl_attr_nest_cancel(nlh, nest);
			break;
		}
		mnl_attr_nest_end(nlh, nest);
	}
	if (*i == start)
		return -EMSGSIZE;
	return sl_nl_talk(c->nl, nlh, NULL, NULL);
}

static int cmd_replace(struct ctl *c, int argc, char **argv)
{
	const char *prefix = argc > 5 ? argv[5] : "r";
	uint32_t first, count = 0, per = 1;
	uint64_t gen, n, i = 0;
	int err;

	if (argc < 5 || argc > 7)
		return usage("replace wants POOL ORIGIN GEN N FIRST_PCPI [TEXTPREFIX [PER_PCPI]]",
			     NULL);
	/* PER_PCPI consecutive locks share one PCPI (default 1). */
	if (argc > 6 && (!parse_u32(argv[6], &per) || !per))
		return usage("bad PER_PCPI", argv[6]);
	c->pool = argv[0];
	c->origin = argv[1];
	if (!parse_u64(argv[2], UINT64_MAX, &gen))
		return usage("bad generation", argv[2]);
	if (!parse_u64(argv[3], UINT32_MAX, &n))
		return usage("bad count", argv[3]);
	if (!parse_u32(argv[4], &first))
		return usage("bad PCPI", argv[4]);
	if (ctl_open(c))
		return 1;

	err = sl_nl_talk(c->nl, replace_req(c, SOFTLOCK_CMD_REPLACE_BEGIN, gen),
			 NULL, NULL);
	if (err)
		return fail(c, err);
	while (!err && i < n)
		err = replace_batch(c, gen, &i, n, first, prefix, per);
	if (!err)
		err = sl_nl_talk(c->nl,
				 replace_req(c, SOFTLOCK_CMD_REPLACE_COMMIT, gen),
				 count_cb, &count);
	if (err) {
		int ret = fail(c, err);

		/* Leave no staging behind; the first error is what counts. */
		sl_nl_talk(c->nl, replace_req(c, SOFTLOCK_CMD_REPLACE_ABORT, gen),
			   NULL, NULL);
		return ret;
	}
	printf("committed %" PRIu32 "\n", count);
	return 0;
}

static int cmd_seal(struct ctl *c, int argc, bool seal)
{
	int err;

	if (argc)
		return usage("too many arguments", NULL);
	if (ctl_open(c))
		return 1;
	err = sl_nl_simple(c->nl, seal ? SOFTLOCK_CMD_SEAL : SOFTLOCK_CMD_UNSEAL);
	return err ? fail(c, err) : 0;
}

static const char *guard_name(uint32_t state)
{
	switch (state) {
	case SOFTLOCK_GUARD_STATE_NOT_LOADED:
		return "not-loaded";
	case SOFTLOCK_GUARD_STATE_ARMED:
		return "armed";
	case SOFTLOCK_GUARD_STATE_FAILED:
		return "failed";
	}
	return "?";
}

static int cmd_stats(struct ctl *c, int argc)
{
	uint64_t locked, sealed;
	uint32_t guard;
	int err;

	if (argc)
		return usage("too many arguments", NULL);
	if (ctl_open(c))
		return 1;
	err = sl_nl_stats(c->nl, &locked, &sealed, &guard);
	if (err)
		return fail(c, err);
	printf("refused_locked=%" PRIu64 "\nrefused_sealed=%" PRIu64 "\nguard=%s\n",
	       locked, sealed, guard_name(guard));
	return 0;
}

/*
 * Split argv after the command into options and positionals. Options may
 * follow positionals ("add P 1 owner x -o o"), so parse in rounds: "+"
 * stops getopt at each positional, which becomes the next round's argv[0].
 * Everything after "--" is positional, so a TEXT may start with '-'.
 */
static int split_args(struct ctl *c, int argc, char **argv, const char *opts,
		      char **pos, int *npos)
{
	int ret;

	*npos = 0;
	for (;;) {
		ret = parse_opts(c, argc, argv, opts);
		if (ret)
			return ret;
		if (optind >= argc)
			return 0;
		if (optind > 1 && !strcmp(argv[optind - 1], "--")) {
			while (optind < argc)
				pos[(*npos)++] = argv[optind++];
			return 0;
		}
		pos[(*npos)++] = argv[optind];
		argv += optind;
		argc -= optind;
	}
}

int main(int argc, char **argv)
{
	struct ctl c = { 0 };
	const char *opts = "+";
	char **pos;
	int ret, npos;

	if (argc < 2)
		return usage(NULL, NULL);
	c.cmd = argv[1];
	if (!strcmp(c.cmd, "-h") || !strcmp(c.cmd, "--help")) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (!strcmp(c.cmd, "add"))
		opts = "+d:o:e:p:u:";
	else if (!strcmp(c.cmd, "del"))
		opts = "+t:x:o:";
	else if (!strcmp(c.cmd, "dump"))
		opts = "+P:i:o:";
	else if (!strcmp(c.cmd, "count"))
		opts = "+P:";
	else if (strcmp(c.cmd, "check") && strcmp(c.cmd, "pools") &&
		 strcmp(c.cmd, "seal") && strcmp(c.cmd, "unseal") &&
		 strcmp(c.cmd, "replace") && strcmp(c.cmd, "stats"))
		return usage("unknown command", c.cmd);

	pos = calloc(argc, sizeof(*pos));
	if (!pos)
		return 1;
	ret = split_args(&c, argc - 1, argv + 1, opts, pos, &npos);
	if (ret)
		goto out;
	if (!strcmp(c.cmd, "add"))
		ret = cmd_add(&c, npos, pos);
	else if (!strcmp(c.cmd, "del"))
		ret = cmd_del(&c, npos, pos);
	else if (!strcmp(c.cmd, "check"))
		ret = cmd_check(&c, npos, pos);
	else if (!strcmp(c.cmd, "dump"))
		ret = cmd_dump(&c, npos, false);
	else if (!strcmp(c.cmd, "count"))
		ret = cmd_dump(&c, npos, true);
	else if (!strcmp(c.cmd, "pools"))
		ret = cmd_pools(&c, npos);
	else if (!strcmp(c.cmd, "replace"))
		ret = cmd_replace(&c, npos, pos);
	else if (!strcmp(c.cmd, "stats"))
		ret = cmd_stats(&c, npos);
	else
		ret = cmd_seal(&c, npos, !strcmp(c.cmd, "seal"));
out:
	sl_nl_close(c.nl);
	free(c.buf);
	free(pos);
	return ret;
}
