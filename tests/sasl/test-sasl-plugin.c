/* SPDX-License-Identifier: MIT */
/*
 * libmailoauth.so through the real libsasl2: the plugin is loaded from the
 * build tree (SASL_CB_GETPATH -> $top_builddir/sasl/.libs) and driven the way
 * applications drive it -- Postfix (callbacks only, prompt_need NULL,
 * noplaintext/noanonymous), mbsync (prompts, the final NULL step), imtest
 * (initial response) and pop3test (two-step) -- with a fake server that
 * feeds challenges to sasl_client_step().
 *
 * The configuration, the token store and a fake `mailoauth` helper
 * (MAILOAUTH_HELPER) live in a temporary directory.
 */
#include "autoconfig.h"

#include <dlfcn.h>
#include <errno.h>
#include <libgen.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sasl/sasl.h>
#include <sasl/saslplug.h>	/* sasl_callback_ft */

#include "clock.h"
#include "errors.h"
#include "store.h"
#include "fixture.h"
#include "sasl-test.h"
#include "tap.h"

#define USER "user@contoso.example"
#define FRESH "EwFreshToken.abc-123_XYZ~"
#define XO(u, t) "user=" u "\x01" "auth=Bearer " t "\x01\x01"

/* sasl_callback_t.proc is int (*)(void); the detour through void (*)(void)
 * tells the compiler the cast is deliberate. */
#define CB(f) ((sasl_callback_ft)(void (*)(void))(f))

static char tmpdir[256];
static char plugin_path[2048];
static char cfg_path[512];
static char helper_log[512];
static char last_log[2048];
static bool initialised;

/* ------------------------------------------------------------------ */
/* Global callbacks: where the plugins are, and what libsasl logs.     */

static int
cb_getpath(void *context, const char **path)
{
	*path = plugin_path;
	return SASL_OK;
}

static int
cb_log(void *context, int level, const char *message)
{
	if (level <= SASL_LOG_FAIL && message != NULL)
		snprintf(last_log, sizeof(last_log), "%s", message);
	return SASL_OK;
}

static const sasl_callback_t global_cbs[] = {
	{ SASL_CB_GETPATH, CB(&cb_getpath), NULL },
	{ SASL_CB_LOG, CB(&cb_log), NULL },
	{ SASL_CB_LIST_END, NULL, NULL },
};

/* (Re)loads the plugins from path: sasl_client_plug_init reads the
 * configuration again. */
static int
sasl_reinit(const char *path)
{
	if (initialised)
		sasl_client_done();
	initialised = false;
	snprintf(plugin_path, sizeof(plugin_path), "%s", path);
	if (sasl_client_init(global_cbs) != SASL_OK)
		return -1;
	initialised = true;
	return 0;
}

/* ------------------------------------------------------------------ */
/* A pretend application.                                              */

struct app {
	const char *authname;	/* NULL: not registered */
	const char *user;	/* authzid; NULL: not registered */
	const char *pass;	/* NULL: not registered */
	bool interact;		/* register the ids with NULL procs (prompts) */
	bool no_prompts;	/* pass prompt_need == NULL (Postfix) */
	unsigned secflags;	/* SASL_SEC_* asked for */
	sasl_ssf_t ssf;		/* SASL_SSF_EXTERNAL (a TLS layer); 0: none */
	const char *host;	/* serverFQDN */
	const char *remote;	/* "IP;PORT" */
	/* filled in */
	sasl_callback_t cbs[5];
	sasl_secret_t *secret;
	unsigned long prompted[4];
	int n_prompted;
};

static int
cb_simple(void *context, int id, const char **result, unsigned *len)
{
	struct app *a = context;
	const char *v = id == SASL_CB_AUTHNAME ? a->authname : a->user;

	if (v == NULL)
		return SASL_FAIL;
	*result = v;
	if (len != NULL)
		*len = (unsigned)strlen(v);
	return SASL_OK;
}

static int
cb_pass(sasl_conn_t *conn, void *context, int id, sasl_secret_t **psecret)
{
	struct app *a = context;
	size_t n = strlen(a->pass);

	free(a->secret);
	a->secret = malloc(sizeof(sasl_secret_t) + n);
	if (a->secret == NULL)
		return SASL_NOMEM;
	a->secret->len = n;
	memcpy(a->secret->data, a->pass, n + 1);
	*psecret = a->secret;
	return SASL_OK;
}

static sasl_conn_t *
app_conn(struct app *a)
{
	sasl_security_properties_t props;
	sasl_conn_t *conn = NULL;
	int n = 0;

	if (a->authname != NULL || a->interact)
		a->cbs[n++] = (sasl_callback_t){ SASL_CB_AUTHNAME,
			a->interact ? NULL : CB(&cb_simple), a };
	if (a->user != NULL || a->interact)
		a->cbs[n++] = (sasl_callback_t){ SASL_CB_USER,
			a->interact ? NULL : CB(&cb_simple), a };
	if (a->pass != NULL || a->interact)
		a->cbs[n++] = (sasl_callback_t){ SASL_CB_PASS,
			a->interact ? NULL : CB(&cb_pass), a };
	a->cbs[n] = (sasl_callback_t){ SASL_CB_LIST_END, NULL, NULL };
	if (sasl_client_new("imap", a->host != NULL ? a->host : "imap.example.com",
			    NULL, a->remote, a->cbs, 0, &conn) != SASL_OK)
		return NULL;
	memset(&props, 0, sizeof(props));
	props.security_flags = a->secflags;
	props.maxbufsize = 0;
	if (sasl_setprop(conn, SASL_SEC_PROPS, &props) != SASL_OK ||
	    (a->ssf != 0 && sasl_setprop(conn, SASL_SSF_EXTERNAL, &a->ssf) != SASL_OK)) {
		sasl_dispose(&conn);
		return NULL;
	}
	return conn;
}

