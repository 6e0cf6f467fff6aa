/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "confval.h"
#include "errors.h"
#include "validate.h"

#define URL_MAX 2048

bool
mo_conf_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;
	size_t i;

	if (s[0] == '\0' || strlen(s) > 18)
		return false;
	for (i = 0; s[i] != '\0'; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return false;
	*out = v;
	return true;
}

bool
mo_conf_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return true;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return true;
		}
	}
	return false;
}

int
mo_conf_server(const char *s, unsigned int default_port, char **host_r,
	       unsigned int *port_r, const struct mo_mail_port **scheme_r)
{
	const struct mo_mail_port *scheme = NULL;
	const char *host, *hend, *port = NULL, *colon, *sep;
	char *h, *copy = NULL;
	long p = default_port;
	size_t i, n;
	int ret = MO_ERR_INVAL;

	*host_r = NULL;
	*scheme_r = NULL;
	sep = strstr(s, "://");
	if (sep != NULL) {
		scheme = mo_mail_scheme(s, (size_t)(sep - s));
		if (scheme == NULL)
			return MO_ERR_INVAL;
		p = scheme->port;
		s = sep + 3;
		/* One "/" may end the URL (curl writes imaps://host/); a
		 * path (a mailbox) has no meaning here. */
		n = strlen(s);
		if (n > 0 && s[n - 1] == '/') {
			copy = strndup(s, n - 1);
			if (copy == NULL)
				return MO_ERR_NOMEM;
			s = copy;
		}
	}
	if (s[0] == '[') {
		host = s + 1;
		hend = strchr(host, ']');
		if (hend == NULL || hend == host)
			goto out;
		for (i = 0; host + i < hend; i++)
			if (strchr("0123456789abcdefABCDEF:.", host[i]) == NULL)
				goto out;
		if (hend[1] == ':')
			port = hend + 2;
		else if (hend[1] != '\0')
			goto out;
	} else {
		host = s;
		colon = strchr(s, ':');
		if (colon != NULL && strchr(colon + 1, ':') != NULL)
			goto out;	/* IPv6 needs brackets */
		hend = colon != NULL ? colon : s + strlen(s);
		if (colon != NULL)
			port = colon + 1;
	}
	if (port != NULL && !mo_conf_long(port, 1, 65535, &p))
		goto out;
	h = strndup(host, (size_t)(hend - host));
	if (h == NULL) {
		ret = MO_ERR_NOMEM;
		goto out;
	}
	if (mo_valid_host(h, NULL) != MO_OK || strpbrk(h, "/@[]?#") != NULL) {
		free(h);
		goto out;
	}
	*host_r = h;
	*port_r = (unsigned int)p;
	*scheme_r = scheme;
	ret = MO_OK;
out:
	free(copy);
	return ret;
}

static const char *const tenant_keywords[] = { "organizations", "common", "consumers" };

bool
mo_conf_tenant_is_keyword(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(tenant_keywords) / sizeof(tenant_keywords[0]); i++)
		if (strcasecmp(s, tenant_keywords[i]) == 0)
			return true;
	return false;
}

static bool
is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
		(c >= 'A' && c <= 'F');
}

static bool
is_alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		(c >= 'A' && c <= 'Z');
}

static bool
is_guid(const char *s)
{
	size_t i;

	if (strlen(s) != 36)
		return false;
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (!is_hex(s[i])) {
			return false;
		}
	}
	return true;
}

/* domain = label 1*( "." label ), label = 1*63( ALPHA / DIGIT / "-" ) not
 * starting or ending with "-"; at most 253 characters. */
static bool
is_domain(const char *s)
{
	size_t i, label = 0, dots = 0;

	if (strlen(s) > 253)
		return false;
	for (i = 0;; i++) {
		char c = s[i];

		if (c == '.' || c == '\0') {
			if (label == 0 || s[i - 1] == '-')
				return false;
			if (c == '\0')
				break;
			label = 0;
			dots++;
			continue;
		}
		if (!is_alnum(c) && !(c == '-' && label > 0))
			return false;
		if (++label > 63)
			return false;
	}
	return dots > 0;
}

bool
mo_conf_tenant(const char *s)
{
	return mo_conf_tenant_is_keyword(s) || is_guid(s) || is_domain(s);
}

