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
#include "imapparse.h"
#include "relay.h"
#include "secret.h"
#include "tokenreject.h"

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

/* Everything one relay holds. */
struct relay {
	struct pipe up, down;		/* client->server, server->client */
	SSL *ssl;			/* the server's TLS, NULL: plain */
	int cin, cout, sfd;
	int fl_in, fl_out;		/* flags to restore, -1: untouched */
	short sev, cinev, coutev;	/* what blocked each descriptor */
	bool client_done;		/* the client stopped, all it sent is out */
	bool client_gone;		/* the client can no longer be written to */
	/* May the client's or the server's side have data?  Cleared when a
	 * read comes back short (the pipe or socket is drained) or would
	 * block, set again by poll: no read is made just to learn that
	 * there is nothing (no EAGAIN round trip per chunk). */
	bool cin_ready, srv_ready;
	long long drain_deadline;	/* -1 until client_done */
	int err;			/* the result of an end: MO_OK or MO_ERR_IO */
	/* The server's line being received (for stats->last_line): its
	 * bytes so far, or cur_over when it is too long to keep. */
	char cur[MO_RELAY_LAST_LINE];
	size_t cur_len;
	bool cur_over;
	const char *why;		/* static, for *error_r */
	struct mo_relay_stats *stats;
};

/* A step's verdict besides MO_OK (go on) and the errors: the
 * conversation is over and r->err is the result. */
#define RELAY_OVER 1

/* Takes what the login phase read ahead: it goes first. */
static void
take_pending(struct mo_conn *c, struct pipe *p)
{
	const unsigned char *pend;
	size_t n = mo_conn_pending(c, &pend);

	memcpy(p->buf, pend, n);
	p->end = n;
	mo_conn_consume(c, n);
	p->eof = c->eof;
}

/* MO_OK or MO_ERR_NOMEM; relay_finish() undoes it in either case. */
static int
relay_start(struct relay *r, struct mo_conn *client, struct mo_conn *server,
	    struct mo_relay_stats *stats)
{
	memset(r, 0, sizeof(*r));
	r->ssl = server->ssl;
	r->cin = client->rfd;
	r->cout = client->wfd;
	r->sfd = server->rfd;
	r->fl_in = r->fl_out = -1;
	r->drain_deadline = -1;
	r->cin_ready = r->srv_ready = true;
	r->err = MO_OK;
	r->stats = stats;
	if (stats != NULL)
		memset(stats, 0, sizeof(*stats));
	r->up.buf = malloc(MO_RELAY_BUF);
	r->down.buf = malloc(MO_RELAY_BUF);
	if (r->up.buf == NULL || r->down.buf == NULL) {
		r->why = "out of memory";
		return MO_ERR_NOMEM;
	}
	if (r->ssl != NULL)
		SSL_set_mode(r->ssl, SSL_MODE_ENABLE_PARTIAL_WRITE |
				     SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	take_pending(client, &r->up);
	take_pending(server, &r->down);
	r->fl_in = make_nonblocking(r->cin);
	if (r->cout != r->cin)
		r->fl_out = make_nonblocking(r->cout);
	return MO_OK;
}

/* The server is finished: let the client see the end of the stream at
 * once (shutdown reaches every copy of a socket descriptor). */
static void
relay_finish(struct relay *r)
{
	shutdown(r->cout, SHUT_WR);
	if (r->fl_in >= 0)
		(void)fcntl(r->cin, F_SETFL, r->fl_in);
	if (r->fl_out >= 0)
		(void)fcntl(r->cout, F_SETFL, r->fl_out);
	if (r->up.buf != NULL)
		mo_freezero(r->up.buf, MO_RELAY_BUF);
	if (r->down.buf != NULL)
		mo_freezero(r->down.buf, MO_RELAY_BUF);
	mo_wipe(r->cur, sizeof(r->cur));
}

/* client -> up.  True when something happened. */
static bool
read_client(struct relay *r)
{
	struct pipe *p = &r->up;
	size_t want = space(p);
	ssize_t n;

	if (p->eof || want == 0 || !r->cin_ready)
		return false;
	n = read(r->cin, p->buf + p->end, want);
	if (n > 0) {
		p->end += (size_t)n;
		if ((size_t)n < want)
			r->cin_ready = false;
		return true;
	}
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
		r->cin_ready = false;
		return false;
	}
	if (n < 0 && errno == EINTR)
		return true;
	p->eof = true;		/* closed or failed: same end */
	return true;
}

