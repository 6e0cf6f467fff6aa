/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include "errors.h"

const char *
mo_strerror(int err)
{
	switch ((enum mo_err)err) {
	case MO_OK:		return "success";
	case MO_ERR_NOMEM:	return "out of memory";
	case MO_ERR_INVAL:	return "invalid input";
	case MO_ERR_TOOBIG:	return "input too large";
	case MO_ERR_PARSE:	return "malformed data";
	case MO_ERR_IO:		return "input/output error";
	case MO_ERR_PERM:	return "unsafe file permissions";
	case MO_ERR_CONFIG:	return "configuration error";
	case MO_ERR_NOENT:	return "not found";
	case MO_ERR_TEMP:	return "temporary failure";
	case MO_ERR_REAUTH:	return "sign-in required";
	case MO_ERR_AUTH:	return "authentication refused";
	case MO_ERR_TIMEOUT:	return "timed out";
	case MO_ERR_PROTO:	return "protocol error";
	case MO_ERR_USAGE:	return "usage error";
	case MO_ERR_INTERNAL:	return "internal error";
	case MO_ERR_CANCELLED:	return "cancelled";
	}
	return "unknown error";
}

int
mo_exit_code(int err)
{
	switch ((enum mo_err)err) {
	case MO_OK:		return MO_EXIT_OK;
	case MO_ERR_USAGE:	return MO_EXIT_USAGE;
	case MO_ERR_INVAL:
	case MO_ERR_PARSE:
	case MO_ERR_TOOBIG:	return MO_EXIT_DATAERR;
	case MO_ERR_AUTH:	return MO_EXIT_UNAVAILABLE;
	case MO_ERR_INTERNAL:	return MO_EXIT_SOFTWARE;
	case MO_ERR_IO:		return MO_EXIT_IOERR;
	case MO_ERR_TEMP:
	case MO_ERR_TIMEOUT:
	case MO_ERR_PROTO:	return MO_EXIT_TEMPFAIL;
	case MO_ERR_NOENT:
	case MO_ERR_REAUTH:	return MO_EXIT_NOPERM;
	case MO_ERR_CONFIG:
	case MO_ERR_PERM:	return MO_EXIT_CONFIG;
	case MO_ERR_NOMEM:
	case MO_ERR_CANCELLED:	return MO_EXIT_FAILURE;
	}
	return MO_EXIT_FAILURE;
}
