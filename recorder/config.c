// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * config.c - netmon.conf, parsed with inih (Debian's libinih).
 *
 *     # comments start with # or ; (and ; after a value)
 *     interval = 10
 *     interface = eth0
 *     interface = eth1      # a repeatable option: one line per value
 *     no-process = yes      # an option without value: yes or no
 *
 * Keys are the long options, fed to the command line's own parser
 * (cli_set_option), so every flag, present and future, is a key with the
 * same validation. Keys may stand before any section or in [record]; other
 * sections are errors, kept free for other programs. Every error names the
 * file and the line; all of them are reported, not only the first.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <ini.h>
#include "config.h"
#include "log.h"

/* The values cfg points into (interface names, paths), kept until exit. */
struct kept_string {
	struct kept_string *next;
	char text[];
};
static struct kept_string *kept;

/* Far more than every key with a comment: past it, not a configuration file
 * (a device such as /dev/zero would never end). */
#define CONFIG_MAX_BYTES (1 << 20)

struct config_reader {
	struct cli_config *cfg;
	FILE *fp;
	const char *path;
	int line;   /* the line inih is at: counted by read_line */
	long bytes; /* read so far */
	int stop;   /* not a configuration file: no more lines */
	int errors;
	char where[4096 + 16]; /* "PATH:LINE" for log messages */
};

static const char *keep(const char *s)
{
	size_t n = strlen(s) + 1;
	struct kept_string *k = malloc(sizeof(*k) + n);

	if (!k)
		return NULL;
	memcpy(k->text, s, n);
	k->next = kept;
	kept = k;
	return k->text;
}

void config_free(void)
{
	while (kept) {
		struct kept_string *next = kept->next;

		free(kept);
		kept = next;
	}
}

static void report(struct config_reader *rd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void report(struct config_reader *rd, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(rd->where, sizeof(rd->where), "%s:%d", rd->path, rd->line);
	log_set_context(rd->where);
	pr_err("%s", msg);
	log_set_context(NULL);
	rd->errors++;
}

/* Text has no control characters but tabs and line ends: anything else is
 * a binary file given by mistake, said once rather than line by line. */
static int is_binary(int c)
{
	return c < 0x20 && c != '\t' && c != '\n' && c != '\r';
}

/* Why the file is no configuration file, once; parsing stops there. */
static char *refuse(struct config_reader *rd, const char *why)
{
	report(rd, "%s: not a configuration file", why);
	rd->stop = 1;
	return NULL;
}

/*
 * inih's reader: one line into str (at most num - 2 characters and the
 * newline), counting lines, refusing lines too long to hold, binary data and
 * files larger than CONFIG_MAX_BYTES.
 */
static char *read_line(char *str, int num, void *stream)
{
	struct config_reader *rd = stream;
	int c, n = 0, cut = 0;
	char why[64];

	if (rd->stop)
		return NULL;
	rd->line++;
	while ((c = getc(rd->fp)) != EOF && c != '\n') {
		if (++rd->bytes > CONFIG_MAX_BYTES) {
			snprintf(why, sizeof(why), "larger than %d bytes", CONFIG_MAX_BYTES);
			return refuse(rd, why);
		}
		if (is_binary(c)) {
			snprintf(why, sizeof(why), "binary data (a byte 0x%02x)", c);
			return refuse(rd, why);
		}
		if (n < num - 2)
			str[n++] = (char)c;
		else
			cut = 1;
	}
	rd->bytes++;
	if (c == EOF && ferror(rd->fp)) {
		report(rd, "cannot read: %s", strerror(errno));
		rd->stop = 1;
		return NULL;
	}
	if (c == EOF && !n && !cut) {
		rd->line--;
		return NULL;
	}
	str[n++] = '\n';
	str[n] = '\0';
	if (cut) {
		report(rd, "line longer than %d characters", num - 2);
		str[0] = '\0';
	}
	return str;
}

static int on_key(void *user, const char *section, const char *key, const char *value)
{
	struct config_reader *rd = user;
	const char *v = keep(value);
	int err;

	if (*section && strcmp(section, "record")) {
		report(rd, "unknown section [%s]: keys stand before any section or in [record]",
		       section);
		return 1; /* go on: report every error */
	}
	if (!v) {
		report(rd, "out of memory");
		return 1;
	}
	snprintf(rd->where, sizeof(rd->where), "%s:%d", rd->path, rd->line);
	log_set_context(rd->where);
	err = cli_set_option(rd->cfg, key, v);
	log_set_context(NULL);
	if (err == -ENOENT)
		report(rd, "unknown key '%s' (keys are the long options of --help)", key);
	else if (err == -EPERM)
		report(rd, "'%s' is a command-line option, not a configuration key", key);
	else if (err)
		rd->errors++; /* cli_set_option has said what was wrong */
	return 1;
}

int config_load(struct cli_config *cfg)
{
	struct config_reader rd = { .cfg = cfg, .path = cfg->config_path };
	struct stat st;
	int line, err;

	rd.fp = fopen(rd.path, "re");
	if (!rd.fp) {
		err = -errno;
		if (err == -ENOENT && !cli_given(cfg, "config")) /* no file: the defaults */
			return cli_check_complete(cfg);
		pr_err("cannot read configuration file %s: %s", rd.path, strerror(-err));
		return err;
	}
	/* fopen() opens a directory, and reading it fails like an empty file. */
	if (!fstat(fileno(rd.fp), &st) && S_ISDIR(st.st_mode)) {
		pr_err("cannot read configuration file %s: %s", rd.path, strerror(EISDIR));
		fclose(rd.fp);
		return -EISDIR;
	}
	line = ini_parse_stream(read_line, &rd, on_key, &rd);
	if (line > 0 && !rd.stop) {
		rd.line = line; /* the first line where inih found no key = value */
		report(&rd, "expected 'key = value', a [section] or a comment");
	}
	fclose(rd.fp);
	if (!rd.errors && (cli_check(cfg) || cli_check_complete(cfg)))
		rd.errors++;
	pr_debug("configuration file %s read: %s", rd.path, rd.errors ? "errors" : "ok");
	return rd.errors ? -EINVAL : 0;
}
