/* SPDX-License-Identifier: MIT */
/*
 * Credentials from the application: callbacks and SASL_INTERACT prompts.
 *
 * libsasl's utils->getcallback(conn, id, &proc, &context) answers
 *   SASL_OK        the application registered a function: call it;
 *   SASL_INTERACT  it registered the id with a NULL function: ask with a
 *                  prompt (sasl_interact_t array, returned as SASL_INTERACT
 *                  from the step; the application fills result/len and
 *                  calls the step again);
 *   SASL_FAIL      neither (for SASL_CB_AUTHNAME libsasl has a default that
 *                  returns $USER).  It also leaves "Unable to find a
 *                  callback: N" in the connection's error detail, which is
 *                  why every failure of ours sets its own message.
 *
 * Postfix registers functions for SASL_CB_AUTHNAME and SASL_CB_PASS (and
 * SASL_CB_USER only with smtp_cyrus_sasl_authzid) and passes prompt_need ==
 * NULL; mbsync registers all three with NULL functions and answers prompts;
 * cyrus imtest/pop3test register functions.
 *
 * The password is asked for lazily when only a prompt can give it: an
 * account whose user is the authentication name needs no password, and
 * mbsync would otherwise run its PassCmd (or ask the user) for nothing.
 */
#include <string.h>

#include "plugin.h"
#include "secret.h"

static const char prompt_authname[] = "Authentication name (e-mail address)";
static const char prompt_user[] = "Mailbox to open (empty: the same)";
static const char prompt_pass[] = "mailoauth account name or access token";

char *
mo_sasl_strndup(const sasl_utils_t *utils, const char *s, size_t len)
{
	char *d = utils->malloc(len + 1);

	if (d == NULL)
		return NULL;
	if (len > 0)
		memcpy(d, s, len);
	d[len] = '\0';
	return d;
}

void
mo_sasl_value_clear(const sasl_utils_t *utils, struct mo_sasl_value *v)
{
	if (v->s != NULL) {
		mo_wipe(v->s, v->len);
		utils->free(v->s);
	}
	memset(v, 0, sizeof(*v));
}

static int
value_set(const sasl_utils_t *utils, struct mo_sasl_value *v, const char *s,
	  size_t len)
{
	mo_sasl_value_clear(utils, v);
	v->asked = true;
	if (s == NULL)
		return SASL_OK;
	v->s = mo_sasl_strndup(utils, s, len);
	if (v->s == NULL) {
		mo_sasl_error(utils, 0, "out of memory");
		return SASL_NOMEM;
	}
	v->len = len;
	return SASL_OK;
}

/* SASL_CB_AUTHNAME / SASL_CB_USER: sasl_getsimple_t. */
static int
get_simple(const sasl_utils_t *utils, unsigned long id,
	   struct mo_sasl_value *v, unsigned bit, unsigned *want)
{
	sasl_getsimple_t *proc = NULL;
	void *context = NULL;
	const char *result = NULL;
	unsigned len = 0;
	int ret;

	if (v->asked)
		return SASL_OK;
	ret = utils->getcallback(utils->conn, id, (sasl_callback_ft *)&proc,
				 &context);
	if (ret == SASL_INTERACT) {
		*want |= bit;
		return SASL_OK;
	}
	if (ret != SASL_OK || proc == NULL)
		return value_set(utils, v, NULL, 0);	/* not available */
	ret = proc(context, (int)id, &result, &len);
	if (ret != SASL_OK || result == NULL)
		return value_set(utils, v, NULL, 0);
	return value_set(utils, v, result, len != 0 ? len : strlen(result));
}

/* SASL_CB_PASS: sasl_getsecret_t.  The secret belongs to the application;
 * we keep a copy that we wipe. */
static int
get_password(const sasl_utils_t *utils, struct mo_sasl_value *v)
{
	sasl_getsecret_t *proc = NULL;
	sasl_secret_t *secret = NULL;
	void *context = NULL;
	int ret;

	if (v->asked || v->deferred)
		return SASL_OK;
	ret = utils->getcallback(utils->conn, SASL_CB_PASS,
				 (sasl_callback_ft *)&proc, &context);
	if (ret == SASL_INTERACT) {
		v->deferred = true;
		return SASL_OK;
	}
	if (ret != SASL_OK || proc == NULL)
		return value_set(utils, v, NULL, 0);
	ret = proc(utils->conn, context, SASL_CB_PASS, &secret);
	if (ret != SASL_OK || secret == NULL)
		return value_set(utils, v, NULL, 0);
	return value_set(utils, v, (const char *)secret->data, secret->len);
}

