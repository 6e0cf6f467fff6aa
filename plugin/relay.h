/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_PLUGIN_RELAY_H
#define MAILOAUTH_PLUGIN_RELAY_H

#include "conn.h"

/* Size of each direction's buffer. */
#define MO_RELAY_BUF (256 * 1024)

/* After the client stopped sending: how long the server may stay quiet
 * before the relay ends. */
#define MO_RELAY_DRAIN_MS 5000

/* Longest server line that mo_relay_stats keeps as the last one. */
#define MO_RELAY_LAST_LINE 256

struct mo_relay_stats {
	unsigned long long to_server, to_client;	/* bytes */
	/* Set when the relay ended because the server closed its side. */
	int server_closed;
	/* The last complete line the server sent (CRLF removed, not
	 * NUL-terminated), when it was at most MO_RELAY_LAST_LINE bytes long;
	 * last_len 0 otherwise.  The server's final words before it closes:
	 * an untagged BYE saying why (front.h). */
	char last_line[MO_RELAY_LAST_LINE];
	size_t last_len;
};

/*
 * After the login: copies bytes both ways between the client (plain
 * descriptors) and the server (TLS), with large buffers, poll() and no
 * per-line work, until the conversation is over.  Bytes still in either
 * conn's read-ahead buffer go first.  Decrypted data that OpenSSL holds
 * (SSL_pending) is drained without waiting for the socket.
 *
 * Ends when the server closes (everything it sent is delivered, then the
 * client's side is shut), when the client stops sending and the server has
 * been quiet for MO_RELAY_DRAIN_MS (answers to the client's last commands
 * still reach it: a client may close its sending side right after QUIT),
 * when the client can no longer be written to, or on an error.  The
 * caller closes the server connection (TLS close_notify).  Client
 * descriptors are switched to non-blocking for the duration (never a
 * terminal) and restored; at the end the descriptor toward the client is
 * shut for writing, so that the client sees the end of the stream.
 *
 * Returns MO_OK (a clean end: the server closed, the client can no longer
 * be written to, or the server lingered past MO_RELAY_DRAIN_MS),
 * MO_ERR_IO (writing to the server failed, a TLS error either way, or
 * poll failed; what the server sent before a TLS error on its side is
 * still delivered first), MO_ERR_NOMEM (the buffers), or MO_ERR_INTERNAL
 * (nothing left to wait for: a bug).  *error_r (static) says why for an
 * error; it may be set after MO_OK too.  stats (may be NULL) is zeroed
 * first, then counts the bytes moved and keeps the server's last line.
 */
int mo_relay(struct mo_conn *client, struct mo_conn *server,
	     struct mo_relay_stats *stats, const char **error_r);

#endif
