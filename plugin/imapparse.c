/* SPDX-License-Identifier: MIT */
/* IMAP commands, capabilities and responses, without I/O (imapparse.h). */
#include "autoconfig.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "errors.h"
#include "imapparse.h"

#define LIST_DEPTH_MAX 8

void
mo_imap_cmd_init(struct mo_imap_cmd *cmd)
{
	memset(cmd, 0, sizeof(*cmd));
	mo_buf_init(&cmd->strings, MO_IMAP_CMD_MAX);
}

void
mo_imap_cmd_free(struct mo_imap_cmd *cmd)
{
	mo_buf_free(&cmd->strings);
	memset(cmd, 0, sizeof(*cmd));
	mo_buf_init(&cmd->strings, MO_IMAP_CMD_MAX);
}

const char *
mo_imap_cmd_arg(const struct mo_imap_cmd *cmd, size_t i, size_t *len_r)
{
	if (i >= cmd->nargs) {
		if (len_r != NULL)
			*len_r = 0;
		return NULL;
	}
	if (len_r != NULL)
		*len_r = cmd->args[i].len;
	if (cmd->args[i].type == MO_IMAP_LIST)
		return "";
	return mo_buf_str(&cmd->strings) + cmd->args[i].off;
}

/* atom-specials (RFC 9051 §9) except resp-specials "]" and the
 * list-wildcards, which an astring/list-mailbox may carry. */
static bool
is_astring_char(unsigned char c)
{
	if (c <= 0x1f || c >= 0x7f)
		return false;
	return c != '(' && c != ')' && c != '{' && c != ' ' &&
	       c != '"' && c != '\\';
}

static bool
is_tag_char(unsigned char c)
{
	return is_astring_char(c) && c != '+' && c != '*' && c != '%';
}

struct parser {
	const char *d;
	size_t len, pos;
	struct mo_imap_cmd *cmd;
	const char **error_r;
};

static int
perr(struct parser *p, const char *msg)
{
	*p->error_r = msg;
	return MO_ERR_PARSE;
}

static bool
at_crlf(const struct parser *p)
{
	return p->pos + 1 < p->len && p->d[p->pos] == '\r' && p->d[p->pos + 1] == '\n';
}

/* Stores the value of an argument in cmd->strings. */
static int
add_arg(struct parser *p, enum mo_imap_argtype type, const char *v, size_t n)
{
	struct mo_imap_cmd *cmd = p->cmd;
	size_t off = cmd->strings.len;
	int rc;

	if (cmd->nargs >= MO_IMAP_MAX_ARGS) {
		*p->error_r = "too many arguments";
		return MO_ERR_TOOBIG;
	}
	rc = mo_buf_add(&cmd->strings, v, n);
	if (rc == MO_OK)
		rc = mo_buf_addc(&cmd->strings, '\0');
	if (rc != MO_OK) {
		*p->error_r = "command too long";
		return rc;
	}
	cmd->args[cmd->nargs].type = type;
	cmd->args[cmd->nargs].off = off;
	cmd->args[cmd->nargs].len = n;
	cmd->nargs++;
	return MO_OK;
}

/* quoted = DQUOTE *QUOTED-CHAR DQUOTE; p->pos is at the opening quote.
 * When store, the unescaped value becomes an argument. */
static int
parse_quoted(struct parser *p, bool store)
{
	struct mo_imap_cmd *cmd = p->cmd;
	size_t start = cmd->strings.len;
	int rc;

	p->pos++;
	for (;;) {
		unsigned char c;

		if (p->pos >= p->len)
			return perr(p, "unterminated quoted string");
		c = (unsigned char)p->d[p->pos];
		if (c == '"')
			break;
		if (c == '\0' || c == '\r' || c == '\n')
			return perr(p, "CR, LF or NUL in a quoted string");
		if (c == '\\') {
			if (p->pos + 1 >= p->len)
				return perr(p, "unterminated quoted string");
			c = (unsigned char)p->d[p->pos + 1];
			if (c != '"' && c != '\\')
				return perr(p, "bad escape in a quoted string");
			p->pos++;
		}
		if (store) {
			rc = mo_buf_addc(&cmd->strings, (char)c);
			if (rc != MO_OK) {
				*p->error_r = "command too long";
				return rc;
			}
		}
		p->pos++;
	}
	p->pos++;	/* closing quote */
	if (!store)
		return MO_OK;
	/* add_arg appends; move the collected bytes into an argument. */
	if (cmd->nargs >= MO_IMAP_MAX_ARGS) {
		*p->error_r = "too many arguments";
		return MO_ERR_TOOBIG;
	}
	rc = mo_buf_addc(&cmd->strings, '\0');
	if (rc != MO_OK) {
		*p->error_r = "command too long";
		return rc;
	}
	cmd->args[cmd->nargs].type = MO_IMAP_QUOTED;
	cmd->args[cmd->nargs].off = start;
	cmd->args[cmd->nargs].len = cmd->strings.len - 1 - start;
	cmd->nargs++;
	return MO_OK;
}

