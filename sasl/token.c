/* SPDX-License-Identifier: MIT */
/*
 * Which access token the plugin sends:
 *
 *   (1) the account named by the password, or else the account whose `user`
 *       is the authentication name (two such accounts is an error naming
 *       both): its access token from the store when it is fresh; when it is
 *       stale or missing, whatever `mailoauth token ACCOUNT` prints
 *       (lib/tokenget.c runs it: absolute path, posix_spawn, no shell, fds
 *       closed, stdin /dev/null, bounded output, timeout).  An account found
 *       by its user whose password is an access token (mo_token_shaped():
 *       mbsync with PassCmd "mailoauth token work") sends that token.
 *   (2) no account: nothing is sent.  The password of a login that is not a
 *       mailoauth account is somebody's password, never a token; the error
 *       says how to keep such logins away from XOAUTH2 and OAUTHBEARER.
 *
 * The store is opened at each login by the state directory's path.  Inside
 * a chroot (Postfix's smtp(8)) that path does not exist; then the tails of
 * the path are tried ("/var/spool/postfix/mailoauth" -> "/spool/postfix/
 * mailoauth" -> "/postfix/mailoauth" -> "/mailoauth"), and a tail is used
 * only when it is the directory plugin init saw (device and inode).  There
 * the helper cannot run either; the message says so and what to do instead.
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "errors.h"
#include "plugin.h"
#include "secret.h"
#include "store.h"
#include "tokenget.h"
#include "tokenreject.h"
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
		     const struct mo_account **acct_r, bool *by_name_r)
{
	char *error = NULL;
	int ret;

	*acct_r = NULL;
	*by_name_r = false;
	if (g->cfg == NULL) {
		/* A broken configuration: the user meant to configure
		 * accounts. */
		mo_sasl_error(utils, 0, "%s", g->cfg_error != NULL ?
			      g->cfg_error : mo_strerror(g->cfg_err));
		return g->cfg_err == MO_ERR_NOMEM ? SASL_NOMEM : SASL_FAIL;
	}
	if (password != NULL && password[0] != '\0') {
		*acct_r = mo_config_account(g->cfg, password);
		if (*acct_r != NULL) {
			*by_name_r = true;
			return SASL_OK;
		}
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

int
mo_sasl_no_account(const struct mo_sasl_glob *g, const sasl_utils_t *utils,
		   enum mo_sasl_mech mech, const char *authid)
{
	mo_sasl_error(utils, 0,
		      "%s was chosen for \"%s\", but that is not the user of any "
		      "account in %s and the password is not an account name, so "
		      "nothing was sent (a password is never sent as a token).  "
		      "If this login is not meant for mailoauth, keep it off %s "
		      "(Postfix: smtp_sasl_mechanism_filter = plain, login; "
		      "mbsync: AuthMechs PLAIN LOGIN); otherwise give the account "
		      "name as the password or set the account's user",
		      mo_sasl_mech_name(mech),
		      authid != NULL && authid[0] != '\0' ? authid : "(no name)",
		      g->cfg->path, mo_sasl_mech_name(mech));
	return SASL_BADAUTH;
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

static bool
same_dir(int fd, const struct mo_sasl_dir *d)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISDIR(st.st_mode) &&
	       st.st_dev == d->dev && st.st_ino == d->ino;
}

/* Opens acct's state directory for this login (see the top of this file):
 * a descriptor the caller closes, or -1 (then the path is used as it is,
 * and the store says what is missing, or that a symbolic link stands where
 * the directory should be: the helper refuses to write through one, so the
 * plugin does not read through one either). */
static int
account_dirfd(const struct mo_sasl_glob *g, const struct mo_account *acct)
{
	const struct mo_sasl_dir *d = account_dir(g, acct);
	const char *path = acct->state_dir, *tail;
	int fd;

	if (path == NULL || path[0] != '/')
		return -1;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (d == NULL || !d->seen || (fd >= 0 && same_dir(fd, d)))
		return fd;
	/* Not the directory init saw, or gone: chrooted? */
	for (tail = strchr(path + 1, '/'); tail != NULL;
	     tail = strchr(tail + 1, '/')) {
		int tfd;

		if (tail[1] == '\0')
			break;
		tfd = open(tail, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (tfd < 0)
			continue;
		if (same_dir(tfd, d)) {
			if (fd >= 0)
				close(fd);
			return tfd;
		}
		close(tfd);
	}
	return fd;
}

/* "user postfix (uid 107)" for the message about refreshing from a timer.
 * Inside a chroot the user database is usually out of reach: then the name
 * of the state directory's owner, looked up at init, tells it. */
static void
describe_euid(const struct mo_sasl_glob *g, const struct mo_account *acct,
	      char *buf, size_t n, char *name, size_t name_n)
{
	struct passwd pw, *res = NULL;
	char tmp[1024];
	uid_t uid = geteuid();
	const struct mo_sasl_dir *d = account_dir(g, acct);
	const char *found = NULL;

	if (getpwuid_r(uid, &pw, tmp, sizeof(tmp), &res) == 0 && res != NULL &&
	    res->pw_name != NULL && res->pw_name[0] != '\0')
		found = res->pw_name;
	else if (d != NULL && d->seen && d->owner == uid && d->owner_name[0] != '\0')
		found = d->owner_name;
	if (found != NULL)
		snprintf(buf, n, "user %s (uid %lu)", found, (unsigned long)uid);
	else
		snprintf(buf, n, "uid %lu", (unsigned long)uid);
	if (found != NULL && strlen(found) < name_n)
		memcpy(name, found, strlen(found) + 1);
	else
		name[0] = '\0';
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
	char who[128], name[64];
	char *error = NULL;
	int dirfd, ret, err;
	bool stale;

	memset(&t, 0, sizeof(t));
	dirfd = account_dirfd(g, acct);
	if (dirfd >= 0) {
		err = mo_store_load_at(dirfd, acct->state_dir, acct->name, &t, &error);
		close(dirfd);
	} else {
		err = mo_store_load(acct->state_dir, acct->name, &t, &error);
	}
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
		describe_euid(g, acct, who, sizeof(who), name, sizeof(name));
		mo_sasl_error(utils, 0,
			      "%s for account %s%s and the helper %s cannot run here "
			      "(chroot?): run `mailoauth refresh %s` from a timer as "
			      "%s outside the chroot so that the stored token stays "
			      "fresh (systemctl enable --now mailoauth-refresh@%s.timer), "
			      "or run this service unchrooted (Postfix: chroot n in "
			      "master.cf)",
			      stale ? "the token" : "no token is stored",
			      acct->name, stale ? " is stale" : "",
			      mo_helper_path(), acct->name, who,
			      name[0] != '\0' ? name : "USER");
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

int64_t
mo_sasl_token_stamp(const struct mo_sasl_glob *g, const struct mo_account *acct,
		    const char *service, const char *token)
{
	const char *scope = NULL;
	struct mo_token t;
	char *error = NULL;
	int64_t stamp = 0;
	int dirfd, err;

	/* The service name the application gave sasl_client_new(). */
	if (service != NULL && strncasecmp(service, "imap", 4) == 0)
		scope = mo_account_scope_for(acct, MO_PROTO_IMAP);
	else if (service != NULL && strncasecmp(service, "pop", 3) == 0)
		scope = mo_account_scope_for(acct, MO_PROTO_POP3);
	else if (service != NULL && (strcasecmp(service, "smtp") == 0 ||
				     strcasecmp(service, "submission") == 0))
		scope = mo_account_scope_for(acct, MO_PROTO_SMTP);
	memset(&t, 0, sizeof(t));
	dirfd = account_dirfd(g, acct);
	if (dirfd >= 0)
		err = mo_store_load_at(dirfd, acct->state_dir, acct->name, &t, &error);
	else
		err = mo_store_load(acct->state_dir, acct->name, &t, &error);
	if (err == MO_OK)
		stamp = mo_token_stamp(&t, token, scope);
	mo_token_clear(&t);
	free(error);
	return stamp;
}

int
mo_sasl_token(const struct mo_sasl_glob *g, const sasl_utils_t *utils,
	      const struct mo_account *acct, bool by_name, const char *password,
	      size_t password_len, char **token_r, bool *password_token_r)
{
	*token_r = NULL;
	*password_token_r = false;
	if (!by_name && mo_token_shaped(password, password_len)) {
		/* The account's user, with an access token as the password
		 * (PassCmd "mailoauth token work"). */
		*token_r = mo_strndup(password, password_len);
		if (*token_r == NULL) {
			mo_sasl_error(utils, 0, "out of memory");
			return SASL_NOMEM;
		}
		*password_token_r = true;
		return SASL_OK;
	}
	return account_token(g, utils, acct, token_r);
}
