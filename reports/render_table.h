/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * render_table.h - the writer of rows as a table, CSV or JSON (one document,
 * section after section), and a value as a table cell.
 *
 * Nothing here knows SQLite, so the layouts are unit-tested on their own.
 * Column names carry the presentation in table output (the machine formats
 * carry exact values): a name ending in "bytes" is shown in IEC units, a
 * column named "protocol" by its protocol name, a real in a column whose
 * name ends in "_pct" with one decimal, and unix seconds in a column named
 * "ts" or ending in "_seen" as local time. Reals in CSV and JSON have the
 * fewest digits that read back as the same double.
 */
#ifndef NETMON_RENDER_TABLE_H
#define NETMON_RENDER_TABLE_H

#include <stdio.h>
#include "fmt_buf.h"
#include "render.h"
#include "report_rows.h"

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
