/* SPDX-License-Identifier: MIT */
/* Bounded, deadline-driven line I/O over plain descriptors or TLS. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>

#include "conn.h"
#include "errmsg.h"
#include "errors.h"
#include "report.h"
#include "secret.h"

long long
mo_deadline(int timeout_ms)
{
	return timeout_ms < 0 ? -1 : mo_now_ms() + timeout_ms;
}

int
mo_wait_fd(int fd, short events, long long deadline_ms)
{
	struct pollfd p;
	int n, wait;

	for (;;) {
		if (deadline_ms < 0) {
			wait = -1;
		} else {
			long long left = deadline_ms - mo_now_ms();

			if (left <= 0)
				return MO_ERR_TIMEOUT;
			wait = left > 1000000 ? 1000000 : (int)left;
		}
		p.fd = fd;
		p.events = events;
		p.revents = 0;
		n = poll(&p, 1, wait);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return MO_ERR_IO;
		}
		if (n == 0)
			continue;	/* the deadline check above decides */
		/* POLLHUP/POLLERR: let the read or write report it. */
		return MO_OK;
	}
}

void
mo_conn_init(struct mo_conn *c, int rfd, int wfd, const char *what,
	     int timeout_ms)
{
	c->rfd = rfd;
	c->wfd = wfd;
	c->ssl = NULL;
	c->what = what;
	c->timeout_ms = timeout_ms;
	c->eof = false;
	c->rstart = 0;
	c->rend = 0;
}

