#!/usr/bin/env bats
# record.bats - netmon-record against real traffic on a veth pair into a
# network namespace (see lib.bash). Every flow between the two test addresses
# is checked exactly: packets and L3 bytes per flow and direction, summed over
# all intervals, either from what was sent or from tshark's decoding of a
# capture taken on the same interface at the same time.
#
#   O=build bats tests/e2e/record.bats     (root; binaries from $O)

# shellcheck disable=SC2154 # set where shellcheck cannot see: NMT_PID_<name> by nmt_spawn (printf -v); $stderr and $stderr_lines by bats' run
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

# expect FILE: the expected flow lines on stdin, sorted into FILE.
expect() {
	LC_ALL=C sort >"$1"
}

@test "UDP over IPv4, both directions: exact packets and bytes per flow" {
	nmt_rec_start "$DB"
	nmt_udp out 4 20001 5001 20 100
	nmt_udp in 4 20002 5002 13 1000
	nmt_udp out 4 20003 5003 3 0
	nmt_rec_stop
	expect "$NMT_TMP/want" <<-EOF
		$(nmt_flow out 4 17 "$NMT_H4" 20001 "$NMT_P4" 5001 20 $((20 * (100 + 28))))
		$(nmt_flow in 4 17 "$NMT_P4" 20002 "$NMT_H4" 5002 13 $((13 * (1000 + 28))))
		$(nmt_flow out 4 17 "$NMT_H4" 20003 "$NMT_P4" 5003 3 $((3 * 28)))
	EOF
	nmt_check_flows "$DB" "$NMT_TMP/want"
}

@test "UDP over IPv6, both directions: exact packets and bytes per flow" {
	nmt_rec_start "$DB"
	nmt_udp out 6 20001 5001 11 1200
	nmt_udp in 6 20002 5002 17 1
	nmt_udp in 6 20003 5003 2 1452 # 1452 + 48 = 1500: a full-MTU packet
	nmt_rec_stop
	expect "$NMT_TMP/want" <<-EOF
		$(nmt_flow out 6 17 "$NMT_H6" 20001 "$NMT_P6" 5001 11 $((11 * (1200 + 48))))
		$(nmt_flow in 6 17 "$NMT_P6" 20002 "$NMT_H6" 5002 17 $((17 * (1 + 48))))
		$(nmt_flow in 6 17 "$NMT_P6" 20003 "$NMT_H6" 5003 2 $((2 * 1500)))
	EOF
	nmt_check_flows "$DB" "$NMT_TMP/want"
}

# tcp_complete CAPTURE SPORT BYTES: the capture holds the whole connection
# from source port SPORT: its last sequence number is BYTES + 2 (SYN and FIN
# take one each) and tshark found no segment missing from the capture
# (retransmissions are fine: they are wire packets the recorder counts too).
tcp_complete() {
	local nxt lost
	nxt=$(tshark -n -r "$1" -Y "tcp.srcport == $2" -T fields -e tcp.nxtseq | sort -n | tail -1)
	lost=$(tshark -n -r "$1" -Y "tcp.port == $2 && (tcp.analysis.lost_segment ||
		tcp.analysis.ack_lost_segment)" | wc -l)
	echo "port $2: last sequence number $nxt (want $(($3 + 2))), $lost segments not captured"
	[ "$nxt" -eq $(($3 + 2)) ] && [ "$lost" -eq 0 ]
}

# One recording of four TCP transfers with a capture beside it. Fails with
# status 2 when the capture, the ground truth, is incomplete.
tcp_attempt() {
	rm -f "$DB" "$DB"-wal "$DB"-shm
	nmt_rec_start "$DB" || return 1
	nmt_cap_start "$NMT_TMP/cap.pcapng" || return 1
	nmt_tcp out 4 21001 6001 300000 || return 1
	nmt_tcp in 4 21002 6002 70001 || return 1
	nmt_tcp out 6 21003 6003 123457 || return 1
	nmt_tcp in 6 21004 6004 250000 || return 1
	nmt_cap_stop || return 1 # after its end marker: every segment before it is in the file
	nmt_rec_stop || return 1
	# The capture is complete: all four transfers to the end, no segment
	# missing (tshark on a busy 2-CPU machine rarely misses one).
	tcp_complete "$NMT_TMP/cap.pcapng" 21001 300000 &&
		tcp_complete "$NMT_TMP/cap.pcapng" 21002 70001 &&
		tcp_complete "$NMT_TMP/cap.pcapng" 21003 123457 &&
		tcp_complete "$NMT_TMP/cap.pcapng" 21004 250000 || return 2
}

