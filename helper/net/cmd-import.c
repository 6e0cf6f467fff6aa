/* SPDX-License-Identifier: MIT */
/*
 * `mailoauth import ACCOUNT [--file FILE]`: takes over a refresh token from
 * another tool (sasl-xoauth2, mutt_oauth2.py, a hand-made setup) without
 * signing in again.  The token comes from FILE or standard input, never
 * from argv.  Accepted forms:
 *   - a JSON object with "refresh_token" (sasl-xoauth2's token file, and
 *     mutt_oauth2.py's after `gpg --decrypt`);
 *   - a plain token on one line.
 * The token is proven by one refresh; only then is anything stored.
 */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "buf.h"
#include "errmsg.h"
#include "errors.h"
#include "cmd.h"
#include "log.h"
#include "oauth.h"
#include "refresh.h"
#include "secret.h"
#include "store.h"
#include "validate.h"

#define IMPORT_MAX (256 * 1024)

/* The signal that ended the terminal read (read_tty), or 0. */
static volatile sig_atomic_t tty_signal;

static void
on_tty_signal(int sig)
{
	tty_signal = sig;
}

/* One line from fd, a byte at a time so that nothing after it is taken.
 * MO_ERR_CANCELLED when a signal caught by read_tty interrupts it. */
static int
read_line(int fd, struct mo_buf *b)
{
	char c = '\0';
	ssize_t n;
	int ret = MO_OK;

	while (ret == MO_OK && c != '\n') {
		n = read(fd, &c, 1);
		if (n < 0 && errno == EINTR)
			ret = tty_signal != 0 ? MO_ERR_CANCELLED : MO_OK;
		else if (n < 0)
			ret = MO_ERR_IO;
		else if (n == 0)
			break;
		else
			ret = mo_buf_add(b, &c, 1);
	}
	mo_wipe(&c, 1);
	return ret;
}

/*
 * Reads one line from a terminal without echo.  Ctrl-C (and SIGTERM,
 * SIGHUP, SIGQUIT) while it waits must not leave the terminal without
 * echo, as dying of the signal would: they are caught, without SA_RESTART
 * so that read() returns, the terminal is restored and the read ends with
 * MO_ERR_CANCELLED (as OpenSSH's readpassphrase(3) restores it before it
 * passes the signal on).
 */
static int
read_tty(struct mo_buf *b)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	struct sigaction sa, old_sa[sizeof(sigs) / sizeof(sigs[0])];
	struct termios old, quiet;
	bool restore = false;
	size_t i;
	int ret;

	tty_signal = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_tty_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, &old_sa[i]);
	fprintf(stderr, "Paste the refresh token, then press Enter: ");
	fflush(stderr);
	if (tcgetattr(STDIN_FILENO, &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		restore = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
	}
	ret = tty_signal != 0 ? MO_ERR_CANCELLED : read_line(STDIN_FILENO, b);
	if (restore)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &old_sa[i], NULL);
	fputc('\n', stderr);
	return ret;
}

/* Finds the refresh token in text; *rt_r malloc'd secret.  *client_id_r is
 * the JSON's client_id when there is one. */
