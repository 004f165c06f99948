// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * report_sections.c - the report commands, each a list of sections, one
 * query each (see report_sections.h).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "fmt_escape.h"
#include "fmt_units.h"
#include "log.h"
#include "report_sections.h"
#include "report_window.h"

/* Said wherever process bytes are shown: the socket tracepoints see no
 * interface, so they are the host's, not the recorded interfaces'
 * (docs/design.md, "Per-process bytes"). */
#define PROCESSES_TITLE                                                                            \
	"Top processes by bytes through their sockets, host-wide (all sockets, loopback "          \
	"included, whatever interfaces were recorded)"

/* The same bytes as PROCESSES_TITLE, per service and per user. */
#define SERVICES_TITLE                                                                             \
	"Top services (systemd unit, container, login session) by bytes through their "            \
	"processes' sockets, host-wide"
#define USERS_TITLE "Top users by bytes through their processes' sockets, host-wide"

/* Under a ranking of hosts: the flow table's overflow rows it leaves out. */
#define HOSTS_NOTE "top_hosts_overflow.sql"

static const struct report_section summary_sections[] = {
	/* First, so that the text (and the daily .txt) says what it covers. */
	{ WINDOW_QUERY, "window", NULL, SAYS_NOTHING, CHART_NONE, NULL },
	{ "summary_traffic.sql", "traffic", "Traffic by interface, direction and protocol", 1,
	  CHART_NONE, NULL },
	{ "summary_interfaces.sql", "interfaces", "Traffic by interface", 0, CHART_NONE, NULL },
	/* No rows when every packet was accounted for: shown only if not. */
	{ "summary_collector.sql", "collector",
	  "Collector health: packets left out of flows (table_full) or of all totals, "
	  "socket bytes left out of processes",
	  0, CHART_NONE,
	  "Every IP packet was recorded in its flow; no malformed or non-IP frames." },
	{ "top_hosts.sql", "hosts", "Top hosts by bytes sent and received", 0, CHART_RANK, NULL },
	{ "top_apps.sql", "apps", "Top applications by bytes (server port)", 0, CHART_RANK, NULL },
	{ "top_ports.sql", "ports", "Top server ports by bytes", 0, CHART_RANK, NULL },
	/* The same query as top processes (no --pid/--comm: all, --limit rows). */
	{ "top_processes.sql", "processes", PROCESSES_TITLE, 0, CHART_RANK,
	  "No process traffic recorded (netmon-record --no-process, or kernel < 6.3)." },
	{ "top_services.sql", "services", SERVICES_TITLE, 0, CHART_RANK,
	  "No process traffic recorded (netmon-record --no-process, or kernel < 6.3)." },
	{ "top_users.sql", "users", USERS_TITLE, 0, CHART_RANK,
	  "No process traffic recorded (netmon-record --no-process, or kernel < 6.3)." },
	{ "top_protocols.sql", "protocols", "Protocol distribution", 0, CHART_SHARE, NULL },
	/* The query and title follow the bucket: report_section_query() below. */
	{ "trend.sql", "trend", NULL, 0, CHART_TREND, NULL },
	/* Shown in a table only when there are some. */
	{ "summary_anomalies.sql", "anomalies", "Anomalies", SAYS_NOTHING, CHART_NONE,
	  "No anomalies in the window." },
	/* Shown in a table only when there are some (gap_log). */
	{ "summary_gaps.sql", "gaps",
	  "Gaps: traffic the kernel counted that no recorder could read (an upgrade of the "
	  "BPF ABI), lost",
	  SAYS_NOTHING, CHART_NONE, "No gaps in the window." },
};

static const struct report_section top_hosts_sections[] = {
	{ "top_hosts.sql", "hosts", NULL, SAYS_NO_TRAFFIC, CHART_RANK, NULL },
};

static const struct report_section top_flows_sections[] = {
	{ "top_flows.sql", "flows", NULL, 1, CHART_RANK, NULL },
};

static const struct report_section top_services_sections[] = {
	{ "top_services.sql", "services", SERVICES_TITLE, SAYS_NO_PROCESS, CHART_RANK, NULL },
};

