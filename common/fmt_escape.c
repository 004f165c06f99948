// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fmt_escape.c - strings from the database made inert for the place they go.
 *
 * Strings in the database come from outside (interface names are chosen by
 * whoever creates the interface, and may hold any byte but '/', ':' and
 * white space), so every string is escaped for the format it goes into.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "fmt_escape.h"

/*
 * The well-formed UTF-8 sequence at s (RFC 3629 section 4: no overlong forms,
 * no surrogates, nothing above U+10FFFF): its length, with *cp set; 0 if the
 * first byte does not start one.
 */
static size_t utf8_decode(const unsigned char *s, size_t n, unsigned int *cp)
{
	unsigned int c = s[0], min;
	size_t len;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2, c &= 0x1f, min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3, c &= 0x0f, min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4, c &= 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/*
 * Code points a terminal acts on or that reorder what is shown: C0, DEL, C1
 * (0x9b is a one-byte CSI on some terminals), the bidirectional marks,
 * embeddings, overrides and isolates (the "Trojan Source" characters,
 * CVE-2021-42574), and the line and paragraph separators.
 */
static int is_unsafe(unsigned int cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x061c || cp == 0x200e ||
	       cp == 0x200f || (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

int fmt_table_escape(struct fmt_buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	int err = 0;

	for (size_t i = 0; i < n && !err;) {
		unsigned int cp;
		size_t len = utf8_decode(p + i, n - i, &cp);

		if (!len) {
			err = fmt_buf_addf(b, "\\x%02x", p[i]);
			len = 1;
		} else if (cp == '\\') {
			err = fmt_buf_add(b, "\\\\", 2);
		} else if (is_unsafe(cp)) {
			err = cp < 0x80 ? fmt_buf_addf(b, "\\x%02x", cp)
					: fmt_buf_addf(b, "\\u%04x", cp);
		} else {
			err = fmt_buf_add(b, s + i, len);
		}
		i += len;
	}
	/* An empty string still yields a (terminated) buffer. */
	return err ? err : fmt_buf_add(b, "", 0);
}

/*
 * A cell a spreadsheet would read as a formula (OWASP "CSV Injection"): one
 * that starts with =, +, - or @ (=HYPERLINK(...) opens a link, =cmd|...
 * runs a command through DDE), or with a TAB or CR, which some strip first
 * (those two are escaped to \x09 and \x0d before this is asked; listed so
 * that the rule stays whole if the escaping changes).
 */
static int is_formula_start(char c)
{
	return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
}

int fmt_csv_field(struct fmt_buf *b, const char *s, size_t n)
{
	struct fmt_buf v = { 0 };
	int err = fmt_table_escape(&v, s, n);
	int quote = !err && (memchr(v.s, '"', v.len) || memchr(v.s, ',', v.len));

	if (!err && quote)
		err = fmt_buf_add(b, "\"", 1);
	/* A leading ' makes the cell text, and is not shown (OWASP's advice). */
	if (!err && v.len && is_formula_start(v.s[0]))
		err = fmt_buf_add(b, "'", 1);
	for (size_t i = 0; i < v.len && !err; i++)
		err = v.s[i] == '"' ? fmt_buf_add(b, "\"\"", 2) : fmt_buf_add(b, v.s + i, 1);
	if (!err && quote)
		err = fmt_buf_add(b, "\"", 1);
	fmt_buf_free(&v);
	/* An empty string still yields a (terminated) buffer. */
	return err ? err : fmt_buf_add(b, "", 0);
}

/* One code point of a JSON string (RFC 8259 section 7). */
static int json_char(struct fmt_buf *b, const char *s, size_t len, unsigned int cp)
{
	switch (cp) {
	case '"':
		return fmt_buf_add(b, "\\\"", 2);
	case '\\':
		return fmt_buf_add(b, "\\\\", 2);
	case '\b':
		return fmt_buf_add(b, "\\b", 2);
	case '\f':
		return fmt_buf_add(b, "\\f", 2);
	case '\n':
		return fmt_buf_add(b, "\\n", 2);
	case '\r':
		return fmt_buf_add(b, "\\r", 2);
	case '\t':
		return fmt_buf_add(b, "\\t", 2);
	/* So that the text can be pasted into HTML or a <script> as is. */
	case '<':
	case '>':
	case '&':
	case '\'':
		return fmt_buf_addf(b, "\\u%04x", cp);
	}
	if (is_unsafe(cp))
		return fmt_buf_addf(b, "\\u%04x", cp);
	return fmt_buf_add(b, s, len);
}

int fmt_json_string(struct fmt_buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	int err = fmt_buf_add(b, "\"", 1);

	for (size_t i = 0; i < n && !err;) {
		unsigned int cp;
		size_t len = utf8_decode(p + i, n - i, &cp);

		if (!len) {
			/* JSON text must be UTF-8 (RFC 8259 section 8.1). */
			err = fmt_buf_add(b, "\\ufffd", 6);
			len = 1;
		} else {
			err = json_char(b, s + i, len, cp);
		}
		i += len;
	}
	return err ? err : fmt_buf_add(b, "\"", 1);
}

int fmt_html_refs(struct fmt_buf *b, const char *s, size_t n)
{
	int err = fmt_buf_add(b, "", 0);

	for (size_t i = 0; i < n && !err; i++) {
		switch (s[i]) {
		case '&':
			err = fmt_buf_add(b, "&amp;", 5);
			break;
		case '<':
			err = fmt_buf_add(b, "&lt;", 4);
			break;
		case '>':
			err = fmt_buf_add(b, "&gt;", 4);
			break;
		case '"':
			err = fmt_buf_add(b, "&quot;", 6);
			break;
		case '\'':
			err = fmt_buf_add(b, "&#39;", 5);
			break;
		default:
			err = fmt_buf_add(b, s + i, 1);
		}
	}
	return err;
}

int fmt_html_text(struct fmt_buf *b, const char *s, size_t n)
{
	struct fmt_buf visible = { 0 };
	int err = fmt_table_escape(&visible, s, n);

	if (!err)
		err = fmt_html_refs(b, visible.s, visible.len);
	fmt_buf_free(&visible);
	return err;
}
