/* SPDX-License-Identifier: MIT */
/*
 * The sign-in redirect: HTTP/1.x head parser, query decoding, the decision
 * on each request, the loopback listener over real sockets, and the checks
 * on the outcome (granted scope, identity, consent errors).
 */
#include "autoconfig.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "errors.h"
#include "secret.h"
#include "signin-callback.h"
#include "signin-check.h"
#include "signin-loopback.h"
#include "tap.h"
#include "text.h"

#define STATE "Zm9vYmFyc3RhdGUtdmFsdWUtNDMtY2hhcmFjdGVycw"

static const struct {
	const char *what, *req;
	int want;
	const char *path, *query;	/* expected on MO_OK; query NULL: none */
} heads[] = {
	{ "plain GET", "GET /?code=abc&state=x HTTP/1.1\r\nHost: localhost:1234\r\n\r\n",
	  MO_OK, "/", "code=abc&state=x" },
	{ "bare LF line ends", "GET /favicon.ico HTTP/1.1\nHost: a\n\n", MO_OK,
	  "/favicon.ico", NULL },
	{ "HTTP/1.0, no headers", "GET / HTTP/1.0\r\n\r\n", MO_OK, "/", NULL },
	{ "empty line before the request line", "\r\nGET /x HTTP/1.1\r\n\r\n", MO_OK,
	  "/x", NULL },
	{ "absolute-form", "GET http://localhost:5/?a=b HTTP/1.1\r\n\r\n", MO_OK, "/", "a=b" },
	{ "empty query", "GET /? HTTP/1.1\r\n\r\n", MO_OK, "/", "" },
	{ "header value with tab and obs-text", "GET / HTTP/1.1\r\nX-A: a\tb \xc3\xa9\r\n\r\n",
	  MO_OK, "/", NULL },
	{ "incomplete head", "GET / HTTP/1.1\r\nHost: a\r\n", MO_CB_MORE, NULL, NULL },
	{ "incomplete request line", "GET /?code=", MO_CB_MORE, NULL, NULL },
	{ "nothing yet", "", MO_CB_MORE, NULL, NULL },
	{ "HTTP/2", "GET / HTTP/2.0\r\n\r\n", MO_ERR_PARSE, NULL, NULL },
	{ "no version", "GET /\r\n\r\n", MO_ERR_PARSE, NULL, NULL },
	{ "two spaces", "GET  / HTTP/1.1\r\n\r\n", MO_ERR_PARSE, NULL, NULL },
	{ "bad method", "G(T / HTTP/1.1\r\n\r\n", MO_ERR_PARSE, NULL, NULL },
	{ "relative target", "GET x HTTP/1.1\r\n\r\n", MO_ERR_PARSE, NULL, NULL },
	{ "asterisk form", "OPTIONS * HTTP/1.1\r\n\r\n", MO_ERR_PARSE, NULL, NULL },
	{ "control char in target", "GET /\x01 HTTP/1.1\r\n\r\n", MO_ERR_PARSE, NULL, NULL },
	{ "obs-fold", "GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n", MO_ERR_PARSE, NULL, NULL },
	{ "space before colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", MO_ERR_PARSE, NULL, NULL },
	{ "header without colon", "GET / HTTP/1.1\r\nHost\r\n\r\n", MO_ERR_PARSE, NULL, NULL },
	{ "escape in header value", "GET / HTTP/1.1\r\nX: \x1b[2J\r\n\r\n", MO_ERR_PARSE, NULL,
	  NULL },
	{ "trailing garbage after version", "GET / HTTP/1.1x\r\n\r\n", MO_ERR_PARSE, NULL, NULL },
};

