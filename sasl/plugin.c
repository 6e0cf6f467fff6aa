/* SPDX-License-Identifier: MIT */
/*
 * libmailoauth.so: the Cyrus SASL client plugin entry point.
 *
 * sasl_client_plug_init() is the only exported symbol.  It runs once per
 * sasl_client_init() in every program that uses Cyrus SASL as a client, so
 * it stays quiet and cheap, and it leaves no trace where mailoauth is not
 * used: without a mailoauth configuration that this process can read it
 * registers no mechanism at all, so every program chooses exactly the
 * mechanism it chose before the plugin was installed.
 *
 * With a configuration it keeps the parsed configuration (a broken one is
 * reported when a login needs it, never at load time) and notes which
 * directory each account's state_dir is (device, inode, owner).  It keeps
 * no descriptor: Postfix loads SASL plugins as root before smtp(8) chroots
 * into its queue directory, and a directory descriptor kept from then on
 * would lead out of the chroot (openat(fd, "../..")).  token.c finds the
 * token store again at each login, inside the chroot by the tail of its
 * path (doc/postfix.md puts it inside the queue directory).
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
 * Security flags and features; the reasoning is also in mailoauth-sasl(7).
 *
 * What libsasl does with them (lib/client.c, 2.1.28):
 *   - eligibility: a mechanism must claim every flag the application asks
 *     for; Postfix asks for NOPLAINTEXT|NOANONYMOUS by default
 *     (smtp_sasl_security_options = noplaintext, noanonymous, inherited by
 *     smtp_sasl_tls_security_options), and NOPLAINTEXT is waived when the
 *     application reports an external SSF > 1 (a TLS layer);
 *   - preference: plugins are sorted by NOANONYMOUS, then NOPLAINTEXT, then
 *     MUTUAL_AUTH, NOACTIVE, NODICTIONARY, FORWARD_SECRECY, channel binding,
 *     max_ssf; equal ones go by load order.
 *
 * We claim exactly what PLAIN claims:
 *   SASL_SEC_NOANONYMOUS      true: the token names a user.
 *   SASL_SEC_PASS_CREDENTIALS true: the server receives a credential it
 *                             could use on our behalf until it expires.
 * and not SASL_SEC_NOPLAINTEXT ("not susceptible to simple passive
 * attack"): whoever reads an XOAUTH2 or OAUTHBEARER message can replay the
 * bearer token until it expires, which is why RFC 7628 §5 requires TLS
 * and Dovecot classes both mechanisms as plaintext.  Consequences:
 *   - an application that refuses plaintext mechanisms on a connection
 *     without TLS (Postfix's default, e.g. with smtp_tls_security_level =
 *     may after STARTTLS was stripped) never sends a token there;
 *   - over TLS the application allows plaintext mechanisms as it does for
 *     PLAIN (external SSF, or Postfix's smtp_sasl_tls_security_options =
 *     noanonymous);
 *   - XOAUTH2/OAUTHBEARER no longer outrank PLAIN and LOGIN, so offering
 *     them does not take over a password login; where the plugin is
 *     chosen for a login it cannot serve, the error names the filter.
 * NOACTIVE, MUTUAL_AUTH, NODICTIONARY and FORWARD_SECRECY would be false.
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
	(SASL_SEC_NOANONYMOUS | SASL_SEC_PASS_CREDENTIALS)
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
	if (g == NULL)
		return;
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

/* Notes which directory every account's state directory is (see the top of
 * this file).  One that does not exist now is looked up by path later. */
static int
record_dirs(struct mo_sasl_glob *g, const sasl_utils_t *utils)
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

		memset(d, 0, sizeof(*d));
		d->owner = (uid_t)-1;
		g->n_dirs = i + 1;
		if (path == NULL || stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
			continue;
		d->seen = true;
		d->dev = st.st_dev;
		d->ino = st.st_ino;
		d->owner = st.st_uid;
		owner_name(st.st_uid, d->owner_name, sizeof(d->owner_name));
	}
	return SASL_OK;
}

/* Reads the configuration.  *offer_r is false when there is none this
 * process can read: then the plugin offers nothing. */
static int
load_config(struct mo_sasl_glob *g, const sasl_utils_t *utils, bool *offer_r)
{
	char *error = NULL;
	int ret;

	*offer_r = true;
	g->cfg_err = mo_config_load(NULL, &g->cfg, &error);
	if (g->cfg_err == MO_OK) {
		ret = record_dirs(g, utils);
	} else if (g->cfg_err == MO_ERR_NOENT || g->cfg_err == MO_ERR_PERM) {
		/* Not a mailoauth user: no effect.  Said only to those who
		 * ask for debug output (Postfix: smtp -v). */
		g->cfg = NULL;
		*offer_r = false;
		utils->log(NULL, SASL_LOG_DEBUG, "mailoauth: %s: XOAUTH2 and "
			   "OAUTHBEARER not offered", error != NULL ? error :
			   "no configuration");
		ret = SASL_OK;
	} else {
		/* Kept for the first login that needs it; not logged now (every
		 * Cyrus SASL client on the host runs this). */
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
	bool offer = true;
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
	if ((ret = load_config(g, utils, &offer)) != SASL_OK)
		goto out;
	if (!offer) {
		/* libsasl accepts a plugin with no mechanism, silently. */
		*out_version = SASL_CLIENT_PLUG_VERSION;
		*pluglist = NULL;
		*plugcount = 0;
		goto out;
	}

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
