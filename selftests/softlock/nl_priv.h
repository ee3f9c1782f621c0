/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nl_priv.h - struct sl_nl, private to nl.c (the socket, its exchanges
 * and its event queue) and nl_cmd.c (the family's messages).
 */
#ifndef SL_NL_PRIV_H
#define SL_NL_PRIV_H

#include <stdint.h>
#include <libmnl/libmnl.h>

#include "nl.h"

struct sl_event {
	struct sl_event *next;
	struct nlmsghdr nlh[];
};

struct sl_nl {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;
	uint16_t family;
	uint32_t events_grp;		/* 0: the family has no such group */
	char *rbuf;			/* SL_NL_RBUF bytes */
	char *req;			/* SL_NL_BUF bytes, for the helpers */
	struct sl_event *q_head, *q_tail;
	unsigned int q_len;
	char extack[512];
};

#endif /* SL_NL_PRIV_H */