@test "TCP over IPv4 and IPv6, both directions: flows equal tshark's decoding" {
	local attempt st
	# Only an incomplete capture is tried again, never a netmon mismatch.
	for attempt in 1 2 3; do
		st=0
		tcp_attempt || st=$?
		[ "$st" -ne 2 ] && break
		echo "attempt $attempt: the capture missed a segment; recording again"
	done
	[ "$st" -eq 0 ]

	# a SYN and a FIN each way on each connection, no RST (a retransmitted
	# SYN or FIN is normal TCP: the exact comparison with netmon below
	# counts them, this only checks the capture holds whole connections)
	nmt_cap_flows "$NMT_TMP/cap.pcapng" >"$NMT_TMP/cap.flows"
	cat "$NMT_TMP/cap.flows"
	[ "$(wc -l <"$NMT_TMP/cap.flows")" -eq 8 ]
	[ "$(awk -F'|' '$3 == 6 && $11 >= 1 && $12 >= 1 && $13 == 0' "$NMT_TMP/cap.flows" | wc -l)" -eq 8 ]

	nmt_check_flows "$DB" "$NMT_TMP/cap.flows"
}

@test "ICMP and ICMPv6 echo: type and code as ports, exact packets and bytes" {
	nmt_rec_start "$DB"
	ping -q -c 5 -s 56 -i 0.2 -W 2 "$NMT_P4"
	ping -6 -q -c 4 -s 200 -i 0.2 -W 2 "$NMT_P6"
	nmt_in_ns ping -q -c 3 -s 1000 -i 0.2 -W 2 "$NMT_H4"
	nmt_in_ns ping -6 -q -c 2 -s 0 -i 0.2 -W 2 "$NMT_H6"
	nmt_rec_stop
	expect "$NMT_TMP/want" <<-EOF
		$(nmt_flow out 4 1 "$NMT_H4" 8 "$NMT_P4" 0 5 $((5 * (56 + 28))))
		$(nmt_flow in 4 1 "$NMT_P4" 0 "$NMT_H4" 0 5 $((5 * (56 + 28))))
		$(nmt_flow in 4 1 "$NMT_P4" 8 "$NMT_H4" 0 3 $((3 * (1000 + 28))))
		$(nmt_flow out 4 1 "$NMT_H4" 0 "$NMT_P4" 0 3 $((3 * (1000 + 28))))
		$(nmt_flow out 6 58 "$NMT_H6" 128 "$NMT_P6" 0 4 $((4 * (200 + 48))))
		$(nmt_flow in 6 58 "$NMT_P6" 129 "$NMT_H6" 0 4 $((4 * (200 + 48))))
		$(nmt_flow in 6 58 "$NMT_P6" 128 "$NMT_H6" 0 2 $((2 * 48)))
		$(nmt_flow out 6 58 "$NMT_H6" 129 "$NMT_P6" 0 2 $((2 * 48)))
	EOF
	nmt_check_flows "$DB" "$NMT_TMP/want"
}

@test "traffic_log per interval, direction and protocol equals the sum of flow_log" {
	nmt_rec_start "$DB"
	nmt_udp out 4 20001 5001 10 500
	nmt_udp in 6 20002 5002 10 500
	nmt_tcp out 4 21001 6001 50000
	ping -q -c 3 -i 0.2 -W 2 "$NMT_P4"
	nmt_wait_written "$DB" # traffic in at least two intervals
	nmt_udp in 4 20003 5003 4 64
	ping -6 -q -c 2 -i 0.2 -W 2 "$NMT_P6"
	nmt_rec_stop

	nmt_per_interval "$DB" traffic_log >"$NMT_TMP/traffic"
	nmt_per_interval "$DB" flow_log >"$NMT_TMP/flows"
	cat "$NMT_TMP/traffic"
	# Not vacuous: the test's own traffic is in the totals, in 2+ intervals.
	grep -q '|out|4|17|' "$NMT_TMP/traffic"
	grep -q '|in|6|17|' "$NMT_TMP/traffic"
	grep -q '|out|4|6|' "$NMT_TMP/traffic"
	grep -q '|in|4|1|' "$NMT_TMP/traffic"
	grep -q '|out|6|58|' "$NMT_TMP/traffic"
	[ "$(cut -d'|' -f1 "$NMT_TMP/traffic" | sort -u | wc -l)" -ge 2 ]
	nmt_same traffic_log "$NMT_TMP/traffic" flow_log "$NMT_TMP/flows"
}

