#!/usr/bin/env bats
# report.bats - netmon-report on a small database of known rows
# (tests/fixtures/report_basic.sql): exact output of every command in every
# format, the time window, and the error paths with their exit codes.
#
# Runs the binary in ${O:-build}/ (relative to the repository root); build it
# first (make, or make O=DIR). Times are shown in UTC (TZ=UTC).

# shellcheck disable=SC2154 # set where shellcheck cannot see: $stderr_lines by bats' run
bats_require_minimum_version 1.5.0 # run --separate-stderr

setup_file() {
	REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	case ${O:-build} in
	/*) REPORT=${O}/netmon-report ;;
	*) REPORT=$REPO/${O:-build}/netmon-report ;;
	esac
	if [ ! -x "$REPORT" ]; then
		echo "$REPORT is missing: build it first (make O=${O:-build})" >&2
		return 1
	fi
	# The report queries as the build composed them, to run by hand.
	QUERIES=${REPORT%/*}/sql/report
	DB=$BATS_FILE_TMPDIR/netmon.db
	make_db "$DB" "$REPO/tests/fixtures/report_basic.sql"
	export REPO REPORT QUERIES DB TZ=UTC
}

# make_db PATH [SQL...]: the current schema, marked as netmon's at the
# current version, then the given files.
make_db() {
	local db=$1 f n=0
	shift
	{
		for f in "$REPO"/sql/[0-9][0-9][0-9][0-9]_*.sql; do
			cat "$f"
			n=$((n + 1))
		done
		echo "PRAGMA application_id = 1852665710; PRAGMA user_version = $n;"
		for f in "$@"; do cat "$f"; done
	} | sqlite3 -bail "$db"
}

# is_output: $output equals standard input (both without trailing newlines).
is_output() {
	local want
	want=$(cat)
	if [ "$output" != "$want" ]; then
		echo "--- want / +++ got:" >&2
		diff -u <(printf '%s\n' "$want") <(printf '%s\n' "$output") >&2
		return 1
	fi
}

# usage_error ARGS...: exit 64, nothing on stdout, one line on stderr.
usage_error() {
	run --separate-stderr "$REPORT" --db "$DB" "$@"
	echo "stderr: $stderr" >&2
	[ "$status" -eq 64 ]
	[ -z "$output" ]
	# shellcheck disable=SC2154 # stderr_lines: set by run --separate-stderr
	[ "${#stderr_lines[@]}" -eq 1 ]
}

# csv_by_section: $output, a summary's CSV, checked as one table (a header
# that starts with "section", as many fields on every line: RFC 4180) and
# printed a row a line as "section: column=value ..." of its non-empty cells.
csv_by_section() {
	printf '%s\n' "$output" | python3 -c '
import csv, sys
rows = list(csv.reader(sys.stdin))
head = rows[0]
assert head[0] == "section", head
for r in rows[1:]:
    assert len(r) == len(head), r
    print(r[0] + ":", " ".join("%s=%s" % (h, v) for h, v in zip(head[1:], r[1:]) if v))
'
}

is_json() {
	if command -v python3 >/dev/null; then
		printf '%s\n' "$output" | python3 -c 'import json, sys; json.load(sys.stdin)'
	fi
}

ESC=$'\e'

@test "summary: table" {
	run "$REPORT" --db "$DB" summary
	[ "$status" -eq 0 ]
	is_output <<'EOF'
Window: 2024-01-01 00:00:00 UTC to 2024-01-02 00:01:00 UTC, 3 intervals recorded

Traffic by interface, direction and protocol
interface          direction  protocol   packets    bytes
eth0               in         tcp             25  2.4 MiB
eth0               out        tcp             10  1.5 KiB
eth0               out        udp              1     80 B
ev\x1b[31m"il,<b>  in         253              4  4.0 KiB
wlan0              out        ipv6-icmp        2    208 B

Traffic by interface
interface          in_packets  in_bytes  out_packets  out_bytes  total_packets  total_bytes
eth0                       25   2.4 MiB           11    1.5 KiB             36      2.4 MiB
ev\x1b[31m"il,<b>           4   4.0 KiB            0        0 B              4      4.0 KiB
wlan0                       0       0 B            2      208 B              2        208 B

Collector health: packets left out of flows (table_full) or of all totals, socket bytes left out of processes
intervals  affected_intervals  table_full_packets  malformed_packets  non_ip_packets  sample_drops  process_table_full_calls  process_table_full_bytes
        3                   3                   1                  4               7             0                         0                       0 B

Top hosts by bytes sent and received
host         name  sent_packets  sent_bytes  received_packets  received_bytes  total_packets  total_bytes
10.0.0.1                     11     1.5 KiB                28         2.4 MiB             39      2.4 MiB
10.0.0.2                     25     2.4 MiB                10         1.5 KiB             35      2.4 MiB
192.0.2.9                     3     3.0 KiB                 1            80 B              4      3.1 KiB
2001:db8::1                   2       208 B                 0             0 B              2        208 B
2001:db8::2                   0         0 B                 2           208 B              2        208 B

Top applications by bytes (server port)
app     ports    in_packets  in_bytes  out_packets  out_bytes  total_packets  total_bytes  peers
https   tcp/443          25   2.4 MiB           10    1.5 KiB             35      2.4 MiB      1
domain  udp/53            0       0 B            1       80 B              1         80 B      1

Top server ports by bytes
protocol  port  app     in_packets  in_bytes  out_packets  out_bytes  total_packets  total_bytes  peers
tcp        443  https           25   2.4 MiB           10    1.5 KiB             35      2.4 MiB      1
udp         53  domain           0       0 B            1       80 B              1         80 B      1

Protocol distribution
family  protocol   packets    bytes  bytes_pct  share
     4  tcp             35  2.4 MiB       99.8  #########################
     4  253              4  4.0 KiB        0.2  .
     6  ipv6-icmp        2    208 B        0.0
     4  udp              1     80 B        0.0

Traffic per hour, all interfaces
time              in_bytes  out_bytes  recorded_pct  # in  = out
2024-01-01 00:00   2.4 MiB    1.7 KiB           3.3  ########################################
2024-01-01 01:00                                0.0  (not recorded)
2024-01-01 02:00                                0.0  (not recorded)
2024-01-01 03:00                                0.0  (not recorded)
2024-01-01 04:00                                0.0  (not recorded)
2024-01-01 05:00                                0.0  (not recorded)
2024-01-01 06:00                                0.0  (not recorded)
2024-01-01 07:00                                0.0  (not recorded)
2024-01-01 08:00                                0.0  (not recorded)
2024-01-01 09:00                                0.0  (not recorded)
2024-01-01 10:00                                0.0  (not recorded)
2024-01-01 11:00                                0.0  (not recorded)
2024-01-01 12:00                                0.0  (not recorded)
2024-01-01 13:00                                0.0  (not recorded)
2024-01-01 14:00                                0.0  (not recorded)
2024-01-01 15:00                                0.0  (not recorded)
2024-01-01 16:00                                0.0  (not recorded)
2024-01-01 17:00                                0.0  (not recorded)
2024-01-01 18:00                                0.0  (not recorded)
2024-01-01 19:00                                0.0  (not recorded)
2024-01-01 20:00                                0.0  (not recorded)
2024-01-01 21:00                                0.0  (not recorded)
2024-01-01 22:00                                0.0  (not recorded)
2024-01-01 23:00                                0.0  (not recorded)
2024-01-02 00:00   4.0 KiB        0 B           1.7  .
EOF
}

@test "summary: csv" {
	run "$REPORT" summary --format csv --db "$DB"
	[ "$status" -eq 0 ]
	# One table: the section, then the columns of every section.
	local head=section,since,until,intervals,interface,direction,protocol,packets,bytes
	head+=,in_packets,in_bytes,out_packets,out_bytes,total_packets,total_bytes
	head+=,affected_intervals,table_full_packets,malformed_packets,non_ip_packets
	head+=,sample_drops,process_table_full_calls,process_table_full_bytes,host,name
	head+=,sent_packets,sent_bytes,received_packets,received_bytes,app,ports,peers,port
	head+=,pid,comm,first_seen,last_seen,service,sends,recvs,user,uid
	head+=,family,bytes_pct,bucket_start,recorded_pct,ts,kind
	head+=,subject
	head+=,value,threshold,detail
	head+=,seconds,reason,old_abi,new_abi,interfaces
	[ "${lines[0]}" = "$head" ]
	[[ ${lines[1]} == "window,1704067200,1704153660,3,"* ]]
	[ "${#lines[@]}" -eq 49 ]
	[[ ${lines[-1]} == trend,*,4,4096,0,0,*,1704153600,* ]]
	run csv_by_section
	[ "$status" -eq 0 ]
	# (The trend's 23 empty hours and 2024-01-02 00:00 after these.)
	output=$(head -n 24 <<<"$output")
	is_output <<'EOF'
window: since=1704067200 until=1704153660 intervals=3
traffic: interface=eth0 direction=in protocol=6 packets=25 bytes=2500000
traffic: interface=eth0 direction=out protocol=6 packets=10 bytes=1500
traffic: interface=eth0 direction=out protocol=17 packets=1 bytes=80
traffic: interface=ev\x1b[31m"il,<b> direction=in protocol=253 packets=4 bytes=4096
traffic: interface=wlan0 direction=out protocol=58 packets=2 bytes=208
interfaces: interface=eth0 in_packets=25 in_bytes=2500000 out_packets=11 out_bytes=1580 total_packets=36 total_bytes=2501580
interfaces: interface=ev\x1b[31m"il,<b> in_packets=4 in_bytes=4096 out_packets=0 out_bytes=0 total_packets=4 total_bytes=4096
interfaces: interface=wlan0 in_packets=0 in_bytes=0 out_packets=2 out_bytes=208 total_packets=2 total_bytes=208
collector: intervals=3 affected_intervals=3 table_full_packets=1 malformed_packets=4 non_ip_packets=7 sample_drops=0 process_table_full_calls=0 process_table_full_bytes=0
hosts: total_packets=39 total_bytes=2504652 host=10.0.0.1 sent_packets=11 sent_bytes=1580 received_packets=28 received_bytes=2503072
hosts: total_packets=35 total_bytes=2501500 host=10.0.0.2 sent_packets=25 sent_bytes=2500000 received_packets=10 received_bytes=1500
hosts: total_packets=4 total_bytes=3152 host=192.0.2.9 sent_packets=3 sent_bytes=3072 received_packets=1 received_bytes=80
hosts: total_packets=2 total_bytes=208 host=2001:db8::1 sent_packets=2 sent_bytes=208 received_packets=0 received_bytes=0
hosts: total_packets=2 total_bytes=208 host=2001:db8::2 sent_packets=0 sent_bytes=0 received_packets=2 received_bytes=208
apps: in_packets=25 in_bytes=2500000 out_packets=10 out_bytes=1500 total_packets=35 total_bytes=2501500 app=https ports=tcp/443 peers=1
apps: in_packets=0 in_bytes=0 out_packets=1 out_bytes=80 total_packets=1 total_bytes=80 app=domain ports=udp/53 peers=1
ports: protocol=6 in_packets=25 in_bytes=2500000 out_packets=10 out_bytes=1500 total_packets=35 total_bytes=2501500 app=https peers=1 port=443
ports: protocol=17 in_packets=0 in_bytes=0 out_packets=1 out_bytes=80 total_packets=1 total_bytes=80 app=domain peers=1 port=53
protocols: protocol=6 packets=35 bytes=2501500 family=4 bytes_pct=99.8
protocols: protocol=253 packets=4 bytes=4096 family=4 bytes_pct=0.2
protocols: protocol=58 packets=2 bytes=208 family=6 bytes_pct=0.0
protocols: protocol=17 packets=1 bytes=80 family=4 bytes_pct=0.0
trend: in_packets=25 in_bytes=2500000 out_packets=13 out_bytes=1788 bucket_start=1704067200 recorded_pct=3.3
EOF
	# Each ranking's rows are those of its own command, column by column.
	local cmd
	for cmd in hosts apps ports protocols; do
		run "$REPORT" summary --format csv --db "$DB"
		run python3 -c '
import csv, subprocess, sys
rows = list(csv.reader(sys.stdin))
alone = subprocess.run(sys.argv[2:], capture_output=True, text=True).stdout
alone = list(csv.reader(alone.splitlines()))
cols = [rows[0].index(c) for c in alone[0]]
mine = [[r[i] for i in cols] for r in rows[1:] if r[0] == sys.argv[1]]
sys.exit(0 if mine == alone[1:] else "%r != %r" % (mine, alone[1:]))
' "$cmd" "$REPORT" --db "$DB" top "$cmd" --format csv <<<"$output"
		echo "$cmd: $output" >&2
		[ "$status" -eq 0 ]
	done
}

@test "summary: json" {
	run "$REPORT" summary --format json --db "$DB"
	[ "$status" -eq 0 ]
	is_output <<'EOF'
{
  "window": {"since": 1704067200, "until": 1704153660, "intervals": 3},
  "traffic": [
    {"interface": "eth0", "direction": "in", "protocol": 6, "packets": 25, "bytes": 2500000},
    {"interface": "eth0", "direction": "out", "protocol": 6, "packets": 10, "bytes": 1500},
    {"interface": "eth0", "direction": "out", "protocol": 17, "packets": 1, "bytes": 80},
    {"interface": "ev\u001b[31m\"il,\u003cb\u003e", "direction": "in", "protocol": 253, "packets": 4, "bytes": 4096},
    {"interface": "wlan0", "direction": "out", "protocol": 58, "packets": 2, "bytes": 208}
  ],
  "interfaces": [
    {"interface": "eth0", "in_packets": 25, "in_bytes": 2500000, "out_packets": 11, "out_bytes": 1580, "total_packets": 36, "total_bytes": 2501580},
    {"interface": "ev\u001b[31m\"il,\u003cb\u003e", "in_packets": 4, "in_bytes": 4096, "out_packets": 0, "out_bytes": 0, "total_packets": 4, "total_bytes": 4096},
    {"interface": "wlan0", "in_packets": 0, "in_bytes": 0, "out_packets": 2, "out_bytes": 208, "total_packets": 2, "total_bytes": 208}
  ],
  "collector": [
    {"intervals": 3, "affected_intervals": 3, "table_full_packets": 1, "malformed_packets": 4, "non_ip_packets": 7, "sample_drops": 0, "process_table_full_calls": 0, "process_table_full_bytes": 0}
  ],
  "hosts": [
    {"host": "10.0.0.1", "name": null, "sent_packets": 11, "sent_bytes": 1580, "received_packets": 28, "received_bytes": 2503072, "total_packets": 39, "total_bytes": 2504652},
    {"host": "10.0.0.2", "name": null, "sent_packets": 25, "sent_bytes": 2500000, "received_packets": 10, "received_bytes": 1500, "total_packets": 35, "total_bytes": 2501500},
    {"host": "192.0.2.9", "name": null, "sent_packets": 3, "sent_bytes": 3072, "received_packets": 1, "received_bytes": 80, "total_packets": 4, "total_bytes": 3152},
    {"host": "2001:db8::1", "name": null, "sent_packets": 2, "sent_bytes": 208, "received_packets": 0, "received_bytes": 0, "total_packets": 2, "total_bytes": 208},
    {"host": "2001:db8::2", "name": null, "sent_packets": 0, "sent_bytes": 0, "received_packets": 2, "received_bytes": 208, "total_packets": 2, "total_bytes": 208}
  ],
  "apps": [
    {"app": "https", "ports": "tcp/443", "in_packets": 25, "in_bytes": 2500000, "out_packets": 10, "out_bytes": 1500, "total_packets": 35, "total_bytes": 2501500, "peers": 1},
    {"app": "domain", "ports": "udp/53", "in_packets": 0, "in_bytes": 0, "out_packets": 1, "out_bytes": 80, "total_packets": 1, "total_bytes": 80, "peers": 1}
  ],
  "ports": [
    {"protocol": 6, "port": 443, "app": "https", "in_packets": 25, "in_bytes": 2500000, "out_packets": 10, "out_bytes": 1500, "total_packets": 35, "total_bytes": 2501500, "peers": 1},
    {"protocol": 17, "port": 53, "app": "domain", "in_packets": 0, "in_bytes": 0, "out_packets": 1, "out_bytes": 80, "total_packets": 1, "total_bytes": 80, "peers": 1}
  ],
  "processes": [],
  "services": [],
  "users": [],
  "protocols": [
    {"family": 4, "protocol": 6, "packets": 35, "bytes": 2501500, "bytes_pct": 99.8},
    {"family": 4, "protocol": 253, "packets": 4, "bytes": 4096, "bytes_pct": 0.2},
    {"family": 6, "protocol": 58, "packets": 2, "bytes": 208, "bytes_pct": 0.0},
    {"family": 4, "protocol": 17, "packets": 1, "bytes": 80, "bytes_pct": 0.0}
  ],
  "trend": [
    {"bucket_start": 1704067200, "in_packets": 25, "in_bytes": 2500000, "out_packets": 13, "out_bytes": 1788, "recorded_pct": 3.3},
    {"bucket_start": 1704070800, "in_packets": null, "in_bytes": null, "out_packets": null, "out_bytes": null, "recorded_pct": 0.0},
    {"bucket_start": 1704074400, "in_packets": null, "in_bytes": null, "out_packets": null, "out_bytes": null, "recorded_pct": 0.0},
    {"bucket_start": 1704078000, "in_packets": null, "in_bytes": null, "out_packets": null, "out_bytes": null, "recorded_pct": 0.0},
    {"bucket_start": 1704081600, "in_packets": null, "in_bytes": null, "out_packets": null, "out_bytes": null, "recorded_pct": 0.0},
    {"bucket_start": 1704085200, "in_packets": null, "in_bytes": null, "out_packets": null, "out_bytes": null, "recorded_pct": 0.0},
    {"bucket_start": 1704088800, "in_packets": null, "in_bytes": null, "out_packets": null, "out_bytes": null, "recorded_pct": 0.0},
    {"bucket_start": 1704092400, "in_packets": null, "in_bytes": null, "out_packets": null, "out_bytes": null, "recorded_pct": 0.0},
    {"bucket_start": 1704096000, "in_packets": null, "in_bytes": null, "out_packets": null, "out_bytes": null, "recorded_pct": 0.0},
    {"bucket_start": 1704099600, "in_packets": null, "in_bytes": null, "out_packets": null, "out_bytes": null, "recorded_pct": 0.0},
    {"bucket_start": 1704103200, "in_packets": null, "in_bytes": null, "out_packets": null, "out_bytes": null, "recorded_pct": 0.0},
    {"bucket_start": 1704106800, "in_packets": null, "in_bytes": null, "out_packets": null, "out_bytes": null, "recorded_pct": 0.0},
    {"bucket_start": 1704110400, "in_packets": null, "in_bytes": null, "out_packets": null, "out_bytes": null, "recorded_pct": 0.0},
    {"bucket_start": 1704114000, "in_packets": null, "in_bytes": null, "out_packets": null, "out_bytes": null, "recorded_pct": 0.0},
    {"bucket_start": 1704117600, "in_packets": null, "in_bytes": null, "out_packets": null, "out_bytes": null, "recorded_pct": 0.0},
    {"bucket_start": 1704121200, "in_packets": null, "in_bytes": null, "out_packets": null, "out_bytes": null, "recorded_pct": 0.0},
    {"bucket_start": 1704124800, "in_packets": null, "in_bytes": null, "out_packets": null, "out_bytes": null, "recorded_pct": 0.0},
    {"bucket_start": 1704128400, "in_packets": null, "in_bytes": null, "out_packets": null, "out_bytes": null, "recorded_pct": 0.0},
    {"bucket_start": 1704132000, "in_packets": null, "in_bytes": null, "out_packets": null, "out_bytes": null, "recorded_pct": 0.0},
    {"bucket_start": 1704135600, "in_packets": null, "in_bytes": null, "out_packets": null, "out_bytes": null, "recorded_pct": 0.0},
    {"bucket_start": 1704139200, "in_packets": null, "in_bytes": null, "out_packets": null, "out_bytes": null, "recorded_pct": 0.0},
    {"bucket_start": 1704142800, "in_packets": null, "in_bytes": null, "out_packets": null, "out_bytes": null, "recorded_pct": 0.0},
    {"bucket_start": 1704146400, "in_packets": null, "in_bytes": null, "out_packets": null, "out_bytes": null, "recorded_pct": 0.0},
    {"bucket_start": 1704150000, "in_packets": null, "in_bytes": null, "out_packets": null, "out_bytes": null, "recorded_pct": 0.0},
    {"bucket_start": 1704153600, "in_packets": 4, "in_bytes": 4096, "out_packets": 0, "out_bytes": 0, "recorded_pct": 1.7}
  ],
  "anomalies": [],
  "gaps": []
}
EOF
	is_json
}

@test "top hosts: table" {
	run "$REPORT" --db "$DB" top hosts
	[ "$status" -eq 0 ]
	is_output <<'EOF'
host         name  sent_packets  sent_bytes  received_packets  received_bytes  total_packets  total_bytes
10.0.0.1                     11     1.5 KiB                28         2.4 MiB             39      2.4 MiB
10.0.0.2                     25     2.4 MiB                10         1.5 KiB             35      2.4 MiB
192.0.2.9                     3     3.0 KiB                 1            80 B              4      3.1 KiB
2001:db8::1                   2       208 B                 0             0 B              2        208 B
2001:db8::2                   0         0 B                 2           208 B              2        208 B
EOF
}

@test "top hosts: csv and json" {
	run "$REPORT" --db "$DB" top hosts --format csv
	[ "$status" -eq 0 ]
	is_output <<'EOF'
host,name,sent_packets,sent_bytes,received_packets,received_bytes,total_packets,total_bytes
10.0.0.1,,11,1580,28,2503072,39,2504652
10.0.0.2,,25,2500000,10,1500,35,2501500
192.0.2.9,,3,3072,1,80,4,3152
2001:db8::1,,2,208,0,0,2,208
2001:db8::2,,0,0,2,208,2,208
EOF
	run "$REPORT" --db "$DB" top hosts --format json
	[ "$status" -eq 0 ]
	is_output <<'EOF'
[
  {"host": "10.0.0.1", "name": null, "sent_packets": 11, "sent_bytes": 1580, "received_packets": 28, "received_bytes": 2503072, "total_packets": 39, "total_bytes": 2504652},
  {"host": "10.0.0.2", "name": null, "sent_packets": 25, "sent_bytes": 2500000, "received_packets": 10, "received_bytes": 1500, "total_packets": 35, "total_bytes": 2501500},
  {"host": "192.0.2.9", "name": null, "sent_packets": 3, "sent_bytes": 3072, "received_packets": 1, "received_bytes": 80, "total_packets": 4, "total_bytes": 3152},
  {"host": "2001:db8::1", "name": null, "sent_packets": 2, "sent_bytes": 208, "received_packets": 0, "received_bytes": 0, "total_packets": 2, "total_bytes": 208},
  {"host": "2001:db8::2", "name": null, "sent_packets": 0, "sent_bytes": 0, "received_packets": 2, "received_bytes": 208, "total_packets": 2, "total_bytes": 208}
]
EOF
	is_json
}

@test "top hosts: --limit" {
	run "$REPORT" --db "$DB" top hosts --format csv --limit 2
	[ "$status" -eq 0 ]
	is_output <<'EOF'
host,name,sent_packets,sent_bytes,received_packets,received_bytes,total_packets,total_bytes
10.0.0.1,,11,1580,28,2503072,39,2504652
10.0.0.2,,25,2500000,10,1500,35,2501500
EOF
}

@test "top flows: table" {
	run "$REPORT" --db "$DB" top flows
	[ "$status" -eq 0 ]
	is_output <<'EOF'
interface          direction  protocol   src          src_name  src_port  dst          dst_name  dst_port  packets    bytes
eth0               in         tcp        10.0.0.2                    443  10.0.0.1                  40000       25  2.4 MiB
ev\x1b[31m"il,<b>  in         253        192.0.2.9                     0  10.0.0.1                      0        3  3.0 KiB
eth0               out        tcp        10.0.0.1                  40000  10.0.0.2                    443       10  1.5 KiB
wlan0              out        ipv6-icmp  2001:db8::1                 128  2001:db8::2                   0        2    208 B
eth0               out        udp        10.0.0.1                   5353  192.0.2.9                    53        1     80 B
EOF
}

@test "top flows: csv and json" {
	run "$REPORT" --db "$DB" top flows --format csv --limit 3
	[ "$status" -eq 0 ]
	is_output <<EOF
interface,direction,protocol,src,src_name,src_port,dst,dst_name,dst_port,packets,bytes
eth0,in,6,10.0.0.2,,443,10.0.0.1,,40000,25,2500000
"ev\x1b[31m""il,<b>",in,253,192.0.2.9,,0,10.0.0.1,,0,3,3072
eth0,out,6,10.0.0.1,,40000,10.0.0.2,,443,10,1500
EOF
	run "$REPORT" --db "$DB" top flows --format json --limit 2
	[ "$status" -eq 0 ]
	is_output <<'EOF'
[
  {"interface": "eth0", "direction": "in", "protocol": 6, "src": "10.0.0.2", "src_name": null, "src_port": 443, "dst": "10.0.0.1", "dst_name": null, "dst_port": 40000, "packets": 25, "bytes": 2500000},
  {"interface": "ev\u001b[31m\"il,\u003cb\u003e", "direction": "in", "protocol": 253, "src": "192.0.2.9", "src_name": null, "src_port": 0, "dst": "10.0.0.1", "dst_name": null, "dst_port": 0, "packets": 3, "bytes": 3072}
]
EOF
	is_json
}

@test "top ports: table" {
	run "$REPORT" --db "$DB" top ports
	[ "$status" -eq 0 ]
	is_output <<'EOF'
protocol  port  app     in_packets  in_bytes  out_packets  out_bytes  total_packets  total_bytes  peers
tcp        443  https           25   2.4 MiB           10    1.5 KiB             35      2.4 MiB      1
udp         53  domain           0       0 B            1       80 B              1         80 B      1
EOF
}

@test "top ports: csv and json" {
	run "$REPORT" --db "$DB" top ports --format csv
	[ "$status" -eq 0 ]
	is_output <<'EOF'
protocol,port,app,in_packets,in_bytes,out_packets,out_bytes,total_packets,total_bytes,peers
6,443,https,25,2500000,10,1500,35,2501500,1
17,53,domain,0,0,1,80,1,80,1
EOF
	run "$REPORT" --db "$DB" top ports --format json --limit 2
	[ "$status" -eq 0 ]
	is_output <<'EOF'
[
  {"protocol": 6, "port": 443, "app": "https", "in_packets": 25, "in_bytes": 2500000, "out_packets": 10, "out_bytes": 1500, "total_packets": 35, "total_bytes": 2501500, "peers": 1},
  {"protocol": 17, "port": 53, "app": "domain", "in_packets": 0, "in_bytes": 0, "out_packets": 1, "out_bytes": 80, "total_packets": 1, "total_bytes": 80, "peers": 1}
]
EOF
	is_json
}

@test "top ports: the server port of requests and replies; distinct peers; port 0 and other protocols left out" {
	local ports=$BATS_TEST_TMPDIR/ports.db
	cp "$DB" "$ports"
	# On 2024-01-02, eth0: a second client of port 443 (192.0.2.9), a repeat
	# of the first server (10.0.0.2), a DNS query received from 2001:db8::1
	# (source port 5353 is mdns: both named, the lower one is the server's),
	# and TCP port 0 and SCTP port 443, which top ports leaves out. The
	# fixture's replies from 443 to port 40000 count for 443.
	sqlite3 "$ports" "INSERT INTO conversations VALUES
		(6, 1, 0, 6, 5, 1), (7, 1, 0, 17, 3, 4), (8, 1, 0, 132, 5, 1);
	INSERT INTO flows VALUES
		(7, 6, 50000, 443, 2, 120, 2, 1, 0, 0, 0, 0, 0),
		(8, 1, 40001, 443, 1, 60, 2, 1, 0, 0, 0, 0, 0),
		(9, 7, 5353, 53, 1, 100, 0, 0, 0, 0, 0, 0, 0),
		(10, 6, 0, 0, 9, 9000, 0, 0, 0, 0, 0, 0, 0),
		(11, 8, 1, 443, 9, 9000, 0, 0, 0, 0, 0, 0, 0);
	UPDATE intervals SET last_flow_id = 11 WHERE id = 3"
	run "$REPORT" --db "$ports" top ports --format csv
	[ "$status" -eq 0 ]
	is_output <<'EOF'
protocol,port,app,in_packets,in_bytes,out_packets,out_bytes,total_packets,total_bytes,peers
6,443,https,27,2500120,11,1560,38,2501680,2
17,53,domain,1,100,1,80,2,180,2
EOF
}

@test "top interfaces: table" {
	run "$REPORT" --db "$DB" top interfaces
	[ "$status" -eq 0 ]
	is_output <<'EOF'
interface          in_packets  in_bytes  out_packets  out_bytes  total_packets  total_bytes
eth0                       25   2.4 MiB           11    1.5 KiB             36      2.4 MiB
ev\x1b[31m"il,<b>           4   4.0 KiB            0        0 B              4      4.0 KiB
wlan0                       0       0 B            2      208 B              2        208 B
EOF
}

@test "top interfaces: csv and json" {
	run "$REPORT" --db "$DB" top interfaces --format csv
	[ "$status" -eq 0 ]
	is_output <<EOF
interface,in_packets,in_bytes,out_packets,out_bytes,total_packets,total_bytes
eth0,25,2500000,11,1580,36,2501580
"ev\x1b[31m""il,<b>",4,4096,0,0,4,4096
wlan0,0,0,2,208,2,208
EOF
	run "$REPORT" --db "$DB" top interfaces --format json --limit 2
	[ "$status" -eq 0 ]
	is_output <<'EOF'
[
  {"interface": "eth0", "in_packets": 25, "in_bytes": 2500000, "out_packets": 11, "out_bytes": 1580, "total_packets": 36, "total_bytes": 2501580},
  {"interface": "ev\u001b[31m\"il,\u003cb\u003e", "in_packets": 4, "in_bytes": 4096, "out_packets": 0, "out_bytes": 0, "total_packets": 4, "total_bytes": 4096}
]
EOF
	is_json
}

@test "top protocols: table" {
	run "$REPORT" --db "$DB" top protocols
	[ "$status" -eq 0 ]
	is_output <<'EOF'
family  protocol   packets    bytes  bytes_pct  share
     4  tcp             35  2.4 MiB       99.8  #########################
     4  253              4  4.0 KiB        0.2  .
     6  ipv6-icmp        2    208 B        0.0
     4  udp              1     80 B        0.0
EOF
}

@test "top protocols: csv and json" {
	run "$REPORT" --db "$DB" top protocols --format csv
	[ "$status" -eq 0 ]
	is_output <<'EOF'
family,protocol,packets,bytes,bytes_pct
4,6,35,2501500,99.8
4,253,4,4096,0.2
6,58,2,208,0.0
4,17,1,80,0.0
EOF
	run "$REPORT" --db "$DB" top protocols --format json
	[ "$status" -eq 0 ]
	is_output <<'EOF'
[
  {"family": 4, "protocol": 6, "packets": 35, "bytes": 2501500, "bytes_pct": 99.8},
  {"family": 4, "protocol": 253, "packets": 4, "bytes": 4096, "bytes_pct": 0.2},
  {"family": 6, "protocol": 58, "packets": 2, "bytes": 208, "bytes_pct": 0.0},
  {"family": 4, "protocol": 17, "packets": 1, "bytes": 80, "bytes_pct": 0.0}
]
EOF
	is_json
}

@test "top protocols: the share is of the whole window, not of the rows shown" {
	run "$REPORT" --db "$DB" top protocols --format csv --limit 1
	[ "$status" -eq 0 ]
	is_output <<'EOF'
family,protocol,packets,bytes,bytes_pct
4,6,35,2501500,99.8
EOF
	# One protocol in the window: all of it.
	run "$REPORT" --db "$DB" top protocols --format csv --since 2024-01-02
	[ "$status" -eq 0 ]
	is_output <<'EOF'
family,protocol,packets,bytes,bytes_pct
4,253,4,4096,100.0
EOF
}

@test "table output never carries a raw escape character" {
	for cmd in summary "top hosts" "top flows" "top ports" "top interfaces" "top protocols"; do
		# shellcheck disable=SC2086 # $cmd: a command and its arguments
		run "$REPORT" --db "$DB" $cmd
		[ "$status" -eq 0 ]
		[[ $output != *"$ESC"* ]]
	done
}

@test "window: --since a date keeps the later intervals" {
	run "$REPORT" --db "$DB" --since 2024-01-02 top flows --format csv --numeric
	[ "$status" -eq 0 ]
	is_output <<EOF
interface,direction,protocol,src,src_port,dst,dst_port,packets,bytes
"ev\x1b[31m""il,<b>",in,253,192.0.2.9,0,10.0.0.1,0,3,3072
EOF
}

@test "window: --until is exclusive" {
	run "$REPORT" --db "$DB" top flows --format csv --until 2024-01-01T00:01 --numeric
	[ "$status" -eq 0 ]
	is_output <<'EOF'
interface,direction,protocol,src,src_port,dst,dst_port,packets,bytes
eth0,in,6,10.0.0.2,443,10.0.0.1,40000,20,2000000
eth0,out,6,10.0.0.1,40000,10.0.0.2,443,10,1500
eth0,out,17,10.0.0.1,5353,192.0.2.9,53,1,80
EOF
}

@test "window: --since is inclusive, in every time form" {
	for since in 1704067260 @1704067260 "2024-01-01 00:01" 2024-01-01T00:01:00; do
		run "$REPORT" --db "$DB" summary --format csv --since "$since" --until 1704067320
		[ "$status" -eq 0 ]
		run csv_by_section
		[ "$status" -eq 0 ]
		is_output <<'EOF'
window: since=1704067260 until=1704067320 intervals=1
traffic: interface=eth0 direction=in protocol=6 packets=5 bytes=500000
traffic: interface=wlan0 direction=out protocol=58 packets=2 bytes=208
interfaces: interface=eth0 in_packets=5 in_bytes=500000 out_packets=0 out_bytes=0 total_packets=5 total_bytes=500000
interfaces: interface=wlan0 in_packets=0 in_bytes=0 out_packets=2 out_bytes=208 total_packets=2 total_bytes=208
collector: intervals=1 affected_intervals=1 table_full_packets=0 malformed_packets=4 non_ip_packets=0 sample_drops=0 process_table_full_calls=0 process_table_full_bytes=0
hosts: total_packets=5 total_bytes=500000 host=10.0.0.1 sent_packets=0 sent_bytes=0 received_packets=5 received_bytes=500000
hosts: total_packets=5 total_bytes=500000 host=10.0.0.2 sent_packets=5 sent_bytes=500000 received_packets=0 received_bytes=0
hosts: total_packets=2 total_bytes=208 host=2001:db8::1 sent_packets=2 sent_bytes=208 received_packets=0 received_bytes=0
hosts: total_packets=2 total_bytes=208 host=2001:db8::2 sent_packets=0 sent_bytes=0 received_packets=2 received_bytes=208
apps: in_packets=5 in_bytes=500000 out_packets=0 out_bytes=0 total_packets=5 total_bytes=500000 app=https ports=tcp/443 peers=1
ports: protocol=6 in_packets=5 in_bytes=500000 out_packets=0 out_bytes=0 total_packets=5 total_bytes=500000 app=https peers=1 port=443
protocols: protocol=6 packets=5 bytes=500000 family=4 bytes_pct=100.0
protocols: protocol=58 packets=2 bytes=208 family=6 bytes_pct=0.0
trend: in_packets=5 in_bytes=500000 out_packets=2 out_bytes=208 bucket_start=1704067200 recorded_pct=100.0
EOF
	done
}

@test "window: local time follows TZ" {
	# 2024-01-02 01:00 in UTC+1 is 00:00 UTC: the third interval only.
	TZ=CET-1 run "$REPORT" --db "$DB" top hosts --format csv --since "2024-01-02 01:00" --numeric
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 3 ]
	[ "${lines[1]}" = "10.0.0.1,0,0,3,3072,3,3072" ]
}

@test "window: --day is one calendar day in local time" {
	run "$REPORT" --db "$DB" top interfaces --format csv --day 2024-01-01
	[ "$status" -eq 0 ]
	is_output <<'EOF'
interface,in_packets,in_bytes,out_packets,out_bytes,total_packets,total_bytes
eth0,25,2500000,11,1580,36,2501580
wlan0,0,0,2,208,2,208
EOF
	# In UTC+1, 2024-01-02 starts at 2024-01-01 23:00 UTC: the third
	# interval (2024-01-02 00:00 UTC) only.
	TZ=CET-1 run "$REPORT" --db "$DB" top interfaces --format csv --day 2024-01-02
	[ "$status" -eq 0 ]
	is_output <<EOF
interface,in_packets,in_bytes,out_packets,out_bytes,total_packets,total_bytes
"ev\x1b[31m""il,<b>",4,4096,0,0,4,4096
EOF
}

@test "window: --day today and yesterday name the days around now" {
	local today tomorrow yesterday
	today=$(date +%F) tomorrow=$(date -d tomorrow +%F) yesterday=$(date -d yesterday +%F)
	run "$REPORT" --db "$DB" top ports --day today
	[ "$status" -eq 0 ]
	is_output <<<"nothing recorded between $today 00:00:00 UTC and $tomorrow 00:00:00 UTC"
	run "$REPORT" --db "$DB" summary --day yesterday
	[ "$status" -eq 0 ]
	is_output <<<"nothing recorded between $yesterday 00:00:00 UTC and $today 00:00:00 UTC"
}

@test "window: --last reaches back from now" {
	# The fixture is from 2024: 9999 days back holds all of it, an hour none.
	run "$REPORT" --db "$DB" top protocols --format csv --last 9999d
	[ "$status" -eq 0 ]
	local all=$output
	run "$REPORT" --db "$DB" top protocols --format csv
	[ "$output" = "$all" ]
	run "$REPORT" --db "$DB" top protocols --format csv --last 1h
	[ "$status" -eq 0 ]
	is_output <<<'family,protocol,packets,bytes,bytes_pct'
	run "$REPORT" --db "$DB" top ports --last 30m
	[ "$status" -eq 0 ]
	[[ $output == "nothing recorded between "*" UTC and "*" UTC" ]]
}

@test "summary: the health section appears only when packets were missed" {
	run "$REPORT" --db "$DB" summary --until 2024-01-01T00:01
	[ "$status" -eq 0 ]
	[[ $output == *"Collector health"* ]]
	local healthy=$BATS_TEST_TMPDIR/healthy.db
	cp "$DB" "$healthy"
	sqlite3 "$healthy" 'DELETE FROM traffic WHERE kind <> 0'
	run "$REPORT" --db "$healthy" summary
	[ "$status" -eq 0 ]
	[[ $output != *"Collector health"* ]]
	run "$REPORT" --db "$healthy" summary --format json
	[[ $output == *'"collector": []'* ]]
}

# collector_log.process_table_full_*: socket calls and bytes the per-process
# table had no room for. Alone they bring the health section, in every format.
@test "summary: socket bytes left out of processes are shown in every format" {
	local db=$BATS_TEST_TMPDIR/procfull.db hdr
	cp "$DB" "$db"
	sqlite3 "$db" "DELETE FROM traffic WHERE kind <> 0;
		UPDATE intervals SET process_table_full_calls = 7, process_table_full_bytes = 70000
		WHERE id = 1;
		UPDATE intervals SET process_table_full_calls = 5, process_table_full_bytes = 2500
		WHERE id = 3"
	hdr="collector: intervals=3 affected_intervals=2 table_full_packets=0 malformed_packets=0"
	hdr+=" non_ip_packets=0 sample_drops=0 process_table_full_calls=12"
	run "$REPORT" --db "$db" summary --format csv
	[ "$status" -eq 0 ]
	run csv_by_section
	[[ $output == *$'\n'"$hdr process_table_full_bytes=72500"$'\n'* ]]
	run "$REPORT" --db "$db" summary --format csv --since 2024-01-02
	run csv_by_section
	hdr=${hdr/intervals=3 affected_intervals=2/intervals=1 affected_intervals=1}
	[[ $output == *$'\n'"${hdr/calls=12/calls=5} process_table_full_bytes=2500"$'\n'* ]]
	run "$REPORT" --db "$db" summary --format json
	[ "$status" -eq 0 ]
	[[ $output == *'"collector": [
    {"intervals": 3, "affected_intervals": 2, "table_full_packets": 0, "malformed_packets": 0, "non_ip_packets": 0, "sample_drops": 0, "process_table_full_calls": 12, "process_table_full_bytes": 72500}
  ],'* ]]
	run "$REPORT" --db "$db" summary
	[ "$status" -eq 0 ]
	[[ $output == *'Collector health: packets left out of flows (table_full) or of all totals, socket bytes left out of processes
intervals  affected_intervals  table_full_packets  malformed_packets  non_ip_packets  sample_drops  process_table_full_calls  process_table_full_bytes
        3                   2                   0                  0               0             0                        12                  70.8 KiB'* ]]
	run "$REPORT" --db "$db" summary --format html
	[ "$status" -eq 0 ]
	[[ $output == *'<th>process_table_full_calls</th><th>process_table_full_bytes</th></tr></thead>
<tbody>
<tr><td class="num">3</td><td class="num">2</td><td class="num">0</td><td class="num">0</td><td class="num">0</td><td class="num">0</td><td class="num">12</td><td class="num">70.8 KiB</td></tr>'* ]]
	# None left out: no section.
	sqlite3 "$db" "UPDATE intervals SET process_table_full_calls = 0, process_table_full_bytes = 0"
	run "$REPORT" --db "$db" summary --format json
	[[ $output == *'"collector": []'* ]]
}

@test "empty window: a clear line in table, a header in csv, [] in json" {
	run --separate-stderr "$REPORT" --db "$DB" top hosts --since 2025-01-01 --until 2025-02-01
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	is_output <<<'nothing recorded between 2025-01-01 00:00:00 UTC and 2025-02-01 00:00:00 UTC'
	run "$REPORT" --db "$DB" summary --since 2025-01-01
	[ "$status" -eq 0 ]
	is_output <<<'nothing recorded between 2025-01-01 00:00:00 UTC and the end of history'
	run "$REPORT" --db "$DB" top flows --until 2000-01-01
	is_output <<<'nothing recorded between the start of history and 2000-01-01 00:00:00 UTC'
	run "$REPORT" --db "$DB" top flows --since 2025-01-01 --format csv
	[ "$status" -eq 0 ]
	is_output <<<'interface,direction,protocol,src,src_name,src_port,dst,dst_name,dst_port,packets,bytes'
	run "$REPORT" --db "$DB" top hosts --since 2025-01-01 --format json
	[ "$status" -eq 0 ]
	is_output <<<'[]'
	run "$REPORT" --db "$DB" summary --since 2025-01-01 --format json
	[ "$status" -eq 0 ]
	is_output <<'EOF'
{
  "window": {"since": 1735689600, "until": null, "intervals": 0},
  "traffic": [],
  "interfaces": [],
  "collector": [],
  "hosts": [],
  "apps": [],
  "ports": [],
  "processes": [],
  "services": [],
  "users": [],
  "protocols": [],
  "trend": [],
  "anomalies": [],
  "gaps": []
}
EOF
	is_json
}

@test "an empty database says so" {
	local empty=$BATS_TEST_TMPDIR/empty.db
	make_db "$empty"
	run "$REPORT" --db "$empty" summary
	[ "$status" -eq 0 ]
	is_output <<<'nothing recorded between the start of history and the end of history'
}

@test "intervals recorded without IP traffic are named, not called nothing" {
	local quiet=$BATS_TEST_TMPDIR/quiet.db
	make_db "$quiet"
	sqlite3 "$quiet" "INSERT INTO intervals (ts_start, ts_end, flows, snapshot_us, write_us)
		VALUES (1735689600, 1735689660, 0, 1, 1), (1735689660, 1735689720, 0, 1, 1)"
	run "$REPORT" --db "$quiet" top hosts
	[ "$status" -eq 0 ]
	is_output <<<'no IP traffic in the 2 intervals recorded from 2025-01-01 00:00:00 UTC to 2025-01-01 00:02:00 UTC'
}

@test "the report never writes the database" {
	local before
	before=$(sha256sum <"$DB")
	run "$REPORT" --db "$DB" summary
	[ "$status" -eq 0 ]
	[ "$(sha256sum <"$DB")" = "$before" ]
}

@test "the queries run by hand give the same rows (docs/queries.md)" {
	run sqlite3 -readonly -csv -header -cmd '.parameter set :limit 2' \
		-cmd '.parameter set :since 1704067200' "$DB" ".read $QUERIES/top_hosts.sql"
	[ "$status" -eq 0 ]
	local by_hand=${output//$'\r'/}
	run "$REPORT" --db "$DB" top hosts --format csv --limit 2 --since 1704067200
	[ "$output" = "$by_hand" ]
	# Unset parameters mean all of history and 10 rows. (The hostile
	# interface name of 2024-01-02 differs on purpose: netmon-report's CSV
	# escapes it, sqlite3's does not; tests/cli/hostile.bats checks that.)
	run sqlite3 -readonly -csv -header -cmd '.parameter set :until 1704153600' "$DB" \
		".read $QUERIES/top_flows.sql"
	by_hand=${output//$'\r'/}
	run "$REPORT" --db "$DB" top flows --format csv --until 2024-01-02
	[ "$output" = "$by_hand" ]
	# Reals too: the share in percent reads the same (99.8, 0.0).
	local q
	for q in ports interfaces protocols; do
		run sqlite3 -readonly -csv -header -cmd '.parameter set :limit 3' \
			-cmd '.parameter set :until 1704153600' "$DB" ".read $QUERIES/top_$q.sql"
		[ "$status" -eq 0 ]
		by_hand=${output//$'\r'/}
		run "$REPORT" --db "$DB" top "$q" --format csv --limit 3 --until 2024-01-02
		[ "$output" = "$by_hand" ]
	done
}

@test "missing database: exit 1, nothing created" {
	local missing=$BATS_TEST_TMPDIR/missing.db
	run --separate-stderr "$REPORT" --db "$missing" summary
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[[ $stderr == *"$missing: cannot open: No such file or directory"* ]]
	[ ! -e "$missing" ]
}

@test "not a database: exit 1" {
	local garbage=$BATS_TEST_TMPDIR/garbage.db
	head -c 8192 /dev/urandom >"$garbage"
	run --separate-stderr "$REPORT" --db "$garbage" summary
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[[ $stderr == *"$garbage: not a netmon database"* ]]
}

@test "another application's database: exit 1, untouched" {
	local other=$BATS_TEST_TMPDIR/other.db before
	sqlite3 "$other" 'CREATE TABLE t (x); INSERT INTO t VALUES (1);'
	before=$(sha256sum <"$other")
	run --separate-stderr "$REPORT" --db "$other" top hosts
	[ "$status" -eq 1 ]
	[[ $stderr == *"not a netmon database"* ]]
	[ "$(sha256sum <"$other")" = "$before" ]
}

@test "a query SQLite refuses: exit 1 with SQLite's own reason" {
	local broken=$BATS_TEST_TMPDIR/broken.db
	cp "$DB" "$broken"
	sqlite3 "$broken" 'DROP TABLE rollup_port_peers'
	run --separate-stderr "$REPORT" --db "$broken" top apps
	echo "$stderr"
	[ "$status" -eq 1 ]
	[[ $stderr == *"top_apps.sql: no such table: rollup_port_peers"* ]]
}

# hang_view DB VIEW: VIEW becomes a recursive CTE that never ends, with the
# view's own columns, as a crafted database could hold.
hang_view() {
	local cols
	cols=$(sqlite3 "$1" "SELECT group_concat('n AS ' || name, ', ') FROM pragma_table_info('$2')")
	sqlite3 "$1" "DROP VIEW $2; CREATE VIEW $2 AS WITH RECURSIVE r(n) AS
		(SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT $cols FROM r WHERE n < 0"
}

@test "a query that never ends is stopped at --time-limit, named, exit 1" {
	local hang=$BATS_TEST_TMPDIR/hang.db cmd jobs
	cp "$DB" "$hang"
	hang_view "$hang" flow_log
	hang_view "$hang" traffic_log
	hang_view "$hang" process_log
	hang_view "$hang" anomaly_log
	for cmd in "trend --by host" "top processes" summary "summary --format html" \
		"trend --format json" anomalies; do
		# timeout only bounds a failing test: the report stops itself.
		# shellcheck disable=SC2086 # the command is words
		run --separate-stderr timeout 60 "$REPORT" --db "$hang" $cmd --time-limit 1s
		echo "$cmd: $status: $stderr" >&2
		[ "$status" -eq 1 ]
		[ "${#stderr_lines[@]}" -eq 1 ]
		[[ $stderr == "netmon-report: error: "*": stopped: the report ran past its time limit of 1 s (--time-limit)" ]]
	done
	run --separate-stderr timeout 60 "$REPORT" --db "$hang" trend --by host --time-limit 1s
	[[ $stderr == *" trend_host.sql: stopped"* ]]
	# As one statement, and as rules run at once on their own connections.
	for jobs in 1 3; do
		run --separate-stderr timeout 60 "$REPORT" --db "$hang" anomalies --time-limit 1s \
			--jobs $jobs
		[ "$status" -eq 1 ]
		[ "${#stderr_lines[@]}" -eq 1 ]
		[[ $stderr == *" anomalies: stopped: the report ran past its time limit of 1 s"* ]]
	done
	# Bad limits are usage errors.
	for bad in 0s 10 -1s 1.5m soon; do
		usage_error top hosts --time-limit "$bad"
		[[ $stderr == *"--time-limit: '$bad'"* ]]
	done
}

@test "a newer schema (user_version 99) is refused" {
	local newer=$BATS_TEST_TMPDIR/newer.db before
	cp "$DB" "$newer"
	sqlite3 "$newer" 'PRAGMA user_version = 99;'
	before=$(sha256sum <"$newer")
	run --separate-stderr "$REPORT" --db "$newer" summary
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[[ $stderr == *"schema version 99 is newer"* ]]
	[ "$(sha256sum <"$newer")" = "$before" ]
}

@test "usage errors exit 64 with one line naming the bad value" {
	usage_error
	[[ $stderr == *"no command"* ]]
	usage_error frobnicate
	[[ $stderr == *"'frobnicate'"* ]]
	usage_error top
	usage_error top bogus
	[[ $stderr == *"'bogus'"* ]]
	usage_error top hosts extra
	[[ $stderr == *"'extra'"* ]]
	usage_error summary --bogus
	[[ $stderr == *"'--bogus'"* ]]
	usage_error summary -x
	[[ $stderr == *"'-x'"* ]]
	usage_error summary --format xml
	[[ $stderr == *"'xml'"* ]]
	usage_error top hosts --limit
	[[ $stderr == *"--limit"* ]]
}

@test "bad --limit values exit 64" {
	for bad in 0 -1 1000001 12abc " 5" "" 1e3; do
		usage_error top hosts --limit "$bad"
		[[ $stderr == *"--limit: '$bad'"* ]]
	done
	run "$REPORT" --db "$DB" top hosts --limit 1000000 --format csv
	[ "$status" -eq 0 ]
}

@test "bad times and empty windows exit 64" {
	for bad in yesterday 2024-02-30 "2024-01-01 25:00" 2024-1-1 -5 @ 99999999999999; do
		usage_error summary --since "$bad"
		[[ $stderr == *"--since: '$bad'"* ]]
	done
	usage_error summary --until 2024-13-01
	[[ $stderr == *"--until: '2024-13-01'"* ]]
	usage_error summary --since 2024-01-02 --until 2024-01-01
	[[ $stderr == *"'2024-01-02'"*"'2024-01-01'"* ]]
	usage_error summary --since now --until now
}

@test "--last, --day and --since/--until clash: exit 64 naming both" {
	usage_error summary --last 1h --day today
	[[ $stderr == *"--last and --day"* ]]
	usage_error top ports --since 2024-01-01 --last 7d
	[[ $stderr == *"--last and --since"* ]]
	usage_error top ports --day 2024-01-01 --until now
	[[ $stderr == *"--day and --until"* ]]
	usage_error top ports --day yesterday --since 2024-01-01 --until 2024-01-02
	[[ $stderr == *"--day and --since"* ]]
}

@test "bad --last and --day values exit 64" {
	for bad in 7 0h 1.5h -1h 7x 1H "1h " "" 1h30m now 9999999999999w; do
		usage_error summary --last "$bad"
		[[ $stderr == *"--last: '$bad'"* ]]
	done
	for bad in Today tomorrow 2024-02-30 2024-1-1 "2024-01-01 00:00" 1704067200 ""; do
		usage_error summary --day "$bad"
		[[ $stderr == *"--day: '$bad'"* ]]
	done
	usage_error summary --last
	[[ $stderr == *"--last"* ]]
}

@test "usage errors are found before the database is opened" {
	run --separate-stderr "$REPORT" --db "$BATS_TEST_TMPDIR/missing.db" summary --limit 0
	[ "$status" -eq 64 ]
	[ "${#stderr_lines[@]}" -eq 1 ]
}

@test "--help prints usage on stdout and exits 0" {
	run --separate-stderr "$REPORT" --help
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[[ ${lines[0]} == "Usage: netmon-report [--db PATH] [-v] COMMAND [OPTIONS]" ]]
	[[ $output == *"top hosts"* && $output == *"--since T"* ]]
	[[ $output == *"top ports"* && $output == *"top interfaces"* ]]
	[[ $output == *"top protocols"* && $output == *"--last D"* && $output == *"--day DAY"* ]]
	run "$REPORT" top -h
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == Usage:* ]]
}

@test "--version" {
	run "$REPORT" --version
	[ "$status" -eq 0 ]
	[[ $output == "netmon-report "*"(database schema "*")" ]]
}

@test "-v reports each query on stderr, not stdout" {
	run --separate-stderr "$REPORT" --db "$DB" -v top hosts --limit 1 --format csv
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[[ $stderr == *"top_hosts.sql: 1 row"* ]]
}

# Processes on a copy of the fixture: curl sends 1000 and receives 9000 bytes
# over intervals 1 and 2 (120 s), sshd moves 600 in interval 1 (60 s), and a
# name with an escape sequence stays inert.
with_processes() {
	PDB=$BATS_TEST_TMPDIR/processes.db
	cp "$DB" "$PDB"
	sqlite3 "$PDB" "
		INSERT INTO process_names (id, name) VALUES (1, 'curl'), (2, 'bash'),
			(3, 'sshd'), (4, char(27) || '[31mred');
		INSERT INTO processes (interval_id, pid, comm_id, parent_comm_id, ppid, family, protocol,
			remote_id, remote_port, local_port, bytes_sent, bytes_recv, sends, recvs) VALUES
			(1, 4242, 1, 2, 100, 4, 6, NULL, 443, 50000, 400, 4000, 2, 5),
			(2, 4242, 1, 2, 100, 4, 6, NULL, 443, 50000, 600, 5000, 3, 6),
			(1, 22, 3, NULL, NULL, 4, 6, NULL, 0, 22, 500, 100, 1, 1),
			(1, 7, 4, 2, 1, 4, 17, NULL, 0, 53, 1, 0, 1, 0);"
}

@test "top processes: sent, received, total, first and last interval seen; no rate" {
	with_processes
	run "$REPORT" --db "$PDB" top processes --format csv
	[ "$status" -eq 0 ]
	# CSV and the table show the ESC as \x1b, never the byte. No rate: the
	# recorder knows the intervals a process was seen in, not when in them.
	is_output <<'OUT'
pid,comm,sent_bytes,received_bytes,total_bytes,first_seen,last_seen
4242,curl,1000,9000,10000,1704067200,1704067320
22,sshd,500,100,600,1704067200,1704067260
7,\x1b[31mred,1,0,1,1704067200,1704067260
OUT
	run "$REPORT" --db "$PDB" top processes --limit 1
	[ "$status" -eq 0 ]
	# Times in local time, as the trend's and the window's (TZ=UTC here).
	# Process bytes are the host's, whatever -i recorded: said above them.
	is_output <<'OUT'
Top processes by bytes through their sockets, host-wide (all sockets, loopback included, whatever interfaces were recorded)
 pid  comm  sent_bytes  received_bytes  total_bytes  first_seen           last_seen
4242  curl      1000 B         8.8 KiB      9.8 KiB  2024-01-01 00:00:00  2024-01-01 00:02:00
OUT
	TZ=CET-1 run "$REPORT" --db "$PDB" top processes --limit 1
	[[ ${lines[2]} == *"  2024-01-01 01:00:00  2024-01-01 01:02:00" ]]
	run "$REPORT" --db "$PDB" top processes
	[[ $output == *'\x1b[31mred'* ]]
	# summary carries the same section
	run "$REPORT" --db "$PDB" summary
	[ "$status" -eq 0 ]
	[[ $output == *"Top processes by bytes through their sockets, host-wide"*"4242"*"curl"*"9.8 KiB"* ]]
	run "$REPORT" --db "$PDB" top processes --format html
	[[ $output == *"<h2>Top processes by bytes through their sockets, host-wide"* ]]
}

@test "top processes: --pid and --comm filter; bad values are usage errors" {
	with_processes
	run "$REPORT" --db "$PDB" top processes --pid 22 --format csv
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[[ ${lines[1]} == 22,sshd,* ]]
	run "$REPORT" --db "$PDB" top processes --comm curl --format json
	[ "$status" -eq 0 ]
	[[ $output == *'"pid": 4242'* ]]
	[[ $output != *sshd* ]]
	run "$REPORT" --db "$PDB" top processes --pid 0
	[ "$status" -eq 64 ]
	run "$REPORT" --db "$PDB" top processes --comm a-name-longer-than-15
	[ "$status" -eq 64 ]
}

@test "summary: a gap in the window is listed (gap_log), one outside it is not" {
	local gdb=$BATS_TEST_TMPDIR/gaps.db
	make_db "$gdb" "$REPO/tests/fixtures/report_basic.sql" <(echo "INSERT INTO gaps
		(ts_start, ts_end, reason, old_abi, new_abi, interfaces)
		VALUES (1704070000, 1704070120, 1, 4, 5, 'eth0');")
	run "$REPORT" --db "$gdb" summary
	[ "$status" -eq 0 ]
	[[ $output == *"Gaps: traffic the kernel counted that no recorder could read"* ]]
	[[ $output == *"2024-01-01 00:46:40"*"120"*"abi upgrade"*"eth0"* ]]
	run "$REPORT" --db "$gdb" summary --format json
	[ "$status" -eq 0 ]
	[[ $output == *'"gaps": [
    {"ts": 1704070000, "seconds": 120, "reason": "abi upgrade", "old_abi": 4, "new_abi": 5, "interfaces": "eth0"}
  ]'* ]]
	# A window that ends before it: no gap, and the table says nothing of gaps.
	run "$REPORT" --db "$gdb" summary --until 1704069000
	[ "$status" -eq 0 ]
	[[ $output != *Gaps* ]]
	run "$REPORT" --db "$gdb" summary --until 1704069000 --format json
	[[ $output == *'"gaps": []'* ]]
}

# The fixture with the flow table's overflow rows (report_overflow.sql): 26
# packets, 4724 bytes in flows whose addresses were not recorded, beside a
# DHCP client's packet from 0.0.0.0.
with_overflow() {
	ODB=$BATS_TEST_TMPDIR/overflow.db
	make_db "$ODB" "$REPO/tests/fixtures/report_basic.sql" \
		"$REPO/tests/fixtures/report_overflow.sql"
}

OVERFLOW_NOTE='Not among the hosts: 26 packets (4.6 KiB) of flows the flow table had no room for (netmon-record --max-flows, --max-flows6): their addresses were not recorded'

# What top hosts shows of report_overflow.sql: no 0.0.0.0 or :: of the
# overflow rows; the DHCP client's 0.0.0.0 and its broadcast stay.
overflow_hosts_table() {
	cat <<EOF
host             name  sent_packets  sent_bytes  received_packets  received_bytes  total_packets  total_bytes
10.0.0.1                         11     1.5 KiB                28         2.4 MiB             39      2.4 MiB
10.0.0.2                         25     2.4 MiB                10         1.5 KiB             35      2.4 MiB
192.0.2.9                         3     3.0 KiB                 1            80 B              4      3.1 KiB
0.0.0.0                           1       328 B                 0             0 B              1        328 B
255.255.255.255                   0         0 B                 1           328 B              1        328 B
2001:db8::1                       2       208 B                 0             0 B              2        208 B
2001:db8::2                       0         0 B                 2           208 B              2        208 B

$OVERFLOW_NOTE
EOF
}

@test "top hosts: the flow table's overflow rows are no host; a line under the ranking says what they held" {
	with_overflow
	run "$REPORT" --db "$ODB" top hosts
	[ "$status" -eq 0 ]
	overflow_hosts_table | is_output
	# CSV and JSON keep their shape: the rows, no line.
	run "$REPORT" --db "$ODB" top hosts --format csv
	[ "$status" -eq 0 ]
	is_output <<'OUT'
host,name,sent_packets,sent_bytes,received_packets,received_bytes,total_packets,total_bytes
10.0.0.1,,11,1580,28,2503072,39,2504652
10.0.0.2,,25,2500000,10,1500,35,2501500
192.0.2.9,,3,3072,1,80,4,3152
0.0.0.0,,1,328,0,0,1,328
255.255.255.255,,0,0,1,328,1,328
2001:db8::1,,2,208,0,0,2,208
2001:db8::2,,0,0,2,208,2,208
OUT
	run "$REPORT" --db "$ODB" top hosts --format json --numeric
	[ "$status" -eq 0 ]
	is_json
	[[ $output != *'"host": "::"'* ]]
	[[ $output == *'{"host": "0.0.0.0", "sent_packets": 1, "sent_bytes": 328, "received_packets": 0, "received_bytes": 0, "total_packets": 1, "total_bytes": 328}'* ]]
	run "$REPORT" --db "$ODB" top hosts --format html
	[ "$status" -eq 0 ]
	[[ $output == *"<p class=\"note\">$OVERFLOW_NOTE</p>"$'\n''</section>'* ]]
	# --limit cuts the hosts, not the line; a window without overflow has none.
	run "$REPORT" --db "$ODB" top hosts --limit 1
	[ "${lines[2]}" = "$OVERFLOW_NOTE" ]
	run "$REPORT" --db "$ODB" top hosts --until 2024-01-01T00:02
	[[ $output != *"Not among the hosts"* ]]
}

@test "top hosts: the hosts' sent bytes and the overflow add up to summary's traffic (queries by hand)" {
	with_overflow
	run sqlite3 -readonly "$ODB" ".read $QUERIES/top_hosts_overflow.sql"
	[ "$status" -eq 0 ]
	[ "$output" = "26|4724" ]
	local sent total
	sent=$(sqlite3 -readonly -cmd '.parameter set :limit 1000' "$ODB" \
		".read $QUERIES/top_hosts_numeric.sql" | awk -F'|' '{ s += $3 } END { print s }')
	total=$(sqlite3 -readonly "$ODB" ".read $QUERIES/summary_traffic.sql" |
		awk -F'|' '{ s += $5 } END { print s }')
	echo "sent $sent + 4724, traffic $total"
	[ "$((sent + 4724))" -eq "$total" ]
	[ "$total" -eq 2509912 ]
	# A window: the same by hand as in the report.
	run sqlite3 -readonly -cmd '.parameter set :since 1704067320' \
		-cmd '.parameter set :until 1704067380' "$ODB" ".read $QUERIES/top_hosts_overflow.sql"
	[ "$output" = "25|3700" ]
}

# As retention leaves them: the raw flows gone, the hourly and daily rollups
# (sql/maintain/rollup_from_raw.sql) hold 2024-01-01. The overflow rows'
# part of rollup_hosts is taken back out: the same hosts, the same line.
@test "top hosts: the overflow rows are left out of the hourly and daily rollups too" {
	with_overflow
	local level
	for level in 1 2; do
		sqlite3 -bail "$ODB" -cmd ".parameter set :level $level" \
			-cmd '.parameter set :since 1704067200' -cmd '.parameter set :until 1704153600' \
			-cmd '.parameter set :interval NULL' ".read $REPO/sql/maintain/rollup_from_raw.sql"
	done
	sqlite3 "$ODB" "UPDATE meta SET value = 1704153600
			WHERE key IN ('rolled_until_1', 'rolled_until_2');
		DELETE FROM flows WHERE id NOT IN (6, 7)"
	[ "$(sqlite3 "$ODB" 'SELECT count(*) FROM rollup_hosts WHERE address_id = 6 AND level = 2')" -eq 1 ]
	# the daily rollup for 2024-01-01, raw rows for 2024-01-02
	run "$REPORT" --db "$ODB" top hosts
	[ "$status" -eq 0 ]
	overflow_hosts_table | is_output
	# the hourly rollup: 00:00 to 01:00
	run "$REPORT" --db "$ODB" top hosts --until 2024-01-01T01:00 --format csv
	[ "$status" -eq 0 ]
	is_output <<'OUT'
host,name,sent_packets,sent_bytes,received_packets,received_bytes,total_packets,total_bytes
10.0.0.1,,11,1580,25,2500000,36,2501580
10.0.0.2,,25,2500000,10,1500,35,2501500
0.0.0.0,,1,328,0,0,1,328
255.255.255.255,,0,0,1,328,1,328
2001:db8::1,,2,208,0,0,2,208
2001:db8::2,,0,0,2,208,2,208
192.0.2.9,,0,0,1,80,1,80
OUT
	run "$REPORT" --db "$ODB" top hosts --until 2024-01-01T01:00 --limit 1
	[ "${lines[2]}" = "${OVERFLOW_NOTE/26 packets (4.6 KiB)/25 packets (3.6 KiB)}" ]
}

@test "summary and trend --by host: no overflow host, the same line under them" {
	with_overflow
	run "$REPORT" --db "$ODB" summary
	[ "$status" -eq 0 ]
	[[ $output == *"Top hosts by bytes sent and received"$'\n'"$(overflow_hosts_table)"$'\n\n'"Top applications"* ]]
	run "$REPORT" --db "$ODB" summary --format json
	[ "$status" -eq 0 ]
	is_json
	[[ $output != *'"host": "::"'* ]]
	[[ $output != *"Not among"* ]]
	run "$REPORT" --db "$ODB" trend --by host --format csv
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | cut -d, -f2 | sort -u | tr '\n' ' ')" = \
		"0.0.0.0 10.0.0.1 10.0.0.2 192.0.2.9 2001:db8::1 2001:db8::2 255.255.255.255 host " ]
	[[ $output == *$'\n''1704067200,0.0.0.0,0,0,1,328,5.0'$'\n'* ]]
	run "$REPORT" --db "$ODB" trend --by host
	[ "$status" -eq 0 ]
	[[ $output == *$'\n\n'"$OVERFLOW_NOTE" ]]
	[[ $output != *" :: "* ]]
	# other trends and rankings have no such line
	run "$REPORT" --db "$ODB" trend --by interface
	[[ $output != *"Not among"* ]]
	run "$REPORT" --db "$ODB" top flows
	[[ $output != *"Not among"* ]]
}

@test "top hosts: a window whose every flow overflowed says so, not that it had no traffic" {
	with_overflow
	sqlite3 "$ODB" "DELETE FROM flows WHERE id = 10"
	run "$REPORT" --db "$ODB" top hosts --since 2024-01-01T00:02 --until 2024-01-01T00:03
	[ "$status" -eq 0 ]
	is_output <<'OUT'
no flow with recorded addresses in the 1 interval recorded from 2024-01-01 00:02:00 UTC to 2024-01-01 00:03:00 UTC

Not among the hosts: 25 packets (3.6 KiB) of flows the flow table had no room for (netmon-record --max-flows, --max-flows6): their addresses were not recorded
OUT
	run "$REPORT" --db "$ODB" top hosts --since 2024-01-01T00:02 --until 2024-01-01T00:03 --format json
	is_output <<<'[]'
}

@test "top processes: a filter that matches nothing says so, naming it, in every format" {
	with_processes
	local when='in the 3 intervals recorded from 2024-01-01 00:00:00 UTC to 2024-01-02 00:01:00 UTC'
	run --separate-stderr "$REPORT" --db "$PDB" top processes --comm nosuch
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	is_output <<<"no process matched --comm nosuch $when"
	run "$REPORT" --db "$PDB" top processes --user nosuch
	[ "$status" -eq 0 ]
	is_output <<<"no process matched --user nosuch $when"
	run "$REPORT" --db "$PDB" top processes --service 'no such.service'
	[ "$status" -eq 0 ]
	is_output <<<"no process matched --service 'no such.service' $when"
	run "$REPORT" --db "$PDB" top processes --pid 99999 --comm curl
	[ "$status" -eq 0 ]
	is_output <<<"no process matched --pid 99999 --comm curl $when"
	# A name with an escape sequence is shown inert, as stored names are.
	run "$REPORT" --db "$PDB" top processes --comm $'\e[31mx'
	[ "$status" -eq 0 ]
	is_output <<<"no process matched --comm '\\x1b[31mx' $when"
	run "$REPORT" --db "$PDB" top processes --comm "it's"
	is_output <<<"no process matched --comm 'it'\\''s' $when"
	# Machine formats: a header, [], as any empty section; HTML says it.
	run "$REPORT" --db "$PDB" top processes --comm nosuch --format csv
	[ "$status" -eq 0 ]
	is_output <<<'pid,comm,sent_bytes,received_bytes,total_bytes,first_seen,last_seen'
	run "$REPORT" --db "$PDB" top processes --comm nosuch --format json
	[ "$status" -eq 0 ]
	is_output <<<'[]'
	run "$REPORT" --db "$PDB" top processes --comm nosuch --format html
	[ "$status" -eq 0 ]
	[[ $output == *"<section id=\"section-processes\">"*"<p class=\"empty\">no process matched --comm nosuch $when</p>"$'\n''</section>'$'\n''</body>'* ]]
	# No filter and no process rows: no process traffic, not no IP traffic.
	run "$REPORT" --db "$DB" top processes
	[ "$status" -eq 0 ]
	is_output <<<"no process traffic $when"
	run "$REPORT" --db "$DB" top users
	is_output <<<"no process traffic $when"
}
