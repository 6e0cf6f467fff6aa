# SPDX-License-Identifier: MIT
#
# tests/fuzz/: one libFuzzer harness per parser (README.md there).
#
# make check: each harness, built with the configured compiler and linked
# with regress.c, runs over its seed corpus (tests/fuzz/corpus/NAME/) as an
# ordinary TAP test -- no clang needed.
#
# make fuzz: the harnesses built with clang -fsanitize=fuzzer,address,
# undefined (tests/fuzz/fuzz.sh) and run FUZZ_SECONDS each; any crash,
# leak or sanitizer report fails.

fuzz_regress = tests/fuzz/regress-config tests/fuzz/regress-store \
	tests/fuzz/regress-challenge tests/fuzz/regress-idp-reply \
	tests/fuzz/regress-redirect tests/fuzz/regress-pop3 \
	tests/fuzz/regress-imap
check_PROGRAMS += $(fuzz_regress)
TESTS += $(fuzz_regress)

FUZZ_REGRESS_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/fuzz \
	-DFUZZ_CORPUS_DIR='"$(abs_top_srcdir)/tests/fuzz/corpus"'
FUZZ_REGRESS_COMMON = tests/fuzz/regress.c tests/fuzz/fuzz-common.c \
	tests/fuzz/fuzz.h
FUZZ_CORE_LDADD = lib/libmocore.la

tests_fuzz_regress_config_SOURCES = tests/fuzz/fuzz-config.c $(FUZZ_REGRESS_COMMON)
tests_fuzz_regress_config_CPPFLAGS = $(FUZZ_REGRESS_CPPFLAGS) -DFUZZ_NAME='"config"'
tests_fuzz_regress_config_LDADD = $(FUZZ_CORE_LDADD)
tests_fuzz_regress_store_SOURCES = tests/fuzz/fuzz-store.c $(FUZZ_REGRESS_COMMON)
tests_fuzz_regress_store_CPPFLAGS = $(FUZZ_REGRESS_CPPFLAGS) -DFUZZ_NAME='"store"'
tests_fuzz_regress_store_LDADD = $(FUZZ_CORE_LDADD)
tests_fuzz_regress_challenge_SOURCES = tests/fuzz/fuzz-challenge.c $(FUZZ_REGRESS_COMMON)
tests_fuzz_regress_challenge_CPPFLAGS = $(FUZZ_REGRESS_CPPFLAGS) -DFUZZ_NAME='"challenge"'
tests_fuzz_regress_challenge_LDADD = $(FUZZ_CORE_LDADD)
tests_fuzz_regress_idp_reply_SOURCES = tests/fuzz/fuzz-idp-reply.c \
	$(FUZZ_REGRESS_COMMON)
tests_fuzz_regress_idp_reply_CPPFLAGS = $(FUZZ_REGRESS_CPPFLAGS) \
	-I$(top_srcdir)/helper/net -DFUZZ_NAME='"idp-reply"'
tests_fuzz_regress_idp_reply_CFLAGS = $(AM_CFLAGS) $(CURL_CFLAGS) \
	$(JANSSON_CFLAGS) $(CRYPTO_CFLAGS) $(QRENCODE_CFLAGS)
tests_fuzz_regress_idp_reply_LDADD = helper/net/libmonet.la $(MONET_LIBS)
tests_fuzz_regress_redirect_SOURCES = tests/fuzz/fuzz-redirect.c \
	$(FUZZ_REGRESS_COMMON)
tests_fuzz_regress_redirect_CPPFLAGS = $(FUZZ_REGRESS_CPPFLAGS) \
	-I$(top_srcdir)/helper/net -DFUZZ_NAME='"redirect"'
tests_fuzz_regress_redirect_LDADD = helper/net/libmonet.la $(MONET_LIBS)
tests_fuzz_regress_pop3_SOURCES = tests/fuzz/fuzz-pop3.c $(FUZZ_REGRESS_COMMON)
tests_fuzz_regress_pop3_CPPFLAGS = $(FUZZ_REGRESS_CPPFLAGS) \
	-I$(top_srcdir)/plugin -DFUZZ_NAME='"pop3"'
tests_fuzz_regress_pop3_CFLAGS = $(AM_CFLAGS) $(SSL_CFLAGS)
tests_fuzz_regress_pop3_LDADD = plugin/libmoupstream.la $(MOUPSTREAM_LIBS)
tests_fuzz_regress_imap_SOURCES = tests/fuzz/fuzz-imap.c $(FUZZ_REGRESS_COMMON)
tests_fuzz_regress_imap_CPPFLAGS = $(FUZZ_REGRESS_CPPFLAGS) \
	-I$(top_srcdir)/plugin -DFUZZ_NAME='"imap"'
tests_fuzz_regress_imap_CFLAGS = $(AM_CFLAGS) $(SSL_CFLAGS)
tests_fuzz_regress_imap_LDADD = plugin/libmoupstream.la $(MOUPSTREAM_LIBS)

# The seeds (a directory: every file in it is distributed); the harnesses
# are distributed as sources of the regression drivers.
EXTRA_DIST += tests/fuzz/corpus tests/fuzz/README.md tests/fuzz/fuzz.sh

# make fuzz [FUZZ_SECONDS=N] [FUZZ_TARGETS="store imap"] [FUZZ_CC=clang-14]
FUZZ_CC = clang
FUZZ_SECONDS = 20
FUZZ_JOBS = 2
FUZZ_TARGETS = config store challenge idp-reply redirect pop3 imap
fuzz:
	$(AM_V_at)top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	FUZZ_CC='$(FUZZ_CC)' FUZZ_SECONDS='$(FUZZ_SECONDS)' FUZZ_JOBS='$(FUZZ_JOBS)' \
	FUZZ_CORE_SOURCES='$(lib_libmocore_la_SOURCES)' \
	FUZZ_CRYPTO_SOURCES='$(lib_libmocrypto_la_SOURCES)' \
	FUZZ_PROTO_SOURCES='$(plugin_libmoproto_la_SOURCES)' \
	FUZZ_NET_SOURCES='$(helper_net_libmonet_la_SOURCES)' \
	FUZZ_UPSTREAM_SOURCES='$(plugin_libmoupstream_la_SOURCES)' \
	FUZZ_DEP_CFLAGS='$(JANSSON_CFLAGS) $(INIH_CFLAGS) $(CURL_CFLAGS) $(CRYPTO_CFLAGS) $(SSL_CFLAGS) $(QRENCODE_CFLAGS)' \
	FUZZ_DEP_LIBS='$(JANSSON_LIBS) $(INIH_LIBS) $(CURL_LIBS) $(SSL_LIBS) $(CRYPTO_LIBS) $(QRENCODE_LIBS)' \
	$(SHELL) '$(abs_top_srcdir)/tests/fuzz/fuzz.sh' $(FUZZ_TARGETS)
.PHONY: fuzz

clean-local: clean-local-fuzz
clean-local-fuzz:
	-rm -rf tests/fuzz/clang
.PHONY: clean-local-fuzz