static void
test_heads(void)
{
	struct mo_cb_head h;
	const char *why;
	size_t i;
	char nul[] = "GET / HTTP/1.1\r\nX: a\0b\r\n\r\n";

	for (i = 0; i < sizeof(heads) / sizeof(heads[0]); i++) {
		int ret;

		why = NULL;
		ret = mo_cb_head_parse(heads[i].req, strlen(heads[i].req), &h, &why);
		tap_is_int(ret, heads[i].want, "head: %s", heads[i].what);
		if (ret == MO_ERR_PARSE)
			tap_ok(why != NULL, "head: %s: says why", heads[i].what);
		if (ret != MO_OK || heads[i].want != MO_OK)
			continue;
		tap_is_mem(h.path, h.path_len, heads[i].path, strlen(heads[i].path),
			   "head: %s: path", heads[i].what);
		if (heads[i].query == NULL)
			tap_ok(h.query == NULL, "head: %s: no query", heads[i].what);
		else
			tap_is_mem(h.query ? h.query : "", h.query_len, heads[i].query,
				   strlen(heads[i].query), "head: %s: query", heads[i].what);
		tap_is_int((long long)h.head_len, (long long)strlen(heads[i].req),
			   "head: %s: length", heads[i].what);
	}
	tap_is_int(mo_cb_head_parse(nul, sizeof(nul) - 1, &h, &why), MO_ERR_PARSE,
		   "head: NUL byte refused");
}

static void
test_head_limits(void)
{
	struct mo_cb_head h;
	const char *why;
	struct mo_buf b;
	int ret;

	/* A head of exactly MO_CB_MAX_HEAD bytes is fine ... */
	mo_buf_init(&b, 2 * MO_CB_MAX_HEAD);
	mo_buf_addstr(&b, "GET / HTTP/1.1\r\nX: ");
	while (b.len < MO_CB_MAX_HEAD - 4)
		mo_buf_addc(&b, 'a');
	mo_buf_addstr(&b, "\r\n\r\n");
	tap_is_int((long long)b.len, MO_CB_MAX_HEAD, "limit: head of exactly 8 KiB built");
	tap_is_int(mo_cb_head_parse(b.data, b.len, &h, &why), MO_OK,
		   "limit: 8 KiB head accepted");
	/* ... one more byte is not. */
	mo_buf_reset(&b);
	mo_buf_addstr(&b, "GET / HTTP/1.1\r\nX: ");
	while (b.len < MO_CB_MAX_HEAD - 3)
		mo_buf_addc(&b, 'a');
	mo_buf_addstr(&b, "\r\n\r\n");
	ret = mo_cb_head_parse(b.data, MO_CB_MAX_HEAD, &h, &why);
	tap_is_int(ret, MO_ERR_TOOBIG, "limit: 8 KiB + 1 head refused");
	ret = mo_cb_head_parse(b.data, b.len, &h, &why);
	tap_is_int(ret, MO_ERR_TOOBIG, "limit: refused also when more was read");
	/* A long request line without end. */
	mo_buf_reset(&b);
	mo_buf_addstr(&b, "GET /");
	while (b.len < MO_CB_MAX_HEAD)
		mo_buf_addc(&b, 'a');
	tap_is_int(mo_cb_head_parse(b.data, b.len, &h, &why), MO_ERR_TOOBIG,
		   "limit: endless request line refused");
	mo_buf_free(&b);
}

static void
query_case(const char *q, const char *name, int want, const char *value,
	   const char *what)
{
	char *v = NULL;
	int ret = mo_query_get(q, strlen(q), name, &v);

	tap_is_int(ret, want, "query: %s", what);
	if (want == MO_OK && ret == MO_OK)
		tap_is_str(v, value, "query: %s: value", what);
	else
		tap_ok(v == NULL, "query: %s: no value", what);
	mo_free_secret(v);
}

