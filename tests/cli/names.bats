#!/usr/bin/env bats
# names.bats - names in the reports (issue 15): the host name each address
# had at the time of its traffic in top hosts, top flows and summary, in
# every format, none with --numeric (and no name table read); top services
# and top users, the --service and --user filters of top processes, their
# sections in summary and HTML; hostile names inert; rollup_services equal to
# the raw process rows. Fixture: tests/fixtures/report_names.sql on
# report_basic.sql (its header says which name each address must show).

# shellcheck disable=SC2154 # set where shellcheck cannot see: $stderr, $stderr_lines by bats' run
bats_require_minimum_version 1.5.0
load report_lib

setup_file() {
	report_setup_file report_names.sql
	CHECK=$REPO/tests/cli/html_check.py
	export CHECK
}

# The 255-byte name of 2001:db8::1: four labels of 63 bytes.
long_name() {
	local l
	for l in a b c d; do printf "%0.s$l" {1..63}; [ "$l" = d ] || printf .; done
}

# csv_cells COLUMN: the cells of COLUMN of $output read as CSV, one a line.
csv_cells() {
	python3 -c '
import csv, sys
rows = list(csv.reader(sys.stdin.read().splitlines()))
col = rows[0].index(sys.argv[1])
for r in rows[1:]:
    print(r[col])' "$1" <<<"$output"
}

# json_values KEY: repr() of KEY of every object of the JSON array $output.
json_values() {
	python3 -c '
import json, sys
for o in json.load(sys.stdin):
    print(repr(o[sys.argv[1]]))' "$1" <<<"$output"
}

@test "top hosts: each address's name at the time of its traffic, in csv" {
	run "$REPORT" --db "$DB" top hosts --format csv
	[ "$status" -eq 0 ]
	is_output <<EOF
host,name,sent_packets,sent_bytes,received_packets,received_bytes,total_packets,total_bytes
10.0.0.1,printer.lan,11,1580,28,2503072,39,2504652
10.0.0.2,cdn.example.net,25,2500000,10,1500,35,2501500
192.0.2.9,"'=x<b>y</b>\x1b[31m""a,b\x0ac.example",3,3072,1,80,4,3152
2001:db8::1,$(long_name),2,208,0,0,2,208
2001:db8::2,,0,0,2,208,2,208
EOF
	# On 2024-01-01 10.0.0.1 was laptop.lan: printer.lan was told later.
	run "$REPORT" --db "$DB" top hosts --format csv --day 2024-01-01
	[ "$status" -eq 0 ]
	run csv_cells name
	is_output <<EOF
laptop.lan
cdn.example.net
$(long_name)

'=x<b>y</b>\x1b[31m"a,b\x0ac.example
EOF
}

@test "top hosts: names in the table and in json, exact bytes" {
	run "$REPORT" --db "$DB" top hosts
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == "host         name "* ]]
	[[ ${lines[1]} == "10.0.0.1     printer.lan "* ]]
	[[ ${lines[3]} == '192.0.2.9    =x<b>y</b>\x1b[31m"a,b\x0ac.example '* ]]
	[[ ${lines[4]} == "2001:db8::1  $(long_name) "* ]]
	[[ $output != *$'\e'* ]]
	run "$REPORT" --db "$DB" top hosts --format json
	[ "$status" -eq 0 ]
	[[ $output == *'"name": "=x\u003cb\u003ey\u003c/b\u003e\u001b[31m\"a,b\nc.example"'* ]]
	run json_values name
	is_output <<EOF
'printer.lan'
'cdn.example.net'
'=x<b>y</b>\x1b[31m"a,b\nc.example'
'$(long_name)'
None
EOF
}

@test "top flows: the names of both ends, each at the time of the flow" {
	run "$REPORT" --db "$DB" top flows --format csv
	[ "$status" -eq 0 ]
	is_output <<EOF
interface,direction,protocol,src,src_name,src_port,dst,dst_name,dst_port,packets,bytes
eth0,in,6,10.0.0.2,cdn.example.net,443,10.0.0.1,laptop.lan,40000,25,2500000
"ev\x1b[31m""il,<b>",in,253,192.0.2.9,"'=x<b>y</b>\x1b[31m""a,b\x0ac.example",0,10.0.0.1,printer.lan,0,3,3072
eth0,out,6,10.0.0.1,laptop.lan,40000,10.0.0.2,cdn.example.net,443,10,1500
wlan0,out,58,2001:db8::1,$(long_name),128,2001:db8::2,,0,2,208
eth0,out,17,10.0.0.1,laptop.lan,5353,192.0.2.9,"'=x<b>y</b>\x1b[31m""a,b\x0ac.example",53,1,80
EOF
	run "$REPORT" --db "$DB" top flows --format json --limit 2
	[ "$status" -eq 0 ]
	run json_values dst_name
	is_output <<'EOF'
'laptop.lan'
'printer.lan'
EOF
}

