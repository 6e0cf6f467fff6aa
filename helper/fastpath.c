/* SPDX-License-Identifier: MIT */
/*
 * The fast path of `mailoauth token ACCOUNT`: read the configuration and the
 * store, print a fresh token.  Anything else (stale token, nothing stored,
 * client credentials due) it hands back to main.c, which runs mailoauth-net
 * (that refreshes under the account's lock).  Nothing here links OpenSSL or
 * libcurl, and nothing here runs another program.
 */
#include "autoconfig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "errors.h"
#include "frontend.h"
#include "secret.h"
#include "store.h"
#include "tokenout.h"

int
mo_fastpath_token(const struct mo_opts *opts, int argc, char **argv)
{
	struct mo_config *cfg = NULL;
	const struct mo_account *acct;
	struct mo_token tok = { 0 };
	char *err = NULL;
	int ret, code = MO_EXIT_OK;

	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "Usage: mailoauth token ACCOUNT\n");
		return MO_EXIT_USAGE;
	}
	ret = mo_config_load(opts->config, &cfg, &err);
	if (ret != MO_OK) {
		fprintf(stderr, "mailoauth: %s\n", err != NULL ? err : mo_strerror(ret));
		code = ret == MO_ERR_NOENT ? MO_EXIT_CONFIG : mo_exit_code(ret);
		goto out;
	}
	acct = mo_config_account(cfg, argv[1]);
	if (acct == NULL) {
		fprintf(stderr, "mailoauth: %s: no [account %s] section; "
				"see mailoauth.conf(5)\n", cfg->path, argv[1]);
		code = MO_EXIT_CONFIG;
		goto out;
	}
	ret = mo_store_load(acct->state_dir, acct->name, &tok, &err);
	if (ret == MO_OK && mo_token_fresh(&tok, (int64_t)time(NULL),
					   acct->refresh_margin)) {
		ret = mo_write_secret_line(STDOUT_FILENO, tok.access_token);
		if (ret != MO_OK) {
			fprintf(stderr, "mailoauth: cannot write the token to stdout: %s\n",
				strerror(errno));
			code = MO_EXIT_IOERR;
		}
		goto out;
	}
	if (ret != MO_OK && ret != MO_ERR_NOENT) {
		fprintf(stderr, "mailoauth: %s\n", err != NULL ? err : mo_strerror(ret));
		code = mo_exit_code(ret);
		goto out;
	}

	/* Stale or missing: the network back end takes over. */
	code = MO_FASTPATH_BACKEND;
out:
	mo_token_clear(&tok);
	mo_config_free(cfg);
	free(err);
	return code;
}
