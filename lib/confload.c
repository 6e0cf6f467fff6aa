/* SPDX-License-Identifier: MIT */
/* The top of the configuration chain (confint.h): finding and reading the
 * configuration file.  The syntax is confparse.c's business. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
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
read_file(const char *path, struct mo_buf *b, char **error_r)
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

static int
load_file(const char *path, struct mo_config **cfg_r, char **error_r)
{
	struct mo_buf b;
	int ret;

	mo_buf_init(&b, CONFIG_MAX);
	ret = read_file(path, &b, error_r);
	if (ret == MO_OK)
		ret = mo_config_parse(path, b.data != NULL ? b.data : "", b.len,
				      cfg_r, error_r);
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