@test "summary: hosts with names, services and users, in csv and json" {
	run "$REPORT" --db "$DB" summary --format json
	[ "$status" -eq 0 ]
	run python3 -c '
import json, sys
s = json.load(sys.stdin)
print([h["name"] for h in s["hosts"]][:2])
print([(x["service"], x["total_bytes"]) for x in s["services"]])
print([(x["user"], x["uid"], x["total_bytes"]) for x in s["users"]])' <<<"$output"
	is_output <<'EOF'
['printer.lan', 'cdn.example.net']
[('docker:0123456789ab', 40400), ('user:alice', 25150), ('nginx.service', 11500), ('evil/<i>x</i>\x1b[1m,"=1+1', 600), (None, 152)]
[('999', 999, 40400), ('alice', 1000, 25150), ('www-data', 33, 11500), ('<b>bob</b>\x1b[0m@x', 1001, 600), (None, None, 152)]
EOF
	run "$REPORT" --db "$DB" summary --format csv
	[ "$status" -eq 0 ]
	[[ $output == *$'\nhosts,'*',10.0.0.1,printer.lan,11,1580,28,2503072,'* ]]
	[[ $output == *$'\nservices,'*',docker:0123456789ab,4,8,'* ]]
	[[ $output == *$'\nusers,'*',4,8,999,999,'* ]]
	run "$REPORT" --db "$DB" summary
	[ "$status" -eq 0 ]
	[[ $output == *"Top services (systemd unit, container, login session) by bytes"* ]]
	[[ $output == *"Top users by bytes through their processes' sockets, host-wide"* ]]
}

@test "top services and top users: bytes per service and per user, exact" {
	run "$REPORT" --db "$DB" top services --format csv
	[ "$status" -eq 0 ]
	is_output <<'EOF'
service,sent_bytes,received_bytes,total_bytes,sends,recvs
docker:0123456789ab,400,40000,40400,4,8
user:alice,150,25000,25150,2,5
nginx.service,10000,1500,11500,10,3
"evil/<i>x</i>\x1b[1m,""=1+1",300,300,600,1,1
,76,76,152,1,1
EOF
	run "$REPORT" --db "$DB" top users --format csv
	[ "$status" -eq 0 ]
	is_output <<'EOF'
user,uid,sent_bytes,received_bytes,total_bytes,sends,recvs
999,999,400,40000,40400,4,8
alice,1000,150,25000,25150,2,5
www-data,33,10000,1500,11500,10,3
<b>bob</b>\x1b[0m@x,1001,300,300,600,1,1
,,76,76,152,1,1
EOF
	run "$REPORT" --db "$DB" top services --format json --limit 2
	[ "$status" -eq 0 ]
	is_output <<'EOF'
[
  {"service": "docker:0123456789ab", "sent_bytes": 400, "received_bytes": 40000, "total_bytes": 40400, "sends": 4, "recvs": 8},
  {"service": "user:alice", "sent_bytes": 150, "received_bytes": 25000, "total_bytes": 25150, "sends": 2, "recvs": 5}
]
EOF
	run "$REPORT" --db "$DB" top users --day 2024-01-02
	[ "$status" -eq 0 ]
	is_output <<'EOF'
Top users by bytes through their processes' sockets, host-wide
user       uid  sent_bytes  received_bytes  total_bytes  sends  recvs
alice     1000        50 B         4.9 KiB      4.9 KiB      1      1
www-data    33     2.0 KiB             0 B      2.0 KiB      2      0
EOF
}

@test "top processes: --service and --user keep that service's or user's processes" {
	run "$REPORT" --db "$DB" top processes --service user:alice --format csv
	[ "$status" -eq 0 ]
	is_output <<'EOF'
pid,comm,sent_bytes,received_bytes,total_bytes,first_seen,last_seen
700,curl,100,20000,20100,1704067260,1704067320
701,curl,50,5000,5050,1704153600,1704153660
EOF
	run "$REPORT" --db "$DB" top processes --user www-data --format csv
	[ "$status" -eq 0 ]
	is_output <<'EOF'
pid,comm,sent_bytes,received_bytes,total_bytes,first_seen,last_seen
500,nginx,10000,1500,11500,1704067200,1704153660
EOF
	# A user without a name by its uid; both filters at once; no such service.
	run "$REPORT" --db "$DB" top processes --user 999 --service docker:0123456789ab --format csv
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "600,postgres,400,40000,40400,1704067200,1704067260" ]
	[ "${#lines[@]}" -eq 2 ]
	run "$REPORT" --db "$DB" top processes --service nginx.service --user alice --format csv
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	# Usage errors: another command, an empty name.
	for bad in "top hosts --service x" "summary --user alice" "top flows --user 0"; do
		# shellcheck disable=SC2086 # the command is words
		run --separate-stderr "$REPORT" --db "$DB" $bad
		[ "$status" -eq 64 ] || { echo "$bad: $status" >&2; return 1; }
		[ "${#stderr_lines[@]}" -eq 1 ]
		[[ $stderr == "netmon-report: error: --"*" goes with top processes only" ]]
	done
	run --separate-stderr "$REPORT" --db "$DB" top processes --service ""
	[ "$status" -eq 64 ]
	[ "$stderr" = "netmon-report: error: --service: '' is not a name (1 to 4096 bytes)" ]
}

