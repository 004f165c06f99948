#!/usr/bin/env bats
# anomaly.bats - every anomaly rule (sql/anomaly/*.sql) triggered by real
# traffic between the test's namespaces with the default thresholds, and an
# ordinary run that triggers none.
#
# The recorder evaluates the rules after each interval and stores the hits
# (anomaly_log); each test checks what it stored against what the test did
# (the scanned ports, the SYNs sent, the source addresses, the malformed
# frames), and that netmon-report anomalies, evaluating the rules itself over
# the same window on a copy without the stored hits, shows exactly the same
# rows. nmap, hping3 and ncat target only the namespace's addresses; every run
# is bounded in count and time.

# shellcheck disable=SC2154 # set where shellcheck cannot see: NMT_PID_<name> by nmt_spawn (printf -v); $stderr by bats' run
bats_require_minimum_version 1.5.0

load lib

setup() {
	REPORT=$NMT_BUILD/netmon-report
	FRAMES=$NMT_BUILD/tests/tools/nm-frames
	nmt_require "$NMT_RECORD" "$REPORT" "$FRAMES"
	nmt_setup
	DB=$NMT_TMP/netmon.db
}

teardown() {
	nmt_teardown
}

# hits KIND [COLUMNS]: the stored hits of one kind, one line each.
hits() {
	nmt_sql "$DB" "SELECT ${2:-subject} FROM anomaly_log WHERE kind = '$1' ORDER BY ts, subject"
}

# kinds: the kinds stored, one line each.
kinds() {
	nmt_sql "$DB" "SELECT DISTINCT kind FROM anomaly_log ORDER BY kind"
}

# same_as_report: netmon-report anomalies shows the stored hits, and finds
# exactly them again by evaluating the rules over a copy without them.
same_as_report() {
	local copy=$NMT_TMP/evaluated.db stored
	run --separate-stderr "$REPORT" --db "$DB" anomalies --format json
	[ "$status" -eq 0 ] || { echo "report: $stderr"; return 1; }
	echo "$output" >"$NMT_TMP/report.json"
	stored=$(nmt_sql "$DB" "SELECT count(*) FROM anomaly_log")
	[ "$(grep -c '"kind"' "$NMT_TMP/report.json")" -eq "$stored" ] ||
		{ cat "$NMT_TMP/report.json"; nmt_fail "the report does not show the $stored stored hits"; }
	# Without the stored hits nor the range the recorder judged (meta
	# anomaly_evaluated_from), the report judges every interval itself.
	sqlite3 "$DB" ".backup '$copy'" &&
		sqlite3 "$copy" "DELETE FROM anomalies; DELETE FROM meta WHERE key = 'anomaly_evaluated_from'" || return
	run --separate-stderr "$REPORT" --db "$copy" anomalies --format json
	[ "$status" -eq 0 ] || { echo "report: $stderr"; return 1; }
	echo "$output" >"$NMT_TMP/evaluated.json"
	nmt_same stored "$NMT_TMP/report.json" evaluated "$NMT_TMP/evaluated.json"
}

# alert_status: netmon-report anomalies --alert's exit status.
alert_status() {
	run "$REPORT" --db "$DB" anomalies --alert
	echo "$status"
}

@test "port scan: an nmap SYN scan of 100 ports of the peer" {
	nmt_rec_start "$DB"
	timeout 60 nmap -n -Pn -sS -p 1-100 --max-retries 0 -e "$NMT_HOST" "$NMT_P4" \
		>"$NMT_TMP/nmap.out" 2>&1 || { cat "$NMT_TMP/nmap.out"; false; }
	nmt_wait_written "$DB"
	nmt_rec_stop

	# Every port is closed in the namespace: 100 probes, none completed.
	grep -qE "All 100 scanned ports|100 closed" "$NMT_TMP/nmap.out" || { cat "$NMT_TMP/nmap.out"; false; }
	[ "$(kinds)" = port_scan ]
	[ "$(hits port_scan "DISTINCT subject")" = "$NMT_H4 > $NMT_P4" ]
	[ "$(nmt_sql "$DB" "SELECT max(value), min(threshold) FROM anomaly_log")" = "100|15" ]
	[ "$(alert_status)" -eq 2 ]
	same_as_report
}