static void
test_query(void)
{
	query_case("code=abc&state=xyz", "state", MO_OK, "xyz", "simple");
	query_case("code=abc&state=xyz", "code", MO_OK, "abc", "first");
	query_case("a=1&error_description=AADSTS65001%3A+The+user%20or%2Fadmin",
		   "error_description", MO_OK, "AADSTS65001: The user or/admin",
		   "percent and plus decoding");
	query_case("a=%C3%A9", "a", MO_OK, "\xc3\xa9", "UTF-8 bytes");
	query_case("st%61te=x", "state", MO_OK, "x", "encoded name");
	query_case("state=", "state", MO_OK, "", "empty value");
	query_case("state", "state", MO_OK, "", "name without '='");
	query_case("&&state=x&&", "state", MO_OK, "x", "empty pairs skipped");
	query_case("code=a", "state", MO_ERR_NOENT, NULL, "absent");
	query_case("", "state", MO_ERR_NOENT, NULL, "empty query");
	query_case("statex=1", "state", MO_ERR_NOENT, NULL, "prefix is not a match");
	query_case("state=a&state=b", "state", MO_ERR_PARSE, NULL, "repeated");
	query_case("state=a&st%61te=b", "state", MO_ERR_PARSE, NULL, "repeated, encoded");
	query_case("state=%4", "state", MO_ERR_PARSE, NULL, "truncated escape");
	query_case("state=%", "state", MO_ERR_PARSE, NULL, "lone percent");
	query_case("state=%zz", "state", MO_ERR_PARSE, NULL, "non-hex escape");
	query_case("state=a%00b", "state", MO_ERR_PARSE, NULL, "encoded NUL");
	query_case("x=%zz&state=a", "state", MO_OK, "a", "bad value of another name ignored");
}

static void
eval_case(const char *req, enum mo_cb_kind kind, int status, const char *what)
{
	struct mo_cb_head h;
	struct mo_cb_result r;
	const char *why;

	if (mo_cb_head_parse(req, strlen(req), &h, &why) != MO_OK) {
		tap_ok(0, "evaluate: %s: head parses", what);
		return;
	}
	tap_is_int(mo_cb_evaluate(&h, "/", STATE, &r), MO_OK, "evaluate: %s: runs", what);
	tap_is_int(r.kind, kind, "evaluate: %s: kind", what);
	tap_is_int(r.status, status, "evaluate: %s: status", what);
	if (kind == MO_CB_CODE)
		tap_is_str(r.code, "M.C1_BAY.2.U.cd-9~x", "evaluate: %s: code", what);
	if (kind != MO_CB_CODE && kind != MO_CB_ERROR)
		tap_ok(r.why != NULL && r.code == NULL && r.error == NULL,
		       "evaluate: %s: why, nothing kept", what);
	mo_cb_result_clear(&r);
}

