/* SPDX-License-Identifier: MIT */
#include "autoconfig.h"

#include <dlfcn.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>

#include <sasl/sasl.h>

#include "sasl-test.h"

#ifndef SASL_SYSTEM_PLUGINDIR
#define SASL_SYSTEM_PLUGINDIR "/usr/lib/x86_64-linux-gnu/sasl2"
#endif

void
st_system_plugindir(char *buf, size_t n)
{
	Dl_info info;
	char lib[512];

	if (dladdr((void *)&sasl_client_init, &info) != 0 && info.dli_fname != NULL &&
	    strchr(info.dli_fname, '/') != NULL) {
		snprintf(lib, sizeof(lib), "%s", info.dli_fname);
		snprintf(buf, n, "%s/sasl2", dirname(lib));
	} else {
		snprintf(buf, n, "%s", SASL_SYSTEM_PLUGINDIR);
	}
}
