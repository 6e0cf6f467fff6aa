/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_PLUGIN_CONN_H
#define MAILOAUTH_PLUGIN_CONN_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/ssl.h>

#include "buf.h"
#include "clock.h"

/*
 * One side of a conversation: the client (our stdin/stdout, a pipe, a
 * socketpair or an inetd socket) or the upstream server (a TCP socket,
 * plain until TLS is started on it).  Reads go through a bounded read-ahead
 * buffer so that lines can be taken one at a time; what is left in it when
 * the login is over goes to the relay (mo_conn_pending()).
 *
 * Every operation has a deadline (timeout_ms, -1 for none); nothing here
 * allocates without a bound.  Upstream sockets are non-blocking; client
 * descriptors are left as they are (they may be a terminal) and are only
 * read when poll() says so.
 */

#define MO_CONN_RBUF (16 * 1024)

struct mo_conn {
	int rfd, wfd;		/* equal for sockets */
	SSL *ssl;		/* NULL: plain */
	const char *what;	/* "the client" / "the server": for messages */
	int timeout_ms;		/* per operation, -1: wait forever */
	bool eof;		/* the peer closed its sending side */
	size_t rstart, rend;	/* unread bytes are rbuf[rstart..rend) */
	unsigned char rbuf[MO_CONN_RBUF];
};

/* Sets up c over rfd/wfd (no TLS yet).  Never fails. */
void mo_conn_init(struct mo_conn *c, int rfd, int wfd, const char *what,
		  int timeout_ms);

/* Frees the TLS state (after a TLS shutdown attempt when send_close is
 * true) and closes the descriptors when close_fds is true. */
void mo_conn_close(struct mo_conn *c, bool send_close, bool close_fds);

/*
 * Opens a TCP connection to host:port (names resolved with getaddrinfo,
 * every address tried in turn within timeout_ms).  The socket is
 * non-blocking and close-on-exec.  Returns MO_OK with *fd_r, MO_ERR_TEMP
 * (resolution failed, refused, unreachable), MO_ERR_TIMEOUT or
 * MO_ERR_NOMEM; *error_r (malloc'd) says what happened.
 */
int mo_tcp_connect(const char *host, unsigned int port, int timeout_ms,
		   int *fd_r, char **error_r);

/*
 * Reads one line (terminated by LF; a CR before it is removed too) into
 * line, replacing its contents, at most max bytes without the terminator.
 * Returns MO_OK, MO_ERR_TOOBIG (longer than max: the connection is no
 * longer in step and must be given up), MO_ERR_IO (the peer closed or an
 * error; a last line without LF counts as closed), MO_ERR_TIMEOUT.
 * *error_r is static.  *had_nul (may be NULL) is set when the line held a
 * NUL byte.
 */
int mo_conn_readline(struct mo_conn *c, struct mo_buf *line, size_t max,
		     bool *had_nul, const char **error_r);

/* Waits until at least n bytes, or a whole line, are in the read-ahead
 * buffer, and shows them (*data_r, *len_r) without consuming them: the
 * next read returns them again.  Same results as mo_conn_readline(). */
int mo_conn_peek(struct mo_conn *c, size_t n, const unsigned char **data_r,
		 size_t *len_r, const char **error_r);

/* Reads exactly n bytes and appends them to out (for IMAP literals).
 * Same results as mo_conn_readline(); out's bound applies. */
int mo_conn_readn(struct mo_conn *c, struct mo_buf *out, size_t n,
		  const char **error_r);

/* Writes all len bytes.  MO_OK, MO_ERR_IO, MO_ERR_TIMEOUT. */
int mo_conn_write(struct mo_conn *c, const void *data, size_t len,
		  const char **error_r);
int mo_conn_writestr(struct mo_conn *c, const char *s, const char **error_r);

/* Bytes read ahead and not yet consumed. */
size_t mo_conn_pending(const struct mo_conn *c, const unsigned char **data_r);

/* Forgets n bytes of the read-ahead data (after handing them on). */
void mo_conn_consume(struct mo_conn *c, size_t n);

/* Low-level helpers shared with the relay: wait until fd is ready for
 * events (POLLIN/POLLOUT) or the deadline passes.  deadline_ms is a value
 * of mo_now_ms() (clock.h) or -1.  MO_OK, MO_ERR_TIMEOUT, MO_ERR_IO. */
int mo_wait_fd(int fd, short events, long long deadline_ms);
long long mo_deadline(int timeout_ms);

#endif