int
mo_sasl_creds_get(struct mo_sasl_ctx *ctx, const sasl_utils_t *utils,
		  unsigned *want)
{
	int ret;

	*want = 0;
	if ((ret = get_simple(utils, SASL_CB_AUTHNAME, &ctx->authid,
			      MO_WANT_AUTHNAME, want)) != SASL_OK)
		return ret;
	if ((ret = get_simple(utils, SASL_CB_USER, &ctx->authzid,
			      MO_WANT_USER, want)) != SASL_OK)
		return ret;
	return get_password(utils, &ctx->password);
}

static struct mo_sasl_value *
value_for(struct mo_sasl_ctx *ctx, unsigned long id)
{
	switch (id) {
	case SASL_CB_AUTHNAME:
		return &ctx->authid;
	case SASL_CB_USER:
		return &ctx->authzid;
	case SASL_CB_PASS:
		return &ctx->password;
	default:
		return NULL;
	}
}

int
mo_sasl_creds_take_prompts(struct mo_sasl_ctx *ctx, const sasl_utils_t *utils,
			   sasl_interact_t **prompt_need)
{
	sasl_interact_t *p;
	int ret = SASL_OK;

	if (prompt_need == NULL || *prompt_need == NULL)
		return SASL_OK;
	if (*prompt_need != ctx->prompts) {
		/* Not ours: leave it to its owner. */
		*prompt_need = NULL;
		return SASL_OK;
	}
	for (p = ctx->prompts; p->id != SASL_CB_LIST_END; p++) {
		struct mo_sasl_value *v = value_for(ctx, p->id);

		if (v == NULL)
			continue;
		ret = value_set(utils, v, p->result != NULL ? p->result : "",
				p->result != NULL ? p->len : 0);
		if (ret != SASL_OK)
			break;
	}
	mo_sasl_prompts_free(ctx, utils);
	*prompt_need = NULL;
	return ret;
}

void
mo_sasl_prompts_free(struct mo_sasl_ctx *ctx, const sasl_utils_t *utils)
{
	if (ctx->prompts == NULL)
		return;
	utils->free(ctx->prompts);
	ctx->prompts = NULL;
}

static const char *
what(unsigned bit)
{
	switch (bit) {
	case MO_WANT_AUTHNAME:
		return "no authentication name (the e-mail address to sign in as)";
	case MO_WANT_USER:
		return "no authorization name";
	default:
		return "no password (a mailoauth account name or an access token)";
	}
}

int
mo_sasl_creds_prompt(struct mo_sasl_ctx *ctx, const sasl_utils_t *utils,
		     sasl_interact_t **prompt_need, unsigned want)
{
	static const struct {
		unsigned bit;
		unsigned long id;
		const char *prompt;
	} table[] = {
		{ MO_WANT_AUTHNAME, SASL_CB_AUTHNAME, prompt_authname },
		{ MO_WANT_USER, SASL_CB_USER, prompt_user },
		{ MO_WANT_PASS, SASL_CB_PASS, prompt_pass },
	};
	sasl_interact_t *p;
	size_t i, n = 0;

	if (prompt_need == NULL) {
		/* Callbacks only (Postfix): nobody can be asked. */
		for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
			if (want & table[i].bit)
				break;
		}
		mo_sasl_error(utils, 0,
			      "%s: the application registered a prompt for it but "
			      "cannot be asked interactively",
			      what(i < sizeof(table) / sizeof(table[0]) ?
				   table[i].bit : MO_WANT_PASS));
		return SASL_BADPARAM;
	}
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		n += (want & table[i].bit) != 0;
	mo_sasl_prompts_free(ctx, utils);
	ctx->prompts = utils->malloc((n + 1) * sizeof(*ctx->prompts));
	if (ctx->prompts == NULL) {
		mo_sasl_error(utils, 0, "out of memory");
		return SASL_NOMEM;
	}
	memset(ctx->prompts, 0, (n + 1) * sizeof(*ctx->prompts));
	p = ctx->prompts;
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		if (!(want & table[i].bit))
			continue;
		p->id = table[i].id;
		p->prompt = table[i].prompt;
		p++;
	}
	p->id = SASL_CB_LIST_END;
	*prompt_need = ctx->prompts;
	return SASL_INTERACT;
}