static void
test_evaluate(void)
{
	struct mo_cb_head h;
	struct mo_cb_result r;
	const char *why;
	const char *err_req = "GET /?error=access_denied&error_description=AADSTS65004%3A+"
			      "User+declined%0D%0ATrace+ID%3A+1&state=" STATE " HTTP/1.1\r\n\r\n";

	eval_case("GET /?code=M.C1_BAY.2.U.cd-9~x&state=" STATE "&session_state=1 HTTP/1.1\r\n\r\n",
		  MO_CB_CODE, 200, "the redirect");
	eval_case("GET /?state=" STATE "&code=M.C1_BAY.2.U.cd-9~x HTTP/1.1\r\n\r\n",
		  MO_CB_CODE, 200, "any order");
	eval_case("GET /?code=M.C1_BAY.2.U.cd-9~x&state=wrong HTTP/1.1\r\n\r\n",
		  MO_CB_BAD_STATE, 400, "wrong state");
	eval_case("GET /?code=M.C1_BAY.2.U.cd-9~x&state=" STATE "x HTTP/1.1\r\n\r\n",
		  MO_CB_BAD_STATE, 400, "longer state");
	eval_case("GET /?code=M.C1_BAY.2.U.cd-9~x HTTP/1.1\r\n\r\n",
		  MO_CB_BAD_STATE, 400, "missing state");
	eval_case("GET /?error=access_denied HTTP/1.1\r\n\r\n",
		  MO_CB_BAD_STATE, 400, "error without state");
	eval_case("GET /?code=a&state=" STATE "&state=" STATE " HTTP/1.1\r\n\r\n",
		  MO_CB_BAD, 400, "repeated state");
	eval_case("GET /favicon.ico HTTP/1.1\r\n\r\n", MO_CB_NOT_FOUND, 404, "favicon");
	eval_case("GET /x?code=a&state=" STATE " HTTP/1.1\r\n\r\n", MO_CB_NOT_FOUND, 404,
		  "redirect to another path");
	eval_case("POST /?code=a&state=" STATE " HTTP/1.1\r\n\r\n", MO_CB_BAD_METHOD, 405,
		  "POST");
	eval_case("HEAD / HTTP/1.1\r\n\r\n", MO_CB_BAD_METHOD, 405, "HEAD");
	eval_case("GET / HTTP/1.1\r\n\r\n", MO_CB_BAD, 400, "no query");
	eval_case("GET /?foo=bar HTTP/1.1\r\n\r\n", MO_CB_BAD, 400, "no code, no error");
	eval_case("GET /?code=a%0Ab&state=" STATE " HTTP/1.1\r\n\r\n", MO_CB_BAD, 400,
		  "code with a line feed");
	eval_case("GET /?code=&state=" STATE " HTTP/1.1\r\n\r\n", MO_CB_BAD, 400, "empty code");
	eval_case("GET /?code=a&state=%zz HTTP/1.1\r\n\r\n", MO_CB_BAD, 400, "bad escape");

	mo_cb_head_parse(err_req, strlen(err_req), &h, &why);
	mo_cb_evaluate(&h, "/", STATE, &r);
	tap_is_int(r.kind, MO_CB_ERROR, "error redirect: ends the flow");
	tap_is_str(r.error, "access_denied", "error redirect: error");
	tap_is_str(r.error_description, "AADSTS65004: User declined\r\nTrace ID: 1",
		   "error redirect: description decoded");
	mo_oneline_inplace(r.error_description, 1000);
	tap_is_str(r.error_description, "AADSTS65004: User declined Trace ID: 1",
		   "sanitize: the line break becomes one space");
	mo_cb_result_clear(&r);
}

static const struct {
	const char *granted, *want;
	bool ok;
	const char *what;
} scopes[] = {
	{ "https://outlook.office.com/POP.AccessAsUser.All offline_access openid",
	  "https://outlook.office.com/POP.AccessAsUser.All", true, "exact" },
	{ "https://outlook.office.com/pop.accessasuser.all",
	  "https://outlook.office.com/POP.AccessAsUser.All", true, "case-insensitive" },
	{ "POP.AccessAsUser.All IMAP.AccessAsUser.All profile openid email",
	  "https://outlook.office.com/IMAP.AccessAsUser.All", true, "short form" },
	{ "https://outlook.office365.com/SMTP.Send",
	  "https://outlook.office.com/SMTP.Send", true, "other Exchange host name" },
	{ "https%3A%2F%2Foutlook.office.com%2FIMAP.AccessAsUser.All%20offline_access",
	  "https://outlook.office.com/IMAP.AccessAsUser.All", true, "URL-encoded" },
	{ "https%3A%2F%2Foutlook.office.com%2FIMAP.AccessAsUser.All+offline_access",
	  "https://outlook.office.com/IMAP.AccessAsUser.All", true, "URL-encoded with +" },
	{ "https://mail.google.com", "https://mail.google.com/", true, "trailing slash" },
	{ "https://outlook.office.com/IMAP.AccessAsUser.All offline_access",
	  "https://outlook.office.com/POP.AccessAsUser.All", false, "missing" },
	{ "https://outlook.office.com/POP.AccessAsUser.AllX",
	  "https://outlook.office.com/POP.AccessAsUser.All", false, "longer name" },
	{ "https://graph.microsoft.com/IMAP.AccessAsUser.All",
	  "https://outlook.office.com/IMAP.AccessAsUser.All", false, "Graph is not Exchange" },
	{ "", "https://outlook.office.com/SMTP.Send", false, "nothing granted" },
	{ "https://www.googleapis.com/auth/gmail.readonly", "https://mail.google.com/", false,
	  "other Google scope" },
};

