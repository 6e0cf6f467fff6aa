/* SPDX-License-Identifier: MIT */
/* The top of the configuration chain (confint.h): finding and reading the
 * configuration file.  The syntax is confparse.c's business. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "confint.h"
#include "config.h"
#include "errmsg.h"
#include "errors.h"
#include "paths.h"

#ifndef MAILOAUTH_SYSCONFDIR
#define MAILOAUTH_SYSCONFDIR "/etc"
#endif

#define CONFIG_MAX MO_CONFIG_MAX

/* Reads path into a buffer of at most CONFIG_MAX + 1 bytes.  MO_ERR_NOENT
 * without a message when the file does not exist, MO_ERR_PERM when this
 * process may not read it (the SASL plugin then stays out of the way). */
static int
read_file(const char *path, struct mo_buf *b, struct stat *st_r, char **error_r)
{
	struct stat st;
	int fd, ret = MO_OK;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT)
			return MO_ERR_NOENT;
		if (errno == EACCES || errno == EPERM)
			return mo_errorf(error_r, MO_ERR_PERM, "%s: %s: the "
					 "configuration must be readable by the "
					 "user that runs mailoauth", path,
					 strerror(errno));
		return mo_errorf(error_r, MO_ERR_IO, "%s: %s", path,
				 strerror(errno));
	}
	if (fstat(fd, &st) != 0) {
		ret = mo_errorf(error_r, MO_ERR_IO, "%s: %s", path,
				strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = mo_errorf(error_r, MO_ERR_CONFIG,
				"%s: not a regular file", path);
		goto out;
	}
	*st_r = st;
	ret = mo_buf_read_fd(b, fd);
	if (ret == MO_ERR_IO)
		ret = mo_errorf(error_r, MO_ERR_IO, "%s: %s", path,
				strerror(errno));
	else if (ret == MO_ERR_TOOBIG)
		ret = mo_conf_fail(error_r, path, 0, "larger than %d bytes; "
				   "that is not a mailoauth configuration",
				   CONFIG_MAX);
out:
	close(fd);
	return ret;
}

/* The first key of cfg that names a program mailoauth runs, and the
 * account that sets it; NULL when there is none. */
static const char *
first_command(const struct mo_config *cfg, const char **account_r)
{
	size_t i;

	for (i = 0; i < cfg->n_accounts; i++) {
		const struct mo_account *a = &cfg->accounts[i];

		*account_r = a->name;
		if (a->client_secret_command != NULL)
			return "client_secret_command";
		if (a->client_key_passphrase_command != NULL)
			return "client_key_passphrase_command";
		if (a->store_key_command != NULL)
			return "store_key_command";
		if (a->notify_command != NULL)
			return "notify_command";
	}
	return NULL;
}

/* The invoking user's name for a chown command line, else the uid. */
static char *
user_name(void)
{
	struct passwd pw, *res = NULL;
	char buf[1024];

	if (getpwuid_r(geteuid(), &pw, buf, sizeof(buf), &res) == 0 &&
	    res != NULL && pw.pw_name != NULL && pw.pw_name[0] != '\0')
		return mo_shell_quote(pw.pw_name);
	return mo_strdup_printf("%lu", (unsigned long)geteuid());
}

/* Owned by the invoking user or by root: anyone else could edit it. */
static bool
trusted_owner(const struct stat *st)
{
	return st->st_uid == geteuid() || st->st_uid == 0;
}

/* The directory holding file (path names the configuration in messages):
 * owned by the user or root, and not writable by others unless sticky. */
static int
check_dir_of(const char *path, const char *file, const char *account,
	     const char *key, const char *who, char **error_r)
{
	const char *slash = strrchr(file, '/');
	char *dir, *q = NULL;
	struct stat dst;
	int dfd = -1, ret = MO_OK;

	dir = slash == NULL ? strdup(".") : slash == file ? strdup("/") :
		strndup(file, (size_t)(slash - file));
	if (dir == NULL)
		return MO_ERR_NOMEM;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fstat(dfd, &dst) != 0) {
		ret = mo_errorf(error_r, MO_ERR_IO, "%s: %s", dir, strerror(errno));
		goto out;
	}
	if (trusted_owner(&dst) && ((dst.st_mode & (S_IWGRP | S_IWOTH)) == 0 ||
				    (dst.st_mode & S_ISVTX) != 0))
		goto out;
	q = mo_shell_quote(dir);
	if (q == NULL) {
		ret = MO_ERR_NOMEM;
		goto out;
	}
	if (!trusted_owner(&dst))
		ret = mo_errorf(error_r, MO_ERR_CONFIG,
				"%s: the directory %s belongs to uid %lu, not to you "
				"or root, and account \"%s\" sets %s: its owner could "
				"replace the file and make mailoauth run any program "
				"as you; refusing it. Run: chown %s %s", path, dir,
				(unsigned long)dst.st_uid, account, key, who, q);
	else
		ret = mo_errorf(error_r, MO_ERR_CONFIG,
				"%s: the directory %s is writable by others (mode "
				"%04o, not sticky), and account \"%s\" sets %s: they "
				"could replace the file and make mailoauth run any "
				"program as you; refusing it. Run: chmod go-w %s",
				path, dir, (unsigned int)(dst.st_mode & 07777),
				account, key, q);
out:
	if (dfd >= 0)
		close(dfd);
	free(dir);
	free(q);
	return ret;
}

