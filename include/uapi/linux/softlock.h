/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/softlock.yaml */
/* YNL-GEN uapi header */

#ifndef _UAPI_LINUX_SOFTLOCK_H
#define _UAPI_LINUX_SOFTLOCK_H

#define SOFTLOCK_FAMILY_NAME	"softlock"
#define SOFTLOCK_FAMILY_VERSION	1

#define SOFTLOCK_TEXT_MAX	255
#define SOFTLOCK_POOL_MAX	128
#define SOFTLOCK_ORIGIN_MAX	63
#define SOFTLOCK_PCPI_MAX	16777215

/**
 * enum softlock_lock_type - What the lock text names.
 * @SOFTLOCK_LOCK_TYPE_OWNER: The owner (person, tool) that needs the PCPI.
 * @SOFTLOCK_LOCK_TYPE_DEST_PATH: A mirror destination, such as hostC:vg/vol.
 * @SOFTLOCK_LOCK_TYPE_QTREE: A qtree, a named group of thin volumes mirrored
 *   together.
 * @SOFTLOCK_LOCK_TYPE_APP: An application.
 */
enum softlock_lock_type {
	SOFTLOCK_LOCK_TYPE_OWNER = 1,
	SOFTLOCK_LOCK_TYPE_DEST_PATH,
	SOFTLOCK_LOCK_TYPE_QTREE,
	SOFTLOCK_LOCK_TYPE_APP,
};

/**
 * enum softlock_reason - Why a delete is (or would be) refused.
 * @SOFTLOCK_REASON_NONE: Not refused.
 * @SOFTLOCK_REASON_LOCKED: The thin device holds at least one live lock.
 * @SOFTLOCK_REASON_SEALED: The module is sealed; every delete is refused.
 */
enum softlock_reason {
	SOFTLOCK_REASON_NONE,
	SOFTLOCK_REASON_LOCKED,
	SOFTLOCK_REASON_SEALED,
};

/**
 * enum softlock_guard_state - Whether the guard can refuse deletes. It hooks
 *   dm-thin-pool's pool_message with an IP-modifying ftrace_ops, armed when
 *   dm-thin-pool loads (or at our load when it is there already).
 * @SOFTLOCK_GUARD_STATE_NOT_LOADED: dm-thin-pool is not loaded: no pool
 *   exists, there is nothing to delete and nothing to guard. The guard arms
 *   when it loads.
 * @SOFTLOCK_GUARD_STATE_ARMED: dm-thin-pool is loaded and the hook is
 *   registered.
 * @SOFTLOCK_GUARD_STATE_FAILED: dm-thin-pool is loaded but the hook could not
 *   be registered (another IP-modifying user of pool_message, such as a
 *   livepatch or a kprobe with a post_handler, or sysctl
 *   kernel.ftrace_enabled=0 when it loaded): deletes are NOT guarded. The
 *   kernel log says why; it is retried only when dm-thin-pool or softlock
 *   loads again.
 */
enum softlock_guard_state {
	SOFTLOCK_GUARD_STATE_NOT_LOADED = 1,
	SOFTLOCK_GUARD_STATE_ARMED,
	SOFTLOCK_GUARD_STATE_FAILED,
};

enum {
	SOFTLOCK_A_ENTRY_TYPE = 1,
	SOFTLOCK_A_ENTRY_PCPI,
	SOFTLOCK_A_ENTRY_TEXT,
	SOFTLOCK_A_ENTRY_DATASET,
	SOFTLOCK_A_ENTRY_EXPIRES,
	SOFTLOCK_A_ENTRY_PIN_DEV,
	SOFTLOCK_A_ENTRY_PIN_UUID,

	__SOFTLOCK_A_ENTRY_MAX,
	SOFTLOCK_A_ENTRY_MAX = (__SOFTLOCK_A_ENTRY_MAX - 1)
};

enum {
	SOFTLOCK_A_POOL = 1,
	SOFTLOCK_A_PCPI,
	SOFTLOCK_A_TYPE,
	SOFTLOCK_A_TEXT,
	SOFTLOCK_A_DATASET,
	SOFTLOCK_A_ORIGIN,
	SOFTLOCK_A_CREATED,
	SOFTLOCK_A_EXPIRES,
	SOFTLOCK_A_PIN_DEV,
	SOFTLOCK_A_PINNED,
	SOFTLOCK_A_GENERATION,
	SOFTLOCK_A_ENTRY,
	SOFTLOCK_A_REASON,
	SOFTLOCK_A_COUNT,
	SOFTLOCK_A_SEALED,
	SOFTLOCK_A_PCPI_COUNT,
	SOFTLOCK_A_STAGED,
	SOFTLOCK_A_PAD,
	SOFTLOCK_A_REFUSED_LOCKED,
	SOFTLOCK_A_REFUSED_SEALED,
	SOFTLOCK_A_GUARD_STATE,
	SOFTLOCK_A_PIN_UUID,

	__SOFTLOCK_A_MAX,
	SOFTLOCK_A_MAX = (__SOFTLOCK_A_MAX - 1)
};

enum {
	SOFTLOCK_CMD_LOCK_ADD = 1,
	SOFTLOCK_CMD_LOCK_DEL,
	SOFTLOCK_CMD_LOCK_GET,
	SOFTLOCK_CMD_REPLACE_BEGIN,
	SOFTLOCK_CMD_REPLACE_ADD,
	SOFTLOCK_CMD_REPLACE_COMMIT,
	SOFTLOCK_CMD_REPLACE_ABORT,
	SOFTLOCK_CMD_CHECK,
	SOFTLOCK_CMD_POOL_GET,
	SOFTLOCK_CMD_SEAL,
	SOFTLOCK_CMD_UNSEAL,
	SOFTLOCK_CMD_LOCK_NTF,
	SOFTLOCK_CMD_UNLOCK_NTF,
	SOFTLOCK_CMD_REPLACE_NTF,
	SOFTLOCK_CMD_REFUSED_NTF,
	SOFTLOCK_CMD_SEAL_NTF,
	SOFTLOCK_CMD_STATS_GET,

	__SOFTLOCK_CMD_MAX,
	SOFTLOCK_CMD_MAX = (__SOFTLOCK_CMD_MAX - 1)
};

#define SOFTLOCK_MCGRP_EVENTS	"events"

#endif /* _UAPI_LINUX_SOFTLOCK_H */
