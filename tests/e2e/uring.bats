#!/usr/bin/env bats
# uring.bats - per-process accounting of io_uring socket I/O, to the byte.
# nm-uring moves a known number of bytes between two sockets of one process
# over loopback through io_uring requests (SEND/RECV, SENDMSG/RECVMSG,
# WRITE/READ, SEND_ZC/RECV), completed three ways: inline in the submitting
# thread, forced to an io-wq worker thread (IOSQE_ASYNC), and submitted by an
# SQPOLL thread. What is seen: every way ends in sock_sendmsg/sock_recvmsg,
# in a thread of the submitting process, so process_log holds the exact bytes
# under its pid and (the thread group leader's) name, whichever thread ran
# the request (listed in docs/design.md, "Per-process bytes").

bats_require_minimum_version 1.5.0

load lib

URING=${NMT_RECORD%/*}/tests/tools/nm-uring

setup() {
	nmt_require "$NMT_RECORD"
	nmt_require "$URING"
	nmt_setup
	DB=$NMT_TMP/netmon.db
}

teardown() {
	nmt_teardown
}

# proto family op: each op with both protocols, both families between them.
PATHS=(
	"tcp 4 send" "udp 6 send"
	"tcp 6 msg" "udp 4 msg"
	"tcp 4 rw" "udp 6 rw"
	"tcp 6 zc" "udp 4 zc"
)

# expect PROTO SEND_PORT RECV_PORT BYTES: process_log's rows of the run's
# pid, one per socket: "comm|local_port|sent|recv|sends|recvs" (the call
# counts only for UDP: one datagram per request; a TCP receive may take
# what several sends wrote).
expect() {
	local proto=$1 sp=$2 rp=$3 bytes=$4 n=$(((${4} + 999) / 1000))
	if [ "$proto" = udp ]; then
		printf '%s\n' "nm-uring|$sp|$bytes|0|$n|0" "nm-uring|$rp|0|$bytes|0|$n" | sort
	else
		printf '%s\n' "nm-uring|$sp|$bytes|0" "nm-uring|$rp|0|$bytes" | sort
	fi
}

got() {
	local proto=$1 pid=$2 cols="comm, local_port, sum(bytes_sent), sum(bytes_recv)"
	[ "$proto" = udp ] && cols="$cols, sum(sends), sum(recvs)"
	nmt_sql "$DB" "SELECT $cols FROM process_log WHERE pid = $pid
		GROUP BY comm, local_port" | sort
}

@test "io_uring inline, io-wq (IOSQE_ASYNC) and SQPOLL: exact bytes, the process's pid and name" {
	nmt_rec_start "$DB"
	local mode p out bytes
	: >"$NMT_TMP/runs"
	for mode in inline async sqpoll; do
		for p in "${PATHS[@]}"; do
			# shellcheck disable=SC2086 # a matrix line: its words
			set -- $p
			bytes=$([ "$1" = tcp ] && echo 12345 || echo 5000)
			out=$("$URING" -t 10 "$1" "$2" "$3" "$mode" "$bytes") || {
				echo "nm-uring $p $mode failed"
				return 1
			}
			echo "$p $mode $bytes $out" >>"$NMT_TMP/runs"
		done
	done
	nmt_rec_stop

	local proto fam op pid sp rp rest bad=0 want have
	while read -r proto fam op mode bytes pid sp rp rest; do
		want=$(expect "$proto" "${sp#send_port=}" "${rp#recv_port=}" "$bytes")
		have=$(got "$proto" "${pid#pid=}")
		echo "$proto/$fam $op $mode: want ${want//$'\n'/ }, got ${have//$'\n'/ }"
		[ "$have" = "$want" ] || bad=1
	done <"$NMT_TMP/runs"
	[ "$bad" -eq 0 ]
}
