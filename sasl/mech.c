/* SPDX-License-Identifier: MIT */
/*
 * The client side of XOAUTH2 and OAUTHBEARER (RFC 7628) as a Cyrus SASL
 * mechanism: mech_new, mech_step, mech_dispose.
 *
 * The exchange, as libsasl and its applications drive it:
 *
 *   START  first step: from sasl_client_start() when the application passed
 *          clientout (initial response allowed: IMAP SASL-IR, SMTP), else
 *          from sasl_client_step() with the server's empty challenge (POP3,
 *          Office 365's two-step AUTH).  Gathers the names and the password
 *          (callbacks or prompts, SASL_INTERACT), calls canon_user for both
 *          ids, finds the token and sends
 *              XOAUTH2:      user=U ^A auth=Bearer T ^A ^A
 *              OAUTHBEARER:  n,a=U, ^A host=H ^A port=P ^A auth=Bearer T ^A ^A
 *          returning SASL_CONTINUE.  The exchange is not done yet: the server
 *          may still answer with an error challenge.
 *   SENT   an empty server message (or the NULL step mbsync makes after the
 *          server's OK) means success: SASL_OK, doneflag set, no output.
 *          A non-empty one is the error challenge (RFC 7628 §3.2.2, Google's
 *          XOAUTH2): its status and scope go into seterror, and we answer as
 *          the server waits for -- an empty response (XOAUTH2) or a single
 *          0x01 (OAUTHBEARER, §3.2.3) -- with SASL_CONTINUE.
 *   ACKED  the server fails the exchange; should the application step again
 *          anyway, the failure is returned (SASL_BADAUTH).
 *   DONE   nothing more (libsasl refuses steps after doneflag anyway).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "challenge.h"
#include "errors.h"
#include "hosts.h"
#include "plugin.h"
#include "saslmsg.h"
#include "secret.h"
#include "tokenreject.h"
#include "validate.h"

static bool
nonempty(const struct mo_sasl_value *v)
{
	return v->s != NULL && v->s[0] != '\0';
}

static void
out_clear(struct mo_sasl_ctx *ctx, const sasl_utils_t *utils)
{
	if (ctx->out == NULL)
		return;
	mo_wipe(ctx->out, ctx->out_len);
	utils->free(ctx->out);
	ctx->out = NULL;
	ctx->out_len = 0;
}

static int
mech_new(void *glob_context, sasl_client_params_t *params,
	 void **conn_context, enum mo_sasl_mech mech)
{
	const sasl_utils_t *utils = params->utils;
	struct mo_sasl_ctx *ctx;

	ctx = utils->malloc(sizeof(*ctx));
	if (ctx == NULL) {
		mo_sasl_error(utils, 0, "out of memory");
		return SASL_NOMEM;
	}
	memset(ctx, 0, sizeof(*ctx));
	ctx->glob = glob_context;
	ctx->mech = mech;
	ctx->state = MO_STATE_START;
	*conn_context = ctx;
	return SASL_OK;
}

int
mo_sasl_mech_new_xoauth2(void *glob_context, sasl_client_params_t *params,
			 void **conn_context)
{
	return mech_new(glob_context, params, conn_context, MO_SASL_XOAUTH2);
}

int
mo_sasl_mech_new_oauthbearer(void *glob_context, sasl_client_params_t *params,
			     void **conn_context)
{
	return mech_new(glob_context, params, conn_context, MO_SASL_OAUTHBEARER);
}

void
mo_sasl_mech_dispose(void *conn_context, const sasl_utils_t *utils)
{
	struct mo_sasl_ctx *ctx = conn_context;

	if (ctx == NULL)
		return;
	mo_sasl_value_clear(utils, &ctx->authid);
	mo_sasl_value_clear(utils, &ctx->authzid);
	mo_sasl_value_clear(utils, &ctx->password);
	out_clear(ctx, utils);
	mo_sasl_prompts_free(ctx, utils);
	if (ctx->failure != NULL)
		utils->free(ctx->failure);
	utils->free(ctx);
}

/*
 * The server's port for OAUTHBEARER "port=", from the connection's remote
 * address as the application gave it to sasl_client_new(): "IP;PORT"
 * (Cyrus style) or "IPv4:PORT".  0 when unknown (Postfix passes none).
 */
static unsigned int
remote_port(const sasl_client_params_t *params)
{
	const char *s = params->ipremoteport, *p;
	unsigned long port = 0;

	if (s == NULL)
		return 0;
	p = strrchr(s, ';');
	if (p == NULL) {
		p = strchr(s, ':');
		if (p == NULL || strchr(p + 1, ':') != NULL)
			return 0;	/* no port, or a bare IPv6 address */
	}
	for (p++; *p >= '0' && *p <= '9'; p++) {
		port = port * 10 + (unsigned long)(*p - '0');
		if (port > 65535)
			return 0;
	}
	return *p == '\0' ? (unsigned int)port : 0;
}

