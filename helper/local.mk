# SPDX-License-Identifier: MIT
#
# helper/: the `mailoauth` front end (core only: jansson + inih) and the
# mailoauth-net back end (libcurl + OpenSSL), installed in pkglibexecdir.

bin_PROGRAMS += helper/mailoauth
helper_mailoauth_SOURCES = \
	helper/main.c helper/frontend.h \
	helper/fastpath.c
helper_mailoauth_CFLAGS = $(EXE_CFLAGS)
helper_mailoauth_LDFLAGS = $(EXE_LDFLAGS)
helper_mailoauth_LDADD = lib/libmocore.la
