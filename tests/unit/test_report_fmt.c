// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_report_fmt.c - netmon-report's escaping, units and layouts, with the
 * strings an attacker can put into the database (an interface name may hold
 * any byte but '/', ':' and white space; a test fixture may hold anything).
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include "fmt_escape.h"
#include "fmt_units.h"
#include "render_table.h"
#include "report_cli.h"

typedef int (*escape_fn)(struct fmt_buf *b, const char *s, size_t n);

/* Escape n bytes of s (n < 0: strlen) and compare with want. */
static void check(escape_fn fn, const char *s, int n, const char *want)
{
	struct fmt_buf b = { 0 };

	assert_int_equal(fn(&b, s, n < 0 ? strlen(s) : (size_t)n), 0);
	assert_non_null(b.s);
	if (strcmp(b.s, want))
		fail_msg("escaping '%s': got '%s', want '%s'", s, b.s, want);
	assert_int_equal(b.len, strlen(want));
	fmt_buf_free(&b);
}

static void test_table_escape(void **state)
{
	check(fmt_table_escape, "eth0", -1, "eth0");
	check(fmt_table_escape, "", -1, "");
	check(fmt_table_escape, "\x1b[31mred\x1b[0m", -1, "\\x1b[31mred\\x1b[0m");
	check(fmt_table_escape, "\x1b]0;pwned\x07", -1, "\\x1b]0;pwned\\x07");
	check(fmt_table_escape, "a\nb\tc\rd", -1, "a\\x0ab\\x09c\\x0dd");
	check(fmt_table_escape, "a\0b", 3, "a\\x00b");
	check(fmt_table_escape, "del\x7f", -1, "del\\x7f");
	check(fmt_table_escape, "back\\x1b", -1, "back\\\\x1b");
	/* Quotes, commas and HTML mean nothing to a terminal. */
	check(fmt_table_escape, "\"q\",<b>&amp;", -1, "\"q\",<b>&amp;");
	/* Printable UTF-8 stays; C1 CSI and a bidi override do not. */
	check(fmt_table_escape, "caf\xc3\xa9 \xe2\x82\xac", -1, "caf\xc3\xa9 \xe2\x82\xac");
	check(fmt_table_escape,
	      "\xc2\x9b"
	      "31m",
	      -1, "\\u009b31m");
	check(fmt_table_escape,
	      "abc\xe2\x80\xae"
	      "fdp.exe",
	      -1, "abc\\u202efdp.exe");
	check(fmt_table_escape, "\xe2\x81\xa6x", -1, "\\u2066x");
	/* Invalid UTF-8: stray, overlong, truncated, surrogate, too large. */
	check(fmt_table_escape, "\xff", -1, "\\xff");
	check(fmt_table_escape, "\x9b", -1, "\\x9b");
	check(fmt_table_escape, "\xc0\xaf", -1, "\\xc0\\xaf");
	check(fmt_table_escape, "\xe2\x82", -1, "\\xe2\\x82");
	check(fmt_table_escape, "\xed\xa0\x80", -1, "\\xed\\xa0\\x80");
	check(fmt_table_escape, "\xf4\x90\x80\x80", -1, "\\xf4\\x90\\x80\\x80");
}

