/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_BUF_H
#define MAILOAUTH_BUF_H

#include <stdarg.h>
#include <stddef.h>

/*
 * A growable byte buffer with a hard upper bound, in the spirit of curl's
 * dynbuf.  Every buffer is treated as secret: memory is wiped whenever it is
 * released or moved by a reallocation.  The contents are always followed by
 * a NUL byte (not counted in len), so text can be used as a C string.
 */
struct mo_buf {
	char *data;	/* NULL until the first append */
	size_t len;	/* bytes used, without the terminating NUL */
	size_t cap;	/* bytes allocated */
	size_t max;	/* hard limit on len */
};

/* Initialises an empty buffer that will never hold more than max bytes. */
void mo_buf_init(struct mo_buf *b, size_t max);

/* Appends n bytes.  Returns MO_OK, MO_ERR_TOOBIG (past max; the buffer is
 * left unchanged) or MO_ERR_NOMEM. */
int mo_buf_add(struct mo_buf *b, const void *p, size_t n);
int mo_buf_addstr(struct mo_buf *b, const char *s);
int mo_buf_addc(struct mo_buf *b, char c);
int mo_buf_printf(struct mo_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int mo_buf_vprintf(struct mo_buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* Appends everything read from fd until end of file.  Returns MO_OK,
 * MO_ERR_IO (errno tells why), MO_ERR_TOOBIG (more than the cap: what fit
 * stays in b) or MO_ERR_NOMEM.  The read buffer is wiped (files may hold
 * secrets). */
int mo_buf_read_fd(struct mo_buf *b, int fd);

/* Returns the contents as a C string ("" when empty); owned by b. */
const char *mo_buf_str(const struct mo_buf *b);

/* Wipes the contents and sets len to 0; keeps the allocation. */
void mo_buf_reset(struct mo_buf *b);

/* Cuts the contents back to len bytes (len <= b->len), wiping the tail. */
void mo_buf_truncate(struct mo_buf *b, size_t len);

/* Drops the first n bytes (n <= len), moving the rest to the front. */
void mo_buf_consume(struct mo_buf *b, size_t n);

/* Hands the contents to the caller (free with mo_free_secret() or
 * mo_freezero()) and leaves b empty.  Returns a malloc'd "" for an empty
 * buffer, or NULL when out of memory. */
char *mo_buf_steal(struct mo_buf *b);

/* Wipes and frees the contents; b may be reused after mo_buf_init(). */
void mo_buf_free(struct mo_buf *b);

#endif
