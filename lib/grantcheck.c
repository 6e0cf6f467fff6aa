/* SPDX-License-Identifier: MIT */
/* The scope and identity checks of a grant (grantcheck.h). */
#include "autoconfig.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "grantcheck.h"

/* A granted list longer than this is compared as it is, not decoded. */
#define SCOPE_MAX 8192

static const char *const exchange_hosts[] = {
	"outlook.office.com", "outlook.office365.com", "ps.outlook.com",
};

/* A scope split as "scheme://HOST/.../PERM"; host NULL for a short name. */
struct scope_parts {
	const char *host;
	size_t host_len;
	const char *perm;
	size_t perm_len;
};

static void
split_scope(const char *s, size_t len, struct scope_parts *p)
{
	const char *sep = NULL, *h, *slash, *last;
	size_t i;

	memset(p, 0, sizeof(*p));
	for (i = 0; i + 3 <= len; i++) {
		if (memcmp(s + i, "://", 3) == 0) {
			sep = s + i;
			break;
		}
	}
	if (sep == NULL) {
		p->perm = s;
		p->perm_len = len;
		return;
	}
	h = sep + 3;
	slash = memchr(h, '/', len - (size_t)(h - s));
	if (slash == NULL) {
		p->host = h;
		p->host_len = len - (size_t)(h - s);
		p->perm = s + len;
		return;
	}
	p->host = h;
	p->host_len = (size_t)(slash - h);
	last = s + len;
	while (last > slash && last[-1] != '/')
		last--;
	p->perm = last;
	p->perm_len = (size_t)(s + len - last);
}

static bool
eq_ci(const char *a, size_t alen, const char *b, size_t blen)
{
	return alen == blen && strncasecmp(a, b, alen) == 0;
}

static bool
is_exchange(const char *h, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(exchange_hosts) / sizeof(exchange_hosts[0]); i++) {
		if (eq_ci(h, len, exchange_hosts[i], strlen(exchange_hosts[i])))
			return true;
	}
	return false;
}

/* Rules 1-3 of grantcheck.h for one granted scope t and the wanted scope w. */
static bool
scope_equal(const char *t, size_t tlen, const char *w, size_t wlen)
{
	struct scope_parts tp, wp;

	/* "https://mail.google.com/" and "https://mail.google.com" */
	if (tlen > 0 && t[tlen - 1] == '/')
		tlen--;
	if (wlen > 0 && w[wlen - 1] == '/')
		wlen--;
	if (eq_ci(t, tlen, w, wlen))
		return true;
	split_scope(t, tlen, &tp);
	split_scope(w, wlen, &wp);
	if (wp.perm_len == 0 || !eq_ci(tp.perm, tp.perm_len, wp.perm, wp.perm_len))
		return false;
	if (tp.host == NULL)
		return true;	/* the short form */
	if (wp.host == NULL)
		return false;
	return eq_ci(tp.host, tp.host_len, wp.host, wp.host_len) ||
	       (is_exchange(tp.host, tp.host_len) && is_exchange(wp.host, wp.host_len));
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Undoes the form encoding of s into out (size SCOPE_MAX + 1): "%XX" is
 * the byte XX, "+" a space.  False (out unusable; s is then compared as it
 * is) when s is too long, has a "%" without two hex digits, or "%00".
 */
static bool
form_decode(const char *s, char *out)
{
	size_t o = 0;

	if (strlen(s) > SCOPE_MAX)
		return false;
	for (; *s != '\0'; s++) {
		int hi, lo;

		if (s[0] == '%') {
			hi = hexval(s[1]);
			lo = hi >= 0 ? hexval(s[2]) : -1;
			if (lo < 0 || (hi == 0 && lo == 0))
				return false;
			out[o++] = (char)(hi * 16 + lo);
			s += 2;
		} else {
			out[o++] = s[0] == '+' ? ' ' : s[0];
		}
	}
	out[o] = '\0';
	return true;
}

bool
mo_scope_granted(const char *granted, const char *want)
{
	char dec[SCOPE_MAX + 1];
	const char *s = granted, *p;
	size_t wlen;

	if (granted == NULL || want == NULL)
		return false;
	while (*want == ' ')
		want++;
	wlen = strcspn(want, " ");
	if (wlen == 0)
		return true;
	if (strpbrk(granted, "%+") != NULL && form_decode(granted, dec))
		s = dec;
	for (p = s; *p != '\0';) {
		size_t n;

		p += strspn(p, " \t\r\n");
		n = strcspn(p, " \t\r\n");
		if (n > 0 && scope_equal(p, n, want, wlen))
			return true;
		p += n;
	}
	return false;
}

enum mo_identity_match
mo_identity_match(const char *identity, const char *user, const char *login_hint)
{
	if (identity == NULL || identity[0] == '\0')
		return MO_ID_UNKNOWN;
	if (user != NULL && strcasecmp(identity, user) == 0)
		return MO_ID_USER;
	if (login_hint != NULL && strcasecmp(identity, login_hint) == 0)
		return MO_ID_DELEGATE;
	return MO_ID_OTHER;
}
