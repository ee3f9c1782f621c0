/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by pcpi.c (running LVM, volumes, the listing) and pcpi_lv.c (the
 * changes), and by nothing else.
 */
#ifndef SL_PCPI_INT_H
#define SL_PCPI_INT_H

#include "pcpi.h"

/*
 * Run an LVM command that changes something; on failure say which,
 * LVM's reason and hint. Counts as a change (sl_lvm_changed) either way.
 */
int sl_pcpi_lvm_do(const char *const argv[], const char *hint, char *err,
		   size_t errlen);

/* v's listing is current: nothing changed LVM since but through v. */
bool sl_pcpi_listed_ok(const struct sl_volume *v);
/* Make it current, listing the VG again when it is not. */
int sl_pcpi_listing(struct sl_volume *v, char *err, size_t errlen);
/* The highest N any LV of the current listing is named with. */
uint32_t sl_pcpi_listed_max(const struct sl_volume *v);
/*
 * After a change made through v: p replaces the entry named old (NULL:
 * p is new), or with p NULL, old is gone. was_ok is whether the listing
 * was current before the change: if not, it stays stale.
 */
void sl_pcpi_note(struct sl_volume *v, bool was_ok, const char *old,
		  const struct sl_pcpi *p);

#endif /* SL_PCPI_INT_H */
