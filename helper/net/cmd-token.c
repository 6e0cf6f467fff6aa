/* SPDX-License-Identifier: MIT */
/*
 * `mailoauth token ACCOUNT` (the slow path: the front end found no fresh
 * token) and `mailoauth sasl ACCOUNT`: a fresh access token, refreshed
 * under the account's lock when needed, printed alone on one line.
 */
#include "autoconfig.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "b64.h"
#include "buf.h"
#include "errors.h"
#include "cmd.h"
#include "log.h"
#include "notify.h"
#include "refresh.h"
#include "saslmsg.h"
#include "secret.h"
#include "store.h"
#include "tokenout.h"

/* A stored access token a client may still use after a refresh met an
 * outage: this many seconds left at least (doc/internals.md, an outage
 * within refresh_margin). */
#define OUTAGE_MIN_VALID 60

/* After a refresh that met an outage: the stored token into *tok when it
 * is good for OUTAGE_MIN_VALID more seconds and was not refused. */
static bool
stored_still_valid(const struct mo_account *a, struct mo_token *tok)
{
	if (mo_store_load(a->state_dir, a->name, tok, NULL) == MO_OK &&
	    mo_token_fresh(tok, (int64_t)time(NULL), OUTAGE_MIN_VALID))
		return true;
	mo_token_clear(tok);
	return false;
}

/* A token good for refresh_margin more seconds, or an exit code.  When the
 * refresh meets an outage (exit 75) the stored token is served while it
 * is still good, with a warning: the margin is there to refresh early,
 * not to take a working token away from the client. */
static int
fresh_token(struct mo_net_ctx *ctx, const struct mo_account *a, struct mo_token *tok)
{
	char *error = NULL;
	int ret;

	ret = mo_refresh_account(ctx->http, a, a->refresh_margin, false, tok, &error);
	mo_notify_outcome(a, ret, error);
	if ((ret == MO_ERR_TEMP || ret == MO_ERR_TIMEOUT) && stored_still_valid(a, tok)) {
		mo_net_warn("%s; serving the stored access token, valid for %lld s more",
			    error ? error : mo_strerror(ret),
			    (long long)(tok->expires_at - (int64_t)time(NULL)));
		free(error);
		return MO_EXIT_OK;
	}
	if (ret != MO_OK) {
		mo_net_err("%s", error ? error : mo_strerror(ret));
		free(error);
		return mo_exit_code(ret);
	}
	return MO_EXIT_OK;
}

/* Writes the secret s and a newline to stdout; 0 or an exit code. */
static int
print_line(const char *s)
{
	int ret = mo_write_secret_line(STDOUT_FILENO, s);

	if (ret == MO_ERR_NOMEM) {
		mo_net_err("%s", mo_strerror(ret));
		return mo_exit_code(ret);
	}
	if (ret != MO_OK) {
		mo_net_err("cannot write to standard output: %s", strerror(errno));
		return MO_EXIT_IOERR;
	}
	return MO_EXIT_OK;
}

int
mo_cmd_token(struct mo_net_ctx *ctx, int argc, char **argv)
{
	const struct mo_account *a;
	struct mo_token tok = { 0 };
	int code;

	if (argc != 2 || argv[1][0] == '-') {
		mo_net_err("usage: mailoauth token ACCOUNT");
		return MO_EXIT_USAGE;
	}
	a = mo_net_account(ctx, argv[1]);
	if (a == NULL)
		return MO_EXIT_CONFIG;
	code = fresh_token(ctx, a, &tok);
	if (code == MO_EXIT_OK)
		code = print_line(tok.access_token);
	mo_token_clear(&tok);
	return code;
}

int
mo_cmd_sasl(struct mo_net_ctx *ctx, int argc, char **argv)
{
	const char *name = NULL, *mech = "xoauth2", *host = NULL, *perr = NULL;
	const struct mo_account *a;
	struct mo_token tok = { 0 };
	struct mo_buf raw, b64;
	unsigned long port = 0;
	char *end;
	int i, ret, code;

	mo_buf_init(&raw, MO_SASLMSG_MAX);
	mo_buf_init(&b64, MO_SASLMSG_MAX * 4 / 3 + 8);
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--mechanism") == 0 && i + 1 < argc) {
			mech = argv[++i];
		} else if (strcmp(argv[i], "--host") == 0 && i + 1 < argc) {
			host = argv[++i];
		} else if (strcmp(argv[i], "--port") == 0 && i + 1 < argc) {
			errno = 0;
			port = strtoul(argv[++i], &end, 10);
			if (errno != 0 || *end != '\0' || port == 0 || port > 65535) {
				mo_net_err("--port needs a number from 1 to 65535");
				code = MO_EXIT_USAGE;
				goto out;
			}
		} else if (argv[i][0] != '-' && name == NULL) {
			name = argv[i];
		} else {
			name = NULL;
			break;
		}
	}
	if (name == NULL || (strcmp(mech, "xoauth2") != 0 && strcmp(mech, "oauthbearer") != 0)) {
		mo_net_err("usage: mailoauth sasl ACCOUNT [--mechanism xoauth2|oauthbearer] "
			   "[--host H --port P]");
		code = MO_EXIT_USAGE;
		goto out;
	}
	a = mo_net_account(ctx, name);
	if (a == NULL) {
		code = MO_EXIT_CONFIG;
		goto out;
	}
	code = fresh_token(ctx, a, &tok);
	if (code != MO_EXIT_OK)
		goto out;
	if (strcmp(mech, "xoauth2") == 0)
		ret = mo_xoauth2_build(&raw, a->user, tok.access_token, &perr);
	else
		ret = mo_oauthbearer_build(&raw, a->user, host, (unsigned int)port,
					   tok.access_token, &perr);
	if (ret == MO_OK)
		ret = mo_base64_encode(&b64, raw.data, raw.len);
	if (ret != MO_OK) {
		mo_net_err("account %s: cannot build the %s message: %s", a->name, mech,
			   perr ? perr : mo_strerror(ret));
		code = mo_exit_code(ret);
		goto out;
	}
	code = print_line(mo_buf_str(&b64));
out:
	mo_token_clear(&tok);
	mo_buf_free(&raw);
	mo_buf_free(&b64);
	return code;
}
