/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_NET_TRUST_H
#define MAILOAUTH_NET_TRUST_H

#include <curl/curl.h>

/*
 * TLS trust anchors for a request: the system's, PLUS the account's ca_file
 * (mailoauth.conf(5), ca_file: it adds a trust anchor).  libcurl's CAINFO
 * alone would replace the system bundle, so:
 *   - with OpenSSL and a hashed system CA directory (Debian's
 *     /etc/ssl/certs): CAINFO = ca_file and CAPATH = that directory.
 *     OpenSSL looks in both and reads the directory lazily;
 *   - otherwise: an in-memory bundle (CAINFO_BLOB, libcurl >= 7.77) of the
 *     system bundle file followed by ca_file.
 * Without ca_file nothing is set: libcurl's defaults are the system's.
 */

struct mo_trust;

/*
 * The trust settings for ca_file, made once per path and kept in *list.
 * Returns MO_OK with *trust_r (owned by *list), MO_ERR_IO (ca_file cannot
 * be read), MO_ERR_TOOBIG or MO_ERR_NOMEM; *error_r malloc'd.
 */
int mo_trust_get(struct mo_trust **list, const char *ca_file,
		 const struct mo_trust **trust_r, char **error_r);

/* Sets e's CA options from trust (which must outlive the transfer). */
void mo_trust_apply(const struct mo_trust *trust, CURL *e);

/* Frees every entry of *list. */
void mo_trust_free_all(struct mo_trust **list);

#endif
