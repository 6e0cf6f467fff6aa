/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_SASL_PLUGIN_H
#define MAILOAUTH_SASL_PLUGIN_H

/*
 * Internals of libmailoauth.so, the Cyrus SASL client plugin (XOAUTH2 and
 * OAUTHBEARER).  Shared by plugin.c (entry point, mechanism table, global
 * state), mech.c (the exchange), creds.c (callbacks and prompts) and token.c
 * (which token to send).
 *
 * Ownership rules of the plugin:
 *   - no mutable file-scope state: everything lives in the glob_context
 *     (struct mo_sasl_glob, read-only once sasl_client_plug_init returns, so
 *     any number of threads may share it) or in one connection's context
 *     (struct mo_sasl_ctx);
 *   - what the plugin keeps is allocated with utils->malloc and released
 *     with utils->free; lib/ functions use malloc internally and free before
 *     returning, except where their header says otherwise;
 *   - every buffer that held a password or a token is wiped before release;
 *   - every failure reaches the application through utils->seterror, called
 *     by the deepest function that knows what went wrong; the plugin never
 *     prints, exits or aborts.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <sasl/sasl.h>
#include <sasl/saslplug.h>

#include "config.h"

/* The two mechanisms; index into the plugin table. */
enum mo_sasl_mech {
	MO_SASL_XOAUTH2 = 0,
	MO_SASL_OAUTHBEARER = 1,
	MO_SASL_NMECHS
};

/* What sasl_client_plug_init (as root, before Postfix's smtp(8) chroots)
 * saw of one account's state directory.  No descriptor is kept: a process
 * that chroots must not hold a directory outside its new root.  token.c
 * opens the directory at each login, by its configured path or, inside a
 * chroot, by a tail of that path, accepting a tail only when it is this
 * very directory (device and inode). */
struct mo_sasl_dir {
	bool seen;		/* it existed at init: dev/ino/owner valid */
	dev_t dev;
	ino_t ino;
	uid_t owner;		/* who owns it: the user that must refresh */
	char owner_name[64];	/* looked up at init ("" if unknown): the
				   user database may be out of reach later */
};

struct mo_sasl_glob {
	/* The configuration read at init: NULL when it is broken (cfg_err;
	 * without a readable configuration the plugin offers no mechanism at
	 * all).  cfg_error is the message, reported when a login needs it. */
	struct mo_config *cfg;
	int cfg_err;
	char *cfg_error;		/* utils->malloc'd, or NULL */
	struct mo_sasl_dir *dirs;	/* one per cfg->accounts[i] */
	size_t n_dirs;
	/* mech_free is called once per mechanism: the last call frees. */
	int refs;
	sasl_client_plug_t plugs[MO_SASL_NMECHS];
};

/* Where a connection is in the exchange. */
enum mo_sasl_state {
	MO_STATE_START = 0,	/* nothing sent yet */
	MO_STATE_SENT,		/* initial response sent; waiting for the verdict */
	MO_STATE_ACKED,		/* error challenge acknowledged; only failure is left */
	MO_STATE_DONE		/* success reported; no more steps */
};

/* A value gathered from the application (callback or prompt). */
struct mo_sasl_value {
	char *s;		/* utils->malloc'd, NUL-terminated; NULL: none */
	size_t len;
	bool asked;		/* the callback was consulted (or a prompt filled) */
	bool deferred;		/* only a prompt can give it: asked when needed */
};

struct mo_sasl_ctx {
	const struct mo_sasl_glob *glob;
	enum mo_sasl_mech mech;
	enum mo_sasl_state state;
	struct mo_sasl_value authid;	/* SASL_CB_AUTHNAME: who signs in */
	struct mo_sasl_value authzid;	/* SASL_CB_USER: the mailbox, optional */
	struct mo_sasl_value password;	/* SASL_CB_PASS: account name or token */
	const struct mo_account *acct;	/* the account of the login */
	bool password_token;		/* the password was sent as the token */
	int64_t stamp;			/* the token's expiry stamp when it is
					   acct's stored one (tokenreject.h),
					   else 0 */
	char *out;			/* last client response (utils->malloc'd) */
	size_t out_len;
	char *failure;			/* the error reported for the challenge */
	sasl_interact_t *prompts;	/* our outstanding prompts, or NULL */
};

/* Mechanism name for messages. */
const char *mo_sasl_mech_name(enum mo_sasl_mech mech);

/* mech.c: the sasl_client_plug_t callbacks. */
int mo_sasl_mech_new_xoauth2(void *glob_context, sasl_client_params_t *params,
			     void **conn_context);
int mo_sasl_mech_new_oauthbearer(void *glob_context,
				 sasl_client_params_t *params,
				 void **conn_context);
