#!/usr/bin/env bats
# process.bats - per-process bytes (bpf/proc.bpf.c) against real processes:
# nm-traffic sends and receives known byte counts over UDP and TCP, IPv4 and
# IPv6, and process_log must hold them to the byte for each side, with the
# process's name. Per-process accounting is host-wide, so rows are picked by
# the test's own processes and ports.

# shellcheck disable=SC2154 # set where shellcheck cannot see: NMT_PID_<name> by nmt_spawn (printf -v)
bats_require_minimum_version 1.5.0

load lib

setup() {
	nmt_require "$NMT_RECORD"
	nmt_setup
	DB=$NMT_TMP/netmon.db
}

teardown() {
	nmt_teardown
}

# side PID LOCAL_PORT REMOTE_PORT: "comm|sent|recv|sends|recvs" (lib.bash).
side() {
	nmt_proc_side "$DB" "$@"
}

@test "UDP and TCP, IPv4 and IPv6: each process's bytes exact, with its name" {
	nmt_rec_start "$DB"
	nmt_udp out 4 20001 5001 10 100
	local u1tx=$NMT_PID_udptx u1rx=$NMT_PID_udprx
	nmt_udp in 6 20002 5002 7 1000
	local u2tx=$NMT_PID_udptx u2rx=$NMT_PID_udprx
	nmt_tcp out 4 21001 6001 123457
	local t1tx=$NMT_PID_tcptx t1rx=$NMT_PID_tcprx
	nmt_tcp in 6 21002 6002 70001
	local t2tx=$NMT_PID_tcptx t2rx=$NMT_PID_tcprx
	nmt_rec_stop

	# UDP senders connect; receivers are unconnected (remote port 0).
	[ "$(side "$u1tx" 20001 5001)" = "nm-traffic|1000|0|10|0" ]
	[ "$(side "$u1rx" 5001 0)" = "nm-traffic|0|1000|0|10" ]
	[ "$(side "$u2tx" 20002 5002)" = "nm-traffic|7000|0|7|0" ]
	[ "$(side "$u2rx" 5002 0)" = "nm-traffic|0|7000|0|7" ]
	# TCP: the payload each way, however many calls it took.
	[ "$(side "$t1tx" 21001 6001 | cut -d'|' -f1-3)" = "nm-traffic|123457|0" ]
	[ "$(side "$t1rx" 6001 21001 | cut -d'|' -f1-3)" = "nm-traffic|0|123457" ]
	[ "$(side "$t2tx" 21002 6002 | cut -d'|' -f1-3)" = "nm-traffic|70001|0" ]
	[ "$(side "$t2rx" 6002 21002 | cut -d'|' -f1-3)" = "nm-traffic|0|70001" ]
	# The connected sides name their peer and family.
	[ "$(nmt_sql "$DB" "SELECT DISTINCT remote, family, protocol FROM process_log
		WHERE pid = $t1tx AND local_port = 21001")" = "$NMT_P4|4|6" ]
	[ "$(nmt_sql "$DB" "SELECT DISTINCT remote, family, protocol FROM process_log
		WHERE pid = $u2tx AND local_port = 20002")" = "$NMT_H6|6|17" ]
	# A parent name was taken in the kernel too.
	[ -n "$(nmt_sql "$DB" "SELECT DISTINCT parent_comm FROM process_log WHERE pid = $u1tx")" ]
}

# Consecutive calls on one socket add up in the kernel's per-CPU cache of the
# last key (bpf/proc.bpf.c), not in the table: after the burst, its sums sit
# in the cache of one generation while that generation is drained, cleared and
# active again, twice. Written once: a cache read but never cleared would
# write them again at every other interval.
@test "bytes still in the kernel's per-CPU cache are written once, across idle intervals" {
	nmt_rec_start "$DB"
	nmt_udp out 4 20004 5004 25 300
	local utx=$NMT_PID_udptx urx=$NMT_PID_udprx n0
	n0=$(nmt_sql "$DB" 'SELECT count(*) FROM intervals')
	nmt_wait_intervals "$DB" 1 $((n0 + 5))
	nmt_rec_stop
	[ "$(side "$utx" 20004 5004)" = "nm-traffic|7500|0|25|0" ]
	[ "$(side "$urx" 5004 0)" = "nm-traffic|0|7500|0|25" ]
}