static void
app_free(struct app *a)
{
	free(a->secret);
	a->secret = NULL;
}

/* Answers our plugin's prompts the way mbsync does. */
static void
answer(struct app *a, sasl_interact_t *p)
{
	for (; p->id != SASL_CB_LIST_END; p++) {
		const char *v = p->id == SASL_CB_AUTHNAME ? a->authname :
				p->id == SASL_CB_USER ? a->user : a->pass;

		if (a->n_prompted < 4)
			a->prompted[a->n_prompted++] = p->id;
		p->result = v != NULL ? v : "";
		p->len = v != NULL ? (unsigned)strlen(v) : 0;
	}
}

static int
app_start(sasl_conn_t *conn, struct app *a, const char *mechs, bool ir,
	  const char **out, unsigned *outlen, const char **mech)
{
	sasl_interact_t *prompts = NULL;
	int rc;

	*out = NULL;
	*outlen = 0;
	for (;;) {
		rc = sasl_client_start(conn, mechs,
				       a->no_prompts ? NULL : &prompts,
				       ir ? out : NULL, ir ? outlen : NULL, mech);
		if (rc != SASL_INTERACT || prompts == NULL)
			return rc;
		answer(a, prompts);
	}
}

static int
app_step(sasl_conn_t *conn, struct app *a, const char *in, unsigned inlen,
	 const char **out, unsigned *outlen)
{
	sasl_interact_t *prompts = NULL;
	int rc;

	for (;;) {
		rc = sasl_client_step(conn, in, inlen,
				      a->no_prompts ? NULL : &prompts, out, outlen);
		if (rc != SASL_INTERACT || prompts == NULL)
			return rc;
		answer(a, prompts);
	}
}

static const char *
detail(sasl_conn_t *conn)
{
	const char *d = sasl_errdetail(conn);

	return d != NULL ? d : "";
}

static bool
contains(const char *hay, const char *needle)
{
	return hay != NULL && strstr(hay, needle) != NULL;
}

/* One complete login with initial response: returns the first client
 * message in msg (and the SASL result of the exchange). */
struct result {
	int start_rc, final_rc;
	const char *mech;
	char msg[8192];
	unsigned msglen;
	char err[2048];
};

static void
login(struct app *a, const char *mechs, bool ir, struct result *r)
{
	sasl_conn_t *conn;
	const char *out = NULL;
	unsigned outlen = 0;

	memset(r, 0, sizeof(*r));
	r->final_rc = SASL_FAIL;
	conn = app_conn(a);
	if (conn == NULL) {
		snprintf(r->err, sizeof(r->err), "sasl_client_new failed");
		return;
	}
	r->start_rc = app_start(conn, a, mechs, ir, &out, &outlen, &r->mech);
	if (r->start_rc == SASL_CONTINUE && !ir) {
		/* Two-step: the server's empty challenge. */
		r->start_rc = app_step(conn, a, "", 0, &out, &outlen);
	}
	if (r->start_rc == SASL_CONTINUE && out != NULL && outlen < sizeof(r->msg)) {
		memcpy(r->msg, out, outlen);
		r->msglen = outlen;
		/* The server says OK: the step mbsync makes afterwards. */
		r->final_rc = app_step(conn, a, NULL, 0, &out, &outlen);
		if (r->final_rc == SASL_OK && outlen != 0)
			r->final_rc = SASL_BADPROT;
	}
	snprintf(r->err, sizeof(r->err), "%s", detail(conn));
	sasl_dispose(&conn);
}

/* ------------------------------------------------------------------ */
/* Fixtures.                                                           */

