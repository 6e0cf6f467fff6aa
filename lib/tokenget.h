/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_TOKENGET_H
#define MAILOAUTH_TOKENGET_H

#include "config.h"

/*
 * "Give me a usable access token for this account": the one code path that
 * `mailoauth token`, the SASL plugin and `mailoauth connect` share.
 *
 * Reads the store without locking; when the access token is fresh (more than
 * refresh_margin seconds left) it is returned at once.  Otherwise the helper
 * (`mailoauth --config CONFIG token ACCOUNT`, see mo_helper_path()) is run
 * with mo_spawn_capture() and its single output line is the token.
 */

/* Absolute path of the `mailoauth` executable: BINDIR/mailoauth, or
 * $MAILOAUTH_HELPER when set (ignored in set-uid programs). */
const char *mo_helper_path(void);

/* Directory of the back ends (mailoauth-net, mailoauth-connect):
 * LIBEXECDIR, or $MAILOAUTH_LIBEXECDIR when set (not in set-uid programs). */
const char *mo_libexec_dir(void);

/*
 * cfg_path is the configuration file that was loaded (passed to the helper
 * so that it sees the same accounts).  On MO_OK *token_r is a malloc'd
 * token (free with mo_free_secret()).  Errors: MO_ERR_REAUTH (sign in
 * again), MO_ERR_TEMP, MO_ERR_CONFIG, MO_ERR_NOENT (the helper cannot be
 * run here, e.g. inside a chroot, and the stored token is stale), ...;
 * *error_r is a malloc'd message for the user, taken from the helper's
 * stderr when it ran.
 */
int mo_token_obtain(const char *cfg_path, const struct mo_account *acct,
		    char **token_r, char **error_r);

#endif
