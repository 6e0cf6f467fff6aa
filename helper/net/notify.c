/* SPDX-License-Identifier: MIT */
/* Account health and notify_command (notify.h). */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "buf.h"
#include "errmsg.h"
#include "errors.h"
#include "log.h"
#include "notify.h"
#include "subproc.h"

#define STATE_MAX (64 * 1024)
/* The notify_command gets this long; then it is killed. */
#define NOTIFY_TIMEOUT_MS (10 * 1000)
#define NOTIFY_ARGS_MAX 32

static const char *const health_name[] = { "ok", "signin-needed", "refresh-failed" };

static enum mo_health
health_from(const char *s)
{
	size_t i;

	for (i = 0; s != NULL && i < sizeof(health_name) / sizeof(health_name[0]); i++)
		if (strcmp(s, health_name[i]) == 0)
			return (enum mo_health)i;
	return MO_HEALTH_OK;
}

static char *
state_path(const struct mo_account *acct, const char *suffix)
{
	return mo_strdup_printf("%s/%s.state%s", acct->state_dir, acct->name, suffix);
}

static int64_t
get_time(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) && json_integer_value(v) > 0 ?
		(int64_t)json_integer_value(v) : 0;
}

int
mo_state_load(const struct mo_account *acct, struct mo_account_state *st)
{
	char *path = state_path(acct, "");
	json_t *o = NULL;
	json_error_t jerr;
	int ret = MO_OK;

	memset(st, 0, sizeof(*st));
	if (path == NULL)
		return MO_ERR_NOMEM;
	o = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (o == NULL) {
		ret = access(path, F_OK) != 0 && errno == ENOENT ? MO_ERR_NOENT : MO_ERR_PARSE;
		goto out;
	}
	if (!json_is_object(o)) {
		ret = MO_ERR_PARSE;
		goto out;
	}
	st->state = health_from(json_string_value(json_object_get(o, "state")));
	st->notified = health_from(json_string_value(json_object_get(o, "notified")));
	st->since = get_time(o, "since");
	st->checked_at = get_time(o, "checked_at");
	st->last_error_at = get_time(o, "last_error_at");
	st->credential_notified = get_time(o, "credential_notified");
	if (json_is_string(json_object_get(o, "last_error")))
		snprintf(st->last_error, sizeof(st->last_error), "%s",
			 json_string_value(json_object_get(o, "last_error")));
out:
	json_decref(o);
	free(path);
	return ret;
}

static int
state_save(const struct mo_account *acct, const struct mo_account_state *st)
{
	char *path = state_path(acct, ""), *tmp = state_path(acct, ".XXXXXX");
	json_t *o = json_object();
	char *text = NULL;
	int fd = -1, ret = MO_ERR_IO;
	size_t len, off = 0;

	if (path == NULL || tmp == NULL || o == NULL) {
		ret = MO_ERR_NOMEM;
		goto out;
	}
	json_object_set_new(o, "version", json_integer(1));
	json_object_set_new(o, "state", json_string(health_name[st->state]));
	json_object_set_new(o, "since", json_integer((json_int_t)st->since));
	json_object_set_new(o, "checked_at", json_integer((json_int_t)st->checked_at));
	if (st->last_error_at > 0) {
		json_object_set_new(o, "last_error_at", json_integer((json_int_t)st->last_error_at));
		json_object_set_new(o, "last_error", json_string(st->last_error));
	}
	json_object_set_new(o, "notified", json_string(health_name[st->notified]));
	if (st->credential_notified > 0)
		json_object_set_new(o, "credential_notified",
				    json_integer((json_int_t)st->credential_notified));
	text = json_dumps(o, JSON_INDENT(2));
	if (text == NULL)
		goto out;
	fd = mkstemp(tmp);
	if (fd < 0)
		goto out;
	if (fchmod(fd, 0600) != 0)
		goto out;
	len = strlen(text);
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto out;
		off += (size_t)n;
	}
	if (write(fd, "\n", 1) != 1 || fsync(fd) != 0)
		goto out;
	if (close(fd) != 0) {
		fd = -1;
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
		goto out;
	ret = MO_OK;
out:
	if (fd >= 0)
		close(fd);
	if (ret != MO_OK && tmp != NULL)
		unlink(tmp);
	json_decref(o);
	free(text);
	free(path);
	free(tmp);
	return ret;
}

