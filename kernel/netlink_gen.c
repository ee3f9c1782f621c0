// SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause)
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/softlock.yaml */
/* YNL-GEN kernel source */

#include <net/netlink.h>
#include <net/genetlink.h>

#include "netlink_gen.h"

#include <uapi/linux/softlock.h>
#include <compat.h>

/* Integer value ranges */
static const struct netlink_range_validation softlock_a_entry_pcpi_range = {
	.max	= SOFTLOCK_PCPI_MAX,
};

static const struct netlink_range_validation softlock_a_pcpi_range = {
	.max	= SOFTLOCK_PCPI_MAX,
};

/* Common nested types */
const struct nla_policy softlock_entry_nl_policy[SOFTLOCK_A_ENTRY_PIN_UUID + 1] = {
	[SOFTLOCK_A_ENTRY_TYPE] = NLA_POLICY_RANGE(NLA_U32, 1, 4),
	[SOFTLOCK_A_ENTRY_PCPI] = NLA_POLICY_FULL_RANGE(NLA_U32, &softlock_a_entry_pcpi_range),
	[SOFTLOCK_A_ENTRY_TEXT] = { .type = NLA_STRING, .len = SOFTLOCK_TEXT_MAX, },
	[SOFTLOCK_A_ENTRY_DATASET] = { .type = NLA_STRING, .len = SOFTLOCK_TEXT_MAX, },
	[SOFTLOCK_A_ENTRY_EXPIRES] = { .type = NLA_U64, },
	[SOFTLOCK_A_ENTRY_PIN_DEV] = { .type = NLA_U32, },
	[SOFTLOCK_A_ENTRY_PIN_UUID] = { .type = NLA_STRING, .len = SOFTLOCK_POOL_MAX, },
};

/* SOFTLOCK_CMD_LOCK_ADD - do */
static const struct nla_policy softlock_lock_add_nl_policy[SOFTLOCK_A_PIN_UUID + 1] = {
	[SOFTLOCK_A_POOL] = { .type = NLA_STRING, .len = SOFTLOCK_POOL_MAX, },
	[SOFTLOCK_A_PCPI] = NLA_POLICY_FULL_RANGE(NLA_U32, &softlock_a_pcpi_range),
	[SOFTLOCK_A_TYPE] = NLA_POLICY_RANGE(NLA_U32, 1, 4),
	[SOFTLOCK_A_TEXT] = { .type = NLA_STRING, .len = SOFTLOCK_TEXT_MAX, },
	[SOFTLOCK_A_DATASET] = { .type = NLA_STRING, .len = SOFTLOCK_TEXT_MAX, },
	[SOFTLOCK_A_ORIGIN] = { .type = NLA_STRING, .len = SOFTLOCK_ORIGIN_MAX, },
	[SOFTLOCK_A_EXPIRES] = { .type = NLA_U64, },
	[SOFTLOCK_A_PIN_DEV] = { .type = NLA_U32, },
	[SOFTLOCK_A_PIN_UUID] = { .type = NLA_STRING, .len = SOFTLOCK_POOL_MAX, },
};

/* SOFTLOCK_CMD_LOCK_DEL - do */
static const struct nla_policy softlock_lock_del_nl_policy[SOFTLOCK_A_ORIGIN + 1] = {
	[SOFTLOCK_A_POOL] = { .type = NLA_STRING, .len = SOFTLOCK_POOL_MAX, },
	[SOFTLOCK_A_PCPI] = NLA_POLICY_FULL_RANGE(NLA_U32, &softlock_a_pcpi_range),
	[SOFTLOCK_A_TYPE] = NLA_POLICY_RANGE(NLA_U32, 1, 4),
	[SOFTLOCK_A_TEXT] = { .type = NLA_STRING, .len = SOFTLOCK_TEXT_MAX, },
	[SOFTLOCK_A_ORIGIN] = { .type = NLA_STRING, .len = SOFTLOCK_ORIGIN_MAX, },
};

/* SOFTLOCK_CMD_LOCK_GET - dump */
static const struct nla_policy softlock_lock_get_nl_policy[SOFTLOCK_A_ORIGIN + 1] = {
	[SOFTLOCK_A_POOL] = { .type = NLA_STRING, .len = SOFTLOCK_POOL_MAX, },
	[SOFTLOCK_A_PCPI] = NLA_POLICY_FULL_RANGE(NLA_U32, &softlock_a_pcpi_range),
	[SOFTLOCK_A_ORIGIN] = { .type = NLA_STRING, .len = SOFTLOCK_ORIGIN_MAX, },
};

/* SOFTLOCK_CMD_REPLACE_BEGIN - do */
static const struct nla_policy softlock_replace_begin_nl_policy[SOFTLOCK_A_GENERATION + 1] = {
	[SOFTLOCK_A_POOL] = { .type = NLA_STRING, .len = SOFTLOCK_POOL_MAX, },
	[SOFTLOCK_A_ORIGIN] = { .type = NLA_STRING, .len = SOFTLOCK_ORIGIN_MAX, },
	[SOFTLOCK_A_GENERATION] = { .type = NLA_U64, },
};

/* SOFTLOCK_CMD_REPLACE_ADD - do */
static const struct nla_policy softlock_replace_add_nl_policy[SOFTLOCK_A_ENTRY + 1] = {
	[SOFTLOCK_A_POOL] = { .type = NLA_STRING, .len = SOFTLOCK_POOL_MAX, },
	[SOFTLOCK_A_ORIGIN] = { .type = NLA_STRING, .len = SOFTLOCK_ORIGIN_MAX, },
	[SOFTLOCK_A_GENERATION] = { .type = NLA_U64, },
	[SOFTLOCK_A_ENTRY] = NLA_POLICY_NESTED(softlock_entry_nl_policy),
};

