/* SPDX-License-Identifier: MIT */
/* The credential commands, one rule for all (command.h). */
#include "autoconfig.h"

#include <string.h>

#include "command.h"
#include "errmsg.h"
#include "errors.h"
#include "subproc.h"

#define STDERR_MAX 2048

extern char **environ;

int
mo_net_run_command(const char *account, const char *key, const char *cmdline,
		   struct mo_buf *out, char **error_r)
{
	/* The user wrote this line in their own configuration: a shell runs
	 * it, so that pipes and quoting work as they do everywhere else. */
	char *argv[] = { (char *)"/bin/sh", (char *)"-c", (char *)cmdline, NULL };
	struct mo_buf err;
	const char *why = NULL;
	int status = -1, ret;

	*error_r = NULL;
	mo_buf_init(&err, STDERR_MAX);
	ret = mo_spawn_capture(argv, environ, MO_NET_COMMAND_TIMEOUT_MS, out, &err, &status,
			       &why);
	if (ret == MO_ERR_NOMEM)
		goto out;
	if (ret != MO_OK) {
		ret = mo_errorf(error_r, MO_ERR_CONFIG, "account %s: %s failed: %s", account, key,
				ret == MO_ERR_TOOBIG ? "it printed too much" : why);
		goto out;
	}
	if (status != 0)
		ret = mo_errorf(error_r, MO_ERR_CONFIG,
				"account %s: %s exited with status %d%s%.*s",
				account, key, status, err.len ? ": " : "",
				(int)strcspn(mo_buf_str(&err), "\n"), mo_buf_str(&err));
out:
	mo_buf_free(&err);
	return ret;
}