/* The few variables a notifier needs (a desktop notification needs the
 * session's bus), copied when set; never the rest of our environment. */
static const char *const pass_env[] = {
	"PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "TZ",
	"DISPLAY", "WAYLAND_DISPLAY", "DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR",
};

static void
run_notify(const struct mo_account *acct, const char *event, const char *message)
{
	char *cmd = NULL, *argv[NOTIFY_ARGS_MAX + 1], *envp[32];
	char *save = NULL, *w;
	size_t n = 0, ne = 0, i;
	struct mo_buf out, err;
	const char *why = NULL;
	int ret, status = -1;

	mo_buf_init(&out, 4096);
	mo_buf_init(&err, 4096);
	memset(envp, 0, sizeof(envp));
	cmd = strdup(acct->notify_command);
	if (cmd == NULL)
		goto out;
	for (w = strtok_r(cmd, " \t", &save); w != NULL && n < NOTIFY_ARGS_MAX;
	     w = strtok_r(NULL, " \t", &save))
		argv[n++] = w;
	argv[n] = NULL;
	if (n == 0)
		goto out;
	envp[ne++] = mo_strdup_printf("MAILOAUTH_EVENT=%s", event);
	envp[ne++] = mo_strdup_printf("MAILOAUTH_ACCOUNT=%s", acct->name);
	envp[ne++] = mo_strdup_printf("MAILOAUTH_USER=%s", acct->user);
	envp[ne++] = mo_strdup_printf("MAILOAUTH_MESSAGE=%s", message);
	for (i = 0; i < sizeof(pass_env) / sizeof(pass_env[0]); i++) {
		const char *v = getenv(pass_env[i]);

		if (v != NULL)
			envp[ne++] = mo_strdup_printf("%s=%s", pass_env[i], v);
	}
	if (getenv("PATH") == NULL)
		envp[ne++] = strdup("PATH=/usr/local/bin:/usr/bin:/bin");
	for (i = 0; i < ne; i++)
		if (envp[i] == NULL)
			goto out;
	mo_net_note(1, "account %s: %s: running notify_command", acct->name, event);
	ret = mo_spawn_capture(argv, envp, NOTIFY_TIMEOUT_MS, &out, &err, &status, &why);
	if (ret != MO_OK)
		mo_net_err("account %s: notify_command %s for %s: %s", acct->name, argv[0],
			   event, ret == MO_ERR_TIMEOUT ? "killed after 10 s" :
			   why != NULL ? why : mo_strerror(ret));
	else if (status != 0)
		mo_net_err("account %s: notify_command %s for %s exited with status %d%s%.200s",
			   acct->name, argv[0], event, status, err.len > 0 ? ": " : "",
			   err.len > 0 ? mo_buf_str(&err) : "");
out:
	for (i = 0; i < ne; i++)
		free(envp[i]);
	free(cmd);
	mo_buf_free(&out);
	mo_buf_free(&err);
}

/* src as one line of printable text in dst (size n). */
static void
oneline(char *dst, size_t n, const char *src)
{
	size_t i;

	snprintf(dst, n, "%s", src);
	for (i = 0; dst[i] != '\0'; i++)
		if ((unsigned char)dst[i] < 0x20 || dst[i] == 0x7f)
			dst[i] = ' ';
}

