#!/usr/bin/env bats
# ipfix.bats - netmon-record --ipfix against a real collector, Debian's
# nfdump: nfcapd receives on 127.0.0.1 and ::1 (the recorder watches only
# the test's veth, so the export itself is never counted), and what
# `nfdump -R DIR -o csv` prints must be the database's flow_log row for
# row: times to the millisecond, addresses, ports (ICMP type and code),
# protocol, TCP flags, packets, bytes, direction and interface index.
#
#   O=build bats tests/e2e/ipfix.bats     (root; binaries from $O)

# shellcheck disable=SC2154 # set where shellcheck cannot see: $stderr and $stderr_lines by bats' run
bats_require_minimum_version 1.5.0

load lib
load cgroup

setup() {
	nmt_require "$NMT_RECORD"
	command -v nfcapd >/dev/null || nmt_fail "nfcapd is missing: scripts/install-deps.sh installs nfdump"
	nmt_setup
	DB=$NMT_TMP/netmon.db
	IFINDEX=$(cat "/sys/class/net/$NMT_HOST/ifindex")
	export TZ=UTC # nfdump prints local time
}

teardown() {
	local i
	nmt_teardown
	cgroup_teardown # what a process-record test made (cgroup.bash)
	# The fleet's other hosts (fleet_host), after the processes are stopped.
	for i in "${!FLEET_NS[@]}"; do
		NMT_NS=${FLEET_NS[$i]} NMT_HOST=${FLEET_HOST[$i]} nmt_teardown || true
	done
}

# free_port: a UDP port nobody listens on, on 127.0.0.1 and ::1 alike; from
# 23000-31999, above the tests' own source ports (20001-22999) and below the
# ephemeral range (lib.bash, nmt_root_port), where a connection could hold it.
free_port() {
	local p i
	for i in $(seq 200); do
		p=$((23000 + ($$ * 7 + BATS_TEST_NUMBER * 101 + i * 13) % 9000))
		ss -Hlun "sport = :$p" | grep -q . || { echo "$p"; return 0; }
	done
	nmt_fail "no free UDP port"
}

# collector NAME ADDR PORT: nfcapd on ADDR:PORT writing into $NMT_TMP/NAME/,
# a new file every 2 s (each rotation logs the flows it got). At nice -20:
# it stands for a collector on a machine of its own, which a loaded test
# machine's other jobs must not starve. At load 15 on two cores they kept
# an ordinary nfcapd off the CPU for longer than its default receive buffer
# lasts (about 90 messages, 30 ms at the default rate), and a paced export
# lost messages. Not a real-time task (chrt -f), as it was: nfcapd 1.7.1
# waits for its file writer thread in a loop of 1 us pselect() calls, and
# as SCHED_FIFO that loop kept the writer (the same priority, queued on the
# same CPU) from running, so the first rotation never ended: no flows, and
# SIGTERM unanswered (strace showed the loop; the writer ran as soon as
# strace stopped the loop's thread). Where raising the priority is refused
# (a container), an ordinary task.
collector() {
	local hi=()
	[ "$(nice -n -20 nice 2>/dev/null)" = -20 ] && hi=(nice -n -20)
	mkdir -p "$NMT_TMP/$1"
	nmt_spawn "$1" "${hi[@]}" nfcapd -w "$NMT_TMP/$1" -b "$2" -p "$3" -t 2
	nmt_wait_line "$NMT_TMP/$1.err" 'Startup nfcapd' "$(nmt_pid "$1")" ||
		{ nmt_dump "$1" >&2; return 1; }
}

# collected NAME: the flows nfcapd NAME logged so far (at each rotation).
collected() {
	sed -n "s/.*Flows: \([0-9]*\),.*/\1/p" "$NMT_TMP/$1.err" | awk '{ n += $1 } END { print n + 0 }'
}

# collector_stop NAME WANT: wait (bounded) until nfcapd NAME has logged WANT
# flows, then stop it; it must have seen no sequence error.
collector_stop() {
	local n=$((NMT_READY_TIMEOUT * 10))
	while [ "$(collected "$1")" -lt "$2" ] && ((n-- > 0)); do
		sleep 0.1
	done
	nmt_stop_pid "$(nmt_pid "$1")" || { nmt_dump "$1" >&2; return 1; }
	echo "$1: $(collected "$1") flows collected, $2 committed"
	if grep -E 'Sequence Errors: [1-9]' "$NMT_TMP/$1.err"; then
		nmt_fail "$1 saw sequence errors"
		return 1
	fi
}

# db_rows DB: every flow_log row in nfdump's csv columns ts, te, td, sa, da,
# sp, dp, pr, flg, ipkt, ibyt, in, out, dir (ICMP: sp 0, dp type * 256 + code).
db_rows() {
	nmt_sql "$1" "WITH r AS (
		SELECT CAST(round(first_seen * 1000) AS INTEGER) AS f,
		       CAST(round(last_seen * 1000) AS INTEGER) AS l, * FROM flow_log)
		SELECT datetime(f / 1000, 'unixepoch'), datetime(l / 1000, 'unixepoch'),
		       printf('%d.%03d', (l - f) / 1000, (l - f) % 1000), src, dst,
		       CASE WHEN protocol IN (1, 58) THEN 0 ELSE src_port END,
		       CASE WHEN protocol IN (1, 58) THEN src_port * 256 + dst_port ELSE dst_port END,
		       CASE protocol WHEN 1 THEN 'ICMP' WHEN 6 THEN 'TCP' WHEN 17 THEN 'UDP'
		            WHEN 58 THEN 'ICMP6' ELSE protocol END,
		       iif(tcp_flags & 128, 'C', '.') || iif(tcp_flags & 64, 'E', '.') ||
		       iif(tcp_flags & 32, 'U', '.') || iif(tcp_flags & 16, 'A', '.') ||
		       iif(tcp_flags & 8, 'P', '.') || iif(tcp_flags & 4, 'R', '.') ||
		       iif(tcp_flags & 2, 'S', '.') || iif(tcp_flags & 1, 'F', '.'),
		       packets, bytes,
		       iif(direction = 'in', $IFINDEX, 0), iif(direction = 'out', $IFINDEX, 0),
		       iif(direction = 'in', 0, 1)
		FROM r" | tr '|' ',' | LC_ALL=C sort
}

