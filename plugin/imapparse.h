/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_PLUGIN_IMAPPARSE_H
#define MAILOAUTH_PLUGIN_IMAPPARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/*
 * IMAP text handling without I/O: the commands a client sends before it is
 * logged in (tag, name and up to MO_IMAP_MAX_ARGS arguments, literals
 * included), capability rewriting, and server response lines.  Pure
 * functions, unit-tested (tests/connect/test-imapparse.c).
 */

#define MO_IMAP_LINE_MAX 8192		/* one line of a command */
#define MO_IMAP_CMD_MAX (24 * 1024)	/* a whole command, literals included */
#define MO_IMAP_LITERAL_MAX 8192	/* one literal before login */
#define MO_IMAP_TAG_MAX 64
#define MO_IMAP_NAME_MAX 23
#define MO_IMAP_MAX_ARGS 8

enum mo_imap_argtype {
	MO_IMAP_ATOM = 0,	/* astring atom: NIL, base64, "=" ... */
	MO_IMAP_QUOTED,		/* quoted string, unescaped */
	MO_IMAP_LITERAL,	/* literal, its bytes */
	MO_IMAP_LIST,		/* parenthesised list: value not kept */
};

struct mo_imap_cmd {
	char tag[MO_IMAP_TAG_MAX + 1];	/* "" until a tag was parsed */
	char name[MO_IMAP_NAME_MAX + 1];	/* upper-cased */
	size_t nargs;
	struct {
		enum mo_imap_argtype type;
		size_t off, len;	/* in strings */
	} args[MO_IMAP_MAX_ARGS];
	struct mo_buf strings;	/* argument values, each NUL-terminated */
	/* Set with MO_IMAP_NEED_LITERAL, and with MO_ERR_TOOBIG for a
	 * literal over MO_IMAP_LITERAL_MAX (literal_len 0 otherwise). */
	size_t literal_len;
	bool literal_sync;	/* {N}: the client waits for "+" */
};

/* Returned (positive) by mo_imap_parse when a literal's data is next. */
#define MO_IMAP_NEED_LITERAL 1

void mo_imap_cmd_init(struct mo_imap_cmd *cmd);
/* Wipes the argument values (they may hold a password). */
void mo_imap_cmd_free(struct mo_imap_cmd *cmd);

/* Argument i (NUL-terminated; a literal may hold no NUL) and its length. */
const char *mo_imap_cmd_arg(const struct mo_imap_cmd *cmd, size_t i,
			    size_t *len_r);

/*
 * Parses a command as it arrived so far: every line with its CRLF, and the
 * bytes of each literal after the line that announced it.  RFC 9051 §9
 * (RFC 3501 §9), RFC 7888 §8 (LITERAL+ / LITERAL-):
 *
 *     command      = tag SP command-name *(SP argument) CRLF
 *     tag          = 1*<any ASTRING-CHAR except "+">
 *     astring      = 1*ASTRING-CHAR / string
 *     ASTRING-CHAR = ATOM-CHAR / resp-specials
 *     ATOM-CHAR    = <any CHAR except atom-specials>
 *     atom-specials = "(" / ")" / "{" / SP / CTL / list-wildcards /
 *                    quoted-specials / resp-specials
 *     string       = quoted / literal
 *     quoted       = DQUOTE *QUOTED-CHAR DQUOTE
 *     QUOTED-CHAR  = <any TEXT-CHAR except quoted-specials> /
 *                    "\" quoted-specials / UTF8-2 / UTF8-3 / UTF8-4
 *     literal      = "{" number64 ["+"] "}" CRLF *CHAR8   ; CHAR8: no NUL
 *     login        = "LOGIN" SP userid SP password
 *     authenticate = "AUTHENTICATE" SP auth-type [SP (base64 / "=")]
 *
 * Arguments may also be "%"/"*" wildcards and parenthesised lists (for ID).
 *
 * Returns MO_OK (complete; data ends with its final CRLF),
 * MO_IMAP_NEED_LITERAL (data ends right after "{N}" CRLF or "{N+}" CRLF:
 * read cmd->literal_len bytes, after sending "+" when cmd->literal_sync,
 * then the next line, and parse again), MO_ERR_TOOBIG (a literal over
 * MO_IMAP_LITERAL_MAX: cmd->literal_len/literal_sync tell which kind; or
 * too many arguments), MO_ERR_PARSE (bad syntax: cmd->tag is set when the
 * tag was readable, so the answer can be tagged BAD), MO_ERR_NOMEM.
 * *error_r is static and never echoes the input.
 */
int mo_imap_parse(const char *data, size_t len, struct mo_imap_cmd *cmd,
		  const char **error_r);

/*
 * Capability lists shown to the client (RFC 9051 §7.2.2):
 *     capability-data = "CAPABILITY" *(SP capability) SP "IMAP4rev1" ...
 * drops STARTTLS, LOGINDISABLED and every AUTH=..., and when preauth adds
 * AUTH=PLAIN (the plugin answers LOGIN and AUTHENTICATE PLAIN itself).
 * caps is the space-separated list; the rewritten list is appended to out.
 */
int mo_imap_caps_rewrite(const char *caps, size_t len, bool preauth,
			 struct mo_buf *out);

/*
 * Appends line (no CRLF) to out with CRLF, rewriting capability lists:
 * "* CAPABILITY ..." and a "[CAPABILITY ...]" response code right after the
 * status of "* OK", "* PREAUTH", "TAG OK" and the like.  When new_tag is not
 * NULL the line's tag is replaced by it (tagged lines only).
 */
int mo_imap_rewrite_response(const char *line, size_t len, bool preauth,
			     const char *new_tag, struct mo_buf *out);

enum mo_imap_status {
	MO_IMAP_S_OTHER = 0,	/* untagged data: "* 3 EXISTS" ... */
	MO_IMAP_S_OK,
	MO_IMAP_S_NO,
	MO_IMAP_S_BAD,
	MO_IMAP_S_BYE,
	MO_IMAP_S_PREAUTH,
	MO_IMAP_S_CONTINUE,	/* "+" continuation request */
};

/* A server response line (no CRLF).  RFC 9051 §7:
 *     response-tagged = tag SP resp-cond-state CRLF
 *     response-data   = "*" SP (resp-cond-state / resp-cond-bye / ...) CRLF
 *     continue-req    = "+" [SP (resp-text / base64)] CRLF
 */
struct mo_imap_resp {
	bool untagged;		/* "*" */
	const char *tag;	/* tagged: the tag (not NUL-terminated) */
	size_t tag_len;
	enum mo_imap_status status;
	const char *text;	/* after the status word and its SP ("" if none) */
};

/* Returns MO_OK or MO_ERR_PARSE (not a response line at all). */
int mo_imap_resp_parse(const char *line, struct mo_imap_resp *r);

/*
 * True when line (len bytes, no CRLF) is Office 365's goodbye for an
 * access token that expired during the session (doc/protocol.md):
 *     resp-cond-bye = "BYE" SP resp-text          ; RFC 9051 §7.1.5
 * untagged, its text naming "AccessTokenExpired", as in
 * "* BYE Session invalidated - AccessTokenExpired".
 */
bool mo_imap_bye_token_expired(const char *line, size_t len);

/* True when the line ends with a literal announcement "{N}" (or {N+});
 * *n_r gets N.  False for a malformed or absurd (> 2^31) count. */
bool mo_imap_line_literal(const char *line, size_t len, size_t *n_r);

#endif