static void
test_scopes(void)
{
	size_t i;

	for (i = 0; i < sizeof(scopes) / sizeof(scopes[0]); i++)
		tap_ok(mo_scope_granted(scopes[i].granted, scopes[i].want) == scopes[i].ok,
		       "scope: %s", scopes[i].what);
	tap_ok(!mo_scope_granted(NULL, "x"), "scope: NULL granted");
}

static void
test_identity(void)
{
	tap_is_int(mo_identity_match("User@Contoso.example", "user@contoso.example", NULL),
		   MO_ID_USER, "identity: same user, other case");
	tap_is_int(mo_identity_match("boss@contoso.example", "shared@contoso.example",
				     "Boss@contoso.example"),
		   MO_ID_DELEGATE, "identity: delegate named by login_hint");
	tap_is_int(mo_identity_match("eve@contoso.example", "shared@contoso.example",
				     "boss@contoso.example"),
		   MO_ID_OTHER, "identity: somebody else");
	tap_is_int(mo_identity_match("eve@contoso.example", "user@contoso.example",
				     "user@contoso.example"),
		   MO_ID_OTHER, "identity: login_hint defaulting to user explains nothing");
	tap_is_int(mo_identity_match(NULL, "user@contoso.example", NULL), MO_ID_UNKNOWN,
		   "identity: unknown");
}

static void
test_consent(void)
{
	long c65001[] = { 65001 }, c70000[] = { 70000 };

	tap_ok(mo_is_consent_error("invalid_grant", NULL, NULL, c65001, 1),
	       "consent: AADSTS65001 code");
	tap_ok(mo_is_consent_error("access_denied", NULL, "AADSTS90094: Admin consent", NULL, 0),
	       "consent: AADSTS90094 description");
	tap_ok(mo_is_consent_error("consent_required", NULL, NULL, NULL, 0),
	       "consent: consent_required");
	tap_ok(mo_is_consent_error("interaction_required", "consent_required", NULL, NULL, 0),
	       "consent: suberror");
	tap_ok(!mo_is_consent_error("invalid_grant", NULL, "AADSTS70000: no", c70000, 1),
	       "consent: other error");
	tap_ok(!mo_is_consent_error(NULL, NULL, NULL, NULL, 0), "consent: nothing");
}

static void
test_page(void)
{
	struct mo_buf b;
	const char *body;

	mo_buf_init(&b, 65536);
	tap_is_int(mo_loopback_page(&b, 400, "Bad <request>", "a & b \"c\""), MO_OK, "page: built");
	tap_ok(strncmp(mo_buf_str(&b), "HTTP/1.1 400 Bad Request\r\n", 26) == 0,
	       "page: status line");
	body = strstr(mo_buf_str(&b), "\r\n\r\n");
	tap_ok(body != NULL && strstr(mo_buf_str(&b), "Connection: close\r\n") != NULL,
	       "page: closes the connection");
	if (body != NULL) {
		char cl[64];

		snprintf(cl, sizeof(cl), "Content-Length: %zu\r\n", strlen(body + 4));
		tap_ok(strstr(mo_buf_str(&b), cl) != NULL, "page: Content-Length is right");
	}
	tap_ok(strstr(mo_buf_str(&b), "Bad &lt;request&gt;") != NULL &&
	       strstr(mo_buf_str(&b), "a &amp; b &quot;c&quot;") != NULL, "page: HTML-escaped");
	tap_ok(strstr(mo_buf_str(&b), "<request>") == NULL, "page: nothing unescaped");
	mo_buf_free(&b);
}