@test "--numeric: no name columns in any format, and no name table read" {
	local cmd fmt nonames=$BATS_TEST_TMPDIR/nonames.db
	for cmd in "top hosts" "top flows" summary; do
		for fmt in table csv json html; do
			# shellcheck disable=SC2086 # the command is words
			run "$REPORT" --db "$DB" $cmd --format $fmt --numeric
			[ "$status" -eq 0 ]
			[[ $output != *name* && $output != *printer.lan* && $output != *cdn.example* ]] ||
				{ echo "$cmd $fmt" >&2; return 1; }
		done
	done
	run "$REPORT" --db "$DB" top hosts --format csv --numeric
	is_output <<'EOF'
host,sent_packets,sent_bytes,received_packets,received_bytes,total_packets,total_bytes
10.0.0.1,11,1580,28,2503072,39,2504652
10.0.0.2,25,2500000,10,1500,35,2501500
192.0.2.9,3,3072,1,80,4,3152
2001:db8::1,2,208,0,0,2,208
2001:db8::2,0,0,2,208,2,208
EOF
	# Without the name tables the named reports fail and --numeric does not
	# notice: it never reads them.
	cp "$DB" "$nonames"
	sqlite3 "$nonames" "DROP VIEW host_names; DROP TABLE address_names; DROP TABLE dns_names"
	for cmd in "top hosts" "top flows" summary; do
		# shellcheck disable=SC2086 # the command is words
		run --separate-stderr "$REPORT" --db "$nonames" $cmd --numeric
		[ "$status" -eq 0 ]
		# shellcheck disable=SC2086
		run --separate-stderr "$REPORT" --db "$nonames" $cmd
		[ "$status" -eq 1 ]
		[[ $stderr == *"no such table"* ]]
	done
}

@test "hostile names are inert in csv for every report" {
	local cmd evil=$'evil/<i>x</i>\e[1m,"=1+1'
	for cmd in summary "top hosts" "top flows" "top services" "top users"; do
		# shellcheck disable=SC2086 # the command is words
		run "$REPORT" --db "$DB" $cmd --format csv --limit 20
		[ "$status" -eq 0 ]
		csv_inert || { echo "in: $cmd" >&2; return 1; }
	done
	# The hostile service as a filter: its process, inert.
	run "$REPORT" --db "$DB" top processes --service "$evil" --format csv
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "800,evil,300,300,600,1704067200,1704067260" ]
	csv_inert
}

@test "html: names, services and users are text in Chromium's DOM" {
	local html=$BATS_TEST_TMPDIR/summary.html
	"$REPORT" --db "$DB" summary --format html >"$html"
	grep -q '=x&lt;b&gt;y&lt;/b&gt;\\x1b\[31m&quot;a,b\\x0ac.example' "$html"
	grep -q 'evil/&lt;i&gt;x&lt;/i&gt;\\x1b\[1m,&quot;=1+1' "$html"
	grep -q '&lt;b&gt;bob&lt;/b&gt;\\x1b\[0m@x' "$html"
	if grep -q $'\e' "$html"; then return 1; fi
	browse "$html"
	run python3 "$CHECK" dom "$BATS_TEST_TMPDIR/dom.html"
	[ "$status" -eq 0 ]
	echo "$output" >&2
	[[ $output == *"chart-hosts bar=5"* ]]
	[[ $output == *"chart-services bar=5"* ]]
	[[ $output == *"chart-users bar=5"* ]]
	# The markup in the names made no element (no b, no i).
	[[ ${lines[-1]} == elements:* ]]
	[[ ${lines[-1]} != *" b "* && ${lines[-1]} != *" i "* ]]
	# Each table's cells as the browser shows them: the names exactly.
	run python3 -c '
import html.parser, sys
class T(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(); self.rows = []; self.cell = None
    def handle_starttag(self, tag, attrs):
        if tag == "tr": self.rows.append([])
        if tag in ("td", "th"): self.cell = ""
    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(self.cell); self.cell = None
    def handle_data(self, d):
        if self.cell is not None: self.cell += d
t = T(); t.feed(open(sys.argv[1], encoding="utf-8").read())
for r in t.rows:
    if r and r[0] in ("192.0.2.9", "2001:db8::1", "10.0.0.1"): print(r[0], r[1])
    if r and r[0].startswith(("evil/", "<b>")): print(r[0])
' "$BATS_TEST_TMPDIR/dom.html"
	is_output <<EOF
10.0.0.1 printer.lan
192.0.2.9 =x<b>y</b>\x1b[31m"a,b\x0ac.example
2001:db8::1 $(long_name)
evil/<i>x</i>\x1b[1m,"=1+1
<b>bob</b>\x1b[0m@x
EOF
}

@test "sqlite3 by hand: the composed queries give the same names" {
	run sqlite3 -readonly -csv "$DB" <"$QUERIES/top_hosts.sql"
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == 10.0.0.1,printer.lan,* ]]
	[[ ${lines[1]} == 10.0.0.2,cdn.example.net,* ]]
	run sqlite3 -readonly -csv -cmd '.parameter set :until 1704100000' "$DB" <"$QUERIES/top_flows.sql"
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == eth0,in,6,10.0.0.2,cdn.example.net,443,10.0.0.1,laptop.lan,* ]]
	run sqlite3 -readonly -csv "$DB" <"$QUERIES/top_services.sql"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "docker:0123456789ab,400,40000,40400,4,8" ]
}

