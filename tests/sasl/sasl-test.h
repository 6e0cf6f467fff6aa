/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_SASL_TEST_H
#define MAILOAUTH_SASL_TEST_H

/*
 * What the C tests of the SASL plugin share: a token store written the way
 * the helper writes it, and where the libsasl2 under test keeps its
 * plugins.  They are in a convenience library, one function an object,
 * so that a test that does not link libsasl2 (test-sasl-nomem) can take
 * the store without the plugin directory.
 */

#include <stddef.h>
#include <stdint.h>

/* Saves a store for account in dir: access token and expiry (Unix time)
 * as given, a placeholder refresh token.  Returns an MO_* code; a failure
 * is reported through tap_diag(). */
int st_store(const char *dir, const char *account, const char *access_token,
	     int64_t expires_at);

/* The plugin directory of the libsasl2 this program runs with: "sasl2"
 * beside the library (configure's saslplugindir may point elsewhere, for
 * example under make distcheck), else SASL_SYSTEM_PLUGINDIR. */
void st_system_plugindir(char *buf, size_t n);

#endif
