/* SPDX-License-Identifier: MIT */
/* The byte relay between the client and the TLS server (relay.h). */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>

#include "errors.h"
#include "front.h"
#include "relay.h"
#include "secret.h"

/* One direction: bytes in buf[start..end), read side finished when eof. */
struct pipe {
	unsigned char *buf;
	size_t start, end;
	bool eof;
};

static size_t
space(const struct pipe *p)
{
	return MO_RELAY_BUF - p->end;
}

static void
compact(struct pipe *p)
{
	if (p->start == p->end) {
		p->start = p->end = 0;
	} else if (p->start > MO_RELAY_BUF / 2) {
		memmove(p->buf, p->buf + p->start, p->end - p->start);
		p->end -= p->start;
		p->start = 0;
	}
}

/* Non-blocking mode for a pipe or socket (never a terminal or a file);
 * returns the old flags to restore, or -1 when left alone. */
static int
make_nonblocking(int fd)
{
	struct stat st;
	int fl;

	if (fstat(fd, &st) != 0 || !(S_ISSOCK(st.st_mode) || S_ISFIFO(st.st_mode)))
		return -1;
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || (fl & O_NONBLOCK))
		return -1;
	if (fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0)
		return -1;
	return fl;
}

static bool
ssl_eof(SSL *ssl, int r)
{
	int e = SSL_get_error(ssl, r);

	if (e == SSL_ERROR_ZERO_RETURN)
		return true;
	if (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0)
		return true;
#ifdef SSL_R_UNEXPECTED_EOF_WHILE_READING
	if (e == SSL_ERROR_SSL &&
	    ERR_GET_REASON(ERR_peek_last_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING)
		return true;
#endif
	return false;
}

int
mo_relay(struct mo_conn *client, struct mo_conn *server,
	 struct mo_relay_stats *stats, const char **error_r)
{
	struct pipe up = { 0 }, down = { 0 };	/* client->server, server->client */
	SSL *ssl = server->ssl;
	const unsigned char *pend;
	size_t n;
	int cin = client->rfd, cout = client->wfd, sfd = server->rfd;
	int fl_in = -1, fl_out = -1, ret = MO_ERR_NOMEM;
	bool client_done = false, client_gone = false;
	long long drain_deadline = -1;

	*error_r = NULL;
	if (stats != NULL)
		stats->to_server = stats->to_client = 0;
	up.buf = malloc(MO_RELAY_BUF);
	down.buf = malloc(MO_RELAY_BUF);
	if (up.buf == NULL || down.buf == NULL) {
		*error_r = "out of memory";
		goto out;
	}
	if (ssl != NULL)
		SSL_set_mode(ssl, SSL_MODE_ENABLE_PARTIAL_WRITE |
				  SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);

	/* What the login phase read ahead goes first. */
	n = mo_conn_pending(client, &pend);
	memcpy(up.buf, pend, n);
	up.end = n;
	mo_conn_consume(client, n);
	n = mo_conn_pending(server, &pend);
	memcpy(down.buf, pend, n);
	down.end = n;
	mo_conn_consume(server, n);
	up.eof = client->eof;
	down.eof = server->eof;

	fl_in = make_nonblocking(cin);
	if (cout != cin)
		fl_out = make_nonblocking(cout);

	for (;;) {
		short sev = 0, cinev = 0, coutev = 0;
		struct pollfd pfd[3];
		nfds_t np = 0;
		bool progress;
		int wait, pr;

		do {
			progress = false;

			/* client -> up */
			if (!up.eof && space(&up) > 0) {
				ssize_t r = read(cin, up.buf + up.end, space(&up));

				if (r > 0) {
					up.end += (size_t)r;
					progress = true;
				} else if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
					cinev |= POLLIN;
				} else if (r < 0 && errno == EINTR) {
					progress = true;
				} else {
					up.eof = true;	/* closed or failed: same end */
					progress = true;
				}
			}
			/* up -> server */
			if (up.end > up.start) {
				size_t done = 0;
				int r;

				ERR_clear_error();
				if (ssl != NULL) {
					r = SSL_write_ex(ssl, up.buf + up.start, up.end - up.start, &done);
				} else {
					ssize_t w = write(sfd, up.buf + up.start, up.end - up.start);

					r = w > 0;
					done = w > 0 ? (size_t)w : 0;
					if (w < 0 && errno != EAGAIN && errno != EINTR) {
						*error_r = "write to the server failed";
						ret = MO_ERR_IO;
						goto out;
					}
					if (w < 0)
						sev |= POLLOUT;
				}
				if (r == 1) {
					up.start += done;
					if (stats != NULL)
						stats->to_server += done;
					compact(&up);
					progress = true;
				} else if (ssl != NULL) {
					int e = SSL_get_error(ssl, r);

					if (e == SSL_ERROR_WANT_WRITE)
						sev |= POLLOUT;
					else if (e == SSL_ERROR_WANT_READ)
						sev |= POLLIN;
					else {
						*error_r = "TLS error while writing to the server";
						ret = MO_ERR_IO;
						goto out;
					}
				}
			}
			/* The client is done sending and everything it sent
			 * is out.  Many servers drop pipelined commands when
			 * the input ends, so no close_notify yet: let the
			 * server answer as long as it keeps talking. */
			if (up.eof && up.end == up.start && !client_done) {
				client_done = true;
				drain_deadline = mo_deadline(MO_RELAY_DRAIN_MS);
			}
			/* server -> down (also drains what OpenSSL holds);
			 * batch records so that the client gets large writes */
			while (!down.eof && space(&down) > 0) {
				size_t got = 0;
				int r;

				ERR_clear_error();
				errno = 0;
				if (ssl != NULL) {
					r = SSL_read_ex(ssl, down.buf + down.end, space(&down), &got);
				} else {
					ssize_t rr = read(sfd, down.buf + down.end, space(&down));

					r = rr > 0;
					got = rr > 0 ? (size_t)rr : 0;
					if (rr == 0)
						down.eof = true;
					else if (rr < 0 && (errno == EAGAIN || errno == EINTR))
						sev |= POLLIN;
					else if (rr < 0)
						down.eof = true;
				}
				if (r == 1) {
					down.end += got;
					progress = true;
					if (client_done)	/* still talking */
						drain_deadline = mo_deadline(MO_RELAY_DRAIN_MS);
					continue;
				} else if (ssl != NULL) {
					int e = SSL_get_error(ssl, r);

					if (e == SSL_ERROR_WANT_READ) {
						sev |= POLLIN;
					} else if (e == SSL_ERROR_WANT_WRITE) {
						sev |= POLLOUT;
					} else if (ssl_eof(ssl, r)) {
						down.eof = true;
						progress = true;
					} else {
						*error_r = "TLS error while reading from the server";
						down.eof = true;
						ret = MO_ERR_IO;
						progress = true;
					}
				} else if (down.eof) {
					progress = true;
				}
				break;
			}
			/* down -> client */
			if (down.end > down.start && !client_gone) {
				ssize_t w = write(cout, down.buf + down.start, down.end - down.start);

				if (w > 0) {
					down.start += (size_t)w;
					if (stats != NULL)
						stats->to_client += (unsigned long long)w;
					compact(&down);
					progress = true;
				} else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
					coutev |= POLLOUT;
				} else if (w < 0 && errno == EINTR) {
					progress = true;
				} else {
					client_gone = true;	/* EPIPE: nobody to tell */
					progress = true;
				}
			}
			if (client_gone) {
				/* Nothing more can reach the client. */
				if (ret == MO_ERR_NOMEM)
					ret = MO_OK;
				goto out;
			}
			if (down.eof && down.end == down.start) {
				if (ret == MO_ERR_NOMEM)
					ret = MO_OK;
				goto out;
			}
		} while (progress);

		/* Wait for whatever blocked us. */
		if (sev != 0) {
			pfd[np].fd = sfd;
			pfd[np].events = sev;
			np++;
		}
		if (cinev != 0) {
			pfd[np].fd = cin;
			pfd[np].events = cinev;
			np++;
		}
		if (coutev != 0) {
			pfd[np].fd = cout;
			pfd[np].events = coutev;
			np++;
		}
		if (np == 0) {
			*error_r = "relay stalled";
			ret = MO_ERR_INTERNAL;
			goto out;
		}
		wait = -1;
		if (drain_deadline >= 0) {
			long long left = drain_deadline - mo_now_ms();

			if (left <= 0) {
				ret = MO_OK;	/* the client left; the server lingered */
				goto out;
			}
			wait = (int)left;
		}
		pr = poll(pfd, np, wait);
		if (pr < 0 && errno != EINTR) {
			*error_r = "poll failed";
			ret = MO_ERR_IO;
			goto out;
		}
	}
out:
	/* The server is finished: let the client see the end of the stream
	 * at once (shutdown reaches every copy of a socket descriptor). */
	shutdown(cout, SHUT_WR);
	if (fl_in >= 0)
		(void)fcntl(cin, F_SETFL, fl_in);
	if (fl_out >= 0)
		(void)fcntl(cout, F_SETFL, fl_out);
	if (up.buf != NULL)
		mo_freezero(up.buf, MO_RELAY_BUF);
	if (down.buf != NULL)
		mo_freezero(down.buf, MO_RELAY_BUF);
	return ret;
}

int
mo_front_relay(struct mo_front *fr)
{
	struct mo_relay_stats st;
	const char *why = NULL;
	int rc;

	rc = mo_relay(fr->client, fr->server, &st, &why);
	mo_log(1, "session over: %llu bytes to the server, %llu to the client",
	       st.to_server, st.to_client);
	if (rc == MO_OK)
		return 0;
	fprintf(stderr, "mailoauth: connection to %s ended: %s\n", fr->target.host, why);
	return mo_exit_code(rc);
}
