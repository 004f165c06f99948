#!/usr/bin/env bats
# hostile.bats - strings anyone can put into the database (process names,
# interface names, anomaly subjects) in every machine format: CSV shows them
# inert for a terminal and a spreadsheet, JSON escapes them. Fixtures:
# tests/fixtures/report_basic.sql (a hostile interface name) and
# report_hostile_processes.sql (markup, escape sequences, formula cells).
# html.bats checks the same strings in HTML.

bats_require_minimum_version 1.5.0
load report_lib

setup_file() {
	report_setup_file report_hostile_processes.sql
}

@test "csv: hostile process names are inert cells" {
	run "$REPORT" --db "$DB" top processes --format csv --limit 20
	[ "$status" -eq 0 ]
	csv_inert
	# By name: escaped as in the table (\x1b, \x0a), a ' before a formula,
	# quoted (RFC 4180) where a quote or a comma remains.
	run python3 -c 'import csv, sys; [print(r[1]) for r in csv.reader(sys.stdin)]' <<<"$output"
	is_output <<'EOF'
comm
<script>alert(1)</script>
"><img src=x onerror=alert(2)>
\x1b[2J'a,b\x0ac
'=cmd|' /C calc'!A0
\x1b]0;pwned\x07
'=HYPERLINK("http://x","y")
'+1+2
'-2+3
'@SUM(1,2)
\x09=1+1
\x0d=1+1
EOF
}

@test "csv: every report is inert, with the hostile interface name too" {
	local cmd
	for cmd in summary "top hosts" "top flows" "top ports" "top apps" "top processes" \
		"top interfaces" "top protocols" trend "trend --by interface" anomalies; do
		# --limit where it applies (anomalies lists every hit).
		# shellcheck disable=SC2046,SC2086 # the command is words
		run "$REPORT" --db "$DB" $cmd --format csv $([ "$cmd" = anomalies ] || echo --limit 20)
		[ "$status" -eq 0 ]
		csv_inert || { echo "in: $cmd" >&2; return 1; }
	done
	run "$REPORT" --db "$DB" top interfaces --format csv
	[[ $output == *'"ev\x1b[31m""il,<b>",4,4096,0,0,4,4096'* ]]
}

@test "json: hostile process names stay exact, escaped" {
	run "$REPORT" --db "$DB" top processes --format json --limit 20
	[ "$status" -eq 0 ]
	# Read back, every name is the stored bytes.
	run python3 -c '
import json, sys
for p in json.load(sys.stdin):
    print(repr(p["comm"]))' <<<"$output"
	[ "$status" -eq 0 ]
	is_output <<'EOF'
'<script>alert(1)</script>'
'"><img src=x onerror=alert(2)>'
"\x1b[2J'a,b\nc"
"=cmd|' /C calc'!A0"
'\x1b]0;pwned\x07'
'=HYPERLINK("http://x","y")'
'+1+2'
'-2+3'
'@SUM(1,2)'
'\t=1+1'
'\r=1+1'
EOF
}