void
mo_conn_close(struct mo_conn *c, bool send_close, bool close_fds)
{
	if (c->ssl != NULL) {
		if (send_close) {
			/* One attempt: a close_notify that does not fit in the
			 * socket buffer is not worth waiting for. */
			ERR_clear_error();
			(void)SSL_shutdown(c->ssl);
		}
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	mo_wipe(c->rbuf, sizeof(c->rbuf));
	c->rstart = c->rend = 0;
	if (close_fds) {
		if (c->rfd >= 0)
			close(c->rfd);
		if (c->wfd >= 0 && c->wfd != c->rfd)
			close(c->wfd);
		c->rfd = c->wfd = -1;
	}
}

/* ----------------------------------------------------------------- */

int
mo_tcp_connect(const char *host, unsigned int port, int timeout_ms,
	       int *fd_r, char **error_r)
{
	struct addrinfo hints, *res = NULL, *ai;
	char portstr[16], where[300];
	const char *why = "no address to try";
	long long deadline = mo_deadline(timeout_ms);
	int ret = MO_ERR_TEMP, fd = -1, rc, one = 1;

	*fd_r = -1;
	*error_r = NULL;
	snprintf(portstr, sizeof(portstr), "%u", port);
	snprintf(where, sizeof(where), "%s:%u", host, port);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	rc = getaddrinfo(host, portstr, &hints, &res);
	if (rc != 0) {
		*error_r = mo_strdup_printf("cannot resolve %s: %s", where, gai_strerror(rc));
		ret = MO_ERR_TEMP;
		goto out;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		int soerr = 0;
		socklen_t slen = sizeof(soerr);

		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
			    ai->ai_protocol);
		if (fd < 0) {
			why = strerror(errno);
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			goto connected;
		if (errno != EINPROGRESS) {
			why = strerror(errno);
			goto next;
		}
		rc = mo_wait_fd(fd, POLLOUT, deadline);
		if (rc == MO_ERR_TIMEOUT) {
			why = "timed out";
			ret = MO_ERR_TIMEOUT;
			close(fd);
			fd = -1;
			break;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &slen) == 0 && soerr == 0)
			goto connected;
		why = strerror(soerr != 0 ? soerr : errno);
next:
		close(fd);
		fd = -1;
	}
	*error_r = mo_strdup_printf("cannot connect to %s: %s", where, why);
	goto out;
connected:
	/* A relay forwards what it gets at once: Nagle's algorithm would
	 * hold a command back until the previous segment is acknowledged. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	*fd_r = fd;
	ret = MO_OK;
out:
	if (res != NULL)
		freeaddrinfo(res);
	if (ret != MO_OK && *error_r == NULL)
		ret = MO_ERR_NOMEM;
	return ret;
}

/* ----------------------------------------------------------------- */

/* True when the TLS layer reports the peer's end of stream (a clean
 * close_notify, or a TCP close without one: the mail protocols frame
 * their own data, so truncation cannot go unnoticed). */
static bool
ssl_is_eof(SSL *ssl, int r)
{
	int e = SSL_get_error(ssl, r);
	unsigned long err;

	if (e == SSL_ERROR_ZERO_RETURN)
		return true;
	if (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0 && errno == 0)
		return true;
	err = ERR_peek_last_error();
#ifdef SSL_R_UNEXPECTED_EOF_WHILE_READING
	if (e == SSL_ERROR_SSL && ERR_GET_REASON(err) == SSL_R_UNEXPECTED_EOF_WHILE_READING)
		return true;
#endif
	return false;
}

/* Reads more bytes into the read-ahead buffer. */
static int
conn_fill(struct mo_conn *c, long long deadline, const char **error_r)
{
	size_t space;
	int rc;

	if (c->rstart == c->rend) {
		c->rstart = c->rend = 0;
	} else if (c->rstart > 0 && c->rend == sizeof(c->rbuf)) {
		memmove(c->rbuf, c->rbuf + c->rstart, c->rend - c->rstart);
		c->rend -= c->rstart;
		c->rstart = 0;
	}
	space = sizeof(c->rbuf) - c->rend;
	if (space == 0) {
		*error_r = "read-ahead buffer full";
		return MO_ERR_TOOBIG;
	}
	if (c->eof) {
		*error_r = "connection closed";
		return MO_ERR_IO;
	}
	for (;;) {
		if (c->ssl != NULL) {
			size_t got = 0;
			int r, e;

			ERR_clear_error();
			errno = 0;
			r = SSL_read_ex(c->ssl, c->rbuf + c->rend, space, &got);
			if (r == 1) {
				c->rend += got;
				return MO_OK;
			}
			e = SSL_get_error(c->ssl, r);
			if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
				rc = mo_wait_fd(c->rfd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT,
						deadline);
				if (rc != MO_OK) {
					*error_r = rc == MO_ERR_TIMEOUT ? "timed out" : "poll failed";
					return rc;
				}
				continue;
			}
			c->eof = true;
			*error_r = ssl_is_eof(c->ssl, r) ? "connection closed"
							  : "TLS error while reading";
			return MO_ERR_IO;
		} else {
			ssize_t n;

			rc = mo_wait_fd(c->rfd, POLLIN, deadline);
			if (rc != MO_OK) {
				*error_r = rc == MO_ERR_TIMEOUT ? "timed out" : "poll failed";
				return rc;
			}
			n = read(c->rfd, c->rbuf + c->rend, space);
			if (n > 0) {
				c->rend += (size_t)n;
				return MO_OK;
			}
			if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
				continue;
			c->eof = true;
			*error_r = n == 0 ? "connection closed" : "read error";
			return MO_ERR_IO;
		}
	}
}

int
mo_conn_readline(struct mo_conn *c, struct mo_buf *line, size_t max,
		 bool *had_nul, const char **error_r)
{
	long long deadline = mo_deadline(c->timeout_ms);
	size_t scanned = 0;
	int rc;

	mo_buf_reset(line);
	if (had_nul != NULL)
		*had_nul = false;
	for (;;) {
		unsigned char *start = c->rbuf + c->rstart;
		size_t avail = c->rend - c->rstart;
		unsigned char *lf = memchr(start + scanned, '\n', avail - scanned);

		if (lf != NULL) {
			size_t n = (size_t)(lf - start);
			size_t take = n;

			if (take > 0 && start[take - 1] == '\r')
				take--;
			if (take > max) {
				*error_r = "line too long";
				return MO_ERR_TOOBIG;
			}
			if (had_nul != NULL && memchr(start, '\0', take) != NULL)
				*had_nul = true;
			rc = mo_buf_add(line, start, take);
			mo_wipe(start, n + 1);
			c->rstart += n + 1;
			if (rc != MO_OK) {
				*error_r = "line too long";
				return rc;
			}
			return MO_OK;
		}
		scanned = avail;
		/* A CR may still be followed by the LF: allow max + 1. */
		if (avail > max + 1) {
			*error_r = "line too long";
			return MO_ERR_TOOBIG;
		}
		rc = conn_fill(c, deadline, error_r);
		if (rc != MO_OK)
			return rc;
		/* conn_fill may have moved the data to the front. */
	}
}