/* Builds the initial client response into ctx->out. */
static int
build(struct mo_sasl_ctx *ctx, const sasl_client_params_t *params,
      const char *user, const char *token)
{
	const sasl_utils_t *utils = params->utils;
	const char *why = NULL, *host = params->serverFQDN;
	struct mo_buf msg;
	int err, ret;

	mo_buf_init(&msg, MO_SASLMSG_MAX);
	if (ctx->mech == MO_SASL_XOAUTH2) {
		err = mo_xoauth2_build(&msg, user, token, &why);
	} else {
		if (host != NULL && mo_valid_host(host, NULL) != MO_OK)
			host = NULL;
		err = mo_oauthbearer_build(&msg, user, host, remote_port(params),
					   token, &why);
	}
	if (err != MO_OK) {
		mo_sasl_error(utils, 0, "cannot build the %s message: %s",
			      mo_sasl_mech_name(ctx->mech),
			      why != NULL ? why : mo_strerror(err));
		ret = err == MO_ERR_NOMEM ? SASL_NOMEM : SASL_BADPARAM;
		goto out;
	}
	ctx->out = utils->malloc(msg.len + 1);
	if (ctx->out == NULL) {
		mo_sasl_error(utils, 0, "out of memory");
		ret = SASL_NOMEM;
		goto out;
	}
	memcpy(ctx->out, msg.data, msg.len);
	ctx->out[msg.len] = '\0';
	ctx->out_len = msg.len;
	ret = SASL_OK;
out:
	mo_buf_free(&msg);
	return ret;
}

/* canon_user for both ids: libsasl refuses a SASL_OK without it ("mech did
 * not call canon_user for both authzid and authid"). */
static int
canon(const sasl_client_params_t *params, const char *authid,
      const char *mailbox, sasl_out_params_t *oparams)
{
	const sasl_utils_t *utils = params->utils;
	int ret;

	if (strcmp(authid, mailbox) == 0) {
		ret = params->canon_user(utils->conn, authid, 0,
					 SASL_CU_AUTHID | SASL_CU_AUTHZID, oparams);
	} else {
		ret = params->canon_user(utils->conn, authid, 0, SASL_CU_AUTHID,
					 oparams);
		if (ret == SASL_OK)
			ret = params->canon_user(utils->conn, mailbox, 0,
						 SASL_CU_AUTHZID, oparams);
	}
	if (ret != SASL_OK || oparams->user == NULL || oparams->user[0] == '\0') {
		mo_sasl_error(utils, 0, "the user name \"%s\" was refused by the "
			      "application's user-name canonicalisation", mailbox);
		return ret != SASL_OK ? ret : SASL_BADPARAM;
	}
	return SASL_OK;
}

/* The protocol of the connection, from the service name the application
 * gave sasl_client_new() ("imap", "pop", "smtp"); -1 when unknown. */
static int
service_proto(const char *service)
{
	if (service == NULL)
		return -1;
	if (strcasecmp(service, "pop") == 0 || strcasecmp(service, "pop3") == 0)
		return MO_PROTO_POP3;
	if (strcasecmp(service, "imap") == 0)
		return MO_PROTO_IMAP;
	if (strcasecmp(service, "smtp") == 0 || strcasecmp(service, "submission") == 0)
		return MO_PROTO_SMTP;
	return -1;
}

/* The token goes only to the account's servers (lib/hosts.c): checked
 * before the token is looked up. */
static int
check_host(const sasl_client_params_t *params, const struct mo_account *acct)
{
	char *error = NULL;
	int err;

	err = mo_account_host_allowed(acct, service_proto(params->service),
				      params->serverFQDN, &error);
	if (err == MO_OK)
		return SASL_OK;
	if (err == MO_ERR_NOMEM)
		mo_sasl_error(params->utils, 0, "out of memory");
	else
		mo_sasl_error(params->utils, 0, "%s", error != NULL ? error :
			      mo_strerror(err));
	free(error);
	return err == MO_ERR_NOMEM ? SASL_NOMEM : SASL_BADAUTH;
}

