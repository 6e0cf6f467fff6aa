/* SPDX-License-Identifier: MIT */
/*
 * Which access token the plugin sends (doc/sasl-plugin.md, "Which token
 * is sent"):
 *
 *   (1) the account named by the password, or else the account whose `user`
 *       is the authentication name (two such accounts is an error naming
 *       both): its access token from the store when it is fresh; when it is
 *       stale or missing, whatever `mailoauth token ACCOUNT` prints
 *       (lib/tokenget.c runs it: absolute path, posix_spawn, no shell, fds
 *       closed, stdin /dev/null, bounded output, timeout);
 *   (2) otherwise the password itself is the access token (mbsync with
 *       PassCmd "mailoauth token work").
 *
 * The store is read through the directory descriptor opened at plugin init
 * when there is one: inside Postfix's chroot the state directory has no
 * path.  There the helper cannot run either; the message says so and what
 * to do instead.
 */
#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "errors.h"
#include "plugin.h"
#include "secret.h"
#include "store.h"
#include "tokenget.h"
#include "validate.h"

/* Longest message we hand to seterror. */
#define MO_SASL_ERROR_MAX 1024

void
mo_sasl_error(const sasl_utils_t *utils, unsigned flags, const char *fmt, ...)
{
	static const char prefix[] = "mailoauth: ";
	char buf[MO_SASL_ERROR_MAX];
	size_t i, n = sizeof(prefix) - 1;
	va_list ap;

	memcpy(buf, prefix, n);
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	va_end(ap);
	/* Messages may quote the helper's error output or a server's challenge:
	 * one line, no control characters. */
	for (i = n; buf[i] != '\0'; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (c == '\n' || c == '\t' || c == '\r')
			buf[i] = ' ';
		else if (c < 0x20 || c == 0x7f)
			buf[i] = '?';
	}
	while (i > n && buf[i - 1] == ' ')
		buf[--i] = '\0';
	utils->seterror(utils->conn, flags, "%s", buf);
}

int
mo_sasl_find_account(const struct mo_sasl_glob *g, const sasl_utils_t *utils,
		     const char *password, const char *authid,
		     const struct mo_account **acct_r)
{
	char *error = NULL;
	int ret;

	*acct_r = NULL;
	if (g->cfg == NULL) {
		if (g->cfg_err != MO_ERR_NOENT) {
			/* The user meant to configure accounts; sending the
			 * password as a token would only confuse. */
			mo_sasl_error(utils, 0, "%s", g->cfg_error != NULL ?
				      g->cfg_error : mo_strerror(g->cfg_err));
			return g->cfg_err == MO_ERR_NOMEM ? SASL_NOMEM : SASL_FAIL;
		}
		return SASL_OK;	/* no configuration: (2) */
	}
	if (password != NULL && password[0] != '\0') {
		*acct_r = mo_config_account(g->cfg, password);
		if (*acct_r != NULL)
			return SASL_OK;
	}
	if (authid == NULL || authid[0] == '\0')
		return SASL_OK;
	ret = mo_config_find_user(g->cfg, authid, acct_r, &error);
	switch (ret) {
	case MO_OK:
		ret = SASL_OK;
		break;
	case MO_ERR_NOENT:
		*acct_r = NULL;
		ret = SASL_OK;
		break;
	case MO_ERR_NOMEM:
		mo_sasl_error(utils, 0, "out of memory");
		ret = SASL_NOMEM;
		break;
	default:
		*acct_r = NULL;
		mo_sasl_error(utils, 0, "%s: give the account name as the password "
			      "to choose one",
			      error != NULL ? error : "more than one account has this user");
		ret = SASL_FAIL;
		break;
	}
	free(error);
	return ret;
}

/* What plugin init recorded about acct's state directory, or NULL. */
static const struct mo_sasl_dir *
account_dir(const struct mo_sasl_glob *g, const struct mo_account *acct)
{
	size_t i;

	if (acct < g->cfg->accounts)
		return NULL;
	i = (size_t)(acct - g->cfg->accounts);
	return i < g->n_dirs ? &g->dirs[i] : NULL;
}

/* The state directory opened at init, when it is still the directory we
 * opened (a host may close descriptors it did not open). */
static int
account_dirfd(const struct mo_sasl_glob *g, const struct mo_account *acct)
{
	const struct mo_sasl_dir *d = account_dir(g, acct);
	struct stat st;

	if (d == NULL || d->fd < 0 || fstat(d->fd, &st) != 0 ||
	    !S_ISDIR(st.st_mode) || st.st_dev != d->dev || st.st_ino != d->ino)
		return -1;
	return d->fd;
}

/* "user postfix (uid 107)" for the message about refreshing from a timer.
 * Inside a chroot the user database is usually out of reach: then the name
 * of the state directory's owner, looked up at init, tells it. */
static void
describe_euid(const struct mo_sasl_glob *g, const struct mo_account *acct,
	      char *buf, size_t n)
{
	struct passwd pw, *res = NULL;
	char tmp[1024];
	uid_t uid = geteuid();
	const struct mo_sasl_dir *d = account_dir(g, acct);

	if (getpwuid_r(uid, &pw, tmp, sizeof(tmp), &res) == 0 && res != NULL &&
	    res->pw_name != NULL && res->pw_name[0] != '\0')
		snprintf(buf, n, "user %s (uid %lu)", res->pw_name, (unsigned long)uid);
	else if (d != NULL && d->owner == uid && d->owner_name[0] != '\0')
		snprintf(buf, n, "user %s (uid %lu)", d->owner_name, (unsigned long)uid);
	else
		snprintf(buf, n, "uid %lu", (unsigned long)uid);
}

