/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_NET_LOG_H
#define MAILOAUTH_NET_LOG_H

/*
 * Diagnostics of mailoauth-net on stderr.  mo_net_verbose is the -v count,
 * set once by main.c before anything else runs.  Never pass a secret to
 * these functions: callers print "<hidden>" in its place.  What they print
 * has passed mo_terminal_text() (lib/text.h): text from the identity
 * provider, a server or a local client cannot reach the terminal as
 * control characters.  Everything mailoauth-net writes to stderr goes
 * through them.
 */

extern int mo_net_verbose;

/* "mailoauth: " + message + "\n", always. */
void mo_net_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "mailoauth: warning: " + message + "\n", always. */
void mo_net_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "mailoauth: " + message + "\n" when -v was given at least level times. */
void mo_net_note(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The message as it is, nothing added, for text of several lines. */
void mo_net_print(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
