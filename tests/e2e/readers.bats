#!/usr/bin/env bats
# readers.bats - readers never cost the recorder an interval: a sqlite3 shell
# holds a read transaction open for a minute while netmon-report runs every
# second and the recorder writes 1-second intervals with traffic flowing.
# WAL lets the writer go on past readers; nobody may see "database is locked".

bats_require_minimum_version 1.5.0

load lib

HOLD_SECS=${HOLD_SECS:-60}

setup() {
	nmt_require "$NMT_RECORD"
	nmt_setup
	DB=$NMT_TMP/netmon.db
	REPORT=${NMT_RECORD%/*}/netmon-report
}

teardown() {
	[ -n "${HOLDER:-}" ] && kill "$HOLDER" 2>/dev/null
	nmt_teardown
}

@test "a read transaction held for a minute and reports every second: no interval lost, never locked" {
	nmt_rec_start "$DB"
	nmt_wait_intervals "$DB" 1 1 # the schema exists and one interval is in
	# The shell's read transaction starts at its first SELECT and lasts until
	# COMMIT, HOLD_SECS later.
	{ echo "BEGIN; SELECT count(*) FROM flow_log;"; sleep "$HOLD_SECS"; echo "COMMIT;"; } |
		sqlite3 "$DB" >"$NMT_TMP/holder.out" 2>&1 &
	HOLDER=$!
	local sent=0 i
	for ((i = 0; i < HOLD_SECS; i++)); do
		nmt_udp out 4 20001 5001 5 100 >/dev/null
		sent=$((sent + 5))
		timeout 10 "$REPORT" --db "$DB" summary >>"$NMT_TMP/reports.out" 2>&1 ||
			echo "report exit $?" >>"$NMT_TMP/reports.out"
		sleep 0.5
	done
	wait "$HOLDER"
	HOLDER=
	nmt_rec_stop

	run -1 grep -i 'locked\|busy\|report exit' "$NMT_TMP/reports.out" "$NMT_TMP/holder.out" "$NMT_TMP/rec.err"
	LC_ALL=C sort >"$NMT_TMP/want" <<-EOF
		$(nmt_flow out 4 17 "$NMT_H4" 20001 "$NMT_P4" 5001 "$sent" $((sent * 128)))
	EOF
	nmt_check_flows "$DB" "$NMT_TMP/want"
	# One interval per second all along: none lost while the reader held on.
	[ "$(sqlite3 "$DB" "SELECT count(*) FROM intervals a JOIN intervals b ON b.id = a.id + 1
		WHERE b.ts_start <> a.ts_end")" -eq 0 ]
	[ "$(sqlite3 "$DB" 'SELECT count(*) FROM intervals')" -ge "$HOLD_SECS" ]
}
