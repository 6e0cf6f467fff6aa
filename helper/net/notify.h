/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_NET_NOTIFY_H
#define MAILOAUTH_NET_NOTIFY_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"

/*
 * An account's health as mailoauth-net last saw it, and the notifications
 * about it (mailoauth.conf(5), notify_command).
 *
 * STATE_DIR/ACCOUNT.state (0600, replaced atomically, serialised with
 * flock on STATE_DIR/ACCOUNT.state.lock):
 *   { "version": 1, "state": "ok"|"signin-needed"|"refresh-failed",
 *     "since": T, "checked_at": T, "last_error_at": T, "last_error": "...",
 *     "notified": "ok"|"signin-needed"|"refresh-failed",
 *     "credential_notified": T }
 * last_error is the message the user saw (never a secret).
 *
 * The notify_command runs once per change of state, not once per poll: a
 * revoked grant seen by any number of cron runs is notified once
 * (signin-needed), and once more when it works again (recovered).  A
 * client secret that expires within expiry_warning_days is notified once
 * per expiry date (credential-expiring).
 */

enum mo_health {
	MO_HEALTH_OK = 0,
	MO_HEALTH_SIGNIN_NEEDED,
	MO_HEALTH_REFRESH_FAILED,
};

struct mo_account_state {
	enum mo_health state;
	int64_t since;
	int64_t checked_at;
	int64_t last_error_at;
	char last_error[512];
	enum mo_health notified;
	int64_t credential_notified;	/* the client_secret_expires notified */
};

/* Reads acct's state file; MO_OK, MO_ERR_NOENT (none yet: *st zeroed),
 * MO_ERR_PARSE or MO_ERR_IO. */
int mo_state_load(const struct mo_account *acct, struct mo_account_state *st);

/*
 * Records the outcome of getting a token for acct (result MO_OK or the
 * error, message what the user was told; NULL for MO_OK) and runs the
 * notify_command when the account's state changed since the last
 * notification, or its credential starts expiring.  Never fails the
 * caller: problems are reported on stderr.
 */
void mo_notify_outcome(const struct mo_account *acct, int result,
		       const char *message);

#endif
