/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "errors.h"
#include "secret.h"

void
mo_buf_init(struct mo_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

/* Makes room for extra more bytes plus the NUL.  Growing copies into a new
 * block and wipes the old one, so no secret is left behind by realloc. */
static int
buf_reserve(struct mo_buf *b, size_t extra)
{
	size_t need, ncap;
	char *n;

	if (extra > b->max || b->len > b->max - extra)
		return MO_ERR_TOOBIG;
	if (b->len + extra == SIZE_MAX)
		return MO_ERR_NOMEM;	/* no room left for the NUL */
	need = b->len + extra + 1;
	if (need <= b->cap)
		return MO_OK;
	ncap = b->cap ? b->cap : 64;
	while (ncap < need)
		ncap = ncap > ((size_t)-1) / 2 ? need : ncap * 2;
	if (b->max < SIZE_MAX && ncap > b->max + 1)
		ncap = b->max + 1;
	n = malloc(ncap);
	if (n == NULL)
		return MO_ERR_NOMEM;
	if (b->data != NULL) {
		memcpy(n, b->data, b->len + 1);
		mo_freezero(b->data, b->cap);
	}
	b->data = n;
	b->cap = ncap;
	return MO_OK;
}

int
mo_buf_add(struct mo_buf *b, const void *p, size_t n)
{
	int ret = buf_reserve(b, n);

	if (ret != MO_OK)
		return ret;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return MO_OK;
}

int
mo_buf_addstr(struct mo_buf *b, const char *s)
{
	return mo_buf_add(b, s, strlen(s));
}

int
mo_buf_addc(struct mo_buf *b, char c)
{
	return mo_buf_add(b, &c, 1);
}

int
mo_buf_vprintf(struct mo_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n, ret;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return MO_ERR_INVAL;
	ret = buf_reserve(b, (size_t)n);
	if (ret != MO_OK)
		return ret;
	(void)vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return MO_OK;
}

int
mo_buf_printf(struct mo_buf *b, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = mo_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return ret;
}

int
mo_buf_read_fd(struct mo_buf *b, int fd)
{
	char chunk[4096];
	ssize_t n;
	int ret = MO_OK;

	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = MO_ERR_IO;
			break;
		}
		if (n == 0)
			break;
		ret = mo_buf_add(b, chunk, (size_t)n);
		if (ret != MO_OK)
			break;
	}
	mo_wipe(chunk, sizeof(chunk));
	return ret;
}

const char *
mo_buf_str(const struct mo_buf *b)
{
	return b->data != NULL ? b->data : "";
}

void
mo_buf_reset(struct mo_buf *b)
{
	if (b->data != NULL) {
		mo_wipe(b->data, b->cap);
		b->data[0] = '\0';
	}
	b->len = 0;
}

void
mo_buf_truncate(struct mo_buf *b, size_t len)
{
	if (b->data == NULL || len >= b->len)
		return;
	mo_wipe(b->data + len, b->len - len);
	b->len = len;
}

void
mo_buf_consume(struct mo_buf *b, size_t n)
{
	if (n >= b->len) {
		mo_buf_reset(b);
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	mo_wipe(b->data + b->len - n, n);
	b->len -= n;
	b->data[b->len] = '\0';
}

char *
mo_buf_steal(struct mo_buf *b)
{
	char *s;

	if (b->data == NULL)
		return mo_strdup("");
	s = b->data;
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	return s;
}

void
mo_buf_free(struct mo_buf *b)
{
	mo_freezero(b->data, b->cap);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}
