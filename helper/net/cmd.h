/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_NET_CMD_H
#define MAILOAUTH_NET_CMD_H

#include "config.h"
#include "http.h"

/*
 * The commands of mailoauth-net.  main.c parses the global options
 * (-c/--config FILE, --config=FILE, -v/--verbose), loads the configuration,
 * creates the HTTP context and calls one of these with argc/argv starting at
 * the command name (argv[0] is "token", "authorize" ...).  Each returns an
 * exit code (errors.h, enum mo_exit) and prints its own diagnostics on
 * stderr; only `token`, `sasl` and `consent-url` print on stdout.
 */
struct mo_net_ctx {
	struct mo_config *cfg;		/* loaded configuration */
	const char *config_path;	/* --config FILE, or NULL */
	struct mo_http *http;		/* shared HTTP context */
	int verbose;			/* -v count */
};

/* Finds account name; prints an error naming the configuration and returns
 * NULL when there is none. */
const struct mo_account *mo_net_account(struct mo_net_ctx *ctx,
					const char *name);

/* Before a command that will store tokens asks anything of the user or the
 * identity provider (authorize, import): the account's state_dir is
 * created if missing and checked (mo_private_dir_open).  MO_OK, or the
 * error after saying on stderr what to fix and that cmd ("authorize",
 * "import") may then be run again. */
int mo_net_state_dir_ready(const struct mo_account *a, const char *cmd);

int mo_cmd_token(struct mo_net_ctx *ctx, int argc, char **argv);	/* cmd-token.c */
int mo_cmd_sasl(struct mo_net_ctx *ctx, int argc, char **argv);		/* cmd-token.c */
int mo_cmd_refresh(struct mo_net_ctx *ctx, int argc, char **argv);	/* cmd-refresh.c */
int mo_cmd_status(struct mo_net_ctx *ctx, int argc, char **argv);	/* cmd-status.c */
int mo_cmd_logout(struct mo_net_ctx *ctx, int argc, char **argv);	/* cmd-status.c */
int mo_cmd_import(struct mo_net_ctx *ctx, int argc, char **argv);	/* cmd-import.c */
/* `status --prometheus` (monitor.c); name NULL: every account. */
int mo_status_prometheus(struct mo_net_ctx *ctx, const char *name);
int mo_cmd_reject(struct mo_net_ctx *ctx, int argc, char **argv);	/* cmd-reject.c */
int mo_cmd_notify_failure(struct mo_net_ctx *ctx, int argc, char **argv); /* cmd-notify.c */
int mo_cmd_consent_url(struct mo_net_ctx *ctx, int argc, char **argv);	/* cmd-consent.c */
/* `authorize`: helper/net/signin-main.c. */
int mo_cmd_authorize(struct mo_net_ctx *ctx, int argc, char **argv);

#endif