/* up -> server.  MO_OK (*progress set when bytes went) or MO_ERR_IO. */
static int
write_server(struct relay *r, bool *progress)
{
	struct pipe *p = &r->up;
	size_t done = 0;
	int ok;

	if (p->end == p->start)
		return MO_OK;
	ERR_clear_error();
	if (r->ssl != NULL) {
		ok = SSL_write_ex(r->ssl, p->buf + p->start, p->end - p->start, &done);
	} else {
		ssize_t w = write(r->sfd, p->buf + p->start, p->end - p->start);

		ok = w > 0;
		done = w > 0 ? (size_t)w : 0;
		if (w < 0 && errno != EAGAIN && errno != EINTR) {
			r->why = "write to the server failed";
			return MO_ERR_IO;
		}
		if (w < 0)
			r->sev |= POLLOUT;
	}
	if (ok == 1) {
		p->start += done;
		if (r->stats != NULL)
			r->stats->to_server += done;
		compact(p);
		*progress = true;
	} else if (r->ssl != NULL) {
		int e = SSL_get_error(r->ssl, ok);

		if (e == SSL_ERROR_WANT_WRITE) {
			r->sev |= POLLOUT;
		} else if (e == SSL_ERROR_WANT_READ) {
			r->sev |= POLLIN;
		} else {
			r->why = "TLS error while writing to the server";
			return MO_ERR_IO;
		}
	}
	return MO_OK;
}

/* The client is done sending and everything it sent is out.  Many servers
 * drop pipelined commands when the input ends, so no close_notify yet: let
 * the server answer as long as it keeps talking. */
static void
note_client_done(struct relay *r)
{
	if (r->up.eof && r->up.end == r->up.start && !r->client_done) {
		r->client_done = true;
		r->drain_deadline = mo_deadline(MO_RELAY_DRAIN_MS);
	}
}

/* Appends n bytes to the line being received, or marks it too long. */
static void
cur_add(struct relay *r, const unsigned char *d, size_t n)
{
	if (r->cur_over || n > sizeof(r->cur) - r->cur_len) {
		r->cur_over = true;
		return;
	}
	memcpy(r->cur + r->cur_len, d, n);
	r->cur_len += n;
}

/* Keeps the last complete line of what the server sent (n bytes at d just
 * arrived) in stats: only the bytes after the chunk's second-to-last LF are
 * looked at, so a chunk costs a backward scan to its last line, not a
 * per-line pass. */
static void
track_last_line(struct relay *r, const unsigned char *d, size_t n)
{
	const unsigned char *lf, *prev;
	size_t len;

	if (r->stats == NULL || n == 0)
		return;
	lf = memrchr(d, '\n', n);
	if (lf == NULL) {
		cur_add(r, d, n);
		return;
	}
	prev = memrchr(d, '\n', (size_t)(lf - d));
	if (prev != NULL) {
		r->cur_len = 0;
		r->cur_over = false;
		cur_add(r, prev + 1, (size_t)(lf - prev - 1));
	} else {
		cur_add(r, d, (size_t)(lf - d));
	}
	len = r->cur_over ? 0 : r->cur_len;
	if (len > 0 && r->cur[len - 1] == '\r')
		len--;
	memcpy(r->stats->last_line, r->cur, len);
	r->stats->last_len = len;
	r->cur_len = 0;
	r->cur_over = false;
	cur_add(r, lf + 1, n - (size_t)(lf + 1 - d));
}

