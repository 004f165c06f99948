#!/usr/bin/env bats
# export.bats - netmon-report export's command line, and what it sends: the
# window's rows of the fixture history (tests/fixtures/report_basic.sql) to
# a UDP socket on 127.0.0.1, decoded by libfixbuf's ipfixDump. No root.
#
#   O=build bats tests/cli/export.bats

# shellcheck disable=SC2154 # set where shellcheck cannot see: $output, $stderr, $stderr_lines by bats' run
bats_require_minimum_version 1.5.0

load report_lib

setup_file() {
	report_setup_file
	# Process rows in two intervals (one IPv6, connected), the third day's not exported.
	sqlite3 "$DB" "INSERT INTO process_names (id, name) VALUES (901, 'curl'), (902, 'bash');
		INSERT INTO processes (interval_id, pid, comm_id, parent_comm_id, ppid, family,
			protocol, remote_id, remote_port, local_port, bytes_sent, bytes_recv, sends, recvs)
		VALUES (1, 4242, 901, 902, 100, 4, 6, 2, 443, 50000, 400, 4000, 2, 5),
		       (2, 4242, 901, 902, 100, 6, 6, 4, 443, 50001, 600, 5000, 3, 6),
		       (2, 22, 902, NULL, NULL, 4, 17, NULL, 0, 53, 100, 0, 1, 0),
		       (3, 4243, 901, NULL, NULL, 4, 6, NULL, 0, 0, 90, 0, 1, 0)"
}

# refused NEEDLE ARGS...: exit 64, nothing on stdout, one line on stderr
# containing NEEDLE; checked before the database is opened (none there).
refused() {
	local needle=$1
	shift
	run --separate-stderr "$REPORT" --db "$BATS_TEST_TMPDIR/none.db" "$@"
	echo "status $status; stderr: $stderr"
	[ "$status" -eq 64 ]
	[ -z "$output" ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ $stderr == "netmon-report: error: "*"$needle"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/none.db" ]
}

@test "export: bad collectors and settings exit 64 with one line, before the database" {
	refused "export: say where to with --ipfix HOST:PORT" export
	refused "invalid --ipfix '127.0.0.1': expected HOST:PORT" export --ipfix 127.0.0.1
	refused "invalid --ipfix '::1:4739': expected HOST:PORT or [IPV6ADDRESS]:PORT" export --ipfix ::1:4739
	refused "invalid --ipfix '127.0.0.1:65536': the port must be" export --ipfix 127.0.0.1:65536
	refused "invalid --ipfix '[::1]:0': the port must be" export --ipfix '[::1]:0'
	refused "cannot resolve 'no-such-collector.invalid'" export --ipfix no-such-collector.invalid:4739
	refused "invalid --ipfix-mtu '100'" export --ipfix 127.0.0.1:4739 --ipfix-mtu 100
	refused "invalid --ipfix-rate 'x'" export --ipfix 127.0.0.1:4739 --ipfix-rate x
	refused "invalid --ipfix-domain '-1'" export --ipfix 127.0.0.1:4739 --ipfix-domain -1
	refused "at most 4 collectors" export --ipfix 127.0.0.1:1 --ipfix 127.0.0.1:2 \
		--ipfix 127.0.0.1:3 --ipfix 127.0.0.1:4 --ipfix 127.0.0.1:5
	refused "--ipfix is an option of export only" summary --ipfix 127.0.0.1:4739
	refused "--ipfix-rate is an option of export only" top hosts --ipfix-rate 10
	refused "export: unexpected argument 'now'" export now --ipfix 127.0.0.1:4739
}

@test "export: --help says what it does" {
	run "$REPORT" --help
	[ "$status" -eq 0 ]
	[[ $output == *"  export           re-send the window's flow and process rows to IPFIX"* ]]
}

# dumped FILE: "template count" of the data records ipfixDump finds in FILE.
dumped() {
	ipfixDump --in "$1" --rfc5610 -d 2>/dev/null |
		sed -n 's/^--- data record [0-9]* header ---.*//p; s/.*tid: *\([0-9]*\) .*/\1/p' |
		grep . | sort | uniq -c | awk '{ print $2, $1 }'
}

@test "export: the window's flow and process rows, as ipfixDump decodes them" {
	local port n=100 pid
	command -v ipfixDump >/dev/null
	# A port the kernel picks (0), said on the first line.
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
s.settimeout(60)
out = open(sys.argv[1], "ab", buffering=0)
print("listening", s.getsockname()[1], flush=True)
while True:
    out.write(s.recv(65535))
' "$BATS_TEST_TMPDIR/cap.ipfix" >"$BATS_TEST_TMPDIR/cap.out" 2>&1 3>&- &
	pid=$!
	while ! grep -q listening "$BATS_TEST_TMPDIR/cap.out" && ((n-- > 0)); do
		sleep 0.1
	done
	port=$(sed -n 's/^listening //p' "$BATS_TEST_TMPDIR/cap.out")
	[ -n "$port" ]
	# The first day's two intervals (2024-01-01), not the third.
	run --separate-stderr "$REPORT" --db "$DB" export --day 2024-01-01 --ipfix "127.0.0.1:$port"
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	local flows procs
	flows=$(sqlite3 "file:$DB?mode=ro" "SELECT count(*) FROM flow_log WHERE ts_start < 1704153600")
	procs=$(sqlite3 "file:$DB?mode=ro" "SELECT count(*) FROM process_log WHERE ts_start < 1704153600")
	[ "$flows" -gt 0 ]
	[ "$procs" -gt 0 ]
	[[ $output == "2 intervals, $((flows + procs)) records in "*" messages to 1 collector; 0 not taken" ]]
	# Each datagram is read before the export returns? Not over UDP: bounded wait.
	n=100
	while [ "$(dumped "$BATS_TEST_TMPDIR/cap.ipfix" | awk '{ n += $2 } END { print n + 0 }')" -lt \
		$((flows + procs + 7)) ] && ((n-- > 0)); do
		sleep 0.1
	done
	kill "$pid"
	wait "$pid" || true
	dumped "$BATS_TEST_TMPDIR/cap.ipfix"
	# Flow records under the flow templates, process records under theirs.
	[ "$(dumped "$BATS_TEST_TMPDIR/cap.ipfix" | awk '$1 >= 256 && $1 <= 259 { n += $2 } END { print n + 0 }')" -eq "$flows" ]
	[ "$(dumped "$BATS_TEST_TMPDIR/cap.ipfix" | awk '$1 == 260 || $1 == 261 { n += $2 } END { print n + 0 }')" -eq "$procs" ]
}