# nfdump_rows DIR: the same columns from what the collector stored.
nfdump_rows() {
	nfdump -R "$1" -o csv -q | awk -F, -v OFS=, '
		{ print $1, $2, $3, $4, $5, $6, $7, $8, $9, $12, $13, $16, $17, $23 }' | LC_ALL=C sort
}

# check_collector NAME: its rows are the database's, none missing, none more.
check_collector() {
	nfdump_rows "$NMT_TMP/$1" >"$NMT_TMP/$1.rows"
	nmt_same flow_log "$NMT_TMP/db.rows" "$1" "$NMT_TMP/$1.rows"
}

@test "UDP, TCP and ICMP over IPv4 and IPv6 to two collectors: nfdump shows flow_log, row for row" {
	local port rows
	port=$(free_port)
	collector nf4 127.0.0.1 "$port"
	collector nf6 ::1 "$port"
	# The smallest messages allowed: records of an interval span several.
	nmt_rec_start "$DB" --ipfix "127.0.0.1:$port" --ipfix "[::1]:$port" --ipfix-mtu 512
	nmt_udp out 4 20001 5001 20 100
	nmt_udp in 6 20002 5002 13 1000
	nmt_tcp out 4 21001 6001 70001
	nmt_tcp in 6 21002 6002 30000
	ping -q -c 3 -i 0.2 -W 5 "$NMT_P4" >/dev/null
	ping -6 -q -c 2 -i 0.2 -W 5 "$NMT_P6" >/dev/null
	nmt_rec_stop
	db_rows "$DB" >"$NMT_TMP/db.rows"
	rows=$(wc -l <"$NMT_TMP/db.rows")
	echo "flow_log: $rows rows"
	# Every kind of record is there: the test proves nothing otherwise.
	grep -q ',UDP,' "$NMT_TMP/db.rows" && grep -q ',TCP,' "$NMT_TMP/db.rows"
	grep -q ',ICMP,' "$NMT_TMP/db.rows" && grep -q ',ICMP6,' "$NMT_TMP/db.rows"
	grep -q ",$NMT_P6,.*,TCP,.*AP.SF" "$NMT_TMP/db.rows"
	collector_stop nf4 "$rows"
	collector_stop nf6 "$rows"
	check_collector nf4
	check_collector nf6
	# collector_log: every flow and process row sent once, in its own
	# interval; nothing refused.
	[ "$(nmt_sql "$DB" 'SELECT count(*) FROM collector_log c
		WHERE ipfix_records <> (SELECT count(*) FROM flow_log f
			WHERE f.ts_start = c.ts_start AND f.ts_end = c.ts_end) +
			(SELECT count(*) FROM process_log p
			WHERE p.ts_start = c.ts_start AND p.ts_end = c.ts_end)
		OR ipfix_send_errors <> 0')" -eq 0 ]
	# The totals the issue promises, from the collector's own summing.
	[ "$(nfdump -R "$NMT_TMP/nf4" -q -o "fmt:%ibyt" -N | awk '{ n += $1 } END { print n }')" -eq \
		"$(nmt_sql "$DB" 'SELECT sum(bytes) FROM flow_log')" ]
}

# capture NAME PORT: every datagram to 127.0.0.1:PORT appended to
# $NMT_TMP/NAME.ipfix, a file of IPFIX messages as libfixbuf's ipfixDump reads.
capture() {
	nmt_spawn "$1" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
out = open(sys.argv[2], "ab", buffering=0)
print("listening", flush=True)
while True:
    out.write(s.recv(65535))
' "$2" "$NMT_TMP/$1.ipfix"
	nmt_wait_line "$NMT_TMP/$1.out" '^listening' "$(nmt_pid "$1")" || { nmt_dump "$1" >&2; return 1; }
}

# dumped FILE: the data records ipfixDump finds in FILE.
dumped() {
	ipfixDump --in "$1" --rfc5610 -d 2>/dev/null | grep -c '^--- data record' || true
}

# dump_procs FILE: the process records in FILE as ipfixDump decodes them
# (element names from the RFC 5610 records), one line each: ts_start,
# ts_end, pid, comm, protocol, remote, local_port, remote_port, sent,
# received, parent comm, ppid, uid, user, service.
dump_procs() {
	ipfixDump --in "$1" --rfc5610 -d | awk -F' : ' -v OFS='|' '
		function out() {
			if (inrec) print v["flowStartMilliseconds"], v["flowEndMilliseconds"],
				v["SRC_PROC_PID"], v["SRC_PROC_NAME"], v["protocolIdentifier"],
				v["destinationIPv4Address"] v6(v["destinationIPv6Address"]),
				v["sourceTransportPort"], v["destinationTransportPort"],
				v["octetDeltaCount"], v["reverseOctetDeltaCount"],
				v["SRC_FATHER_PROC_NAME"], v["SRC_FATHER_PROC_PID"],
				v["SRC_PROC_UID"], v["SRC_PROC_USER_NAME"], v["processServiceName"]
			inrec = 0; delete v
		}
		# IPv6 as inet_ntop writes it: ipfixDump keeps leading zeros.
		function v6(a,   n, g, i, r) {
			n = split(a, g, ":")
			for (i = 1; i <= n; i++) {
				while (length(g[i]) > 1 && substr(g[i], 1, 1) == "0")
					g[i] = substr(g[i], 2)
				r = r (i > 1 ? ":" : "") g[i]
			}
			return r
		}
		/^--- data record/ || /^\*\*\*/ { out() }
		/tid: +26[01] / { inrec = 1 }
		/ : / { k = $1; sub(/.* /, "", k); val = $2; sub(/^\(len: [0-9]+\) ?/, "", val); v[k] = val }
		END { out() }' | LC_ALL=C sort
}

# proc_bytes FILE FIELD KEY: in a file of '|'-separated process lines whose
# five fields from FIELD on are comm|protocol|... as KEY gives them, the two
# fields after those (sent, received) summed over the lines KEY matches: at
# one-second intervals a loaded machine can split one process's bytes.
proc_bytes() {
	awk -F'|' -v f="$2" -v key="$3" '
		$f "|" $(f + 1) "|" $(f + 2) "|" $(f + 3) "|" $(f + 4) == key { s += $(f + 5); r += $(f + 6) }
		END { print s + 0 "|" r + 0 }' "$1"
}

# PROC_NAMES: process_log's uid (as the record sends it: that user's in
# user_names; 4294967295 when the row has no names), user and service.
PROC_NAMES="coalesce((SELECT min(uid) FROM user_names WHERE name = user), 4294967295),
	coalesce(user, ''), coalesce(service, '')"

# service_sender PORT: a UDP sender of 5 x 300 bytes inside a systemd
# service's cgroup ($S.service) as the test's own user (cgroup.bash);
# NMT_PID_svc its pid. Its uid, user and service: "$TUID|$TUSER|$S.service".
service_sender() {
	S=netmon-test-$$-${BATS_TEST_NUMBER}
	cgroup_setup
	nmt_mkcg "/$S.slice/$S.service"
	udp_from svc "/$S.slice/$S.service" "$TUID" "$1" 5 300
}

@test "process records: libfixbuf's ipfixDump names the enterprise fields and shows process_log" {
	local port rows n=$((NMT_READY_TIMEOUT * 10))
	port=$(free_port)
	capture cap "$port"
	nmt_rec_start "$DB" --ipfix "127.0.0.1:$port"
	nmt_udp out 4 20050 5050 6 100
	nmt_tcp in 6 21051 6051 20000
	service_sender 5052
	nmt_rec_stop
	# Every record the database says was sent, and RFC 5610's seven.
	rows=$(nmt_sql "$DB" 'SELECT sum(ipfix_records) + 7 FROM collector_log')
	while [ "$(dumped "$NMT_TMP/cap.ipfix")" -lt "$rows" ] && ((n-- > 0)); do
		sleep 0.1
	done
	nmt_stop_pid "$(nmt_pid cap)" || true
	[ "$(dumped "$NMT_TMP/cap.ipfix")" -eq "$rows" ]
	nmt_sql "$DB" "SELECT datetime(ts_start, 'unixepoch') || '.000',
		datetime(ts_end, 'unixepoch') || '.000', pid, coalesce(comm, ''), protocol,
		coalesce(remote, iif(family = 4, '0.0.0.0', '::')), local_port, remote_port,
		bytes_sent, bytes_recv, coalesce(parent_comm, ''), coalesce(ppid, 0), $PROC_NAMES
		FROM process_log" | LC_ALL=C sort >"$NMT_TMP/db.procs"
	dump_procs "$NMT_TMP/cap.ipfix" >"$NMT_TMP/cap.procs"
	# The sender in a service, as the test's user: who and which service.
	[ "$(awk -F'|' -v pid="$NMT_PID_svc" '$3 == pid { print $13 "|" $14 "|" $15 "|" $4 }' \
		"$NMT_TMP/cap.procs" | sort -u)" = "$TUID|$TUSER|$S.service|nm-traffic" ] ||
		{ grep "|$NMT_PID_svc|" "$NMT_TMP/cap.procs" >&2; false; }
	# The test's own processes are there, by name, with their bytes.
	[ "$(proc_bytes "$NMT_TMP/cap.procs" 4 "nm-traffic|17|$NMT_P4|20050|5050")" = "$((6 * 100))|0" ] ||
		{ cat "$NMT_TMP/cap.procs" >&2; false; }
	[ "$(proc_bytes "$NMT_TMP/cap.procs" 4 "nm-traffic|6|$NMT_P6|6051|21051")" = "0|20000" ] ||
		{ cat "$NMT_TMP/cap.procs" >&2; false; }
	nmt_same process_log "$NMT_TMP/db.procs" ipfixDump "$NMT_TMP/cap.procs"
}

@test "the overflow row (table full) is exported as stored: unspecified addresses, ports 0" {
	local port rows
	port=$(free_port)
	collector nf4 127.0.0.1 "$port"
	nmt_rec_start "$DB" --max-flows 1 --ipfix "127.0.0.1:$port"
	nmt_udp out 4 20010 5010 30 200 3 # three flows, one place in the table
	nmt_rec_stop
	db_rows "$DB" >"$NMT_TMP/db.rows"
	rows=$(wc -l <"$NMT_TMP/db.rows")
	grep ',0\.0\.0\.0,0\.0\.0\.0,0,0,UDP,' "$NMT_TMP/db.rows"
	collector_stop nf4 "$rows"
	check_collector nf4
}

@test "SIGHUP with another ipfix key: the intervals after it go to the new collector, none lost" {
	local p1 p2 rows conf=$NMT_TMP/netmon.conf
	p1=$(free_port)
	collector nfa 127.0.0.1 "$p1"
	p2=$(free_port)
	[ "$p2" != "$p1" ] || p2=$((p1 + 1))
	collector nfb 127.0.0.1 "$p2"
	printf 'ipfix = 127.0.0.1:%s\n' "$p1" >"$conf"
	nmt_rec_start "$DB" --config "$conf"
	nmt_udp out 4 20030 5030 7 100
	# Committed (so exported to the first collector) before the reload.
	local n=$((NMT_READY_TIMEOUT * 10))
	while [ "$(nmt_sql "$DB" 'SELECT count(*) FROM flow_log WHERE src_port = 20030')" = 0 ] &&
		((n-- > 0)); do
		sleep 0.1
	done
	printf 'ipfix = 127.0.0.1:%s\n' "$p2" >"$conf"
	kill -HUP "$NMT_PID_rec"
	nmt_wait_line "$NMT_TMP/rec.err" "reload: ipfix 127.0.0.1:$p1 -> 127.0.0.1:$p2\$" "$NMT_PID_rec"
	nmt_udp in 6 20031 5031 9 200
	nmt_rec_stop
	db_rows "$DB" >"$NMT_TMP/db.rows"
	rows=$(wc -l <"$NMT_TMP/db.rows")
	# Each row went to one of the two, so together they have them all.
	n=$((NMT_READY_TIMEOUT * 10))
	while [ $(($(collected nfa) + $(collected nfb))) -lt "$rows" ] && ((n-- > 0)); do
		sleep 0.1
	done
	collector_stop nfa 0
	collector_stop nfb 0
	nfdump_rows "$NMT_TMP/nfa" >"$NMT_TMP/a.rows"
	nfdump_rows "$NMT_TMP/nfb" >"$NMT_TMP/b.rows"
	grep -q ",20030,5030,UDP," "$NMT_TMP/a.rows"
	grep -q ",20031,5031,UDP," "$NMT_TMP/b.rows"
	LC_ALL=C sort "$NMT_TMP/a.rows" "$NMT_TMP/b.rows" >"$NMT_TMP/ab.rows"
	nmt_same flow_log "$NMT_TMP/db.rows" "both collectors" "$NMT_TMP/ab.rows"
}

@test "a crash between a commit and its export, then clean restarts: every row exported once" {
	local port rows st=0
	port=$(free_port)
	collector nf4 127.0.0.1 "$port"
	NETMON_TEST_CRASH_BEFORE_EXPORT=20040 nmt_rec_start "$DB" --ipfix "127.0.0.1:$port"
	nmt_udp out 4 20040 5040 11 100
	nmt_wait_exit "$NMT_PID_rec" 10 || st=$?
	[ "$st" -eq $((128 + 9)) ] # killed once the interval was committed
	[ "$(nmt_sql "$DB" 'SELECT count(*) FROM flow_log WHERE src_port = 20040')" -eq 1 ]
	nmt_udp in 6 20041 5041 12 100 # nobody recording: the pinned maps count it
	nmt_rec_start "$DB" --ipfix "127.0.0.1:$port"
	grep -q "ipfix: 1 intervals committed by an earlier run but not exported: exported now" \
		"$NMT_TMP/rec.err"
	nmt_udp out 4 20042 5042 13 100
	nmt_rec_stop
	nmt_rec_start "$DB" --ipfix "127.0.0.1:$port" # a clean restart sends nothing again
	nmt_udp out 4 20043 5043 14 100
	nmt_rec_stop
	db_rows "$DB" >"$NMT_TMP/db.rows"
	rows=$(wc -l <"$NMT_TMP/db.rows")
	grep -q ',20040,5040,UDP,' "$NMT_TMP/db.rows" && grep -q ',20041,5041,UDP,' "$NMT_TMP/db.rows"
	# Not collector_stop: each run starts its sequence numbers at 0 again,
	# which nfcapd may count as an error of the one exporter it sees.
	local n=$((NMT_READY_TIMEOUT * 10))
	while [ "$(collected nf4)" -lt "$rows" ] && ((n-- > 0)); do
		sleep 0.1
	done
	nmt_stop_pid "$(nmt_pid nf4)"
	check_collector nf4
	[ "$(nmt_sql "$DB" 'SELECT sum(ipfix_records) FROM collector_log')" -eq \
		"$(nmt_sql "$DB" "SELECT $rows + (SELECT count(*) FROM process_log)")" ]
}

# shellcheck disable=SC2030 # $status is bats' run's, set anew in each test
@test "a collector that is not there never holds up recording: errors said once, intervals written" {
	local port
	port=$(free_port) # nobody listens: every send is refused (ICMP port unreachable)
	nmt_rec_start "$DB" --ipfix "127.0.0.1:$port"
	nmt_udp out 4 20020 5020 5 100
	# Bounded: three more intervals committed while every message is refused.
	local before
	before=$(nmt_sql "$DB" 'SELECT count(*) FROM intervals')
	nmt_wait_intervals "$DB" 1 $((before + 3))
	nmt_rec_stop
	nmt_dump rec
	[ "$(nmt_sql "$DB" 'SELECT count(*) FROM intervals')" -ge $((before + 3)) ]
	[ "$(grep -c "ipfix 127.0.0.1:$port: Connection refused" "$NMT_TMP/rec.err")" -eq 1 ]
	# Counted per interval: the refused messages of the intervals after the first.
	[ "$(nmt_sql "$DB" 'SELECT sum(ipfix_send_errors) > 0 FROM collector_log')" -eq 1 ]
	[ "$(nmt_sql "$DB" 'SELECT sum(ipfix_records) FROM collector_log')" -eq \
		"$(nmt_sql "$DB" 'SELECT (SELECT count(*) FROM flow_log) + (SELECT count(*) FROM process_log)')" ]
	nmt_check_flows "$DB" <(nmt_flow out 4 17 "$NMT_H4" 20020 "$NMT_P4" 5020 5 $((5 * 128)))
}

# refused NEEDLE ARGS...: exit 64, one stderr line containing NEEDLE.
# shellcheck disable=SC2031 # $status is set by the run here, not a test's
refused() {
	local needle=$1
	shift
	run --separate-stderr timeout 30 "$NMT_RECORD" -i "$NMT_HOST" --db "$DB" "$@"
	echo "status $status; stderr: $stderr"
	[ "$status" -eq 64 ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ $stderr == *"$needle"* ]]
}

