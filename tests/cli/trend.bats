#!/usr/bin/env bats
# trend.bats - netmon-report trend on the fixture of report.bats: buckets,
# hours no recorder covered as gaps (not zeros), series (--by), local days, the terminal chart (Unicode on
# a terminal, ASCII otherwise, never an escape sequence), and the query run
# by hand with sqlite3.

# shellcheck disable=SC2154 # set where shellcheck cannot see: $stderr and $stderr_lines by bats' run
bats_require_minimum_version 1.5.0
load report_lib

setup_file() {
	report_setup_file
}


ESC=$'\e'

@test "trend: 5-minute buckets, those no recorder covered as gaps" {
	# The fixture: 00:00 and 00:01 on 2024-01-01 (one 5-minute bucket, two
	# of its five minutes recorded), then 2024-01-02 00:00; --until keeps the
	# first day's first 20 minutes. A bucket no interval covered has no
	# bytes at all (empty in CSV, null in JSON), not zero.
	run "$REPORT" --db "$DB" trend --bucket 5m --format csv --until 2024-01-01T00:20
	[ "$status" -eq 0 ]
	is_output <<'EOF'
bucket_start,in_packets,in_bytes,out_packets,out_bytes,recorded_pct
1704067200,25,2500000,13,1788,40.0
1704067500,,,,,0.0
1704067800,,,,,0.0
1704068100,,,,,0.0
EOF
	run "$REPORT" --db "$DB" trend --bucket 5m --format json --until 2024-01-01T00:10
	is_output <<'EOF'
[
  {"bucket_start": 1704067200, "in_packets": 25, "in_bytes": 2500000, "out_packets": 13, "out_bytes": 1788, "recorded_pct": 40.0},
  {"bucket_start": 1704067500, "in_packets": null, "in_bytes": null, "out_packets": null, "out_bytes": null, "recorded_pct": 0.0}
]
EOF
}

