/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The gate in front of softlock serve --tls: which connections may start
 * a handshake, how long they may take, and which authenticated ones get
 * a session slot. The daemon owns one gate; every connection's child
 * talks to it over a control socket (serve_tls.c).
 */
#ifndef SL_SERVE_GATE_H
#define SL_SERVE_GATE_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

/* The defaults of serve --tls's limits. */
#define SL_GATE_SESSIONS	16
#define SL_GATE_HANDSHAKES	128
#define SL_GATE_PER_ADDRESS	4
#define SL_GATE_TIMEOUT_S	10
#define SL_GATE_TIMEOUT_MAX	10

/* What a child sends on its control socket, and what the gate answers. */
#define SL_GATE_AUTHED		'A'	/* trusted and authorized: a slot? */
#define SL_GATE_FAILED		'F'	/* followed by why, then it exits */
#define SL_GATE_GO		'Y'
#define SL_GATE_BUSY		'N'

struct sl_gate_limits {
	uint32_t sessions;	/* authenticated sessions at once */
	uint32_t handshakes;	/* unauthenticated connections at once */
	uint32_t per_address;	/* ... of them from one source address */
	uint32_t timeout_s;	/* to complete the handshake */
};

struct sl_gate_conn;

/*
 * What unauthenticated peers make us log, each kind rate limited on its
 * own: a flood of one kind does not hide the others.
 */
enum sl_gate_kind {
	SL_GATE_LOG_TOTAL,	/* refused: --max-handshakes */
	SL_GATE_LOG_ADDRESS,	/* refused: --max-handshakes-per-address */
	SL_GATE_LOG_FAILED,	/* the handshake failed or timed out */
	SL_GATE_LOG_KINDS
};

struct sl_gate_log {
	int64_t window_end;	/* ms */
	unsigned int logged, held_back;
};

struct sl_gate {
	struct sl_gate_limits lim;
	struct sl_gate_conn *c;
	size_t n, cap;
	unsigned int sessions, handshakes;
	struct sl_gate_log log[SL_GATE_LOG_KINDS];
};

void sl_gate_init(struct sl_gate *g, const struct sl_gate_limits *lim);
void sl_gate_free(struct sl_gate *g);

/*
 * May a connection from sa (named from) start a handshake? true, or
 * false after logging (rate limited) which limit refused it.
 */
bool sl_gate_admit(struct sl_gate *g, const struct sockaddr_storage *sa,
		   const char *from);
/* The child pid serves that connection; ctl is the gate's end. */
int sl_gate_add(struct sl_gate *g, pid_t pid, int ctl,
		const struct sockaddr_storage *sa, const char *from);
/* A child has been reaped. */
void sl_gate_reaped(struct sl_gate *g, pid_t pid);

/* The control sockets to poll, into p[0..]; returns how many. */
size_t sl_gate_pollfds(const struct sl_gate *g, struct pollfd *p, size_t max);
/* Handle what the children wrote, as ppoll left it in p[0..n). */
void sl_gate_ctl(struct sl_gate *g, const struct pollfd *p, size_t n);
/*
 * Kill children past their handshake deadline; returns the ms until the
 * next deadline (or log window) to wake for, -1 when there is none.
 */
int sl_gate_expire(struct sl_gate *g);

/* In a connection's child: close every other child's control socket. */
void sl_gate_forget(struct sl_gate *g);

#endif /* SL_SERVE_GATE_H */
