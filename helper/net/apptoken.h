/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_NET_APPTOKEN_H
#define MAILOAUTH_NET_APPTOKEN_H

#include <stdbool.h>

#include "config.h"
#include "store.h"

/*
 * The app token that accounts with flow = client_credentials share.  An
 * app-only token belongs to the app, not to a mailbox: every account with
 * the same token endpoint (authority and tenant), client_id, scope and
 * credential (the same client_secret_file or client_secret_command, or the
 * same client_certificate_file, client_key_file and passphrase setting) can
 * use the same one.
 * It is kept in STATE_DIR/app-tokens/KEY.json, a store file like an
 * account's (lib/store.h: mode 0600, replaced atomically), KEY being the
 * SHA-256, in hex, of those settings; nothing secret is in the name or the
 * file but the access token itself.  Its lock, KEY.lock beside it, is only
 * ever taken while holding the lock of one account, and nothing takes an
 * account's lock while holding it (doc/internals.md, "Lock order").
 */
struct mo_apptoken {
	char *dir;		/* STATE_DIR/app-tokens */
	char name[65];		/* KEY */
	int lock_fd;		/* -1: not locked */
};

/* Whether the account shares an app token (flow = client_credentials). */
bool mo_apptoken_shared(const struct mo_account *a);

/*
 * Computes the account's key and takes the lock, waiting up to timeout_s
 * seconds (0: do not wait).  MO_OK, MO_ERR_TIMEOUT (another holds it),
 * MO_ERR_PERM, MO_ERR_IO, MO_ERR_NOMEM; *error_r malloc'd.  On any return
 * the caller ends with mo_apptoken_release().
 */
int mo_apptoken_lock(const struct mo_account *a, int timeout_s,
		     struct mo_apptoken *at, char **error_r);

/* Loads the shared token (locked).  Errors of mo_store_load(); MO_ERR_NOENT
 * when there is none yet. */
int mo_apptoken_load(const struct mo_apptoken *at, struct mo_token *t,
		     char **error_r);

/* Saves the access token of t (and what describes it, never a refresh
 * token) as the shared one.  Errors of mo_store_save(). */
int mo_apptoken_save(const struct mo_apptoken *at, const struct mo_token *t,
		     char **error_r);

/* Releases the lock and frees what at holds; at may be unlocked. */
void mo_apptoken_release(struct mo_apptoken *at);

#endif