/* literal = "{" number64 ["+"] "}" CRLF *CHAR8; p->pos is at "{". */
static int
parse_literal(struct parser *p, bool store)
{
	size_t n = 0, digits = 0;
	bool sync = true;

	p->pos++;
	while (p->pos < p->len && isdigit((unsigned char)p->d[p->pos])) {
		if (++digits > 10)
			return perr(p, "literal size too large");
		n = n * 10 + (size_t)(p->d[p->pos] - '0');
		p->pos++;
	}
	if (digits == 0)
		return perr(p, "malformed literal");
	if (p->pos < p->len && p->d[p->pos] == '+') {
		sync = false;
		p->pos++;
	}
	if (p->pos >= p->len || p->d[p->pos] != '}')
		return perr(p, "malformed literal");
	p->pos++;
	if (!at_crlf(p))
		return perr(p, "a literal must end its line");
	p->pos += 2;
	p->cmd->literal_len = n;
	p->cmd->literal_sync = sync;
	if (n > MO_IMAP_LITERAL_MAX) {
		*p->error_r = "literal too long";
		return MO_ERR_TOOBIG;
	}
	if (p->pos == p->len)
		return MO_IMAP_NEED_LITERAL;
	if (p->len - p->pos < n)
		return perr(p, "truncated literal");
	if (memchr(p->d + p->pos, '\0', n) != NULL)
		return perr(p, "NUL in a literal");
	p->cmd->literal_len = 0;
	p->cmd->literal_sync = false;
	p->pos += n;
	if (!store)
		return MO_OK;
	return add_arg(p, MO_IMAP_LITERAL, p->d + p->pos - n, n);
}

static int parse_argument(struct parser *p, bool store, int depth);

/* "(" [argument *(SP argument)] ")"; the value is not kept. */
static int
parse_list(struct parser *p, bool store, int depth)
{
	int rc;

	if (depth >= LIST_DEPTH_MAX)
		return perr(p, "lists nested too deeply");
	p->pos++;
	if (p->pos < p->len && p->d[p->pos] == ')') {
		p->pos++;
		goto done;
	}
	for (;;) {
		rc = parse_argument(p, false, depth + 1);
		if (rc != MO_OK)
			return rc;
		if (p->pos < p->len && p->d[p->pos] == ')') {
			p->pos++;
			break;
		}
		if (p->pos >= p->len || p->d[p->pos] != ' ')
			return perr(p, "malformed list");
		p->pos++;
	}
done:
	return store ? add_arg(p, MO_IMAP_LIST, "", 0) : MO_OK;
}

static int
parse_argument(struct parser *p, bool store, int depth)
{
	size_t start = p->pos;

	if (p->pos >= p->len)
		return perr(p, "missing argument");
	switch (p->d[p->pos]) {
	case '"':
		return parse_quoted(p, store);
	case '{':
		return parse_literal(p, store);
	case '(':
		return parse_list(p, store, depth);
	default:
		break;
	}
	while (p->pos < p->len && is_astring_char((unsigned char)p->d[p->pos]))
		p->pos++;
	if (p->pos == start)
		return perr(p, "malformed argument");
	return store ? add_arg(p, MO_IMAP_ATOM, p->d + start, p->pos - start) : MO_OK;
}