@test "UDP scan: an nmap UDP scan of 30 ports of the host, from the namespace" {
	nmt_rec_start "$DB"
	nmt_in_ns timeout 60 nmap -n -Pn -sU -p 1000-1029 --max-retries 0 --max-rate 200 \
		-e "$NMT_PEER" "$NMT_H4" >"$NMT_TMP/nmap.out" 2>&1 || { cat "$NMT_TMP/nmap.out"; false; }
	nmt_wait_written "$DB"
	nmt_rec_stop

	# Nothing listens on them: 30 datagrams, answered by ICMP port unreachable.
	[ "$(nmt_sql "$DB" "SELECT count(DISTINCT dst_port) FROM flow_log WHERE protocol = 17
		AND src = '$NMT_P4' AND dst = '$NMT_H4'")" -eq 30 ]
	[ "$(kinds)" = udp_scan ]
	[ "$(hits udp_scan "DISTINCT subject")" = "$NMT_P4 > $NMT_H4" ]
	[ "$(nmt_sql "$DB" "SELECT max(value), min(threshold) FROM anomaly_log")" = "30|15" ]
	[ "$(alert_status)" -eq 2 ]
	same_as_report
}

@test "UDP scan: a DNS-like client, 40 unanswered queries from new ports to port 53" {
	nmt_rec_start "$DB"
	# Each query from its own socket (a new source port), at irregular
	# gaps: a stub resolver retrying a server that does not answer.
	# shellcheck disable=SC2016 # expanded by the inner bash
	nmt_in_ns bash -c 'for i in $(seq 40); do
		"$1" -t 5 udp-send "$2" 53 1 40 >/dev/null || exit
		sleep "0.0$((RANDOM % 10))"
	done' - "$NMT_TRAFFIC" "$NMT_H4"
	nmt_wait_written "$DB"
	nmt_rec_stop

	# All 40 recorded; from nearly as many source ports (the kernel may pick
	# an ephemeral port twice).
	[ "$(nmt_sql "$DB" "SELECT sum(packets) FROM flow_log WHERE protocol = 17
		AND src = '$NMT_P4' AND dst_port = 53")" -eq 40 ]
	[ "$(nmt_sql "$DB" "SELECT count(DISTINCT src_port) FROM flow_log WHERE protocol = 17
		AND src = '$NMT_P4' AND dst_port = 53")" -ge 30 ]
	[ "$(nmt_sql "$DB" "SELECT count(*) FROM anomaly_log")" -eq 0 ]
	[ "$(alert_status)" -eq 0 ]
}

@test "SYN flood: a bounded hping3 burst of 1500 SYNs to one port" {
	nmt_rec_start "$DB"
	nmt_in_ns timeout 30 hping3 -q -S -p 7777 -i u1000 -c 1500 "$NMT_H4" \
		>"$NMT_TMP/hping.out" 2>&1 || true
	nmt_wait_written "$DB"
	nmt_rec_stop

	# hping3 sent them all (the ground truth for the rates below).
	[ "$(nmt_sql "$DB" "SELECT sum(syn) FROM flow_log WHERE dst = '$NMT_H4'
		AND dst_port = 7777 AND (tcp_flags & 16) = 0")" -eq 1500 ]
	[ "$(kinds)" = syn_flood ]
	[ "$(hits syn_flood "DISTINCT subject")" = "$NMT_H4:7777" ]
	# Each hit's SYNs are that interval's SYNs to the port, at over 100 per second.
	nmt_sql "$DB" "SELECT a.detail, (SELECT sum(syn) FROM flow_log f WHERE f.ts_start = a.ts
		AND f.dst_port = 7777) FROM anomaly_log a" | while IFS='|' read -r detail syns; do
		[[ $detail == "$syns SYNs in "* ]] ||
			{ nmt_fail "hit '$detail', interval had $syns SYNs"; exit 1; }
	done
	[ "$(nmt_sql "$DB" "SELECT count(*) FROM anomaly_log WHERE value <= 100")" -eq 0 ]
	same_as_report
}

