// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdlib.h>
#include "test_hooks.h"

/* An empty value is as good as unset, as it always was for these two. */
static const char *nonempty(const char *v)
{
	return v && *v ? v : NULL;
}

const struct test_hooks *test_hooks(void)
{
	static struct test_hooks hooks;
	static int read;

	if (!read) {
		const char *suffix = getenv("NETMON_TEST_PROC_TP_SUFFIX");

		hooks.proc_progs = nonempty(getenv("NETMON_PROC_PROGS"));
		hooks.proc_tp_suffix = suffix ? suffix : "";
		hooks.proc_keys = nonempty(getenv("NETMON_TEST_PROC_KEYS"));
		hooks.crash_before_commit = getenv("NETMON_TEST_CRASH_BEFORE_COMMIT") != NULL;
		hooks.crash_before_export = getenv("NETMON_TEST_CRASH_BEFORE_EXPORT") != NULL;
		read = 1;
	}
	return &hooks;
}
