/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_NET_COMMAND_H
#define MAILOAUTH_NET_COMMAND_H

#include "buf.h"

/*
 * The commands that print a credential: client_secret_command,
 * client_key_passphrase_command and store_key_command (mailoauth.conf(5),
 * "COMMANDS").  One rule for all of them: the line is run by /bin/sh -c,
 * as msmtp's passwordeval and mbsync's PassCmd are, with mailoauth-net's
 * environment, standard input from /dev/null and at most
 * MO_NET_COMMAND_TIMEOUT_MS; nothing of it is in mailoauth-net's argv
 * but the line itself, which is configuration, not a secret.
 *
 * Appends the command's standard output to out (at most out->max bytes;
 * the caller takes what it needs of it, and wipes out).  key names the
 * setting in messages.  MO_OK, MO_ERR_CONFIG (cannot be run, killed after
 * the time limit, a non-zero exit status, with the first line of its
 * standard error, or more output than out->max), MO_ERR_NOMEM; *error_r
 * malloc'd.
 */
#define MO_NET_COMMAND_TIMEOUT_MS (60 * 1000)

int mo_net_run_command(const char *account, const char *key, const char *cmdline,
		       struct mo_buf *out, char **error_r);

#endif
