/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_DEVICEAUTH_H
#define MAILOAUTH_DEVICEAUTH_H

#include <jansson.h>

/* Bounds applied to the reply's numbers, in seconds. */
#define MO_DEVICE_DEFAULT_INTERVAL 5	/* RFC 8628 §3.2 */
#define MO_DEVICE_DEFAULT_EXPIRES 900
#define MO_DEVICE_MAX_INTERVAL 300
#define MO_DEVICE_MAX_EXPIRES 86400

/*
 * RFC 8628 §3.2, device authorization response (Microsoft's names):
 *   device_code       REQUIRED  secret: only we and the server know it
 *   user_code         REQUIRED
 *   verification_uri  REQUIRED  ("verification_url" in Google's replies)
 *   expires_in        REQUIRED  seconds (a number; v1 sent strings)
 *   interval          OPTIONAL  seconds between polls, default 5
 *   message           Microsoft: the instructions to show, localised
 * verification_uri_complete is not sent by Microsoft and not used.
 */
struct mo_device_auth {
	char *device_code;
	char *user_code;
	char *verification_uri;
	char *message;
	long expires_in;
	long interval;
};

/* Frees every member (device_code wiped) and zeroes *d. */
void mo_device_auth_clear(struct mo_device_auth *d);

/*
 * Fills *d from the reply j.  Returns MO_OK, MO_ERR_PARSE with *why (a
 * static string) saying which member is missing or malformed, or
 * MO_ERR_NOMEM.  On error *d may be partly filled: clear it.
 */
int mo_device_auth_parse(json_t *j, struct mo_device_auth *d, const char **why);

#endif
