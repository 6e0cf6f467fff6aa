/* SPDX-License-Identifier: MIT */
/* The sign-in redirect request: HTTP/1.x head and query parameters. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "errors.h"
#include "secret.h"
#include "signin-callback.h"
#include "validate.h"

/*
 * RFC 9112 §2.1, §3, §5 (what we accept of it):
 *
 *   HTTP-message   = start-line CRLF *( field-line CRLF ) CRLF [ message-body ]
 *   request-line   = method SP request-target SP HTTP-version
 *   method         = token
 *   request-target = origin-form / absolute-form
 *   origin-form    = absolute-path [ "?" query ]
 *   absolute-form  = absolute-URI            (http://host:port/path?query)
 *   HTTP-version   = "HTTP/1." DIGIT
 *   field-line     = field-name ":" OWS field-value OWS
 *   field-name     = token
 *   token          = 1*tchar
 *
 * §2.2: a bare LF ends a line as well as CRLF, and empty lines before the
 * request-line are ignored.  obs-fold (a line starting with SP or HTAB) and
 * whitespace between field-name and ":" are rejected with 400 (§5.1, §5.2).
 * Field values may hold VCHAR, obs-text, SP and HTAB only.
 */

static int
is_tchar(unsigned char c)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Finds the next line in [p, end): sets *eol to its LF and returns the
 * length of the line without CR LF; -1 when there is no LF yet. */
static long
next_line(const char *p, const char *end, const char **eol)
{
	const char *lf = memchr(p, '\n', (size_t)(end - p));
	size_t n;

	if (lf == NULL)
		return -1;
	*eol = lf;
	n = (size_t)(lf - p);
	if (n > 0 && p[n - 1] == '\r')
		n--;
	return (long)n;
}

static int
parse_request_line(const char *p, size_t n, struct mo_cb_head *h,
		   const char **error_r)
{
	const char *sp1, *sp2, *t, *end = p + n, *q;
	size_t i, tlen;

	sp1 = memchr(p, ' ', n);
	if (sp1 == NULL || sp1 == p) {
		*error_r = "malformed request line";
		return MO_ERR_PARSE;
	}
	for (t = p; t < sp1; t++) {
		if (!is_tchar((unsigned char)*t)) {
			*error_r = "malformed method";
			return MO_ERR_PARSE;
		}
	}
	t = sp1 + 1;
	sp2 = memchr(t, ' ', (size_t)(end - t));
	if (sp2 == NULL || sp2 == t) {
		*error_r = "malformed request line";
		return MO_ERR_PARSE;
	}
	tlen = (size_t)(sp2 - t);
	for (i = 0; i < tlen; i++) {
		unsigned char c = (unsigned char)t[i];

		if (c <= 0x20 || c >= 0x7f) {
			*error_r = "malformed request target";
			return MO_ERR_PARSE;
		}
	}
	if ((size_t)(end - sp2 - 1) != 8 || memcmp(sp2 + 1, "HTTP/1.", 7) != 0 ||
	    sp2[8] < '0' || sp2[8] > '9') {
		*error_r = "not an HTTP/1.x request";
		return MO_ERR_PARSE;
	}
	h->minor = (unsigned int)(sp2[8] - '0');
	h->method = p;
	h->method_len = (size_t)(sp1 - p);

	/* absolute-form: skip "http://authority" up to the path. */
	if (tlen >= 7 && strncmp(t, "http://", 7) == 0) {
		const char *slash = memchr(t + 7, '/', tlen - 7);

		if (slash == NULL) {
			*error_r = "request target without a path";
			return MO_ERR_PARSE;
		}
		tlen -= (size_t)(slash - t);
		t = slash;
	}
	if (t[0] != '/') {
		*error_r = "request target is not a path";
		return MO_ERR_PARSE;
	}
	h->path = t;
	q = memchr(t, '?', tlen);
	if (q != NULL) {
		h->path_len = (size_t)(q - t);
		h->query = q + 1;
		h->query_len = tlen - h->path_len - 1;
	} else {
		h->path_len = tlen;
		h->query = NULL;
		h->query_len = 0;
	}
	return MO_OK;
}

