/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_PLUGIN_SASLPLAIN_H
#define MAILOAUTH_PLUGIN_SASLPLAIN_H

#include <stddef.h>

/*
 * The PLAIN mechanism as the client speaks it to us (RFC 4616 §2):
 *
 *     message   = [authzid] UTF8NUL authcid UTF8NUL passwd
 *     authcid   = 1*SAFE ; MUST accept up to 255 octets
 *     authzid   = 1*SAFE ; MUST accept up to 255 octets
 *     passwd    = 1*SAFE ; MUST accept up to 255 octets
 *     UTF8NUL   = %x00
 *     SAFE      = UTF1 / UTF2 / UTF3 / UTF4 ; any UTF-8 except NUL
 *
 * We need only the name to log in as: the authorization identity when one
 * is given (a shared mailbox, RFC 4616 §2 "act as"), else the
 * authentication identity.  The password is checked for presence of its
 * separator only and is never copied (the caller wipes msg).  An empty
 * passwd is accepted: the plugin never uses it.
 */

/* Largest decoded PLAIN message we accept. */
#define MO_PLAIN_MAX 4096

/*
 * On MO_OK *user_r is the malloc'd login name (free()).  Errors:
 * MO_ERR_PARSE (not two NUL separators, empty authcid),
 * MO_ERR_TOOBIG (over MO_PLAIN_MAX), MO_ERR_NOMEM.  *error_r is static.
 */
int mo_plain_parse(const void *msg, size_t len, char **user_r,
		   const char **error_r);

#endif
