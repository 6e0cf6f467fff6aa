/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_SIGNIN_H
#define MAILOAUTH_SIGNIN_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "config.h"
#include "cmd.h"
#include "oauth.h"

/*
 * `mailoauth authorize ACCOUNT`: the sign-in flows.
 *
 *   signin-main.c     the command: options, choice of flow, Ctrl-C, and the
 *                     common end of every flow (mo_signin_finish)
 *   signin-browser.c  authorization code + PKCE on a loopback redirect
 *   signin-device.c   device authorization grant (RFC 8628)
 *   signin-cc.c       client credentials (app-only access)
 *   signin-open.c     starting the user's browser
 *   signin-pkce.c, signin-callback.c, signin-loopback.c, signin-check.c,
 *   signin-qr.c       the pieces
 *
 * Output: stdout carries only the sign-in URL of the browser flow (alone on
 * its line, flushed at once, so that ssh users and scripts can take it) and
 * the QR code of the device flow when stdout is a terminal; everything else
 * goes to stderr.
 *
 * Nothing is stored until a flow has completely succeeded: until then the
 * tokens stored before stay as they were and keep working.
 */

/* Default seconds the browser flow waits for the redirect. */
#define MO_SIGNIN_TIMEOUT 300

struct mo_signin {
	struct mo_net_ctx *ctx;
	const struct mo_account *acct;
	bool open_browser;	/* start xdg-open (browser flow) */
	int timeout;		/* seconds to wait for the browser's redirect */
	bool force;		/* --force: store even another identity's grant */
	/* out: set by mo_signin_finish() */
	char *identity;		/* who signed in (malloc'd), or NULL */
	bool stored;
};

/* Set (to the signal number) by SIGINT and SIGTERM while a flow runs. */
extern volatile sig_atomic_t mo_signin_cancel;

/*
 * The flows.  Each gets tokens and passes them to mo_signin_finish(), whose
 * result it returns.  Results: MO_OK, or an error code (errors.h) with
 * *error_r (malloc'd) for the user, naming what to do.
 *   MO_ERR_CANCELLED  Ctrl-C
 *   MO_ERR_TIMEOUT    nobody signed in in time
 *   MO_ERR_REAUTH     the user declined, the code expired, consent missing
 *   MO_ERR_CONFIG     the app registration or the account is set up wrong
 *   MO_ERR_TEMP ...   as mo_oauth_post()
 */
int mo_signin_browser(struct mo_signin *s, char **error_r);
int mo_signin_device(struct mo_signin *s, char **error_r);
int mo_signin_client_credentials(struct mo_signin *s, char **error_r);

/*
 * The end of every flow (signin-main.c): warns when the identity is not the
 * configured user (and login_hint does not explain it) or when the granted
 * scope lacks a configured protocol's scope, then stores the reply (under
 * the account's lock, mo_refresh_store_reply()).  reply's secrets are moved
 * out or wiped.  Returns MO_OK or the store's error with *error_r.
 */
int mo_signin_finish(struct mo_signin *s, struct mo_token_reply *reply,
		     char **error_r);

/*
 * Appends to msg the explanation of an error from the identity provider
 * (mo_oauth_explain), making sure a consent error names
 * `mailoauth consent-url ACCOUNT`.  Returns the error code to use.
 */
int mo_signin_explain(const struct mo_account *a,
		      const struct mo_oauth_error *err, struct mo_buf *msg);

/*
 * Sets *error_r to prefix (may be NULL) + error (the message of a failed
 * mo_oauth_post(), may be NULL: mo_strerror(ret) then), adding the pointer
 * to `mailoauth consent-url ACCOUNT` when err is a consent error and the
 * message lacks it.  Returns ret.
 */
int mo_signin_post_error(const struct mo_account *a,
			 const struct mo_oauth_error *err, const char *prefix,
			 const char *error, int ret, char **error_r);

/* Sleeps ms milliseconds.  Returns MO_OK or MO_ERR_CANCELLED (Ctrl-C). */
int mo_signin_sleep(long ms);

/* True when $DISPLAY or $WAYLAND_DISPLAY is set (a browser can open). */
bool mo_signin_have_display(void);

/*
 * Starts xdg-open url (signin-open.c): posix_spawnp, no shell, stdin,
 * stdout and stderr on /dev/null.  Returns MO_OK with *pid_r (reap it with
 * mo_signin_reap()), or MO_ERR_NOENT / MO_ERR_IO with *error_r (malloc'd).
 */
int mo_signin_open_url(const char *url, pid_t *pid_r, char **error_r);

/* Reaps the opener started above if it has ended; never blocks. */
void mo_signin_reap(pid_t pid);

#ifdef HAVE_QRENCODE
/* Prints text as a QR code made of Unicode half blocks on f (signin-qr.c).
 * Returns MO_OK, or MO_ERR_TOOBIG / MO_ERR_NOMEM (nothing printed). */
int mo_signin_print_qr(FILE *f, const char *text);
#endif

#endif