int
mo_imap_parse(const char *data, size_t len, struct mo_imap_cmd *cmd,
	      const char **error_r)
{
	struct parser p = { data, len, 0, cmd, error_r };
	size_t start, i;
	int rc;

	/* Start over: the command is parsed whole each time. */
	mo_buf_reset(&cmd->strings);
	cmd->tag[0] = '\0';
	cmd->name[0] = '\0';
	cmd->nargs = 0;
	cmd->literal_len = 0;
	cmd->literal_sync = false;

	while (p.pos < len && is_tag_char((unsigned char)data[p.pos]))
		p.pos++;
	if (p.pos == 0)
		return perr(&p, "missing or malformed tag");
	if (p.pos > MO_IMAP_TAG_MAX)
		return perr(&p, "tag too long");
	if (p.pos >= len || data[p.pos] != ' ')
		return perr(&p, "malformed tag");
	memcpy(cmd->tag, data, p.pos);
	cmd->tag[p.pos] = '\0';
	p.pos++;

	start = p.pos;
	while (p.pos < len && isalnum((unsigned char)data[p.pos]))
		p.pos++;
	if (p.pos == start)
		return perr(&p, "missing command name");
	if (p.pos - start > MO_IMAP_NAME_MAX)
		return perr(&p, "unknown command");
	for (i = start; i < p.pos; i++)
		cmd->name[i - start] = (char)toupper((unsigned char)data[i]);
	cmd->name[p.pos - start] = '\0';

	for (;;) {
		if (at_crlf(&p)) {
			if (p.pos + 2 != len)
				return perr(&p, "data after the end of the command");
			return MO_OK;
		}
		if (p.pos >= len)
			return perr(&p, "the command does not end with CRLF");
		if (data[p.pos] != ' ')
			return perr(&p, "malformed command");
		p.pos++;
		if (p.pos < len && (data[p.pos] == ' ' || data[p.pos] == '\r'))
			return perr(&p, "extra space in the command");
		rc = parse_argument(&p, true, 0);
		if (rc != MO_OK)
			return rc;
	}
}

/* ----------------------------------------------------------------- */

static bool
drop_capability(const char *c, size_t n)
{
	return (n == 8 && strncasecmp(c, "STARTTLS", 8) == 0) ||
	       (n == 13 && strncasecmp(c, "LOGINDISABLED", 13) == 0) ||
	       (n >= 5 && strncasecmp(c, "AUTH=", 5) == 0);
}

int
mo_imap_caps_rewrite(const char *caps, size_t len, bool preauth,
		     struct mo_buf *out)
{
	size_t pos = 0;
	bool first = true;
	int rc = MO_OK;

	while (rc == MO_OK && pos < len) {
		size_t start, n;

		while (pos < len && caps[pos] == ' ')
			pos++;
		start = pos;
		while (pos < len && caps[pos] != ' ')
			pos++;
		n = pos - start;
		if (n == 0 || drop_capability(caps + start, n))
			continue;
		if (!first)
			rc = mo_buf_addc(out, ' ');
		if (rc == MO_OK)
			rc = mo_buf_add(out, caps + start, n);
		first = false;
	}
	if (rc == MO_OK && preauth)
		rc = mo_buf_addstr(out, first ? "AUTH=PLAIN" : " AUTH=PLAIN");
	return rc;
}

static const struct {
	const char *word;
	enum mo_imap_status status;
} statuses[] = {
	{ "OK", MO_IMAP_S_OK }, { "NO", MO_IMAP_S_NO }, { "BAD", MO_IMAP_S_BAD },
	{ "BYE", MO_IMAP_S_BYE }, { "PREAUTH", MO_IMAP_S_PREAUTH },
};

int
mo_imap_resp_parse(const char *line, struct mo_imap_resp *r)
{
	const char *p, *sp;
	size_t i, n;

	memset(r, 0, sizeof(*r));
	r->text = "";
	if (line[0] == '+' && (line[1] == '\0' || line[1] == ' ')) {
		r->status = MO_IMAP_S_CONTINUE;
		r->text = line[1] == ' ' ? line + 2 : "";
		return MO_OK;
	}
	sp = strchr(line, ' ');
	if (sp == NULL || sp == line)
		return MO_ERR_PARSE;
	if (sp - line == 1 && line[0] == '*') {
		r->untagged = true;
	} else {
		for (p = line; p < sp; p++)
			if (!is_tag_char((unsigned char)*p))
				return MO_ERR_PARSE;
		r->tag = line;
		r->tag_len = (size_t)(sp - line);
	}
	p = sp + 1;
	n = strcspn(p, " ");
	r->status = MO_IMAP_S_OTHER;
	for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
		if (strlen(statuses[i].word) == n && strncasecmp(p, statuses[i].word, n) == 0) {
			r->status = statuses[i].status;
			r->text = p[n] == ' ' ? p + n + 1 : p + n;
			break;
		}
	}
	if (!r->untagged && r->status == MO_IMAP_S_OTHER)
		return MO_ERR_PARSE;	/* tagged lines carry a status */
	if (r->status == MO_IMAP_S_OTHER)
		r->text = p;
	return MO_OK;
}

