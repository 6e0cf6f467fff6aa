/* SPDX-License-Identifier: MIT */
/* Marking a token that a mail server refused (tokenreject.h). */
#include "autoconfig.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "errmsg.h"
#include "errors.h"
#include "store.h"
#include "subproc.h"
#include "tokenget.h"
#include "tokenreject.h"

extern char **environ;

/* Marking takes the account's lock (at most 10 s) and one small write. */
#define REJECT_TIMEOUT_MS (20 * 1000)
#define REJECT_ERR_MAX 2048

/* True when the space-separated granted list names scope, in full or by
 * its short name (the part after the last '/'), ignoring case. */
static bool
scope_listed(const char *granted, const char *scope)
{
	const char *shortname = strrchr(scope, '/'), *p = granted;
	size_t n;

	shortname = shortname != NULL ? shortname + 1 : scope;
	while (*p != '\0') {
		while (*p == ' ')
			p++;
		n = strcspn(p, " ");
		if (n > 0 && ((n == strlen(scope) && strncasecmp(p, scope, n) == 0) ||
			      (n == strlen(shortname) && strncasecmp(p, shortname, n) == 0)))
			return true;
		p += n;
	}
	return false;
}

int64_t
mo_token_stamp(const struct mo_token *t, const char *token, const char *scope)
{
	if (t == NULL || token == NULL || t->access_token == NULL ||
	    t->refused_at != 0 || t->expires_at <= 0 ||
	    strcmp(t->access_token, token) != 0)
		return 0;
	if (scope != NULL && t->scope != NULL && t->scope[0] != '\0' &&
	    !scope_listed(t->scope, scope))
		return 0;
	return t->expires_at;
}

int64_t
mo_token_stamp_load(const struct mo_account *acct, const char *token,
		    const char *scope)
{
	struct mo_token t = { 0 };
	char *err = NULL;
	int64_t stamp = 0;

	if (mo_store_load(acct->state_dir, acct->name, &t, &err) == MO_OK)
		stamp = mo_token_stamp(&t, token, scope);
	mo_token_clear(&t);
	free(err);
	return stamp;
}

int
mo_token_reject(const char *cfg_path, const struct mo_account *acct,
		int64_t stamp, char **error_r)
{
	struct mo_buf out, err;
	const char *spawn_err = NULL;
	char num[32], *argv[7];
	size_t i;
	int ret, status = -1;

	*error_r = NULL;
	mo_buf_init(&out, 4096);
	mo_buf_init(&err, REJECT_ERR_MAX);
	snprintf(num, sizeof(num), "%" PRId64, stamp);
	argv[0] = (char *)mo_helper_path();
	argv[1] = (char *)"--config";
	argv[2] = (char *)cfg_path;
	argv[3] = (char *)"reject";
	argv[4] = acct->name;
	argv[5] = num;
	argv[6] = NULL;
	ret = mo_spawn_capture(argv, environ, REJECT_TIMEOUT_MS, &out, &err,
			       &status, &spawn_err);
	if (ret != MO_OK) {
		*error_r = mo_strdup_printf("cannot run %s reject %s: %s", argv[0],
					    acct->name, spawn_err != NULL ? spawn_err :
					    mo_strerror(ret));
		goto out;
	}
	if (status != 0) {
		while (err.len > 0 && (err.data[err.len - 1] == '\n' ||
				       err.data[err.len - 1] == '\r'))
			mo_buf_truncate(&err, err.len - 1);
		for (i = 0; i < err.len; i++)
			if ((unsigned char)err.data[i] < 0x20)
				err.data[i] = ' ';
		ret = status == MO_EXIT_TEMPFAIL ? MO_ERR_TEMP : MO_ERR_IO;
		*error_r = mo_strdup_printf("%s", err.len > 0 ? mo_buf_str(&err) :
					    "mailoauth reject failed without a message");
	}
out:
	mo_buf_free(&out);
	mo_buf_free(&err);
	return ret;
}