/*
 * The rule of mailoauth.conf(5), FILES: a configuration that names a
 * command must be writable only by the invoking user or root, and so must
 * the directory that holds it (unless it is sticky, as /tmp is), since
 * whoever can change the file or replace it runs programs as this user.
 * st is the fstat() of the descriptor the text was read from.
 */
static int
check_trust(const char *path, const struct stat *st, const struct mo_config *cfg,
	    char **error_r)
{
	const char *key, *account = NULL;
	char *real = NULL, *q = NULL, *who = NULL;
	int ret = MO_OK;

	key = first_command(cfg, &account);
	if (key == NULL)
		return MO_OK;
	who = user_name();
	if (who == NULL)
		return MO_ERR_NOMEM;
	if (!trusted_owner(st) || (st->st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		q = mo_shell_quote(path);
		if (q == NULL) {
			ret = MO_ERR_NOMEM;
			goto out;
		}
		if (!trusted_owner(st))
			ret = mo_errorf(error_r, MO_ERR_CONFIG,
					"%s belongs to uid %lu, not to you or root, and "
					"account \"%s\" sets %s: its owner could make "
					"mailoauth run any program as you; refusing it. "
					"Run: chown %s %s", path,
					(unsigned long)st->st_uid, account, key, who, q);
		else
			ret = mo_errorf(error_r, MO_ERR_CONFIG,
					"%s is writable by %s (mode %04o), and account "
					"\"%s\" sets %s: they could make mailoauth run "
					"any program as you; refusing it. Run: chmod go-w %s",
					path, (st->st_mode & S_IWOTH) != 0 ? "everyone" :
					"its group", (unsigned int)(st->st_mode & 07777),
					account, key, q);
		goto out;
	}
	/* The directory of the name given, and the one the file really is
	 * in (after symbolic links): either could let others swap it. */
	ret = check_dir_of(path, path, account, key, who, error_r);
	if (ret != MO_OK)
		goto out;
	real = realpath(path, NULL);
	if (real == NULL)
		ret = mo_errorf(error_r, MO_ERR_IO, "%s: %s", path, strerror(errno));
	else if (strcmp(real, path) != 0)
		ret = check_dir_of(path, real, account, key, who, error_r);
out:
	free(real);
	free(q);
	free(who);
	return ret;
}

static int
load_file(const char *path, struct mo_config **cfg_r, char **error_r)
{
	struct mo_buf b;
	struct stat st;
	int ret;

	memset(&st, 0, sizeof(st));
	mo_buf_init(&b, CONFIG_MAX);
	ret = read_file(path, &b, &st, error_r);
	if (ret == MO_OK)
		ret = mo_config_parse(path, b.data != NULL ? b.data : "", b.len,
				      cfg_r, error_r);
	if (ret == MO_OK) {
		ret = check_trust(path, &st, *cfg_r, error_r);
		if (ret != MO_OK) {
			mo_config_free(*cfg_r);
			*cfg_r = NULL;
		}
	}
	mo_buf_free(&b);
	return ret;
}

int
mo_config_load(const char *path, struct mo_config **cfg_r, char **error_r)
{
	const char *env, *xdg, *home;
	char *user_path = NULL, *sys_path = NULL;
	int ret;

	*cfg_r = NULL;
	if (error_r != NULL)
		*error_r = NULL;
	if (path != NULL) {
		ret = load_file(path, cfg_r, error_r);
		if (ret == MO_ERR_NOENT)
			ret = mo_errorf(error_r, MO_ERR_NOENT,
					"%s: no such configuration file; create "
					"it (see mailoauth.conf(5))", path);
		goto out;
	}
	env = mo_env("MAILOAUTH_CONFIG");
	if (env != NULL) {
		ret = load_file(env, cfg_r, error_r);
		if (ret == MO_ERR_NOENT)
			ret = mo_errorf(error_r, MO_ERR_NOENT,
					"%s (from $MAILOAUTH_CONFIG): no such "
					"configuration file; create it (see "
					"mailoauth.conf(5)) or unset "
					"MAILOAUTH_CONFIG", env);
		goto out;
	}
	xdg = mo_env("XDG_CONFIG_HOME");
	home = mo_env("HOME");
	if (xdg != NULL && xdg[0] == '/')
		user_path = mo_strdup_printf("%s/mailoauth/config", xdg);
	else if (home != NULL)
		user_path = mo_strdup_printf("%s/.config/mailoauth/config", home);
	sys_path = mo_strdup_printf("%s/mailoauth/config", MAILOAUTH_SYSCONFDIR);
	if (sys_path == NULL || (user_path == NULL && (xdg != NULL || home != NULL))) {
		ret = MO_ERR_NOMEM;
		goto out;
	}
	ret = MO_ERR_NOENT;
	if (user_path != NULL)
		ret = load_file(user_path, cfg_r, error_r);
	if (ret == MO_ERR_NOENT)
		ret = load_file(sys_path, cfg_r, error_r);
	if (ret == MO_ERR_NOENT)
		ret = mo_errorf(error_r, MO_ERR_NOENT,
				"no configuration file found (looked for %s%s%s); "
				"create one: see mailoauth.conf(5)",
				user_path != NULL ? user_path : "",
				user_path != NULL ? " and " : "", sys_path);
out:
	free(user_path);
	free(sys_path);
	return ret;
}