static void test_html_text(void **state)
{
	check(fmt_html_text, "eth0", -1, "eth0");
	check(fmt_html_text, "<script>alert('x')</script>", -1,
	      "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
	check(fmt_html_text, "\"><img src=x onerror=y>", -1,
	      "&quot;&gt;&lt;img src=x onerror=y&gt;");
	check(fmt_html_text, "a&amp;b", -1, "a&amp;amp;b");
	/* Made visible first, as in a table, then inert for HTML. */
	check(fmt_html_text, "\x1b[31m<b>\n", -1, "\\x1b[31m&lt;b&gt;\\x0a");
	check(fmt_html_text, "\xff\xe2\x80\xae", -1, "\\xff\\u202e");
	/* fmt_html_refs leaves already visible text alone but the five. */
	check(fmt_html_refs, "\\x1b <&>\"'", -1, "\\x1b &lt;&amp;&gt;&quot;&#39;");
}

static void test_csv_field(void **state)
{
	check(fmt_csv_field, "eth0", -1, "eth0");
	check(fmt_csv_field, "", -1, "");
	check(fmt_csv_field, "a,b", -1, "\"a,b\"");
	check(fmt_csv_field, "say \"hi\"", -1, "\"say \"\"hi\"\"\"");
	check(fmt_csv_field, "\"", -1, "\"\"\"\"");
	check(fmt_csv_field, "<b>&", -1, "<b>&");
	/* Control characters reach neither a terminal nor a spreadsheet. */
	check(fmt_csv_field, "line1\nline2", -1, "line1\\x0aline2");
	check(fmt_csv_field, "cr\r", -1, "cr\\x0d");
	check(fmt_csv_field, "\x1b[31m", -1, "\\x1b[31m");
	check(fmt_csv_field, "\x1b]0;pwned\x07", -1, "\\x1b]0;pwned\\x07");
	check(fmt_csv_field, "\x1b[31m\",x", -1, "\"\\x1b[31m\"\",x\"");
	check(fmt_csv_field, "back\\slash", -1, "back\\\\slash");
	check(fmt_csv_field, "\xff\xe2\x80\xae", -1, "\\xff\\u202e");
	check(fmt_csv_field, "caf\xc3\xa9", -1, "caf\xc3\xa9");
	/* A cell a spreadsheet would evaluate starts with a ' (OWASP). */
	check(fmt_csv_field, "=HYPERLINK(\"http://x\",\"y\")", -1,
	      "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
	check(fmt_csv_field, "=cmd|' /C calc'", -1, "'=cmd|' /C calc'");
	check(fmt_csv_field, "+1", -1, "'+1");
	check(fmt_csv_field, "-bash", -1, "'-bash");
	check(fmt_csv_field, "@SUM(A1)", -1, "'@SUM(A1)");
	check(fmt_csv_field, "\t=1", -1, "\\x09=1");
	check(fmt_csv_field, "\r=1", -1, "\\x0d=1");
	check(fmt_csv_field, "a=1", -1, "a=1");
	check(fmt_csv_field, "'", -1, "'");
}

static void test_json_string(void **state)
{
	check(fmt_json_string, "eth0", -1, "\"eth0\"");
	check(fmt_json_string, "", -1, "\"\"");
	check(fmt_json_string, "q\"b\\s/", -1, "\"q\\\"b\\\\s/\"");
	check(fmt_json_string, "\n\t\r\b\f", -1, "\"\\n\\t\\r\\b\\f\"");
	check(fmt_json_string, "\x1b[31m\x01\x7f", -1, "\"\\u001b[31m\\u0001\\u007f\"");
	check(fmt_json_string, "a\0b", 3, "\"a\\u0000b\"");
	check(fmt_json_string, "</script><b>&'", -1,
	      "\"\\u003c/script\\u003e\\u003cb\\u003e\\u0026\\u0027\"");
	check(fmt_json_string, "a,b", -1, "\"a,b\"");
	check(fmt_json_string, "caf\xc3\xa9 \xf0\x9f\x98\x80", -1,
	      "\"caf\xc3\xa9 \xf0\x9f\x98\x80\"");
	check(fmt_json_string, "\xe2\x80\xa8\xe2\x80\xae", -1, "\"\\u2028\\u202e\"");
	check(fmt_json_string, "\xc2\x9b", -1, "\"\\u009b\"");
	check(fmt_json_string, "x\xffy\xc0\xaf", -1, "\"x\\ufffdy\\ufffd\\ufffd\"");
}

static void check_iec(long long bytes, const char *want)
{
	struct fmt_buf b = { 0 };

	assert_int_equal(fmt_iec(&b, bytes), 0);
	if (strcmp(b.s, want))
		fail_msg("%lld bytes: got '%s', want '%s'", bytes, b.s, want);
	fmt_buf_free(&b);
}

static void test_iec(void **state)
{
	check_iec(0, "0 B");
	check_iec(512, "512 B");
	check_iec(1023, "1023 B");
	check_iec(1024, "1.0 KiB");
	check_iec(1536, "1.5 KiB");
	check_iec(1048524, "1023.9 KiB");
	check_iec(1048525, "1.0 MiB"); /* not "1024.0 KiB" */
	check_iec(1572864, "1.5 MiB");
	check_iec(2500000, "2.4 MiB");
	check_iec(1099511627776LL * 3, "3.0 TiB");
	check_iec(LLONG_MAX, "8.0 EiB");
	check_iec(-1, "-1 B");
}

static void test_proto_names(void **state)
{
	assert_string_equal(fmt_proto_name(1), "icmp");
	assert_string_equal(fmt_proto_name(6), "tcp");
	assert_string_equal(fmt_proto_name(17), "udp");
	assert_string_equal(fmt_proto_name(58), "ipv6-icmp");
	assert_string_equal(fmt_proto_name(132), "sctp");
	assert_null(fmt_proto_name(253));
	assert_null(fmt_proto_name(-1));
	assert_null(fmt_proto_name(256 + 6));
}

static void test_format_names(void **state)
{
	enum fmt_format f = FMT_CSV;

	assert_int_equal(fmt_format_parse("table", &f), 0);
	assert_int_equal(f, FMT_TABLE);
	assert_int_equal(fmt_format_parse("csv", &f), 0);
	assert_int_equal(f, FMT_CSV);
	assert_int_equal(fmt_format_parse("json", &f), 0);
	assert_int_equal(f, FMT_JSON);
	assert_int_equal(fmt_format_parse("JSON", &f), -EINVAL);
	assert_int_equal(fmt_format_parse("", &f), -EINVAL);
	assert_int_equal(fmt_format_parse("html", &f), 0);
	assert_int_equal(f, FMT_HTML);
	assert_int_equal(fmt_format_parse("xml", &f), -EINVAL);
}

#define INT(v)                                                                                     \
	{                                                                                          \
		.type = FMT_INT, .i = (v)                                                          \
	}
#define TEXT(v)                                                                                    \
	{                                                                                          \
		.type = FMT_TEXT, .s = (v), .n = sizeof(v) - 1                                     \
	}
#define NUL                                                                                        \
	{                                                                                          \
		.type = FMT_NULL                                                                   \
	}

static const char *const cols[] = { "name", "protocol", "packets", "bytes" };
static const struct fmt_value row1[] = { TEXT("eth0"), INT(6), INT(3), INT(1536) };
static const struct fmt_value row2[] = { TEXT("\x1b[2J\"x,<y>\n"), INT(253), INT(12345), INT(7) };
static const struct fmt_value row3[] = { NUL, INT(17), { .type = FMT_REAL, .r = 0.5 }, INT(0) };

/* Write sections of rows[] in format f; the caller frees the text. */
static char *render(enum fmt_format f, int sections, int nrows, const char *empty)
{
	const struct fmt_value *rows[] = { row1, row2, row3 };
	struct fmt_writer *w;
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);

	assert_non_null(fp);
	assert_int_equal(fmt_writer_new(&w, f, fp, sections), 0);
	for (int s = 0; s < sections; s++)
		assert_int_equal(fmt_csv_columns(w, 4, cols), 0);
	for (int s = 0; s < sections; s++) {
		assert_int_equal(
			fmt_section_begin(w, s ? "second" : "first", s ? "Second" : NULL, 4, cols),
			0);
		for (int r = 0; r < nrows; r++)
			assert_int_equal(fmt_row(w, rows[r]), 0);
		assert_int_equal(fmt_section_end(w, empty), 0);
	}
	assert_int_equal(fmt_document_end(w), 0);
	fmt_writer_free(w);
	fclose(fp);
	return text;
}

static void check_render(enum fmt_format f, int sections, int nrows, const char *empty,
			 const char *want)
{
	char *got = render(f, sections, nrows, empty);

	if (strcmp(got, want))
		fail_msg("got:\n%s\nwant:\n%s", got, want);
	free(got);
}

static void test_table_layout(void **state)
{
	check_render(FMT_TABLE, 1, 3, "nothing",
		     "name               protocol  packets    bytes\n"
		     "eth0               tcp             3  1.5 KiB\n"
		     "\\x1b[2J\"x,<y>\\x0a  253         12345      7 B\n"
		     "                   udp           0.5      0 B\n");
	check_render(FMT_TABLE, 1, 0, "nothing here", "nothing here\n");
	check_render(FMT_TABLE, 1, 0, NULL, "");
	check_render(FMT_TABLE, 2, 1, NULL,
		     "name  protocol  packets    bytes\n"
		     "eth0  tcp             3  1.5 KiB\n"
		     "\n"
		     "Second\n"
		     "name  protocol  packets    bytes\n"
		     "eth0  tcp             3  1.5 KiB\n");
}

static void test_csv_layout(void **state)
{
	check_render(FMT_CSV, 1, 3, "nothing",
		     "name,protocol,packets,bytes\n"
		     "eth0,6,3,1536\n"
		     "\"\\x1b[2J\"\"x,<y>\\x0a\",253,12345,7\n"
		     ",17,0.5,0\n");
	check_render(FMT_CSV, 1, 0, "nothing", "name,protocol,packets,bytes\n");
	/* Several sections: one table, the section's key first. */
	check_render(FMT_CSV, 2, 1, NULL,
		     "section,name,protocol,packets,bytes\n"
		     "first,eth0,6,3,1536\n"
		     "second,eth0,6,3,1536\n");
	check_render(FMT_CSV, 2, 0, NULL, "section,name,protocol,packets,bytes\n");
}

/* Sections of different columns: every line has every column. */
static void test_csv_sections(void **state)
{
	static const char *const a[] = { "host", "bytes" }, *const b[] = { "bytes", "ts" };
	static const char *const c[] = { "other" };
	const struct fmt_value ra[] = { TEXT("=x"), INT(5) }, rb[] = { INT(7), INT(60) };
	struct fmt_writer *w;
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);

	assert_int_equal(fmt_writer_new(&w, FMT_CSV, fp, 2), 0);
	assert_int_equal(fmt_csv_columns(w, 2, a), 0);
	assert_int_equal(fmt_csv_columns(w, 2, b), 0);
	assert_int_equal(fmt_section_begin(w, "hosts", NULL, 2, a), 0);
	assert_int_equal(fmt_row(w, ra), 0);
	assert_int_equal(fmt_section_end(w, NULL), 0);
	assert_int_equal(fmt_section_begin(w, "trend", NULL, 2, b), 0);
	assert_int_equal(fmt_row(w, rb), 0);
	assert_int_equal(fmt_section_end(w, NULL), 0);
	/* A column that was not declared cannot be placed. */
	assert_int_equal(fmt_section_begin(w, "x", NULL, 1, c), -EINVAL);
	assert_int_equal(fmt_document_end(w), 0);
	fmt_writer_free(w);
	fclose(fp);
	assert_string_equal(text, "section,host,bytes,ts\n"
				  "hosts,'=x,5,\n"
				  "trend,,7,60\n");
	free(text);
}