@test "trend: recorded_pct is the union of overlapping intervals, counted once" {
	# 2024-01-03 00:00 UTC (1704240000) on: live intervals on eth0 and, over
	# the same seconds, those of a capture imported under another name
	# (netmon-record --read FILE -i eth0-import, live = 0), one inside
	# another, some across a bucket boundary, one longer than a bucket, and
	# gaps. Offsets in seconds; the union per 5-minute bucket:
	#   00:00 [0,120) [200,230) [270,300)  180 s  60.0 (summed: 320 s)
	#   00:05 [300,380) [400,520)          200 s  66.7 (summed: 280 s)
	#   00:10 nothing                        0 s   0.0, a gap
	#   00:15 [900,1000) [1150,1200)       150 s  50.0 (summed: 240 s)
	#   00:20 [1200,1500)                  300 s 100.0
	#   00:25 [1500,1560)                   60 s  20.0
	# 25 [450,520) comes after 24 [410,420), which lies inside 15
	# [400,500): it is new from 500 (the furthest end before it), not 420.
	local db=$BATS_TEST_TMPDIR/overlap.db
	report_fixture_db "$db"
	sqlite3 -bail "$db" <<'SQL'
INSERT INTO interfaces (id, name) VALUES (4, 'eth0-import');
INSERT INTO intervals (id, ts_start, ts_end, flows, snapshot_us, write_us, live)
SELECT column1, 1704240000 + column2, 1704240000 + column3, 0, 0, 0, column4 FROM (VALUES
	(10, 0, 60, 1), (11, 60, 120, 1), (12, 200, 230, 1), (13, 270, 330, 1),
	(14, 320, 380, 1), (15, 400, 500, 1), (16, 900, 960, 1), (17, 1150, 1560, 1),
	(20, 0, 60, 0), (21, 60, 120, 0), (22, 10, 20, 0), (23, 290, 310, 0),
	(24, 410, 420, 0), (25, 450, 520, 0), (26, 900, 960, 0), (27, 930, 1000, 0));
INSERT INTO traffic (interval_id, iface_id, direction, kind, family, protocol, packets, bytes)
VALUES (10, 1, 0, 0, 4, 6, 10, 1000), (20, 4, 0, 0, 4, 6, 10, 1000);
SQL
	run "$REPORT" --db "$db" trend --bucket 5m --format csv \
		--since 2024-01-03T00:00 --until 2024-01-03T00:30
	[ "$status" -eq 0 ]
	is_output <<'EOF'
bucket_start,in_packets,in_bytes,out_packets,out_bytes,recorded_pct
1704240000,20,2000,0,0,60.0
1704240300,0,0,0,0,66.7
1704240600,,,,,0.0
1704240900,0,0,0,0,50.0
1704241200,0,0,0,0,100.0
1704241500,0,0,0,0,20.0
EOF
	# Clipped to the window: 00:00's bucket from 00:01 (240 s, 120 s of
	# them covered), 00:10's to 00:12 (120 s, none).
	run "$REPORT" --db "$db" trend --bucket 5m --format csv \
		--since 2024-01-03T00:01 --until 2024-01-03T00:12
	is_output <<'EOF'
bucket_start,in_packets,in_bytes,out_packets,out_bytes,recorded_pct
1704240000,0,0,0,0,50.0
1704240300,0,0,0,0,66.7
1704240600,,,,,0.0
EOF
	# An hour and a day: the union is 890 s of each.
	run "$REPORT" --db "$db" trend --bucket 1h --format csv \
		--since 2024-01-03T00:00 --until 2024-01-03T01:00
	is_output <<'EOF'
bucket_start,in_packets,in_bytes,out_packets,out_bytes,recorded_pct
1704240000,20,2000,0,0,24.7
EOF
	run "$REPORT" --db "$db" trend --bucket 1d --format csv --since 2024-01-03 --until 2024-01-04
	is_output <<'EOF'
bucket_start,in_packets,in_bytes,out_packets,out_bytes,recorded_pct
1704240000,20,2000,0,0,1.0
EOF
	# Every series of --by shows its bucket's share.
	run "$REPORT" --db "$db" trend --bucket 5m --by interface --format csv \
		--since 2024-01-03T00:00 --until 2024-01-03T00:10
	is_output <<'EOF'
bucket_start,interface,in_packets,in_bytes,out_packets,out_bytes,recorded_pct
1704240000,eth0,10,1000,0,0,60.0
1704240300,eth0,0,0,0,0,66.7
1704240000,eth0-import,10,1000,0,0,60.0
1704240300,eth0-import,0,0,0,0,66.7
EOF
	# sqlite3 gives the same rows.
	run sqlite3 -readonly -csv -header -cmd '.parameter set :bucket 300' \
		-cmd '.parameter set :since 1704240000' -cmd '.parameter set :until 1704241800' \
		"$db" ".read $QUERIES/trend.sql"
	[ "$status" -eq 0 ]
	local by_hand=${output//$'\r'/}
	run "$REPORT" --db "$db" trend --bucket 5m --format csv \
		--since 2024-01-03T00:00 --until 2024-01-03T00:30
	[ "$output" = "$by_hand" ]
}

@test "trend: recorded_pct equals the seconds covered, counted one by one, on random intervals" {
	# 40 histories of up to 40 random intervals (0 s to 2 h long, nested,
	# overlapping, apart; a fixed seed), each under a random window and
	# bucket: every bucket's recorded_pct from trend.sql (run by hand)
	# equals the covered seconds of [lo, hi) counted one at a time.
	local base=$BATS_TEST_TMPDIR/base.db
	report_schema_db "$base"
	run python3 - "$base" "$QUERIES/trend.sql" "$BATS_TEST_TMPDIR" <<'PY'
import random, shutil, subprocess, sys
base, query, tmp = sys.argv[1:]
rng = random.Random(20241207)
t0, bad = 1704240000, []
for trial in range(40):
    db = "%s/r%d.db" % (tmp, trial)
    shutil.copy(base, db)
    iv = []
    for _ in range(rng.randint(0, 40)):
        a = t0 + rng.randint(-2000, 9000)
        iv.append((a, a + rng.choice([0, 1, 5, 60, 60, 61, 299, 300, 900, 3600, 7200])))
    sql = "".join("INSERT INTO intervals (ts_start, ts_end, flows, snapshot_us, write_us) "
                  "VALUES (%d, %d, 0, 0, 0);\n" % x for x in iv)
    subprocess.run(["sqlite3", "-bail", db], input=sql, text=True, check=True)
    bucket = rng.choice([300, 3600])
    since, until = t0 + rng.randint(-500, 500), t0 + rng.randint(3000, 10000)
    out = subprocess.run(["sqlite3", "-readonly", "-csv", "-cmd", ".parameter set :bucket %d" % bucket,
                          "-cmd", ".parameter set :since %d" % since,
                          "-cmd", ".parameter set :until %d" % until, db, ".read " + query],
                         capture_output=True, text=True, check=True).stdout.split()
    if not out and any(since <= a < until for a, _ in iv):
        bad.append((trial, "no rows"))
    for line in out:
        b, pct = int(line.split(",")[0]), line.split(",")[5]
        lo, hi = max(b, since), min(b + bucket, until)
        secs = len({t for a, z in iv for t in range(max(a, lo), min(z, hi))})
        want = secs * 100.0 / (hi - lo)
        if abs(float(pct) - want) > 0.0501:  # one decimal, 66.25 either way
            bad.append((trial, bucket, since, until, b, pct, want))
print("%d histories, mismatches: %r" % (trial + 1, bad))
PY
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "40 histories, mismatches: []" ]
}