static int
step_start(struct mo_sasl_ctx *ctx, sasl_client_params_t *params,
	   sasl_interact_t **prompt_need, const char **clientout,
	   unsigned *clientoutlen, sasl_out_params_t *oparams)
{
	const sasl_utils_t *utils = params->utils;
	const struct mo_account *acct = NULL;
	const char *authid, *mailbox, *why = NULL;
	char *token = NULL;
	unsigned want = 0;
	bool by_name = false, password_token = false;
	int ret;

	if ((ret = mo_sasl_creds_take_prompts(ctx, utils, prompt_need)) != SASL_OK ||
	    (ret = mo_sasl_creds_get(ctx, utils, &want)) != SASL_OK)
		goto out;
	if (want != 0) {
		ret = mo_sasl_creds_prompt(ctx, utils, prompt_need, want);
		goto out;
	}
	ret = mo_sasl_find_account(ctx->glob, utils, ctx->password.s,
				   ctx->authid.s, &acct, &by_name);
	if (ret != SASL_OK)
		goto out;
	if (acct == NULL && ctx->password.deferred && !ctx->password.asked) {
		/* Only now do we know that the password is needed: it may
		 * name the account. */
		ret = mo_sasl_creds_prompt(ctx, utils, prompt_need, MO_WANT_PASS);
		goto out;
	}
	if (acct == NULL) {
		/* Not a mailoauth login: the password is somebody's password,
		 * never a token. */
		ret = mo_sasl_no_account(ctx->glob, utils, ctx->mech,
					 ctx->authid.s);
		goto out;
	}

	/* Who signs in, and which mailbox: the authorization name when given
	 * (a shared mailbox), else the authentication name, else the
	 * account's user. */
	authid = nonempty(&ctx->authid) ? ctx->authid.s : acct->user;
	mailbox = nonempty(&ctx->authzid) ? ctx->authzid.s : authid;
	if (authid == NULL || authid[0] == '\0') {
		mo_sasl_error(utils, 0, "no authentication name: the application "
			      "gave no user name (the e-mail address to sign in as)");
		ret = SASL_BADPARAM;
		goto out;
	}
	if (mo_valid_user(authid, &why) != MO_OK ||
	    mo_valid_user(mailbox, &why) != MO_OK) {
		mo_sasl_error(utils, 0, "the user name cannot be used: %s", why);
		ret = SASL_BADPARAM;
		goto out;
	}
	if ((ret = canon(params, authid, mailbox, oparams)) != SASL_OK)
		goto out;
	if ((ret = check_host(params, acct)) != SASL_OK)
		goto out;

	ret = mo_sasl_token(ctx->glob, utils, acct, by_name, ctx->password.s,
			    ctx->password.len, &token, &password_token);
	if (ret != SASL_OK)
		goto out;
	if ((ret = build(ctx, params, oparams->user, token)) != SASL_OK)
		goto out;
	ctx->acct = acct;
	ctx->password_token = password_token;
	ctx->stamp = acct != NULL && !password_token ?
		mo_sasl_token_stamp(ctx->glob, acct, params->service, token) : 0;
	ctx->state = MO_STATE_SENT;
	/* If the server fails us without an error challenge (Office 365 just
	 * says -ERR/NO/535), an application that shows sasl_errdetail() shows
	 * this, not libsasl's "Unable to find a callback: 32775" left over
	 * from canon_user. */
	if (!password_token)
		mo_sasl_error(utils, SASL_NOLOG, "the server did not accept the %s "
			      "token of account %s for %s",
			      mo_sasl_mech_name(ctx->mech), acct->name, oparams->user);
	else
		mo_sasl_error(utils, SASL_NOLOG, "the server did not accept the %s "
			      "access token given as the password for %s "
			      "(account %s)", mo_sasl_mech_name(ctx->mech),
			      oparams->user, acct->name);
	*clientout = ctx->out;
	*clientoutlen = (unsigned)ctx->out_len;
	ret = SASL_CONTINUE;
out:
	mo_free_secret(token);
	return ret;
}

/* What to do about an error status (RFC 6750 §3.1 codes for OAUTHBEARER,
 * HTTP-like ones for XOAUTH2); written into buf. */
static const char *
advice(const struct mo_challenge *ch, const struct mo_account *acct,
       char *buf, size_t n)
{
	const char *s = ch->status;

	if (strcmp(s, "401") == 0 || strcmp(s, "invalid_token") == 0) {
		if (acct != NULL)
			snprintf(buf, n, "the token is invalid, expired or revoked, "
				 "or was issued for another user: check the "
				 "account's user and run `mailoauth status %s`",
				 acct->name);
		else
			snprintf(buf, n, "the token is invalid, expired or revoked, "
				 "or was issued for another user");
	} else if (strcmp(s, "403") == 0 || strcmp(s, "insufficient_scope") == 0) {
		snprintf(buf, n, "the token lacks the permission (scope) this "
			 "server needs: add it to the account's scopes and sign "
			 "in again");
	} else if (strcmp(s, "400") == 0 || strcmp(s, "invalid_request") == 0) {
		snprintf(buf, n, "the server could not use the request");
	} else {
		snprintf(buf, n, "the server refused the login");
	}
	return buf;
}

/*
 * The server refused a token of ours that had not expired: mark it refused
 * in the store (`mailoauth reject`), so that the next login -- this
 * process's or anyone's -- refreshes it; this login still fails.  Once per
 * token: the stamp is spent.  What happened is appended to msg.
 */
