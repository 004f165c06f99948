#!/usr/bin/env bats
# behind.bats - a recorder whose interval write takes longer than the
# interval (NETMON_TEST_SLOW_WRITE makes the first one 3.5 s slower, as a
# burst of a million new hosts would) falls behind: the interval flipped
# after that write says in collector_log.late_ms how late its counts were
# taken, the intervals after it are on the grid again, the log says both,
# and every packet sent is in flow_log (docs/design.md, "Falling behind").
#
#   O=build bats tests/e2e/behind.bats     (root; binaries from $O)

# shellcheck disable=SC2154 # set where shellcheck cannot see: NMT_PID_<name> by nmt_spawn (printf -v)
bats_require_minimum_version 1.5.0

load lib

setup() {
	nmt_require "$NMT_RECORD"
	nmt_setup
	DB=$NMT_TMP/netmon.db
}

teardown() {
	nmt_teardown
}

@test "a write slower than the interval: the next interval records its lateness, the rest catch up" {
	NETMON_TEST_SLOW_WRITE=3500 nmt_rec_start "$DB" --interval 2
	# 500 datagrams 20 ms apart: 10 s of traffic over every interval.
	nmt_udp_stream s out 4 20051 5051 500 200 20000 30
	nmt_await stx 40
	nmt_await srx 40
	nmt_wait_line "$NMT_TMP/rec.err" 'caught up' "$NMT_PID_rec" 30
	nmt_rec_stop
	grep -q 'took .* longer than the interval' "$NMT_TMP/rec.err"

	# Every packet sent, in flow_log (what the sender sent: the ground truth).
	[ "$(nmt_sql "$DB" "SELECT sum(packets) FROM flow_log WHERE src = '$NMT_H4'
		AND src_port = 20051 AND dst_port = 5051")" -eq 500 ]

	# The second interval was flipped after the first one's write, 3.5 s
	# at least after the first one ended: its ts_end + late_ms says so.
	run nmt_sql "$DB" "SELECT a.ts_end, b.ts_end * 1000 + b.late_ms, b.late_ms
		FROM collector_log a JOIN collector_log b ON b.ts_start = a.ts_end
		ORDER BY a.ts_start LIMIT 1"
	echo "first end | second flipped at (ms) | its late_ms: $output"
	[ "$status" -eq 0 ]
	IFS='|' read -r end1 flip2 late2 <<<"$output"
	[ "$flip2" -ge $((end1 * 1000 + 3500)) ]
	[ "$late2" -ge 0 ]

	# No packet of an interval after ts_end + late_ms: the kernel's packet
	# times agree with the lateness recorded.
	run nmt_sql "$DB" "SELECT count(*) FROM flow_log f JOIN collector_log c USING (ts_start)
		WHERE f.last_seen > c.ts_end + (c.late_ms + 1) / 1000.0"
	[ "$status" -eq 0 ] && [ "$output" -eq 0 ]

	# Caught up: from the third interval on, each ends on the next
	# multiple of 2 s, less than an interval late (the last one ends at the stop).
	run nmt_sql "$DB" "SELECT count(*) FROM (SELECT ts_start, ts_end, late_ms FROM collector_log
		ORDER BY ts_start LIMIT -1 OFFSET 2) WHERE ts_end < (SELECT max(ts_end) FROM intervals)
		AND (ts_end - ts_start <> 2 OR ts_end % 2 <> 0 OR late_ms >= 2000)"
	[ "$status" -eq 0 ] && [ "$output" -eq 0 ]
	[ "$(nmt_sql "$DB" 'SELECT count(*) FROM collector_log')" -ge 5 ]
}