/* A section of one row as a JSON object; a paragraph only in a table. */
static void test_object_and_note(void **state)
{
	static const char *const win[] = { "since", "until" };
	const struct fmt_value row[] = { INT(1), NUL };
	enum fmt_format formats[] = { FMT_JSON, FMT_TABLE, FMT_CSV };
	const char *want[] = { "{\n  \"window\": {\"since\": 1, \"until\": null},\n"
			       "  \"empty\": null\n}\n",
			       "Window: now\n", "section,since,until\nwindow,1,\n" };

	for (int f = 0; f < 3; f++) {
		struct fmt_writer *w;
		char *text = NULL;
		size_t len = 0;
		FILE *fp = open_memstream(&text, &len);

		assert_int_equal(fmt_writer_new(&w, formats[f], fp, 2), 0);
		assert_int_equal(fmt_csv_columns(w, 2, win), 0);
		assert_int_equal(fmt_note(w, "Window: now"), 0);
		for (int s = 0; s < 2; s++) {
			assert_int_equal(fmt_section_begin(w, s ? "empty" : "window", NULL, 2, win),
					 0);
			assert_int_equal(fmt_section_object(w), 0);
			if (!s && formats[f] != FMT_TABLE)
				assert_int_equal(fmt_row(w, row), 0);
			assert_int_equal(fmt_section_end(w, NULL), 0);
		}
		assert_int_equal(fmt_document_end(w), 0);
		fmt_writer_free(w);
		fclose(fp);
		assert_string_equal(text, want[f]);
		free(text);
	}
}

