# SPDX-License-Identifier: MIT
# shellcheck shell=sh
# What the mailoauth-net tests add to tests/lib/e2e.sh (the stand, accounts,
# import, mo, the secret scan: see there): short retry budgets, so that a
# test of a failing identity platform takes seconds, not minutes.  Source
# after tests/lib/tap.sh; then e2e_setup --no-dovecot.

# shellcheck source=tests/lib/e2e.sh disable=SC1091
. "${top_srcdir:-.}/tests/lib/e2e.sh"

# Fast tests: short HTTP timeouts and retry budgets unless a test says else.
MAILOAUTH_RETRY_BUDGET=${MAILOAUTH_RETRY_BUDGET:-20}
export MAILOAUTH_RETRY_BUDGET

# Token requests the last command made (it ran with -v, its stderr in $ERR).
attempts() {
	grep -c "oauth2/v2.0/token .*(attempt" "$ERR"
}