@test "bad --ipfix values: one line, exit 64, nothing attached, no database" {
	refused "invalid --ipfix '127.0.0.1': expected HOST:PORT" --ipfix 127.0.0.1
	refused "invalid --ipfix '::1:4739': expected HOST:PORT or [IPV6ADDRESS]:PORT" --ipfix ::1:4739
	refused "invalid --ipfix '127.0.0.1:65536': the port must be" --ipfix 127.0.0.1:65536
	refused "invalid --ipfix '[::1]:0': the port must be" --ipfix '[::1]:0'
	refused "cannot resolve 'no-such-collector.invalid'" --ipfix no-such-collector.invalid:4739
	refused "invalid --ipfix-mtu '100'" --ipfix 127.0.0.1:4739 --ipfix-mtu 100
	printf 'ipfix = 127.0.0.1:99999\n' >"$NMT_TMP/c.conf"
	refused "invalid --ipfix '127.0.0.1:99999'" --config "$NMT_TMP/c.conf"
	[ -z "$(nmt_filters)" ]
	[ ! -e "$DB" ]
}

REPORT_BIN=$NMT_BUILD/netmon-report

# drained PORT: nothing waits in the receive queue of the UDP socket on PORT
# (bounded: the collector read everything sent to it, or it is gone).
drained() {
	local n=$((NMT_READY_TIMEOUT * 10)) q
	while ((n-- > 0)); do
		q=$(ss -Hlun "sport = :$1" | awk '{ n += $2 } END { print n + 0 }')
		[ "$q" -eq 0 ] && return 0
		sleep 0.1
	done
	nmt_fail "UDP port $1 still has $q bytes queued"
}

