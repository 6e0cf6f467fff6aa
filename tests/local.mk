# SPDX-License-Identifier: MIT
#
# The test suite: `make check`.  Every test speaks TAP; automake's
# tap-driver.sh collects the results.  A test whose prerequisite is missing
# skips locally but fails when CI=true (tests/lib/tap.sh).
#
# Grouped by component, as the folders are: unit (lib/ and the front end),
# net (mailoauth-net), sasl, connect, clients, docs; the fuzzers' corpora
# are in tests/fuzz/local.mk.

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

# ---- shared: TAP in C and shell, the test stand ---------------------------

check_LTLIBRARIES += tests/unit/libtap.la
tests_unit_libtap_la_SOURCES = tests/unit/tap.c tests/unit/tap.h \
	tests/unit/fixture.c tests/unit/fixture.h

UNIT_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/unit
UNIT_LDADD = tests/unit/libtap.la lib/libmocrypto.la lib/libmocore.la

# The stand's self-test; skip.sh: a test that cannot run here is a SKIP
# (an ERROR only under CI=true).
TESTS += tests/stand/selftest.sh tests/stand/skip.sh
EXTRA_DIST += tests/lib/tap.sh tests/lib/e2e.sh tests/lib/store-edit.py \
	tests/stand/selftest.sh tests/stand/skip.sh \
	tests/mock-idp/README.md tests/mock-idp/mock_idp.py \
	tests/mock-idp/idp_core.py tests/mock-idp/idp_errors.py \
	tests/mock-idp/idp_rules.py tests/mock-idp/idp_assert.py \
	tests/stand/README.md tests/stand/stand.sh tests/stand/dovecot.sh \
	tests/stand/mkca.sh tests/stand/smtp_sink.py tests/stand/standlib.py

# ---- unit: lib/ and the front end --------------------------------------

unit_tests = \
	tests/unit/test-core \
	tests/unit/test-clock \
	tests/unit/test-errmsg \
	tests/unit/test-tokenout \
	tests/unit/test-grantcheck \
	tests/unit/test-text \
	tests/unit/test-saslmsg \
	tests/unit/test-challenge \
	tests/unit/test-jsonload \
	tests/unit/test-jsonalloc \
	tests/unit/test-config \
	tests/unit/test-store \
	tests/unit/test-storecrypt \
	tests/unit/test-subproc
check_PROGRAMS += $(unit_tests)
TESTS += $(unit_tests)

tests_unit_test_core_SOURCES = tests/unit/test-core.c
tests_unit_test_core_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_core_LDADD = $(UNIT_LDADD)
tests_unit_test_subproc_SOURCES = tests/unit/test-subproc.c
tests_unit_test_subproc_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_subproc_LDADD = $(UNIT_LDADD)
tests_unit_test_clock_SOURCES = tests/unit/test-clock.c
tests_unit_test_clock_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_clock_LDADD = $(UNIT_LDADD)
tests_unit_test_errmsg_SOURCES = tests/unit/test-errmsg.c
tests_unit_test_errmsg_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_errmsg_LDADD = $(UNIT_LDADD)
tests_unit_test_tokenout_SOURCES = tests/unit/test-tokenout.c
tests_unit_test_tokenout_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_tokenout_LDADD = $(UNIT_LDADD)
tests_unit_test_grantcheck_SOURCES = tests/unit/test-grantcheck.c
tests_unit_test_grantcheck_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_grantcheck_LDADD = $(UNIT_LDADD)
tests_unit_test_jsonalloc_SOURCES = tests/unit/test-jsonalloc.c
tests_unit_test_jsonalloc_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_jsonalloc_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
tests_unit_test_jsonalloc_LDADD = $(UNIT_LDADD) $(JANSSON_LIBS)
tests_unit_test_text_SOURCES = tests/unit/test-text.c
tests_unit_test_text_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_text_LDADD = $(UNIT_LDADD)
tests_unit_test_saslmsg_SOURCES = tests/unit/test-saslmsg.c
tests_unit_test_saslmsg_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_saslmsg_LDADD = $(UNIT_LDADD)
tests_unit_test_challenge_SOURCES = tests/unit/test-challenge.c
tests_unit_test_challenge_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_challenge_LDADD = $(UNIT_LDADD)
tests_unit_test_jsonload_SOURCES = tests/unit/test-jsonload.c
tests_unit_test_jsonload_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_jsonload_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
tests_unit_test_jsonload_LDADD = $(UNIT_LDADD) $(JANSSON_LIBS)
tests_unit_test_config_SOURCES = tests/unit/test-config.c
tests_unit_test_config_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_config_LDADD = $(UNIT_LDADD)
tests_unit_test_store_SOURCES = tests/unit/test-store.c
tests_unit_test_store_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_store_LDADD = $(UNIT_LDADD)
tests_unit_test_storecrypt_SOURCES = tests/unit/test-storecrypt.c
tests_unit_test_storecrypt_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_storecrypt_LDADD = $(UNIT_LDADD)

