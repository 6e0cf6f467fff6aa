/* SPDX-License-Identifier: MIT */
/* INI syntax (inih): sections, lines, keys; the first error wins and is
 * reported as "FILE:LINE: what is wrong". */
#include "autoconfig.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ini.h>

#include "buf.h"
#include "confint.h"
#include "config.h"
#include "errors.h"
#include "paths.h"

/* Largest configuration text we parse. */
#define CONFIG_MAX MO_CONFIG_MAX
#define MSG_MAX 4096

/* ------------------------------------------------------------------ */
/* INI syntax                                                          */

struct parse_ctx {
	const char *file;
	const char *text;
	size_t len;
	size_t pos;
	unsigned int line;	/* of the line handed to inih last */
	struct conf_section *sec;
	size_t n_sec;
	size_t cap_sec;
	long cur;		/* index of the current section, -1: none */
	int err;		/* first error, MO_OK while none */
	char *msg;
};

static void
ctx_fail(struct parse_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
ctx_fail(struct parse_ctx *c, const char *fmt, ...)
{
	struct mo_buf b;
	va_list ap;

	if (c->err != MO_OK)
		return;
	mo_buf_init(&b, MSG_MAX);
	va_start(ap, fmt);
	c->err = mo_buf_vprintf(&b, fmt, ap) == MO_ERR_NOMEM ? MO_ERR_NOMEM :
		MO_ERR_CONFIG;
	va_end(ap);
	if (c->err == MO_ERR_CONFIG &&
	    mo_conf_fail(&c->msg, c->file, c->line, "%s", mo_buf_str(&b)) != MO_ERR_CONFIG)
		c->err = MO_ERR_NOMEM;
	mo_buf_free(&b);
}

static void
section_free(struct conf_section *s)
{
	size_t i;

	for (i = 0; i < s->n_kv; i++) {
		free(s->kv[i].key);
		free(s->kv[i].value);
	}
	free(s->kv);
	free(s->name);
}

static bool
is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

/* The words of a section header between p and end, at most three (a
 * fourth makes the count 4): their starts in w, lengths in wl. */
static size_t
header_words(const char *p, const char *end, const char *w[3], size_t wl[3])
{
	size_t nw = 0;

	while (p < end) {
		while (p < end && is_blank(*p))
			p++;
		if (p == end)
			break;
		if (nw == 3)
			return 4;
		w[nw] = p;
		while (p < end && !is_blank(*p))
			p++;
		wl[nw] = (size_t)(p - w[nw]);
		nw++;
	}
	return nw;
}

/* Appends a section of kind named by the n bytes at name, on the current
 * line.  NULL when out of memory (c->err set). */
static struct conf_section *
add_section(struct parse_ctx *c, enum conf_kind kind, const char *name, size_t n)
{
	struct conf_section *sec;

	if (c->n_sec == c->cap_sec) {
		size_t ncap = c->cap_sec ? c->cap_sec * 2 : 8;
		struct conf_section *ns = reallocarray(c->sec, ncap, sizeof(*ns));

		if (ns == NULL) {
			c->err = MO_ERR_NOMEM;
			return NULL;
		}
		c->sec = ns;
		c->cap_sec = ncap;
	}
	sec = &c->sec[c->n_sec];
	memset(sec, 0, sizeof(*sec));
	sec->name = strndup(name, n);
	if (sec->name == NULL) {
		c->err = MO_ERR_NOMEM;
		return NULL;
	}
	sec->kind = kind;
	sec->line = c->line;
	c->n_sec++;
	return sec;
}

/*
 * A section header, as inih reads it, restricted to our two kinds:
 *
 *   header  = "[" *WSP kind 1*WSP name *WSP "]" *WSP [ comment ]
 *           / "[" *WSP "defaults" *WSP "]" *WSP [ comment ]
 *   kind    = "account" / "provider"            ; any case
 *   name    = 1*64( ALPHA / DIGIT / "." / "_" / "@" / "+" / "-" )
 *             ; not starting with "."
 *   comment = ( ";" / "#" ) *CHAR
 */
static int
section_line(struct parse_ctx *c, const char *s, size_t n)
{
	const char *close = memchr(s, ']', n), *p, *w[3] = { 0 };
	size_t wl[3] = { 0 }, nw = 0, i;
	enum conf_kind kind;
	struct conf_section *sec;

	if (close == NULL) {
		ctx_fail(c, "malformed section header: no \"]\" (write "
			 "[account NAME] or [provider NAME])");
		return MO_ERR_CONFIG;
	}
	for (p = close + 1; p < s + n && is_blank(*p); p++)
		;
	if (p < s + n && *p != ';' && *p != '#') {
		ctx_fail(c, "unexpected text after \"]\" in the section header");
		return MO_ERR_CONFIG;
	}
	nw = header_words(s + 1, close, w, wl);
	if (nw >= 1 && wl[0] == 7 && strncasecmp(w[0], "account", 7) == 0)
		kind = CONF_ACCOUNT;
	else if (nw >= 1 && wl[0] == 8 && strncasecmp(w[0], "provider", 8) == 0)
		kind = CONF_PROVIDER;
	else if (nw >= 1 && wl[0] == 8 && strncasecmp(w[0], "defaults", 8) == 0)
		kind = CONF_DEFAULTS;
	else {
		ctx_fail(c, "unknown section [%.*s]; the sections are "
			 "[account NAME], [provider NAME] and [defaults]",
			 (int)(close - s - 1 > 80 ? 80 : close - s - 1), s + 1);
		return MO_ERR_CONFIG;
	}
	if (kind == CONF_DEFAULTS) {
		if (nw != 1) {
			ctx_fail(c, "[defaults] takes no name");
			return MO_ERR_CONFIG;
		}
		for (i = 0; i < c->n_sec; i++) {
			if (c->sec[i].kind == CONF_DEFAULTS) {
				ctx_fail(c, "duplicate [defaults] (already on line %u)",
					 c->sec[i].line);
				return MO_ERR_CONFIG;
			}
		}
		w[1] = "defaults";
		wl[1] = 8;
		nw = 2;
	}
	if (nw == 1) {
		ctx_fail(c, "[%s] needs a name: [%s NAME]", kind == CONF_ACCOUNT ?
			 "account" : "provider", kind == CONF_ACCOUNT ?
			 "account" : "provider");
		return MO_ERR_CONFIG;
	}
	if (nw > 2) {
		ctx_fail(c, "a section name is one word: [%s NAME]",
			 kind == CONF_ACCOUNT ? "account" : "provider");
		return MO_ERR_CONFIG;
	}
	if ((sec = add_section(c, kind, w[1], wl[1])) == NULL)
		return MO_ERR_NOMEM;
	if (!mo_valid_account_name(sec->name)) {
		ctx_fail(c, "invalid %s name \"%.80s\": use 1-64 characters of "
			 "A-Z a-z 0-9 . _ @ + - not starting with \".\"%s",
			 kind == CONF_ACCOUNT ? "account" : "provider", sec->name,
			 kind == CONF_ACCOUNT ? " (it becomes a file name)" : "");
		return MO_ERR_CONFIG;
	}
	if (kind == CONF_PROVIDER && mo_conf_builtin_provider(sec->name)) {
		ctx_fail(c, "[provider %s]: \"%s\" is a built-in provider; give "
			 "your own provider another name", sec->name, sec->name);
		return MO_ERR_CONFIG;
	}
	for (i = 0; i + 1 < c->n_sec; i++) {
		if (c->sec[i].kind != kind)
			continue;
		if (kind == CONF_ACCOUNT ? strcmp(c->sec[i].name, sec->name) == 0 :
		    strcasecmp(c->sec[i].name, sec->name) == 0) {
			ctx_fail(c, "duplicate [%s %s] (already defined on line %u)",
				 kind == CONF_ACCOUNT ? "account" : "provider",
				 sec->name, c->sec[i].line);
			return MO_ERR_CONFIG;
		}
	}
	c->cur = (long)(c->n_sec - 1);
	return MO_OK;
}

/*
 *   line    = *WSP ( header / pair / comment / "" ) *WSP
 *   pair    = key *WSP ( "=" / ":" ) *WSP value [ 1*WSP ";" *CHAR ]
 *
 * inih splits a pair at the first "=" or ":" (so values may contain
 * both) and cuts an inline comment that starts with ";" after white space.
 * Here we only make sure that inih will not reject the line, so that the
 * message can say what is wrong.
 */
static int
pair_line(struct parse_ctx *c, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '=' || s[i] == ':')
			break;
		if (s[i] == ';' && i > 0 && is_blank(s[i - 1]))
			i = n;
	}
	if (i >= n) {
		ctx_fail(c, "malformed line: expected \"key = value\", a "
			 "[section] header or a comment (; or #)");
		return MO_ERR_CONFIG;
	}
	if (i == 0) {
		ctx_fail(c, "malformed line: no key before \"%c\"", s[0]);
		return MO_ERR_CONFIG;
	}
	return MO_OK;
}