# Paced over ~3 s with 1 s intervals: every flip falls in the middle of the
# stream, while the sender goes from socket to socket (each call another key:
# the cache's candidate and eviction paths) and the receiver stays on one (its
# cache entry hit on every call). Each side exact, summed over the intervals.
@test "streams across several flips: sockets taken in turn and one socket, each exact" {
	nmt_rec_start "$DB"
	nmt_udp in 4 20005 5005 1500 200 2 2000
	local utx=$NMT_PID_udptx urx=$NMT_PID_udprx
	nmt_rec_stop
	[ "$(side "$utx" 20005 5005)" = "nm-traffic|150000|0|750|0" ]
	[ "$(side "$utx" 20006 5005)" = "nm-traffic|150000|0|750|0" ]
	[ "$(side "$urx" 5005 0)" = "nm-traffic|0|300000|0|1500" ]
	# It did cross flips: the receiver's rows are in three intervals or more.
	[ "$(nmt_sql "$DB" "SELECT count(DISTINCT ts_start) FROM process_log
		WHERE pid = $urx AND local_port = 5005")" -ge 3 ]
}

@test "--no-process: flows as usual, no process rows" {
	nmt_rec_start "$DB" --no-process
	nmt_udp out 4 20001 5001 3 10
	nmt_rec_stop
	[ "$(nmt_sql "$DB" 'SELECT count(*) FROM process_log')" -eq 0 ]
	[ "$(nmt_sql "$DB" "SELECT sum(packets) FROM flow_log WHERE src_port = 20001")" -eq 3 ]
}

# A kernel without sock_send_length/sock_recv_length (before 6.3), for real:
# the recorder is told to use tracepoint names that do not exist, so libbpf
# finds no BTF for the typed programs and the kernel no raw tracepoint for
# the fallback, as an older kernel would answer.
@test "no such tracepoints: the recorder says per-process is off and why, flows go on" {
	export NETMON_TEST_PROC_TP_SUFFIX=_absent
	nmt_rec_start "$DB"
	nmt_udp out 4 20001 5001 3 10
	nmt_rec_stop
	cat "$NMT_TMP/rec.err"
	grep -q 'per-process accounting: the typed (tp_btf) programs were refused (No such process), falling back to raw tracepoint programs' "$NMT_TMP/rec.err"
	grep -q 'warning: per-process accounting is off: the kernel lacks the sock_send_length/sock_recv_length tracepoints (Linux 6.3+) or refused the programs on them (No such file or directory); flows are recorded as usual' "$NMT_TMP/rec.err"
	[ "$(nmt_sql "$DB" 'SELECT count(*) FROM process_log')" -eq 0 ]
	[ "$(nmt_sql "$DB" "SELECT sum(packets) FROM flow_log WHERE src_port = 20001")" -eq 3 ]
}

@test "the raw_tp fallback counts as the typed programs do" {
	export NETMON_PROC_PROGS=raw
	nmt_rec_start "$DB"
	nmt_udp out 6 20003 5003 4 200
	local utx=$NMT_PID_udptx urx=$NMT_PID_udprx
	nmt_tcp in 4 21003 6003 54321
	local ttx=$NMT_PID_tcptx trx=$NMT_PID_tcprx
	nmt_rec_stop
	run -1 grep -q 'per-process accounting' "$NMT_TMP/rec.err"
	[ "$(side "$utx" 20003 5003)" = "nm-traffic|800|0|4|0" ]
	[ "$(side "$urx" 5003 0)" = "nm-traffic|0|800|0|4" ]
	[ "$(side "$ttx" 21003 6003 | cut -d'|' -f1-3)" = "nm-traffic|54321|0" ]
	[ "$(side "$trx" 6003 21003 | cut -d'|' -f1-3)" = "nm-traffic|0|54321" ]
}

