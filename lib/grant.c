/* SPDX-License-Identifier: MIT */
/* How long a sign-in lasts (grant.h). */
#include "autoconfig.h"

#include <string.h>

#include "grant.h"

void
mo_grant_info(const struct mo_account *acct, const struct mo_token *t,
	      int64_t now, struct mo_grant *g)
{
	memset(g, 0, sizeof(*g));
	if (acct == NULL || t == NULL || acct->flow == MO_FLOW_CLIENT_CREDENTIALS ||
	    acct->provider == NULL || !acct->provider->rotates_refresh_tokens ||
	    (t->refresh_token == NULL && t->sealed == NULL) ||
	    t->refresh_obtained_at <= 0)
		return;
	g->known = true;
	g->last_used = t->refresh_obtained_at;
	g->ends_at = t->refresh_obtained_at + (int64_t)MO_GRANT_INACTIVE_DAYS * 86400;
	/* To the nearest day: a grant used a moment ago has 90 left, not 89
	 * (the limit is inactivity, counted in days, not to the second). */
	if (g->ends_at >= now)
		g->days_left = (long)((g->ends_at - now + 43200) / 86400);
	else
		g->days_left = -(long)((now - g->ends_at + 86399) / 86400);
}
