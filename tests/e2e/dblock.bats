#!/usr/bin/env bats
# dblock.bats - one live recorder a database (recorder/store/db_lock.h): a
# second netmon-record given the same --db is refused, naming the first, and
# the first records on exactly; once the first has gone the file takes a
# recorder again, as it does after a crash (the kernel drops the lock).

# shellcheck disable=SC2154 # set where shellcheck cannot see: NMT_PID_<name> by nmt_spawn (printf -v); $stderr by bats' run
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

@test "a second recorder on the same database is refused; the first records on" {
	nmt_rec_start "$DB"
	# Another interface, the same file: refused before it loads anything.
	run --separate-stderr timeout 30 "$NMT_RECORD" -i lo --db "$DB" --interval 1 --duration 5
	echo "$status: $stderr" >&2
	[ "$status" -eq 1 ]
	[[ $stderr == *"$DB: another netmon-record (pid $NMT_PID_rec) is recording into this database"* ]]
	# Nothing of it on lo: no program left attached there.
	[ -z "$(nmt_tc_programs lo)" ]
	nmt_udp out 4 20001 5001 3 100
	nmt_rec_stop

	# Every interval once: no two share a start.
	[ "$(nmt_sql "$DB" "SELECT count(*) - count(DISTINCT ts_start) FROM intervals")" -eq 0 ]
	nmt_flow out 4 17 "$NMT_H4" 20001 "$NMT_P4" 5001 3 $((3 * 128)) >"$NMT_TMP/want"
	nmt_check_flows "$DB" "$NMT_TMP/want"

	# Gone, even killed: the file takes a recorder again.
	nmt_spawn rec "$NMT_RECORD" -i "$NMT_HOST" --db "$DB" --interval 1 --duration 60
	nmt_wait_line "$NMT_TMP/rec.err" 'recording on' "$NMT_PID_rec"
	kill -KILL "$NMT_PID_rec"
	nmt_wait_exit "$NMT_PID_rec" || true
	run -1 nmt_alive "$NMT_PID_rec"
	nmt_rec_start "$DB"
	nmt_rec_stop
}
