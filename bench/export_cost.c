// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * export_cost.c - the IPFIX export of one interval of 1M flows next to the
 * SQLite write of that interval (store_write_interval), in the same run;
 * and whether the collector got every message that was sent. The export is
 * what the recorder does after a commit: exporter_committed() (the backlog's
 * callback) and exporter_run(), which encodes the records just written and
 * sends them. With --read-back the interval is exported as after a crash
 * (or by netmon-report export): its rows read back from the database.
 *
 * What is compared, per round: the export's work, its wall time less the
 * time it waited for the pacing's schedule (--rate N, the recorder's
 * --ipfix-rate; default 0: unpaced, no wait), against the wall time of
 * the write (the COMMIT included); the median over the rounds after the
 * first is the figure of the goal (<= 0.2). Also printed: the export's
 * CPU (user and system time: encoding, and the kernel's sending, the
 * loopback's delivery to the collector included) against the write's, and
 * the export's whole wall time, waits included.
 *
 * The collector is a UDP socket of this program on 127.0.0.1 with a
 * 200 MB receive buffer (SO_RCVBUFFORCE: root), read after each export:
 * messages, bytes and data records (IPv4 flow sets) received, against the
 * records the exporter counted as sent (collector_log) and its send errors.
 * With a HOST:PORT third argument the export goes there instead (an
 * nfcapd: bench/export_cost.sh counts at it) and nothing is read here.
 *
 * Usage: export_cost [--read-back] [--rate N] [FLOWS [ROUNDS [HOST:PORT]]]
 * (default 1000000 3). The last line, "sent: R records in M messages", is
 * every round's (round 0 and the templates included), for the script.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sqlite3.h>
#include "export/exporter.h"
#include "ipfix.h"
#include "log.h"
#include "store/store.h"

#define RCVBUF (200 * 1024 * 1024)
#define V4_FIXED 56 /* an IPv4 flow record before its interfaceName (ipfix.c) */

struct received {
	uint64_t messages, bytes, records;
};

static double now_s(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* User and system CPU seconds of this process so far. */
static void cpu_s(double *user, double *sys)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	*user = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
	*sys = ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/*
 * Flow i: UDP 198.18.x.y:(1024 + i / 65536) -> 198.19.0.1:443 on lo, as
 * store_cost's, so 65,536 conversations; built here, not drained from the
 * kernel: only the write is timed, not the snapshot.
 */
static int fill_snapshot(struct snapshot *snap, unsigned int n)
{
	static const __u8 dst[4] = { 198, 19, 0, 1 };

	memset(snap, 0, sizeof(*snap));
	snap->flows = calloc(n, sizeof(*snap->flows));
	snap->totals = calloc(1, sizeof(*snap->totals));
	if (!snap->flows || !snap->totals)
		return -ENOMEM;
	snap->n_flows = n;
	snap->n_totals = 1;
	snap->totals[0].key.ifindex = 1;
	snap->totals[0].key.kind = NETMON_KIND_IP;
	snap->totals[0].key.family = NETMON_FAMILY_V4;
	snap->totals[0].key.protocol = 17;
	for (unsigned int i = 0; i < n; i++) {
		struct flow_record *r = &snap->flows[i];
		__u8 src[4] = { 198, 18, (__u8)(i >> 8), (__u8)i };

		r->key.ifindex = 1;
		r->key.family = NETMON_FAMILY_V4;
		r->key.protocol = 17;
		memcpy(r->key.src, src, 4);
		memcpy(r->key.dst, dst, 4);
		r->key.src_port = (__u16)(1024 + i / 65536);
		r->key.dst_port = 443;
		r->c.packets = 1;
		r->c.bytes = 100;
		r->c.first_seen_ns = r->c.last_seen_ns = 1000000000ull * (1000 + i % 60);
		snap->totals[0].c.packets += r->c.packets;
		snap->totals[0].c.bytes += r->c.bytes;
	}
	return 0;
}

/* A UDP socket on 127.0.0.1, an ephemeral port, its name into name. */
static int open_sink(char *name, size_t size)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0), buf = RCVBUF;

	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf)) ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(fd, (struct sockaddr *)&a, &alen)) {
		close(fd);
		return -errno;
	}
	snprintf(name, size, "127.0.0.1:%u", ntohs(a.sin_port));
	return fd;
}

