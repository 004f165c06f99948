// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * reload.c - what SIGHUP may change in a running recorder.
 *
 * The options compared are the configuration file's keys, in cli_options[]
 * (cli.c): each entry says how its value is shown and, in reload, what
 * applying it takes. An option with reload 0 needs a restart (the
 * interfaces, the hook and the map sizes are fixed once the programs are
 * loaded and attached; the database stays open). One that the running code
 * reads as it goes (a retention, a threshold) has RELOAD_LIVE; one that
 * needs work when it changes adds its own bit.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include "config.h"
#include "log.h"
#include "reload.h"

int reload_read(int argc, char **argv, struct cli_config *next)
{
	int err = cli_parse(argc, argv, next, stdout);

	return err ? err : config_load(next);
}

/* "a,b,c", or none when the list is empty. */
static void show_list(char *buf, size_t size, const char *const *list, int n, const char *none)
{
	snprintf(buf, size, "%s", n ? "" : none);
	for (int i = 0; i < n; i++) {
		size_t len = strlen(buf);

		snprintf(buf + len, size - len, "%s%s", i ? "," : "", list[i]);
	}
}

/* The field as text, for comparing and for the log. */
static const char *show(const struct cli_option *f, const struct cli_config *cfg, char *buf,
			size_t size)
{
	const void *p = (const char *)cfg + f->offset;

	switch (f->kind) {
	case CLI_UINT:
	case CLI_POW2:
		snprintf(buf, size, "%u", *(const unsigned int *)p);
		break;
	case CLI_COUNT:
		snprintf(buf, size, "%d", *(const int *)p);
		break;
	case CLI_FLAG:
		snprintf(buf, size, "%s", *(const int *)p ? "yes" : "no");
		break;
	case CLI_CHOICE:
		snprintf(buf, size, "%s", f->choices[*(const int *)p]);
		break;
	case CLI_PATH: /* an unset path (--pcap) is NULL */
	case CLI_LISTEN:
		snprintf(buf, size, "%s",
			 *(const char *const *)p ? *(const char *const *)p : "(none)");
		break;
	case CLI_THRESHOLD: /* the ones not at their default, NAME=VALUE,... */
		buf[0] = 0;
		for (int i = 0; i < ANOMALY_N_THRESHOLDS; i++) {
			size_t len = strlen(buf);

			if (cfg->thresholds.value[i] != anomaly_thresholds[i].def)
				snprintf(buf + len, size - len, "%s%s=%g", len ? "," : "",
					 anomaly_thresholds[i].name, cfg->thresholds.value[i]);
		}
		if (!buf[0])
			snprintf(buf, size, "(defaults)");
		break;
	case CLI_IFACE:
		show_list(buf, size, cfg->ifaces, cfg->n_ifaces, "(every Ethernet interface)");
		break;
	case CLI_COLLECTOR:
		show_list(buf, size, cfg->ipfix, cfg->n_ipfix, "(none)");
		break;
	case CLI_FILTER:
		show_list(buf, size, ((const struct filter_list *)p)->rules,
			  ((const struct filter_list *)p)->n, "(none)");
		break;
	case CLI_ACTION: /* never: not keys */
	case CLI_TEXT:
		buf[0] = 0;
		break;
	}
	return buf;
}

static void copy(const struct cli_option *f, struct cli_config *cur, const struct cli_config *next)
{
	size_t size = f->kind == CLI_PATH || f->kind == CLI_LISTEN ? sizeof(char *) : sizeof(int);

	if (f->kind == CLI_THRESHOLD) {
		cur->thresholds = next->thresholds;
		return;
	}
	if (f->kind == CLI_IFACE) {
		memcpy(cur->ifaces, next->ifaces, sizeof(cur->ifaces));
		cur->n_ifaces = next->n_ifaces;
		return;
	}
	if (f->kind == CLI_FILTER) {
		memcpy((char *)cur + f->offset, (const char *)next + f->offset,
		       sizeof(struct filter_list));
		return;
	}
	if (f->kind == CLI_COLLECTOR) {
		memcpy(cur->ipfix, next->ipfix, sizeof(cur->ipfix));
		cur->n_ipfix = next->n_ipfix;
		return;
	}
	memcpy((char *)cur + f->offset, (const char *)next + f->offset, size);
}

unsigned int reload_merge(struct cli_config *cur, const struct cli_config *next)
{
	/* Room for the longest value: every filter rule, and a comma each. */
	char was[NETMON_FILTER_MAX_RULES * (FILTER_TEXT_MAX + 1) + 1], now[sizeof(was)];
	unsigned int applied = 0;
	int changes = 0;

	for (int i = 0; i < cli_n_options; i++) {
		const struct cli_option *f = &cli_options[i];

		if (!f->key)
			continue;
		show(f, cur, was, sizeof(was));
		if (!strcmp(was, show(f, next, now, sizeof(now))))
			continue;
		changes++;
		if (!f->reload) {
			pr_warn("reload: %s %s -> %s needs a restart; keeping %s", f->name, was,
				now, was);
			continue;
		}
		copy(f, cur, next);
		applied |= f->reload;
		pr_info("reload: %s %s -> %s", f->name, was, now);
	}
	if (!changes)
		pr_info("reload: %s read, nothing changed", next->config_path);
	return applied;
}
