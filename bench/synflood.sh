#!/usr/bin/env bash
# synflood.sh - the recorder under a spoofed-source SYN flood: interval write
# time and file growth per interval at the default table size (65,536
# flows), next to the same flood with a table that holds every SYN's flow
# (--max-flows 524288) and a calm baseline (1,000 SYNs per interval), in the
# same run. Each configuration imports one capture of BURSTS bursts of
# SYNS SYNs from random sources at 250,000 a second, one burst per 5 s
# interval (tests/e2e/make-synflood.py), with `netmon-record --read
# --interval 5`: the real BPF program (through BPF_PROG_TEST_RUN) and the
# real store, one interval per burst. Prints, per configuration, the median
# and range over the intervals of collector_log.write_ms (inserting the
# interval's rows, before COMMIT) and of the flows written, the file's
# growth per interval (page_count x page_size after the import, WAL
# checkpointed, over BURSTS), and the SYNs in flow_log against those sent.
# Root (the import loads the BPF program). Figures only: never fails on a
# number.
#
#   O=build bench/synflood.sh [SYNS [BURSTS]]   (default 300000 5)
set -euo pipefail
O=${O:-build}
cd "$(dirname "$0")/.."
SYNS=${1:-300000}
BURSTS=${2:-5}
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT

echo "synflood.sh: $BURSTS intervals of $SYNS SYNs (5 s each, 250 kpps bursts)"
echo "cpu: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cpus; load: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 tests/e2e/make-synflood.py "$DIR/flood.pcap" "$SYNS" "$BURSTS" 5 >/dev/null
python3 tests/e2e/make-synflood.py "$DIR/calm.pcap" 1000 "$BURSTS" 5 >/dev/null
# A pcap header (Ethernet, microseconds) and no packet.
printf '\xd4\xc3\xb2\xa1\x02\x00\x04\x00\0\0\0\0\0\0\0\0\0\0\x04\x00\x01\0\0\0' >"$DIR/empty.pcap"

# median_range SQL DB: "median [min-max]" of the query's one column.
median_range() {
	sqlite3 "$2" "$1" | sort -n | awk '{ v[NR] = $1 } END {
		printf "%s [%s-%s]", (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2), v[1], v[NR] }'
}

# run NAME PCAP ARGS...: import PCAP into a fresh database and print its figures.
run() {
	local name=$1 pcap=$2 db=$DIR/$1.db empty
	shift 2
	# The schema alone, for the growth: an import of an empty capture makes it.
	"$O/netmon-record" --read "$DIR/empty.pcap" --db "$DIR/empty.db" --interval 5 \
		"$@" >/dev/null 2>&1
	empty=$(sqlite3 "$DIR/empty.db" 'PRAGMA page_count' | awk -v s="$(sqlite3 "$DIR/empty.db" \
		'PRAGMA page_size')" '{ print $1 * s }')
	rm -f "$DIR/empty.db"*
	"$O/netmon-record" --read "$pcap" --db "$db" --interval 5 "$@" 2>"$DIR/$name.err" ||
		{ cat "$DIR/$name.err"; return 1; }
	sqlite3 "$db" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
	printf '%-22s write_ms %-24s flows %-26s growth/interval %s B, SYNs in flow_log %s of %s\n' \
		"$name" "$(median_range 'SELECT write_ms FROM collector_log' "$db")" \
		"$(median_range 'SELECT active_flows FROM collector_log' "$db")" \
		"$(sqlite3 "$db" "SELECT (page_count * page_size - $empty) / $BURSTS
			FROM pragma_page_count, pragma_page_size")" \
		"$(sqlite3 "$db" 'SELECT sum(syn) FROM flow_log')" \
		"$(sqlite3 "$db" 'SELECT sum(packets) FROM traffic_log')"
	grep -h 'anomaly' "$DIR/$name.err" | sed 's/^/    /' || true
}

run calm-1000 "$DIR/calm.pcap"
run flood-default-table "$DIR/flood.pcap"
run flood-524288-flows "$DIR/flood.pcap" --max-flows 524288
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
