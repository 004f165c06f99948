/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * getopt_error.h - what getopt_long() found wrong, said in the programs'
 * usual "error:" form (getopt's own messages, with opterr set, lack it).
 */
#ifndef NETMON_GETOPT_ERROR_H
#define NETMON_GETOPT_ERROR_H

#include <getopt.h>

/*
 * Log why getopt_long() returned opt ('?' or ':') for the program's long
 * options opts: an unknown, ambiguous or valueless option, or one that
 * needs a value. before: optind before that call (a short option inside a
 * cluster such as "-xv" leaves optind where it was). hint ends each message,
 * e.g. " (see --help)".
 */
void getopt_error(const struct option *opts, int opt, char **argv, int before, const char *hint);

#endif
