/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside the peer-protocol codec: the attribute and message tables that
 * msg.c checks messages against, for msg_get.c's getters and entry
 * walker. Not for other users: they go through msg.h.
 */
#ifndef SL_PROTO_MSG_INT_H
#define SL_PROTO_MSG_INT_H

#include <stddef.h>
#include <stdint.h>

#include "msg.h"

enum { K_U32 = 1, K_U64, K_STR, K_BYTES, K_NEST };
/*
 * UUIDS: bytes holding UUIDs back to back, 36 bytes each, no NULs.
 * U32S: bytes holding little-endian u32 values, a multiple of 4.
 */
enum { C_UUID = 1, C_POW2, C_SECTOR, C_UUIDS, C_U32S };

/*
 * What one attribute is: kind, an extra rule, and bounds: the value for
 * u32/u64, the length (without the NUL) for strings, the length for bytes.
 */
struct sl_attr_spec {
	const char *name;
	uint8_t kind;
	uint8_t check;
	uint64_t min, max;
};

enum { P_OPT = 1, P_REQ, P_MULTI };

struct sl_msg_spec {
	const char *name;
	uint8_t pol[SL_A_MAX + 1];	/* 0: not allowed, else P_* */
	/* Rules between attributes, once each one is known to be valid. */
	int (*check)(const struct sl_msg *m, const char *ctx, char *err,
		     size_t errlen);
};

extern const struct sl_attr_spec sl_attrs[SL_A_MAX + 1];
extern const struct sl_msg_spec sl_entry_spec;
/* sl_entry_spec's required attributes, one bit each (1 << attribute). */
extern uint64_t sl_entry_req;

#endif
