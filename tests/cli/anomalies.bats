#!/usr/bin/env bats
# anomalies.bats - netmon-report anomalies on a small database of known rows
# (tests/fixtures/report_anomalies.sql): stored hits and rules evaluated over
# the window, exact output in every format with hostile strings, --alert's
# exit status (2 anomalies, 0 none, 1 failure, 64 usage), --threshold, and
# summary's anomalies section. Times are shown in UTC (TZ=UTC).

# shellcheck disable=SC2154 # set where shellcheck cannot see: $stderr_lines by bats' run
bats_require_minimum_version 1.5.0 # run --separate-stderr

setup_file() {
	REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	case ${O:-build} in
	/*) REPORT=${O}/netmon-report ;;
	*) REPORT=$REPO/${O:-build}/netmon-report ;;
	esac
	[ -x "$REPORT" ] || { echo "$REPORT is missing: build it first" >&2; return 1; }
	DB=$BATS_FILE_TMPDIR/anomalies.db
	EMPTY=$BATS_FILE_TMPDIR/empty.db
	schema "$DB" "$REPO/tests/fixtures/report_anomalies.sql"
	schema "$EMPTY"
	export REPO REPORT DB EMPTY TZ=UTC
}

# schema PATH [SQL...]: the current schema marked as netmon's, then the files.
schema() {
	local db=$1 f n=0
	shift
	{
		for f in "$REPO"/sql/[0-9][0-9][0-9][0-9]_*.sql; do
			cat "$f"
			n=$((n + 1))
		done
		echo "PRAGMA application_id = 1852665710; PRAGMA user_version = $n;"
		[ $# -eq 0 ] || cat "$@"
	} | sqlite3 -bail "$db"
}

# want: $output equals standard input.
want() {
	local w
	w=$(cat)
	[ "$output" = "$w" ] || { diff -u <(printf '%s\n' "$w") <(printf '%s\n' "$output") >&2; false; }
}

# usage ARGS...: exit 64, nothing on stdout, one line on stderr naming it.
usage() {
	run --separate-stderr "$REPORT" --db "$DB" "$@"
	echo "args: $* -> $status, stderr: $stderr" >&2
	# shellcheck disable=SC2154 # stderr_lines: set by run --separate-stderr
	[ "$status" -eq 64 ] && [ -z "$output" ] && [ "${#stderr_lines[@]}" -eq 1 ]
}

@test "anomalies: table, hostile strings escaped, a stored hit shown as stored" {
	run "$REPORT" --db "$DB" anomalies
	[ "$status" -eq 0 ]
	want <<'EOF'
ts                   kind       subject               value  threshold  detail
2024-01-01 00:00:00  malformed  ev\x1b[31m"il,<b> in     12          5  12 malformed frames (720 bytes) received
2024-01-01 00:00:30  beaconing  a\x0ab,"c"<i>          0.05        0.1  by \x1b]0;evil\x07 & <script>
2024-01-01 00:01:00  malformed  eth0 in                  10         10  10 malformed frames (600 bytes) received
EOF
}

@test "anomalies: csv and json keep exact values, strings quoted or escaped" {
	run "$REPORT" --db "$DB" anomalies --format csv
	[ "$status" -eq 0 ]
	want <<EOF
ts,kind,subject,value,threshold,detail
1704067200,malformed,"ev\x1b[31m""il,<b> in",12,5,12 malformed frames (720 bytes) received
1704067230,beaconing,"a\x0ab,""c""<i>",0.05,0.1,by \x1b]0;evil\x07 & <script>
1704067260,malformed,eth0 in,10,10,10 malformed frames (600 bytes) received
EOF
	run "$REPORT" --db "$DB" anomalies --format json
	[ "$status" -eq 0 ]
	want <<'EOF'
[
  {"ts": 1704067200, "kind": "malformed", "subject": "ev\u001b[31m\"il,\u003cb\u003e in", "value": 12, "threshold": 5, "detail": "12 malformed frames (720 bytes) received"},
  {"ts": 1704067230, "kind": "beaconing", "subject": "a\nb,\"c\"\u003ci\u003e", "value": 0.05, "threshold": 0.1, "detail": "by \u001b]0;evil\u0007 \u0026 \u003cscript\u003e"},
  {"ts": 1704067260, "kind": "malformed", "subject": "eth0 in", "value": 10, "threshold": 10, "detail": "10 malformed frames (600 bytes) received"}
]
EOF
}

@test "anomalies: the window holds the hits of the intervals that start in it" {
	run "$REPORT" --db "$DB" anomalies --format csv --since 1704067230 --until 1704067261
	[ "$status" -eq 0 ]
	want <<EOF
ts,kind,subject,value,threshold,detail
1704067230,beaconing,"a\x0ab,""c""<i>",0.05,0.1,by \x1b]0;evil\x07 & <script>
1704067260,malformed,eth0 in,10,10,10 malformed frames (600 bytes) received
EOF
}

@test "anomalies --threshold: the rules judge again, stored hits stay as stored" {
	run "$REPORT" --db "$DB" anomalies --format csv --threshold malformed_packets=11
	[ "$status" -eq 0 ]
	want <<EOF
ts,kind,subject,value,threshold,detail
1704067200,malformed,"ev\x1b[31m""il,<b> in",12,5,12 malformed frames (720 bytes) received
1704067230,beaconing,"a\x0ab,""c""<i>",0.05,0.1,by \x1b]0;evil\x07 & <script>
EOF
	# The last one given counts; the outbound 3 frames stay under it.
	run "$REPORT" --db "$DB" anomalies --format csv --since 1704067260 \
		--threshold malformed_packets=3 --threshold malformed_packets=4
	[ "$status" -eq 0 ]
	want <<'EOF'
ts,kind,subject,value,threshold,detail
1704067260,malformed,eth0 in,10,4,10 malformed frames (600 bytes) received
EOF
}

@test "anomalies --alert: 2 with anomalies, 0 without, in every format" {
	local f
	for f in table csv json; do
		run "$REPORT" --db "$DB" anomalies --alert --format "$f"
		[ "$status" -eq 2 ]
		run "$REPORT" --db "$DB" --alert anomalies --format "$f" --since 1704067261
		[ "$status" -eq 0 ]
	done
	run "$REPORT" --db "$DB" anomalies --alert --since 1704067261
	want <<<'nothing recorded between 2024-01-01 00:01:01 UTC and the end of history'
	run "$REPORT" --db "$DB" anomalies --alert --format json --until 2024-01-01
	want <<<'[]'
}

@test "anomalies --alert on a database with nothing recorded: 0, and it says so" {
	run --separate-stderr "$REPORT" --db "$EMPTY" anomalies --alert
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	want <<<'nothing recorded between the start of history and the end of history'
	run "$REPORT" --db "$EMPTY" anomalies --format csv
	[ "$status" -eq 0 ]
	want <<<'ts,kind,subject,value,threshold,detail'
}

@test "anomalies: intervals recorded but nothing anomalous" {
	local quiet=$BATS_TEST_TMPDIR/quiet.db
	schema "$quiet" <(echo "INSERT INTO intervals (id, ts_start, ts_end, flows, snapshot_us, write_us) VALUES (1, 1704067200, 1704067260, 0, 1, 1);")
	run "$REPORT" --db "$quiet" anomalies --alert
	[ "$status" -eq 0 ]
	want <<<'no anomalies in the 1 interval recorded from 2024-01-01 00:00:00 UTC to 2024-01-01 00:01:00 UTC'
}

@test "anomalies --alert: 1 when the database cannot be read" {
	local empty_file=$BATS_TEST_TMPDIR/zero.db
	: >"$empty_file"
	run --separate-stderr "$REPORT" --db "$empty_file" anomalies --alert
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[[ $stderr == *"nothing recorded yet"* ]]
	run --separate-stderr "$REPORT" --db "$BATS_TEST_TMPDIR/missing.db" anomalies --alert
	[ "$status" -eq 1 ]
	[ -z "$output" ]
}

@test "anomalies: bad arguments exit 64 with one line" {
	usage anomalies extra
	usage summary --alert
	usage top hosts --alert
	usage anomalies --threshold bogus=1
	usage anomalies --threshold malformed_packets
	usage anomalies --threshold malformed_packets=
	usage anomalies --threshold malformed_packets=abc
	usage anomalies --threshold malformed_packets=1.5
	usage anomalies --threshold malformed_packets=-1
	usage anomalies --threshold malformed_packets=0
	usage anomalies --threshold syn_flood_rate=1e3
	usage anomalies --threshold beacon_jitter=nan
	usage anomalies --threshold
	usage anomalies --alert --last 1h --day today
	usage anomalies --since 2024-13-01
	[[ $stderr == *"--since"* ]]
	usage anomalies --threshold bogus=1
	[[ $stderr == *"unknown threshold 'bogus'"* ]]
	for bad in 0 65 -1 2x ""; do
		usage anomalies --jobs "$bad"
		[[ $stderr == *"--jobs: '$bad' is not a number of jobs (1 to 64)"* ]]
	done
	usage top hosts --jobs 2
	[[ $stderr == *"--jobs goes with the anomalies command only"* ]]
}

@test "anomalies --jobs: the rules run at once write what one statement writes" {
	local f j one
	for f in table csv json html; do
		run --separate-stderr "$REPORT" --db "$DB" anomalies --format "$f" --jobs 1
		[ "$status" -eq 2 ] || [ "$status" -eq 0 ]
		one=$output
		[ -n "$one" ]
		for j in 2 3 64; do
			run --separate-stderr "$REPORT" --db "$DB" anomalies --format "$f" --jobs "$j"
			[ "$output" = "$one" ] || { diff -u <(echo "$one") <(echo "$output") >&2; false; }
			[ -z "$stderr" ]
		done
	done
}

@test "summary lists the anomalies the recorder stored, in every format" {
	local stored=$BATS_TEST_TMPDIR/stored.db
	cp "$DB" "$stored"
	# What the recorder would have stored for the malformed burst.
	sqlite3 "$stored" "INSERT INTO anomaly_subjects (id, text) VALUES (3, 'eth0 in');
		INSERT INTO anomalies VALUES (1704067260, 1, 3, 10, 10,
			'10 malformed frames (600 bytes) received')"
	run "$REPORT" --db "$stored" summary --format json --since 1704067260
	[ "$status" -eq 0 ]
	[[ $output == *'"anomalies": [
    {"ts": 1704067260, "kind": "malformed", "subject": "eth0 in", "value": 10, "threshold": 10, "detail": "10 malformed frames (600 bytes) received"}
  ]'* ]]
	run "$REPORT" --db "$stored" summary --since 1704067260
	[ "$status" -eq 0 ]
	[[ $output == *'
Anomalies
ts                   kind       subject  value  threshold  detail
2024-01-01 00:01:00  malformed  eth0 in     10         10  10 malformed frames (600 bytes) received' ]]
	# The text states its window first; CSV has it as the "window" row, and
	# the anomaly's time as unix seconds, as JSON does.
	[[ ${lines[0]} == "Window: 2024-01-01 00:01:00 UTC to 2024-01-01 00:02:00 UTC, 1 interval recorded" ]]
	run "$REPORT" --db "$stored" summary --format csv --since 1704067260
	[ "$status" -eq 0 ]
	[[ ${lines[1]} == window,1704067260,1704067320,1,* ]]
	[[ ${lines[-1]} == anomalies,*,1704067260,malformed,eth0\ in,10,10,10\ malformed\ frames\ \(600\ bytes\)\ received,,,,, ]]
	# None in the window: the table leaves the section out.
	run "$REPORT" --db "$stored" summary --until 1704067200
	[[ $output != *Anomalies* ]]
	# The summary does not evaluate the rules (quick over a busy day); the
	# anomalies command does, and finds the same burst without a stored hit.
	run "$REPORT" --db "$DB" summary --since 1704067260
	[[ $output != *Anomalies* ]]
	run "$REPORT" --db "$DB" anomalies --since 1704067260 --format csv
	[[ $output == *'1704067260,malformed,eth0 in,10,10,'* ]]
}
