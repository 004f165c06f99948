#!/usr/bin/env bats
# modes.bats - netmon-record's other ways of counting, against the same real
# traffic as record.bats: received packets counted by XDP (--hook xdp), a
# capture imported with --read, and a flow table too small for the traffic
# (--max-flows), where the totals must stay exact.

# shellcheck disable=SC2154 # set where shellcheck cannot see: NMT_PID_<name> by nmt_spawn (printf -v); $stderr by bats' run
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

@test "--hook xdp: flows equal tshark's decoding; program and filter removed on exit" {
	nmt_rec_start "$DB" --hook xdp
	ip link show dev "$NMT_HOST" | grep -q 'prog/xdp.*netmon'
	nmt_cap_start "$NMT_TMP/cap.pcapng"
	nmt_udp in 4 20001 5001 9 333
	nmt_udp out 4 20002 5002 4 1000
	nmt_udp in 6 20003 5003 7 1452
	nmt_tcp in 4 21001 6001 80000
	nmt_tcp out 6 21002 6002 60000
	ping -q -c 3 -i 0.2 -W 2 "$NMT_P4"
	ping -6 -q -c 3 -i 0.2 -W 2 "$NMT_P6"
	nmt_cap_stop
	nmt_rec_stop

	nmt_cap_flows "$NMT_TMP/cap.pcapng" >"$NMT_TMP/cap.flows"
	# 3 UDP + 2 x 2 TCP + 2 x 2 ICMP flows, received ones included.
	[ "$(wc -l <"$NMT_TMP/cap.flows")" -eq 11 ]
	grep -q "^in|4|17|$NMT_P4|20001|$NMT_H4|5001|9|$((9 * 361))|" "$NMT_TMP/cap.flows"
	nmt_check_flows "$DB" "$NMT_TMP/cap.flows"
	run ip link show dev "$NMT_HOST"
	[[ $output != *xdp* ]]
	run nmt_filters
	[ -z "$output" ]
}

# undirected DB: the flows between the test addresses without the direction
# column (a capture file does not say which way a packet went).
undirected() {
	nmt_db_flows "$1" | cut -d'|' -f2- | LC_ALL=C sort
}

@test "--read: a capture imported equals the live recording of the same traffic" {
	nmt_rec_start "$DB"
	nmt_cap_start "$NMT_TMP/cap.pcapng"
	nmt_udp out 4 20001 5001 5 700
	nmt_udp in 6 20002 5002 6 20
	nmt_tcp out 4 21001 6001 40000
	nmt_tcp in 6 21002 6002 30000
	ping -q -c 2 -i 0.2 -W 2 "$NMT_P4"
	nmt_cap_stop
	nmt_rec_stop

	run --separate-stderr timeout 60 "$NMT_RECORD" -r "$NMT_TMP/cap.pcapng" -i "$NMT_HOST" \
		--db "$NMT_TMP/import.db"
	echo "import: status $status; stderr: $stderr"
	[ "$status" -eq 0 ]
	undirected "$DB" >"$NMT_TMP/live"
	undirected "$NMT_TMP/import.db" >"$NMT_TMP/imported"
	[ "$(wc -l <"$NMT_TMP/live")" -eq 8 ] # 2 UDP, 2 x 2 TCP, 2 ICMP
	nmt_same live "$NMT_TMP/live" imported "$NMT_TMP/imported"
}

@test "--max-flows 4 with 16 flows: flows that did not fit are counted as table-full, totals exact" {
	local i n=16 size=50
	nmt_rec_start "$DB" --max-flows 4
	nmt_spawn udprx ip netns exec "$NMT_NS" "$NMT_TRAFFIC" -t 15 udp-recv "$NMT_P4" 5001 $n $size
	nmt_wait_line "$NMT_TMP/udprx.err" 'listening on' "$NMT_PID_udprx"
	for ((i = 1; i <= n; i++)); do
		"$NMT_TRAFFIC" -t 5 -p $((22000 + i)) udp-send "$NMT_P4" 5001 1 $size >/dev/null
	done
	nmt_await udprx
	nmt_rec_stop

	local bytes=$((n * (size + 28)))
	# Every packet is in the totals ...
	run nmt_sql "$DB" "SELECT sum(packets), sum(bytes) FROM traffic_log
		WHERE interface = '$NMT_HOST' AND direction = 'out' AND family = 4 AND protocol = 17"
	[ "$output" = "$n|$bytes" ]
	# ... and either in a flow or counted as not fitting the table, once.
	local q_flows="SELECT count(*), coalesce(sum(packets), 0), coalesce(sum(bytes), 0)
		FROM flow_log WHERE interface = '$NMT_HOST' AND direction = 'out'
		AND src = '$NMT_H4' AND dst = '$NMT_P4' AND protocol = 17"
	local q_full="SELECT coalesce(sum(t.packets), 0), coalesce(sum(t.bytes), 0)
		FROM traffic t JOIN interfaces n ON n.id = t.iface_id
		WHERE n.name = '$NMT_HOST' AND t.kind = 3 AND t.direction = 1
		AND t.family = 4 AND t.protocol = 17"
	local flows full
	flows=$(nmt_sql "$DB" "$q_flows")
	full=$(nmt_sql "$DB" "$q_full")
	echo "flows (rows|packets|bytes): $flows; table full (packets|bytes): $full"
	IFS='|' read -r _ fpk fby <<<"$flows"
	IFS='|' read -r tpk tby <<<"$full"
	[ $((fpk + tpk)) -eq $n ]
	[ $((fby + tby)) -eq $bytes ]
	[ "$tpk" -gt 0 ]
	# No interval holds more IPv4 flows than the table (intervals.flows
	# counts the IPv6 table's too, which any link-local packet may use).
	run nmt_sql "$DB" "SELECT max(n) FROM (SELECT count(*) AS n FROM flow_log
		WHERE family = 4 AND src != '0.0.0.0' GROUP BY ts_start)"
	echo "most IPv4 flows in one interval: $output"
	[ "$output" -le 4 ]
	run nmt_sql "$DB" "SELECT sum(table_full) > 0 FROM collector_log"
	[ "$output" = 1 ]
}