/*
 * inih's line reader.  Hands inih one line at a time with the leading
 * white space removed, so that an indented line is an ordinary line, never
 * a continuation of the previous value (inih's multi-line mode), and keeps
 * count of lines for our messages.  Section headers and malformed lines
 * are checked here, where the raw line is at hand.
 */
static char *
conf_reader(char *str, int num, void *stream)
{
	struct parse_ctx *c = stream;
	const char *s, *e, *nl, *end = c->text + c->len;
	size_t n;

	if (c->err != MO_OK || c->pos >= c->len)
		return NULL;
	s = c->text + c->pos;
	nl = memchr(s, '\n', (size_t)(end - s));
	e = nl != NULL ? nl : end;
	c->pos = (size_t)(e - c->text) + (nl != NULL ? 1 : 0);
	c->line++;
	if (c->line == 1 && e - s >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
		s += 3;
	while (s < e && is_blank(*s))
		s++;
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	n = (size_t)(e - s);
	if (num < 3 || n > (size_t)num - 2) {
		ctx_fail(c, "line longer than %d characters; shorten it (a long "
			 "client_secret_command can live in a script)",
			 num < 3 ? 0 : num - 2);
		return NULL;
	}
	if (n > 0 && s[0] == '[') {
		if (section_line(c, s, n) != MO_OK)
			return NULL;
	} else if (n > 0 && s[0] != ';' && s[0] != '#') {
		if (pair_line(c, s, n) != MO_OK)
			return NULL;
	}
	memcpy(str, s, n);
	str[n] = '\n';
	str[n + 1] = '\0';
	return str;
}

static int
conf_handler(void *user, const char *section, const char *name,
	     const char *value)
{
	struct parse_ctx *c = user;
	struct conf_section *sec;
	const char *kind;
	char *key = NULL, *val = NULL;
	size_t i;

	(void)section;
	if (c->err != MO_OK)
		return 0;
	if (c->cur < 0) {
		ctx_fail(c, "\"%.80s\" is outside a section; put it under "
			 "[account NAME] or [provider NAME]", name);
		return 0;
	}
	sec = &c->sec[c->cur];
	kind = sec->kind == CONF_ACCOUNT ? "account" :
	       sec->kind == CONF_PROVIDER ? "provider" : "defaults";
	if (sec->kind == CONF_DEFAULTS && !mo_conf_key_known(sec->kind, name)) {
		ctx_fail(c, "unknown key \"%.80s\" in [defaults]; the keys are: %s "
			 "(see mailoauth.conf(5))", name, mo_conf_keys(sec->kind));
		return 0;
	}
	if (!mo_conf_key_known(sec->kind, name)) {
		ctx_fail(c, "unknown key \"%.80s\" in [%s %s]; the keys are: %s "
			 "(see mailoauth.conf(5))", name, kind, sec->name,
			 mo_conf_keys(sec->kind));
		return 0;
	}
	for (i = 0; i < sec->n_kv; i++) {
		if (strcasecmp(sec->kv[i].key, name) == 0) {
			ctx_fail(c, "duplicate key \"%s\" in [%s %s] (already set "
				 "on line %u)", sec->kv[i].key, kind, sec->name,
				 sec->kv[i].line);
			return 0;
		}
	}
	if (value[0] == '\0') {
		ctx_fail(c, "\"%s\" has no value; give one or remove the line",
			 name);
		return 0;
	}
	if (sec->n_kv == sec->cap_kv) {
		size_t ncap = sec->cap_kv ? sec->cap_kv * 2 : 16;
		struct conf_kv *nk = reallocarray(sec->kv, ncap, sizeof(*nk));

		if (nk == NULL)
			goto nomem;
		sec->kv = nk;
		sec->cap_kv = ncap;
	}
	key = strdup(name);
	val = strdup(value);
	if (key == NULL || val == NULL)
		goto nomem;
	for (i = 0; key[i] != '\0'; i++)
		key[i] = (char)tolower((unsigned char)key[i]);
	sec->kv[sec->n_kv].key = key;
	sec->kv[sec->n_kv].value = val;
	sec->kv[sec->n_kv].line = c->line;
	sec->n_kv++;
	return 1;
nomem:
	free(key);
	free(val);
	c->err = MO_ERR_NOMEM;
	return 0;
}

int
mo_config_parse(const char *name, const char *text, size_t len,
		struct mo_config **cfg_r, char **error_r)
{
	struct parse_ctx c;
	struct mo_config *cfg = NULL;
	const char *nul;
	size_t i;
	int ret, r;

	*cfg_r = NULL;
	if (error_r != NULL)
		*error_r = NULL;
	memset(&c, 0, sizeof(c));
	c.file = name;
	c.text = text;
	c.len = len;
	c.cur = -1;
	if (len > CONFIG_MAX) {
		ret = mo_conf_fail(error_r, name, 0, "larger than %d bytes; that "
				   "is not a mailoauth configuration", CONFIG_MAX);
		goto out;
	}
	nul = memchr(text, '\0', len);
	if (nul != NULL) {
		unsigned int line = 1;

		for (i = 0; text + i < nul; i++)
			line += text[i] == '\n';
		ret = mo_conf_fail(error_r, name, line, "NUL byte: the "
				   "configuration must be a text file");
		goto out;
	}
	r = ini_parse_stream(conf_reader, &c, conf_handler, &c);
	if (c.err != MO_OK) {
		ret = c.err;
		if (error_r != NULL) {
			*error_r = c.msg;
			c.msg = NULL;
		}
		goto out;
	}
	if (r == -2) {
		ret = MO_ERR_NOMEM;
		goto out;
	}
	if (r != 0) {
		ret = mo_conf_fail(error_r, name, r > 0 ? (unsigned int)r : 0,
				   "malformed line");
		goto out;
	}
	cfg = calloc(1, sizeof(*cfg));
	if (cfg == NULL || (cfg->path = strdup(name)) == NULL) {
		ret = MO_ERR_NOMEM;
		goto out;
	}
	ret = mo_conf_build(name, c.sec, c.n_sec, cfg, error_r);
	if (ret != MO_OK)
		goto out;
	*cfg_r = cfg;
	cfg = NULL;
out:
	mo_config_free(cfg);
	for (i = 0; i < c.n_sec; i++)
		section_free(&c.sec[i]);
	free(c.sec);
	free(c.msg);
	return ret;
}
