/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* numparse.h - strict number parsing for flags and config values. */
#ifndef NETMON_NUMPARSE_H
#define NETMON_NUMPARSE_H

/*
 * Parse s as a whole decimal number in [min, max]: no sign, no spaces, no
 * trailing characters ("12abc" is refused). Returns 0 or -EINVAL/-ERANGE.
 */
int parse_uint_range(const char *s, unsigned long min, unsigned long max, unsigned long *out);

#endif
