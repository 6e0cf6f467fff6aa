/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "errors.h"
#include "sasl-test.h"
#include "store.h"
#include "tap.h"

int
st_store(const char *dir, const char *account, const char *access_token,
	 int64_t expires_at)
{
	struct mo_token t;
	char *error = NULL;
	int ret;

	memset(&t, 0, sizeof(t));
	t.access_token = (char *)access_token;
	t.refresh_token = (char *)"0.ARefresh";
	t.token_type = (char *)"Bearer";
	t.obtained_at = (int64_t)time(NULL);
	t.expires_at = expires_at;
	ret = mo_store_save(dir, account, &t, &error);
	if (ret != MO_OK)
		tap_diag("mo_store_save %s: %s", account, error != NULL ? error : "?");
	free(error);
	return ret;
}
