/* SPDX-License-Identifier: MIT */
/*
 * `mailoauth notify-failure UNIT`: the systemd unit UNIT (a refresh job,
 * mailoauth-refresh.service or mailoauth-refresh@USER.service) failed; run
 * by mailoauth-notify.service / mailoauth-notify@USER.service, its
 * OnFailure= handler, as the same user.
 *
 * A refresh that failed for an account already ran that account's
 * notify_command (notify.h), once per change of state.  So: when some
 * account is in a failed state that was notified, the failure is explained
 * and nothing more is sent.  Otherwise the job failed without an account's
 * error to show for it (killed, timed out, crashed): every account is
 * recorded as refresh-failed with a message naming UNIT and its journal,
 * which notifies each once; the next good refresh notifies "recovered".
 * So a job that fails every five minutes notifies once, not every run.
 * Only UNIT's name is taken from the command line: no secret, and it is
 * checked to be a unit name before it goes into a message.
 */
#include "autoconfig.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "errors.h"
#include "log.h"
#include "notify.h"

#define UNIT_MAX 256

/* systemd unit names: ASCII letters, digits and ":-_.\@" (systemd.unit(5)),
 * with a type suffix such as ".service". */
static bool
valid_unit(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > UNIT_MAX || strchr(s, '.') == NULL)
		return false;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || strchr(":-_.\\@", c) != NULL))
			return false;
	}
	return true;
}

int
mo_cmd_notify_failure(struct mo_net_ctx *ctx, int argc, char **argv)
{
	const struct mo_config *cfg = ctx->cfg;
	struct mo_account_state st;
	char msg[UNIT_MAX * 2 + 200];
	size_t i, explained = 0;

	if (argc != 2 || !valid_unit(argv[1])) {
		mo_net_err("usage: mailoauth notify-failure UNIT (the systemd unit that "
			   "failed, e.g. mailoauth-refresh@postfix.service)");
		return MO_EXIT_USAGE;
	}
	for (i = 0; i < cfg->n_accounts; i++) {
		const struct mo_account *a = &cfg->accounts[i];

		if (mo_state_load(a, &st) == MO_OK && st.state != MO_HEALTH_OK &&
		    st.notified == st.state) {
			mo_net_note(1, "account %s: its failure (%s) was notified already", a->name,
				    st.state == MO_HEALTH_SIGNIN_NEEDED ? "signin-needed"
									: "refresh-failed");
			explained++;
		}
	}
	if (explained > 0) {
		mo_net_err("%s failed; %zu account%s told %s notify_command why already",
			   argv[1], explained, explained == 1 ? "" : "s",
			   explained == 1 ? "its" : "their");
		return MO_EXIT_OK;
	}
	snprintf(msg, sizeof(msg), "the scheduled refresh %s failed without an error of this "
		 "account (killed, timed out or crashed); journalctl -u %s shows why",
		 argv[1], argv[1]);
	for (i = 0; i < cfg->n_accounts; i++)
		mo_notify_outcome(&cfg->accounts[i], MO_ERR_TEMP, msg);
	mo_net_err("%s failed; recorded for %zu account%s (their notify_command runs once)",
		   argv[1], cfg->n_accounts, cfg->n_accounts == 1 ? "" : "s");
	return MO_EXIT_OK;
}