static int
check_field_line(const char *p, size_t n, const char **error_r)
{
	size_t i = 0;

	if (p[0] == ' ' || p[0] == '\t') {
		*error_r = "folded header line";
		return MO_ERR_PARSE;
	}
	while (i < n && is_tchar((unsigned char)p[i]))
		i++;
	if (i == 0 || i == n || p[i] != ':') {
		*error_r = "malformed header line";
		return MO_ERR_PARSE;
	}
	for (i++; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			*error_r = "control character in a header";
			return MO_ERR_PARSE;
		}
	}
	return MO_OK;
}

int
mo_cb_head_parse(const char *buf, size_t len, struct mo_cb_head *h,
		 const char **error_r)
{
	const char *p = buf, *end, *eol = NULL;
	bool have_request_line = false;
	long n;
	int ret;

	memset(h, 0, sizeof(*h));
	end = buf + (len > MO_CB_MAX_HEAD ? MO_CB_MAX_HEAD : len);
	for (;;) {
		n = next_line(p, end, &eol);
		if (n < 0) {
			if (len >= MO_CB_MAX_HEAD) {
				*error_r = "request head over 8 KiB";
				return MO_ERR_TOOBIG;
			}
			return MO_CB_MORE;
		}
		if (memchr(p, '\0', (size_t)(eol - p)) != NULL) {
			*error_r = "NUL byte in the request head";
			return MO_ERR_PARSE;
		}
		if (!have_request_line) {
			if (n > 0) {
				ret = parse_request_line(p, (size_t)n, h, error_r);
				if (ret != MO_OK)
					return ret;
				have_request_line = true;
			}
		} else if (n == 0) {
			h->head_len = (size_t)(eol + 1 - buf);
			return MO_OK;
		} else {
			ret = check_field_line(p, (size_t)n, error_r);
			if (ret != MO_OK)
				return ret;
		}
		p = eol + 1;
	}
}

/*
 * application/x-www-form-urlencoded (WHATWG URL §5.1), as RFC 6749 §4.1.2
 * uses it in the redirect's query:
 *   pairs separated by "&", name "=" value; "+" is a space;
 *   pct-encoded = "%" HEXDIG HEXDIG   (RFC 3986 §2.1)
 * We are strict where the lenient rules would guess: a "%" not followed by
 * two hex digits is an error, and so is an encoded NUL.
 */
static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
mo_form_decode(const char *s, size_t len, struct mo_buf *out)
{
	size_t i;
	int ret = MO_OK;

	for (i = 0; i < len && ret == MO_OK; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '%') {
			int hi, lo;

			if (len - i < 3)
				return MO_ERR_PARSE;
			hi = hexval((unsigned char)s[i + 1]);
			lo = hexval((unsigned char)s[i + 2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return MO_ERR_PARSE;
			ret = mo_buf_addc(out, (char)(hi * 16 + lo));
			i += 2;
		} else if (c == '+') {
			ret = mo_buf_addc(out, ' ');
		} else if (c == '\0') {
			return MO_ERR_PARSE;
		} else {
			ret = mo_buf_addc(out, (char)c);
		}
	}
	return ret;
}

int
mo_query_get(const char *q, size_t len, const char *name, char **value_r)
{
	struct mo_buf nb, vb;
	const char *p = q, *end = q + len;
	bool found = false;
	int ret = MO_OK;

	*value_r = NULL;
	mo_buf_init(&nb, MO_CB_MAX_HEAD);
	mo_buf_init(&vb, MO_CB_MAX_HEAD);
	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *pe = amp ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(pe - p));
		const char *ne = eq ? eq : pe;

		if (pe > p) {
			mo_buf_reset(&nb);
			ret = mo_form_decode(p, (size_t)(ne - p), &nb);
			if (ret != MO_OK)
				goto out;
			if (strcmp(mo_buf_str(&nb), name) == 0) {
				if (found) {
					ret = MO_ERR_PARSE;
					goto out;
				}
				found = true;
				if (eq != NULL)
					ret = mo_form_decode(eq + 1, (size_t)(pe - eq - 1), &vb);
				if (ret != MO_OK)
					goto out;
			}
		}
		p = pe + 1;
	}
	if (!found) {
		ret = MO_ERR_NOENT;
		goto out;
	}
	*value_r = mo_buf_steal(&vb);
	if (*value_r == NULL)
		ret = MO_ERR_NOMEM;