@test "trend: hourly by default, from the first to the last recorded bucket" {
	run "$REPORT" --db "$DB" trend --format csv
	[ "$status" -eq 0 ]
	# 2024-01-01 00:00 to 2024-01-02 00:00 UTC: 25 hours, 23 of them not
	# recorded; the first had two minutes recorded, the last one.
	[ "${#lines[@]}" -eq 26 ]
	[ "${lines[1]}" = "1704067200,25,2500000,13,1788,3.3" ]
	[ "${lines[2]}" = "1704070800,,,,,0.0" ]
	[ "${lines[24]}" = "1704150000,,,,,0.0" ]
	[ "${lines[25]}" = "1704153600,4,4096,0,0,1.7" ]
}

@test "trend: days are local calendar days" {
	run "$REPORT" --db "$DB" trend --bucket 1d --format csv
	[ "$status" -eq 0 ]
	is_output <<'EOF'
bucket_start,in_packets,in_bytes,out_packets,out_bytes,recorded_pct
1704067200,25,2500000,13,1788,0.1
1704153600,4,4096,0,0,0.1
EOF
	# In UTC+1 the days start at 23:00 UTC: both 2024-01-01 intervals are on
	# 2024-01-01, the third (00:00 UTC) is 01:00 on 2024-01-02.
	TZ=CET-1 run "$REPORT" --db "$DB" trend --bucket 1d --format csv
	is_output <<'EOF'
bucket_start,in_packets,in_bytes,out_packets,out_bytes,recorded_pct
1704063600,25,2500000,13,1788,0.1
1704150000,4,4096,0,0,0.1
EOF
}

@test "trend --by interface, protocol, host: every bucket of every series" {
	run "$REPORT" --db "$DB" trend --bucket 1d --by interface --format csv
	[ "$status" -eq 0 ]
	is_output <<EOF
bucket_start,interface,in_packets,in_bytes,out_packets,out_bytes,recorded_pct
1704067200,eth0,25,2500000,11,1580,0.1
1704153600,eth0,0,0,0,0,0.1
1704067200,"ev\x1b[31m""il,<b>",0,0,0,0,0.1
1704153600,"ev\x1b[31m""il,<b>",4,4096,0,0,0.1
1704067200,wlan0,0,0,2,208,0.1
1704153600,wlan0,0,0,0,0,0.1
EOF
	run "$REPORT" --db "$DB" trend --bucket 1d --by protocol --format csv --limit 2
	is_output <<'EOF'
bucket_start,family,protocol,in_packets,in_bytes,out_packets,out_bytes,recorded_pct
1704067200,4,6,25,2500000,10,1500,0.1
1704153600,4,6,0,0,0,0,0.1
1704067200,4,253,0,0,0,0,0.1
1704153600,4,253,4,4096,0,0,0.1
EOF
	# A host's in is what it received (destination), out what it sent.
	run "$REPORT" --db "$DB" trend --bucket 1d --by host --format csv --limit 1
	is_output <<'EOF'
bucket_start,host,in_packets,in_bytes,out_packets,out_bytes,recorded_pct
1704067200,10.0.0.1,25,2500000,11,1580,0.1
1704153600,10.0.0.1,3,3072,0,0,0.1
EOF
}