/* Unix seconds in a column named ts or *_seen: local time in a table. */
static void test_time_cells(void **state)
{
	const struct fmt_value t = INT(1704067230), text = TEXT("x"), big = INT(LLONG_MAX);
	struct fmt_buf b = { 0 };
	int right = 1;

	setenv("TZ", "UTC0", 1);
	tzset();
	assert_int_equal(fmt_cell(&b, "ts", &t, &right), 0);
	assert_string_equal(b.s, "2024-01-01 00:00:30");
	assert_int_equal(right, 0);
	b.len = 0;
	assert_int_equal(fmt_cell(&b, "last_seen", &t, &right), 0);
	assert_string_equal(b.s, "2024-01-01 00:00:30");
	b.len = 0;
	setenv("TZ", "CET-1", 1);
	tzset();
	assert_int_equal(fmt_cell(&b, "first_seen", &t, &right), 0);
	assert_string_equal(b.s, "2024-01-01 01:00:30");
	b.len = 0;
	/* Other columns keep the number; text stays text; no time, the number. */
	assert_int_equal(fmt_cell(&b, "tsx", &t, &right), 0);
	assert_string_equal(b.s, "1704067230");
	b.len = 0;
	assert_int_equal(fmt_cell(&b, "ts", &text, &right), 0);
	assert_string_equal(b.s, "x");
	b.len = 0;
	assert_int_equal(fmt_cell(&b, "ts", &big, &right), 0);
	assert_string_equal(b.s, "9223372036854775807");
	fmt_buf_free(&b);
	setenv("TZ", "UTC0", 1);
	tzset();
}