# The sources' style (banned functions, a silent SASL plugin, SPDX lines)
# and the front end's command line.
TESTS += tests/unit/style-check.sh tests/unit/cli.sh
EXTRA_DIST += tests/unit/style-check.sh tests/unit/cli.sh

# Valgrind memcheck over every C test program; skipped in a
# --enable-sanitizers build.  `make check-valgrind` runs it alone.
TESTS += tests/unit/valgrind.sh
EXTRA_DIST += tests/unit/valgrind.sh
check-valgrind: $(check_PROGRAMS)
	$(AM_V_at)$(AM_TESTS_ENVIRONMENT) $(SHELL) $(top_srcdir)/tests/unit/valgrind.sh
.PHONY: check-valgrind

# ---- net: mailoauth-net (helper/net/) ----------------------------------

# Unit tests link the back end's own library.
NET_UNIT_CPPFLAGS = $(UNIT_CPPFLAGS) -I$(top_srcdir)/helper/net
NET_UNIT_LDADD = tests/unit/libtap.la helper/net/libmonet.la $(MONET_LIBS)
net_unit_tests = tests/unit/test-net tests/unit/test-pkce \
	tests/unit/test-signin-callback
check_PROGRAMS += $(net_unit_tests)
TESTS += $(net_unit_tests)
tests_unit_test_net_SOURCES = tests/unit/test-net.c
tests_unit_test_net_CPPFLAGS = $(NET_UNIT_CPPFLAGS)
tests_unit_test_net_CFLAGS = $(AM_CFLAGS) $(CURL_CFLAGS) $(JANSSON_CFLAGS)
tests_unit_test_net_LDADD = $(NET_UNIT_LDADD)
tests_unit_test_pkce_SOURCES = tests/unit/test-pkce.c
tests_unit_test_pkce_CPPFLAGS = $(NET_UNIT_CPPFLAGS)
tests_unit_test_pkce_LDADD = $(NET_UNIT_LDADD)
tests_unit_test_signin_callback_SOURCES = tests/unit/test-signin-callback.c
tests_unit_test_signin_callback_CPPFLAGS = $(NET_UNIT_CPPFLAGS)
tests_unit_test_signin_callback_LDADD = $(NET_UNIT_LDADD)
# The listener's retries when [::1] is taken: bind() wrapped by the linker.
if HAVE_LD_WRAP
check_PROGRAMS += tests/unit/test-loopback
TESTS += tests/unit/test-loopback
endif
tests_unit_test_loopback_SOURCES = tests/unit/test-loopback.c
tests_unit_test_loopback_CPPFLAGS = $(NET_UNIT_CPPFLAGS)
tests_unit_test_loopback_LDFLAGS = $(AM_LDFLAGS) -Wl,--wrap=bind
tests_unit_test_loopback_LDADD = $(NET_UNIT_LDADD)