/* SOFTLOCK_CMD_REPLACE_COMMIT - do */
static const struct nla_policy softlock_replace_commit_nl_policy[SOFTLOCK_A_GENERATION + 1] = {
	[SOFTLOCK_A_POOL] = { .type = NLA_STRING, .len = SOFTLOCK_POOL_MAX, },
	[SOFTLOCK_A_ORIGIN] = { .type = NLA_STRING, .len = SOFTLOCK_ORIGIN_MAX, },
	[SOFTLOCK_A_GENERATION] = { .type = NLA_U64, },
};

/* SOFTLOCK_CMD_REPLACE_ABORT - do */
static const struct nla_policy softlock_replace_abort_nl_policy[SOFTLOCK_A_GENERATION + 1] = {
	[SOFTLOCK_A_POOL] = { .type = NLA_STRING, .len = SOFTLOCK_POOL_MAX, },
	[SOFTLOCK_A_ORIGIN] = { .type = NLA_STRING, .len = SOFTLOCK_ORIGIN_MAX, },
	[SOFTLOCK_A_GENERATION] = { .type = NLA_U64, },
};

/* SOFTLOCK_CMD_CHECK - do */
static const struct nla_policy softlock_check_nl_policy[SOFTLOCK_A_PCPI + 1] = {
	[SOFTLOCK_A_POOL] = { .type = NLA_STRING, .len = SOFTLOCK_POOL_MAX, },
	[SOFTLOCK_A_PCPI] = NLA_POLICY_FULL_RANGE(NLA_U32, &softlock_a_pcpi_range),
};

/* Ops table for softlock */
const struct genl_split_ops softlock_nl_ops[12] = {
	{
		.cmd		= SOFTLOCK_CMD_LOCK_ADD,
		.pre_doit	= sl_nl_pre_doit,
		.doit		= softlock_nl_lock_add_doit,
		.policy		= softlock_lock_add_nl_policy,
		.maxattr	= SOFTLOCK_A_PIN_UUID,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd		= SOFTLOCK_CMD_LOCK_DEL,
		.pre_doit	= sl_nl_pre_doit,
		.doit		= softlock_nl_lock_del_doit,
		.policy		= softlock_lock_del_nl_policy,
		.maxattr	= SOFTLOCK_A_ORIGIN,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd		= SOFTLOCK_CMD_LOCK_GET,
		.start		= sl_nl_lock_get_start,
		.dumpit		= softlock_nl_lock_get_dumpit,
		.done		= sl_nl_lock_get_done,
		.policy		= softlock_lock_get_nl_policy,
		.maxattr	= SOFTLOCK_A_ORIGIN,
		.flags		= GENL_CMD_CAP_DUMP,
	},
	{
		.cmd		= SOFTLOCK_CMD_REPLACE_BEGIN,
		.pre_doit	= sl_nl_pre_doit,
		.doit		= softlock_nl_replace_begin_doit,
		.policy		= softlock_replace_begin_nl_policy,
		.maxattr	= SOFTLOCK_A_GENERATION,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd		= SOFTLOCK_CMD_REPLACE_ADD,
		.pre_doit	= sl_nl_pre_doit,
		.doit		= softlock_nl_replace_add_doit,
		.policy		= softlock_replace_add_nl_policy,
		.maxattr	= SOFTLOCK_A_ENTRY,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd		= SOFTLOCK_CMD_REPLACE_COMMIT,
		.pre_doit	= sl_nl_pre_doit,
		.doit		= softlock_nl_replace_commit_doit,
		.policy		= softlock_replace_commit_nl_policy,
		.maxattr	= SOFTLOCK_A_GENERATION,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd		= SOFTLOCK_CMD_REPLACE_ABORT,
		.pre_doit	= sl_nl_pre_doit,
		.doit		= softlock_nl_replace_abort_doit,
		.policy		= softlock_replace_abort_nl_policy,
		.maxattr	= SOFTLOCK_A_GENERATION,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd		= SOFTLOCK_CMD_CHECK,
		.pre_doit	= sl_nl_pre_doit,
		.doit		= softlock_nl_check_doit,
		.policy		= softlock_check_nl_policy,
		.maxattr	= SOFTLOCK_A_PCPI,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd	= SOFTLOCK_CMD_POOL_GET,
		.start	= sl_nl_pool_get_start,
		.dumpit	= softlock_nl_pool_get_dumpit,
		.flags	= GENL_CMD_CAP_DUMP,
	},
	{
		.cmd		= SOFTLOCK_CMD_SEAL,
		.pre_doit	= sl_nl_pre_doit,
		.doit		= softlock_nl_seal_doit,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd		= SOFTLOCK_CMD_UNSEAL,
		.pre_doit	= sl_nl_pre_doit,
		.doit		= softlock_nl_unseal_doit,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd		= SOFTLOCK_CMD_STATS_GET,
		.pre_doit	= sl_nl_pre_doit,
		.doit		= softlock_nl_stats_get_doit,
		.flags		= GENL_CMD_CAP_DO,
	},
};

static const struct genl_multicast_group softlock_nl_mcgrps[] = {
	[SOFTLOCK_NLGRP_EVENTS] = { "events", },
};