# rolled DB: the fixture's history rolled up as the recorder does it
# (sql/maintain/rollup_from_raw.sql per hour, rollup_up.sql per day) up to
# 2024-01-02 00:00, with the watermarks that make the reports read it.
rolled() {
	local db=$1 level
	cp "$DB" "$db"
	for level in 1 2; do
		sqlite3 -bail -cmd ".parameter set :level $level" \
			-cmd '.parameter set :since 1704067200' -cmd '.parameter set :until 1704153600' \
			-cmd '.parameter set :interval NULL' "$db" \
			<"$REPO/sql/maintain/$([ "$level" = 1 ] && echo rollup_from_raw || echo rollup_up).sql"
	done
	sqlite3 "$db" "INSERT OR REPLACE INTO meta VALUES ('rolled_until_1', 1704153600),
		('rolled_until_2', 1704153600)"
}

@test "rollup_services: the hourly and daily totals equal the raw process rows per service and user" {
	local db=$BATS_TEST_TMPDIR/rolled.db raw roll
	rolled "$db"
	raw=$(sqlite3 "$db" "SELECT coalesce(service, '-'), coalesce(user, '-'), sum(bytes_sent),
		sum(bytes_recv), sum(sends), sum(recvs) FROM process_log WHERE ts_start < 1704153600
		GROUP BY 1, 2 ORDER BY 1, 2")
	for level in 1 2; do
		roll=$(sqlite3 "$db" "SELECT coalesce(s.name, '-'),
			CASE WHEN r.uid < 0 THEN '-' ELSE coalesce(u.name, r.uid) END,
			sum(bytes_sent), sum(bytes_recv), sum(sends), sum(recvs)
			FROM rollup_services r LEFT JOIN services s ON s.id = r.service_id
			LEFT JOIN user_names u ON u.uid = r.uid WHERE r.level = $level
			GROUP BY 1, 2 ORDER BY 1, 2")
		echo "level $level: $roll" >&2
		[ -n "$raw" ]
		[ "$roll" = "$raw" ]
	done
	# The reports read the rollups for 2024-01-01 and the same comes out as
	# from the raw rows alone.
	for cmd in "top services" "top users" "top hosts --numeric"; do
		# shellcheck disable=SC2086 # the command is words
		run "$REPORT" --db "$db" $cmd --format csv
		roll=$output
		# shellcheck disable=SC2086
		run "$REPORT" --db "$DB" $cmd --format csv
		[ "$roll" = "$output" ] || { echo "$cmd: $roll" >&2; return 1; }
	done
	# A rolled-up hour names its hosts as of its end (docs/queries.md, "Host
	# names"): 10.0.0.2 is later.example.com, told at 00:03:20, after its
	# last traffic (00:02) but within that hour; the raw rows say
	# cdn.example.net.
	run "$REPORT" --db "$db" top hosts --format csv
	[ "${lines[2]}" = "10.0.0.2,later.example.com,25,2500000,10,1500,35,2501500" ]
	run "$REPORT" --db "$db" top hosts --format csv --since 2024-01-01T00:01
	[ "${lines[2]}" = "10.0.0.2,cdn.example.net,5,500000,0,0,5,500000" ]
	# ... and it is the rollups that answer: without 2024-01-01's raw
	# process rows, the totals stay.
	sqlite3 "$db" "DELETE FROM processes WHERE interval_id IN (1, 2)"
	run "$REPORT" --db "$db" top services --format csv
	[ "${lines[1]}" = "docker:0123456789ab,400,40000,40400,4,8" ]
	[ "${lines[2]}" = "user:alice,150,25000,25150,2,5" ]
}
