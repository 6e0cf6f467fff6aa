/* SPDX-License-Identifier: MIT */
/* Checks on the result of a sign-in: granted scope, identity, consent. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "errors.h"
#include "signin-callback.h"
#include "signin-check.h"

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

bool
mo_scope_granted(const char *granted, const char *want)
{
	struct mo_buf dec;
	const char *s = granted, *p;
	size_t wlen;
	bool found = false;

	if (granted == NULL || want == NULL)
		return false;
	while (*want == ' ')
		want++;
	wlen = strcspn(want, " ");
	if (wlen == 0)
		return true;
	mo_buf_init(&dec, SCOPE_MAX);
	if (strchr(granted, '%') != NULL &&
	    mo_form_decode(granted, strlen(granted), &dec) == MO_OK)
		s = mo_buf_str(&dec);
	for (p = s; *p != '\0' && !found;) {
		size_t n;

		p += strspn(p, " \t\r\n");
		n = strcspn(p, " \t\r\n");
		if (n > 0 && scope_equal(p, n, want, wlen))
			found = true;
		p += n;
	}
	mo_buf_free(&dec);
	return found;
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

static bool
consent_code(long c)
{
	return c == 65001 || c == 90094 || c == 90095;
}

bool
mo_is_consent_error(const char *error, const char *suberror,
		    const char *description, const long *codes, size_t n_codes)
{
	size_t i;

	if ((error != NULL && strcmp(error, "consent_required") == 0) ||
	    (suberror != NULL && strcmp(suberror, "consent_required") == 0))
		return true;
	for (i = 0; codes != NULL && i < n_codes; i++) {
		if (consent_code(codes[i]))
			return true;
	}
	if (description != NULL && strncmp(description, "AADSTS", 6) == 0) {
		char *end;
		long c = strtol(description + 6, &end, 10);

		if (end != description + 6 && consent_code(c))
			return true;
	}
	return false;
}
