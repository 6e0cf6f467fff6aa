/* SPDX-License-Identifier: MIT */
/*
 * Placeholder for `mailoauth authorize` until the sign-in flows
 * (helper/signin-*.c, issue 4) are built in: remove this file from
 * helper/local.mk when they define mo_cmd_authorize().
 */
#include "autoconfig.h"

#include "errors.h"
#include "net-cmd.h"
#include "net-log.h"

int
mo_cmd_authorize(struct mo_net_ctx *ctx, int argc, char **argv)
{
	(void)ctx;
	(void)argc;
	(void)argv;
	mo_net_err("authorize is not built into this mailoauth yet; meanwhile use "
		   "`mailoauth import ACCOUNT` with an existing refresh token");
	return MO_EXIT_SOFTWARE;
}