static const struct report_section top_users_sections[] = {
	{ "top_users.sql", "users", USERS_TITLE, SAYS_NO_PROCESS, CHART_RANK, NULL },
};

static const struct report_section top_ports_sections[] = {
	{ "top_ports.sql", "ports", NULL, 1, CHART_RANK, NULL },
};

static const struct report_section top_processes_sections[] = {
	{ "top_processes.sql", "processes", PROCESSES_TITLE, SAYS_NO_PROCESS, CHART_RANK, NULL },
};

static const struct report_section top_interfaces_sections[] = {
	{ "top_interfaces.sql", "interfaces", NULL, 1, CHART_RANK, NULL },
};

static const struct report_section top_protocols_sections[] = {
	{ "top_protocols.sql", "protocols", NULL, 1, CHART_SHARE, NULL },
};

static const struct report_section top_apps_sections[] = {
	{ "top_apps.sql", "apps", NULL, 1, CHART_RANK, NULL },
};

static const struct report_section trend_sections[] = {
	{ "trend.sql", "trend", NULL, 1, CHART_TREND, NULL },
};

static const struct report_section anomalies_sections[] = {
	{ ANOMALIES_QUERY, "anomalies", NULL, SAYS_NO_ANOMALIES, CHART_NONE, "No anomalies." },
};

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const struct {
	const struct report_section *sections;
	int n;
} reports[] = {
	[REPORT_SUMMARY] = { summary_sections, N(summary_sections) },
	[REPORT_TOP_APPS] = { top_apps_sections, 1 },
	[REPORT_TREND] = { trend_sections, 1 },
	[REPORT_TOP_HOSTS] = { top_hosts_sections, 1 },
	[REPORT_TOP_FLOWS] = { top_flows_sections, 1 },
	[REPORT_TOP_PORTS] = { top_ports_sections, 1 },
	[REPORT_TOP_PROCESSES] = { top_processes_sections, 1 },
	[REPORT_TOP_INTERFACES] = { top_interfaces_sections, 1 },
	[REPORT_TOP_PROTOCOLS] = { top_protocols_sections, 1 },
	[REPORT_ANOMALIES] = { anomalies_sections, 1 },
	[REPORT_TOP_SERVICES] = { top_services_sections, 1 },
	[REPORT_TOP_USERS] = { top_users_sections, 1 },
};

const struct report_section *report_sections(enum report_command command, int *n)
{
	*n = reports[command].n;
	return reports[command].sections;
}

/* Summary's chart: hours up to a week (168 bars), days beyond. */
#define SUMMARY_HOURLY_MAX_BUCKETS (7 * 24)

/* --numeric: the query of a ranking of addresses without their names. */
static const char *numeric_query(const char *query)
{
	static const char *const numeric[][2] = {
		{ "top_hosts.sql", "top_hosts_numeric.sql" },
		{ "top_flows.sql", "top_flows_numeric.sql" },
	};

	for (size_t i = 0; i < sizeof(numeric) / sizeof(numeric[0]); i++)
		if (!strcmp(query, numeric[i][0]))
			return numeric[i][1];
	return query;
}

const char *report_section_query(const struct report_section *sec, const struct report_opts *o)
{
	static const char *const by_query[] = {
		[REPORT_BY_NONE] = "trend.sql",
		[REPORT_BY_INTERFACE] = "trend_interface.sql",
		[REPORT_BY_PROTOCOL] = "trend_protocol.sql",
		[REPORT_BY_HOST] = "trend_host.sql",
	};

	if (sec->chart != CHART_TREND)
		return o->numeric ? numeric_query(sec->query) : sec->query;
	/* summary's trend is always of all traffic (--by is trend's only). */
	return by_query[o->command == REPORT_TREND ? o->by : REPORT_BY_NONE];
}

static const char *trend_unit(const struct report_opts *o)
{
	if (o->bucket == 300)
		return "5 minutes";
	return o->bucket == 86400 ? "day" : "hour";
}

