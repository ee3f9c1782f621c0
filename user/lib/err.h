/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How the helper reports errors: one convention for every file below
 * user/.
 *
 * - A function that can fail returns 0 (or a count, a length: >= 0) on
 *   success and a negative errno on failure, and writes one message for
 *   the user into the caller's char *err, size_t errlen: what failed, on
 *   what, and what to do next. Its caller prints that message or adds to
 *   it; it is printed once, by the command (cli/: sl_err) or the daemon's
 *   log, never by the function that found the error.
 * - An object that outlives one call keeps its last message instead
 *   (the catalog: sl_cat_error()).
 * - What a function below cli/ writes to stderr itself is progress or a
 *   warning about something that does not fail the call, prefixed
 *   "softlock: ".
 * - sl_errf formats the message and returns the errno, for a return
 *   statement. A file's shorthand for it names what it reports and is
 *   the only helper of that name (msg.c's sl_malformed: -EBADMSG, a
 *   message breaks the codec's rules; state.c's sl_bad: -EPROTO, a valid
 *   message out of place in the session).
 */
#ifndef SL_ERR_H
#define SL_ERR_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/* Format a message into err (when given) and return rc. */
static inline int sl_errf(char *err, size_t errlen, int rc, const char *fmt,
			  ...) __attribute__((format(printf, 4, 5)));

static inline int sl_errf(char *err, size_t errlen, int rc, const char *fmt,
			  ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

#endif /* SL_ERR_H */
