# SPDX-License-Identifier: MIT
#
# The test suite: `make check`.  Every test speaks TAP; automake's
# tap-driver.sh collects the results.  A test whose prerequisite is missing
# skips locally but fails when CI=true (tests/lib/tap.sh).

LOG_DRIVER = env AM_TAP_AWK='$(AWK)' $(SHELL) $(top_srcdir)/build-aux/tap-driver.sh
TEST_EXTENSIONS = .sh
SH_LOG_DRIVER = $(LOG_DRIVER)
SH_LOG_COMPILER = $(SHELL)

# What the tests need to find the freshly built programs.
AM_TESTS_ENVIRONMENT = \
	top_srcdir='$(abs_top_srcdir)'; export top_srcdir; \
	top_builddir='$(abs_top_builddir)'; export top_builddir; \
	MAILOAUTH_HELPER='$(abs_top_builddir)/helper/mailoauth'; export MAILOAUTH_HELPER; \
	MAILOAUTH_LIBEXECDIR='$(abs_top_builddir)/tests/libexec'; export MAILOAUTH_LIBEXECDIR; \
	PYTHON3='$(PYTHON3)'; export PYTHON3; \
	ASAN_OPTIONS='allocator_may_return_null=1:detect_leaks=1:abort_on_error=0'; export ASAN_OPTIONS; \
	UBSAN_OPTIONS='print_stacktrace=1:halt_on_error=1'; export UBSAN_OPTIONS;

# The back ends live in helper/ and plugin/ in the build tree; the front end
# finds them through MAILOAUTH_LIBEXECDIR, which points here.
check_DATA = tests/libexec/.stamp
tests/libexec/.stamp:
	$(AM_V_GEN)$(MKDIR_P) tests/libexec && \
	ln -sf ../../helper/mailoauth-net tests/libexec/mailoauth-net && \
	ln -sf ../../plugin/mailoauth-connect tests/libexec/mailoauth-connect && \
	touch $@
clean-local: clean-local-tests
clean-local-tests:
	-rm -rf tests/libexec
.PHONY: clean-local-tests

check_LTLIBRARIES += tests/unit/libtap.la
tests_unit_libtap_la_SOURCES = tests/unit/tap.c tests/unit/tap.h

UNIT_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/unit
UNIT_LDADD = tests/unit/libtap.la lib/libmocrypto.la lib/libmocore.la

unit_tests = \
	tests/unit/test-core \
	tests/unit/test-saslmsg \
	tests/unit/test-challenge \
	tests/unit/test-config \
	tests/unit/test-store
check_PROGRAMS += $(unit_tests)
TESTS += $(unit_tests)

tests_unit_test_core_SOURCES = tests/unit/test-core.c
tests_unit_test_core_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_core_LDADD = $(UNIT_LDADD)
tests_unit_test_saslmsg_SOURCES = tests/unit/test-saslmsg.c
tests_unit_test_saslmsg_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_saslmsg_LDADD = $(UNIT_LDADD)
tests_unit_test_challenge_SOURCES = tests/unit/test-challenge.c
tests_unit_test_challenge_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_challenge_LDADD = $(UNIT_LDADD)
tests_unit_test_config_SOURCES = tests/unit/test-config.c
tests_unit_test_config_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_config_LDADD = $(UNIT_LDADD)
tests_unit_test_store_SOURCES = tests/unit/test-store.c
tests_unit_test_store_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_store_LDADD = $(UNIT_LDADD)

# Shell tests (TAP).
TESTS += tests/style-check.sh tests/cli.sh tests/stand-selftest.sh tests/demo.sh
EXTRA_DIST += tests/style-check.sh tests/cli.sh tests/lib/tap.sh \
	tests/stand-selftest.sh tests/demo.sh tools/demo tests/lib/store-edit.py \
	tests/mock-idp/README.md tests/mock-idp/mock_idp.py \
	tests/mock-idp/idp_core.py tests/mock-idp/idp_errors.py \
	tests/mock-idp/idp_rules.py \
	tests/stand/README.md tests/stand/stand.sh tests/stand/dovecot.sh \
	tests/stand/mkca.sh tests/stand/smtp_sink.py tests/stand/standlib.py

