/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_PLUGIN_SMTPADVICE_H
#define MAILOAUTH_PLUGIN_SMTPADVICE_H

#include <stdbool.h>

/*
 * Cause and fix for the Office 365 SMTP refusals people hit, found by the
 * enhanced status code in the server's reply (RFC 3463 §2:
 *     status-code = class "." subject "." detail
 * e.g. "535 5.7.139 Authentication unsuccessful, ...").  The replies and
 * their sources are in doc/protocol.md (SMTP), the advice in
 * doc/troubleshooting.md.  Pure: no I/O.
 */
struct mo_smtp_advice {
	const char *code;	/* "5.7.139" */
	const char *cause;	/* one sentence */
	const char *fix;	/* what to do; USER stands for the mailbox */
	/* False when the token cannot be at fault (a refusal that a
	 * refreshed token would get too): no refresh is spent on it. */
	bool token_fault;
};

/* The advice for the first known enhanced status code that appears in
 * text as a word of its own (text may be a whole message quoting the
 * reply), or NULL.  The result is static. */
const struct mo_smtp_advice *mo_smtp_advice(const char *text);

#endif
