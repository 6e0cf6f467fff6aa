/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_PLUGIN_POP3PARSE_H
#define MAILOAUTH_PLUGIN_POP3PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/*
 * POP3 text handling without I/O: the commands a client sends before it is
 * logged in, and the CAPA list we show it.  Pure functions, fuzzed and
 * unit-tested (tests/connect/test-pop3parse.c).
 */

/* Longest client command line we accept before login (RFC 2449 §4 allows
 * 255 octets; AUTH continuation lines carry base64 and may be longer). */
#define MO_POP3_LINE_MAX 8192

enum mo_pop3_verb {
	MO_POP3_UNKNOWN = 0,
	MO_POP3_CAPA,
	MO_POP3_USER,
	MO_POP3_PASS,
	MO_POP3_APOP,
	MO_POP3_AUTH,
	MO_POP3_STLS,
	MO_POP3_QUIT,
	MO_POP3_NOOP,
	MO_POP3_UTF8,
};

struct mo_pop3_cmd {
	enum mo_pop3_verb verb;
	char keyword[5];	/* upper-cased, NUL-terminated */
	/* Arguments point into the parsed line (not NUL-terminated). */
	const char *arg1;	/* USER name, PASS secret, APOP name, AUTH mech */
	size_t arg1_len;
	const char *arg2;	/* APOP digest, AUTH initial response; or NULL */
	size_t arg2_len;
};

/*
 * Parses one command line (CRLF already removed).  RFC 1939 §3 and
 * RFC 2449 §3:
 *
 *     command  = keyword *(SP param) CRLF
 *     keyword  = 3*4VCHAR           ; case-insensitive
 *     param    = 1*VCHAR
 *
 * with these arguments (RFC 1939 §7, RFC 5034 §4):
 *
 *     "USER" SP name                ; the rest of the line is the name
 *     "PASS" SP string              ; the rest of the line, spaces included
 *     "APOP" SP name SP digest      ; digest = 32 hex digits
 *     "AUTH" [SP sasl-mech [SP initial-response]]
 *            initial-response = base64 / "="
 *     "CAPA" / "STLS" / "QUIT" / "NOOP" / "UTF8"   ; no arguments
 *
 * Returns MO_OK (an unknown keyword is MO_OK with MO_POP3_UNKNOWN),
 * MO_ERR_PARSE (empty line, NUL or control bytes, bad keyword, missing or
 * surplus arguments, a double space) with a static *error_r fit for a
 * -ERR line.  Arguments are never echoed in *error_r.
 */
int mo_pop3_parse(const char *line, size_t len, struct mo_pop3_cmd *cmd,
		  const char **error_r);

/*
 * Builds our answer to CAPA from the server's list (lines without CRLF and
 * without the terminating "."; dot-stuffing already removed): drops STLS
 * (the plugin already speaks TLS to the server), USER, every SASL line and
 * UTF8 (RFC 6856: the plugin does not take UTF8 before login),
 * lines with control characters or over 255 bytes; then adds "USER" and
 * "SASL PLAIN".  The result is the complete multi-line reply ("+OK ...",
 * lines, "."), dot-stuffed.  lines may be NULL when n is 0 (server without
 * CAPA).  Returns MO_OK, MO_ERR_TOOBIG or MO_ERR_NOMEM.
 */
int mo_pop3_capa_rewrite(const char *const *lines, size_t n,
			 struct mo_buf *out);

/* True when a server status line is "+OK" (followed by SP or end). */
bool mo_pop3_is_ok(const char *line);
/* True when a server status line is "-ERR". */
bool mo_pop3_is_err(const char *line);

#endif
