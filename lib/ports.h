/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_PORTS_H
#define MAILOAUTH_PORTS_H

#include <stddef.h>

#include "config.h"

/*
 * The well-known mail ports, one table for everything that asks what a
 * port or a URL scheme means: the protocol `connect` and `check` assume
 * for a port, how TLS starts on it, and the schemes of the pop3/imap/smtp
 * keys (mailoauth.conf(5), "SERVERS").
 *
 *   port  protocol  TLS        scheme   source
 *   995   POP3      implicit   pop3s    RFC 8314 section 7.2
 *   110   POP3      STARTTLS   pop3     RFC 2595 section 4 (STLS)
 *   993   IMAP      implicit   imaps    RFC 8314 section 7.2
 *   143   IMAP      STARTTLS   imap     RFC 3501 section 6.2.1
 *   465   SMTP      implicit   smtps    RFC 8314 section 7.3
 *   587   SMTP      STARTTLS   smtp     RFC 6409 section 3.1, RFC 3207
 *   25    SMTP      STARTTLS   -        RFC 5321 section 4.5.4.2, RFC 3207
 *
 * The schemes are curl's (and RFC 5092's "imap" and RFC 2384's "pop"),
 * with one difference: mailoauth never speaks in clear, so the scheme
 * without "s" means STARTTLS, where curl upgrades only when asked.
 */
struct mo_mail_port {
	unsigned int port;
	enum mo_proto proto;
	enum mo_tls_mode tls;
	const char *scheme;	/* NULL: the port has no scheme of its own */
};

/* The entry of port, or NULL when it is not a well-known mail port. */
const struct mo_mail_port *mo_mail_port(unsigned int port);

/* The entry of the URL scheme (len bytes, any case: "pop3s", "imap"...),
 * or NULL. */
const struct mo_mail_port *mo_mail_scheme(const char *scheme, size_t len);

/* The port of protocol p with TLS mode tls (MO_TLS_DEFAULT: implicit):
 * 995, 110, 993, 143, 465, 587; 0 for a bad p. */
unsigned int mo_mail_port_of(enum mo_proto p, enum mo_tls_mode tls);

/* "pop3s", "imap" ... for p and tls (MO_TLS_DEFAULT: implicit); "" for a
 * bad p. */
const char *mo_mail_scheme_of(enum mo_proto p, enum mo_tls_mode tls);

#endif