int mo_sasl_mech_step(void *conn_context, sasl_client_params_t *params,
		      const char *serverin, unsigned serverinlen,
		      sasl_interact_t **prompt_need, const char **clientout,
		      unsigned *clientoutlen, sasl_out_params_t *oparams);
void mo_sasl_mech_dispose(void *conn_context, const sasl_utils_t *utils);

/* plugin.c */
void mo_sasl_mech_free(void *glob_context, const sasl_utils_t *utils);

/*
 * creds.c: gathering the authentication name, the authorization name and
 * the password from the application.
 *
 * mo_sasl_creds_take_prompts() copies what the user typed into our prompts
 * (when *prompt_need is ours) and frees them.  mo_sasl_creds_get() asks the
 * callbacks for whatever is still missing; values only a prompt can give
 * are added to *want (a bit per SASL_CB_* id, see MO_WANT_*).  A password
 * that only a prompt can give is marked deferred instead: the step asks for
 * it (MO_WANT_PASS) only when no account matches the authentication name.
 * mo_sasl_creds_prompt() builds the prompt array and returns SASL_INTERACT,
 * or, when the application cannot be asked (prompt_need == NULL, Postfix),
 * sets an error naming what is missing.  Errors are reported with seterror.
 */
#define MO_WANT_AUTHNAME 0x1u
#define MO_WANT_USER 0x2u
#define MO_WANT_PASS 0x4u

int mo_sasl_creds_take_prompts(struct mo_sasl_ctx *ctx,
			       const sasl_utils_t *utils,
			       sasl_interact_t **prompt_need);
int mo_sasl_creds_get(struct mo_sasl_ctx *ctx, const sasl_utils_t *utils,
		      unsigned *want);
int mo_sasl_creds_prompt(struct mo_sasl_ctx *ctx, const sasl_utils_t *utils,
			 sasl_interact_t **prompt_need, unsigned want);
void mo_sasl_prompts_free(struct mo_sasl_ctx *ctx, const sasl_utils_t *utils);
void mo_sasl_value_clear(const sasl_utils_t *utils, struct mo_sasl_value *v);

/*
 * token.c: which access token to send (see the top of token.c):
 *   (1) the account named by the password, else the account whose user is
 *       the authentication name (two such accounts: an error naming both);
 *   (2) no account: nothing is sent; the error says how to keep the login
 *       away from these mechanisms.
 *
 * mo_sasl_find_account() finds the account: *acct_r is NULL when none
 * applies, *by_name_r tells whether the password named it.  password may be
 * NULL (not known yet).  Returns SASL_OK or a SASL error after seterror.
 */
int mo_sasl_find_account(const struct mo_sasl_glob *g,
			 const sasl_utils_t *utils, const char *password,
			 const char *authid, const struct mo_account **acct_r,
			 bool *by_name_r);

/* The error for a login no account applies to (after the password was
 * asked for, if it could be); returns the SASL code. */
int mo_sasl_no_account(const struct mo_sasl_glob *g, const sasl_utils_t *utils,
		       enum mo_sasl_mech mech, const char *authid);

/*
 * Resolves the token of acct.  When the account was found by its user
 * (by_name false) and the password is an access token (mo_token_shaped(),
 * as `PassCmd "mailoauth token NAME"` gives it), that token is sent and
 * *password_token_r set; otherwise the account's token (store, helper).
 * On SASL_OK *token_r is a malloc'd string (free it with
 * mo_free_secret()).  Otherwise the error is set.
 */
int mo_sasl_token(const struct mo_sasl_glob *g, const sasl_utils_t *utils,
		  const struct mo_account *acct, bool by_name,
		  const char *password, size_t password_len, char **token_r,
		  bool *password_token_r);

/* The expiry stamp of token when it is acct's stored, unrefused access
 * token carrying the scope of service ("imap", "pop", "smtp": what the
 * application passed to sasl_client_new; any other name: no scope check),
 * read like the token itself (through the directory opened at init);
 * else 0 (mo_token_stamp()). */
int64_t mo_sasl_token_stamp(const struct mo_sasl_glob *g,
			    const struct mo_account *acct, const char *service,
			    const char *token);

/* Reports a message through seterror with control characters replaced,
 * "mailoauth: " in front, and no more than ~1 KiB.  flags as for
 * utils->seterror (SASL_NOLOG or 0). */
void mo_sasl_error(const sasl_utils_t *utils, unsigned flags, const char *fmt,
		   ...) __attribute__((format(printf, 3, 4)));

/* Copies s (len bytes) into a NUL-terminated utils->malloc'd string. */
char *mo_sasl_strndup(const sasl_utils_t *utils, const char *s, size_t len);

#endif