/* server -> down, also draining what OpenSSL holds; records are batched
 * so that the client gets large writes.  A TLS error ends the server's
 * side with r->err = MO_ERR_IO (what it sent before still goes out).
 * True when something happened. */
static bool
read_server(struct relay *r)
{
	struct pipe *p = &r->down;
	bool progress = false;

	while (!p->eof && space(p) > 0 &&
	       (r->srv_ready || (r->ssl != NULL && SSL_has_pending(r->ssl)))) {
		size_t got = 0, want = space(p);
		int ok;

		ERR_clear_error();
		errno = 0;
		if (r->ssl != NULL) {
			ok = SSL_read_ex(r->ssl, p->buf + p->end, want, &got);
		} else {
			ssize_t n = read(r->sfd, p->buf + p->end, want);

			ok = n > 0;
			got = n > 0 ? (size_t)n : 0;
			if (n == 0)
				p->eof = true;
			else if (n < 0 && (errno == EAGAIN || errno == EINTR))
				r->srv_ready = false;
			else if (n < 0)
				p->eof = true;
		}
		if (ok == 1) {
			track_last_line(r, p->buf + p->end, got);
			p->end += got;
			progress = true;
			if (r->client_done)	/* still talking */
				r->drain_deadline = mo_deadline(MO_RELAY_DRAIN_MS);
			/* Drained: OpenSSL holds nothing more (it reads ahead
			 * whole socket buffers) or the socket gave less than
			 * asked.  Poll before the next read. */
			if (r->ssl != NULL ? !SSL_has_pending(r->ssl) : got < want)
				r->srv_ready = false;
			continue;
		}
		if (r->ssl != NULL) {
			int e = SSL_get_error(r->ssl, ok);

			if (e == SSL_ERROR_WANT_READ) {
				r->srv_ready = false;
			} else if (e == SSL_ERROR_WANT_WRITE) {
				r->sev |= POLLOUT;
			} else if (ssl_eof(r->ssl, ok)) {
				p->eof = true;
				progress = true;
			} else {
				r->why = "TLS error while reading from the server";
				p->eof = true;
				r->err = MO_ERR_IO;
				progress = true;
			}
		} else if (p->eof) {
			progress = true;
		}
		break;
	}
	return progress;
}

/* down -> client.  True when something happened. */
static bool
write_client(struct relay *r)
{
	struct pipe *p = &r->down;
	ssize_t w;

	if (p->end == p->start || r->client_gone)
		return false;
	w = write(r->cout, p->buf + p->start, p->end - p->start);
	if (w > 0) {
		p->start += (size_t)w;
		if (r->stats != NULL)
			r->stats->to_client += (unsigned long long)w;
		compact(p);
		return true;
	}
	if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
		r->coutev |= POLLOUT;
		return false;
	}
	if (w < 0 && errno == EINTR)
		return true;
	r->client_gone = true;	/* EPIPE: nobody to tell */
	return true;
}

/* Moves bytes both ways until nothing moves.  MO_OK: wait for the
 * descriptors; RELAY_OVER: nothing more can reach the client, or the
 * server closed and all it sent is delivered; MO_ERR_IO. */
static int
relay_pump(struct relay *r)
{
	bool progress;
	int rc;

	r->sev = r->cinev = r->coutev = 0;
	do {
		progress = read_client(r);
		if ((rc = write_server(r, &progress)) != MO_OK)
			return rc;
		note_client_done(r);
		if (read_server(r))
			progress = true;
		if (write_client(r))
			progress = true;
		if (r->client_gone)
			return RELAY_OVER;
		if (r->down.eof && r->down.end == r->down.start) {
			if (r->stats != NULL)
				r->stats->server_closed = 1;
			return RELAY_OVER;
		}
	} while (progress);
	return MO_OK;
}

