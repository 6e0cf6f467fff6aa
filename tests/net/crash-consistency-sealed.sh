#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/net/crash-consistency.sh with every account's refresh token
# encrypted (store_key_file): SIGKILL during refresh, import and sign-in
# must leave an encrypted store that loads, opens and still refreshes.
CRASH_STORE_KEY=1
export CRASH_STORE_KEY
. "${top_srcdir:-.}/tests/net/crash-consistency.sh"
