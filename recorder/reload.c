// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * reload.c - what SIGHUP may change in a running recorder.
 *
 * One line per option in fields[]: its key, where it lives in cli_config,
 * how to show it and what applying it takes. An option with apply 0 needs a
 * restart (the interfaces, the hook and the map sizes are fixed once the
 * programs are loaded and attached; the database stays open). A later option
 * that the running code reads as it goes (a retention, a threshold) joins
 * with RELOAD_LIVE; one that needs work when it changes adds its own bit.
 * An option missing here is simply not reloaded.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include "config.h"
#include "log.h"
#include "reload.h"

enum field_kind {
	FIELD_UINT,
	FIELD_INT,
	FIELD_FLAG,
	FIELD_HOOK,
	FIELD_STR,
	FIELD_IFACES,
	FIELD_THRESHOLDS,
};

struct reload_field {
	const char *key;
	size_t offset;
	enum field_kind kind;
	unsigned int apply; /* reload_change bits; 0: needs a restart */
};

/* One line per option reads better as a table. */
/* clang-format off */
#define FIELD(key, member, kind, apply) { key, offsetof(struct cli_config, member), kind, apply }
/* clang-format on */

static const struct reload_field fields[] = {
	FIELD("interval", interval, FIELD_UINT, RELOAD_LIVE | RELOAD_INTERVAL),
	FIELD("interface", ifaces, FIELD_IFACES, 0),
	FIELD("hook", hook_xdp, FIELD_HOOK, 0),
	FIELD("max-flows", max_flows, FIELD_UINT, 0),
	FIELD("max-flows6", max_flows6, FIELD_UINT, 0),
	FIELD("no-process", no_process, FIELD_FLAG, 0),
	FIELD("keep-attached", keep_attached, FIELD_FLAG, RELOAD_LIVE),
	FIELD("db", db_path, FIELD_STR, 0),
	FIELD("duration", duration, FIELD_UINT, 0),
	FIELD("verbose", verbose, FIELD_INT, 0),
	FIELD("keep-flows", keep.flows, FIELD_UINT, RELOAD_LIVE),
	FIELD("keep-processes", keep.processes, FIELD_UINT, RELOAD_LIVE),
	FIELD("keep-totals", keep.totals, FIELD_UINT, RELOAD_LIVE),
	FIELD("keep-hourly", keep.hourly, FIELD_UINT, RELOAD_LIVE),
	FIELD("keep-daily", keep.daily, FIELD_UINT, RELOAD_LIVE),
	FIELD("threshold", thresholds, FIELD_THRESHOLDS, RELOAD_LIVE | RELOAD_THRESHOLDS),
	FIELD("sample", sample, FIELD_UINT, 0),
	FIELD("pcap", pcap_path, FIELD_STR, 0),
	FIELD("snaplen", snaplen, FIELD_UINT, 0),
	FIELD("pcap-size", pcap_size_mb, FIELD_UINT, 0),
	FIELD("pcap-files", pcap_files, FIELD_UINT, 0),
	FIELD("sample-ring", sample_ring_kb, FIELD_UINT, 0),
};

int reload_read(int argc, char **argv, struct cli_config *next)
{
	int err = cli_parse(argc, argv, next, stdout);

	return err ? err : config_load(next);
}

/* The field as text, for comparing and for the log. */
static const char *show(const struct reload_field *f, const struct cli_config *cfg, char *buf,
			size_t size)
{
	const void *p = (const char *)cfg + f->offset;

	switch (f->kind) {
	case FIELD_UINT:
		snprintf(buf, size, "%u", *(const unsigned int *)p);
		break;
	case FIELD_INT:
		snprintf(buf, size, "%d", *(const int *)p);
		break;
	case FIELD_FLAG:
		snprintf(buf, size, "%s", *(const int *)p ? "yes" : "no");
		break;
	case FIELD_HOOK:
		snprintf(buf, size, "%s", *(const int *)p ? "xdp" : "tc");
		break;
	case FIELD_STR: /* an unset path (--pcap) is NULL */
		snprintf(buf, size, "%s",
			 *(const char *const *)p ? *(const char *const *)p : "(none)");
		break;
	case FIELD_THRESHOLDS: /* the ones not at their default, NAME=VALUE,... */
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
	case FIELD_IFACES:
		snprintf(buf, size, "%s", cfg->n_ifaces ? "" : "(every Ethernet interface)");
		for (int i = 0; i < cfg->n_ifaces; i++) {
			size_t len = strlen(buf);

			snprintf(buf + len, size - len, "%s%s", i ? "," : "", cfg->ifaces[i]);
		}
		break;
	}
	return buf;
}

static void copy(const struct reload_field *f, struct cli_config *cur,
		 const struct cli_config *next)
{
	size_t size = f->kind == FIELD_STR ? sizeof(char *) : sizeof(int);

	if (f->kind == FIELD_THRESHOLDS) {
		cur->thresholds = next->thresholds;
		return;
	}
	if (f->kind == FIELD_IFACES) {
		memcpy(cur->ifaces, next->ifaces, sizeof(cur->ifaces));
		cur->n_ifaces = next->n_ifaces;
		return;
	}
	memcpy((char *)cur + f->offset, (const char *)next + f->offset, size);
}

unsigned int reload_merge(struct cli_config *cur, const struct cli_config *next)
{
	char was[CLI_MAX_IFACES * 17], now[sizeof(was)];
	unsigned int applied = 0;
	int changes = 0;

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const struct reload_field *f = &fields[i];

		show(f, cur, was, sizeof(was));
		if (!strcmp(was, show(f, next, now, sizeof(now))))
			continue;
		changes++;
		if (!f->apply) {
			pr_warn("reload: %s %s -> %s needs a restart; keeping %s", f->key, was, now,
				was);
			continue;
		}
		copy(f, cur, next);
		applied |= f->apply;
		pr_info("reload: %s %s -> %s", f->key, was, now);
	}
	if (!changes)
		pr_info("reload: %s read, nothing changed", next->config_path);
	return applied;
}
