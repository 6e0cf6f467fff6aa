/* SPDX-License-Identifier: MIT */
/* Looking an account up for a command of mailoauth-net (cmd.h). */
#include "autoconfig.h"

#include <stdio.h>

#include "cmd.h"
#include "config.h"
#include "log.h"

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
