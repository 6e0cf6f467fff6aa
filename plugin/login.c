/* SPDX-License-Identifier: MIT */
/* Accounts, trust, tokens and refusals around a login (login.h). */
#include "autoconfig.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "b64.h"
#include "errors.h"
#include "hosts.h"
#include "login.h"
#include "saslmsg.h"
#include "secret.h"
#include "tls.h"
#include "tokenget.h"
#include "tokenreject.h"
#include "upstream.h"
#include "validate.h"

static int
add_ca(SSL_CTX *ctx, const char *file, struct mo_fail *f)
{
	char *err = NULL;
	int rc;

	if (file == NULL)
		return MO_OK;
	rc = mo_tls_add_ca(ctx, file, &err);
	if (rc != MO_OK)
		mo_fail_set(f, rc, "%s", err != NULL ? err : mo_strerror(rc));
	free(err);
	return rc;
}

/* a has a ca_file and host is one of a's hosts. */
static bool
vouches(const struct mo_account *a, enum mo_proto proto, const char *host)
{
	return a->ca_file != NULL && host != NULL &&
	       mo_account_host_allowed(a, (int)proto, host, NULL) == MO_OK;
}

int
mo_login_tls_context(const struct mo_config *cfg, const struct mo_account *acct,
		     enum mo_proto proto, const char *host, SSL_CTX **ctx_r,
		     struct mo_fail *f)
{
	SSL_CTX *ctx = NULL;
	char *err = NULL;
	size_t i;
	int rc;

	*ctx_r = NULL;
	rc = mo_tls_context(NULL, &ctx, &err);
	if (rc != MO_OK) {
		mo_fail_set(f, rc, "%s", err != NULL ? err : mo_strerror(rc));
		goto out;
	}
	/* An account's ca_file vouches for its own hosts only (the rule of
	 * mo_account_host_allowed()); any other host gets the system store. */
	if (acct != NULL) {
		if (vouches(acct, proto, host) && (rc = add_ca(ctx, acct->ca_file, f)) != MO_OK)
			goto out;
	} else {
		for (i = 0; cfg != NULL && i < cfg->n_accounts; i++)
			if (vouches(&cfg->accounts[i], proto, host) &&
			    (rc = add_ca(ctx, cfg->accounts[i].ca_file, f)) != MO_OK)
				goto out;
	}
	rc = MO_OK;
out:
	free(err);
	if (rc == MO_OK) {
		*ctx_r = ctx;
		ctx = NULL;
	}
	SSL_CTX_free(ctx);
	return rc;
}

int
mo_login_find_account(const struct mo_config *cfg, const struct mo_account *forced,
		      const char *login, const struct mo_account **acct_r,
		      struct mo_fail *f)
{
	const char *why = NULL;
	char *err = NULL;
	int rc;

	*acct_r = NULL;
	if (mo_valid_user(login, &why) != MO_OK) {
		mo_fail_set(f, MO_ERR_INVAL, "the login name is not usable: %s", why);
		return MO_ERR_INVAL;
	}
	if (forced != NULL) {
		if (strcasecmp(login, forced->user) != 0 && strcmp(login, forced->name) != 0) {
			mo_fail_set(f, MO_ERR_NOENT,
				    "the client logs in as '%s', but --account %s is for %s; "
				    "set the user name in the client to %s",
				    login, forced->name, forced->user, forced->user);
			return MO_ERR_NOENT;
		}
		*acct_r = forced;
		return MO_OK;
	}
	rc = mo_config_find_user(cfg, login, acct_r, &err);
	if (rc == MO_ERR_NOENT) {
		*acct_r = mo_config_account(cfg, login);
		rc = *acct_r != NULL ? MO_OK : MO_ERR_NOENT;
	}
	if (rc == MO_ERR_NOENT)
		mo_fail_set(f, rc, "no account in %s has user = %s; add one (or pass "
			    "--account NAME to mailoauth connect)", cfg->path, login);
	else if (rc != MO_OK)
		mo_fail_set(f, rc, "%s", err != NULL ? err : mo_strerror(rc));
	free(err);
	return rc;
}

int
mo_login_xoauth2(const struct mo_config *cfg, const struct mo_account *acct,
		 enum mo_proto proto, const char *host, struct mo_buf *b64,
		 struct mo_fail *f)
{
	return mo_login_xoauth2_stamped(cfg, acct, MO_PROTO_COUNT, host, b64, NULL, f);
}

/* The token and the message, once the host is known to be allowed. */
static int
xoauth2_for(const struct mo_config *cfg, const struct mo_account *acct,
	    enum mo_proto proto, struct mo_buf *b64, int64_t *stamp_r,
	    struct mo_fail *f);

int
mo_login_xoauth2_stamped(const struct mo_config *cfg, const struct mo_account *acct,
			 enum mo_proto proto, const char *host, struct mo_buf *b64,
			 int64_t *stamp_r, struct mo_fail *f)
{
	char *err = NULL;
	int rc;

	if (stamp_r != NULL)
		*stamp_r = 0;
	rc = mo_account_host_allowed(acct, (int)proto, host, &err);
	if (rc != MO_OK) {
		mo_fail_set(f, rc, "%s", err != NULL ? err : mo_strerror(rc));
		free(err);
		return rc;
	}
	return xoauth2_for(cfg, acct, proto, b64, stamp_r, f);
}