@test "fan-in: 60 source addresses of the namespace at once, after a quiet baseline" {
	local i
	for i in $(seq 10 69); do
		echo "addr add 198.18.$NMT_X.$i/24 dev $NMT_PEER" >>"$NMT_TMP/ns.batch"
		echo "neigh replace 198.18.$NMT_X.$i lladdr $NMT_PEER_MAC dev $NMT_HOST nud permanent" \
			>>"$NMT_TMP/root.batch"
	done
	ip -n "$NMT_NS" -batch "$NMT_TMP/ns.batch"
	ip -batch "$NMT_TMP/root.batch"
	nmt_rec_start "$DB" --interval 4
	# A recorded interval before the burst is the baseline; then start just
	# after an interval boundary so that the 60 land in one interval.
	nmt_wait_intervals "$DB" 1 1
	while (($(date +%s) % 4 != 0)); do sleep 0.05; done
	# shellcheck disable=SC2016 # expanded by the inner bash
	nmt_in_ns bash -c 'for i in $(seq 10 69); do
		"$1" -t 5 -b "198.18.$2.$i" udp-send "$3" 9999 1 100 >/dev/null &
	done; wait' - "$NMT_TRAFFIC" "$NMT_X" "$NMT_H4"
	nmt_wait_written "$DB"
	nmt_rec_stop

	# All 60 arrived; each interval with 50 or more sources is one hit.
	[ "$(nmt_sql "$DB" "SELECT count(DISTINCT src) FROM flow_log WHERE dst = '$NMT_H4'")" -eq 60 ]
	nmt_sql "$DB" "SELECT ts_start, '$NMT_H4', count(DISTINCT src), 50 FROM flow_log
		WHERE dst = '$NMT_H4' GROUP BY ts_start HAVING count(DISTINCT src) >= 50" >"$NMT_TMP/want"
	nmt_sql "$DB" "SELECT ts, subject, value, threshold FROM anomaly_log" >"$NMT_TMP/got"
	[ -s "$NMT_TMP/want" ] || nmt_fail "the 60 sources were spread over several intervals"
	nmt_same expected "$NMT_TMP/want" anomaly_log "$NMT_TMP/got"
	[ "$(kinds)" = fan_in ]
	same_as_report
}

@test "beaconing: a process connecting every 1.2 s, seven times" {
	local i
	nmt_spawn c2 ip netns exec "$NMT_NS" timeout 60 ncat -l -k "$NMT_P4" 8080
	nmt_rec_start "$DB"
	for i in 1 2 3 4 5 6 7; do
		"$NMT_TRAFFIC" -t 5 tcp-send "$NMT_P4" 8080 100 >/dev/null
		sleep 1.2
	done
	nmt_rec_stop
	nmt_stop_pid "$NMT_PID_c2" || true

	[ "$(kinds)" = beaconing ]
	[ "$(hits beaconing "DISTINCT subject")" = "$NMT_H4 > $NMT_P4:8080" ]
	# From the sixth connection on: one hit per further contact, named.
	[ "$(hits beaconing | wc -l)" -eq 2 ]
	[ "$(nmt_sql "$DB" "SELECT count(*) FROM anomaly_log WHERE value <= 0.1
		AND detail LIKE '% by nm-traffic'")" -eq 2 ]
	[[ $(hits beaconing detail | tail -1) == "7 connections every 1."* ]]
	same_as_report
}

@test "beaconing: a datagram every 2 s from one socket, seven times" {
	nmt_spawn udprx ip netns exec "$NMT_NS" "$NMT_TRAFFIC" -t 40 udp-recv "$NMT_P4" 5353 7
	nmt_wait_line "$NMT_TMP/udprx.err" '^nm-traffic: listening on' "$NMT_PID_udprx"
	nmt_rec_start "$DB"
	# One socket (bash's /dev/udp), one datagram every 2 s; the receiver
	# does not answer.
	# shellcheck disable=SC2016 # expanded by the inner bash
	timeout 30 bash -c 'exec 3>"/dev/udp/$1/5353" || exit
		for i in 1 2 3 4 5 6 7; do echo beacon >&3 || exit; [ $i -eq 7 ] || sleep 2; done' \
		- "$NMT_P4"
	nmt_wait_written "$DB"
	nmt_rec_stop
	nmt_await udprx

	grep -q "datagrams=7 " "$NMT_TMP/udprx.out" || { nmt_dump udprx; false; }
	[ "$(nmt_sql "$DB" "SELECT count(*) FROM flow_log WHERE protocol = 17
		AND dst_port = 5353")" -eq 7 ]
	[ "$(kinds)" = beaconing ]
	[ "$(hits beaconing "DISTINCT subject")" = "$NMT_H4 > $NMT_P4:5353/udp" ]
	# From the sixth datagram on: one hit per further contact.
	[ "$(hits beaconing | wc -l)" -eq 2 ]
	[ "$(nmt_sql "$DB" "SELECT count(*) FROM anomaly_log WHERE value <= 0.1")" -eq 2 ]
	# 2 s plus bash's own time for a round (a fork of sleep), named by process.
	[[ $(hits beaconing detail | tail -1) == "7 UDP contacts every 2.0"*" s "*" by bash" ]]
	same_as_report
}

