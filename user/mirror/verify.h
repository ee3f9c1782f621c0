/* SPDX-License-Identifier: GPL-2.0 */
/*
 * softlock mirror verify: compare the two copies of one PCPI, chunk by
 * chunk, over a verify session (HELLO with PURPOSE verify, see
 * proto/state.h). The responder reads its copy and streams the CRC-32C of
 * every chunk in SUMS frames; the initiator reads its own copy as those
 * arrive and compares. Only 4 bytes per chunk cross the wire, so a verify
 * costs one full read of the PCPI on each side, in parallel.
 *
 * CRC-32C finds accidental damage (a lost write, a bad copy, a flipped
 * bit), not a forged content: it says the copies are the same, not that
 * anyone proved it.
 */
#ifndef SL_VERIFY_H
#define SL_VERIFY_H

#include <stdbool.h>
#include <stdint.h>

#include "chunkio.h"
#include "pcpi.h"
#include "session.h"

/* The chunk size the CLI asks for. */
#define SL_VERIFY_CHUNK (1u << 20)
/*
 * The responder sends a SUMS frame when it holds this many sums or has
 * read this many bytes, whichever comes first: the initiator starts
 * reading its copy early, and a frame stays small (256 KiB of sums).
 */
#define SL_VERIFY_FRAME_SUMS 65536u
#define SL_VERIFY_FRAME_BYTES (64ull << 20)

struct sl_verify_result {
	uint64_t chunk;
	uint64_t size;		/* this side's copy, bytes */
	uint64_t peer_size;	/* the peer's, from SUMS_DONE */
	uint64_t chunks;	/* compared: the larger count of the two */
	uint64_t differ;	/* differing, or on one side only */
	uint64_t first;		/* the first differing chunk, if differ */
	/* The peer answered VERIFY with ENOENT: it has no such PCPI. */
	bool peer_missing;
};

/*
 * The CRC-32C of chunks first .. first + n - 1 of the size-byte device
 * behind r (the last one may be short; chunks past size read as 0),
 * into out[0..n). r's unit must divide chunk, and size be a multiple
 * of SL_CHUNK_ALIGN. 0, or -errno with err.
 */
int sl_verify_sums(struct sl_chunk_reader *r, uint64_t size, uint32_t chunk,
		   uint64_t first, uint32_t n, uint32_t *out, char *err,
		   size_t errlen);

/*
 * The responder, once HELLO_ACK is sent: VERIFY in, the PCPI with that
 * global id on volume (VG/LV) looked up and activated, its sums out,
 * SUMS_DONE, then the BYE exchange. ENOENT to the peer means exactly
 * "no PCPI with that global id here", so that the initiator may try an
 * older one; a volume that cannot be opened is ENODEV. 0, also after
 * that ENOENT answer (nothing failed here); or -errno with s->err (the
 * peer was told).
 */
int sl_verify_serve(struct sl_session *s, const char *volume);

/*
 * The initiator, once HELLO_ACK is in: verify PCPI p (activated if
 * inactive) in chunks of chunk bytes and fill *res, then the BYE
 * exchange (the caller closes the session). A difference is a result,
 * not an error: 0, or -errno with s->err.
 */
int sl_verify_run(struct sl_session *s, struct sl_pcpi *p, uint32_t chunk,
		  struct sl_verify_result *res);

/*
 * The two ends on a device or file, without LVM: the responder's SUMS,
 * SUMS_DONE and BYE exchange after VERIFY was received (per_frame: sums
 * per SUMS frame, 0 for the default), and the initiator's VERIFY,
 * comparison and BYE exchange. sl_verify_serve() and sl_verify_run() are
 * these with a PCPI's device; the host tests drive them on files.
 */
int sl_verify_send(struct sl_session *s, const char *dev, uint64_t size,
		   uint32_t chunk, uint32_t per_frame);
int sl_verify_compare(struct sl_session *s, const char *dev, uint64_t size,
		      const char *gid, uint32_t chunk,
		      struct sl_verify_result *res);

#endif /* SL_VERIFY_H */
