// SPDX-License-Identifier: GPL-2.0
/* Implementations behind compat.h, for the kernels that need them. */
#include <linux/atomic.h>
#include <linux/kernel.h>

#include "compat.h"

#ifdef SL_NEED_EXTACK_RING
/* Slots are claimed with an atomic counter; nothing else protects them. */
static char sl_extack_ring[SL_EXTACK_RING][SL_EXTACK_LEN];
static atomic_t sl_extack_next = ATOMIC_INIT(0);

char *sl_extack_fmt(const char *fmt, ...)
{
	unsigned int slot = atomic_inc_return(&sl_extack_next) % SL_EXTACK_RING;
	char *buf = sl_extack_ring[slot];
	va_list args;

	va_start(args, fmt);
	vsnprintf(buf, SL_EXTACK_LEN, fmt, args);
	va_end(args);
	return buf;
}
#endif
