/* SPDX-License-Identifier: MIT */
/*
 * The client secret of a confidential app: client_secret_file or
 * client_secret_command (oauth.h, mo_client_secret()).  A secret is
 * never inline in the configuration and never in argv.
 */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "command.h"
#include "errmsg.h"
#include "errors.h"
#include "oauth.h"
#include "paths.h"
#include "secret.h"

#define SECRET_MAX (8 * 1024)

/* The first line of b (CR/LF stripped) as a malloc'd secret. */
static int
first_line(const struct mo_buf *b, char **secret_r)
{
	const char *s = mo_buf_str(b);
	size_t n = strcspn(s, "\r\n");

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 0)
		return MO_ERR_CONFIG;
	*secret_r = mo_strndup(s, n);
	return *secret_r ? MO_OK : MO_ERR_NOMEM;
}

static int
secret_from_file(const struct mo_account *a, char **secret_r, char **error_r)
{
	struct mo_buf b;
	struct stat st;
	char *path = NULL;
	int fd = -1, ret;

	mo_buf_init(&b, SECRET_MAX);
	ret = mo_expand_home(a->client_secret_file, &path);
	if (ret != MO_OK) {
		ret = mo_errorf(error_r, ret, "account %s: cannot expand client_secret_file %s",
				a->name, a->client_secret_file);
		goto out;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 || fstat(fd, &st) != 0) {
		ret = mo_errorf(error_r, MO_ERR_CONFIG,
				"account %s: cannot read client_secret_file %s: %s",
				a->name, path, strerror(errno));
		goto out;
	}
	ret = mo_private_file_check(&st, path, error_r);
	if (ret != MO_OK)
		goto out;
	ret = mo_buf_read_fd(&b, fd);
	if (ret == MO_ERR_IO) {
		ret = mo_errorf(error_r, MO_ERR_IO, "cannot read %s: %s", path,
				strerror(errno));
		goto out;
	}
	if (ret != MO_OK) {
		ret = mo_errorf(error_r, MO_ERR_CONFIG,
				"account %s: client_secret_file %s is larger than %d bytes; "
				"it must hold only the secret's value",
				a->name, path, SECRET_MAX);
		goto out;
	}
	ret = first_line(&b, secret_r);
	if (ret == MO_ERR_CONFIG)
		mo_errorf(error_r, ret, "account %s: client_secret_file %s is empty; put the "
			  "secret's Value (not its Secret ID) from the app registration in it",
			  a->name, path);
out:
	mo_buf_free(&b);
	if (fd >= 0)
		close(fd);
	free(path);
	return ret;
}

static int
secret_from_command(const struct mo_account *a, char **secret_r, char **error_r)
{
	struct mo_buf out;
	int ret;

	mo_buf_init(&out, SECRET_MAX);
	ret = mo_net_run_command(a->name, "client_secret_command", a->client_secret_command,
				 &out, error_r);
	if (ret == MO_OK)
		ret = first_line(&out, secret_r);
	if (ret == MO_ERR_CONFIG && *error_r == NULL)
		mo_errorf(error_r, ret, "account %s: client_secret_command printed nothing",
			  a->name);
	mo_buf_free(&out);
	return ret;
}

int
mo_client_secret(const struct mo_account *a, char **secret_r, char **error_r)
{
	*secret_r = NULL;
	*error_r = NULL;
	if (a->client_secret_file != NULL)
		return secret_from_file(a, secret_r, error_r);
	if (a->client_secret_command != NULL)
		return secret_from_command(a, secret_r, error_r);
	return MO_OK;
}