static void
mark_refused(struct mo_sasl_ctx *ctx, char *msg, size_t n)
{
	const struct mo_account *acct = ctx->acct;
	size_t len = strlen(msg);
	char *error = NULL;
	int err;

	err = mo_token_reject(ctx->glob->cfg->path, acct, ctx->stamp, &error);
	ctx->stamp = 0;
	if (err == MO_OK)
		snprintf(msg + len, n - len, "; the token had not expired, so mailoauth "
			 "marked it as refused: the next login gets a new one");
	else
		snprintf(msg + len, n - len, "; the token had not expired, but mailoauth "
			 "could not mark it as refused (%s): run `mailoauth refresh %s` "
			 "so that the next login gets a new one",
			 error != NULL ? error : mo_strerror(err), acct->name);
	free(error);
}

static int
step_challenge(struct mo_sasl_ctx *ctx, const sasl_utils_t *utils,
	       const char *serverin, unsigned serverinlen,
	       const char **clientout, unsigned *clientoutlen,
	       const sasl_out_params_t *oparams)
{
	struct mo_challenge ch;
	const char *why = NULL;
	char desc[512], hint[256], msg[1000];
	int err;

	memset(&ch, 0, sizeof(ch));
	err = mo_challenge_parse(serverin, serverinlen, &ch, &why);
	if (err == MO_ERR_NOMEM) {
		mo_sasl_error(utils, 0, "out of memory");
		return SASL_NOMEM;
	}
	if (err == MO_OK)
		snprintf(msg, sizeof(msg), "the server refused the %s token for %s "
			 "(%s%s): %s; %s", mo_sasl_mech_name(ctx->mech),
			 oparams->user != NULL ? oparams->user : "?",
			 ctx->acct != NULL ? "account " : "the password",
			 ctx->acct != NULL ? ctx->acct->name : "",
			 mo_challenge_describe(&ch, desc, sizeof(desc)),
			 advice(&ch, ctx->acct, hint, sizeof(hint)));
	else
		snprintf(msg, sizeof(msg), "the server refused the %s login with a "
			 "challenge that is not an error report (%s)",
			 mo_sasl_mech_name(ctx->mech), why != NULL ? why : "?");
	mo_challenge_free(&ch);
	if (ctx->acct != NULL && ctx->stamp != 0)
		mark_refused(ctx, msg, sizeof(msg));

	if (ctx->failure != NULL)
		utils->free(ctx->failure);
	ctx->failure = mo_sasl_strndup(utils, msg, strlen(msg));
	mo_sasl_error(utils, 0, "%s", msg);

	/* The server waits for this before it fails the exchange. */
	ctx->state = MO_STATE_ACKED;
	if (ctx->mech == MO_SASL_OAUTHBEARER) {
		*clientout = MO_OAUTHBEARER_ERROR_ACK;
		*clientoutlen = 1;
	} else {
		*clientout = "";
		*clientoutlen = 0;
	}
	return SASL_CONTINUE;
}

int
mo_sasl_mech_step(void *conn_context, sasl_client_params_t *params,
		  const char *serverin, unsigned serverinlen,
		  sasl_interact_t **prompt_need, const char **clientout,
		  unsigned *clientoutlen, sasl_out_params_t *oparams)
{
	struct mo_sasl_ctx *ctx = conn_context;
	const sasl_utils_t *utils = params->utils;

	if (clientout == NULL || clientoutlen == NULL || oparams == NULL) {
		mo_sasl_error(utils, 0, "the application passed no output buffer");
		return SASL_BADPARAM;
	}
	*clientout = NULL;
	*clientoutlen = 0;
	out_clear(ctx, utils);

	switch (ctx->state) {
	case MO_STATE_START:
		/* Any server data before our first message is meaningless
		 * for these mechanisms: ignored. */
		return step_start(ctx, params, prompt_need, clientout,
				  clientoutlen, oparams);
	case MO_STATE_SENT:
		if (serverinlen == 0) {
			oparams->doneflag = 1;
			oparams->mech_ssf = 0;
			oparams->maxoutbuf = 0;
			oparams->encode_context = NULL;
			oparams->encode = NULL;
			oparams->decode_context = NULL;
			oparams->decode = NULL;
			oparams->param_version = 0;
			ctx->state = MO_STATE_DONE;
			return SASL_OK;
		}
		return step_challenge(ctx, utils, serverin, serverinlen,
				      clientout, clientoutlen, oparams);
	case MO_STATE_ACKED:
		mo_sasl_error(utils, 0, "%s", ctx->failure != NULL ? ctx->failure :
			      "the server refused the token");
		return SASL_BADAUTH;
	default:
		mo_sasl_error(utils, 0, "the %s exchange is already complete",
			      mo_sasl_mech_name(ctx->mech));
		return SASL_FAIL;
	}
}