@test "high bandwidth: a 60 MB transfer over the link" {
	nmt_rec_start "$DB"
	nmt_tcp out 4 21001 6001 60000000
	nmt_wait_written "$DB"
	nmt_rec_stop

	[ "$(hits high_bandwidth "DISTINCT subject")" = "tcp $NMT_H4:21001 > $NMT_P4:6001" ]
	# Each hit's bytes are that interval's bytes of the flow.
	nmt_sql "$DB" "SELECT a.detail, (SELECT sum(bytes) FROM flow_log f WHERE f.ts_start = a.ts
		AND f.src_port = 21001) FROM anomaly_log a WHERE kind = 'high_bandwidth'" |
		while IFS='|' read -r detail bytes; do
			[[ $detail == "$bytes bytes in "* ]] ||
				{ nmt_fail "hit '$detail', flow had $bytes"; exit 1; }
		done
	[ "$(nmt_sql "$DB" "SELECT count(*) FROM anomaly_log WHERE kind = 'high_bandwidth'
		AND value <= 10000000")" -eq 0 ]
	same_as_report
}

@test "exfiltration: a bulk upload after a quiet baseline" {
	nmt_rec_start "$DB"
	nmt_udp out 4 20001 5001 5 100
	# Its interval and a quiet one after it committed: the baseline.
	nmt_wait_written "$DB" 2
	nmt_tcp out 4 21002 6002 60000000
	nmt_wait_written "$DB"
	nmt_rec_stop

	# The host's address, with what it sent in the interval of each hit.
	[ "$(hits exfiltration "DISTINCT subject")" = "$NMT_H4" ]
	nmt_sql "$DB" "SELECT a.value, (SELECT sum(bytes) FROM flow_log f WHERE f.ts_start = a.ts
		AND f.direction = 'out' AND f.src = '$NMT_H4') FROM anomaly_log a
		WHERE kind = 'exfiltration'" | while IFS='|' read -r value sent; do
		[ "$value" = "$sent" ] || { nmt_fail "hit of $value bytes, $sent sent"; exit 1; }
	done
	[ "$(kinds | tr '\n' ' ')" = "exfiltration high_bandwidth " ]
	same_as_report
}

@test "malformed: a burst of 50 malformed frames from the peer" {
	nmt_rec_start "$DB"
	nmt_in_ns "$FRAMES" -t 5 "$NMT_PEER" "$NMT_HOST_MAC" 50 >/dev/null
	nmt_wait_written "$DB"
	nmt_rec_stop

	[ "$(kinds)" = malformed ]
	[ "$(hits malformed "subject, sum(value)")" = "$NMT_HOST in|50" ]
	[ "$(nmt_sql "$DB" "SELECT sum(malformed) FROM collector_log")" -eq 50 ]
	same_as_report
}

@test "ordinary traffic triggers nothing, and --alert exits 0" {
	nmt_rec_start "$DB"
	nmt_udp out 4 20001 5001 20 500
	nmt_udp in 6 20002 5002 20 500
	nmt_tcp out 4 21001 6001 200000
	nmt_tcp in 4 21002 6002 200000
	nmt_tcp out 6 21003 6003 100000
	nmt_in_ns ping -q -c 3 -i 0.2 "$NMT_H4" >/dev/null
	# A stream of a datagram every 0.5 s from one socket for 6 s: in every
	# interval, which is no beacon (one contact), and one port, no UDP scan.
	nmt_spawn udprx ip netns exec "$NMT_NS" "$NMT_TRAFFIC" -t 15 udp-recv "$NMT_P4" 5003 12 100
	nmt_wait_line "$NMT_TMP/udprx.err" '^nm-traffic: listening on' "$NMT_PID_udprx"
	"$NMT_TRAFFIC" -t 15 -p 20003 -g 500000 udp-send "$NMT_P4" 5003 12 100 >/dev/null
	nmt_await udprx
	nmt_wait_written "$DB"
	nmt_rec_stop

	[ "$(nmt_sql "$DB" "SELECT count(*) FROM flow_log")" -gt 0 ]
	[ "$(nmt_sql "$DB" "SELECT count(DISTINCT ts_start) FROM flow_log
		WHERE src_port = 20003")" -ge 6 ]
	[ "$(nmt_sql "$DB" "SELECT count(*) FROM anomaly_log")" -eq 0 ]
	[ "$(alert_status)" -eq 0 ]
	run "$REPORT" --db "$DB" anomalies
	[[ $output == "no anomalies in the "*" intervals recorded from "* ]]
}