/* "what happened", then "the command that fixes it". */
static char *
compose(const struct mo_account *acct, const char *event, const char *detail)
{
	if (strcmp(event, "signin-needed") == 0)
		return mo_strdup_printf("mailoauth: account %s (%s) must sign in again: %s. "
					"Fix: mailoauth authorize %s", acct->name, acct->user,
					detail, acct->name);
	if (strcmp(event, "refresh-failed") == 0)
		return mo_strdup_printf("mailoauth: account %s (%s): the access token could "
					"not be refreshed: %s. mailoauth tries again on the next "
					"use; to see where it fails: mailoauth check %s",
					acct->name, acct->user, detail, acct->name);
	if (strcmp(event, "recovered") == 0)
		return mo_strdup_printf("mailoauth: account %s (%s) works again: a new access "
					"token was obtained. Nothing to do; mailoauth status %s "
					"shows it", acct->name, acct->user, acct->name);
	return mo_strdup_printf("mailoauth: account %s (%s): %s. Fix: create a new client "
				"secret in the app registration, store it in the account's "
				"client_secret_file and set client_secret_expires; then "
				"mailoauth refresh %s", acct->name, acct->user, detail,
				acct->name);
}

void
mo_notify_outcome(const struct mo_account *acct, int result, const char *message)
{
	struct mo_account_state st;
	enum mo_health now_state = result == MO_OK ? MO_HEALTH_OK :
		result == MO_ERR_REAUTH ? MO_HEALTH_SIGNIN_NEEDED : MO_HEALTH_REFRESH_FAILED;
	const char *event = NULL;
	char *lockpath = NULL, *msg = NULL, detail[512];
	bool changed = false, cred = false;
	int64_t now = (int64_t)time(NULL);
	int fd = -1, ret;

	if (mkdir(acct->state_dir, 0700) != 0 && errno != EEXIST)
		return;
	lockpath = state_path(acct, ".lock");
	if (lockpath == NULL)
		return;
	fd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || flock(fd, LOCK_EX) != 0) {
		mo_net_note(1, "account %s: cannot lock %s: %s", acct->name, lockpath,
			    strerror(errno));
		goto out;
	}
	ret = mo_state_load(acct, &st);
	if (ret != MO_OK && ret != MO_ERR_NOENT)
		memset(&st, 0, sizeof(st));	/* unreadable: start afresh */
	if (ret != MO_OK)
		changed = true;
	if (st.state != now_state) {
		st.state = now_state;
		st.since = now;
		changed = true;
	}
	if (now_state != MO_HEALTH_OK) {
		st.last_error_at = now;
		oneline(st.last_error, sizeof(st.last_error),
			message != NULL ? message : mo_strerror(result));
		changed = true;
	}
	if (st.notified != now_state) {
		event = now_state == MO_HEALTH_OK ? "recovered" :
			now_state == MO_HEALTH_SIGNIN_NEEDED ? "signin-needed" : "refresh-failed";
		st.notified = now_state;
		changed = true;
	}
	if (acct->client_secret_expires > 0 &&
	    acct->client_secret_expires - now < (int64_t)acct->expiry_warning_days * 86400 &&
	    st.credential_notified != acct->client_secret_expires) {
		st.credential_notified = acct->client_secret_expires;
		cred = true;
		changed = true;
	}
	if (changed) {
		st.checked_at = now;
		if (state_save(acct, &st) != MO_OK)
			mo_net_note(1, "account %s: cannot save %s.state", acct->name, acct->name);
	}
	if (acct->notify_command == NULL)
		goto out;
	if (event != NULL) {
		snprintf(detail, sizeof(detail), "%s", st.last_error);
		msg = compose(acct, event, detail);
		if (msg != NULL)
			run_notify(acct, event, msg);
		free(msg);
		msg = NULL;
	}
	if (cred) {
		char day[32];
		time_t e = (time_t)acct->client_secret_expires;
		struct tm tm;
		long days = (long)((acct->client_secret_expires - now) / 86400);

		if (gmtime_r(&e, &tm) == NULL || strftime(day, sizeof(day), "%Y-%m-%d", &tm) == 0)
			snprintf(day, sizeof(day), "?");
		if (days >= 0)
			snprintf(detail, sizeof(detail), "the client secret expires on %s, in %ld "
				 "days", day, days);
		else
			snprintf(detail, sizeof(detail), "the client secret expired on %s", day);
		msg = compose(acct, "credential-expiring", detail);
		if (msg != NULL)
			run_notify(acct, "credential-expiring", msg);
	}
out:
	free(msg);
	if (fd >= 0)
		close(fd);
	free(lockpath);
}
