/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_TOKENOUT_H
#define MAILOAUTH_TOKENOUT_H

/*
 * The one way a secret line (an access token for `mailoauth token`, the
 * base64 SASL message of `mailoauth sasl`) leaves the process: s and a
 * newline, written to fd with write(2) in one call when the descriptor
 * takes it (retried after EINTR and short writes).  It bypasses stdio, so
 * no FILE buffer keeps a copy; the one heap copy it makes is wiped before
 * it is freed.  The caller keeps ownership of s (and wipes it).
 *
 * Returns MO_OK; MO_ERR_NOMEM; MO_ERR_IO when write(2) fails (errno is
 * the one write(2) set) or writes nothing.  A failure may have written
 * part of the line.
 */
int mo_write_secret_line(int fd, const char *s);

#endif
