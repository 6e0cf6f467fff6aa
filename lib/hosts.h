/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_HOSTS_H
#define MAILOAUTH_HOSTS_H

#include <stdbool.h>

#include "config.h"

/*
 * Where an account's access token may go.  The SASL plugin, `mailoauth
 * connect` and `mailoauth check` ask before they build a message with the
 * token: a mistyped host in a client's configuration must not receive a
 * live token.
 *
 * Allowed are the account's mail servers -- its pop3, imap and smtp keys,
 * which default to its provider's servers -- and the provider's other
 * documented mail hosts (for Microsoft's global cloud the Outlook.com ones,
 * see mailoauth.conf(5), "TOKEN DESTINATIONS").  Host names compare without
 * regard to case and a final dot; an IPv6 address may come with or without
 * brackets.
 *
 * Returns MO_OK, or MO_ERR_CONFIG with *error_r (malloc'd) saying which
 * key to add: proto is the protocol of the connection (-1: unknown).
 */
int mo_account_host_allowed(const struct mo_account *acct, int proto,
			    const char *host, char **error_r);

#endif