# totals DIR: "records packets bytes" of what nfcapd stored in DIR.
totals() {
	nfdump -R "$1" -q -o "fmt:%ipkt %ibyt" -N | awk '{ n++; p += $1; b += $2 } END { print n + 0, p + 0, b + 0 }'
}

# db_totals DB: the same of flow_log.
db_totals() {
	nmt_sql "$1" 'SELECT count(*), coalesce(sum(packets), 0), coalesce(sum(bytes), 0) FROM flow_log' |
		tr '|' ' '
}

@test "netmon-report export: 120,000 flows of one interval to nfcapd with its default buffer, paced: every one arrives" {
	local port sum
	python3 "$BATS_TEST_DIRNAME/make-flows.py" "$NMT_TMP/f.pcap" 100000 20000
	"$NMT_RECORD" --read "$NMT_TMP/f.pcap" --db "$DB" -i nmtgen --interval 60 --max-flows 200000
	[ "$(nmt_sql "$DB" 'SELECT count(*) FROM intervals')" -eq 1 ]
	[ "$(db_totals "$DB")" = "120000 120000 6099995" ]
	port=$(free_port)
	collector nf4 127.0.0.1 "$port"
	# The export only reads: the file (its watermark too) stays as it is.
	sum=$(sha256sum <"$DB")
	run --separate-stderr "$REPORT_BIN" --db "$DB" export --ipfix "127.0.0.1:$port"
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	[[ $output == "1 intervals, 120000 records in "*" messages to 1 collector; 0 not taken" ]]
	[ "$(sha256sum <"$DB")" = "$sum" ]
	drained "$port"
	collector_stop nf4 120000
	[ "$(totals "$NMT_TMP/nf4")" = "$(db_totals "$DB")" ]
	IFINDEX=0 db_rows "$DB" >"$NMT_TMP/db.rows" # nmtgen: no such interface now
	check_collector nf4
}

