// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * metrics_page.c - sums of the committed intervals, and the Prometheus text
 * format of them (https://prometheus.io/docs/instrumenting/exposition_formats/):
 * a HELP and a TYPE line per family, then its samples; label values escaped
 * (backslash, double quote, newline). Labels are bounded: interface,
 * direction, family, protocol class, anomaly kind; never an address or port.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "metrics_page.h"
#include "store/store.h"

static const char *const proto_names[] = { "tcp", "udp", "icmp", "other" };

enum metrics_proto metrics_proto_of(uint8_t protocol)
{
	switch (protocol) {
	case 6:
		return METRICS_TCP;
	case 17:
		return METRICS_UDP;
	case 1:	 /* ICMP */
	case 58: /* ICMPv6 */
		return METRICS_ICMP;
	default:
		return METRICS_OTHER;
	}
}

void metrics_state_free(struct metrics_state *s)
{
	free(s->series);
	memset(s, 0, sizeof(*s));
}

/* The series of key k (found or appended), or NULL without memory. */
static struct metrics_series *series_of(struct metrics_state *s, const struct metrics_series *k)
{
	struct metrics_series *grown;

	for (size_t i = 0; i < s->n_series; i++) {
		struct metrics_series *x = &s->series[i];

		if (x->direction == k->direction && x->kind == k->kind && x->family == k->family &&
		    x->proto == k->proto && !strcmp(x->iface, k->iface))
			return x;
	}
	if (s->n_series == s->cap_series) {
		size_t cap = s->cap_series ? 2 * s->cap_series : 64;

		grown = realloc(s->series, cap * sizeof(*grown));
		if (!grown)
			return NULL;
		s->series = grown;
		s->cap_series = cap;
	}
	s->series[s->n_series] = *k;
	return &s->series[s->n_series++];
}

/* The series each total adds to, found (or made) before any is added to. */
static int place_totals(struct metrics_state *s, const struct store *st,
			const struct snapshot *snap, struct metrics_series **at)
{
	for (size_t i = 0; i < snap->n_totals; i++) {
		const struct total_record *t = &snap->totals[i];
		int ip = t->key.kind == NETMON_KIND_IP || t->key.kind == NETMON_KIND_TABLE_FULL;
		struct metrics_series k = { .direction = t->key.direction, .kind = t->key.kind };

		if (ip) {
			k.family = t->key.family;
			k.proto = (uint8_t)metrics_proto_of(t->key.protocol);
		}
		store_iface_name(st, (int)t->key.ifindex, k.iface, sizeof(k.iface));
		at[i] = series_of(s, &k);
		if (!at[i])
			return -ENOMEM;
	}
	return 0;
}

int metrics_state_add(struct metrics_state *s, const struct store *st, const struct snapshot *snap,
		      int64_t end, uint64_t write_us)
{
	struct metrics_series **at = calloc(snap->n_totals ? snap->n_totals : 1, sizeof(*at));
	size_t before = s->n_series;
	int err;

	if (!at)
		return -ENOMEM;
	err = place_totals(s, st, snap, at);
	if (err) {
		s->n_series = before; /* the new ones hold nothing yet */
		free(at);
		return err;
	}
	for (size_t i = 0; i < snap->n_totals; i++) {
		at[i]->packets += snap->totals[i].c.packets;
		at[i]->bytes += snap->totals[i].c.bytes;
	}
	free(at);
	s->intervals++;
	s->proc_full_calls += snap->proc_full_calls;
	s->proc_full_bytes += snap->proc_full_bytes;
	s->dns_tcp_split += snap->dns_tcp_split;
	s->late_ms += (uint64_t)store_late_ms(snap, end);
	s->last_end = end;
	s->last_flows = snap->n_flows;
	s->last_snapshot_us = snap->duration_us;
	s->last_write_us = write_us;
	return 0;
}

/* A label value, escaped as the text format wants. */
static void put_value(FILE *f, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', f);
		if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
}

static void family_head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name{interface="..",direction="..",...} value for one series. */
static void put_series(FILE *f, const char *name, const struct metrics_series *x, int ip,
		       uint64_t value)
{
	fprintf(f, "%s{interface=\"", name);
	put_value(f, x->iface);
	fprintf(f, "\",direction=\"%s\"", x->direction ? "out" : "in");
	if (ip)
		fprintf(f, ",family=\"ipv%u\",protocol=\"%s\"", x->family, proto_names[x->proto]);
	fprintf(f, "} %llu\n", (unsigned long long)value);
}

/* One family over the series of one kind (packets, or bytes when bytes). */
static void kind_family(FILE *f, const struct metrics_state *s, const char *name, const char *help,
			int kind, int bytes)
{
	int ip = kind == NETMON_KIND_IP || kind == NETMON_KIND_TABLE_FULL;

	family_head(f, name, "counter", help);
	for (size_t i = 0; i < s->n_series; i++) {
		const struct metrics_series *x = &s->series[i];

		if (x->kind == kind)
			put_series(f, name, x, ip, bytes ? x->bytes : x->packets);
	}
}

static void counter(FILE *f, const char *name, const char *help, uint64_t v)
{
	family_head(f, name, "counter", help);
	fprintf(f, "%s %llu\n", name, (unsigned long long)v);
}

/* A counter of seconds kept in ms: printed exact, to the ms. */
static void counter_ms(FILE *f, const char *name, const char *help, uint64_t ms)
{
	family_head(f, name, "counter", help);
	fprintf(f, "%s %llu.%03llu\n", name, (unsigned long long)(ms / 1000),
		(unsigned long long)(ms % 1000));
}

/* The packets of every series of a kind (over interfaces and directions). */
static uint64_t kind_sum(const struct metrics_state *s, int kind)
{
	uint64_t n = 0;

	for (size_t i = 0; i < s->n_series; i++)
		if (s->series[i].kind == kind)
			n += s->series[i].packets;
	return n;
}

/* A gauge; whole unless places (durations in seconds, to the microsecond). */
static void gauge(FILE *f, const char *name, const char *help, int places, double v)
{
	family_head(f, name, "gauge", help);
	fprintf(f, "%s %.*f\n", name, places, v);
}

/* The families summed from the traffic rows, one per kind (and unit). */
static const struct kind_family {
	const char *name, *help;
	int kind, bytes;
} kind_families[] = {
	{ "netmon_interface_bytes_total",
	  "IP bytes (L3 length) counted since the recorder started, as traffic_log.",
	  NETMON_KIND_IP, 1 },
	{ "netmon_interface_packets_total",
	  "IP packets counted since the recorder started, as traffic_log.", NETMON_KIND_IP, 0 },
	{ "netmon_table_full_packets_total",
	  "IP packets whose flow did not fit the flow table (collector_log.table_full).",
	  NETMON_KIND_TABLE_FULL, 0 },
	{ "netmon_malformed_frames_total",
	  "Frames with an IP ethertype and invalid headers (collector_log.malformed).",
	  NETMON_KIND_MALFORMED, 0 },
	{ "netmon_non_ip_frames_total", "Frames of another ethertype (collector_log.non_ip).",
	  NETMON_KIND_NON_IP, 0 },
	{ "netmon_samples_total", "Packets sampled into the --pcap file (collector_log.samples).",
	  NETMON_KIND_SAMPLED, 0 },
	{ "netmon_sample_drops_total",
	  "Packets due for sampling that found the ring buffer full (collector_log.sample_drops).",
	  NETMON_KIND_SAMPLE_DROP, 0 },
};

static void traffic_families(FILE *f, const struct metrics_state *s)
{
	for (size_t i = 0; i < sizeof(kind_families) / sizeof(kind_families[0]); i++) {
		const struct kind_family *k = &kind_families[i];

		kind_family(f, s, k->name, k->help, k->kind, k->bytes);
	}
}

/*
 * The messages passed to the recorder for host names: columns of the
 * interval in the database, not rows per interface (store.c), so one
 * series each, their sums over this run's intervals, as collector_log.
 */
static const struct names_family {
	const char *name, *help;
	int kind;
} names_families[] = {
	{ "netmon_dns_messages_total",
	  "DNS responses received and passed to the recorder for host names "
	  "(collector_log.dns_messages).",
	  NETMON_KIND_DNS },
	{ "netmon_dns_message_drops_total",
	  "DNS responses lost: the ring buffer to the recorder was full "
	  "(collector_log.dns_dropped).",
	  NETMON_KIND_DNS_DROP },
	{ "netmon_tls_hellos_total",
	  "TLS ClientHellos sent to TCP port 443 and passed to the recorder for host names "
	  "(collector_log.tls_hellos).",
	  NETMON_KIND_TLS_HELLO },
	{ "netmon_tls_hello_drops_total",
	  "TLS ClientHellos lost: the ring buffer to the recorder was full "
	  "(collector_log.tls_dropped).",
	  NETMON_KIND_TLS_DROP },
};

static void names_families_put(FILE *f, const struct metrics_state *s)
{
	for (size_t i = 0; i < sizeof(names_families) / sizeof(names_families[0]); i++)
		counter(f, names_families[i].name, names_families[i].help,
			kind_sum(s, names_families[i].kind));
	counter(f, "netmon_dns_tcp_split_messages_total",
		"DNS messages over TCP that no segment held whole, not read for host names "
		"(collector_log.dns_tcp_split).",
		s->dns_tcp_split);
}

static void health_families(FILE *f, const struct metrics_state *s, const struct metrics_health *h)
{
	counter(f, "netmon_process_table_full_calls_total",
		"Socket calls attributed to no process: the per-process table was full.",
		s->proc_full_calls);
	counter(f, "netmon_process_table_full_bytes_total",
		"Bytes of the socket calls attributed to no process (table full).",
		s->proc_full_bytes);
	counter(f, "netmon_intervals_written_total",
		"Intervals committed to the database since the recorder started.", s->intervals);
	/* A counter, not the last interval's gauge: a late interval between two
	 * scrapes stays in increase() (docs/metrics.md). */
	counter_ms(
		f, "netmon_interval_late_seconds_total",
		"Time from each interval's end to the flip that took its counts from the kernel, "
		"summed (collector_log.late_ms).",
		s->late_ms);
	gauge(f, "netmon_backlog_intervals", "Intervals waiting in memory to be written.", 0,
	      (double)h->backlog);
	gauge(f, "netmon_last_interval_end_timestamp_seconds",
	      "End of the last interval committed (unix time; 0: none yet).", 0,
	      (double)s->last_end);
	gauge(f, "netmon_last_interval_flows", "Flows of the last interval committed.", 0,
	      (double)s->last_flows);
	gauge(f, "netmon_interval_snapshot_duration_seconds",
	      "Time to flip and drain the kernel maps for the last interval.", 6,
	      s->last_snapshot_us / 1e6);
	gauge(f, "netmon_interval_write_duration_seconds",
	      "Time to write and commit the last interval.", 6, s->last_write_us / 1e6);
	if (h->db_bytes >= 0)
		gauge(f, "netmon_database_size_bytes",
		      "Size of the database file and its write-ahead log.", 0, (double)h->db_bytes);
}

static void anomaly_family(FILE *f, const struct metrics_health *h)
{
	if (!h->n_anomaly)
		return;
	family_head(f, "netmon_anomalies_total", "counter",
		    "Anomaly hits the recorder stored since it started (anomaly_log).");
	for (size_t i = 0; i < h->n_anomaly; i++) {
		fputs("netmon_anomalies_total{kind=\"", f);
		put_value(f, h->anomaly_kind[i]);
		fprintf(f, "\"} %llu\n", (unsigned long long)h->anomaly_hits[i]);
	}
}

int metrics_page_build(const struct metrics_state *s, const struct metrics_health *h, char **text,
		       size_t *len)
{
	FILE *f = open_memstream(text, len);
	int err;

	if (!f)
		return -ENOMEM;
	family_head(f, "netmon_build_info", "gauge",
		    "Version of netmon-record and of its BPF contract (ABI).");
	fprintf(f, "netmon_build_info{version=\"%s\",abi=\"%d\"} 1\n", NETMON_VERSION,
		NETMON_ABI_VERSION);
	traffic_families(f, s);
	names_families_put(f, s);
	health_families(f, s, h);
	anomaly_family(f, h);
	err = ferror(f) ? -ENOMEM : 0;
	if (fclose(f) || err) {
		free(*text);
		*text = NULL;
		return -ENOMEM;
	}
	return 0;
}
