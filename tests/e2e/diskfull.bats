#!/usr/bin/env bats
# diskfull.bats - the database's filesystem fills up while traffic flows: the
# recorder says so once, keeps the intervals it cannot write, keeps running,
# and writes them when space returns. Every packet is in the database once.
#
# The database lives on a 2 MiB tmpfs the test mounts; a filler file takes
# the rest of it. (1 MiB, enough before, stopped holding the file and its
# write-ahead log once the schema grew to migration 0019: after space came
# back, the last interval found the disk full again, in every run.)

bats_require_minimum_version 1.5.0

load lib

setup() {
	nmt_require "$NMT_RECORD"
	nmt_setup
	FS=$NMT_TMP/small
	mkdir -p "$FS"
	mount -t tmpfs -o size=2m nmtfull "$FS"
	DB=$FS/netmon.db
}

teardown() {
	local rc=0
	# The recorder first: a failed test leaves it running, holding the
	# database open, and the filesystem could not be unmounted.
	nmt_teardown || rc=$?
	umount "$FS" 2>/dev/null || true
	return $rc
}

# fill: take every free byte of the small filesystem (bounded by its size).
fill() {
	dd if=/dev/zero of="$FS/filler" bs=4k 2>/dev/null || true
	[ "$(df --output=avail -B1 "$FS" | tail -1)" -lt 8192 ]
}

# backlog: the intervals held in memory, from the metrics page the recorder
# writes after each interval (outside the full filesystem); empty before one.
backlog() {
	sed -n 's/^netmon_backlog_intervals \([0-9]*\)$/\1/p' "$PROM" 2>/dev/null
}

# wait_backlog N: wait (bounded) until at least N intervals are held.
wait_backlog() {
	local n=$((NMT_READY_TIMEOUT * 10)) have
	while ((n-- > 0)); do
		have=$(backlog)
		((${have:-0} >= $1)) && return 0
		sleep 0.1
	done
	nmt_dump rec
	nmt_fail "${have:-no} intervals held, not $1, after $NMT_READY_TIMEOUT s"
}

@test "disk full: intervals wait in memory and are written once space returns" {
	local held
	PROM=$NMT_TMP/netmon.prom
	nmt_rec_start "$DB" --metrics-file "$PROM"
	nmt_udp out 4 20001 5001 10 100
	nmt_wait_written "$DB" # written normally
	fill
	nmt_udp in 4 20002 5002 7 200
	wait_backlog 2 # at least two intervals cannot be written
	grep -q 'cannot write to the database' "$NMT_TMP/rec.err"
	nmt_udp out 6 20003 5003 5 50
	held=$(backlog)
	wait_backlog $((held + 1)) # its interval is held too
	rm -f "$FS/filler"
	# the held intervals go in
	nmt_wait_line "$NMT_TMP/rec.err" 'can be written again' "$(nmt_pid rec)"
	nmt_udp in 6 20004 5004 3 10
	nmt_rec_stop

	cat "$NMT_TMP/rec.err"
	LC_ALL=C sort >"$NMT_TMP/want" <<-EOF
		$(nmt_flow out 4 17 "$NMT_H4" 20001 "$NMT_P4" 5001 10 $((10 * 128)))
		$(nmt_flow in 4 17 "$NMT_P4" 20002 "$NMT_H4" 5002 7 $((7 * 228)))
		$(nmt_flow out 6 17 "$NMT_H6" 20003 "$NMT_P6" 5003 5 $((5 * 98)))
		$(nmt_flow in 6 17 "$NMT_P6" 20004 "$NMT_H6" 5004 3 $((3 * 58)))
	EOF
	nmt_check_flows "$DB" "$NMT_TMP/want"
	# Said once when it began, once when it ended.
	[ "$(grep -c 'cannot write to the database' "$NMT_TMP/rec.err")" -eq 1 ]
	grep -q 'can be written again: [1-9][0-9]* held intervals written' "$NMT_TMP/rec.err"
	[ "$(sqlite3 "$DB" 'PRAGMA integrity_check')" = ok ]
	# The intervals still follow one another: none lost, none twice.
	[ "$(sqlite3 "$DB" "SELECT count(*) FROM intervals a JOIN intervals b ON b.id = a.id + 1
		WHERE b.ts_start <> a.ts_end")" -eq 0 ]
}