@test "stop and restart on the same database: both bursts, each exactly once" {
	nmt_rec_start "$DB"
	nmt_udp out 4 20001 5001 9 300
	nmt_tcp in 6 21001 6001 20000
	nmt_rec_stop
	nmt_db_flows "$DB" >"$NMT_TMP/first.flows"
	local intervals1
	intervals1=$(nmt_sql "$DB" "SELECT count(*) FROM intervals")

	nmt_rec_start "$DB"
	nmt_udp out 4 20002 5002 6 700
	nmt_udp in 6 20003 5003 5 10
	nmt_rec_stop

	# The first run's flows are unchanged, the second's added once.
	{
		cat "$NMT_TMP/first.flows"
		nmt_flow out 4 17 "$NMT_H4" 20002 "$NMT_P4" 5002 6 $((6 * (700 + 28)))
		nmt_flow in 6 17 "$NMT_P6" 20003 "$NMT_H6" 5003 5 $((5 * (10 + 48)))
	} | expect "$NMT_TMP/want"
	grep -qx "$(nmt_flow out 4 17 "$NMT_H4" 20001 "$NMT_P4" 5001 9 $((9 * (300 + 28))))" \
		"$NMT_TMP/first.flows"
	[ "$(grep -c '|6|6|' "$NMT_TMP/first.flows")" -eq 2 ] # both halves of the TCP flow
	nmt_check_flows "$DB" "$NMT_TMP/want"
	[ "$(nmt_sql "$DB" "SELECT count(*) FROM intervals")" -gt "$intervals1" ]
	# Within each run the intervals follow one another without gap or
	# overlap; across the restart they may share at most the one second that
	# the first run's end (rounded up) and the second's start (rounded down)
	# both touch.
	run nmt_sql "$DB" "SELECT a.id, a.ts_start, a.ts_end, b.id, b.ts_start, b.ts_end
		FROM intervals a JOIN intervals b ON b.id = a.id + 1
		WHERE a.ts_end < a.ts_start OR b.ts_end < b.ts_start
		   OR (a.id <> $intervals1 AND b.ts_start <> a.ts_end)
		   OR (a.id = $intervals1 AND b.ts_start < a.ts_end - 1)"
	[ "$status" -eq 0 ]
	[ -z "$output" ] || {
		echo "intervals out of order (id|ts_start|ts_end|id|ts_start|ts_end):"
		echo "$output"
		nmt_sql "$DB" "SELECT * FROM intervals"
		false
	}
}

# netmon_filters: how many netmon TC programs are attached to $NMT_HOST.
netmon_filters() {
	nmt_tc_programs "$NMT_HOST" | grep -c 'netmon' || true
}

# udp_then_stop: five datagrams out through the recorder's hooks, then a
# stop: nothing is left attached, and the flow is stored exactly.
udp_then_stop() {
	nmt_udp out 4 20001 5001 5 50
	nmt_rec_stop
	[ -z "$(nmt_filters)" ]
	nmt_flow out 4 17 "$NMT_H4" 20001 "$NMT_P4" 5001 5 $((5 * 78)) >"$NMT_TMP/want"
	nmt_check_flows "$DB" "$NMT_TMP/want"
}

# This kernel has tcx (6.6 and later): the TC programs are tcx links, first
# on their hooks, and no clsact qdisc is made. A flood through them is
# counted exactly: the other tests' traffic all goes through the same links.
@test "SIGTERM: exit 0, the tcx links removed; no clsact qdisc made" {
	[ -z "$(nmt_filters)" ]
	nmt_rec_start "$DB"
	run -0 "$NMT_TCX" "$NMT_HOST"
	echo "$output"
	[ "${lines[0]}" = "ingress netmon_tc_ingre" ]
	[ "${lines[1]}" = "egress netmon_tc_egres" ]
	[ "${#lines[@]}" -eq 2 ]
	run -0 tc qdisc show dev "$NMT_HOST"
	[[ $output != *clsact* ]]
	udp_then_stop
}