@test "trend: table with ASCII bars when not a terminal" {
	run "$REPORT" --db "$DB" trend --bucket 1d
	[ "$status" -eq 0 ]
	is_output <<'EOF'
time              in_bytes  out_bytes  recorded_pct  # in  = out
2024-01-01 00:00   2.4 MiB    1.7 KiB           0.1  ########################################
2024-01-02 00:00   4.0 KiB        0 B           0.1  .
EOF
	[[ $output != *"$ESC"* ]]
	# Hours no recorder covered say so; a recorded hour without traffic is 0 B.
	run "$REPORT" --db "$DB" trend --until 2024-01-01T03:00
	is_output <<'EOF'
time              in_bytes  out_bytes  recorded_pct  # in  = out
2024-01-01 00:00   2.4 MiB    1.7 KiB           3.3  ########################################
2024-01-01 01:00                                0.0  (not recorded)
2024-01-01 02:00                                0.0  (not recorded)
EOF
}

@test "trend: Unicode bars on a terminal, ASCII with NO_COLOR or TERM=dumb" {
	run script -qec "$REPORT --db $DB trend --bucket 1d --by interface" /dev/null
	[ "$status" -eq 0 ]
	[[ $output == *"█ in  ░ out"* ]]
	[[ $output == *"2024-01-01 00:00  eth0"*"████████████████████████████████████████"* ]]
	# wlan0's 208 B are too few for a column, and still drawn.
	[[ $output == *"wlan0"*"208 B           0.1  ▏"* ]]
	[[ $output == *'ev\x1b[31m"il,<b>'* ]]
	[[ $output != *"$ESC"* ]]
	NO_COLOR=1 run script -qec "$REPORT --db $DB trend --bucket 1d" /dev/null
	[[ $output == *"# in  = out"* && $output != *"█"* ]]
	TERM=dumb run script -qec "$REPORT --db $DB trend --bucket 1d" /dev/null
	[[ $output == *"# in  = out"* && $output != *"█"* ]]
}

@test "summary: protocol shares as bars on a terminal" {
	run script -qec "$REPORT --db $DB top protocols" /dev/null
	[ "$status" -eq 0 ]
	# 99.8 % of 25 columns is 199.6 eighths of a column: 25 full blocks;
	# 0.2 % is 0.4 eighths, drawn as one eighth rather than nothing.
	[[ $output == *"99.8  █████████████████████████"$'\r'* ]]
	[[ $output == *"0.2  ▏"$'\r'* ]]
	run script -qec "$REPORT --db $DB summary" /dev/null
	[[ $output == *"Protocol distribution"*"Traffic per hour, all interfaces"* ]]
	[[ $output != *"$ESC"* ]]
}

@test "trend: empty window, empty database, too many buckets" {
	run "$REPORT" --db "$DB" trend --since 2025-01-01
	[ "$status" -eq 0 ]
	is_output <<<'nothing recorded between 2025-01-01 00:00:00 UTC and the end of history'
	run "$REPORT" --db "$DB" trend --since 2025-01-01 --format json
	is_output <<<'[]'
	run --separate-stderr "$REPORT" --db "$DB" trend --bucket 5m --since 1970-01-02
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[[ $stderr == *"buckets of 5 minutes"*"--bucket"* ]]
}

@test "trend: usage errors" {
	for args in "trend --bucket 2h" "trend --bucket" "trend --by port" "top hosts --bucket 1h" \
		"summary --by host" "trend extra"; do
		# shellcheck disable=SC2086 # $args: the arguments, split
		run --separate-stderr "$REPORT" --db "$DB" $args
		echo "$args: $stderr" >&2
		[ "$status" -eq 64 ]
		[ "${#stderr_lines[@]}" -eq 1 ]
	done
}

@test "trend: the queries run by hand give the same rows" {
	local by
	for by in "" _interface _protocol _host; do
		run sqlite3 -readonly -csv -header -cmd '.parameter set :bucket 86400' \
			-cmd '.parameter set :limit 3' "$DB" ".read $QUERIES/trend$by.sql"
		[ "$status" -eq 0 ]
		local by_hand=${output//$'\r'/}
		# netmon-report's CSV shows the interface name's ESC as \x1b.
		by_hand=${by_hand//$'\e'/'\x1b'}
		run "$REPORT" --db "$DB" trend --bucket 1d --limit 3 --format csv ${by:+--by ${by#_}}
		[ "$output" = "$by_hand" ]
	done
}