/* The child plays the browser: sends req, returns the status of the answer. */
static int
browse(unsigned int port, const char *req)
{
	struct sockaddr_in sin;
	char buf[8192];
	ssize_t n;
	size_t got = 0;
	int fd, status = -1;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0)
		goto out;
	if (send(fd, req, strlen(req), 0) != (ssize_t)strlen(req))
		goto out;
	while ((n = recv(fd, buf + got, sizeof(buf) - 1 - got, 0)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	if (strncmp(buf, "HTTP/1.1 ", 9) == 0)
		status = (int)strtol(buf + 9, NULL, 10);
	if (status == 200 && strstr(buf, "Signed in") == NULL)
		status = -2;
out:
	if (fd >= 0)
		close(fd);
	return status;
}

static void
test_listener(void)
{
	struct mo_loopback *lb = NULL;
	struct mo_cb_result r;
	char *error = NULL;
	volatile sig_atomic_t cancel = 0;
	unsigned int port;
	int ret, status, pipefd[2];
	pid_t pid;

	ret = mo_loopback_open(0, &lb, &error);
	tap_is_int(ret, MO_OK, "listener: open on an ephemeral port");
	if (ret != MO_OK) {
		tap_diag("%s", error ? error : "");
		free(error);
		return;
	}
	port = mo_loopback_port(lb);
	tap_ok(port > 0, "listener: has a port");
	if (pipe(pipefd) != 0)
		return;
	pid = fork();
	if (pid == 0) {
		char req[512], res[4];
		int idle;

		close(pipefd[0]);
		/* An idle connection (a browser's spare one) must not block. */
		idle = socket(AF_INET, SOCK_STREAM, 0);
		{
			struct sockaddr_in sin;

			memset(&sin, 0, sizeof(sin));
			sin.sin_family = AF_INET;
			sin.sin_port = htons((uint16_t)port);
			sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
			(void)connect(idle, (struct sockaddr *)&sin, sizeof(sin));
		}
		res[0] = (char)(browse(port, "GET /favicon.ico HTTP/1.1\r\n\r\n") == 404);
		snprintf(req, sizeof(req), "GET /?code=c1&state=wrong HTTP/1.1\r\n\r\n");
		res[1] = (char)(browse(port, req) == 400);
		res[2] = (char)(browse(port, "GARBAGE\r\n\r\n") == 400);
		snprintf(req, sizeof(req), "GET /?code=c2&state=%s HTTP/1.1\r\n\r\n", STATE);
		res[3] = (char)(browse(port, req) == 200);
		if (write(pipefd[1], res, 4) != 4)
			_exit(1);
		close(idle);
		_exit(0);
	}
	close(pipefd[1]);
	ret = mo_loopback_wait(lb, STATE, 20, &cancel, &r, &error);
	tap_is_int(ret, MO_OK, "listener: the redirect arrived");
	tap_is_int(r.kind, MO_CB_CODE, "listener: with a code");
	tap_is_str(r.code, "c2", "listener: the right request's code");
	mo_loopback_reply(lb, true, NULL);
	{
		char res[4] = { 0 };

		tap_ok(read(pipefd[0], res, 4) == 4, "listener: the browser got its answers");
		tap_ok(res[0], "listener: favicon got 404");
		tap_ok(res[1], "listener: wrong state got 400");
		tap_ok(res[2], "listener: garbage got 400");
		tap_ok(res[3], "listener: the redirect got the success page");
	}
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	mo_cb_result_clear(&r);
	free(error);
	error = NULL;

	ret = mo_loopback_wait(lb, STATE, 1, &cancel, &r, &error);
	tap_is_int(ret, MO_ERR_TIMEOUT, "listener: times out");
	tap_ok(error != NULL && strstr(error, "1 seconds") != NULL, "listener: says so");
	free(error);
	error = NULL;
	cancel = 1;
	ret = mo_loopback_wait(lb, STATE, 10, &cancel, &r, &error);
	tap_is_int(ret, MO_ERR_CANCELLED, "listener: cancelled");
	free(error);
	mo_loopback_close(lb);
}

int
main(void)
{
	test_heads();
	test_head_limits();
	test_query();
	test_evaluate();
	test_scopes();
	test_identity();
	test_consent();
	test_page();
	test_listener();
	return tap_done();
}