# stop_clean NAME: SIGSTOP recorder NAME between two exports (its watermark
# is the last interval committed: nothing half sent); echoes the watermark.
stop_clean() {
	local pid db=$2 n=$((NMT_READY_TIMEOUT * 10)) row
	pid=$(nmt_pid "$1")
	while ((n-- > 0)); do
		kill -STOP "$pid"
		row=$(nmt_sql "$db" "SELECT (SELECT value FROM meta WHERE key = 'ipfix_exported'),
			(SELECT max(id) FROM intervals)")
		if [ "${row%|*}" = "${row#*|}" ]; then
			echo "${row%|*}"
			return 0
		fi
		kill -CONT "$pid"
		sleep 0.05
	done
	nmt_fail "$1 never stopped between two exports"
}

# wait_intervals DB N: until N more intervals than now are committed and exported.
wait_intervals() {
	local want n=$((NMT_READY_TIMEOUT * 10))
	want=$(($(nmt_sql "$1" 'SELECT max(id) FROM intervals') + $2))
	while [ "$(nmt_sql "$1" "SELECT coalesce((SELECT value FROM meta WHERE key = 'ipfix_exported'), 0)")" -lt "$want" ] &&
		((n-- > 0)); do
		sleep 0.1
	done
	[ "$(nmt_sql "$1" "SELECT value FROM meta WHERE key = 'ipfix_exported'")" -ge "$want" ]
}

@test "a collector down for intervals: recording goes on, netmon-report export re-sends exactly what it missed" {
	local port m1 m2 since until mark
	port=$(free_port)
	collector nfa 127.0.0.1 "$port"
	nmt_spawn rec "$NMT_RECORD" -i "$NMT_HOST" --db "$DB" --interval 1 --duration "$NMT_MAX_RUN" \
		--ipfix "127.0.0.1:$port"
	nmt_wait_line "$NMT_TMP/rec.err" 'recording on' "$NMT_PID_rec"
	nmt_udp out 4 20060 5060 10 100
	wait_intervals "$DB" 2
	# Down: between two exports, so that each interval went wholly to it or not at all.
	m1=$(stop_clean rec "$DB")
	drained "$port"
	nmt_stop_pid "$(nmt_pid nfa)"
	kill -CONT "$NMT_PID_rec"
	nmt_udp in 6 20061 5061 10 200
	nmt_tcp out 4 21062 6062 30000
	wait_intervals "$DB" 3
	m2=$(stop_clean rec "$DB")
	collector nfb 127.0.0.1 "$port"
	kill -CONT "$NMT_PID_rec"
	nmt_udp out 6 20063 5063 5 100
	wait_intervals "$DB" 2
	nmt_rec_stop
	# Recording went on while the collector was down: one interval after
	# another, none missing, the down intervals' rows all in flow_log.
	[ "$(nmt_sql "$DB" "SELECT count(*) FROM intervals a JOIN intervals b ON b.id = a.id + 1
		WHERE b.ts_start <> a.ts_end")" -eq 0 ]
	[ "$((m2 - m1))" -ge 3 ]
	[ "$(nmt_sql "$DB" "SELECT count(*) FROM flow_log f JOIN intervals i ON i.ts_start = f.ts_start
		WHERE i.id BETWEEN $((m1 + 1)) AND $m2 AND src_port IN (20061, 21062)")" -ge 2 ]
	db_rows "$DB" >"$NMT_TMP/db.rows"
	since=$(nmt_sql "$DB" "SELECT ts_start FROM intervals WHERE id = $((m1 + 1))")
	until=$(nmt_sql "$DB" "SELECT ts_end FROM intervals WHERE id = $m2")
	# Before the re-send, the collectors lack the down intervals' rows.
	drained "$port"
	nfdump_rows "$NMT_TMP/nfa" >"$NMT_TMP/a.rows"
	[ "$(grep -c ',20061,5061,UDP,\|,21062,6062,TCP,' "$NMT_TMP/a.rows")" -eq 0 ]
	mark=$(nmt_sql "$DB" "SELECT value FROM meta WHERE key = 'ipfix_exported'")
	run --separate-stderr "$REPORT_BIN" --db "$DB" export --since "@$since" --until "@$until" \
		--ipfix "127.0.0.1:$port"
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	[[ $output == "$((m2 - m1)) intervals, "* ]]
	# The recorder's watermark is its own: the export leaves it.
	[ "$(nmt_sql "$DB" "SELECT value FROM meta WHERE key = 'ipfix_exported'")" = "$mark" ]
	drained "$port"
	nmt_stop_pid "$(nmt_pid nfb)"
	nfdump_rows "$NMT_TMP/nfb" >"$NMT_TMP/b.rows"
	grep -q ',20061,5061,UDP,' "$NMT_TMP/b.rows" && grep -q ',21062,6062,TCP,' "$NMT_TMP/b.rows"
	LC_ALL=C sort "$NMT_TMP/a.rows" "$NMT_TMP/b.rows" >"$NMT_TMP/ab.rows"
	nmt_same flow_log "$NMT_TMP/db.rows" "both collectors" "$NMT_TMP/ab.rows"
}

declare -ga FLEET_NS=() FLEET_HOST=()

# fleet_host K: host K of a fleet: a namespace of its own with its link to
# the root namespace (nmt_setup: K > 1 makes a new one), plus a second link
# for the export only (198.19.X.2 -> 198.19.X.1), so that the recorder
# in the namespace, watching its test link, never counts its own export.
# Saves host K's NMT_* values (fleet_use K brings them back).
fleet_host() {
	local k=$1 mg
	if [ "$k" -gt 1 ]; then
		FLEET_NS+=("$NMT_NS")
		FLEET_HOST+=("$NMT_HOST")
		nmt_setup
	fi
	mg=nmt${$}m$NMT_X
	ip link add "$mg" type veth peer name nmtmgmt netns "$NMT_NS"
	ip link set dev "$mg" addrgenmode none
	ip -n "$NMT_NS" link set dev nmtmgmt addrgenmode none
	ip addr add "198.19.$NMT_X.1/24" dev "$mg"
	ip -n "$NMT_NS" addr add "198.19.$NMT_X.2/24" dev nmtmgmt
	ip link set dev "$mg" up
	ip -n "$NMT_NS" link set dev nmtmgmt up
	local v
	for v in NS HOST X H4 P4 H6 P6; do
		printf -v "FLEET_${k}_$v" '%s' "$(eval echo "\$NMT_$v")"
	done
}

# fleet_use K: host K's NMT_* values, for nmt_udp and nmt_tcp.
fleet_use() {
	local v n
	for v in NS HOST X H4 P4 H6 P6; do
		n=FLEET_${1}_$v
		printf -v "NMT_$v" '%s' "${!n}"
	done
}

# nfdump_from DIR EXPORTER: nfdump_rows of the records EXPORTER sent (ra).
nfdump_from() {
	nfdump -R "$1" -o csv -q | awk -F, -v OFS=, -v ra="$2" '
		$45 == ra { print $1, $2, $3, $4, $5, $6, $7, $8, $9, $12, $13, $16, $17, $23 }' |
		LC_ALL=C sort
}

@test "a fleet: three hosts, each its own namespace and recorder, to one nfcapd: each exporter's records are its flow_log and what it sent" {
	local port k n rows=0 sent
	for k in 1 2 3; do
		fleet_host "$k"
	done
	port=$(free_port)
	collector nf 0.0.0.0 "$port"
	for k in 1 2 3; do
		fleet_use "$k"
		# In the namespace: the host's side of its test link is what it records.
		nmt_spawn "rec$k" ip netns exec "$NMT_NS" "$NMT_RECORD" -i "$NMT_PEER" \
			--db "$NMT_TMP/h$k.db" --interval 1 --duration "$NMT_MAX_RUN" --no-process \
			--ipfix "198.19.$NMT_X.1:$port"
	done
	for k in 1 2 3; do
		nmt_wait_line "$NMT_TMP/rec$k.err" 'recording on' "$(nmt_pid "rec$k")" || {
			nmt_dump "rec$k"
			false
		}
	done
	# Known traffic of each host, different on each: UDP and TCP, IPv4 and IPv6.
	for k in 1 2 3; do
		fleet_use "$k"
		nmt_udp out 4 $((20100 + k)) 5100 $((10 + k)) 100
		nmt_udp in 6 $((20200 + k)) 5200 $((5 + k)) 300
		nmt_tcp out 6 $((21100 + k)) 6100 $((20000 * k))
		nmt_tcp in 4 $((21200 + k)) 6200 $((10000 + k))
	done
	for k in 1 2 3; do
		nmt_stop_pid "$(nmt_pid "rec$k")"
	done
	for k in 1 2 3; do
		fleet_use "$k"
		IFINDEX=$(ip netns exec "$NMT_NS" cat "/sys/class/net/$NMT_PEER/ifindex")
		db_rows "$NMT_TMP/h$k.db" >"$NMT_TMP/h$k.rows"
		rows=$((rows + $(wc -l <"$NMT_TMP/h$k.rows")))
		# What was sent, to the packet and the L3 byte (the namespace's side
		# received "out" and sent "in"), is what this host stored.
		sent=$(nmt_sql "$NMT_TMP/h$k.db" "SELECT sum(packets) || ' ' || sum(bytes) FROM flow_log
			WHERE protocol = 17 AND src_port = $((20100 + k))")
		[ "$sent" = "$((10 + k)) $(((10 + k) * (100 + 28)))" ]
		sent=$(nmt_sql "$NMT_TMP/h$k.db" "SELECT sum(packets) || ' ' || sum(bytes) FROM flow_log
			WHERE protocol = 17 AND src_port = $((20200 + k))")
		[ "$sent" = "$((5 + k)) $(((5 + k) * (300 + 48)))" ]
		grep -q ",$NMT_H6,$NMT_P6,$((21100 + k)),6100,TCP," "$NMT_TMP/h$k.rows"
		grep -q ",$NMT_P4,$NMT_H4,$((21200 + k)),6200,TCP," "$NMT_TMP/h$k.rows"
	done
	n=$((NMT_READY_TIMEOUT * 10))
	while [ "$(collected nf)" -lt "$rows" ] && ((n-- > 0)); do
		sleep 0.1
	done
	drained "$port"
	nmt_stop_pid "$(nmt_pid nf)"
	for k in 1 2 3; do
		fleet_use "$k"
		nfdump_from "$NMT_TMP/nf" "198.19.$NMT_X.2" >"$NMT_TMP/nf$k.rows"
		nmt_same "host $k's flow_log" "$NMT_TMP/h$k.rows" "nfdump, exporter 198.19.$NMT_X.2" \
			"$NMT_TMP/nf$k.rows"
	done
	# The fleet's top talkers, as a site would ask nfcapd (docs/ipfix.md).
	nfdump -R "$NMT_TMP/nf" -s srcip/bytes -n 3 -q
}

# nfacctd_start NAME PORT: pmacct's nfacctd on 127.0.0.1:PORT, told netmon's
# enterprise fields (docs/ipfix.md, "Pointing nfacctd at netmon"), appending
# every record's process fields and bytes to $NMT_TMP/NAME.csv each second.
nfacctd_start() {
	cat >"$NMT_TMP/$1.primitives" <<-'END'
		name=proc_pid field_type=35632:24872 len=4 semantics=u_int
		name=proc_name field_type=35632:24873 len=16 semantics=str
		name=bytes_recv field_type=29305:1 len=8 semantics=u_int
		name=proc_uid field_type=35632:25129 len=4 semantics=u_int
		name=proc_user field_type=35632:25076 len=32 semantics=str
		name=proc_service field_type=32473:1000 len=64 semantics=str
	END
	cat >"$NMT_TMP/$1.conf" <<-END
		daemonize: false
		nfacctd_ip: 127.0.0.1
		nfacctd_port: $2
		nfacctd_account_options: true
		aggregate_primitives: $NMT_TMP/$1.primitives
		plugins: print
		aggregate: timestamp_start, proc_pid, proc_name, proto, src_port, dst_port, dst_host, bytes_recv, proc_uid, proc_user, proc_service
		print_output: csv
		print_output_file: $NMT_TMP/$1.csv
		print_output_file_append: true
		print_refresh_time: 1
		timestamps_since_epoch: true
		timestamps_secs: true
	END
	nmt_spawn "$1" nfacctd -f "$NMT_TMP/$1.conf"
	nmt_wait_line "$NMT_TMP/$1.err" 'waiting for NetFlow/IPFIX data' "$(nmt_pid "$1")" ||
		{ nmt_dump "$1" >&2; return 1; }
}

# nfacctd_procs NAME: its process records (pid not 0), one line each, summed
# over its purges: ts_start|pid|comm|protocol|local port|remote port|remote
# address|bytes sent|bytes received|uid|user|service.
nfacctd_procs() {
	awk -F, -v OFS='|' '
		$1 == "DST_IP" { for (i = 1; i <= NF; i++) c[$i] = i; next }
		$c["proc_pid"] != 0 {
			t = $c["TIMESTAMP_START"]; sub(/\..*/, "", t)
			k = t OFS $c["proc_pid"] OFS $c["proc_name"] OFS $c["PROTOCOL"] OFS \
				$c["SRC_PORT"] OFS $c["DST_PORT"] OFS $c["DST_IP"]
			sent[k] += $c["BYTES"]; recv[k] = $c["bytes_recv"]
			names[k] = $c["proc_uid"] OFS $c["proc_user"] OFS $c["proc_service"]
		}
		END { for (k in sent) print k, sent[k], recv[k], names[k] }' "$NMT_TMP/$1.csv" 2>/dev/null |
		LC_ALL=C sort
}

@test "process records: pmacct's nfacctd, told the enterprise fields, shows process_log's pid, comm, user, service and bytes" {
	local port rows n=$((NMT_READY_TIMEOUT * 10))
	command -v nfacctd >/dev/null || nmt_fail "nfacctd is missing: scripts/install-deps.sh installs pmacct"
	port=$(free_port)
	nfacctd_start nfa "$port"
	nmt_rec_start "$DB" --ipfix "127.0.0.1:$port"
	nmt_udp out 4 20070 5070 6 100
	nmt_tcp in 6 21071 6071 20000
	service_sender 5072
	nmt_rec_stop
	# nfacctd prints no address for an IPv6 process record (seen with 1.7.7).
	nmt_sql "$DB" "SELECT ts_start, pid, comm, CASE protocol WHEN 6 THEN 'tcp' WHEN 17 THEN 'udp'
		ELSE protocol END, local_port, remote_port, iif(family = 4, coalesce(remote, '0.0.0.0'), ''),
		bytes_sent, bytes_recv, $PROC_NAMES FROM process_log" | LC_ALL=C sort >"$NMT_TMP/db.procs"
	rows=$(wc -l <"$NMT_TMP/db.procs")
	while [ "$(nfacctd_procs nfa | wc -l)" -lt "$rows" ] && ((n-- > 0)); do
		sleep 0.1
	done
	# nfacctd stops on SIGINT (it sets its own handler), not on SIGTERM.
	kill -INT "$(nmt_pid nfa)"
	nmt_wait_exit "$(nmt_pid nfa)" || nmt_stop_pid "$(nmt_pid nfa)" || true
	nfacctd_procs nfa >"$NMT_TMP/nfa.procs"
	# The test's own processes are there, by name, with their bytes.
	[ "$(proc_bytes "$NMT_TMP/nfa.procs" 3 "nm-traffic|udp|20070|5070|$NMT_P4")" = "$((6 * 100))|0" ] ||
		{ cat "$NMT_TMP/nfa.procs" >&2; false; }
	[ "$(proc_bytes "$NMT_TMP/nfa.procs" 3 "nm-traffic|tcp|6071|21071|")" = "0|20000" ] ||
		{ cat "$NMT_TMP/nfa.procs" >&2; false; }
	# The sender in a service, as the test's user: who and which service.
	[ "$(awk -F'|' -v pid="$NMT_PID_svc" '$2 == pid { print $10 "|" $11 "|" $12 "|" $3 }' \
		"$NMT_TMP/nfa.procs" | sort -u)" = "$TUID|$TUSER|$S.service|nm-traffic" ] ||
		{ grep "|$NMT_PID_svc|" "$NMT_TMP/nfa.procs" >&2; false; }
	nmt_same process_log "$NMT_TMP/db.procs" nfacctd "$NMT_TMP/nfa.procs"
}

@test "the recorder: an interval of 120,000 flows to nfcapd with its default buffer, paced, arrives whole; the next interval on time" {
	local port n=$((NMT_READY_TIMEOUT * 10)) before
	port=$(free_port)
	collector nf4 127.0.0.1 "$port"
	nmt_rec_start "$DB" --interval 10 --max-flows 200000 --ipfix "127.0.0.1:$port"
	# Right after an interval began, so that the burst is one interval's.
	before=$(nmt_sql "$DB" 'SELECT count(*) FROM intervals')
	while [ "$(nmt_sql "$DB" 'SELECT count(*) FROM intervals')" -eq "$before" ] && ((n-- > 0)); do
		sleep 0.05
	done
	nmt_in_ns python3 "$BATS_TEST_DIRNAME/make-flows.py" send "$NMT_PEER" 100000 20000
	wait_intervals "$DB" 1
	nmt_rec_stop
	[ "$(nmt_sql "$DB" 'SELECT max(flows) FROM intervals')" -ge 100000 ]
	# Recording went on: each interval begins where the one before ended.
	[ "$(nmt_sql "$DB" "SELECT count(*) FROM intervals a JOIN intervals b ON b.id = a.id + 1
		WHERE b.ts_start <> a.ts_end")" -eq 0 ]
	drained "$port"
	collector_stop nf4 "$(db_totals "$DB" | cut -d' ' -f1)"
	[ "$(totals "$NMT_TMP/nf4")" = "$(db_totals "$DB")" ]
	# Paced within its budget (half the interval).
	run ! grep -q "ipfix: the export took longer than its budget" "$NMT_TMP/rec.err"
}

@test "pacing never holds the recorder past half an interval: the rest of a long export goes at once, said once" {
	local port
	port=$(free_port)
	collector nf4 127.0.0.1 "$port"
	# 10 messages a second: the burst's ~850 messages would take 85 s paced.
	nmt_rec_start "$DB" --max-flows 100000 --ipfix "127.0.0.1:$port" --ipfix-rate 10
	nmt_in_ns python3 "$BATS_TEST_DIRNAME/make-flows.py" send "$NMT_PEER" 20000 0
	# Bounded by NMT_READY_TIMEOUT (20 s), far less than the 85 s.
	wait_intervals "$DB" 3
	nmt_rec_stop
	[ "$(nmt_sql "$DB" 'SELECT max(flows) FROM intervals')" -ge 10000 ]
	[ "$(grep -c "ipfix: the export took longer than its budget" "$NMT_TMP/rec.err")" -eq 1 ]
	[ "$(nmt_sql "$DB" "SELECT count(*) FROM intervals a JOIN intervals b ON b.id = a.id + 1
		WHERE b.ts_start <> a.ts_end")" -eq 0 ]
	# Everything committed was exported (sent; nfcapd may have dropped part of the rest).
	[ "$(nmt_sql "$DB" 'SELECT sum(ipfix_records) FROM collector_log')" -eq \
		"$(nmt_sql "$DB" 'SELECT (SELECT count(*) FROM flow_log) + (SELECT count(*) FROM process_log)')" ]
}