# The SASL plugin (sasl/) through the real libsasl2: unit tests in C, end to
# end against the test stand, and the login benchmark.
sasl_unit_tests = tests/sasl/test-sasl-plugin
check_PROGRAMS += $(sasl_unit_tests)
TESTS += $(sasl_unit_tests)
tests_sasl_test_sasl_plugin_SOURCES = tests/sasl/test-sasl-plugin.c
tests_sasl_test_sasl_plugin_CPPFLAGS = $(UNIT_CPPFLAGS) \
	-DSASL_SYSTEM_PLUGINDIR='"$(saslplugindir)"'
tests_sasl_test_sasl_plugin_CFLAGS = $(EXE_CFLAGS) $(SASL_CFLAGS)
tests_sasl_test_sasl_plugin_LDFLAGS = $(EXE_LDFLAGS)
tests_sasl_test_sasl_plugin_LDADD = $(UNIT_LDADD) $(SASL_LIBS) -lpthread

# The sign-in flows (issue 4): PKCE, the redirect parser and listener, and
# `mailoauth authorize` end to end against the mock identity platform.
signin_unit_tests = tests/unit/test-pkce tests/unit/test-signin-callback
check_PROGRAMS += $(signin_unit_tests)
TESTS += $(signin_unit_tests)
NET_UNIT_CPPFLAGS = $(UNIT_CPPFLAGS) -I$(top_srcdir)/helper/net
NET_UNIT_LDADD = tests/unit/libtap.la helper/net/libmonet.la $(MONET_LIBS)
tests_unit_test_pkce_SOURCES = tests/unit/test-pkce.c
tests_unit_test_pkce_CPPFLAGS = $(NET_UNIT_CPPFLAGS)
tests_unit_test_pkce_LDADD = $(NET_UNIT_LDADD)
tests_unit_test_signin_callback_SOURCES = tests/unit/test-signin-callback.c
tests_unit_test_signin_callback_CPPFLAGS = $(NET_UNIT_CPPFLAGS)
tests_unit_test_signin_callback_LDADD = $(NET_UNIT_LDADD)
signin_tests = tests/signin-browser.sh tests/signin-device.sh tests/signin-cc.sh
TESTS += $(signin_tests)
EXTRA_DIST += $(signin_tests) tests/lib/signin.sh tests/lib/signin-browser.py

# The connection plugin (plugin/): parser and helper unit tests, end to end
# with fetchmail, mbsync and fake servers, and (not in make check) the
# benchmark tests/bench/connect-fetchmail.sh.
plugin_unit_tests = tests/plugin/test-pop3parse tests/plugin/test-imapparse \
	tests/plugin/test-target
check_PROGRAMS += $(plugin_unit_tests)
TESTS += $(plugin_unit_tests)
PLUGIN_UNIT_CPPFLAGS = $(UNIT_CPPFLAGS) -I$(top_srcdir)/plugin
PLUGIN_UNIT_LDADD = plugin/libmoproto.la $(UNIT_LDADD)
tests_plugin_test_pop3parse_SOURCES = tests/plugin/test-pop3parse.c
tests_plugin_test_pop3parse_CPPFLAGS = $(PLUGIN_UNIT_CPPFLAGS)
tests_plugin_test_pop3parse_LDADD = $(PLUGIN_UNIT_LDADD)
tests_plugin_test_imapparse_SOURCES = tests/plugin/test-imapparse.c
tests_plugin_test_imapparse_CPPFLAGS = $(PLUGIN_UNIT_CPPFLAGS)
tests_plugin_test_imapparse_LDADD = $(PLUGIN_UNIT_LDADD)
tests_plugin_test_target_SOURCES = tests/plugin/test-target.c
tests_plugin_test_target_CPPFLAGS = $(PLUGIN_UNIT_CPPFLAGS)
tests_plugin_test_target_LDADD = $(PLUGIN_UNIT_LDADD)
TESTS += tests/e2e-sasl-clients.sh tests/e2e-sasl-postfix.sh
EXTRA_DIST += tests/e2e-sasl-clients.sh tests/e2e-sasl-postfix.sh \
	tests/sasl/e2e-lib.sh tests/bench/sasl-login.sh

# mailoauth-net against the mock identity platform (issue 3).
net_tests = tests/net-token.sh tests/net-retry.sh tests/net-concurrency.sh \
	tests/net-commands.sh