bool
mo_conf_https_url(const char *s)
{
	size_t n = strlen(s);

	if (n > URL_MAX || strncasecmp(s, "https://", 8) != 0)
		return false;
	if (!mo_is_printable_ascii(s, n) || strpbrk(s, "?#{}") != NULL)
		return false;
	return s[8] != '\0' && s[8] != '/' && s[8] != ':';
}

bool
mo_conf_url_template(const char *s)
{
	size_t n = strlen(s);
	const char *p;

	if (n > URL_MAX || !mo_is_printable_ascii(s, n))
		return false;
	if (strncmp(s, "{authority}", 11) != 0 &&
	    (strncasecmp(s, "https://", 8) != 0 || s[8] == '\0' || s[8] == '/'))
		return false;
	for (p = s; *p != '\0';) {
		if (strncmp(p, "{authority}", 11) == 0)
			p += 11;
		else if (strncmp(p, "{tenant}", 8) == 0)
			p += 8;
		else if (*p == '{' || *p == '}')
			return false;
		else
			p++;
	}
	return true;
}

bool
mo_conf_scope_token(const char *s, size_t len)
{
	size_t i;

	if (len == 0)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x21 || c > 0x7e || c == '"' || c == '\\')
			return false;
	}
	return true;
}

/* Where scheme://host[:port] ends: the first "/" after "://", or the end. */
static size_t
origin_len(const char *url)
{
	const char *p = strstr(url, "://");

	if (p == NULL)
		return 0;
	p += 3;
	p += strcspn(p, "/");
	return (size_t)(p - url);
}

char *
mo_conf_origin(const char *url)
{
	return strndup(url, origin_len(url));
}

int
mo_conf_expand(const char *tmpl, const char *authority, bool override,
	       const char *tenant, char **out_r)
{
	struct mo_buf b;
	const char *p = tmpl;
	int ret = MO_OK;

	*out_r = NULL;
	mo_buf_init(&b, URL_MAX * 2);
	if (strstr(tmpl, "{authority}") == NULL && override) {
		if (authority == NULL)
			return MO_ERR_INVAL;
		ret = mo_buf_addstr(&b, authority);
		p = tmpl + origin_len(tmpl);
	}
	while (ret == MO_OK && *p != '\0') {
		if (strncmp(p, "{authority}", 11) == 0) {
			if (authority == NULL) {
				ret = MO_ERR_INVAL;
				break;
			}
			ret = mo_buf_addstr(&b, authority);
			p += 11;
		} else if (strncmp(p, "{tenant}", 8) == 0) {
			if (tenant == NULL) {
				ret = MO_ERR_INVAL;
				break;
			}
			ret = mo_buf_addstr(&b, tenant);
			p += 8;
		} else {
			ret = mo_buf_addc(&b, *p++);
		}
	}
	if (ret == MO_OK) {
		*out_r = mo_buf_steal(&b);
		if (*out_r == NULL)
			ret = MO_ERR_NOMEM;
	} else if (ret == MO_ERR_TOOBIG) {
		ret = MO_ERR_INVAL;
	}
	mo_buf_free(&b);
	return ret;
}

static bool
is_sep(char c)
{
	return c == ' ' || c == '\t' || c == ',';
}

/* Appends one scope to the space-separated list in sb unless it is there
 * already (scopes compare case-insensitively). */
int
mo_conf_scope_add(struct mo_buf *sb, const char *tok, size_t len)
{
	const char *p = mo_buf_str(sb);
	int ret;

	while (*p != '\0') {
		size_t n = strcspn(p, " ");

		if (n == len && strncasecmp(p, tok, len) == 0)
			return MO_OK;
		p += n;
		p += *p == ' ';
	}
	if (sb->len > 0 && (ret = mo_buf_addc(sb, ' ')) != MO_OK)
		return ret;
	return mo_buf_add(sb, tok, len);
}

const char *
mo_conf_next_scope(const char *p, size_t *len_r)
{
	while (*p != '\0' && is_sep(*p))
		p++;
	*len_r = 0;
	while (p[*len_r] != '\0' && !is_sep(p[*len_r]))
		(*len_r)++;
	return p;
}
