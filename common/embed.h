/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* embed.h - text files built into the binaries (scripts/embed-sql.sh). */
#ifndef NETMON_EMBED_H
#define NETMON_EMBED_H

#include <stddef.h>

struct embedded_file {
	const char *name; /* base name, e.g. "0001_initial.sql"; NULL ends a table */
	const char *text; /* NUL-terminated */
	size_t len;	  /* strlen(text) */
};

/* sql/NNNN_*.sql, in order: the schema migrations. */
extern const struct embedded_file netmon_migrations[];
/* sql/report/NAME.sql with its parts (scripts/compose-sql.sh): the report queries. */
extern const struct embedded_file netmon_report_queries[];
/* sql/anomaly/NAME.sql: the anomaly rules (anomaly_rules.h). */
extern const struct embedded_file netmon_anomaly_rules[];

/* sql/maintain/NAME.sql: rollup and retention steps (sqlfile.h). */
extern const struct embedded_file netmon_maintenance[];

/* The entry named name in table, or NULL. */
const struct embedded_file *embed_find(const struct embedded_file *table, const char *name);

#endif
