#!/usr/bin/env bats
# sockio.bats - which socket calls per-process accounting sees, to the byte.
# nm-sockio moves a known number of bytes between two sockets of one process
# over loopback through one send path and one receive path; process_log must
# show exactly that for its pid, or exactly 0 for a path the tracepoints do
# not see (listed in docs/design.md, "Per-process bytes"). The recorder runs
# on the test's own veth; per-process accounting is host-wide.

bats_require_minimum_version 1.5.0

load lib

SOCKIO=${NMT_RECORD%/*}/tests/tools/nm-sockio

setup() {
	nmt_require "$NMT_RECORD"
	nmt_require "$SOCKIO"
	nmt_setup
	DB=$NMT_TMP/netmon.db
}

teardown() {
	nmt_teardown
}

# The matrix: proto family send recv bytes, and the bytes process_log must
# show as sent and received.
MATRIX=(
	"tcp 4 write read 12345 12345 12345"
	"tcp 6 send recv 12345 12345 12345"
	"tcp 4 sendto recvfrom 12345 12345 12345"
	"tcp 6 sendmsg recvmsg 12345 12345 12345"
	"tcp 4 writev readv 12345 12345 12345"
	"tcp 4 sendfile read 12345 12345 12345"
	"tcp 6 splice read 12345 12345 12345"
	# splice from a TCP socket (tcp_splice_read) bypasses sock_recvmsg
	"tcp 4 write splice 12345 12345 0"
	"udp 4 write read 5000 5000 5000"
	"udp 6 sendto recvfrom 5000 5000 5000"
	"udp 4 sendmmsg recvmmsg 5000 5000 5000"
	"udp 6 sendmsg recvmsg 5000 5000 5000"
)

# check_matrix: run the matrix under a recorder, compare each pid's row.
check_matrix() {
	nmt_rec_start "$DB"
	local line out
	: >"$NMT_TMP/runs"
	for line in "${MATRIX[@]}"; do
		# shellcheck disable=SC2086 # a matrix line: its words
		set -- $line
		out=$("$SOCKIO" -t 10 "$1" "$2" "$3" "$4" "$5") || {
			echo "nm-sockio $line failed"
			return 1
		}
		echo "$line ${out%% *}" >>"$NMT_TMP/runs"
	done
	nmt_rec_stop

	local proto fam snd rcv want_sent want_recv pid got bad=0
	while read -r proto fam snd rcv _ want_sent want_recv pid; do
		pid=${pid#pid=}
		got=$(nmt_sql "$DB" "SELECT coalesce(sum(bytes_sent), 0), coalesce(sum(bytes_recv), 0)
			FROM process_log WHERE pid = $pid")
		echo "$proto/$fam $snd -> $rcv: want $want_sent|$want_recv, got $got"
		[ "$got" = "$want_sent|$want_recv" ] || bad=1
	done <"$NMT_TMP/runs"
	[ "$bad" -eq 0 ]
}

@test "every send/recv path: process_log equals what the calls passed, or 0 where unseen" {
	check_matrix
}

@test "the same with the raw_tp fallback programs (NETMON_PROC_PROGS=raw)" {
	export NETMON_PROC_PROGS=raw
	check_matrix
}

@test "short-lived processes and many short connections: each exact, each named" {
	nmt_rec_start "$DB"
	local i out pids=()
	for ((i = 0; i < 40; i++)); do
		out=$("$SOCKIO" -t 10 tcp $((i % 2 ? 4 : 6)) send recv $((1000 + i)))
		out=${out%% *}
		pids+=("${out#pid=}")
	done
	nmt_rec_stop
	# Each process lived a few milliseconds, over one fresh connection.
	for ((i = 0; i < 40; i++)); do
		[ "$(nmt_sql "$DB" "SELECT comm, sum(bytes_sent), sum(bytes_recv) FROM process_log
			WHERE pid = ${pids[i]} GROUP BY comm")" = "nm-sockio|$((1000 + i))|$((1000 + i))" ]
	done
}

# ping (root: raw ICMP sockets) over loopback, what is seen: sent bytes are
# the ICMP message (8 + payload); a raw IPv4 socket also receives the IP
# header (20 more bytes per reply), a raw IPv6 socket does not. Raw sockets
# have no port: local_port 0.
@test "ping over raw sockets: ICMP bytes per process, as the raw socket sees them" {
	nmt_rec_start "$DB"
	# By pid: another test run on the host may ping loopback meanwhile.
	ping -q -c 3 -i 0.2 -s 56 127.0.0.1 >/dev/null &
	local p4=$!
	wait "$p4"
	ping -6 -q -c 2 -i 0.2 -s 100 ::1 >/dev/null &
	local p6=$!
	wait "$p6"
	nmt_rec_stop
	run nmt_sql "$DB" "SELECT family, protocol, local_port, sum(bytes_sent), sum(bytes_recv)
		FROM process_log WHERE comm = 'ping' AND pid IN ($p4, $p6)
		GROUP BY family, protocol, local_port ORDER BY family"
	echo "$output"
	[ "${lines[0]}" = "4|1|0|$((3 * 64))|$((3 * 84))" ]
	[ "${lines[1]}" = "6|58|0|$((2 * 108))|$((2 * 108))" ]
}
