/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_CONFVAL_H
#define MAILOAUTH_CONFVAL_H

/*
 * Parsers and checks for single configuration values (mailoauth.conf(5)).
 * None of them echo the value; callers build the message.
 */

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "ports.h"

/* A decimal number of ASCII digits only (no sign, no spaces) in min..max. */
bool mo_conf_long(const char *s, long min, long max, long *out);

/* yes/no, true/false, on/off, 1/0 in any case. */
bool mo_conf_bool(const char *s, bool *out);

/*
 * A server, as HOST[:PORT] or as a URL whose scheme says the protocol and
 * how TLS starts (curl's schemes, ports.h; mailoauth.conf(5) "SERVERS"):
 *   server  = [ scheme "://" ] hostport [ "/" ]   ; "/" only after "://"
 *   scheme  = "pop3s" / "pop3" / "imaps" / "imap" / "smtps" / "smtp"
 *   hostport = host [ ":" port ] / "[" v6addr "]" [ ":" port ]
 *   port    = 1*5DIGIT            ; 1-65535
 * A missing port is the scheme's (pop3:// 110), without a scheme
 * default_port.  *scheme_r gets the scheme's entry (its protocol and TLS
 * mode; NULL without a scheme): the caller checks that the protocol is the
 * key's.  Returns MO_OK with *host_r malloc'd (brackets removed),
 * MO_ERR_INVAL (an unknown scheme, a path, a bad host or port) or
 * MO_ERR_NOMEM.
 */
int mo_conf_server(const char *s, unsigned int default_port, char **host_r,
		   unsigned int *port_r, const struct mo_mail_port **scheme_r);

/* A Microsoft tenant: a GUID (8-4-4-4-12 hex digits), a DNS domain, or
 * organizations / common / consumers (any case). */
bool mo_conf_tenant(const char *s);

/* True when the tenant is one of the multi-tenant keywords. */
bool mo_conf_tenant_is_keyword(const char *s);

/* An https:// URL: "https://" (any case), a host, printable ASCII without
 * spaces, no query or fragment. */
bool mo_conf_https_url(const char *s);

/* A URL template: an https:// URL, or one that starts with "{authority}";
 * the only placeholders are {authority} and {tenant}. */
bool mo_conf_url_template(const char *s);

/* One OAuth scope token (RFC 6749 §3.3: %x21 / %x23-5B / %x5D-7E). */
bool mo_conf_scope_token(const char *s, size_t len);

/*
 * Expands a URL template: "{authority}" becomes authority; when the template
 * has no "{authority}" but override is true, its scheme://host[:port] part is
 * replaced by authority; "{tenant}" becomes tenant.  Returns MO_OK with
 * *out_r malloc'd, MO_ERR_INVAL (a placeholder without a value) or
 * MO_ERR_NOMEM.
 */
int mo_conf_expand(const char *tmpl, const char *authority, bool override,
		   const char *tenant, char **out_r);

/* scheme://host[:port] of url, malloc'd; NULL when out of memory. */
char *mo_conf_origin(const char *url);

/* Scope lists: "a b,c" (spaces, tabs and commas separate).  Returns the
 * next token at or after p and its length in *len_r (0 at the end). */
const char *mo_conf_next_scope(const char *p, size_t *len_r);

/* Appends the scope tok (len bytes) to the space-separated list in sb
 * unless it is there already (compared case-insensitively).  MO_OK,
 * MO_ERR_TOOBIG or MO_ERR_NOMEM. */
int mo_conf_scope_add(struct mo_buf *sb, const char *tok, size_t len);

#endif