static const char *section_title(const struct report_section *sec, const struct report_opts *o)
{
	if (sec->chart != CHART_TREND || o->command != REPORT_SUMMARY)
		return sec->title;
	return o->bucket == 86400 ? "Traffic per day, all interfaces"
				  : "Traffic per hour, all interfaces";
}

/*
 * What an empty table says: the intervals recorded in the window, or that
 * nothing was recorded at all (the recorder did not run then).
 */
static void empty_text(const struct recorded_span *rec, const struct report_opts *o,
		       const char *no_what, char *buf, size_t len)
{
	char since[64], until[64];
	long long n = rec->intervals;

	if (n > 0) {
		window_format_time(rec->first, since, sizeof(since));
		window_format_time(rec->last, until, sizeof(until));
		snprintf(buf, len, "no %s in the %lld interval%s recorded from %s to %s", no_what,
			 n, n == 1 ? "" : "s", since, until);
	} else {
		window_format_time(o->since, since, sizeof(since));
		window_format_time(o->until, until, sizeof(until));
		snprintf(buf, len, "nothing recorded between %s and %s", since, until);
	}
}

/* " --NAME VALUE" to b, the value quoted as a shell would need it (a quote
 * in it as '\'') and made inert for a terminal (fmt_table_escape). */
static int filter_words(struct fmt_buf *b, const char *name, const char *value)
{
	static const char plain[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "0123456789_-.:/@+=,";
	int quote = !*value || value[strspn(value, plain)];
	int err = fmt_buf_addf(b, " --%s %s", name, quote ? "'" : "");

	while (!err && *value) {
		size_t n = strcspn(value, "'");

		err = fmt_table_escape(b, value, n);
		value += n;
		if (!err && *value) {
			err = fmt_buf_add(b, "'\\''", 4);
			value++;
		}
	}
	return err ? err : fmt_buf_add(b, "'", quote);
}

/*
 * What an empty process ranking says: that no process matched the filters
 * given (there may well have been traffic, and processes), else that no
 * process traffic was recorded (--no-process, an old kernel).
 */
static void no_process_text(const struct recorded_span *rec, const struct report_opts *o, char *buf,
			    size_t len)
{
	struct fmt_buf b = { 0 };
	int err = fmt_buf_add(&b, "process matched", strlen("process matched"));

	if (!err && o->pid > 0)
		err = fmt_buf_addf(&b, " --pid %lld", o->pid);
	if (!err && o->comm)
		err = filter_words(&b, "comm", o->comm);
	if (!err && o->service)
		err = filter_words(&b, "service", o->service);
	if (!err && o->user)
		err = filter_words(&b, "user", o->user);
	if (!err && b.len > strlen("process matched"))
		empty_text(rec, o, b.s, buf, len);
	else
		empty_text(rec, o, "process traffic", buf, len);
	fmt_buf_free(&b);
}

void section_texts_make(const struct recorded_span *rec, const struct report_opts *o,
			struct section_texts *t)
{
	empty_text(rec, o, "IP traffic", t->no_traffic, sizeof(t->no_traffic));
	empty_text(rec, o, "anomalies", t->no_anomalies, sizeof(t->no_anomalies));
	empty_text(rec, o, "flow with recorded addresses", t->no_hosts, sizeof(t->no_hosts));
	no_process_text(rec, o, t->no_process, sizeof(t->no_process));
}

/* The heading of a section in HTML: its table title, or one made for HTML. */
static void heading(const struct report_section *sec, const struct report_opts *o, char *buf,
		    size_t len)
{
	static const char *const by_words[] = { [REPORT_BY_NONE] = "all interfaces",
						[REPORT_BY_INTERFACE] = "per interface",
						[REPORT_BY_PROTOCOL] = "per protocol",
						[REPORT_BY_HOST] = "per host" };
	const char *title = section_title(sec, o);

	if (title)
		snprintf(buf, len, "%s", title);
	else if (sec->chart == CHART_TREND)
		snprintf(buf, len, "Traffic per %s, %s", trend_unit(o), by_words[o->by]);
	else if (sec->chart == CHART_NONE) /* not a ranking: anomalies */
		snprintf(buf, len, "%c%s", toupper((unsigned char)sec->key[0]), sec->key + 1);
	else
		snprintf(buf, len, "Top %s by bytes", sec->key);
}

void report_section_view(const struct report_section *sec, const struct report_opts *o,
			 const struct section_texts *t, struct render_section *out)
{
	const char *empty[] = { [SAYS_NOTHING] = NULL,
				[SAYS_NO_TRAFFIC] = t->no_traffic,
				[SAYS_NO_ANOMALIES] = t->no_anomalies,
				[SAYS_NO_PROCESS] = t->no_process };

	memset(out, 0, sizeof(*out));
	out->key = sec->key;
	out->title = section_title(sec, o);
	heading(sec, o, out->heading, sizeof(out->heading));
	out->chart = sec->chart;
	out->object = !strcmp(sec->query, WINDOW_QUERY); /* one row: JSON's "window": {...} */
	out->empty_table = empty[sec->says_empty];
	out->empty_html = sec->says_empty == SAYS_NO_TRAFFIC || sec->says_empty == SAYS_NO_PROCESS
				  ? empty[sec->says_empty]
			  : sec->none ? sec->none
				      : "None.";
}

const char *report_section_note_query(const struct report_section *sec, const struct report_opts *o)
{
	if (sec->chart != CHART_TREND)
		return strcmp(sec->query, "top_hosts.sql") ? NULL : HOSTS_NOTE;
	/* The trend's series are hosts with trend --by host only. */
	return o->command == REPORT_TREND && o->by == REPORT_BY_HOST ? HOSTS_NOTE : NULL;
}

void report_section_note(const struct fmt_value *row, int ncols, const struct section_texts *t,
			 struct render_section *out)
{
	struct fmt_buf bytes = { 0 };
	long long packets = ncols >= 2 && row[0].type == FMT_INT ? row[0].i : 0;

	out->note[0] = '\0';
	if (packets <= 0 || row[1].type != FMT_INT || fmt_iec(&bytes, row[1].i))
		goto out;
	snprintf(out->note, sizeof(out->note),
		 "Not among the hosts: %lld packet%s (%s) of flows the flow table had no room for "
		 "(netmon-record --max-flows, --max-flows6): their addresses were not recorded",
		 packets, packets == 1 ? "" : "s", bytes.s);
	/* Traffic there was: none of it with its addresses. */
	if (out->empty_table == t->no_traffic)
		out->empty_table = t->no_hosts;
	if (out->empty_html == t->no_traffic)
		out->empty_html = t->no_hosts;
out:
	fmt_buf_free(&bytes);
}

int report_trend_plan(struct report_opts *o, const struct recorded_span *rec)
{
	int64_t first = rec->first, last = rec->last, buckets;

	if (o->command != REPORT_SUMMARY && o->command != REPORT_TREND)
		return 0;
	if (!o->bucket || o->command == REPORT_SUMMARY)
		o->bucket = REPORT_DEFAULT_BUCKET;
	if (rec->intervals <= 0)
		return 0; /* nothing recorded: the query returns no rows */
	/* The buckets run over the window as given, or as recorded where open. */
	if (o->since != WINDOW_START)
		first = o->since;
	if (o->until != WINDOW_END)
		last = o->until;
	/* 86400 for a local day is near enough to count buckets. */
	buckets = (last - first) / o->bucket + 1;
	if (o->command == REPORT_SUMMARY && buckets > SUMMARY_HOURLY_MAX_BUCKETS) {
		o->bucket = 86400;
		buckets = (last - first) / o->bucket + 1;
	}
	if (buckets <= REPORT_MAX_BUCKETS)
		return 0;
	pr_err("trend: the window holds %lld buckets of %s (at most %d): use a larger --bucket "
	       "or a shorter window",
	       (long long)buckets,
	       o->bucket == 300	  ? "5 minutes"
	       : o->bucket == 86400 ? "a day"
				    : "an hour",
	       REPORT_MAX_BUCKETS);
	return -E2BIG;
}
