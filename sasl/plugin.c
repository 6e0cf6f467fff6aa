/* SPDX-License-Identifier: MIT */
/*
 * libmailoauth.so: the Cyrus SASL client plugin entry point.
 *
 * sasl_client_plug_init() is the only exported symbol.  It runs once per
 * sasl_client_init() in every program that uses Cyrus SASL as a client, so
 * it stays quiet and cheap: it reads the mailoauth configuration (if there
 * is one) and opens each account's state directory, and never fails because
 * of them -- a broken configuration is reported when a login needs it.
 *
 * Why at init: Postfix loads SASL plugins as root before smtp(8) chroots
 * into its queue directory and drops to user postfix.  Inside the chroot
 * neither the configuration file nor the token store is reachable by path,
 * so we keep the parsed configuration and a directory descriptor per
 * account; token.c reads the token file with openat() relative to it.
 */
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errors.h"
#include "plugin.h"
#include "secret.h"

/*
 * Security flags and features -- chosen deliberately; the same
 * reasoning is in doc/sasl-plugin.md.
 *
 * What libsasl does with them (lib/client.c, 2.1.28):
 *   - eligibility: a mechanism must claim every flag the application asks
 *     for; Postfix asks for NOPLAINTEXT|NOANONYMOUS by default
 *     (smtp_sasl_security_options = noplaintext, noanonymous, also inherited
 *     by smtp_sasl_tls_security_options), and NOPLAINTEXT is waived only
 *     with an external SSF > 1, which Postfix never sets;
 *   - preference: plugins are sorted by NOANONYMOUS, then NOPLAINTEXT, then
 *     MUTUAL_AUTH, NOACTIVE, NODICTIONARY, FORWARD_SECRECY, channel binding,
 *     max_ssf; equal ones go by load order (readdir order: luck).
 *
 * We claim:
 *   SASL_SEC_NOANONYMOUS      true: the token names a user.
 *   SASL_SEC_NOPLAINTEXT      Cyrus defines it as "not susceptible to simple
 *                             passive attack (e.g. PLAIN, LOGIN)", i.e. an
 *                             eavesdropper does not learn the user's
 *                             reusable password.  With a bearer token the
 *                             long-term secrets (password, refresh token,
 *                             client secret) never leave this host; what
 *                             crosses the wire is a short-lived token
 *                             (about an hour at Entra ID), limited to mail
 *                             scopes.  That is the same class as Cyrus's own
 *                             OTP plugin, which claims NOPLAINTEXT although
 *                             its response is sent in clear.  It is *not* a
 *                             claim that the token is safe to send without
 *                             TLS: a captured token is replayable until it
 *                             expires, which is why servers (Dovecot,
 *                             Exchange Online) only offer the mechanisms
 *                             over TLS; the documentation says to require
 *                             TLS (Postfix: smtp_tls_security_level =
 *                             encrypt).
 *   SASL_SEC_PASS_CREDENTIALS true and honest: the server receives a
 *                             credential it could use on our behalf until
 *                             it expires (PLAIN claims it for the same
 *                             reason).  No selection effect.
 * We do not claim NOACTIVE, MUTUAL_AUTH (nothing authenticates the server
 * but TLS), NODICTIONARY or FORWARD_SECRECY: they would be false.
 *
 * Consequences: the plugin is selectable under Postfix's defaults, and it
 * ranks above KDE's libkdexoauth2.so (NOANONYMOUS|PASS_CREDENTIALS) for the
 * name XOAUTH2 whatever the load order, because NOPLAINTEXT is compared
 * before load order.  It also ranks above PLAIN and LOGIN, so an
 * application that lets libsasl choose among several offered mechanisms
 * picks XOAUTH2/OAUTHBEARER when the server offers them; the documentation
 * tells how to restrict mechanisms per application (Postfix:
 * smtp_sasl_mechanism_filter, mbsync: AuthMechs).
 *
 * Features:
 *   SASL_FEAT_WANT_CLIENT_FIRST  both mechanisms are client-first: when the
 *                             application passes clientout to
 *                             sasl_client_start (the protocol allows an
 *                             initial response: IMAP SASL-IR, SMTP) the
 *                             response is built there; otherwise (POP3, or
 *                             Office 365's two-step form) the first step
 *                             arrives with an empty challenge and builds it.
 *   SASL_FEAT_ALLOWS_PROXY    the authorization id (mailbox) may differ from
 *                             the authentication id: the token of a delegate
 *                             for a shared mailbox (XOAUTH2 user=,
 *                             OAUTHBEARER a=).
 * required_prompts is AUTHNAME only: the password is optional when an
 * account matches the authentication name.  max_ssf is 0: no security layer.
 */
#define MO_SASL_SECURITY_FLAGS \
	(SASL_SEC_NOANONYMOUS | SASL_SEC_NOPLAINTEXT | SASL_SEC_PASS_CREDENTIALS)
#define MO_SASL_FEATURES (SASL_FEAT_WANT_CLIENT_FIRST | SASL_FEAT_ALLOWS_PROXY)

static const unsigned long required_prompts[] = {
	SASL_CB_AUTHNAME,
	SASL_CB_LIST_END
};

static const char *const mech_names[MO_SASL_NMECHS] = {
	[MO_SASL_XOAUTH2] = "XOAUTH2",
	[MO_SASL_OAUTHBEARER] = "OAUTHBEARER",
};

const char *
mo_sasl_mech_name(enum mo_sasl_mech mech)
{
	return (unsigned)mech < MO_SASL_NMECHS ? mech_names[mech] : "?";
}