int
mo_conn_peek(struct mo_conn *c, size_t n, const unsigned char **data_r,
	     size_t *len_r, const char **error_r)
{
	long long deadline = mo_deadline(c->timeout_ms);
	int rc;

	if (n > sizeof(c->rbuf))
		n = sizeof(c->rbuf);
	while (c->rend - c->rstart < n &&
	       memchr(c->rbuf + c->rstart, '\n', c->rend - c->rstart) == NULL)
		if ((rc = conn_fill(c, deadline, error_r)) != MO_OK)
			return rc;
	*data_r = c->rbuf + c->rstart;
	*len_r = c->rend - c->rstart;
	return MO_OK;
}

int
mo_conn_readn(struct mo_conn *c, struct mo_buf *out, size_t n,
	      const char **error_r)
{
	long long deadline = mo_deadline(c->timeout_ms);
	int rc;

	while (n > 0) {
		size_t avail = c->rend - c->rstart, take;

		if (avail == 0) {
			rc = conn_fill(c, deadline, error_r);
			if (rc != MO_OK)
				return rc;
			continue;
		}
		take = avail < n ? avail : n;
		rc = mo_buf_add(out, c->rbuf + c->rstart, take);
		if (rc != MO_OK) {
			*error_r = "too much data";
			return rc;
		}
		mo_wipe(c->rbuf + c->rstart, take);
		c->rstart += take;
		n -= take;
	}
	return MO_OK;
}

int
mo_conn_write(struct mo_conn *c, const void *data, size_t len,
	      const char **error_r)
{
	const unsigned char *p = data;
	long long deadline = mo_deadline(c->timeout_ms);
	int rc;

	while (len > 0) {
		if (c->ssl != NULL) {
			size_t done = 0;
			int r, e;

			ERR_clear_error();
			r = SSL_write_ex(c->ssl, p, len, &done);
			if (r == 1) {
				p += done;
				len -= done;
				continue;
			}
			e = SSL_get_error(c->ssl, r);
			if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
				rc = mo_wait_fd(c->wfd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT,
						deadline);
				if (rc != MO_OK) {
					*error_r = rc == MO_ERR_TIMEOUT ? "timed out" : "poll failed";
					return rc;
				}
				continue;
			}
			*error_r = "TLS error while writing";
			return MO_ERR_IO;
		} else {
			ssize_t n;

			rc = mo_wait_fd(c->wfd, POLLOUT, deadline);
			if (rc != MO_OK) {
				*error_r = rc == MO_ERR_TIMEOUT ? "timed out" : "poll failed";
				return rc;
			}
			n = write(c->wfd, p, len);
			if (n > 0) {
				p += n;
				len -= (size_t)n;
				continue;
			}
			if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
				continue;
			*error_r = errno == EPIPE ? "connection closed" : "write error";
			return MO_ERR_IO;
		}
	}
	return MO_OK;
}

int
mo_conn_writestr(struct mo_conn *c, const char *s, const char **error_r)
{
	return mo_conn_write(c, s, strlen(s), error_r);
}

size_t
mo_conn_pending(const struct mo_conn *c, const unsigned char **data_r)
{
	*data_r = c->rbuf + c->rstart;
	return c->rend - c->rstart;
}

void
mo_conn_consume(struct mo_conn *c, size_t n)
{
	if (n > c->rend - c->rstart)
		n = c->rend - c->rstart;
	mo_wipe(c->rbuf + c->rstart, n);
	c->rstart += n;
}
