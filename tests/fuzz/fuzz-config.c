/* SPDX-License-Identifier: MIT */
/*
 * The configuration parser (lib/config.h): mo_config_parse() on arbitrary
 * text, then the lookups every command makes on what it accepted.
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "errors.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mo_config *cfg = NULL;
	char *error = NULL;
	size_t i;
	int rc, p;

	rc = mo_config_parse("fuzz.conf", (const char *)data, size, &cfg, &error);
	if (rc != MO_OK) {
		/* Every failure explains itself, except running out of memory. */
		fuzz_assert(cfg == NULL);
		fuzz_assert(error != NULL || rc == MO_ERR_NOMEM);
		free(error);
		return 0;
	}
	fuzz_assert(cfg != NULL);
	for (i = 0; i < cfg->n_accounts; i++) {
		const struct mo_account *a = &cfg->accounts[i];
		const struct mo_account *found = NULL;
		char *why = NULL;

		fuzz_assert(a->name != NULL && a->provider != NULL);
		fuzz_assert(a->client_id != NULL && a->user != NULL);
		fuzz_assert(a->state_dir != NULL && a->scopes != NULL);
		fuzz_assert(mo_config_account(cfg, a->name) == a);
		for (p = 0; p < MO_PROTO_COUNT; p++) {
			fuzz_assert(a->server[p].host != NULL);
			(void)mo_account_scope_for(a, (enum mo_proto)p);
		}
		rc = mo_config_find_user(cfg, a->user, &found, &why);
		fuzz_assert(rc == MO_OK || rc == MO_ERR_CONFIG || rc == MO_ERR_NOMEM);
		fuzz_assert(rc != MO_OK || found != NULL);
		free(why);
	}
	mo_config_free(cfg);
	return 0;
}