static int
password_token(const struct mo_sasl_glob *g, const sasl_utils_t *utils,
	       const char *password, size_t len, char **token_r)
{
	const char *why = NULL;

	if (password == NULL || len == 0) {
		if (g->cfg == NULL)
			mo_sasl_error(utils, 0,
				      "no access token: the application gave no password "
				      "(give the access token as the password) and there "
				      "is no account to take it from: %s",
				      g->cfg_error != NULL ? g->cfg_error :
				      "no configuration file");
		else
			mo_sasl_error(utils, 0,
				      "no access token: no account in %s has this user "
				      "name, and the application gave no password (give "
				      "an account name or an access token as the password)",
				      g->cfg->path);
		return SASL_BADPARAM;
	}
	if (mo_valid_token(password, len, &why) != MO_OK) {
		if (g->cfg == NULL)
			mo_sasl_error(utils, 0,
				      "the password is not an access token (%s), and no "
				      "mailoauth configuration was found to look it up "
				      "as an account name", why);
		else
			mo_sasl_error(utils, 0,
				      "the password is neither an account name in %s nor "
				      "an access token (%s)", g->cfg->path, why);
		return SASL_BADPARAM;
	}
	*token_r = mo_strndup(password, len);
	if (*token_r == NULL) {
		mo_sasl_error(utils, 0, "out of memory");
		return SASL_NOMEM;
	}
	return SASL_OK;
}

/* Maps a lib/ error to a SASL result. */
static int
sasl_result(int err)
{
	switch (err) {
	case MO_OK:
		return SASL_OK;
	case MO_ERR_NOMEM:
		return SASL_NOMEM;
	case MO_ERR_TEMP:
	case MO_ERR_TIMEOUT:
		return SASL_TRYAGAIN;
	case MO_ERR_REAUTH:
		return SASL_EXPIRED;
	default:
		return SASL_FAIL;
	}
}

/* The helper's own message ("mailoauth: account work: ...") as it is; other
 * messages get the account name in front. */
static void
report_helper(const sasl_utils_t *utils, const struct mo_account *acct,
	      const char *error, int err)
{
	static const char prefix[] = "mailoauth: ";
	const char *msg = error != NULL && error[0] != '\0' ? error : mo_strerror(err);
	size_t n = strlen(acct->name);

	if (strncmp(msg, prefix, sizeof(prefix) - 1) == 0)
		msg += sizeof(prefix) - 1;
	if (strncmp(msg, "account ", 8) == 0 && strncmp(msg + 8, acct->name, n) == 0 &&
	    (msg[8 + n] == ':' || msg[8 + n] == ' '))
		mo_sasl_error(utils, 0, "%s", msg);
	else
		mo_sasl_error(utils, 0, "account %s: %s", acct->name, msg);
}

static int
account_token(const struct mo_sasl_glob *g, const sasl_utils_t *utils,
	      const struct mo_account *acct, char **token_r)
{
	struct mo_token t;
	char who[128];
	char *error = NULL;
	int dirfd, ret, err;
	bool stale;

	memset(&t, 0, sizeof(t));
	dirfd = account_dirfd(g, acct);
	if (dirfd >= 0)
		err = mo_store_load_at(dirfd, acct->state_dir, acct->name, &t, &error);
	else
		err = mo_store_load(acct->state_dir, acct->name, &t, &error);
	if (err == MO_OK &&
	    mo_token_fresh(&t, (int64_t)time(NULL), acct->refresh_margin)) {
		/* The fast path: no process, no network. */
		*token_r = mo_strdup(t.access_token);
		ret = *token_r != NULL ? SASL_OK : SASL_NOMEM;
		if (ret != SASL_OK)
			mo_sasl_error(utils, 0, "out of memory");
		goto out;
	}
	if (err != MO_OK && err != MO_ERR_NOENT) {
		/* Unsafe permissions, a corrupt file: the helper would stop at
		 * the same place, and its message could not be shown from a
		 * chroot.  The store's message says how to fix it. */
		mo_sasl_error(utils, 0, "account %s: %s", acct->name,
			      error != NULL ? error : mo_strerror(err));
		ret = sasl_result(err);
		goto out;
	}
	stale = err == MO_OK;
	mo_token_clear(&t);
	free(error);
	error = NULL;

	err = mo_token_obtain(g->cfg->path, acct, token_r, &error);
	if (err == MO_OK) {
		ret = SASL_OK;
	} else if (err == MO_ERR_NOENT) {
		describe_euid(g, acct, who, sizeof(who));
		mo_sasl_error(utils, 0,
			      "%s for account %s%s and the helper %s cannot run here "
			      "(chroot?): run `mailoauth refresh %s` from a timer as "
			      "%s outside the chroot so that the stored token stays "
			      "fresh, or run this service unchrooted (Postfix: "
			      "chroot n in master.cf)",
			      stale ? "the token" : "no token is stored",
			      acct->name, stale ? " is stale" : "",
			      mo_helper_path(), acct->name, who);
		ret = SASL_FAIL;
	} else {
		report_helper(utils, acct, error, err);
		ret = sasl_result(err);
	}
out:
	mo_token_clear(&t);
	free(error);
	return ret;
}

int
mo_sasl_token(const struct mo_sasl_glob *g, const sasl_utils_t *utils,
	      const struct mo_account *acct, const char *password,
	      size_t password_len, char **token_r)
{
	*token_r = NULL;
	if (acct == NULL)
		return password_token(g, utils, password, password_len, token_r);
	return account_token(g, utils, acct, token_r);
}
