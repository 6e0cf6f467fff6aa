/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_PLUGIN_FRONT_H
#define MAILOAUTH_PLUGIN_FRONT_H

#include <stdint.h>

#include <openssl/ssl.h>

#include "config.h"
#include "conn.h"
#include "report.h"
#include "upstream.h"

/*
 * `mailoauth connect`: the server side toward the mail client (POP3 or
 * IMAP on our stdin/stdout), the client side toward the real server.
 * Before login the plugin answers the client itself; the login becomes
 * AUTH XOAUTH2 upstream; after it, mo_relay() copies bytes.
 */

/* Time a client may take between commands before login. */
#define MO_FRONT_CLIENT_TIMEOUT_MS (10 * 60 * 1000)
/* Bad commands before login after which the plugin hangs up. */
#define MO_FRONT_MAX_ERRORS 10
/* Longest error text put on a POP3 -ERR line (RFC 2449 §4: 512 octets
 * per response line, including "-ERR [CODE] " and CRLF). */
#define MO_FRONT_POP3_TEXT_MAX 440

struct mo_front {
	const struct mo_config *cfg;	/* NULL when it failed to load */
	const struct mo_account *forced;	/* --account, or NULL */
	struct mo_target target;
	SSL_CTX *ctx;
	struct mo_conn *client;
	struct mo_conn *server;
	struct mo_fail setup;	/* a failure before the session: told to
				   the client in place of the greeting */
	/* After the login: the account, and the stamp of its token
	 * (mo_login_xoauth2_stamped(); 0 when not the stored one). */
	const struct mo_account *acct;
	int64_t stamp;
};

/* Serve one session.  Return an exit code: 0 when the conversation ended
 * normally (the client quit or the relay finished), else the code of the
 * failure that ended it (it was also told to the client and to stderr). */
int mo_pop3_serve(struct mo_front *fr);
/* After a login: relays bytes both ways until either side is done (relay.c).
 * Returns 0, or the exit code of the failure that ended it (said on
 * stderr).  When an IMAP server's last words before it closed were
 * Office 365's "* BYE Session invalidated - AccessTokenExpired"
 * (mo_imap_bye_token_expired(); the client got the line), stderr says the
 * token expired during the session, the token is marked refused
 * (mo_token_reject()) so that the next session refreshes it, and the
 * result is 75 (MO_EXIT_TEMPFAIL: the next session works). */
int mo_front_relay(struct mo_front *fr);
int mo_imap_serve(struct mo_front *fr);

#endif
