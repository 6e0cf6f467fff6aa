/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_NET_STOREKEY_H
#define MAILOAUTH_NET_STOREKEY_H

#include <stdbool.h>

#include "buf.h"
#include "config.h"
#include "store.h"
#include "storecrypt.h"

/*
 * The token store as mailoauth-net reads and writes it: the core's loader
 * and writer (store.h) with the refresh token sealed by the account's store
 * key (storecrypt.h) when store_key_file or store_key_command is set.
 *
 * The key: store_key_file's contents (a regular file owned by the user,
 * mode 0600 or stricter), or what store_key_command prints (command.h: by
 * /bin/sh -c, like every credential command), one trailing newline removed, at
 * least MO_STORE_KEY_MIN bytes.  A key is read once per process and kept
 * (wiped at exit).
 */

/* Whether the account has a store key configured. */
bool mo_net_store_key_configured(const struct mo_account *a);

/* The account's store key.  MO_OK, MO_ERR_CONFIG (no key configured, or
 * the command failed or the key is too short), MO_ERR_PERM (the key file is
 * readable by others: *error_r has the chmod that fixes it), MO_ERR_IO,
 * MO_ERR_NOMEM.  *error_r is malloc'd. */
int mo_net_store_key(const struct mo_account *a, const struct mo_store_key **k_r,
		     char **error_r);

/*
 * mo_store_load(), then opens "sealed".  Errors of mo_store_load(), and
 * MO_ERR_CONFIG (the file is sealed but no key is configured, or the key is
 * not the one it was sealed with), MO_ERR_PARSE (sealed for another account
 * or altered).  Nothing on disk is changed.  *error_r is malloc'd.
 */
int mo_net_store_load(const struct mo_account *a, struct mo_token *t, char **error_r);

/*
 * mo_store_save() of t, its refresh token sealed when the account has a
 * key (a plain store is thus encrypted on its next save).  t itself keeps
 * its plain refresh token.  Errors of mo_store_save() and
 * mo_net_store_key(); on failure the stored file is unchanged.
 */
int mo_net_store_save(const struct mo_account *a, const struct mo_token *t,
		      char **error_r);

#endif