static int
extract(const char *text, size_t len, char **rt_r, char **client_id_r,
	const char **why_r)
{
	const char *p = text, *e = text + len, *line;
	json_t *j, *v;
	size_t n;
	int ret = MO_ERR_PARSE;

	*rt_r = NULL;
	*client_id_r = NULL;
	while (p < e && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	if (p < e && *p == '{') {
		if (mo_json_load(p, (size_t)(e - p), 0, &j) == MO_ERR_NOMEM) {
			*why_r = "out of memory";
			return MO_ERR_NOMEM;
		}
		if (!json_is_object(j)) {
			*why_r = "the input starts like JSON but is not a valid JSON object";
			mo_json_wipe_decref(j);
			return MO_ERR_PARSE;
		}
		v = json_object_get(j, "refresh_token");
		if (json_is_string(v) && json_string_length(v) > 0) {
			*rt_r = mo_strndup(json_string_value(v), json_string_length(v));
			ret = *rt_r ? MO_OK : MO_ERR_NOMEM;
		} else {
			*why_r = "the JSON has no \"refresh_token\" string";
		}
		v = json_object_get(j, "client_id");
		if (json_is_string(v))
			*client_id_r = strdup(json_string_value(v));
		mo_json_wipe_decref(j);
	} else {
		line = p;
		n = strcspn(line, "\r\n");
		p = line + n;
		while (p < e && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
			p++;
		while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t'))
			n--;
		if (n == 0) {
			*why_r = "the input is empty";
		} else if (p < e) {
			*why_r = "the input has more than one line; give a single token or a "
				 "JSON token file";
		} else {
			*rt_r = mo_strndup(line, n);
			ret = *rt_r ? MO_OK : MO_ERR_NOMEM;
		}
	}
	if (ret == MO_OK && mo_valid_token(*rt_r, strlen(*rt_r), NULL) != MO_OK) {
		*why_r = "the refresh token has characters no token may have (spaces, quotes, "
			 "control characters)";
		mo_free_secret(*rt_r);
		*rt_r = NULL;
		ret = MO_ERR_PARSE;
	}
	return ret;
}

/* The text to import: FILE, else a terminal's one line, else all of
 * standard input.  MO_EXIT_OK, or the exit status after saying why. */
static int
read_input(const char *file, struct mo_buf *in)
{
	int fd, ret, read_errno;

	if (file != NULL && strcmp(file, "-") != 0) {
		fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (fd < 0) {
			mo_net_err("cannot open %s: %s", file, strerror(errno));
			return MO_EXIT_DATAERR;
		}
		ret = mo_buf_read_fd(in, fd);
		read_errno = errno;
		close(fd);
	} else if (isatty(STDIN_FILENO)) {
		ret = read_tty(in);
		read_errno = errno;
	} else {
		ret = mo_buf_read_fd(in, STDIN_FILENO);
		read_errno = errno;
	}
	if (ret == MO_ERR_CANCELLED) {
		mo_net_err("import cancelled; nothing was stored");
		return mo_exit_code(ret);
	}
	if (ret != MO_OK) {
		mo_net_err("cannot read the refresh token from %s: %s",
			   file ? file : "standard input",
			   ret == MO_ERR_TOOBIG ? "larger than 256 KiB" : strerror(read_errno));
		return MO_EXIT_DATAERR;
	}
	return MO_EXIT_OK;
}

/* One refresh with rt proves it; only then is anything stored.  rt is
 * taken (wiped and freed here).  The exit status, after saying what
 * happened. */
static int
prove_and_store(struct mo_net_ctx *ctx, const struct mo_account *a, char *rt)
{
	struct mo_oauth_error oerr = { 0 };
	struct mo_token_reply reply = { .expires_in = -1 };
	struct mo_token tok = { 0 };
	struct mo_buf form;
	char *error = NULL;
	int ret, code;

	mo_buf_init(&form, MO_FORM_MAX);
	mo_net_note(1, "account %s: proving the imported refresh token (<hidden>)", a->name);
	ret = mo_oauth_form_refresh(&form, a, rt, &error);
	if (ret == MO_OK)
		ret = mo_oauth_token_request(ctx->http, a, &form, "import", &reply, &oerr, &error);
	if (ret != MO_OK) {
		mo_net_err("account %s: the imported refresh token does not work; nothing was "
			   "stored.\n%s", a->name, error ? error : mo_strerror(ret));
		code = mo_exit_code(ret);
		goto out;
	}
	if (reply.refresh_token == NULL) {
		/* No rotation (Google): the imported token stays the one to use. */
		reply.refresh_token = rt;
		rt = NULL;
	}
	ret = mo_refresh_store_reply(a, &reply, &tok, &error);
	if (ret != MO_OK) {
		mo_net_err("account %s: cannot save the tokens: %s", a->name,
			   error ? error : mo_strerror(ret));
		code = mo_exit_code(ret);
		goto out;
	}
	mo_net_err("account %s: imported%s%s; access token valid for %lld s. "
		   "Delete the old copy of the refresh token.", a->name,
		   tok.identity ? ", signed in as " : "", tok.identity ? tok.identity : "",
		   (long long)(tok.expires_at - (int64_t)time(NULL)));
	code = MO_EXIT_OK;
out:
	mo_buf_free(&form);
	mo_free_secret(rt);
	free(error);
	mo_token_reply_clear(&reply);
	mo_oauth_error_clear(&oerr);
	mo_token_clear(&tok);
	return code;
}

int
mo_cmd_import(struct mo_net_ctx *ctx, int argc, char **argv)
{
	const char *file = NULL, *name = NULL, *why = "";
	const struct mo_account *a;
	struct mo_buf in;
	char *rt = NULL, *cid = NULL;
	int i, ret, code;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--file") == 0 && i + 1 < argc)
			file = argv[++i];
		else if (argv[i][0] != '-' && name == NULL)
			name = argv[i];
		else {
			name = NULL;	/* anything else: the usage */
			break;
		}
	}
	if (name == NULL) {
		mo_net_err("usage: mailoauth import ACCOUNT [--file FILE]  (the refresh token "
			   "is read from FILE or standard input, never from the command line)");
		return MO_EXIT_USAGE;
	}
	a = mo_net_account(ctx, name);
	if (a == NULL)
		return MO_EXIT_CONFIG;
	if (a->flow == MO_FLOW_CLIENT_CREDENTIALS) {
		mo_net_err("account %s uses flow = client_credentials: there is no refresh "
			   "token to import", a->name);
		return MO_EXIT_CONFIG;
	}
	/* Proving the token uses it: a store that cannot keep what comes back
	 * is found before. */
	ret = mo_net_state_dir_ready(a, "import");
	if (ret != MO_OK)
		return mo_exit_code(ret);
	mo_buf_init(&in, IMPORT_MAX);
	code = read_input(file, &in);
	if (code != MO_EXIT_OK)
		goto out;
	ret = extract(mo_buf_str(&in), in.len, &rt, &cid, &why);
	if (ret != MO_OK) {
		mo_net_err("cannot import into account %s: %s", a->name, why);
		code = mo_exit_code(ret);
		goto out;
	}
	if (cid != NULL && a->client_id != NULL && strcmp(cid, a->client_id) != 0)
		mo_net_warn("the token file names client_id %s but account %s uses %s; a "
			    "refresh token works only for the app it was issued to", cid,
			    a->name, a->client_id);
	code = prove_and_store(ctx, a, rt);
	rt = NULL;
out:
	mo_buf_free(&in);
	mo_free_secret(rt);
	free(cid);
	return code;
}
