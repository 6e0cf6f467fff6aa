/* SPDX-License-Identifier: MIT */
/* The store key (store_key_file, store_key_command) and the sealed store as
 * mailoauth-net uses it (storekey.h). */
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
#include "paths.h"
#include "secret.h"
#include "storekey.h"

/* Keys read so far, by source ("file:PATH" or "command:LINE"). */
struct key_entry {
	struct key_entry *next;
	char *source;
	struct mo_store_key key;
};
static struct key_entry *keys;

static void
forget_keys(void)
{
	struct key_entry *e, *n;

	for (e = keys; e != NULL; e = n) {
		n = e->next;
		mo_store_key_wipe(&e->key);
		free(e->source);
		free(e);
	}
	keys = NULL;
}

bool
mo_net_store_key_configured(const struct mo_account *a)
{
	return a->store_key_file != NULL || a->store_key_command != NULL;
}

/* The key text in b: one trailing "\n" or "\r\n" is not part of it. */
static size_t
key_length(const struct mo_buf *b)
{
	size_t n = b->len;

	if (n > 0 && b->data[n - 1] == '\n')
		n--;
	if (n > 0 && b->data[n - 1] == '\r')
		n--;
	return n;
}

static int
key_from_file(const struct mo_account *a, struct mo_buf *b, char **error_r)
{
	struct stat st;
	int fd, ret;

	fd = open(a->store_key_file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 || fstat(fd, &st) != 0) {
		ret = mo_errorf(error_r, MO_ERR_CONFIG,
				"account %s: cannot read store_key_file %s: %s",
				a->name, a->store_key_file, strerror(errno));
		goto out;
	}
	ret = mo_private_file_check(&st, a->store_key_file, error_r);
	if (ret != MO_OK)
		goto out;
	ret = mo_buf_read_fd(b, fd);
	if (ret == MO_ERR_IO)
		ret = mo_errorf(error_r, MO_ERR_IO, "cannot read %s: %s",
				a->store_key_file, strerror(errno));
	else if (ret != MO_OK)
		ret = mo_errorf(error_r, MO_ERR_CONFIG,
				"account %s: store_key_file %s is larger than %d bytes; "
				"it must hold only the key", a->name, a->store_key_file,
				MO_STORE_KEY_MAX);
out:
	if (fd >= 0)
		close(fd);
	return ret;
}

int
mo_net_store_key(const struct mo_account *a, const struct mo_store_key **k_r,
		 char **error_r)
{
	struct key_entry *e = NULL;
	struct mo_buf b;
	char *source;
	int ret;

	*k_r = NULL;
	if (!mo_net_store_key_configured(a))
		return mo_errorf(error_r, MO_ERR_CONFIG, "account %s has no store key "
				 "(store_key_file or store_key_command)", a->name);
	source = a->store_key_file != NULL ?
		mo_strdup_printf("file:%s", a->store_key_file) :
		mo_strdup_printf("command:%s", a->store_key_command);
	if (source == NULL)
		return MO_ERR_NOMEM;
	for (e = keys; e != NULL; e = e->next)
		if (strcmp(e->source, source) == 0) {
			free(source);
			*k_r = &e->key;
			return MO_OK;
		}
	mo_buf_init(&b, MO_STORE_KEY_MAX + 2);
	ret = a->store_key_file != NULL ? key_from_file(a, &b, error_r) :
		mo_net_run_command(a->name, "store_key_command", a->store_key_command,
				   &b, error_r);
	if (ret != MO_OK)
		goto out;
	e = calloc(1, sizeof(*e));
	if (e == NULL) {
		ret = MO_ERR_NOMEM;
		goto out;
	}
	ret = mo_store_key_derive(b.data, key_length(&b), &e->key);
	if (ret == MO_ERR_INVAL) {
		ret = mo_errorf(error_r, MO_ERR_CONFIG,
				"account %s: the store key from %s is %zu bytes; it must "
				"be %d to %d bytes (make one with `openssl rand -base64 32`)",
				a->name, a->store_key_file != NULL ? "store_key_file" :
				"store_key_command", key_length(&b), MO_STORE_KEY_MIN,
				MO_STORE_KEY_MAX);
		goto out;
	}
	if (ret != MO_OK)
		goto out;
	if (keys == NULL)
		atexit(forget_keys);
	e->source = source;
	source = NULL;
	e->next = keys;
	keys = e;
	*k_r = &e->key;
	e = NULL;
out:
	if (e != NULL) {
		mo_store_key_wipe(&e->key);
		free(e);
	}
	free(source);
	mo_buf_free(&b);
	return ret;
}

int
mo_net_store_load(const struct mo_account *a, struct mo_token *t, char **error_r)
{
	const struct mo_store_key *k = NULL;
	const char *why = NULL;
	char *path = NULL;
	int ret;

	ret = mo_store_load(a->state_dir, a->name, t, error_r);
	if (ret != MO_OK || t->sealed == NULL)
		return ret;
	path = mo_store_path(a->state_dir, a->name);
	if (path == NULL) {
		ret = MO_ERR_NOMEM;
		goto out;
	}
	if (!mo_net_store_key_configured(a)) {
		ret = mo_errorf(error_r, MO_ERR_CONFIG,
				"account %s: the refresh token in %s is encrypted but no "
				"store_key_file or store_key_command is set: configure the "
				"key it was written with (nothing was changed)", a->name, path);
		goto out;
	}
	ret = mo_net_store_key(a, &k, error_r);
	if (ret != MO_OK)
		goto out;
	ret = mo_store_unseal(k, a->name, t, &why);
	if (ret == MO_ERR_CONFIG)
		ret = mo_errorf(error_r, ret, "account %s: %s: %s; configure the store "
				"key it was written with, or sign in again with `mailoauth "
				"authorize %s` (nothing was changed)", a->name, path, why,
				a->name);
	else if (ret == MO_ERR_PARSE)
		ret = mo_errorf(error_r, ret, "account %s: %s: %s; restore the "
				"account's own file or sign in again with `mailoauth "
				"authorize %s` (nothing was changed)", a->name, path, why,
				a->name);
out:
	if (ret != MO_OK)
		mo_token_clear(t);
	free(path);
	return ret;
}

int
mo_net_store_save(const struct mo_account *a, const struct mo_token *t,
		  char **error_r)
{
	const struct mo_store_key *k = NULL;
	struct mo_token copy;
	int ret;

	/* Without a key, or without a plain refresh token, t is written as
	 * it is (a "sealed" member it carries is kept). */
	if (!mo_net_store_key_configured(a) || t->refresh_token == NULL)
		return mo_store_save(a->state_dir, a->name, t, error_r);
	ret = mo_net_store_key(a, &k, error_r);
	if (ret != MO_OK)
		return ret;
	memset(&copy, 0, sizeof(copy));
	copy = *t;
	copy.sealed = NULL;
	copy.refresh_token = mo_strdup(t->refresh_token);
	if (copy.refresh_token == NULL)
		return MO_ERR_NOMEM;
	ret = mo_store_seal(k, a->name, &copy);
	if (ret == MO_OK)
		ret = mo_store_save(a->state_dir, a->name, &copy, error_r);
	mo_free_secret(copy.refresh_token);
	mo_free_secret(copy.sealed);
	return ret;
}