/* Waits for whatever blocked the pump.  MO_OK: go on; RELAY_OVER: the
 * client left and the server lingered past MO_RELAY_DRAIN_MS (a clean
 * end); MO_ERR_IO (poll failed); MO_ERR_INTERNAL (nothing to wait for). */
static int
relay_wait(struct relay *r)
{
	struct pollfd pfd[3];
	nfds_t np = 0, i;
	int wait = -1, pr;

	/* And data where a read found none. */
	if (!r->up.eof && space(&r->up) > 0 && !r->cin_ready)
		r->cinev |= POLLIN;
	if (!r->down.eof && space(&r->down) > 0 && !r->srv_ready)
		r->sev |= POLLIN;
	if (r->sev != 0) {
		pfd[np].fd = r->sfd;
		pfd[np].events = r->sev;
		np++;
	}
	if (r->cinev != 0) {
		pfd[np].fd = r->cin;
		pfd[np].events = r->cinev;
		np++;
	}
	if (r->coutev != 0) {
		pfd[np].fd = r->cout;
		pfd[np].events = r->coutev;
		np++;
	}
	if (np == 0) {
		r->why = "relay stalled";
		return MO_ERR_INTERNAL;
	}
	if (r->drain_deadline >= 0) {
		long long left = r->drain_deadline - mo_now_ms();

		if (left <= 0) {
			r->err = MO_OK;
			return RELAY_OVER;
		}
		wait = (int)left;
	}
	pr = poll(pfd, np, wait);
	if (pr < 0 && errno != EINTR) {
		r->why = "poll failed";
		return MO_ERR_IO;
	}
	/* Readable, closed or failed: the next read tells which. */
	for (i = 0; pr > 0 && i < np; i++) {
		if ((pfd[i].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL)) == 0)
			continue;
		if (pfd[i].fd == r->cin && (pfd[i].events & POLLIN))
			r->cin_ready = true;
		if (pfd[i].fd == r->sfd)
			r->srv_ready = true;
	}
	return MO_OK;
}

int
mo_relay(struct mo_conn *client, struct mo_conn *server,
	 struct mo_relay_stats *stats, const char **error_r)
{
	struct relay r;
	int rc;

	rc = relay_start(&r, client, server, stats);
	while (rc == MO_OK) {
		rc = relay_pump(&r);
		if (rc == MO_OK)
			rc = relay_wait(&r);
	}
	relay_finish(&r);
	*error_r = r.why;
	return rc == RELAY_OVER ? r.err : rc;
}

/* The server ended an IMAP session because the access token expired
 * (front.h): say so, and have the next session refresh it. */
static int
token_expired(struct mo_front *fr)
{
	const char *name = fr->acct != NULL ? fr->acct->name : "?";
	char *err = NULL;
	int rc = MO_ERR_NOENT;

	if (fr->acct != NULL && fr->stamp != 0 && fr->cfg != NULL)
		rc = mo_token_reject(fr->cfg->path, fr->acct, fr->stamp, &err);
	fprintf(stderr, "mailoauth: %s ended the session: the access token of account %s "
		"expired during it (\"AccessTokenExpired\"); the client was told so and "
		"the next session logs in with a fresh token\n", fr->target.host, name);
	if (rc != MO_OK && fr->stamp != 0)
		mo_log(1, "account %s: cannot mark the expired token: %s", name,
		       err != NULL ? err : mo_strerror(rc));
	free(err);
	return MO_EXIT_TEMPFAIL;
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
	if (fr->target.proto == MO_PROTO_IMAP && st.server_closed &&
	    mo_imap_bye_token_expired(st.last_line, st.last_len))
		return token_expired(fr);
	if (rc == MO_OK)
		return 0;
	fprintf(stderr, "mailoauth: connection to %s ended: %s\n", fr->target.host, why);
	return mo_exit_code(rc);
}