static int
setup(void)
{
	char path[512], state[512], linked[512], target[512], text[4096];
	static const char account_fmt[] =
		"[account %s]\n"
		"provider = microsoft\n"
		"tenant = contoso.example\n"
		"client_id = 00000000-0000-0000-0000-00000000a001\n"
		"user = %s\n"
		"imap = imap.example.com\n"
		"state_dir = %s\n\n";
	size_t n = 0;

	if (fx_tmpdir(tmpdir, sizeof(tmpdir), "mo-sasl-test", 0700) != 0)
		return -1;
	snprintf(state, sizeof(state), "%s/state", tmpdir);
#define ACCOUNT(name, user, dir) \
	n += (size_t)snprintf(text + n, sizeof(text) - n, account_fmt, name, user, dir)
	ACCOUNT("work", USER, state);
	ACCOUNT("stale", "stale@contoso.example", state);
	ACCOUNT("none", "none@contoso.example", state);
	ACCOUNT("dup1", "dup@contoso.example", state);
	ACCOUNT("dup2", "DUP@contoso.example", state);
	snprintf(linked, sizeof(linked), "%s/linked", tmpdir);
	ACCOUNT("linked", "linked@contoso.example", linked);
	snprintf(path, sizeof(path), "%s/moved", tmpdir);
	ACCOUNT("moved", "moved@contoso.example", path);
#undef ACCOUNT
	snprintf(cfg_path, sizeof(cfg_path), "%s/config", tmpdir);
	if (fx_write_file(cfg_path, text, 0600) != 0)
		return -1;
	if (st_store(state, "work", FRESH, (int64_t)time(NULL) + 3600) != MO_OK ||
	    st_store(state, "stale", "EwStaleToken", (int64_t)time(NULL) - 60) != MO_OK ||
	    st_store(state, "dup1", "EwDup1", (int64_t)time(NULL) + 3600) != MO_OK ||
	    st_store(state, "dup2", "EwDup2", (int64_t)time(NULL) + 3600) != MO_OK ||
	    st_store(path, "moved", "EwMovedToken", (int64_t)time(NULL) + 3600) != MO_OK)
		return -1;
	/* A state directory that is a symbolic link to a good store. */
	snprintf(target, sizeof(target), "%s/linked-target", tmpdir);
	if (st_store(target, "linked", "EwLinkedToken", (int64_t)time(NULL) + 3600) != MO_OK ||
	    symlink(target, linked) != 0)
		return -1;

	/* Fake helpers: `mailoauth --config CFG token ACCOUNT`. */
	snprintf(helper_log, sizeof(helper_log), "%s/helper.log", tmpdir);
	snprintf(path, sizeof(path), "%s/helper-ok", tmpdir);
	snprintf(text, sizeof(text),
		 "#!/bin/sh\n"
		 "printf '%%s\\n' \"$*\" >> '%s'\n"
		 "echo \"EwFromHelper-$4\"\n", helper_log);
	if (fx_write_file(path, text, 0755) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/helper-revoked", tmpdir);
	if (fx_write_file(path,
		       "#!/bin/sh\n"
		       "echo \"mailoauth: account $4: the sign-in was revoked "
		       "(AADSTS70008: the refresh token has expired due to "
		       "inactivity); sign in again: mailoauth authorize $4\" >&2\n"
		       "exit 77\n", 0755) != 0)
		return -1;
	setenv("MAILOAUTH_CONFIG", cfg_path, 1);
	return 0;
}

static void
set_helper(const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	setenv("MAILOAUTH_HELPER", path, 1);
}

/* ------------------------------------------------------------------ */
/* Tests.                                                              */

/* Postfix over TLS (smtp_sasl_tls_security_options = noanonymous, or
 * an application that reports its TLS layer as an external SSF) and
 * without TLS (Postfix's default noplaintext, noanonymous). */
static void
test_postfix_callbacks(void)
{
	struct app a = { .authname = USER, .pass = "work", .no_prompts = true,
			 .secflags = SASL_SEC_NOANONYMOUS };
	struct app e = { .authname = USER, .pass = "work", .no_prompts = true,
			 .secflags = SASL_SEC_NOPLAINTEXT | SASL_SEC_NOANONYMOUS,
			 .ssf = 256 };
	struct app n = { .authname = USER, .pass = "work", .no_prompts = true,
			 .secflags = SASL_SEC_NOPLAINTEXT | SASL_SEC_NOANONYMOUS };
	struct result r;

	login(&a, "PLAIN LOGIN XOAUTH2", true, &r);
	tap_is_int(r.start_rc, SASL_CONTINUE,
		   "postfix over TLS (noanonymous): selectable; first step continues (%s)",
		   r.err);
	tap_is_str(r.mech, "XOAUTH2", "postfix: XOAUTH2 chosen (the only one loaded)");
	tap_is_mem(r.msg, r.msglen, XO(USER, FRESH), sizeof(XO(USER, FRESH)) - 1,
		   "postfix: password names the account: stored token sent");
	tap_is_int(r.final_rc, SASL_OK, "postfix: empty server reply ends in SASL_OK");
	login(&e, "XOAUTH2", true, &r);
	tap_is_mem(r.msg, r.msglen, XO(USER, FRESH), sizeof(XO(USER, FRESH)) - 1,
		   "noplaintext with an external SSF (TLS): the token is sent");
	login(&n, "PLAIN LOGIN XOAUTH2 OAUTHBEARER", true, &r);
	tap_is_int(r.start_rc, SASL_NOMECH,
		   "noplaintext without TLS: XOAUTH2 and OAUTHBEARER are not eligible, "
		   "no token crosses an unencrypted connection");
	tap_is_int(r.msglen, 0, "... and nothing is sent");
	app_free(&a);
	app_free(&e);
	app_free(&n);
}

static void
test_two_step(void)
{
	struct app a = { .authname = USER, .pass = "work" };
	struct result r;

	login(&a, "XOAUTH2", false, &r);
	tap_is_int(r.start_rc, SASL_CONTINUE, "two-step: empty challenge gets the response");
	tap_is_mem(r.msg, r.msglen, XO(USER, FRESH), sizeof(XO(USER, FRESH)) - 1,
		   "two-step: XOAUTH2 message");
	tap_is_int(r.final_rc, SASL_OK, "two-step: then SASL_OK");
	app_free(&a);
}

static void
test_ok_details(void)
{
	struct app a = { .authname = USER, .user = "shared@contoso.example",
			 .pass = "work" };
	sasl_conn_t *conn = app_conn(&a);
	const char *out = NULL, *mech = NULL;
	const void *v = NULL;
	unsigned outlen = 0;
	int rc;

	rc = app_start(conn, &a, "XOAUTH2", true, &out, &outlen, &mech);
	tap_is_int(rc, SASL_CONTINUE, "authzid: first step continues");
	tap_is_mem(out, outlen, XO("shared@contoso.example", FRESH),
		   sizeof(XO("shared@contoso.example", FRESH)) - 1,
		   "authzid: the mailbox goes into user=, the token is the delegate's");
	rc = app_step(conn, &a, NULL, 0, &out, &outlen);
	tap_is_int(rc, SASL_OK, "authzid: NULL step after the server's OK is SASL_OK");
	tap_is_int(outlen, 0, "authzid: and sends nothing more");
	sasl_getprop(conn, SASL_USERNAME, &v);
	tap_is_str(v, "shared@contoso.example", "canon_user: SASL_USERNAME is the mailbox");
	v = NULL;
	sasl_getprop(conn, SASL_AUTHUSER, &v);
	tap_is_str(v, USER, "canon_user: SASL_AUTHUSER is the authentication name");
	rc = app_step(conn, &a, NULL, 0, &out, &outlen);
	tap_ok(rc != SASL_OK && rc != SASL_CONTINUE, "no step after completion");
	sasl_dispose(&conn);
	app_free(&a);
}

static void
test_account_by_user(void)
{
	struct app a = { .authname = "User@Contoso.example", .no_prompts = true };
	struct result r;

	login(&a, "XOAUTH2", true, &r);
	tap_is_int(r.start_rc, SASL_CONTINUE,
		   "no password callback: account found by its user (%s)", r.err);
	tap_is_mem(r.msg, r.msglen, XO("User@Contoso.example", FRESH),
		   sizeof(XO("User@Contoso.example", FRESH)) - 1,
		   "no password callback: stored token sent");
	app_free(&a);
}

#define SHAPED "EwBRawTokenFromPassCmd/abcdefghij+0123456789=="

/* A password is never sent as a token: only for an account's user, and
 * only when it has the shape of one. */
static void
test_password_token(void)
{
	struct app stranger = { .authname = "someone@fabrikam.example",
				.pass = SHAPED, .no_prompts = true };
	struct app plainpw = { .authname = "someone@fabrikam.example",
			       .pass = "Summer2026!", .no_prompts = true };
	struct app shaped = { .authname = USER, .pass = SHAPED };
	struct app other = { .authname = USER, .pass = "Summer2026!" };
	struct result r;

	login(&stranger, "XOAUTH2", true, &r);
	tap_ok(r.start_rc != SASL_OK && r.start_rc != SASL_CONTINUE && r.msglen == 0,
	       "not an account's user, a token-shaped password: nothing sent (%d)",
	       r.start_rc);
	tap_ok(contains(r.err, "not the user of any account") &&
	       contains(r.err, "smtp_sasl_mechanism_filter") &&
	       contains(r.err, "AuthMechs") && contains(r.err, cfg_path),
	       "... the error names the fix (%s)", r.err);
	tap_ok(!contains(r.err, SHAPED), "... and not the password");
	login(&plainpw, "OAUTHBEARER", false, &r);
	tap_ok(r.start_rc != SASL_OK && r.start_rc != SASL_CONTINUE && r.msglen == 0,
	       "not an account's user, an ordinary password, OAUTHBEARER two-step: "
	       "nothing sent");
	tap_ok(!contains(r.err, "Summer2026!") && !contains(r.err, "Unable to find a callback"),
	       "... the error holds neither the password nor libsasl's callback message");

	login(&shaped, "XOAUTH2", true, &r);
	tap_is_mem(r.msg, r.msglen, XO(USER, SHAPED), sizeof(XO(USER, SHAPED)) - 1,
		   "the account's user with an access token as the password "
		   "(PassCmd \"mailoauth token work\"): that token is sent");
	tap_is_int(r.final_rc, SASL_OK, "... and the exchange completes");
	login(&other, "XOAUTH2", true, &r);
	tap_is_mem(r.msg, r.msglen, XO(USER, FRESH), sizeof(XO(USER, FRESH)) - 1,
		   "the account's user with a password that is no token: the "
		   "account's token is sent, never the password");
	app_free(&stranger);
	app_free(&plainpw);
	app_free(&shaped);
	app_free(&other);
}

static void
test_error_challenge(const char *mech, const char *challenge, const char *ack,
		     unsigned acklen, const char *want1, const char *want2)
{
	struct app a = { .authname = USER, .pass = "work" };
	sasl_conn_t *conn = app_conn(&a);
	const char *out = NULL, *chosen = NULL;
	unsigned outlen = 0;
	int rc;

	last_log[0] = '\0';
	rc = app_start(conn, &a, mech, true, &out, &outlen, &chosen);
	tap_is_int(rc, SASL_CONTINUE, "%s error: first step continues", mech);
	rc = app_step(conn, &a, challenge, (unsigned)strlen(challenge), &out, &outlen);
	tap_is_int(rc, SASL_CONTINUE, "%s error: challenge is acknowledged (continue)", mech);
	tap_is_mem(out, outlen, ack, acklen, "%s error: acknowledgement is %s", mech,
		   acklen == 0 ? "empty" : "a single 0x01");
	tap_ok(contains(detail(conn), want1) && contains(detail(conn), want2),
	       "%s error: errdetail has the server's status (%s)", mech, detail(conn));
	tap_ok(contains(last_log, want1), "%s error: and it is logged (%s)", mech, last_log);
	rc = app_step(conn, &a, "", 0, &out, &outlen);
	tap_ok(rc != SASL_OK && rc != SASL_CONTINUE,
	       "%s error: the exchange then fails (%d)", mech, rc);
	tap_ok(contains(detail(conn), want1), "%s error: still with the status", mech);
	sasl_dispose(&conn);
	app_free(&a);
}

/* An error challenge for a stored token that had not expired: the plugin
 * runs `mailoauth --config CFG reject ACCOUNT EXPIRES_AT` (the token named
 * by its expiry, never in argv) and says so; the token sent by the
 * application as the password is never marked. */
static void
test_refused_marks(void)
{
	struct app a = { .authname = USER, .pass = "work" };
	struct app t = { .authname = "nobody@contoso.example", .pass = FRESH };
	sasl_conn_t *conn;
	const char *out = NULL, *chosen = NULL;
	static const char ch[] = "{\"status\":\"401\",\"schemes\":\"bearer\",\"scope\":\"mail\"}";
	char text[1024] = "", want[1024], path[600];
	struct mo_token tok;
	char *error = NULL;
	unsigned outlen = 0;
	FILE *f;
	int rc;

	memset(&tok, 0, sizeof(tok));
	snprintf(path, sizeof(path), "%s/state", tmpdir);
	rc = mo_store_load(path, "work", &tok, &error);
	tap_ok(rc == MO_OK && tok.expires_at > 0, "refused: the stored token of work has an expiry");
	unlink(helper_log);
	set_helper("helper-ok");
	conn = app_conn(&a);
	rc = app_start(conn, &a, "XOAUTH2", true, &out, &outlen, &chosen);
	rc = app_step(conn, &a, ch, (unsigned)strlen(ch), &out, &outlen);
	tap_is_int(rc, SASL_CONTINUE, "refused: the challenge is acknowledged");
	tap_ok(contains(detail(conn), "marked it as refused: the next login gets a new one"),
	       "refused: errdetail says the token was marked (%s)", detail(conn));
	f = fopen(helper_log, "r");
	if (f != NULL) {
		if (fgets(text, sizeof(text), f) == NULL)
			text[0] = '\0';
		fclose(f);
	}
	snprintf(want, sizeof(want), "--config %s reject work %lld\n", cfg_path,
		 (long long)tok.expires_at);
	tap_is_str(text, want, "refused: the helper runs as --config CFG reject ACCOUNT EXPIRES_AT");
	sasl_dispose(&conn);

	set_helper("helper-revoked");
	conn = app_conn(&a);
	rc = app_start(conn, &a, "XOAUTH2", true, &out, &outlen, &chosen);
	rc = app_step(conn, &a, ch, (unsigned)strlen(ch), &out, &outlen);
	tap_ok(contains(detail(conn), "could not mark it as refused") &&
	       contains(detail(conn), "mailoauth refresh work"),
	       "refused, helper fails: errdetail says what to run (%s)", detail(conn));
	sasl_dispose(&conn);

	unlink(helper_log);
	set_helper("helper-ok");
	conn = app_conn(&t);
	rc = app_start(conn, &t, "XOAUTH2", true, &out, &outlen, &chosen);
	rc = app_step(conn, &t, ch, (unsigned)strlen(ch), &out, &outlen);
	tap_ok(access(helper_log, F_OK) != 0 && !contains(detail(conn), "marked"),
	       "refused token given as the password: nothing is marked");
	sasl_dispose(&conn);
	mo_token_clear(&tok);
	free(error);
	app_free(&a);
	app_free(&t);
}

static void
test_odd_server(void)
{
	struct app a = { .authname = USER, .pass = "work" };
	struct app p = { .interact = true, .authname = USER };
	sasl_conn_t *conn = app_conn(&a);
	sasl_interact_t *prompts = NULL;
	const char *out = NULL, *mech = NULL;
	unsigned outlen = 0;
	int rc;

	rc = app_start(conn, &a, "XOAUTH2", true, &out, &outlen, &mech);
	rc = app_step(conn, &a, "not json", 8, &out, &outlen);
	tap_ok(rc == SASL_CONTINUE && outlen == 0,
	       "a challenge that is not an error report is still acknowledged");
	tap_ok(contains(detail(conn), "not an error report"),
	       "... and reported (%s)", detail(conn));
	sasl_dispose(&conn);

	/* The application gives up while our prompts are outstanding. */
	conn = app_conn(&p);
	rc = sasl_client_start(conn, "XOAUTH2", &prompts, &out, &outlen, &mech);
	tap_ok(rc == SASL_INTERACT && prompts != NULL, "prompts returned");
	sasl_dispose(&conn);
	tap_ok(1, "dispose with prompts outstanding (leak check under ASan)");
	app_free(&a);
	app_free(&p);
}

static void
test_oauthbearer(void)
{
	static const char want[] = "n,a=" USER ",\x01host=imap.example.com\x01"
		"port=993\x01" "auth=Bearer " FRESH "\x01\x01";
	struct app a = { .authname = USER, .pass = "work",
			 .host = "imap.example.com", .remote = "127.0.0.1;993" };
	struct result r;

	login(&a, "OAUTHBEARER", true, &r);
	tap_is_str(r.mech, "OAUTHBEARER", "oauthbearer: chosen");
	tap_is_mem(r.msg, r.msglen, want, sizeof(want) - 1,
		   "oauthbearer: gs2 header, host=, port= and auth= (RFC 7628)");
	tap_is_int(r.final_rc, SASL_OK, "oauthbearer: completes");
	app_free(&a);
}

static void
test_prompts(void)
{
	struct app a = { .interact = true, .authname = USER, .user = "",
			 .pass = "never asked" };
	struct app b = { .interact = true, .authname = "someone@fabrikam.example",
			 .user = "", .pass = SHAPED };
	struct app c = { .interact = true, .no_prompts = true,
			 .authname = "someone@fabrikam.example" };
	struct result r;

	login(&a, "XOAUTH2", true, &r);
	tap_is_int(a.n_prompted, 2, "prompts: authentication and authorization names asked");
	tap_ok(a.prompted[0] == SASL_CB_AUTHNAME && a.prompted[1] == SASL_CB_USER,
	       "prompts: AUTHNAME then USER");
	tap_is_mem(r.msg, r.msglen, XO(USER, FRESH), sizeof(XO(USER, FRESH)) - 1,
		   "prompts: account by user, no password asked");
	tap_is_int(r.final_rc, SASL_OK, "prompts: completes");

	login(&b, "XOAUTH2", false, &r);
	tap_is_int(b.n_prompted, 3, "prompts: password asked when no account matches");
	tap_ok(b.prompted[2] == SASL_CB_PASS, "prompts: the third prompt is the password");
	tap_ok(r.msglen == 0 && contains(r.err, "not the user of any account"),
	       "prompts (two-step), not an account: the typed password is not sent (%s)",
	       r.err);

	login(&c, "XOAUTH2", true, &r);
	tap_ok(r.start_rc != SASL_OK && r.start_rc != SASL_CONTINUE &&
	       r.start_rc != SASL_INTERACT,
	       "prompt-only callbacks with prompt_need == NULL fail");
	tap_ok(contains(r.err, "cannot be asked"), "... saying why (%s)", r.err);
	app_free(&a);
	app_free(&b);
	app_free(&c);
}

static void
test_helper(void)
{
	struct app a = { .authname = "stale@contoso.example", .pass = "stale" };
	struct app n = { .authname = "none@contoso.example", .no_prompts = true };
	struct result r;
	char text[1024] = "", want[1024];
	FILE *f;

	unlink(helper_log);
	set_helper("helper-ok");
	login(&a, "XOAUTH2", true, &r);
	tap_is_mem(r.msg, r.msglen, XO("stale@contoso.example", "EwFromHelper-stale"),
		   sizeof(XO("stale@contoso.example", "EwFromHelper-stale")) - 1,
		   "stale token: the helper runs and its token is sent (%s)", r.err);
	f = fopen(helper_log, "r");
	if (f != NULL) {
		if (fgets(text, sizeof(text), f) == NULL)
			text[0] = '\0';
		fclose(f);
	}
	snprintf(want, sizeof(want), "--config %s token stale\n", cfg_path);
	tap_is_str(text, want, "stale token: helper argv is --config CFG token ACCOUNT");

	login(&n, "XOAUTH2", true, &r);
	tap_is_mem(r.msg, r.msglen, XO("none@contoso.example", "EwFromHelper-none"),
		   sizeof(XO("none@contoso.example", "EwFromHelper-none")) - 1,
		   "nothing stored: the helper runs too");

	set_helper("helper-revoked");
	login(&a, "XOAUTH2", true, &r);
	tap_ok(r.start_rc != SASL_OK && r.start_rc != SASL_CONTINUE,
	       "helper failure: the login fails (%d)", r.start_rc);
	tap_ok(contains(r.err, "AADSTS70008") && contains(r.err, "mailoauth authorize stale"),
	       "helper failure: its message reaches errdetail (%s)", r.err);

	setenv("MAILOAUTH_HELPER", "/nonexistent/bin/mailoauth", 1);
	login(&a, "XOAUTH2", true, &r);
	tap_ok(contains(r.err, "stale and the helper /nonexistent/bin/mailoauth cannot run "
			"here (chroot?)") && contains(r.err, "mailoauth refresh stale") &&
	       contains(r.err, "from a timer as "),
	       "helper missing: says the token is stale and the helper cannot run (%s)",
	       r.err);
	set_helper("helper-ok");
	app_free(&a);
	app_free(&n);
}

/* Tokens go only to the account's servers. */
/* A state directory that is a symbolic link: the helper refuses to write
 * through it, and the plugin sends nothing read through it. */
static void
test_linked_state_dir(void)
{
	struct app a = { .authname = "linked@contoso.example", .pass = "linked",
			 .no_prompts = true };
	struct result r;

	login(&a, "XOAUTH2", true, &r);
	tap_ok(r.msglen == 0 && !contains(r.msg, "EwLinkedToken"),
	       "a state_dir that is a symbolic link: its token is not sent (%d)", r.start_rc);
	tap_ok(contains(r.err, "symbolic link") && contains(r.err, "state_dir"),
	       "... the error says so and names state_dir (%s)", r.err);
	app_free(&a);
}

static void
test_hosts(void)
{
	struct app evil = { .authname = USER, .pass = "work", .host = "imap.example.org" };
	struct app shaped = { .authname = USER, .pass = SHAPED, .host = "imap.example.org" };
	struct app o365 = { .authname = USER, .pass = "work",
			    .host = "Outlook.Office365.com." };
	struct result r;

	login(&evil, "XOAUTH2", true, &r);
	tap_ok(r.start_rc != SASL_OK && r.start_rc != SASL_CONTINUE && r.msglen == 0,
	       "a server that is not the account's: nothing sent (%d)", r.start_rc);
	tap_ok(contains(r.err, "imap.example.org is not one of the account's servers") &&
	       contains(r.err, "`imap = imap.example.org` to [account work]"),
	       "... the error names the key to add (%s)", r.err);
	login(&shaped, "OAUTHBEARER", false, &r);
	tap_ok(r.msglen == 0 && contains(r.err, "not one of the account's servers"),
	       "... nor a token given as the password (two-step)");
	login(&o365, "XOAUTH2", true, &r);
	tap_is_mem(r.msg, r.msglen, XO(USER, FRESH), sizeof(XO(USER, FRESH)) - 1,
		   "the provider's own host (any case, final dot) is allowed");
	app_free(&evil);
	app_free(&shaped);
	app_free(&o365);
}

static void
test_duplicate_user(void)
{
	struct app a = { .authname = "dup@contoso.example", .no_prompts = true };
	struct app b = { .authname = "dup@contoso.example", .pass = "dup2" };
	struct result r;

	login(&a, "XOAUTH2", true, &r);
	tap_ok(r.start_rc != SASL_OK && r.start_rc != SASL_CONTINUE,
	       "two accounts with one user: fails");
	tap_ok(contains(r.err, "dup1") && contains(r.err, "dup2"),
	       "... naming both (%s)", r.err);
	login(&b, "XOAUTH2", true, &r);
	tap_is_mem(r.msg, r.msglen, XO("dup@contoso.example", "EwDup2"),
		   sizeof(XO("dup@contoso.example", "EwDup2")) - 1,
		   "two accounts with one user: the password chooses");
	app_free(&a);
	app_free(&b);
}

static void
test_no_names(void)
{
	struct app a = { .authname = "", .pass = "EwRawToken", .no_prompts = true };
	struct result r;

	login(&a, "XOAUTH2", true, &r);
	tap_ok(r.start_rc != SASL_OK && r.start_rc != SASL_CONTINUE,
	       "empty authentication name and no account: fails");
	tap_ok(contains(r.err, "not the user of any account") && r.msglen == 0,
	       "... saying so, nothing sent (%s)", r.err);
	app_free(&a);
}

/* Several threads, one connection each, one shared plugin. */
static void *
thread_main(void *arg)
{
	long *failures = arg;
	int i;

	for (i = 0; i < 200; i++) {
		struct app a = { .authname = USER, .pass = i % 2 ? "work" : FRESH,
				 .no_prompts = true };
		struct result r;

		login(&a, i % 3 ? "XOAUTH2" : "OAUTHBEARER", i % 2, &r);
		if (r.final_rc != SASL_OK || !contains(r.msg, "auth=Bearer " FRESH))
			(*failures)++;
		app_free(&a);
	}
	return NULL;
}

static void
test_threads(void)
{
	pthread_t t[4];
	long failures[4] = { 0 };
	int i, started = 0;

	for (i = 0; i < 4; i++)
		started += pthread_create(&t[i], NULL, thread_main, &failures[i]) == 0;
	for (i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	tap_is_int(started, 4, "threads: started");
	tap_is_int(failures[0] + failures[1] + failures[2] + failures[3], 0,
		   "threads: 800 concurrent logins all succeed");
}

/* KDE's libkdexoauth2.so registers XOAUTH2 too (token = password), with
 * the same security flags as ours (NOANONYMOUS|PASS_CREDENTIALS): which of
 * the two libsasl uses for XOAUTH2 is then a matter of load order, and
 * KDE's calls a SASL_CB_PASS callback as if it were a sasl_getsimple_t,
 * crashing this client.  OAUTHBEARER is ours alone, in either order. */
static void
test_kde(void)
{
	char path[2048], kde[600], kdedir[512], link[600], sysdir[512];
	struct app a = { .authname = USER, .pass = "work" };
	struct app p = { .authname = USER, .pass = "work", .no_prompts = true,
			 .secflags = SASL_SEC_NOPLAINTEXT | SASL_SEC_NOANONYMOUS };
	struct app t = { .authname = USER, .pass = "work", .no_prompts = true,
			 .secflags = SASL_SEC_NOANONYMOUS };
	struct result r;
	const char *ours;
	int order;

	/* A directory with KDE's plugin alone: the system directory may also
	 * hold an installed (older) libmailoauth.so. */
	st_system_plugindir(sysdir, sizeof(sysdir));
	snprintf(kde, sizeof(kde), "%s/libkdexoauth2.so", sysdir);
	snprintf(kdedir, sizeof(kdedir), "%s/kde-only", tmpdir);
	snprintf(link, sizeof(link), "%s/libkdexoauth2.so", kdedir);
	if (access(kde, R_OK) != 0 || mkdir(kdedir, 0755) != 0 ||
	    symlink(kde, link) != 0) {
		if (getenv("CI") != NULL && strcmp(getenv("CI"), "true") == 0)
			tap_ok(0, "libkdexoauth2.so is missing (%s): install "
			       "libsasl2-modules-kdexoauth2", kde);
		else
			tap_ok(1, "# SKIP libkdexoauth2.so not installed");
		return;
	}
	ours = getenv("MO_TEST_PLUGIN_DIR");
	for (order = 0; order < 2; order++) {
		static const char want[] = "n,a=" USER ",\x01host=imap.example.com\x01"
			"auth=Bearer " FRESH "\x01\x01";

		if (order == 0)
			snprintf(path, sizeof(path), "%s:%s", ours, kdedir);
		else
			snprintf(path, sizeof(path), "%s:%s", kdedir, ours);
		if (sasl_reinit(path) != 0) {
			tap_ok(0, "sasl_client_init with %s", path);
			return;
		}
		login(&a, "OAUTHBEARER", true, &r);
		tap_is_mem(r.msg, r.msglen, want, sizeof(want) - 1,
			   "with libkdexoauth2 (%s first): OAUTHBEARER is ours",
			   order == 0 ? "ours" : "KDE's");
		login(&t, "OAUTHBEARER", true, &r);
		tap_is_mem(r.msg, r.msglen, want, sizeof(want) - 1,
			   "with libkdexoauth2 (%s first), Postfix over TLS: ours",
			   order == 0 ? "ours" : "KDE's");
		login(&p, "XOAUTH2 OAUTHBEARER", true, &r);
		tap_is_int(r.start_rc, SASL_NOMECH,
			   "with libkdexoauth2 (%s first), noplaintext without TLS: "
			   "neither is eligible", order == 0 ? "ours" : "KDE's");
	}
	/* KDE's alone is not eligible under Postfix's defaults. */
	if (sasl_reinit(kdedir) == 0) {
		login(&p, "XOAUTH2", true, &r);
		tap_is_int(r.start_rc, SASL_NOMECH,
			   "libkdexoauth2 alone under noplaintext: no worthy mechanism");
	}
	sasl_reinit(ours);
	app_free(&a);
	app_free(&p);
	app_free(&t);
}

static void
test_broken_config(void)
{
	struct app a = { .authname = USER, .pass = "EwRawToken" };
	char path[512];
	struct result r;

	snprintf(path, sizeof(path), "%s/broken", tmpdir);
	if (fx_write_file(path, "[account x]\nprovider = microsoft\nbogus = 1\n", 0600) != 0) {
		tap_ok(0, "write %s", path);
		return;
	}
	setenv("MAILOAUTH_CONFIG", path, 1);
	sasl_reinit(getenv("MO_TEST_PLUGIN_DIR"));
	login(&a, "XOAUTH2", true, &r);
	tap_ok(r.start_rc != SASL_OK && r.start_rc != SASL_CONTINUE,
	       "broken configuration: the plugin still loads, the login fails");
	tap_ok(contains(r.err, path), "... naming the file (%s)", r.err);

	snprintf(path, sizeof(path), "%s/missing", tmpdir);
	setenv("MAILOAUTH_CONFIG", path, 1);
	sasl_reinit(getenv("MO_TEST_PLUGIN_DIR"));
	login(&a, "XOAUTH2", true, &r);
	tap_ok(r.start_rc == SASL_NOMECH && r.msglen == 0,
	       "no configuration file: the plugin offers no mechanism (%d)", r.start_rc);
	setenv("MAILOAUTH_CONFIG", cfg_path, 1);
	sasl_reinit(getenv("MO_TEST_PLUGIN_DIR"));
	app_free(&a);
}

static double
now_us(void)
{
	return (double)mo_now_ns() / 1e3;
}

/* --bench N: in-process cost of one complete XOAUTH2 exchange (new, start,
 * final step, dispose) with the token from the store (account named by the
 * password) and with the token as the password (the account's user). */
static int
bench(const char *dir, long n)
{
	struct app a = { .authname = USER, .pass = "work", .no_prompts = true };
	struct app b = { .authname = USER, .pass = SHAPED, .no_prompts = true };
	struct result r;
	double t0, store_us, pass_us;
	long i, bad = 0;

	if (sasl_reinit(dir) != 0)
		return 1;
	t0 = now_us();
	for (i = 0; i < n; i++) {
		login(&a, "XOAUTH2", true, &r);
		bad += r.final_rc != SASL_OK;
	}
	store_us = (now_us() - t0) / (double)n;
	t0 = now_us();
	for (i = 0; i < n; i++) {
		login(&b, "XOAUTH2", true, &r);
		bad += r.final_rc != SASL_OK;
	}
	pass_us = (now_us() - t0) / (double)n;
	printf("in-process XOAUTH2 exchange, %ld each: token from the store %.1f us, "
	       "token as password %.1f us, ratio %.2f, failures %ld\n",
	       n, store_us, pass_us, store_us / pass_us, bad);
	app_free(&a);
	app_free(&b);
	sasl_client_done();
	return bad != 0;
}

int
main(int argc, char **argv)
{
	const char *builddir = getenv("top_builddir");
	char dir[1024];

	snprintf(dir, sizeof(dir), "%s/sasl/.libs", builddir != NULL ? builddir : ".");
	setenv("MO_TEST_PLUGIN_DIR", dir, 1);
	if (access(dir, R_OK) != 0) {
		printf("1..0 # SKIP %s not built\n", dir);
		return 0;
	}
	if (setup() != 0) {
		tap_ok(0, "test fixtures in %s: %s", tmpdir, strerror(errno));
		fx_rmtree(tmpdir);
		return tap_done();
	}
	set_helper("helper-ok");
	if (argc == 3 && strcmp(argv[1], "--bench") == 0) {
		int ret = bench(dir, strtol(argv[2], NULL, 10));

		fx_rmtree(tmpdir);
		return ret;
	}
	tap_ok(sasl_reinit(dir) == 0, "sasl_client_init loads %s", dir);

	test_postfix_callbacks();
	test_two_step();
	test_ok_details();
	test_account_by_user();
	test_password_token();
	test_error_challenge("XOAUTH2",
			     "{\"status\":\"401\",\"schemes\":\"bearer\",\"scope\":\"mail\"}",
			     "", 0, "status 401", "scope mail");
	test_error_challenge("OAUTHBEARER", "{\"status\":\"invalid_token\"}",
			     "\x01", 1, "status invalid_token", "account work");
	test_refused_marks();
	test_oauthbearer();
	test_odd_server();
	test_prompts();
	test_helper();
	test_hosts();
	test_linked_state_dir();
	test_duplicate_user();
	test_no_names();
	test_threads();
	test_kde();
	test_broken_config();

	sasl_client_done();
	fx_rmtree(tmpdir);
	return tap_done();
}