static void test_json_layout(void **state)
{
	check_render(FMT_JSON, 1, 3, "nothing",
		     "[\n"
		     "  {\"name\": \"eth0\", \"protocol\": 6, \"packets\": 3, \"bytes\": 1536},\n"
		     "  {\"name\": \"\\u001b[2J\\\"x,\\u003cy\\u003e\\n\", \"protocol\": 253, "
		     "\"packets\": 12345, \"bytes\": 7},\n"
		     "  {\"name\": null, \"protocol\": 17, \"packets\": 0.5, \"bytes\": 0}\n"
		     "]\n");
	check_render(FMT_JSON, 1, 0, "nothing", "[]\n");
	check_render(FMT_JSON, 2, 1, NULL,
		     "{\n"
		     "  \"first\": [\n"
		     "    {\"name\": \"eth0\", \"protocol\": 6, \"packets\": 3, \"bytes\": 1536}\n"
		     "  ],\n"
		     "  \"second\": [\n"
		     "    {\"name\": \"eth0\", \"protocol\": 6, \"packets\": 3, \"bytes\": 1536}\n"
		     "  ]\n"
		     "}\n");
	check_render(FMT_JSON, 2, 0, NULL, "{\n  \"first\": [],\n  \"second\": []\n}\n");
}

static void test_exact_integers(void **state)
{
	static const char *const one[] = { "bytes" };
	const struct fmt_value big[] = { INT(LLONG_MAX) },
			       nan[] = { { .type = FMT_REAL, .r = NAN } };
	struct fmt_writer *w;
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);

	assert_int_equal(fmt_writer_new(&w, FMT_JSON, fp, 1), 0);
	assert_int_equal(fmt_section_begin(w, "x", NULL, 1, one), 0);
	assert_int_equal(fmt_row(w, big), 0);
	assert_int_equal(fmt_row(w, nan), 0);
	assert_int_equal(fmt_section_end(w, NULL), 0);
	assert_int_equal(fmt_document_end(w), 0);
	fmt_writer_free(w);
	fclose(fp);
	assert_string_equal(text,
			    "[\n  {\"bytes\": 9223372036854775807},\n  {\"bytes\": null}\n]\n");
	free(text);
}