/* The IPv4 flow records of one set's body (an interfaceName ends each). */
static uint64_t count_v4(const uint8_t *p, size_t len)
{
	uint64_t n = 0;
	size_t at = 0;

	while (at + V4_FIXED + 1 <= len) {
		at += V4_FIXED + 1 + p[at + V4_FIXED];
		n++;
	}
	return n;
}

/* Everything queued at the sink now (the export is synchronous: all of it). */
static void drain(int fd, struct received *got)
{
	static uint8_t msg[65536];
	ssize_t len;

	memset(got, 0, sizeof(*got));
	while ((len = recv(fd, msg, sizeof(msg), 0)) > 0) {
		size_t at = IPFIX_HEADER_LEN;

		got->messages++;
		got->bytes += (uint64_t)len;
		while (at + IPFIX_SET_HEADER_LEN <= (size_t)len) {
			unsigned int id = msg[at] << 8 | msg[at + 1],
				     slen = msg[at + 2] << 8 | msg[at + 3];

			if (slen < IPFIX_SET_HEADER_LEN || at + slen > (size_t)len)
				break;
			if (id == IPFIX_TMPL_V4)
				got->records += count_v4(msg + at + 4, slen - 4);
			at += slen;
		}
	}
}

/* What the exporter stored for interval id: records sent, send errors. */
static void logged(sqlite3 *db, int64_t id, int64_t *records, int64_t *errors)
{
	sqlite3_stmt *q;

	*records = *errors = -1;
	if (sqlite3_prepare_v2(db,
			       "SELECT ipfix_records, ipfix_send_errors FROM intervals "
			       "WHERE id = ?1",
			       -1, &q, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(q, 1, id);
	if (sqlite3_step(q) == SQLITE_ROW) {
		*records = sqlite3_column_int64(q, 0);
		*errors = sqlite3_column_int64(q, 1);
	}
	sqlite3_finalize(q);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

struct bench {
	struct store *st;
	struct exporter *x;
	struct snapshot snap;
	int sink;	  /* -1: an outside collector */
	int read_back;	  /* --read-back: no exporter_committed() */
	uint64_t records; /* sent in all rounds, as collector_log says */
};

struct round {
	double write, write_cpu;  /* wall, user + system CPU, s */
	double wall, cpu, paused; /* the export's: wall, user + system CPU, waits, s */
};

/* Interval r + 1 written, into ro; -errno. */
static int write_once(struct bench *b, int r, struct round *ro)
{
	double t0, u0, s0, u1, s1;
	int err;

	cpu_s(&u0, &s0);
	t0 = now_s(CLOCK_MONOTONIC);
	err = store_write_interval(b->st, &b->snap, 1735689600 + r * 60, 1735689660 + r * 60);
	ro->write = now_s(CLOCK_MONOTONIC) - t0;
	cpu_s(&u1, &s1);
	ro->write_cpu = u1 - u0 + s1 - s0;
	return err;
}

/* Interval r + 1 exported as the recorder does after its commit, into ro; -errno. */
static int export_once(struct bench *b, int r, struct round *ro)
{
	double t0, u0, s0, u1, s1;
	int64_t p0, p1;
	uint64_t m;
	int err = 0;

	exporter_totals(b->x, &m, &p0);
	cpu_s(&u0, &s0);
	t0 = now_s(CLOCK_MONOTONIC);
	if (!b->read_back)
		exporter_committed(b->x, b->st, &b->snap, 1735689600 + r * 60, 1735689660 + r * 60);
	err = exporter_run(b->x, store_db(b->st));
	ro->wall = now_s(CLOCK_MONOTONIC) - t0;
	cpu_s(&u1, &s1);
	exporter_totals(b->x, &m, &p1);
	ro->cpu = u1 - u0 + s1 - s0;
	ro->paused = (double)(p1 - p0) / 1e9;
	return err;
}

/* Round r: write interval r + 1, export it; its work / write ratio, -1 on failure. */
static double round_once(struct bench *b, int r, struct round *ro)
{
	struct received got = { 0 };
	int64_t sent, errors;
	int err = write_once(b, r, ro);

	if (!err)
		err = export_once(b, r, ro);
	if (err) {
		fprintf(stderr, "export_cost: round %d: %s\n", r, strerror(-err));
		return -1;
	}
	if (b->sink >= 0)
		drain(b->sink, &got);
	logged(store_db(b->st), r + 1, &sent, &errors);
	printf("  round %d: write %.3f s (CPU %.3f); export work %.3f s (CPU %.3f), waits %.3f s; "
	       "ratio %.3f%s\n"
	       "    records sent %lld, send errors %lld",
	       r, ro->write, ro->write_cpu, ro->wall - ro->paused, ro->cpu, ro->paused,
	       (ro->wall - ro->paused) / ro->write, r ? "" : " (first sight of every conversation)",
	       (long long)sent, (long long)errors);
	if (b->sink >= 0)
		printf("; received %llu messages (%.1f MB), %llu records%s",
		       (unsigned long long)got.messages, got.bytes / 1e6,
		       (unsigned long long)got.records,
		       got.records == (uint64_t)sent && !errors ? ": all" : ": LOST SOME");
	printf("\n");
	b->records += (uint64_t)sent;
	return (ro->wall - ro->paused) / ro->write;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(v[0]), cmp_double);
	return v[n / 2];
}

/* The medians of rounds 1..rounds (ro[0]: the first interval, apart). */
static void summary(struct bench *b, const struct round *ro, int rounds)
{
	double work[16], cpu[16], wall[16];
	uint64_t messages;
	int64_t paused;

	for (int r = 1; r <= rounds; r++) {
		work[r - 1] = (ro[r].wall - ro[r].paused) / ro[r].write;
		cpu[r - 1] = ro[r].cpu / ro[r].write_cpu;
		wall[r - 1] = ro[r].wall / ro[r].write;
	}
	printf("median export work / write (wall), steady state: %.3f (goal <= 0.2); first "
	       "interval: %.3f\n",
	       median(work, rounds), (ro[0].wall - ro[0].paused) / ro[0].write);
	printf("median export CPU / write CPU: %.3f; export wall with its waits / write: %.3f\n",
	       median(cpu, rounds), median(wall, rounds));
	exporter_totals(b->x, &messages, &paused);
	printf("sent: %llu records in %llu messages\n", (unsigned long long)b->records,
	       (unsigned long long)messages);
}

static int bench_main(int argc, char **argv, int read_back, unsigned int rate)
{
	unsigned int n = argc > 1 ? (unsigned int)strtoul(argv[1], NULL, 10) : 1000000;
	int rounds = argc > 2 ? atoi(argv[2]) : 3, err, failed = 0;
	char dir[] = "/tmp/netmon-bench-export-XXXXXX", path[128], coll[64];
	const char *collectors[1] = { argc > 3 ? argv[3] : coll };
	struct exporter_opts xo = { .collectors = collectors,
				    .n_collectors = 1,
				    .mtu = IPFIX_DEFAULT_MTU,
				    .domain = IPFIX_DEFAULT_DOMAIN,
				    .rate = rate };
	struct bench b = { .sink = -1, .read_back = read_back };
	struct round ro[17];

	log_init("export_cost", LOGLVL_WARN);
	if (rounds < 1 || rounds > 16 || !n || !mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/netmon.db", dir);
	err = fill_snapshot(&b.snap, n);
	if (!err && argc <= 3 && (b.sink = open_sink(coll, sizeof(coll))) < 0)
		err = b.sink;
	if (!err)
		err = store_open(&b.st, path);
	if (!err)
		err = exporter_open(&b.x, &xo, store_db(b.st));
	if (err) {
		fprintf(stderr, "export_cost: setup failed: %s\n", strerror(-err));
		return 1;
	}
	printf("export of an interval of %u flows to %s%s vs its SQLite write, %s, %s\n", n,
	       collectors[0], b.sink >= 0 ? " (this program's socket)" : "",
	       read_back ? "read back from the database" : "from the records just committed",
	       rate ? "paced (--ipfix-rate)" : "unpaced");
	if (rate)
		printf("  at %u messages a second\n", rate);
	for (int r = 0; r <= rounds && !failed; r++)
		failed = round_once(&b, r, &ro[r]) < 0;
	if (!failed)
		summary(&b, ro, rounds);
	exporter_close(b.x);
	store_close(b.st);
	if (b.sink >= 0)
		close(b.sink);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	return system(path) || failed;
}

int main(int argc, char **argv)
{
	unsigned int rate = 0;
	int read_back = 0;

	for (;;) {
		if (argc > 1 && !strcmp(argv[1], "--read-back")) {
			read_back = 1;
			argv++;
			argc--;
		} else if (argc > 2 && !strcmp(argv[1], "--rate")) {
			rate = (unsigned int)strtoul(argv[2], NULL, 10);
			argv += 2;
			argc -= 2;
		} else {
			break;
		}
	}
	return bench_main(argc, argv, read_back, rate);
}
