/* SPDX-License-Identifier: MIT */
/*
 * `mailoauth reject ACCOUNT EXPIRES_AT`: a mail server refused the stored
 * access token that expires at EXPIRES_AT (Unix seconds) although it had
 * not expired -- revoked early, or the store was copied and used elsewhere.
 * The token is marked "refused_at" (store.h) so that `mailoauth token`, the
 * SASL plugin and `mailoauth connect` no longer hand it out and the next
 * one of them refreshes it.  Nothing is refreshed here.
 *
 * EXPIRES_AT names the token without the token itself (no secret in argv):
 * when the stored token expires at another time, it was replaced after the
 * refusal and is left alone.  Marking is done under the account's lock.
 * Exit 0 also when there was nothing to mark.
 */
#include "autoconfig.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "errors.h"
#include "log.h"
#include "store.h"

int
mo_cmd_reject(struct mo_net_ctx *ctx, int argc, char **argv)
{
	const struct mo_account *a;
	struct mo_token tok = { 0 };
	long long stamp;
	char *end, *err = NULL;
	int fd = -1, ret, code = MO_EXIT_OK;

	if (argc != 3 || argv[1][0] == '-') {
		mo_net_err("usage: mailoauth reject ACCOUNT EXPIRES_AT");
		return MO_EXIT_USAGE;
	}
	errno = 0;
	stamp = strtoll(argv[2], &end, 10);
	if (errno != 0 || end == argv[2] || *end != '\0' || stamp <= 0) {
		mo_net_err("EXPIRES_AT must be the expiry of the refused token in Unix "
			   "seconds (the store's \"expires_at\"), not '%s'", argv[2]);
		return MO_EXIT_USAGE;
	}
	a = mo_net_account(ctx, argv[1]);
	if (a == NULL)
		return MO_EXIT_CONFIG;
	ret = mo_store_lock(a->state_dir, a->name, 10, &fd, &err);
	if (ret == MO_OK)
		ret = mo_store_load(a->state_dir, a->name, &tok, &err);
	if (ret == MO_ERR_NOENT) {
		mo_net_note(1, "account %s: nothing stored, nothing to mark", a->name);
		goto out;
	}
	if (ret != MO_OK) {
		mo_net_err("account %s: %s", a->name, err != NULL ? err : mo_strerror(ret));
		code = mo_exit_code(ret);
		goto out;
	}
	if (tok.access_token == NULL || tok.expires_at != (int64_t)stamp) {
		mo_net_note(1, "account %s: the refused token was already replaced", a->name);
		goto out;
	}
	if (tok.refused_at != 0) {
		mo_net_note(1, "account %s: the token is already marked as refused", a->name);
		goto out;
	}
	tok.refused_at = (int64_t)time(NULL);
	free(err);
	err = NULL;
	ret = mo_store_save(a->state_dir, a->name, &tok, &err);
	if (ret != MO_OK) {
		mo_net_err("account %s: cannot mark the refused token: %s", a->name,
			   err != NULL ? err : mo_strerror(ret));
		code = mo_exit_code(ret);
		goto out;
	}
	mo_net_note(1, "account %s: the access token is marked as refused by the "
		    "mail server; the next use refreshes it", a->name);
out:
	mo_store_unlock(fd);
	mo_token_clear(&tok);
	free(err);
	return code;
}
