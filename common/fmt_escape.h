/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * fmt_escape.h - strings from the database made inert for where they go: a
 * terminal, a CSV cell, a JSON string, HTML text. Pure functions, appending
 * to a fmt_buf; shared by the reports and the recorder's live view (an
 * interface or process name may hold any byte, escape sequences included).
 */
#ifndef NETMON_FMT_ESCAPE_H
#define NETMON_FMT_ESCAPE_H

#include <stddef.h>
#include "fmt_buf.h"

/*
 * The escapers append s[0..n) to b; each returns 0 or -ENOMEM.
 * fmt_table_escape: printable UTF-8 as is; control characters (C0, DEL, C1),
 * bidirectional overrides, line separators and invalid UTF-8 bytes as \xHH or
 * \uHHHH, and a backslash as \\, so a terminal never acts on a stored string.
 * fmt_csv_field: first made visible as fmt_table_escape does (no control
 * character, CR and LF included, reaches a terminal or a spreadsheet), a '
 * put before a cell that a spreadsheet would evaluate (one starting with =,
 * +, - or @), then RFC 4180 section 2: quoted when it holds a quote or a
 * comma, with quotes doubled.
 * fmt_json_string: a quoted RFC 8259 string; <, >, &, ' and the characters
 * above also as \u escapes (safe inside HTML and on a terminal); invalid UTF-8
 * bytes become U+FFFD so the document stays valid.
 */
int fmt_table_escape(struct fmt_buf *b, const char *s, size_t n);
int fmt_csv_field(struct fmt_buf *b, const char *s, size_t n);
int fmt_json_string(struct fmt_buf *b, const char *s, size_t n);

/*
 * fmt_html_text: s[0..n) as inert HTML text or attribute value: first made
 * visible as fmt_table_escape does (so an escape sequence shows as \x1b),
 * then &, <, >, " and ' as character references. fmt_html_refs: only the
 * second step, for text that fmt_table_escape or fmt_cell already made.
 */
int fmt_html_text(struct fmt_buf *b, const char *s, size_t n);
int fmt_html_refs(struct fmt_buf *b, const char *s, size_t n);

#endif
