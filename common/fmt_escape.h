/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * report_fmt.h - turn rows of values into a table, CSV or JSON.
 *
 * Pure functions and a writer over a FILE *; nothing here knows SQLite, so
 * the escaping and the layouts are unit-tested on their own. A document is
 * one or more sections (one query each); a section has column names and rows.
 *
 * Column names carry the presentation in table output (the machine formats
 * carry exact values): a name ending in "bytes" is shown in IEC units, a
 * column named "protocol" by its protocol name, a real in a column whose
 * name ends in "_pct" with one decimal, and unix seconds in a column named
 * "ts" or ending in "_seen" as local time. Reals in CSV and JSON have the
 * fewest digits that read back as the same double.
 */
#ifndef NETMON_REPORT_FMT_H
#define NETMON_REPORT_FMT_H

#include <stddef.h>
#include <stdio.h>

enum fmt_format {
	FMT_TABLE, /* aligned columns for people, strings made inert */
	FMT_CSV,   /* RFC 4180, exact numbers, strings made inert */
	FMT_JSON,  /* RFC 8259, exact integers */
	FMT_HTML,  /* one self-contained document (report_html.c), not a fmt_writer */
};

/* "table", "csv", "json" or "html"; -EINVAL for anything else. */
int fmt_format_parse(const char *s, enum fmt_format *out);

/* A growable string, always NUL-terminated once anything was added. */
struct fmt_buf {
	char *s;
	size_t len, cap;
};

int fmt_buf_add(struct fmt_buf *b, const char *s, size_t n);
int fmt_buf_addf(struct fmt_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void fmt_buf_free(struct fmt_buf *b);

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

/* Bytes in IEC units: "512 B", "1.0 KiB", "1.5 MiB" ... "8.0 EiB". */
int fmt_iec(struct fmt_buf *b, long long bytes);

/*
 * Unix seconds as local time, "YYYY-MM-DD HH:MM:SS" (as the trend's time
 * column, to the second); the number when the time cannot be shown.
 */
int fmt_time(struct fmt_buf *b, long long t);

/* The IANA keyword of an IP protocol number in lower case, or NULL. */
const char *fmt_proto_name(long long proto);

enum fmt_type { FMT_NULL, FMT_INT, FMT_REAL, FMT_TEXT };

struct fmt_value {
	enum fmt_type type;
	long long i;   /* FMT_INT */
	double r;      /* FMT_REAL */
	const char *s; /* FMT_TEXT: n bytes, not necessarily NUL-terminated */
	size_t n;
};

/*
 * One value as a table shows it, by its column's name (see above): IEC units,
 * protocol names, strings escaped with fmt_table_escape(). *right says
 * whether it reads as a number (right-aligned).
 */
int fmt_cell(struct fmt_buf *b, const char *column, const struct fmt_value *v, int *right);

struct fmt_writer;

/*
 * A writer of one document to out. sections > 1 makes a JSON object of
 * arrays, and one CSV table whose first column, "section", is the section's
 * key, followed by the columns of every section (fmt_csv_columns), each row
 * filling its own and leaving the others empty: one header and the same
 * fields on every line, as a tool reads CSV (RFC 4180 section 2).
 */
int fmt_writer_new(struct fmt_writer **out, enum fmt_format format, FILE *fp, int sections);
void fmt_writer_free(struct fmt_writer *w);

/*
 * CSV of several sections: add names to the columns of the document (those
 * not there yet, in order). Every section's columns must have been added
 * before the first section begins. Nothing for other formats.
 */
int fmt_csv_columns(struct fmt_writer *w, int ncols, const char *const *names);

/*
 * key names the section in a JSON object and in CSV's section column (unused
 * for a single section); title heads it in a table (NULL: none). empty_text
 * is what a table shows when the section has no rows (NULL: nothing at all);
 * a single CSV section shows its header, JSON [] (null for an object).
 * -EINVAL in a CSV of several sections for a column fmt_csv_columns() lacks.
 */
int fmt_section_begin(struct fmt_writer *w, const char *key, const char *title, int ncols,
		      const char *const *names);
int fmt_row(struct fmt_writer *w, const struct fmt_value *values);
int fmt_section_end(struct fmt_writer *w, const char *empty_text);
/* After fmt_section_begin(): JSON shows the section's one row as an object. */
int fmt_section_object(struct fmt_writer *w);
/* A paragraph of text in a table (after a blank line); nothing in CSV, JSON. */
int fmt_note(struct fmt_writer *w, const char *text);
/* Closes the document; returns -EIO if writing to the stream failed. */
int fmt_document_end(struct fmt_writer *w);

#endif
