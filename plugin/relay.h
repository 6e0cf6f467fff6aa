/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_PLUGIN_RELAY_H
#define MAILOAUTH_PLUGIN_RELAY_H

#include "conn.h"

/* Size of each direction's buffer. */
#define MO_RELAY_BUF (256 * 1024)

/* Grace period for the server to finish after the client closed. */
#define MO_RELAY_DRAIN_MS 5000

struct mo_relay_stats {
	unsigned long long to_server, to_client;	/* bytes */
};

/*
 * After the login: copies bytes both ways between the client (plain
 * descriptors) and the server (TLS), with large buffers, poll() and no
 * per-line work, until the conversation is over.  Bytes still in either
 * conn's read-ahead buffer go first.  Decrypted data that OpenSSL holds
 * (SSL_pending) is drained without waiting for the socket.
 *
 * Ends when the server closes (everything it sent is delivered, then the
 * client's side is shut), when the client closes (what it sent is
 * delivered, the server gets a TLS close_notify and MO_RELAY_DRAIN_MS to
 * answer), or on an error.  Client descriptors are switched to
 * non-blocking for the duration (never a terminal) and restored.
 *
 * Returns MO_OK (clean end), MO_ERR_IO (a read/write/TLS error; *error_r
 * static) or MO_ERR_NOMEM.  stats may be NULL.
 */
int mo_relay(struct mo_conn *client, struct mo_conn *server,
	     struct mo_relay_stats *stats, const char **error_r);

#endif
