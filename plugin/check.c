/* SPDX-License-Identifier: MIT */
/* `mailoauth check`: prove that a mailbox can be used (check.h). */
#include "autoconfig.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "errors.h"
#include "login.h"
#include "secret.h"
#include "smtpadvice.h"
#include "store.h"
#include "upstream.h"
#include "validate.h"

/* ------------------------------------------------------------------ */

struct run {
	const struct mo_config *cfg;
	const struct mo_account *acct;
	struct mo_target t;
	struct mo_fail f;
	bool scope_missing;
	const char *scope;	/* the protocol's scope */
	char identity[256];	/* who signed in, from the store */
	const char *failed;	/* the step that failed, for the result line */
	int64_t stamp;		/* the token's expiry stamp (tokenreject.h) */
	bool login_refused;	/* the server refused the token at login */
	bool recovered;		/* ... and the refreshed one was accepted */
};

static void
step(const char *status, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
step(const char *status, const char *name, const char *fmt, ...)
{
	va_list ap;

	printf("  %-6s %-8s ", status, name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static void
step_fail(const char *name, const struct mo_fail *f)
{
	step("FAIL", name, "%s", f->msg);
}

/* The token step: also reads the granted scope from the store. */
static int
check_token(struct run *r, struct mo_buf *b64)
{
	struct mo_token tok = { 0 };
	char *err = NULL;
	int rc;

	rc = mo_login_xoauth2_stamped(r->cfg, r->acct, r->t.proto, r->t.host, b64, &r->stamp, &r->f);
	if (rc != MO_OK) {
		step_fail("token", &r->f);
		r->failed = "no token";
		return rc;
	}
	if (mo_store_load(r->acct->state_dir, r->acct->name, &tok, &err) == MO_OK) {
		char until[64] = "";

		if (tok.identity != NULL)
			mo_oneline(r->identity, sizeof(r->identity), tok.identity,
				   strlen(tok.identity));
		if (tok.expires_at > 0) {
			time_t e = (time_t)tok.expires_at;
			struct tm tm;

			if (gmtime_r(&e, &tm) != NULL)
				strftime(until, sizeof(until), ", valid until %Y-%m-%d %H:%M UTC", &tm);
		}
		step("ok", "token", "access token for %s%s%s%s%s", r->acct->user,
		     r->identity[0] ? " (signed in as " : "", r->identity,
		     r->identity[0] ? ")" : "", until);
		if (r->scope == NULL) {
			step("?", "scope", "the provider names no scope for %s",
			     mo_proto_label(r->t.proto));
		} else if (tok.scope == NULL || tok.scope[0] == '\0') {
			step("?", "scope", "the token store does not record the granted scope; "
			     "the server will tell");
		} else if (mo_scope_granted(tok.scope, r->scope)) {
			step("ok", "scope", "%s granted", r->scope);
		} else {
			char granted[400];

			mo_oneline(granted, sizeof(granted), tok.scope, strlen(tok.scope));
			r->scope_missing = true;
			step("FAIL", "scope", "the token lacks %s (granted: %s); add it to "
			     "scopes in account %s and run `mailoauth authorize %s`",
			     r->scope, granted, r->acct->name, r->acct->name);
		}
	} else {
		step("ok", "token", "access token for %s", r->acct->user);
	}
	mo_token_clear(&tok);
	free(err);
	return MO_OK;
}

static void
explain_mailbox(const struct run *r, const struct mo_upstream_ops *ops)
{
	printf("\nThe server accepted the token but the %s mailbox is not usable "
	       "(Office 365: \"User is authenticated but not connected\").  Likely causes:\n",
	       ops->label);
	if (r->scope_missing)
		printf("  - the token lacks %s (see the scope step above);\n", r->scope);
	printf("  - the signed-in user%s%s%s is not %s and has no FullAccess permission on it "
	       "(a shared mailbox needs the delegate's FullAccess);\n",
	       r->identity[0] ? " (" : "", r->identity, r->identity[0] ? ")" : "", r->acct->user);
	printf("  - %s;\n", ops->mailbox_off);
	if (ops->sends_mail)
		printf("  - the user may not send as %s (Send As permission);\n", r->acct->user);
	printf("  - the mailbox does not exist or was just created (wait for it to be provisioned).\n");
}

/* The connect step: TCP, TLS, greeting, STARTTLS. */
static int
check_connect(struct run *r, struct mo_upstream *up, SSL_CTX *ctx)
{
	char desc[128];
	int rc;

	rc = mo_upstream_open(up, ctx, &r->f);
	if (rc != MO_OK) {
		step_fail("connect", &r->f);
		r->failed = "cannot connect";
		return rc;
	}
	step("ok", "connect", "%s:%u, %s, %s, certificate valid for %s", r->t.host, r->t.port,
	     mo_tls_mode_name(r->t.tls), mo_tls_describe(up->c, desc, sizeof(desc)), r->t.host);
	return MO_OK;
}

/* The login step: AUTH XOAUTH2 with the token. */
static int
check_login(struct run *r, struct mo_upstream *up, const char *b64)
{
	struct mo_buf reply;
	const char *words;
	char said[300];
	int rc;

	mo_buf_init(&reply, 256 * 1024);
	rc = up->ops->authenticate(up, r->acct, b64, &reply, &r->f);
	if (rc != MO_OK) {
		step_fail("login", &r->f);
		r->failed = rc == MO_ERR_AUTH ? "login refused" : "login failed";
		r->login_refused = rc == MO_ERR_AUTH;
		if (rc == MO_ERR_AUTH && r->scope_missing)
			printf("\nThe token lacks %s, the scope %s needs: that is the likely "
			       "cause.\n", r->scope, up->ops->label);
		goto out;
	}
	words = up->ops->reply_words(mo_buf_str(&reply));
	mo_oneline(said, sizeof(said), words, strlen(words));
	step("ok", "login", "AUTH XOAUTH2 accepted%s%s", said[0] ? ": " : "", said);
out:
	mo_buf_free(&reply);
	return rc;
}

/* The mailbox step: the login alone does not prove the mailbox works. */
static int
check_mailbox(struct run *r, struct mo_upstream *up)
{
	char desc[700];
	int rc;

	rc = up->ops->probe_mailbox(up, r->acct, desc, sizeof(desc), &r->f);
	if (rc == MO_OK) {
		step("ok", "mailbox", "%s", desc);
		return MO_OK;
	}
	step_fail("mailbox", &r->f);
	r->failed = "mailbox refused";
	/* Refused, or dropped right after a good login: both are how
	 * Office 365 says "authenticated but not connected" -- unless the
	 * reply names its own cause (smtpadvice.h, explained at the end). */
	if (rc == MO_ERR_AUTH || rc == MO_ERR_PROTO || rc == MO_ERR_TEMP) {
		if (r->t.proto != MO_PROTO_SMTP || mo_smtp_advice(r->f.msg) == NULL)
			explain_mailbox(r, up->ops);
		rc = MO_ERR_AUTH;
	}
	return rc;
}

/* Connect, login and mailbox steps for one protocol. */
static int
check_server(struct run *r, SSL_CTX *ctx, const char *b64)
{
	struct mo_upstream up;
	struct mo_conn *c;
	int rc;

	c = malloc(sizeof(*c));
	if (c == NULL) {
		mo_fail_set(&r->f, MO_ERR_NOMEM, "out of memory");
		return MO_ERR_NOMEM;
	}
	mo_conn_init(c, -1, -1, "the server", MO_UPSTREAM_TIMEOUT_MS);
	mo_upstream_init(&up, c, &r->t);
	if ((rc = check_connect(r, &up, ctx)) == MO_OK &&
	    (rc = check_login(r, &up, b64)) == MO_OK)
		rc = check_mailbox(r, &up);
	if (c->rfd >= 0) {
		up.ops->logout(&up);
		mo_conn_close(c, true, true);
	}
	mo_upstream_free(&up);
	free(c);
	return rc;
}

/*
 * The login was refused with a token that had not expired: say so, mark it
 * (mo_login_renew: every other user of the store refreshes too), refresh
 * once and log in once more.  A refusal of the new token is the server's
 * last word.
 */
static int
check_refused_valid(struct run *r, SSL_CTX *ctx, struct mo_buf *b64)
{
	char until[64] = "";
	time_t e = (time_t)r->stamp;
	struct tm tm;
	int rc;

	if (gmtime_r(&e, &tm) != NULL)
		strftime(until, sizeof(until), " (valid until %Y-%m-%d %H:%M UTC)", &tm);
	step("!", "token", "the server refused a token the identity platform still "
	     "considers valid%s: it was revoked early (password change, \"revoke "
	     "sessions\") or this token store is a copy used elsewhere; marking it "
	     "refused and refreshing it once", until);
	rc = mo_login_renew(r->cfg, r->acct, r->t.proto, &r->stamp, b64, &r->f);
	if (rc == MO_ERR_AUTH) {
		step("FAIL", "token", "the refused token could not be marked; run "
		     "`mailoauth refresh %s` and check again", r->acct->name);
		return MO_ERR_AUTH;
	}
	if (rc != MO_OK) {
		step_fail("token", &r->f);
		r->failed = "no new token";
		return rc;
	}
	step("ok", "token", "a new access token from the identity platform; "
	     "logging in once more");
	r->failed = NULL;
	r->login_refused = false;
	rc = check_server(r, ctx, b64->data);
	r->recovered = rc == MO_OK;
	if (rc == MO_ERR_AUTH && r->login_refused)
		printf("\nThe new token was refused too: the server refuses this account's "
		       "tokens whatever their age; see the login step above.\n");
	return rc;
}

/* s with USER and ACCOUNT replaced by the account's user and name. */
static void
print_subst(const char *s, const struct mo_account *acct)
{
	while (*s != '\0') {
		if (strncmp(s, "USER", 4) == 0) {
			fputs(acct->user, stdout);
			s += 4;
		} else if (strncmp(s, "ACCOUNT", 7) == 0) {
			fputs(acct->name, stdout);
			s += 7;
		} else {
			putchar(*s++);
		}
	}
}

/* An Office 365 SMTP refusal with a known cause: say it and the fix. */
static void
explain_smtp(const struct run *r, const struct mo_smtp_advice *adv)
{
	printf("\nSMTP %s: ", adv->code);
	print_subst(adv->cause, r->acct);
	printf(".\nWhat to do: ");
	print_subst(adv->fix, r->acct);
	printf(".\n");
}

static int
check_one(const struct mo_config *cfg, const struct mo_account *acct,
	  const struct mo_target *t, struct mo_check_report *rep, bool *signin_needed)
{
	const struct mo_smtp_advice *adv;
	struct run *r;
	struct mo_buf b64;
	SSL_CTX *ctx = NULL;
	int rc;

	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return MO_ERR_NOMEM;
	r->cfg = cfg;
	r->acct = acct;
	r->t = *t;
	r->scope = mo_account_scope_for(acct, t->proto);
	mo_buf_init(&b64, MO_XOAUTH2_B64_MAX);
	printf("Checking account %s: %s at %s:%u (%s)\n", acct->name, mo_proto_label(t->proto),
	       t->host, t->port, t->tls_guessed ? "implicit TLS, else STARTTLS"
						: mo_tls_mode_name(t->tls));
	if (!acct->wants[t->proto])
		step("?", "config", "the account's scopes do not name %s: add %s to scopes",
		     mo_proto_label(t->proto), r->scope != NULL ? r->scope : "its scope");
	if ((rc = check_token(r, &b64)) != MO_OK) {
		/* The account's sign-in, not this server: every protocol
		 * would fail the same way. */
		*signin_needed = rc == MO_ERR_REAUTH;
		goto out;
	}
	if ((rc = mo_login_tls_context(cfg, acct, t->proto, t->host, &ctx, &r->f)) != MO_OK) {
		step_fail("connect", &r->f);
		r->failed = "TLS set-up failed";
		goto out;
	}
	rc = check_server(r, ctx, b64.data);
	adv = t->proto == MO_PROTO_SMTP && rc != MO_OK ? mo_smtp_advice(r->f.msg) : NULL;
	/* No refresh for a refusal that no token can overcome. */
	if (rc == MO_ERR_AUTH && r->login_refused && r->stamp != 0 &&
	    (adv == NULL || adv->token_fault))
		rc = check_refused_valid(r, ctx, &b64);
	adv = t->proto == MO_PROTO_SMTP && rc != MO_OK ? mo_smtp_advice(r->f.msg) : NULL;
	if (adv != NULL)
		explain_smtp(r, adv);
out:
	if (rc == MO_OK)
		printf("Result: the %s mailbox of %s works%s.\n\n", mo_proto_label(t->proto),
		       acct->user, r->scope_missing ? " (although the recorded scope is missing)" : "");
	else
		printf("Result: the %s mailbox of %s is NOT usable (%s).\n\n",
		       mo_proto_label(t->proto), acct->user,
		       r->failed != NULL ? r->failed : mo_strerror(rc));
	fflush(stdout);
	if (rep != NULL && rep->n < MO_PROTO_COUNT) {
		struct mo_check_item *it = &rep->item[rep->n++];

		it->proto = t->proto;
		it->rc = rc;
		it->recovered = r->recovered;
		snprintf(it->failed, sizeof(it->failed), "%s",
			 r->failed != NULL ? r->failed : rc != MO_OK ? mo_strerror(rc) : "");
		snprintf(it->msg, sizeof(it->msg), "%s", rc != MO_OK ? r->f.msg : "");
	}
	SSL_CTX_free(ctx);
	mo_buf_free(&b64);
	free(r);
	return rc;
}

/* Exit-code severity: the most telling failure wins. */
static int
worse(int a, int b)
{
	return a != MO_OK ? a : b;
}

int
mo_check_run(const struct mo_config *cfg, const struct mo_check_opts *o)
{
	const struct mo_account *acct = mo_config_account(cfg, o->account);
	struct mo_target t;
	char host[300], skipped[64] = "";
	bool signin_needed = false;
	size_t len = 0;
	int p, rc = MO_OK, n = 0;

	if (acct == NULL) {
		fprintf(stderr, "mailoauth: no account '%s' in %s; the accounts are the "
			"[account NAME] sections\n", o->account, cfg->path);
		return MO_EXIT_CONFIG;
	}
	memset(&t, 0, sizeof(t));
	if (o->server != NULL) {
		const char *why;

		if (mo_split_hostport(o->server, host, sizeof(host), &t.port) != MO_OK ||
		    mo_valid_host(host, &why) != MO_OK) {
			fprintf(stderr, "mailoauth: --server needs HOST:PORT, not '%s'\n", o->server);
			return MO_EXIT_USAGE;
		}
		t.host = host;
		p = o->proto >= 0 ? o->proto : mo_proto_for_port(t.port);
		if (p < 0) {
			fprintf(stderr, "mailoauth: port %u is not a standard mail port; say which "
				"protocol with --protocol pop3|imap|smtp\n", t.port);
			return MO_EXIT_USAGE;
		}
		t.proto = (enum mo_proto)p;
		t.tls = o->tls != MO_TLS_DEFAULT ? o->tls : mo_tls_mode_for_port(t.port);
		t.tls_guessed = o->tls == MO_TLS_DEFAULT && !mo_tls_port_known(t.port);
		return mo_exit_code(check_one(cfg, acct, &t, o->report, &signin_needed));
	}
	for (p = 0; p < MO_PROTO_COUNT; p++) {
		if (o->proto >= 0 ? p != o->proto : !acct->wants[p])
			continue;
		if (signin_needed) {
			/* Their token needs the same sign-in: no second try of a
			 * grant that has just failed, no copy of its failure. */
			len += (size_t)snprintf(skipped + len, sizeof(skipped) - len, "%s%s",
						len > 0 ? ", " : "", mo_proto_label(p));
			continue;
		}
		t.proto = (enum mo_proto)p;
		t.host = acct->server[p].host;
		t.port = acct->server[p].port;
		if (t.host == NULL || t.port == 0) {
			fprintf(stderr, "mailoauth: account %s has no %s server; set %s = HOST:PORT "
				"in its section or pass --server\n", acct->name, mo_proto_label(p),
				mo_proto_name(p));
			rc = worse(rc, MO_ERR_CONFIG);
			continue;
		}
		/* --tls, else the key's URL scheme, else the port. */
		t.tls = o->tls != MO_TLS_DEFAULT ? o->tls : acct->server[p].tls;
		t.tls_guessed = t.tls == MO_TLS_DEFAULT && !mo_tls_port_known(t.port);
		if (t.tls == MO_TLS_DEFAULT)
			t.tls = mo_tls_mode_for_port(t.port);
		rc = worse(rc, check_one(cfg, acct, &t, o->report, &signin_needed));
		n++;
	}
	if (len > 0) {
		printf("Not checked (the same sign-in is needed first): %s; run `mailoauth "
		       "authorize %s`.\n", skipped, acct->name);
		fflush(stdout);
	}
	if (n == 0 && rc == MO_OK) {
		fprintf(stderr, "mailoauth: account %s names no mail protocol in its scopes; "
			"pass --protocol pop3|imap|smtp\n", acct->name);
		return MO_EXIT_CONFIG;
	}
	return mo_exit_code(rc);
}
