/* SPDX-License-Identifier: MIT */
/* POP3 client commands and the CAPA list, without I/O (pop3parse.h). */
#include "autoconfig.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "errors.h"
#include "pop3parse.h"

static const struct {
	const char *kw;
	enum mo_pop3_verb verb;
} verbs[] = {
	{ "CAPA", MO_POP3_CAPA }, { "USER", MO_POP3_USER },
	{ "PASS", MO_POP3_PASS }, { "APOP", MO_POP3_APOP },
	{ "AUTH", MO_POP3_AUTH }, { "STLS", MO_POP3_STLS },
	{ "QUIT", MO_POP3_QUIT }, { "NOOP", MO_POP3_NOOP },
	{ "UTF8", MO_POP3_UTF8 },
};

static int
bad(const char **error_r, const char *msg)
{
	*error_r = msg;
	return MO_ERR_PARSE;
}

/* True for a base64 initial response or "=" (RFC 5034 §4). */
static bool
is_base64ish(const char *s, size_t len)
{
	size_t i;

	if (len == 1 && s[0] == '=')
		return true;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!isalnum(c) && c != '+' && c != '/' && c != '=')
			return false;
	}
	return len > 0;
}

int
mo_pop3_parse(const char *line, size_t len, struct mo_pop3_cmd *cmd,
	      const char **error_r)
{
	const char *sp, *args = NULL, *sp2;
	size_t i, kwlen, alen = 0;

	memset(cmd, 0, sizeof(*cmd));
	if (len == 0)
		return bad(error_r, "empty command");
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];

		if (c < 0x20 || c == 0x7f)
			return bad(error_r, "control character in the command");
	}
	sp = memchr(line, ' ', len);
	kwlen = sp != NULL ? (size_t)(sp - line) : len;
	if (kwlen < 3 || kwlen > 4)
		return bad(error_r, "malformed command keyword");
	/* RFC 1939 §3: keywords are three or four characters; UTF8 (RFC 6856)
	 * shows that digits occur. */
	for (i = 0; i < kwlen; i++) {
		if (!isalnum((unsigned char)line[i]))
			return bad(error_r, "malformed command keyword");
		cmd->keyword[i] = (char)toupper((unsigned char)line[i]);
	}
	cmd->keyword[kwlen] = '\0';
	if (sp != NULL) {
		args = sp + 1;
		alen = len - kwlen - 1;
	}
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strcmp(cmd->keyword, verbs[i].kw) == 0)
			cmd->verb = verbs[i].verb;

	switch (cmd->verb) {
	case MO_POP3_UNKNOWN:
		return MO_OK;
	case MO_POP3_CAPA:
	case MO_POP3_STLS:
	case MO_POP3_QUIT:
	case MO_POP3_NOOP:
	case MO_POP3_UTF8:
		if (args != NULL)
			return bad(error_r, "this command takes no arguments");
		return MO_OK;
	case MO_POP3_USER:
		if (args == NULL || alen == 0)
			return bad(error_r, "USER needs a user name");
		if (args[0] == ' ')
			return bad(error_r, "two spaces after the keyword");
		cmd->arg1 = args;
		cmd->arg1_len = alen;
		return MO_OK;
	case MO_POP3_PASS:
		/* RFC 1939 §7: the argument may contain spaces; an empty
		 * one is harmless here (the plugin never uses it). */
		cmd->arg1 = args != NULL ? args : "";
		cmd->arg1_len = alen;
		return MO_OK;
	case MO_POP3_APOP:
		if (args == NULL || alen == 0)
			return bad(error_r, "APOP needs a name and a digest");
		sp2 = NULL;
		for (i = alen; i > 0; i--) {
			if (args[i - 1] == ' ') {
				sp2 = args + i - 1;
				break;
			}
		}
		if (sp2 == NULL || sp2 == args || sp2[-1] == ' ' ||
		    (size_t)(args + alen - (sp2 + 1)) != 32)
			return bad(error_r, "APOP needs a name and a 32-digit digest");
		for (i = 1; i <= 32; i++)
			if (!isxdigit((unsigned char)sp2[i]))
				return bad(error_r, "APOP needs a name and a 32-digit digest");
		cmd->arg1 = args;
		cmd->arg1_len = (size_t)(sp2 - args);
		cmd->arg2 = sp2 + 1;
		cmd->arg2_len = 32;
		return MO_OK;
	case MO_POP3_AUTH:
		if (args == NULL)
			return MO_OK;	/* RFC 1734: list the mechanisms */
		if (alen == 0 || args[0] == ' ')
			return bad(error_r, "AUTH needs a mechanism name");
		sp2 = memchr(args, ' ', alen);
		cmd->arg1 = args;
		cmd->arg1_len = sp2 != NULL ? (size_t)(sp2 - args) : alen;
		if (cmd->arg1_len > 20)
			return bad(error_r, "the SASL mechanism name is too long");
		for (i = 0; i < cmd->arg1_len; i++) {
			unsigned char c = (unsigned char)args[i];

			if (!isalnum(c) && c != '-' && c != '_')
				return bad(error_r, "malformed SASL mechanism name");
		}
		if (sp2 != NULL) {
			cmd->arg2 = sp2 + 1;
			cmd->arg2_len = alen - cmd->arg1_len - 1;
			if (!is_base64ish(cmd->arg2, cmd->arg2_len))
				return bad(error_r, "the initial response is not base64");
		}
		return MO_OK;
	}
	return MO_OK;
}

/* A capability line we pass on: printable, bounded. */
static bool
capa_line_ok(const char *s)
{
	size_t i, len = strlen(s);

	if (len == 0 || len > 255)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			return false;
	}
	return true;
}

/* The first word of s, case-insensitively equal to kw? */
static bool
first_word_is(const char *s, const char *kw)
{
	size_t n = strlen(kw);

	return strncasecmp(s, kw, n) == 0 && (s[n] == '\0' || s[n] == ' ');
}

int
mo_pop3_capa_rewrite(const char *const *lines, size_t n, struct mo_buf *out)
{
	size_t i;
	int ret;

	ret = mo_buf_addstr(out, "+OK Capability list follows\r\n");
	for (i = 0; ret == MO_OK && i < n; i++) {
		const char *l = lines[i];

		if (!capa_line_ok(l) || first_word_is(l, "STLS") ||
		    first_word_is(l, "USER") || first_word_is(l, "SASL") ||
		    first_word_is(l, "UTF8"))
			continue;
		if (l[0] == '.')
			ret = mo_buf_addc(out, '.');
		if (ret == MO_OK)
			ret = mo_buf_printf(out, "%s\r\n", l);
	}
	if (ret == MO_OK)
		ret = mo_buf_addstr(out, "USER\r\nSASL PLAIN\r\n.\r\n");
	return ret;
}

bool
mo_pop3_is_ok(const char *line)
{
	return strncmp(line, "+OK", 3) == 0 && (line[3] == '\0' || line[3] == ' ');
}

bool
mo_pop3_is_err(const char *line)
{
	return strncmp(line, "-ERR", 4) == 0 && (line[4] == '\0' || line[4] == ' ');
}
