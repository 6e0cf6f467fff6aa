/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_SASLMSG_H
#define MAILOAUTH_SASLMSG_H

#include "buf.h"

/*
 * Builders for the two bearer-token SASL mechanisms.  They do no I/O and no
 * base64: SASL applications encode the raw message themselves; callers that
 * need base64 use mo_base64_encode() (b64.h).  The output holds the token:
 * the caller wipes it (mo_buf_free() does).
 *
 * Each function validates every input first (validate.h) and returns MO_OK,
 * MO_ERR_INVAL (bad character; *error_r says which input), MO_ERR_TOOBIG or
 * MO_ERR_NOMEM.  On failure nothing is appended to out.
 */

/* Upper bound of a built message: tokens are at most 64 KiB. */
#define MO_SASLMSG_MAX (70 * 1024)

/*
 * XOAUTH2 initial client response (Google's XOAUTH2 protocol, Microsoft's
 * "SASL XOAUTH2" for Exchange Online):
 *
 *     "user=" user ^A "auth=Bearer " token ^A ^A        (^A = 0x01)
 */
int mo_xoauth2_build(struct mo_buf *out, const char *user, const char *token,
		     const char **error_r);

/*
 * OAUTHBEARER initial client response, RFC 7628 §3.1:
 *
 *     kvsep       = %x01
 *     key         = 1*(ALPHA)
 *     value       = *(VCHAR / SP / HTAB / CR / LF)
 *     kvpair      = key "=" value kvsep
 *     client-resp = (gs2-header kvsep *kvpair kvsep) / kvsep
 *
 * with the gs2-header of RFC 5801 §4 ("n," [ "a=" saslname ] ","), where in
 * saslname "," is written "=2C" and "=" is written "=3D".  We always send the
 * authzid (Dovecot requires it), then "host=" when host is not NULL, "port="
 * when port is not 0, and "auth=Bearer <token>".
 */
int mo_oauthbearer_build(struct mo_buf *out, const char *authzid,
			 const char *host, unsigned int port,
			 const char *token, const char **error_r);

/* The client's answer to a server's error challenge: XOAUTH2 expects an
 * empty response, OAUTHBEARER a single kvsep (RFC 7628 §3.2.3). */
#define MO_OAUTHBEARER_ERROR_ACK "\x01"

#endif
