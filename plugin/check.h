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

/* What each checked protocol gave, for --nagios (monitor.c). */
struct mo_check_item {
	enum mo_proto proto;
	int rc;			/* MO_OK or the failure */
	char failed[64];	/* the result line's reason ("login refused") */
	char msg[1024];		/* the failure's explanation, one line */
	bool recovered;		/* a refused token was refreshed and then worked */
};

struct mo_check_report {
	struct mo_check_item item[MO_PROTO_COUNT];
	int n;
};

struct mo_check_opts {
	const char *account;
	int proto;		/* MO_PROTO_*, or -1: from --server or the scopes */
	const char *server;	/* "HOST:PORT", "[V6]:PORT", or NULL */
	enum mo_tls_mode tls;	/* MO_TLS_DEFAULT: from the port */
	struct mo_check_report *report;	/* NULL, or filled per protocol */
};

/* Returns the exit code: 0 only when every mailbox checked works;
 * 69 refused (login or mailbox), 75 temporary, 77 sign in again,
 * 78 configuration, 64 usage. */
int mo_check_run(const struct mo_config *cfg, const struct mo_check_opts *o);

/*
 * `check ACCOUNT --nagios` (monitor.c): the same check with its steps
 * silenced, then one line in the monitoring-plugins format,
 *     MAILOAUTH OK - account work: IMAP works ...|time=0.41s;;;0 ...
 * and exit 0 OK, 1 WARNING (works, but the sign-in ends within
 * expiry_warning_days), 2 CRITICAL (does not work), 3 UNKNOWN (usage,
 * configuration).  cfg NULL: loading it failed as load_fail says.
 */
int mo_check_nagios(const struct mo_config *cfg, const char *load_fail,
		    const struct mo_check_opts *o);

#endif