static int
xoauth2_for(const struct mo_config *cfg, const struct mo_account *acct,
	    enum mo_proto proto, struct mo_buf *b64, int64_t *stamp_r,
	    struct mo_fail *f)
{
	struct mo_buf raw;
	char *token = NULL, *err = NULL;
	const char *why = NULL;
	int rc;

	mo_buf_init(&raw, MO_SASLMSG_MAX);
	rc = mo_token_obtain(cfg->path, acct, &token, &err);
	if (rc != MO_OK) {
		const char *detail = err != NULL && err[0] != '\0' ? err : mo_strerror(rc);

		/* The helper's own prefix would be doubled in ours. */
		if (strncmp(detail, "mailoauth: ", 11) == 0)
			detail += 11;

		switch (rc) {
		case MO_ERR_REAUTH:
			mo_fail_set(f, rc, "the sign-in of account %s is no longer valid (%s); "
				    "run `mailoauth authorize %s`", acct->name, detail, acct->name);
			break;
		case MO_ERR_TEMP:
		case MO_ERR_TIMEOUT:
			mo_fail_set(f, MO_ERR_TEMP, "cannot get an access token for account %s "
				    "right now (%s); try again later", acct->name, detail);
			break;
		default:
			mo_fail_set(f, rc, "cannot get an access token for account %s: %s",
				    acct->name, detail);
			break;
		}
		goto out;
	}
	if (stamp_r != NULL)
		*stamp_r = mo_token_stamp_load(acct, token, proto < MO_PROTO_COUNT ?
					       mo_account_scope_for(acct, proto) : NULL);
	rc = mo_xoauth2_build(&raw, acct->user, token, &why);
	if (rc == MO_OK)
		rc = mo_base64_encode(b64, raw.data, raw.len);
	if (rc != MO_OK)
		mo_fail_set(f, rc, "cannot build the XOAUTH2 message for account %s: %s",
			    acct->name, why != NULL ? why : mo_strerror(rc));
out:
	mo_free_secret(token);
	free(err);
	mo_buf_free(&raw);
	return rc;
}

int
mo_login_renew(const struct mo_config *cfg, const struct mo_account *acct,
	       enum mo_proto proto, int64_t *stamp, struct mo_buf *b64,
	       struct mo_fail *f)
{
	char *err = NULL;
	int rc;

	if (*stamp == 0)
		return MO_ERR_AUTH;	/* not a token we believed valid */
	rc = mo_token_reject(cfg->path, acct, *stamp, &err);
	*stamp = 0;
	if (rc != MO_OK) {
		mo_log(1, "account %s: cannot mark the refused token: %s", acct->name,
		       err != NULL ? err : mo_strerror(rc));
		free(err);
		return MO_ERR_AUTH;	/* keep the server's refusal in f */
	}
	mo_log(1, "account %s: the server refused a token that had not expired; "
	       "refreshing it once", acct->name);
	mo_buf_reset(b64);
	/* The same connection, whose host was allowed for the first token. */
	rc = xoauth2_for(cfg, acct, proto, b64, NULL, f);
	return rc;
}

int
mo_login_challenge(const char *b64, struct mo_challenge *ch)
{
	struct mo_buf json;
	const char *why;
	int rc;

	memset(ch, 0, sizeof(*ch));
	mo_buf_init(&json, MO_CHALLENGE_MAX);
	rc = mo_base64_decode(&json, b64, strlen(b64));
	if (rc == MO_OK)
		rc = mo_challenge_parse(json.data, json.len, ch, &why);
	mo_buf_free(&json);
	return rc;
}

void
mo_login_refused(struct mo_fail *f, const struct mo_account *acct,
		 enum mo_proto proto, const char *host, const char *server_line,
		 const struct mo_challenge *ch)
{
	char said[400] = "", chs[200] = "";
	const char *scope = mo_account_scope_for(acct, proto);

	if (server_line != NULL && server_line[0] != '\0')
		mo_oneline(said, sizeof(said), server_line, strlen(server_line));
	if (ch != NULL && ch->status != NULL)
		mo_challenge_describe(ch, chs, sizeof(chs));
	mo_fail_set(f, MO_ERR_AUTH,
		    "%s refused the OAuth2 token of account %s for %s%s%s%s%s%s%s. "
		    "Check that the token carries %s, that %s access is enabled for "
		    "the mailbox and that the signed-in user may open it; "
		    "`mailoauth check %s` tests each step",
		    host, acct->name, acct->user,
		    said[0] ? " (server said: " : "", said, said[0] ? ")" : "",
		    chs[0] ? " (challenge: " : "", chs, chs[0] ? ")" : "",
		    scope != NULL ? scope : "the mail scope", mo_proto_label(proto),
		    acct->name);
}
