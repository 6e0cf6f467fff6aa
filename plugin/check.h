/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_PLUGIN_CHECK_H
#define MAILOAUTH_PLUGIN_CHECK_H

#include <stdbool.h>

#include "config.h"
#include "target.h"
#include "tls.h"

/*
 * `mailoauth check ACCOUNT [--protocol pop3|imap|smtp] [--server HOST:PORT]
 * [--tls implicit|starttls]`: logs in with XOAUTH2 and proves that the
 * mailbox can be used, printing each step on stdout:
 *
 *   token    a fresh access token (mo_token_obtain, as `mailoauth token`)
 *   scope    the granted scope (from the token store) covers the protocol
 *   connect  TCP, TLS, certificate, greeting, STARTTLS when needed
 *   login    AUTH XOAUTH2
 *   mailbox  POP3 STAT / IMAP EXAMINE INBOX (SELECT, read-only: nothing
 *            changes) / SMTP MAIL FROM + RSET
 *
 * Office 365 can accept the login and still refuse the mailbox ("User is
 * authenticated but not connected"): only the mailbox step proves it works.
 * Without --protocol and --server every protocol the account's scopes name
 * is checked.
 */

struct mo_check_opts {
	const char *account;
	int proto;		/* MO_PROTO_*, or -1: from --server or the scopes */
	const char *server;	/* "HOST:PORT", "[V6]:PORT", or NULL */
	enum mo_tls_mode tls;	/* MO_TLS_DEFAULT: from the port */
};

/* Returns the exit code: 0 only when every mailbox checked works;
 * 69 refused (login or mailbox), 75 temporary, 77 sign in again,
 * 78 configuration, 64 usage. */
int mo_check_run(const struct mo_config *cfg, const struct mo_check_opts *o);

#endif