# Against the mock identity platform: token, refresh, retries, the other
# commands, the three sign-in flows.
net_tests = tests/net/token.sh tests/net/retry.sh tests/net/concurrency.sh \
	tests/net/commands.sh \
	tests/net/signin-browser.sh tests/net/signin-device.sh tests/net/signin-cc.sh \
	tests/net/signin-grant.sh \
	tests/net/cloud.sh tests/net/store-encryption.sh tests/net/signin-blocked.sh \
	tests/net/signin-cert.sh tests/net/app-token.sh \
	tests/net/outside-text.sh tests/net/store-dirfd.sh tests/net/credential-commands.sh \
	tests/net/notify-examples.sh \
	tests/net/signin-loopback.sh \
	tests/net/logout.sh \
	tests/net/outside-numbers.sh
TESTS += $(net_tests)
EXTRA_DIST += $(net_tests) tests/net/netstand.sh tests/net/signin.sh \
	tests/net/signin-browser.py tests/net/tty-import.py

# Crash consistency: SIGKILL during refresh, import and device sign-in.
# make check runs it short (40 + 40 + 8 rounds); `make check-crash` runs
# 500 + 500 + 500 rounds (about 2 minutes).
# crash-consistency-sealed.sh: the same with the refresh tokens encrypted.
TESTS += tests/net/crash-consistency.sh tests/net/crash-consistency-sealed.sh
EXTRA_DIST += tests/net/crash-consistency.sh tests/net/crash-consistency-sealed.sh
check-crash: all $(check_DATA)
	$(AM_V_at)$(AM_TESTS_ENVIRONMENT) CRASH_FULL=1 $(SHELL) $(top_srcdir)/tests/net/crash-consistency.sh
	$(AM_V_at)$(AM_TESTS_ENVIRONMENT) CRASH_FULL=1 $(SHELL) $(top_srcdir)/tests/net/crash-consistency-sealed.sh
.PHONY: check-crash

# ---- sasl: the SASL plugin (sasl/) -------------------------------------

# What the C tests of the plugin share (one function an object: the
# libsasl2-free test-sasl-nomem takes only the store).
check_LTLIBRARIES += tests/sasl/libsasltest.la
tests_sasl_libsasltest_la_SOURCES = tests/sasl/sasl-test.h \
	tests/sasl/store-fixture.c tests/sasl/plugindir.c
tests_sasl_libsasltest_la_CPPFLAGS = $(UNIT_CPPFLAGS) \
	-DSASL_SYSTEM_PLUGINDIR='"$(saslplugindir)"'
tests_sasl_libsasltest_la_CFLAGS = $(AM_CFLAGS) $(SASL_CFLAGS)
SASL_TEST_LDADD = tests/sasl/libsasltest.la $(UNIT_LDADD)

# Through the real libsasl2.
check_PROGRAMS += tests/sasl/test-sasl-plugin
TESTS += tests/sasl/test-sasl-plugin
tests_sasl_test_sasl_plugin_SOURCES = tests/sasl/test-sasl-plugin.c
tests_sasl_test_sasl_plugin_CPPFLAGS = $(UNIT_CPPFLAGS) \
	-DSASL_SYSTEM_PLUGINDIR='"$(saslplugindir)"'
tests_sasl_test_sasl_plugin_CFLAGS = $(EXE_CFLAGS) $(SASL_CFLAGS)
tests_sasl_test_sasl_plugin_LDFLAGS = $(EXE_LDFLAGS)
tests_sasl_test_sasl_plugin_LDADD = $(SASL_TEST_LDADD) $(SASL_LIBS) -lpthread

# No effect without a configuration: the mechanism choices of a libsasl
# client with and without the plugin (SASL_PATH), compared.
check_PROGRAMS += tests/sasl/test-sasl-choice
TESTS += tests/sasl/test-sasl-choice
tests_sasl_test_sasl_choice_SOURCES = tests/sasl/test-sasl-choice.c
tests_sasl_test_sasl_choice_CPPFLAGS = $(UNIT_CPPFLAGS) \
	-DSASL_SYSTEM_PLUGINDIR='"$(saslplugindir)"'