out:
	mo_buf_free(&nb);
	mo_buf_free(&vb);
	return ret;
}

void
mo_cb_result_clear(struct mo_cb_result *r)
{
	mo_free_secret(r->code);
	mo_free_secret(r->error);
	mo_free_secret(r->error_description);
	memset(r, 0, sizeof(*r));
}

static void
reject(struct mo_cb_result *r, enum mo_cb_kind kind, int status,
       const char *why)
{
	r->kind = kind;
	r->status = status;
	r->why = why;
}

/* Looks one parameter up; MO_ERR_PARSE and MO_ERR_NOENT leave *v NULL. */
static int
param(const struct mo_cb_head *h, const char *name, char **v)
{
	if (h->query == NULL) {
		*v = NULL;
		return MO_ERR_NOENT;
	}
	return mo_query_get(h->query, h->query_len, name, v);
}

int
mo_cb_evaluate(const struct mo_cb_head *h, const char *path,
	       const char *state, struct mo_cb_result *r)
{
	char *code = NULL, *error = NULL, *got_state = NULL, *desc = NULL;
	int rc, re, rs, rd, ret = MO_OK;

	memset(r, 0, sizeof(*r));
	if (h->method_len != 3 || memcmp(h->method, "GET", 3) != 0) {
		reject(r, MO_CB_BAD_METHOD, 405, "only GET is served here");
		goto out;
	}
	if (h->path_len != strlen(path) || memcmp(h->path, path, h->path_len) != 0) {
		reject(r, MO_CB_NOT_FOUND, 404, "not the sign-in redirect");
		goto out;
	}
	rc = param(h, "code", &code);
	re = param(h, "error", &error);
	rs = param(h, "state", &got_state);
	rd = param(h, "error_description", &desc);
	if (rc == MO_ERR_NOMEM || re == MO_ERR_NOMEM || rs == MO_ERR_NOMEM ||
	    rd == MO_ERR_NOMEM) {
		ret = MO_ERR_NOMEM;
		goto out;
	}
	if (rc == MO_ERR_PARSE || re == MO_ERR_PARSE || rs == MO_ERR_PARSE ||
	    rd == MO_ERR_PARSE) {
		reject(r, MO_CB_BAD, 400, "malformed or repeated query parameters");
		goto out;
	}
	if (code == NULL && error == NULL) {
		reject(r, MO_CB_BAD, 400, "neither a code nor an error");
		goto out;
	}
	if (got_state == NULL) {
		reject(r, MO_CB_BAD_STATE, 400, "the state parameter is missing");
		goto out;
	}
	if (strlen(got_state) != strlen(state) ||
	    mo_memeq_ct(got_state, state, strlen(state)) != 0) {
		reject(r, MO_CB_BAD_STATE, 400,
		       "the state parameter does not match this sign-in");
		goto out;
	}
	if (error != NULL) {
		/* RFC 6749 §4.1.2.1: error = 1*NQSCHAR */
		if (error[0] == '\0' || !mo_is_printable_ascii(error, strlen(error))) {
			reject(r, MO_CB_BAD, 400, "malformed error parameter");
			goto out;
		}
		r->kind = MO_CB_ERROR;
		r->status = 200;
		r->error = error;
		r->error_description = desc;
		error = desc = NULL;
		goto out;
	}
	if (code[0] == '\0' || !mo_is_printable_ascii(code, strlen(code))) {
		reject(r, MO_CB_BAD, 400, "malformed code parameter");
		goto out;
	}
	r->kind = MO_CB_CODE;
	r->status = 200;
	r->code = code;
	code = NULL;
out:
	mo_free_secret(code);
	mo_free_secret(error);
	mo_free_secret(got_state);
	mo_free_secret(desc);
	return ret;
}
