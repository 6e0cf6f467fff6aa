/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_PLUGIN_TLS_H
#define MAILOAUTH_PLUGIN_TLS_H

#include <stdbool.h>

#include <openssl/ssl.h>

#include "config.h"	/* enum mo_tls_mode */
#include "conn.h"

/*
 * The TLS client toward mail servers.  Verification is always on: the
 * system's trust store plus, when given, the account's ca_file; the server
 * certificate must name the host we were asked to connect to (DNS name via
 * SNI + SSL_set1_host, or an IP address literal via its iPAddress SAN).
 * TLS 1.2 is the oldest version accepted.  There is no switch to turn any of
 * this off: a token never crosses the wire unprotected.
 */

/* "implicit" / "starttls" -> mode; MO_TLS_DEFAULT when unknown. */
enum mo_tls_mode mo_tls_mode_from_name(const char *name);
const char *mo_tls_mode_name(enum mo_tls_mode m);

/* The mode of a well-known port (ports.h: STARTTLS on 110, 143, 587 and
 * 25); every other port (995, 993, 465 and any non-standard one) is
 * implicit TLS. */
enum mo_tls_mode mo_tls_mode_for_port(unsigned int port);

/* True for the well-known mail ports of ports.h, whose TLS mode is known. */
bool mo_tls_port_known(unsigned int port);

/*
 * Makes the client context.  ca_file may be NULL.  Returns MO_OK with
 * *ctx_r (free with SSL_CTX_free()), MO_ERR_CONFIG (ca_file unreadable or
 * not PEM) or MO_ERR_NOMEM; *error_r is malloc'd.
 */
int mo_tls_context(const char *ca_file, SSL_CTX **ctx_r, char **error_r);

/* Adds the trust anchors of another PEM file to ctx.  MO_OK or
 * MO_ERR_CONFIG (*error_r malloc'd). */
int mo_tls_add_ca(SSL_CTX *ctx, const char *ca_file, char **error_r);

/*
 * Runs the TLS handshake over c's socket (c must hold no read-ahead data:
 * anything a server sent before the handshake would be a plaintext
 * injection), verifying the certificate for host.  On MO_OK c->ssl is set
 * and later reads and writes are encrypted.  Errors: MO_ERR_AUTH (the
 * certificate was refused: *error_r names the reason, e.g. the host name
 * does not match), MO_ERR_PROTO (handshake failed, data before the
 * handshake), MO_ERR_TIMEOUT, MO_ERR_IO, MO_ERR_NOMEM.  *error_r is
 * malloc'd.
 */
int mo_tls_start(struct mo_conn *c, SSL_CTX *ctx, const char *host,
		 char **error_r);

/* "TLSv1.3, TLS_AES_256_GCM_SHA384" for messages; static or c-owned. */
const char *mo_tls_describe(const struct mo_conn *c, char *buf, size_t n);

#endif
