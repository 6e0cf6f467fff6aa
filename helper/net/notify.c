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

#include "atomicfile.h"
#include "buf.h"
#include "errmsg.h"
#include "errors.h"
#include "log.h"
#include "notify.h"
#include "paths.h"
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

/* "ACCOUNT.state" plus suffix: a name inside the state directory. */
static char *
state_name(const struct mo_account *acct, const char *suffix)
{
	return mo_strdup_printf("%s.state%s", acct->name, suffix);
}

static int64_t
get_time(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) && json_integer_value(v) > 0 ?
		(int64_t)json_integer_value(v) : 0;
}

/* Reads the state file from the checked state directory dfd. */
static int
state_load_at(int dfd, const struct mo_account *acct, struct mo_account_state *st)
{
	char *name = state_name(acct, "");
	json_t *o = NULL;
	json_error_t jerr;
	int fd = -1, ret = MO_OK;

	memset(st, 0, sizeof(*st));
	if (name == NULL)
		return MO_ERR_NOMEM;
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		ret = errno == ENOENT ? MO_ERR_NOENT : MO_ERR_IO;
		goto out;
	}
	o = json_loadfd(fd, JSON_REJECT_DUPLICATES, &jerr);
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
	if (fd >= 0)
		close(fd);
	json_decref(o);
	free(name);
	return ret;
}

int
mo_state_load(const struct mo_account *acct, struct mo_account_state *st)
{
	int dfd = -1, ret;

	memset(st, 0, sizeof(*st));
	ret = mo_private_dir_open(acct->state_dir, false, &dfd, NULL);
	if (ret == MO_OK)
		ret = state_load_at(dfd, acct, st);
	else if (ret != MO_ERR_NOENT && ret != MO_ERR_NOMEM)
		ret = MO_ERR_IO;
	if (dfd >= 0)
		close(dfd);
	return ret;
}

/* Replaces the state file inside the checked state directory dfd. */
static int
state_save_at(int dfd, const struct mo_account *acct, const struct mo_account_state *st)
{
	char *name = state_name(acct, ""), *text = NULL, *line = NULL;
	json_t *o = json_object();
	int ret = MO_ERR_NOMEM;

	if (name == NULL || o == NULL)
		goto out;
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
	line = text != NULL ? mo_strdup_printf("%s\n", text) : NULL;
	if (line == NULL)
		goto out;
	ret = mo_dir_replace(dfd, acct->state_dir, name, line, strlen(line), NULL);
out:
	json_decref(o);
	free(text);
	free(line);
	free(name);
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

/* st after an outcome in state now_state: *event is the event to notify
 * (NULL: none), *cred whether the client secret's expiry is to be told.
 * True when st changed and is to be saved. */
static bool
next_state(const struct mo_account *acct, struct mo_account_state *st,
	   enum mo_health now_state, const char *message, int result, int64_t now,
	   const char **event, bool *cred)
{
	bool changed = false;

	*event = NULL;
	*cred = false;
	if (st->state != now_state) {
		st->state = now_state;
		st->since = now;
		changed = true;
	}
	if (now_state != MO_HEALTH_OK) {
		st->last_error_at = now;
		oneline(st->last_error, sizeof(st->last_error),
			message != NULL ? message : mo_strerror(result));
		changed = true;
	}
	if (st->notified != now_state) {
		*event = now_state == MO_HEALTH_OK ? "recovered" :
			now_state == MO_HEALTH_SIGNIN_NEEDED ? "signin-needed" : "refresh-failed";
		st->notified = now_state;
		changed = true;
	}
	if (acct->client_secret_expires > 0 &&
	    acct->client_secret_expires - now < (int64_t)acct->expiry_warning_days * 86400 &&
	    st->credential_notified != acct->client_secret_expires) {
		st->credential_notified = acct->client_secret_expires;
		*cred = true;
		changed = true;
	}
	return changed;
}

/* The credential-expiring event: on which day, in how many days. */
static void
notify_credential(const struct mo_account *acct, int64_t now)
{
	char day[32], detail[512], *msg;
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
	free(msg);
}

void
mo_notify_outcome(const struct mo_account *acct, int result, const char *message)
{
	struct mo_account_state st;
	enum mo_health now_state = result == MO_OK ? MO_HEALTH_OK :
		result == MO_ERR_REAUTH ? MO_HEALTH_SIGNIN_NEEDED : MO_HEALTH_REFRESH_FAILED;
	const char *event;
	char *lockname = NULL, *msg, *err = NULL;
	bool changed, cred;
	int64_t now = (int64_t)time(NULL);
	int dfd = -1, fd = -1, ret;

	/* Everything under the state directory goes through the descriptor
	 * that was checked, as the token store does. */
	if (mo_private_dir_open(acct->state_dir, true, &dfd, &err) != MO_OK) {
		mo_net_note(1, "account %s: %s", acct->name, err != NULL ? err : "no memory");
		goto out;
	}
	lockname = state_name(acct, ".lock");
	if (lockname == NULL)
		goto out;
	fd = openat(dfd, lockname, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || flock(fd, LOCK_EX) != 0) {
		mo_net_note(1, "account %s: cannot lock %s/%s: %s", acct->name,
			    acct->state_dir, lockname, strerror(errno));
		goto out;
	}
	ret = state_load_at(dfd, acct, &st);
	if (ret != MO_OK && ret != MO_ERR_NOENT)
		memset(&st, 0, sizeof(st));	/* unreadable: start afresh */
	changed = next_state(acct, &st, now_state, message, result, now, &event, &cred);
	if (changed || ret != MO_OK) {
		st.checked_at = now;
		if (state_save_at(dfd, acct, &st) != MO_OK)
			mo_net_note(1, "account %s: cannot save %s.state", acct->name, acct->name);
	}
	if (acct->notify_command == NULL)
		goto out;
	if (event != NULL) {
		msg = compose(acct, event, st.last_error);
		if (msg != NULL)
			run_notify(acct, event, msg);
		free(msg);
	}
	if (cred)
		notify_credential(acct, now);
out:
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	free(lockname);
	free(err);
}
