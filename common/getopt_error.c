// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * getopt_error.c - getopt_long()'s errors in the usual form (getopt_error.h).
 */
#include <string.h>
#include "getopt_error.h"
#include "log.h"

/* How many long options start with the n characters of name; *exact: one is it. */
static int long_matches(const struct option *opts, const char *name, size_t n, int *exact)
{
	int matches = 0;

	*exact = 0;
	for (int i = 0; opts[i].name; i++) {
		if (strncmp(opts[i].name, name, n))
			continue;
		matches++;
		*exact |= strlen(opts[i].name) == n;
	}
	return matches;
}

void getopt_error(const struct option *opts, int opt, char **argv, int before, const char *hint)
{
	const char *arg = argv[optind - 1];
	size_t n = strcspn(arg + 2, "=");
	int exact, matches;

	if (optind == before || strncmp(arg, "--", 2)) { /* a short option */
		if (opt == ':')
			pr_err("option '-%c' needs a value%s", optopt, hint);
		else
			pr_err("unknown option '-%c'%s", optopt, hint);
		return;
	}
	matches = long_matches(opts, arg + 2, n, &exact);
	if (opt == ':')
		pr_err("option '%s' needs a value%s", arg, hint);
	else if (arg[2 + n] == '=' && (exact || matches == 1))
		pr_err("option '--%.*s' takes no value%s", (int)n, arg + 2, hint);
	else if (matches > 1 && !exact)
		pr_err("option '--%.*s' is ambiguous: %d options start so%s", (int)n, arg + 2,
		       matches, hint);
	else
		pr_err("unknown option '--%.*s'%s", (int)n, arg + 2, hint);
}