static void
glob_free(struct mo_sasl_glob *g, const sasl_utils_t *utils)
{
	size_t i;

	if (g == NULL)
		return;
	for (i = 0; i < g->n_dirs; i++) {
		if (g->dirs[i].fd >= 0)
			close(g->dirs[i].fd);
	}
	if (g->dirs != NULL)
		utils->free(g->dirs);
	if (g->cfg != NULL)
		mo_config_free(g->cfg);
	if (g->cfg_error != NULL)
		utils->free(g->cfg_error);
	utils->free(g);
}

/* The name of uid, or "" (at init the user database is still reachable;
 * inside a chroot it usually is not). */
static void
owner_name(uid_t uid, char *buf, size_t n)
{
	struct passwd pw, *res = NULL;
	char tmp[1024];

	buf[0] = '\0';
	if (getpwuid_r(uid, &pw, tmp, sizeof(tmp), &res) == 0 && res != NULL &&
	    res->pw_name != NULL && strlen(res->pw_name) < n)
		memcpy(buf, res->pw_name, strlen(res->pw_name) + 1);
}

/* Opens every account's state directory (see the top of this file).  A
 * directory that cannot be opened now is looked up by path later. */
static int
open_dirs(struct mo_sasl_glob *g, const sasl_utils_t *utils)
{
	struct stat st;
	size_t i, n = g->cfg->n_accounts;

	g->n_dirs = 0;
	if (n == 0)
		return SASL_OK;
	g->dirs = utils->malloc(n * sizeof(*g->dirs));
	if (g->dirs == NULL)
		return SASL_NOMEM;
	for (i = 0; i < n; i++) {
		struct mo_sasl_dir *d = &g->dirs[i];
		const char *path = g->cfg->accounts[i].state_dir;

		d->fd = -1;
		d->dev = 0;
		d->ino = 0;
		d->owner = (uid_t)-1;
		d->owner_name[0] = '\0';
		g->n_dirs = i + 1;
		if (path == NULL)
			continue;
		d->fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (d->fd < 0)
			continue;
		if (fstat(d->fd, &st) != 0) {
			close(d->fd);
			d->fd = -1;
			continue;
		}
		d->dev = st.st_dev;
		d->ino = st.st_ino;
		d->owner = st.st_uid;
		owner_name(st.st_uid, d->owner_name, sizeof(d->owner_name));
	}
	return SASL_OK;
}

static int
load_config(struct mo_sasl_glob *g, const sasl_utils_t *utils)
{
	char *error = NULL;
	int ret;

	g->cfg_err = mo_config_load(NULL, &g->cfg, &error);
	if (g->cfg_err == MO_OK) {
		ret = open_dirs(g, utils);
	} else {
		/* Kept for the first login that needs it; not logged now (every
		 * Cyrus SASL client on the host runs this).  MO_ERR_NOENT (no
		 * file) is not an error: the password may be the token. */
		g->cfg = NULL;
		ret = SASL_OK;
		if (error != NULL) {
			g->cfg_error = mo_sasl_strndup(utils, error, strlen(error));
			if (g->cfg_error == NULL)
				ret = SASL_NOMEM;
		}
	}
	free(error);
	return ret;
}

int sasl_client_plug_init(const sasl_utils_t *utils, int max_version,
			  int *out_version, sasl_client_plug_t **pluglist,
			  int *plugcount);

int
sasl_client_plug_init(const sasl_utils_t *utils, int max_version,
		      int *out_version, sasl_client_plug_t **pluglist,
		      int *plugcount)
{
	struct mo_sasl_glob *g = NULL;
	int ret, i;

	if (max_version < SASL_CLIENT_PLUG_VERSION) {
		utils->log(NULL, SASL_LOG_ERR,
			   "mailoauth: libsasl2 offers client plugin API %d, we need %d",
			   max_version, SASL_CLIENT_PLUG_VERSION);
		return SASL_BADVERS;
	}
	g = utils->malloc(sizeof(*g));
	if (g == NULL) {
		ret = SASL_NOMEM;
		goto out;
	}
	memset(g, 0, sizeof(*g));
	if ((ret = load_config(g, utils)) != SASL_OK)
		goto out;

	for (i = 0; i < MO_SASL_NMECHS; i++) {
		sasl_client_plug_t *p = &g->plugs[i];

		p->mech_name = mech_names[i];
		p->max_ssf = 0;
		p->security_flags = MO_SASL_SECURITY_FLAGS;
		p->features = MO_SASL_FEATURES;
		p->required_prompts = required_prompts;
		p->glob_context = g;
		p->mech_new = i == MO_SASL_XOAUTH2 ? mo_sasl_mech_new_xoauth2 :
			      mo_sasl_mech_new_oauthbearer;
		p->mech_step = mo_sasl_mech_step;
		p->mech_dispose = mo_sasl_mech_dispose;
		p->mech_free = mo_sasl_mech_free;
	}
	g->refs = MO_SASL_NMECHS;
	*out_version = SASL_CLIENT_PLUG_VERSION;
	*pluglist = g->plugs;
	*plugcount = MO_SASL_NMECHS;
	g = NULL;
	ret = SASL_OK;
out:
	if (ret != SASL_OK)
		utils->log(NULL, SASL_LOG_ERR,
			   "mailoauth: cannot initialise the plugin: out of memory");
	glob_free(g, utils);
	return ret;
}

/* libsasl calls this once per mechanism from sasl_client_done(), one after
 * the other in one thread; the last call releases the shared state. */
void
mo_sasl_mech_free(void *glob_context, const sasl_utils_t *utils)
{
	struct mo_sasl_glob *g = glob_context;

	if (g == NULL || --g->refs > 0)
		return;
	glob_free(g, utils);
}
