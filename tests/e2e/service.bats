#!/usr/bin/env bats
# service.bats - netmon-record as a service: its configuration file, SIGHUP
# reloads with real traffic flowing, the capabilities it keeps and the modes
# of the files it creates (see lib.bash for the network namespace).
#
#   O=build bats tests/e2e/service.bats     (root; binaries from $O)

# shellcheck disable=SC2154 # set where shellcheck cannot see: NMT_PID_<name> by nmt_spawn (printf -v); $stderr by bats' run
bats_require_minimum_version 1.5.0

load lib

setup() {
	nmt_require "$NMT_RECORD"
	nmt_setup
	DB=$NMT_TMP/netmon.db
	CONF=$NMT_TMP/netmon.conf
}

teardown() {
	nmt_teardown
}

# reload TEXT REGEX: write TEXT as the configuration, SIGHUP the recorder and
# wait for a log line matching REGEX.
reload() {
	printf '%s\n' "$1" >"$CONF"
	kill -HUP "$NMT_PID_rec"
	nmt_wait_line "$NMT_TMP/rec.err" "$2" "$NMT_PID_rec" || { nmt_dump rec; return 1; }
}

@test "SIGHUP: a new interval applies from the next interval, every byte counted once" {
	printf 'interval = 1\ninterface = %s\n' "$NMT_HOST" >"$CONF"
	nmt_spawn rec "$NMT_RECORD" --config "$CONF" --db "$DB" --duration "$NMT_MAX_RUN"
	nmt_wait_line "$NMT_TMP/rec.err" 'recording on .* every 1 s' "$NMT_PID_rec" ||
		{ nmt_dump rec; false; }
	nmt_udp out 4 20001 5001 30 100
	# Two 1 s intervals stored before the reload.
	nmt_wait_intervals "$DB" 'ts_end - ts_start = 1' 2
	before=$(date +%s)
	reload 'interval = 3' 'reload: interval 1 -> 3$'
	after=$(date +%s)
	nmt_udp in 6 20002 5002 20 300
	# Three whole 3 s intervals after the reload stored, rather than
	# sleeping a fixed time a loaded machine can outrun.
	nmt_wait_intervals "$DB" "ts_start >= $after AND ts_end - ts_start = 3" 3
	# Options fixed at start are reported and kept; a bad file changes nothing.
	reload $'interval = 3\nmax-flows = 1000' 'reload: max-flows [0-9]+ -> 1000 needs a restart; keeping'
	reload 'interval = 0' 'reload failed: the configuration stays as it was'
	nmt_udp out 4 20003 5003 10 50
	nmt_rec_stop
	nmt_flow out 4 17 "$NMT_H4" 20001 "$NMT_P4" 5001 30 $((30 * 128)) >"$NMT_TMP/want"
	nmt_flow in 6 17 "$NMT_P6" 20002 "$NMT_H6" 5002 20 $((20 * 348)) >>"$NMT_TMP/want"
	nmt_flow out 4 17 "$NMT_H4" 20003 "$NMT_P4" 5003 10 $((10 * 78)) >>"$NMT_TMP/want"
	LC_ALL=C sort -o "$NMT_TMP/want" "$NMT_TMP/want"
	nmt_check_flows "$DB" "$NMT_TMP/want"

	# The intervals follow each other without gap or overlap: 1 s long before
	# the reload, on multiples of 3 s after it (the last one is cut by SIGTERM).
	nmt_sql "$DB" 'SELECT ts_start, ts_end FROM intervals ORDER BY ts_start' >"$NMT_TMP/iv"
	cat "$NMT_TMP/iv"
	awk -F'|' -v before="$before" -v after="$after" '
		NR > 1 && $1 != prev_end { print "gap or overlap at " $0; bad = 1 }
		$2 <= before && $2 - $1 > 1 { print "longer than 1 s before the reload: " $0; bad = 1 }
		NR > 1 && prev_end <= prev_start { print "empty interval before " $0; bad = 1 }
		$1 >= after { late[++n] = $0 }
		{ prev_start = $1; prev_end = $2; if ($2 <= before) short++ }
		END {
			for (i = 1; i < n; i++) {   # all but the last
				split(late[i], f, "|")
				if (f[2] % 3 || f[2] - f[1] > 3) { print "not on 3 s: " late[i]; bad = 1 }
				if (f[2] - f[1] == 3) full++
			}
			if (short < 2) { print "fewer than two 1 s intervals"; bad = 1 }
			if (full < 2) { print "fewer than two full 3 s intervals"; bad = 1 }
			exit bad
		}' "$NMT_TMP/iv"
}

@test "--check-config: 0 for a valid file, 64 and FILE:LINE for a bad one" {
	printf 'interval = 5\n[record]\nno-process = yes\n' >"$CONF"
	run "$NMT_RECORD" --config "$CONF" --check-config
	[ "$status" -eq 0 ]
	[ "$output" = "configuration ok: $CONF" ]
	printf 'interval = 5\ninterval = 5s\n' >"$CONF"
	run --separate-stderr "$NMT_RECORD" --config "$CONF" --check-config
	[ "$status" -eq 64 ]
	[ "$stderr" = "netmon-record: error: $CONF:2: invalid --interval '5s': expected a whole number from 1 to 3600" ]
	# A bad file stops a start before anything is loaded.
	run --separate-stderr "$NMT_RECORD" --config "$CONF" -i "$NMT_HOST" --db "$DB"
	[ "$status" -eq 64 ]
	[ ! -e "$DB" ]
	run "$NMT_RECORD" --config "$NMT_TMP/missing.conf" --check-config
	[ "$status" -eq 64 ]
}

@test "least privilege: only CAP_NET_ADMIN left while recording; new files 0640 and 0750" {
	umask 000 # the recorder sets its own
	nmt_rec_start "$NMT_TMP/fresh/netmon.db"
	grep -q 'capabilities dropped; kept: cap_net_admin$' "$NMT_TMP/rec.err"
	# CAP_NET_ADMIN is bit 12: removing the filters at exit needs it.
	for set in CapEff CapPrm CapBnd; do
		grep -x "$set:"$'\t'"0000000000001000" "/proc/$NMT_PID_rec/status"
	done
	grep -x $'CapAmb:\t0000000000000000' "/proc/$NMT_PID_rec/status"
	nmt_udp out 4 20001 5001 5 10
	[ "$(stat -c %a "$NMT_TMP/fresh")" = 750 ]
	for f in netmon.db netmon.db-wal netmon.db-shm; do
		[ "$(stat -c %a "$NMT_TMP/fresh/$f")" = 640 ]
	done
	nmt_rec_stop
	# Stopping still removed every filter, with the one capability kept.
	[ -z "$(nmt_filters)" ]
	nmt_flow out 4 17 "$NMT_H4" 20001 "$NMT_P4" 5001 5 $((5 * 38)) >"$NMT_TMP/want"
	nmt_check_flows "$NMT_TMP/fresh/netmon.db" "$NMT_TMP/want"
	# Existing files and directories keep the modes they had.
	chmod 0755 "$NMT_TMP/fresh"
	chmod 0644 "$NMT_TMP/fresh/netmon.db"
	nmt_rec_start "$NMT_TMP/fresh/netmon.db"
	nmt_rec_stop
	[ "$(stat -c %a "$NMT_TMP/fresh")" = 755 ]
	[ "$(stat -c %a "$NMT_TMP/fresh/netmon.db")" = 644 ]
}