# A table of 4 keys (NETMON_TEST_PROC_KEYS) and one process sending in turn
# from 200 connected sockets, 2 datagrams each. Every call moves the previous
# socket's sums out of the per-CPU cache into the table, where 4 keys fit per
# generation: most calls find no room, and the kernel counts them and their
# bytes per generation for collector_log.
#
# Exactness says: for the test's two processes, the calls and bytes in their
# process_log rows plus those left out are exactly what they sent and
# received. But the left-out columns are host-wide: other processes (sshd,
# other tests) find the tiny table full too, and nothing tells their calls
# from ours. So the test asserts what that noise cannot break: what our rows
# lack is more than 0 and at most the columns' sums over the run, and it is
# SIZE bytes per missing call, exactly. "More than 0" is certain, not likely:
# per generation (1 s) at most 4 table keys and one cached key per CPU and
# direction get attributed, 2 calls each, so attributing all 400 sends would
# take over 30 s, beyond the sender's 15 s deadline. With the columns not
# stored (0) the bound fails; with calls stored as bytes it fails too.
@test "a full per-process table: calls and bytes left out are counted per interval" {
	local n=400 size=1000 socks=200 tx rx rows missing left
	# shellcheck disable=SC2030 # for this test only: each runs in its own subshell
	export NETMON_TEST_PROC_KEYS=4
	nmt_rec_start "$DB"
	nmt_udp out 4 22000 5010 $n $size $socks
	grep -q "datagrams=$n size=$size bytes=$((n * size)) sockets=$socks\$" "$NMT_TMP/udptx.out"
	tx=$NMT_PID_udptx rx=$NMT_PID_udprx
	nmt_rec_stop
	run -1 grep -q 'per-process accounting' "$NMT_TMP/rec.err"

	# Every row of ours is one of our sockets, SIZE bytes per call.
	rows=$(nmt_sql "$DB" "SELECT count(*) FROM process_log WHERE pid = $tx AND NOT (
		local_port BETWEEN 22000 AND $((22000 + socks - 1)) AND remote_port = 5010
		AND bytes_sent = $size * sends AND bytes_recv = 0 AND recvs = 0)")
	[ "$rows" -eq 0 ]
	rows=$(nmt_sql "$DB" "SELECT count(*) FROM process_log WHERE pid = $rx AND NOT (
		local_port = 5010 AND bytes_recv = $size * recvs AND bytes_sent = 0 AND sends = 0)")
	[ "$rows" -eq 0 ]
	# What our rows lack: calls, bytes.
	missing=$(nmt_sql "$DB" "SELECT $((2 * n)) - coalesce(sum(sends + recvs), 0),
		$((2 * n * size)) - coalesce(sum(bytes_sent + bytes_recv), 0)
		FROM process_log WHERE pid IN ($tx, $rx)")
	left=$(nmt_sql "$DB" "SELECT sum(process_table_full_calls), sum(process_table_full_bytes)
		FROM collector_log")
	echo "missing from our rows: $missing; left out on the host: $left"
	[ "${missing%|*}" -gt 0 ]
	[ "${missing#*|}" -eq $((${missing%|*} * size)) ]
	[ "${missing%|*}" -le "${left%|*}" ]
	[ "${missing#*|}" -le "${left#*|}" ]
	# The report's collector section has the same sums (its last columns,
	# the next section's empty after them).
	run "$NMT_BUILD/netmon-report" --db "$DB" summary --format csv
	[ "$status" -eq 0 ]
	local row
	row=$(grep '^collector,' <<<"$output")
	[[ $row == *",${left%|*},${left#*|},"* ]]
}

@test "NETMON_TEST_PROC_KEYS out of range: per-process is off, said why; flows go on" {
	# shellcheck disable=SC2031 # for this test only: each runs in its own subshell
	export NETMON_TEST_PROC_KEYS=16385
	nmt_rec_start "$DB"
	nmt_udp out 4 20001 5001 3 10
	nmt_rec_stop
	grep -q "warning: per-process accounting is off: NETMON_TEST_PROC_KEYS must be a whole number from 1 to 16384, not '16385'" "$NMT_TMP/rec.err"
	[ "$(nmt_sql "$DB" 'SELECT count(*) FROM process_log')" -eq 0 ]
	[ "$(nmt_sql "$DB" "SELECT sum(packets) FROM flow_log WHERE src_port = 20001")" -eq 3 ]
}