#define REAL(x)                                                                                    \
	{                                                                                          \
		.type = FMT_REAL, .r = (x)                                                         \
	}

/* One column name, rows of reals, in format f; the caller frees the text. */
static char *render_reals(enum fmt_format f, const char *name)
{
	const struct fmt_value rows[] = { REAL(99.8),	   REAL(0.0),  REAL(100.0),
					  REAL(0.1 + 0.2), REAL(-2.5), REAL(1e-7) };
	const char *const names[] = { name };
	struct fmt_writer *w;
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);

	assert_int_equal(fmt_writer_new(&w, f, fp, 1), 0);
	assert_int_equal(fmt_section_begin(w, "x", NULL, 1, names), 0);
	for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++)
		assert_int_equal(fmt_row(w, &rows[r]), 0);
	assert_int_equal(fmt_section_end(w, NULL), 0);
	assert_int_equal(fmt_document_end(w), 0);
	fmt_writer_free(w);
	fclose(fp);
	return text;
}

static void check_reals(enum fmt_format f, const char *name, const char *want)
{
	char *got = render_reals(f, name);

	if (strcmp(got, want))
		fail_msg("got:\n%s\nwant:\n%s", got, want);
	free(got);
}

/*
 * CSV and JSON: the fewest digits that read back as the same double (99.8,
 * not 99.799999999999997; 0.1 + 0.2 needs all 17), and ".0" on an integral
 * value as the sqlite3 shell shows it. A table column named *_pct: one decimal.
 */
static void test_reals(void **state)
{
	check_reals(FMT_CSV, "r", "r\n99.8\n0.0\n100.0\n0.30000000000000004\n-2.5\n1e-07\n");
	check_reals(FMT_JSON, "r",
		    "[\n  {\"r\": 99.8},\n  {\"r\": 0.0},\n  {\"r\": 100.0},\n"
		    "  {\"r\": 0.30000000000000004},\n  {\"r\": -2.5},\n"
		    "  {\"r\": 1e-07}\n]\n");
	check_reals(
		FMT_TABLE, "share_pct",
		"share_pct\n     99.8\n      0.0\n    100.0\n      0.3\n     -2.5\n      0.0\n");
	/* Other reals in a table keep %g's six significant digits. */
	check_reals(FMT_TABLE, "r", "    r\n 99.8\n    0\n  100\n  0.3\n -2.5\n1e-07\n");
}

/* A full disk must fail the report, not end it with a truncated document. */
static void test_write_error(void **state)
{
	static const char *const one[] = { "x" };
	const struct fmt_value v[] = { INT(1) };
	struct fmt_writer *w;
	FILE *fp = fopen("/dev/full", "w");

	if (!fp)
		skip();
	assert_int_equal(fmt_writer_new(&w, FMT_CSV, fp, 1), 0);
	assert_int_equal(fmt_section_begin(w, "x", NULL, 1, one), 0);
	assert_int_equal(fmt_row(w, v), 0);
	assert_int_equal(fmt_section_end(w, NULL), 0);
	assert_int_equal(fmt_document_end(w), -EIO);
	fmt_writer_free(w);
	fclose(fp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_escape),	cmocka_unit_test(test_csv_field),
		cmocka_unit_test(test_json_string),	cmocka_unit_test(test_iec),
		cmocka_unit_test(test_proto_names),	cmocka_unit_test(test_format_names),
		cmocka_unit_test(test_table_layout),	cmocka_unit_test(test_csv_layout),
		cmocka_unit_test(test_json_layout),	cmocka_unit_test(test_exact_integers),
		cmocka_unit_test(test_write_error),	cmocka_unit_test(test_reals),
		cmocka_unit_test(test_html_text),	cmocka_unit_test(test_csv_sections),
		cmocka_unit_test(test_object_and_note), cmocka_unit_test(test_time_cells),
	};

	return cmocka_run_group_tests_name("report_fmt", tests, NULL, NULL);
}