tests_sasl_test_sasl_choice_CFLAGS = $(EXE_CFLAGS) $(SASL_CFLAGS)
tests_sasl_test_sasl_choice_LDFLAGS = $(EXE_LDFLAGS)
tests_sasl_test_sasl_choice_LDADD = $(SASL_TEST_LDADD) $(SASL_LIBS)

# No escape from a chroot: load the plugin as root, chroot, drop to nobody,
# then no directory descriptor outside the root and the store inside found.
check_PROGRAMS += tests/sasl/test-sasl-chroot
TESTS += tests/sasl/test-sasl-chroot
tests_sasl_test_sasl_chroot_SOURCES = tests/sasl/test-sasl-chroot.c
tests_sasl_test_sasl_chroot_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_sasl_test_sasl_chroot_CFLAGS = $(EXE_CFLAGS) $(SASL_CFLAGS)
tests_sasl_test_sasl_chroot_LDFLAGS = $(EXE_LDFLAGS)
tests_sasl_test_sasl_chroot_LDADD = $(SASL_TEST_LDADD) $(SASL_LIBS)

# When memory runs out: the plugin's sources linked into the test, driven
# through sasl_client_plug_init with a hand-made sasl_utils_t, every
# allocation (utils, libc through --wrap, jansson) made to fail in turn.
check_PROGRAMS += tests/sasl/test-sasl-nomem
TESTS += tests/sasl/test-sasl-nomem
tests_sasl_test_sasl_nomem_SOURCES = tests/sasl/test-sasl-nomem.c \
	sasl/plugin.c sasl/plugin.h sasl/mech.c sasl/creds.c sasl/token.c
tests_sasl_test_sasl_nomem_CPPFLAGS = $(UNIT_CPPFLAGS) -I$(top_srcdir)/sasl
tests_sasl_test_sasl_nomem_CFLAGS = $(EXE_CFLAGS) $(SASL_CFLAGS) $(JANSSON_CFLAGS)
tests_sasl_test_sasl_nomem_LDFLAGS = $(EXE_LDFLAGS) \
	-Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=reallocarray \
	-Wl,--wrap=free,--wrap=strdup,--wrap=strndup
tests_sasl_test_sasl_nomem_LDADD = $(SASL_TEST_LDADD) $(JANSSON_LIBS)

# End to end: pop3test, imtest, mbsync, Postfix.
sasl_e2e_tests = tests/sasl/e2e-clients.sh tests/sasl/e2e-postfix.sh \
	tests/sasl/e2e-refused.sh
TESTS += $(sasl_e2e_tests)
EXTRA_DIST += $(sasl_e2e_tests) tests/sasl/e2e-lib.sh

# ---- connect: the connection plugin and check (plugin/) ----------------

CONNECT_UNIT_CPPFLAGS = $(UNIT_CPPFLAGS) -I$(top_srcdir)/plugin
CONNECT_UNIT_LDADD = plugin/libmoproto.la $(UNIT_LDADD)
connect_unit_tests = tests/connect/test-pop3parse tests/connect/test-imapparse \
	tests/connect/test-target tests/connect/test-smtpadvice
check_PROGRAMS += $(connect_unit_tests)
TESTS += $(connect_unit_tests)
tests_connect_test_pop3parse_SOURCES = tests/connect/test-pop3parse.c
tests_connect_test_pop3parse_CPPFLAGS = $(CONNECT_UNIT_CPPFLAGS)
tests_connect_test_pop3parse_LDADD = $(CONNECT_UNIT_LDADD)
tests_connect_test_imapparse_SOURCES = tests/connect/test-imapparse.c
tests_connect_test_imapparse_CPPFLAGS = $(CONNECT_UNIT_CPPFLAGS)
tests_connect_test_imapparse_LDADD = $(CONNECT_UNIT_LDADD)
tests_connect_test_target_SOURCES = tests/connect/test-target.c
tests_connect_test_target_CPPFLAGS = $(CONNECT_UNIT_CPPFLAGS)
tests_connect_test_target_LDADD = $(CONNECT_UNIT_LDADD)
tests_connect_test_smtpadvice_SOURCES = tests/connect/test-smtpadvice.c
tests_connect_test_smtpadvice_CPPFLAGS = $(CONNECT_UNIT_CPPFLAGS)
tests_connect_test_smtpadvice_LDADD = $(CONNECT_UNIT_LDADD)

