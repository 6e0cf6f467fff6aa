/* SPDX-License-Identifier: MIT */
/* Looking an account up for a command of mailoauth-net, and its state
 * directory (cmd.h). */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cmd.h"
#include "config.h"
#include "errors.h"
#include "log.h"
#include "paths.h"

const struct mo_account *
mo_net_account(struct mo_net_ctx *ctx, const char *name)
{
	const struct mo_account *a = mo_config_account(ctx->cfg, name);
	size_t i;

	if (a != NULL)
		return a;
	mo_net_print("mailoauth: there is no [account %s] in %s", name, ctx->cfg->path);
	for (i = 0; i < ctx->cfg->n_accounts; i++)
		mo_net_print("%s%s", i == 0 ? "; configured: " : ", ",
			ctx->cfg->accounts[i].name);
	fputc('\n', stderr);
	return NULL;
}

int
mo_net_state_dir_ready(const struct mo_account *a, const char *cmd)
{
	char *err = NULL;
	int fd = -1, ret;

	ret = mo_private_dir_open(a->state_dir, true, &fd, &err);
	if (fd >= 0)
		close(fd);
	if (ret != MO_OK)
		mo_net_err("account %s: its tokens cannot be stored: %s.  Fix that (or set "
			   "state_dir), then run `mailoauth %s %s`; nothing was asked yet",
			   a->name, err != NULL ? err : mo_strerror(ret), cmd, a->name);
	free(err);
	return ret;
}
