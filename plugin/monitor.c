/* SPDX-License-Identifier: MIT */
/*
 * `mailoauth check ACCOUNT --nagios`: one line in the monitoring-plugins
 * format (Nagios, Icinga, Zabbix, Naemon run such plugins unchanged),
 *
 *     SERVICE STATUS - text|label=value[UOM];warn;crit;min;max ...
 *
 * with exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (Monitoring Plugins
 * Development Guidelines, "Plugin Return Codes" and "Performance data",
 * https://www.monitoring-plugins.org/doc/guidelines.html).  check.h.
 */
#include "autoconfig.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "errors.h"
#include "grant.h"
#include "login.h"
#include "report.h"
#include "store.h"
#include "upstream.h"

enum { NAGIOS_OK = 0, NAGIOS_WARNING = 1, NAGIOS_CRITICAL = 2, NAGIOS_UNKNOWN = 3 };

static const char *const state_name[] = { "OK", "WARNING", "CRITICAL", "UNKNOWN" };

static double
mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The plugin output may not contain '|' outside the performance data,
 * and is one line. */
static void
tidy(char *s)
{
	for (; *s != '\0'; s++)
		if (*s == '|')
			*s = '/';
}

static int
unknown(const char *why)
{
	char text[MO_FAIL_MAX];

	mo_oneline(text, sizeof(text), why, strlen(why));
	tidy(text);
	printf("MAILOAUTH UNKNOWN - %s\n", text);
	fflush(stdout);
	return NAGIOS_UNKNOWN;
}

/* mo_check_run() with its steps (on stdout) sent to /dev/null: the one
 * line is ours.  Its exit status, or -1 when stdout cannot be redirected. */
static int
run_silenced(const struct mo_config *cfg, const struct mo_check_opts *opts,
	     double *elapsed_r)
{
	double t0;
	int devnull, saved, code;

	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (saved < 0 || devnull < 0 || dup2(devnull, STDOUT_FILENO) < 0) {
		if (saved >= 0)
			close(saved);
		if (devnull >= 0)
			close(devnull);
		return -1;
	}
	close(devnull);
	t0 = mono_now();
	code = mo_check_run(cfg, opts);
	*elapsed_r = mono_now() - t0;
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	return code;
}

/* The text after "STATUS - ": each protocol's result, then how long the
 * sign-in lasts and, once OK, whether the client secret expires soon.
 * Returns the state: CRITICAL when the check failed, WARNING when either
 * ends within expiry_warning_days. */
static int
summary(const struct mo_account *acct, const struct mo_check_report *rep, int code,
	const struct mo_grant *g, char *text, size_t size)
{
	char part[1200];
	int state = code == MO_EXIT_OK ? NAGIOS_OK : NAGIOS_CRITICAL;
	int i;
	size_t len;

	len = (size_t)snprintf(text, size, "account %s:", acct->name);
	for (i = 0; i < rep->n && len < size; i++) {
		const struct mo_check_item *it = &rep->item[i];

		if (it->rc == MO_OK)
			snprintf(part, sizeof(part), " %s works%s", mo_proto_label(it->proto),
				 it->recovered ? " (a refused token was refreshed)" : "");
		else
			snprintf(part, sizeof(part), " %s %s: %s", mo_proto_label(it->proto),
				 it->failed, it->msg);
		len += (size_t)snprintf(text + len, size - len, "%s%s", i > 0 ? ";" : "", part);
	}
	if (rep->n == 0 && len < size)
		len += (size_t)snprintf(text + len, size - len, " check failed (exit %d)", code);
	if (g->known && len < size) {
		if (state == NAGIOS_OK && g->days_left < acct->expiry_warning_days) {
			state = NAGIOS_WARNING;
			snprintf(part, sizeof(part), "; the sign-in ends in %ld days unless used "
				 "(90 days without use): run `mailoauth refresh %s` regularly",
				 g->days_left, acct->name);
		} else {
			snprintf(part, sizeof(part), "; sign-in valid for %ld more days of "
				 "inactivity", g->days_left);
		}
		snprintf(text + len, size - len, "%s", part);
	}
	if (state == NAGIOS_OK && acct->client_secret_expires > 0) {
		long days = (long)((acct->client_secret_expires - (int64_t)time(NULL)) / 86400);

		len = strlen(text);
		if (days < acct->expiry_warning_days) {
			state = NAGIOS_WARNING;
			snprintf(text + len, size - len, "; the client secret expires in "
				 "%ld days: create a new one in the app registration and update "
				 "client_secret_file", days);
		}
	}
	tidy(text);
	return state;
}

int
mo_check_nagios(const struct mo_config *cfg, const char *load_fail,
		const struct mo_check_opts *o)
{
	struct mo_check_report rep;
	struct mo_check_opts opts = *o;
	const struct mo_account *acct;
	struct mo_token tok = { 0 };
	struct mo_grant g = { 0 };
	char text[2048], part[1200], perf[512], *err = NULL;
	double elapsed = 0;
	int code, state;
	size_t len;

	if (cfg == NULL)
		return unknown(load_fail != NULL ? load_fail : "the configuration cannot be loaded");
	acct = mo_config_account(cfg, o->account);
	if (acct == NULL) {
		snprintf(part, sizeof(part), "no account '%s' in %s", o->account, cfg->path);
		return unknown(part);
	}
	memset(&rep, 0, sizeof(rep));
	opts.report = &rep;
	code = run_silenced(cfg, &opts, &elapsed);
	if (code < 0)
		return unknown("cannot redirect the check's output");
	if (code == MO_EXIT_USAGE || code == MO_EXIT_CONFIG || code == MO_EXIT_SOFTWARE) {
		if (rep.n > 0 && rep.item[0].msg[0] != '\0')
			return unknown(rep.item[0].msg);
		return unknown(code == MO_EXIT_USAGE ? "usage error (see mailoauth check without --nagios)" :
			       code == MO_EXIT_CONFIG ? "configuration error (run mailoauth check "
			       "without --nagios for the message)" : "internal error");
	}

	if (mo_store_load(acct->state_dir, acct->name, &tok, &err) == MO_OK)
		mo_grant_info(acct, &tok, (int64_t)time(NULL), &g);
	state = summary(acct, &rep, code, &g, text, sizeof(text));
	len = (size_t)snprintf(perf, sizeof(perf), "time=%.3fs;;;0", elapsed);
	if (g.known)
		snprintf(perf + len, sizeof(perf) - len, " grant_days_left=%ld;%ld;0",
			 g.days_left, acct->expiry_warning_days);
	printf("MAILOAUTH %s - %s|%s\n", state_name[state], text, perf);
	fflush(stdout);
	mo_token_clear(&tok);
	free(err);
	return state;
}