# End to end with fetchmail, mbsync and fake servers; load: 200 concurrent
# sessions on a stale token.
connect_e2e_tests = tests/connect/e2e-fetchmail.sh tests/connect/e2e-mbsync.sh \
	tests/connect/e2e-tls.sh tests/connect/e2e-ca-scope.sh tests/connect/e2e-o365.sh \
	tests/connect/e2e-errors.sh tests/connect/e2e-check.sh \
	tests/connect/e2e-hostile.sh tests/connect/e2e-forms.sh \
	tests/connect/e2e-infer.sh tests/connect/e2e-keytls.sh tests/connect/e2e-lean.sh \
	tests/connect/e2e-refused.sh tests/connect/e2e-monitor.sh tests/connect/e2e-expired.sh \
	tests/connect/e2e-smtp-o365.sh \
	tests/connect/load.sh
TESTS += $(connect_e2e_tests)
EXTRA_DIST += $(connect_e2e_tests) tests/connect/connect-lib.sh \
	tests/connect/fake_server.py

# ---- clients: doc/clients.md, run with the real clients ----------------

# Every client setup of the guide, configured from its own blocks, and the
# README's demo (tools/demo runs tests/clients/demo.sh).
clients_e2e_tests = tests/clients/demo.sh \
	tests/clients/e2e-msmtp.sh tests/clients/e2e-getmail.sh \
	tests/clients/e2e-mutt.sh tests/clients/e2e-neomutt.sh tests/clients/e2e-refresh.sh \
	tests/clients/e2e-mpop.sh tests/clients/e2e-curl.sh tests/clients/e2e-python.sh \
	tests/clients/e2e-offlineimap.sh tests/clients/e2e-snail.sh tests/clients/e2e-aerc.sh
TESTS += $(clients_e2e_tests)
EXTRA_DIST += $(clients_e2e_tests) tests/clients/clients-lib.sh tools/demo

# ---- docs: manual pages, guides, completion, packaging -----------------

# mandoc -Tlint; every configuration example through the real loader;
# every command, option, exit code and key documented; the bash completion;
# the packaging agrees with the build.
docs_tests = tests/docs/man-lint.sh tests/docs/man-examples.sh \
	tests/docs/doc-coverage.sh tests/docs/completion.sh tests/docs/packaging.sh
TESTS += $(docs_tests)
EXTRA_DIST += $(docs_tests)

# ---- bench: not in make check ------------------------------------------

EXTRA_DIST += tests/bench/token-fastpath.sh tests/bench/refresh-all.sh \
	tests/bench/bench_run.py tests/bench/sasl-login.sh \
	tests/bench/connect-fetchmail.sh tests/bench/app-token.sh

# connect-fetchmail.sh's yardstick relays, built on demand by the script
# (`make tests/bench/baseline-relay`).
EXTRA_PROGRAMS = tests/bench/baseline-relay
tests_bench_baseline_relay_SOURCES = tests/bench/baseline-relay.c
tests_bench_baseline_relay_CFLAGS = $(EXE_CFLAGS) $(SSL_CFLAGS)
tests_bench_baseline_relay_LDFLAGS = $(EXE_LDFLAGS)
tests_bench_baseline_relay_LDADD = $(SSL_LIBS) $(CRYPTO_LIBS)
CLEANFILES += tests/bench/baseline-relay
