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
	tests/unit/test-challenge
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

# Shell tests (TAP).
TESTS += tests/style-check.sh tests/cli.sh
EXTRA_DIST += tests/style-check.sh tests/cli.sh tests/lib/tap.sh

# The sign-in flows (issue 4): PKCE, the redirect parser and listener, and
# `mailoauth authorize` end to end against the mock identity platform.
signin_unit_tests = tests/unit/test-pkce tests/unit/test-signin-callback
check_PROGRAMS += $(signin_unit_tests)
TESTS += $(signin_unit_tests)
SIGNIN_UNIT_CPPFLAGS = $(UNIT_CPPFLAGS) -I$(top_srcdir)/helper
tests_unit_test_pkce_SOURCES = tests/unit/test-pkce.c helper/signin-pkce.c
tests_unit_test_pkce_CPPFLAGS = $(SIGNIN_UNIT_CPPFLAGS)
tests_unit_test_pkce_CFLAGS = $(AM_CFLAGS) $(CRYPTO_CFLAGS)
tests_unit_test_pkce_LDADD = $(UNIT_LDADD) $(CRYPTO_LIBS)
tests_unit_test_signin_callback_SOURCES = tests/unit/test-signin-callback.c \
	helper/signin-callback.c helper/signin-check.c helper/signin-loopback.c \
	helper/net-log.c
tests_unit_test_signin_callback_CPPFLAGS = $(SIGNIN_UNIT_CPPFLAGS)
tests_unit_test_signin_callback_LDADD = $(UNIT_LDADD)
signin_tests = tests/signin-browser.sh tests/signin-device.sh tests/signin-cc.sh
TESTS += $(signin_tests)
EXTRA_DIST += $(signin_tests) tests/lib/signin.sh tests/lib/signin-browser.py