# A kernel before tcx (Debian 12's own 6.1): clsact filters, forced here.
@test "SIGTERM: exit 0, clsact qdisc and filters removed (a kernel without tcx)" {
	[ -z "$(nmt_filters)" ]
	NETMON_TEST_TC_LEGACY=1 nmt_rec_start "$DB"
	nmt_filters
	tc qdisc show dev "$NMT_HOST" | grep -qw clsact
	[ "$(tc filter show dev "$NMT_HOST" ingress | grep -c netmon)" -eq 1 ]
	[ "$(tc filter show dev "$NMT_HOST" egress | grep -c netmon)" -eq 1 ]
	[ -z "$("$NMT_TCX" "$NMT_HOST")" ]
	udp_then_stop
}

# With clsact filters of netmon's own (a kernel without tcx, forced); with
# tcx links the qdisc is not even touched ("SIGTERM: ..." above).
@test "a clsact qdisc that was there before stays, with its other filters" {
	tc qdisc add dev "$NMT_HOST" clsact
	tc filter add dev "$NMT_HOST" ingress pref 7 bpf bytecode '1,6 0 0 0,'
	tc filter add dev "$NMT_HOST" egress pref 7 bpf bytecode '1,6 0 0 0,'
	nmt_filters >"$NMT_TMP/before"
	NETMON_TEST_TC_LEGACY=1 nmt_rec_start "$DB"
	[ "$(tc filter show dev "$NMT_HOST" ingress | grep -c netmon)" -eq 1 ]
	[ "$(tc filter show dev "$NMT_HOST" egress | grep -c netmon)" -eq 1 ]
	nmt_udp out 4 20001 5001 4 10 # the recorder still counts behind a foreign filter
	nmt_rec_stop
	nmt_filters >"$NMT_TMP/after"
	nmt_same before "$NMT_TMP/before" after "$NMT_TMP/after"
	nmt_flow out 4 17 "$NMT_H4" 20001 "$NMT_P4" 5001 4 $((4 * 38)) >"$NMT_TMP/want"
	nmt_check_flows "$DB" "$NMT_TMP/want"
}

@test "--duration: exits 0 on its own with the traffic written and filters removed" {
	nmt_rec_start "$DB" --duration 3
	nmt_udp in 4 20001 5001 8 200
	local st=0
	nmt_wait_exit "$NMT_PID_rec" 10 || st=$?
	[ "$st" -eq 0 ] || { nmt_dump rec; false; }
	nmt_flow in 4 17 "$NMT_P4" 20001 "$NMT_H4" 5001 8 $((8 * 228)) >"$NMT_TMP/want"
	nmt_check_flows "$DB" "$NMT_TMP/want"
	run nmt_filters
	[ -z "$output" ]
}

@test "a second recorder on the same interface is refused; the first keeps recording" {
	nmt_rec_start "$DB"
	run --separate-stderr timeout 30 "$NMT_RECORD" -i "$NMT_HOST" --db "$NMT_TMP/second.db" \
		--interval 1
	echo "second recorder: status $status; stderr: $stderr"
	[ "$status" -eq 1 ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ $stderr == *"$NMT_HOST"* ]]
	# The refusal did not take the first recorder's filters away.
	[ "$(netmon_filters)" -eq 2 ]
	nmt_udp out 6 20001 5001 6 60
	nmt_rec_stop
	nmt_flow out 6 17 "$NMT_H6" 20001 "$NMT_P6" 5001 6 $((6 * 108)) >"$NMT_TMP/want"
	nmt_check_flows "$DB" "$NMT_TMP/want"
	run nmt_filters
	[ -z "$output" ]
}

# A set of interfaces that includes a running recorder's has pins of its own
# (no lock in common): the first one's tcx links on the shared interface
# refuse it, and what the second had attached already goes again.
@test "a recorder on an overlapping set of interfaces is refused; the first keeps recording" {
	nmt_rec_start "$DB"
	run --separate-stderr timeout 30 "$NMT_RECORD" -i lo -i "$NMT_HOST" \
		--db "$NMT_TMP/second.db" --interval 1
	echo "second recorder: status $status; stderr: $stderr"
	[ "$status" -eq 1 ]
	[[ ${stderr_lines[0]} == *"error: $NMT_HOST: a netmon program is already attached"* ]]
	[ "$(netmon_filters)" -eq 2 ]
	[ -z "$(nmt_tc_programs lo)" ]
	nmt_udp in 4 20001 5001 3 30
	nmt_rec_stop
	nmt_flow in 4 17 "$NMT_P4" 20001 "$NMT_H4" 5001 3 $((3 * 58)) >"$NMT_TMP/want"
	nmt_check_flows "$DB" "$NMT_TMP/want"
}