bool
mo_imap_bye_token_expired(const char *line, size_t len)
{
	static const char word[] = "AccessTokenExpired";
	struct mo_imap_resp r;
	char copy[512];

	if (len >= sizeof(copy) || memchr(line, '\0', len) != NULL)
		return false;
	memcpy(copy, line, len);
	copy[len] = '\0';
	if (mo_imap_resp_parse(copy, &r) != MO_OK || !r.untagged ||
	    r.status != MO_IMAP_S_BYE)
		return false;
	return strstr(r.text, word) != NULL;
}

int
mo_imap_rewrite_response(const char *line, size_t len, bool preauth,
			 const char *new_tag, struct mo_buf *out)
{
	const char *sp = memchr(line, ' ', len), *word, *end = line + len;
	size_t n;
	int rc = MO_OK;

	if (sp == NULL)
		goto copy;
	word = sp + 1;
	n = (size_t)(end - word);
	/* "* CAPABILITY cap cap ..." */
	if (sp - line == 1 && line[0] == '*' && n >= 10 &&
	    strncasecmp(word, "CAPABILITY", 10) == 0 && (n == 10 || word[10] == ' ')) {
		rc = mo_buf_add(out, line, (size_t)(word + 10 - line));
		if (rc == MO_OK && n > 11)
			rc = mo_buf_addc(out, ' ');
		if (rc == MO_OK && n > 11)
			rc = mo_imap_caps_rewrite(word + 11, n - 11, preauth, out);
		goto crlf;
	}
	/* "X STATUS [CAPABILITY ...] text" */
	{
		const char *st_end = memchr(word, ' ', n);
		const char *code, *close;

		if (st_end == NULL)
			goto copy;
		code = st_end + 1;
		if ((size_t)(end - code) < 12 || strncasecmp(code, "[CAPABILITY ", 12) != 0)
			goto copy;
		close = memchr(code, ']', (size_t)(end - code));
		if (close == NULL)
			goto copy;
		if (new_tag != NULL && !(sp - line == 1 && line[0] == '*')) {
			rc = mo_buf_addstr(out, new_tag);
			if (rc == MO_OK)
				rc = mo_buf_add(out, sp, (size_t)(code + 12 - sp));
		} else {
			rc = mo_buf_add(out, line, (size_t)(code + 12 - line));
		}
		if (rc == MO_OK)
			rc = mo_imap_caps_rewrite(code + 12, (size_t)(close - code - 12), preauth, out);
		if (rc == MO_OK)
			rc = mo_buf_add(out, close, (size_t)(end - close));
		goto crlf;
	}
copy:
	if (new_tag != NULL && sp != NULL && !(sp - line == 1 && line[0] == '*') &&
	    line[0] != '+') {
		rc = mo_buf_addstr(out, new_tag);
		if (rc == MO_OK)
			rc = mo_buf_add(out, sp, (size_t)(end - sp));
	} else
		rc = mo_buf_add(out, line, len);
crlf:
	if (rc == MO_OK)
		rc = mo_buf_addstr(out, "\r\n");
	return rc;
}

bool
mo_imap_line_literal(const char *line, size_t len, size_t *n_r)
{
	size_t i, n = 0, digits = 0;

	if (len < 3 || line[len - 1] != '}')
		return false;
	i = len - 1;
	if (line[i - 1] == '+')
		i--;
	while (i > 0 && isdigit((unsigned char)line[i - 1])) {
		i--;
		digits++;
	}
	if (digits == 0 || digits > 9 || i == 0 || line[i - 1] != '{')
		return false;
	for (; isdigit((unsigned char)line[i]); i++)
		n = n * 10 + (size_t)(line[i] - '0');
	*n_r = n;
	return true;
}