TESTS += $(net_tests)
EXTRA_DIST += $(net_tests) tests/lib/netstand.sh \
	tests/bench/token-fastpath.sh tests/bench/refresh-all.sh tests/bench/bench_run.py
plugin_e2e_tests = tests/e2e-connect-fetchmail.sh tests/e2e-connect-mbsync.sh \
	tests/e2e-connect-tls.sh tests/e2e-connect-o365.sh \
	tests/e2e-connect-errors.sh tests/e2e-connect-check.sh \
	tests/e2e-connect-hostile.sh tests/e2e-connect-forms.sh
TESTS += $(plugin_e2e_tests)
EXTRA_DIST += $(plugin_e2e_tests) tests/plugin/connect-lib.sh \
	tests/plugin/fake_server.py tests/bench/connect-fetchmail.sh
net_unit_tests = tests/unit/test-net
check_PROGRAMS += $(net_unit_tests)
TESTS += $(net_unit_tests)
tests_unit_test_net_SOURCES = tests/unit/test-net.c
tests_unit_test_net_CPPFLAGS = $(NET_UNIT_CPPFLAGS)
tests_unit_test_net_CFLAGS = $(AM_CFLAGS) $(CURL_CFLAGS) $(JANSSON_CFLAGS)
tests_unit_test_net_LDADD = $(NET_UNIT_LDADD)

# The SASL plugin when memory runs out (issue 8): its sources linked into
# the test, driven through sasl_client_plug_init with a hand-made
# sasl_utils_t, every allocation (utils, libc through --wrap, jansson)
# made to fail in turn.
check_PROGRAMS += tests/sasl/test-sasl-nomem
TESTS += tests/sasl/test-sasl-nomem
tests_sasl_test_sasl_nomem_SOURCES = tests/sasl/test-sasl-nomem.c \
	sasl/plugin.c sasl/plugin.h sasl/mech.c sasl/creds.c sasl/token.c
tests_sasl_test_sasl_nomem_CPPFLAGS = $(UNIT_CPPFLAGS) -I$(top_srcdir)/sasl
tests_sasl_test_sasl_nomem_CFLAGS = $(EXE_CFLAGS) $(SASL_CFLAGS) $(JANSSON_CFLAGS)
tests_sasl_test_sasl_nomem_LDFLAGS = $(EXE_LDFLAGS) \
	-Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=reallocarray \
	-Wl,--wrap=free,--wrap=strdup,--wrap=strndup
tests_sasl_test_sasl_nomem_LDADD = $(UNIT_LDADD) $(JANSSON_LIBS)

# Valgrind memcheck over every C test program (issue 8); skipped in a
# --enable-sanitizers build.  `make check-valgrind` runs it alone.
TESTS += tests/valgrind.sh
EXTRA_DIST += tests/valgrind.sh
check-valgrind: $(check_PROGRAMS)
	$(AM_V_at)$(AM_TESTS_ENVIRONMENT) $(SHELL) $(top_srcdir)/tests/valgrind.sh
.PHONY: check-valgrind

# Crash consistency (SIGKILL during refresh, import and device sign-in) and
# load (200 concurrent mailoauth connect sessions on a stale token), issue
# 8.  make check runs crash-consistency.sh short (40 + 40 + 8 rounds);
# `make check-crash` runs 500 + 500 + 500 rounds (about 2 minutes).
crash_load_tests = tests/crash-consistency.sh tests/load-connect.sh
TESTS += $(crash_load_tests)
EXTRA_DIST += $(crash_load_tests)
check-crash: all $(check_DATA)
	$(AM_V_at)$(AM_TESTS_ENVIRONMENT) CRASH_FULL=1 $(SHELL) $(top_srcdir)/tests/crash-consistency.sh
.PHONY: check-crash

# Every client setup of doc/clients.md run end to end with the real client,
# configured from the guide's own blocks, against the test stand (issue 7).
clients_e2e_tests = tests/e2e-clients-msmtp.sh tests/e2e-clients-getmail.sh \
	tests/e2e-clients-mutt.sh tests/e2e-clients-neomutt.sh tests/e2e-clients-refresh.sh
TESTS += $(clients_e2e_tests)
EXTRA_DIST += $(clients_e2e_tests) tests/clients/clients-lib.sh
