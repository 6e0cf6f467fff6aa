/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "config.h"
#include "errmsg.h"
#include "errors.h"
#include "paths.h"
#include "secret.h"
#include "subproc.h"
#include "text.h"
#include "store.h"
#include "tokenget.h"
#include "validate.h"

extern char **environ;

/* The helper gets this long to refresh: its own HTTP requests are bounded
 * (retries included) well below it. */
#define HELPER_TIMEOUT_MS (90 * 1000)
/* A token line: tokens are at most 64 KiB. */
#define HELPER_OUT_MAX (64 * 1024 + 2)
#define HELPER_ERR_MAX 4096

/* $name when it is set to an absolute path (never in set-uid programs:
 * mo_env() uses secure_getenv()), else fallback. */
static const char *
env_or(const char *name, const char *fallback)
{
	const char *v = mo_env(name);

	return v != NULL && v[0] == '/' ? v : fallback;
}

const char *
mo_helper_path(void)
{
	return env_or("MAILOAUTH_HELPER", MAILOAUTH_BINDIR "/mailoauth");
}

const char *
mo_libexec_dir(void)
{
	return env_or("MAILOAUTH_LIBEXECDIR", MAILOAUTH_LIBEXECDIR);
}

/* The helper's stderr as one printable line (text.h), in place. */
static void
tidy_stderr(struct mo_buf *err)
{
	if (err->len == 0)
		return;
	mo_oneline(err->data, err->len + 1, err->data, err->len);
	mo_buf_truncate(err, strlen(err->data));
}

static int
exit_to_err(int status)
{
	switch (status) {
	case MO_EXIT_NOPERM:	return MO_ERR_REAUTH;
	case MO_EXIT_TEMPFAIL:	return MO_ERR_TEMP;
	case MO_EXIT_CONFIG:	return MO_ERR_CONFIG;
	case MO_EXIT_USAGE:
	case MO_EXIT_SOFTWARE:	return MO_ERR_INTERNAL;
	default:		return MO_ERR_TEMP;
	}
}

int
mo_token_obtain(const char *cfg_path, const struct mo_account *acct,
		char **token_r, char **error_r)
{
	struct mo_token tok = { 0 };
	struct mo_buf out, err;
	char *store_err = NULL;
	const char *spawn_err = NULL, *bad = NULL;
	char *argv[6];
	int ret, status = -1, stored;

	*token_r = NULL;
	*error_r = NULL;
	mo_buf_init(&out, HELPER_OUT_MAX);
	mo_buf_init(&err, HELPER_ERR_MAX);

	ret = mo_store_load(acct->state_dir, acct->name, &tok, &store_err);
	if (ret == MO_OK && mo_token_fresh(&tok, (int64_t)time(NULL),
					   acct->refresh_margin)) {
		*token_r = mo_strdup(tok.access_token);
		ret = *token_r != NULL ? MO_OK : MO_ERR_NOMEM;
		goto out;
	}
	if (ret != MO_OK && ret != MO_ERR_NOENT) {
		/* Unsafe permissions or a corrupt file: the helper would say
		 * the same; report it as it is. */
		*error_r = store_err;
		store_err = NULL;
		goto out;
	}
	stored = ret == MO_OK;

	argv[0] = (char *)mo_helper_path();
	argv[1] = (char *)"--config";
	argv[2] = (char *)cfg_path;
	argv[3] = (char *)"token";
	argv[4] = acct->name;
	argv[5] = NULL;
	ret = mo_spawn_capture(argv, environ, HELPER_TIMEOUT_MS, &out, &err,
			       &status, &spawn_err);
	if (ret == MO_ERR_NOENT) {
		*error_r = mo_strdup_printf(
			"the token of account \"%s\" is %s and the helper %s cannot "
			"run here (inside a chroot?): keep the token fresh with "
			"`mailoauth refresh --all` from a timer running as this user, "
			"outside the chroot",
			acct->name, stored ? "stale" : "not stored", argv[0]);
		goto out;
	}
	if (ret != MO_OK) {
		*error_r = mo_strdup_printf("running %s token %s: %s", argv[0],
					  acct->name, spawn_err);
		goto out;
	}
	tidy_stderr(&err);
	if (status != 0) {
		ret = exit_to_err(status);
		*error_r = mo_strdup_printf("%s", err.len > 0 ? mo_buf_str(&err) :
			"mailoauth token failed without a message");
		goto out;
	}
	/* One line: the token. */
	while (out.len > 0 && (out.data[out.len - 1] == '\n' ||
			       out.data[out.len - 1] == '\r'))
		mo_buf_truncate(&out, out.len - 1);
	if (mo_valid_token(mo_buf_str(&out), out.len, &bad) != MO_OK) {
		ret = MO_ERR_PROTO;
		*error_r = mo_strdup_printf("mailoauth token %s printed no usable token (%s)",
					  acct->name, bad);
		goto out;
	}
	*token_r = mo_buf_steal(&out);
	ret = *token_r != NULL ? MO_OK : MO_ERR_NOMEM;
out:
	if (ret != MO_OK && *error_r == NULL)
		*error_r = mo_strdup_printf("%s", mo_strerror(ret));
	mo_token_clear(&tok);
	free(store_err);
	mo_buf_free(&out);
	mo_buf_free(&err);
	return ret;
}