@test "SIGKILL leaves the filters (they outlive the loader); --detach removes them" {
	nmt_rec_start "$DB"
	kill -KILL "$NMT_PID_rec"
	local st=0
	nmt_wait_exit "$NMT_PID_rec" 5 || st=$?
	[ "$st" -eq $((128 + 9)) ]
	[ "$(netmon_filters)" -eq 2 ]
	run --separate-stderr timeout 30 "$NMT_RECORD" --detach -i "$NMT_HOST"
	echo "--detach: status $status; stderr: $stderr"
	[ "$status" -eq 0 ]
	[ "$(netmon_filters)" -eq 0 ]
	# The database a killed recorder leaves behind takes a new run.
	nmt_rec_start "$DB"
	nmt_udp in 4 20001 5001 3 30
	nmt_rec_stop
	nmt_flow in 4 17 "$NMT_P4" 20001 "$NMT_H4" 5001 3 $((3 * 58)) >"$NMT_TMP/want"
	nmt_check_flows "$DB" "$NMT_TMP/want"
	[ "$(netmon_filters)" -eq 0 ]
}

# A crashed recorder cannot tell --detach whether it created the clsact qdisc,
# and libbpf 1.1 cannot list other filters on it, so --detach removes only
# netmon's own filters and leaves the qdisc (documented in --help and
# docs/design.md): removing it could take someone else's filters with it.
# Clsact filters, forced (a kernel without tcx); the tcx links' --detach is
# the test above.
# shellcheck disable=SC2030 # $status is bats' run's, set anew in each test
@test "--detach after a crash removes every filter, leaves no XDP, keeps the clsact qdisc" {
	[ -z "$(nmt_filters)" ]
	NETMON_TEST_TC_LEGACY=1 nmt_rec_start "$DB"
	kill -KILL "$NMT_PID_rec"
	nmt_wait_exit "$NMT_PID_rec" 5 || true
	run --separate-stderr timeout 30 "$NMT_RECORD" --detach -i "$NMT_HOST"
	[ "$status" -eq 0 ]
	[[ $stderr == *"$NMT_HOST: removed 2 netmon filter(s)"* ]]
	[ -z "$(nmt_tc_programs "$NMT_HOST")" ]
	tc qdisc show dev "$NMT_HOST" | grep -qw clsact
	run -0 ip link show dev "$NMT_HOST"
	[[ $output != *xdp* ]]
	# and the next recorder starts on the interface as usual
	nmt_rec_start "$DB"
	nmt_rec_stop
}

# run_recorder_fails ARGS...: the recorder refuses to start: status 1 or 64,
# exactly one line on stderr (in $stderr), nothing left attached.
# shellcheck disable=SC2031 # $status is set by the run here, not a test's
run_recorder_fails() {
	run --separate-stderr timeout 30 "$NMT_RECORD" "$@"
	echo "status $status; stderr:"
	echo "$stderr"
	[ "$status" -eq 1 ] || [ "$status" -eq 64 ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[ -z "$(nmt_filters)" ]
}

@test "a missing interface: refused with its name, nothing attached" {
	local missing=nmtno$$x$NMT_X
	run_recorder_fails -i "$NMT_HOST" -i "$missing" --db "$DB" --interval 1
	[[ $stderr == *"$missing"* ]]
	run_recorder_fails -i "$missing" -i "$NMT_HOST" --db "$DB" --interval 1
	[[ $stderr == *"$missing"* ]]
}

@test "an unwritable or foreign database: exit 1, nothing attached" {
	: >"$NMT_TMP/afile"
	run_recorder_fails -i "$NMT_HOST" --db "$NMT_TMP/afile/netmon.db" --interval 1
	[ "$status" -eq 1 ]
	[[ $stderr == *"$NMT_TMP/afile/netmon.db"* ]]

	# A file that is not SQLite is refused and left as it was.
	head -c 4096 /dev/zero | tr '\0' 'x' >"$NMT_TMP/notdb"
	cp "$NMT_TMP/notdb" "$NMT_TMP/notdb.orig"
	run_recorder_fails -i "$NMT_HOST" --db "$NMT_TMP/notdb" --interval 1
	[ "$status" -eq 1 ]
	cmp "$NMT_TMP/notdb" "$NMT_TMP/notdb.orig"
}
