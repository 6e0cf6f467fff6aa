/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_SECRET_H
#define MAILOAUTH_SECRET_H

#include <stddef.h>

/*
 * Every buffer that ever held a token, a refresh token, a client secret, an
 * authorization code or a PKCE verifier goes through these before it is
 * freed.  The compiler may not elide the wipe.
 */

/* Overwrites len bytes at p with zeros.  p may be NULL when len is 0. */
void mo_wipe(void *p, size_t len);

/* Wipes len bytes at p, then frees p.  NULL is accepted. */
void mo_freezero(void *p, size_t len);

/* Wipes the NUL-terminated string s (strlen(s) bytes), then frees it. */
void mo_free_secret(char *s);

/* Like strdup/strndup; the caller owns the result and frees it with
 * mo_free_secret().  Returns NULL when out of memory. */
char *mo_strdup(const char *s);
char *mo_strndup(const char *s, size_t n);

/* Constant-time comparison of two buffers of equal length: 0 when equal. */
int mo_memeq_ct(const void *a, const void *b, size_t len);

/* For programs that hold refresh tokens, client secrets or access tokens
 * (mailoauth, mailoauth-net, mailoauth-connect): no core dump can write
 * them to disk.  Sets RLIMIT_CORE to 0 (inherited by child processes) and
 * PR_SET_DUMPABLE to 0 (which also keeps other processes of the same user
 * from ptrace-attaching; not in sanitizer builds, whose leak checker needs
 * ptrace).  Call first thing in main(). */
void mo_no_core_dumps(void);

#endif
