#!/usr/bin/env bats
# synflood.bats - a spoofed-source SYN flood replayed onto the test's veth
# while the recorder runs at the default table size (65,536 flows): 300,000
# SYNs from random sources of 198.18.0.0/15 (make-synflood.py send, from the
# namespace through an AF_PACKET socket, to a MAC address the root side does
# not have: its kernel drops them before IP, so nothing answers and nothing
# leaves the link). Ground truth is what was sent: every SYN is in flow_log
# (the flows that fit and the overflow row), exactly, and the syn_flood hit
# counts them all. Bounded: one burst, the recorder's --duration, timeouts.

# shellcheck disable=SC2154 # NMT_PID_<name> are set by nmt_spawn (printf -v)
bats_require_minimum_version 1.5.0

load lib

N=300000

setup() {
	nmt_require "$NMT_RECORD"
	nmt_setup
	DB=$NMT_TMP/netmon.db
}

teardown() {
	nmt_teardown
}

# rx_stat FIELD: the root side's receive counter FIELD (packets, dropped).
rx_stat() {
	cat "/sys/class/net/$NMT_HOST/statistics/rx_$1"
}

@test "300,000 spoofed SYNs on a veth at the default table size: every SYN sent is in flow_log, the hit counts them all" {
	local n=$((NMT_READY_TIMEOUT * 20 * 3)) before sent rx0 drop0 ts syns
	nmt_rec_start "$DB" --interval 30
	# Right after an interval began, so that the burst is one interval's.
	before=$(nmt_sql "$DB" 'SELECT count(*) FROM intervals')
	while [ "$(nmt_sql "$DB" 'SELECT count(*) FROM intervals')" -eq "$before" ] && ((n-- > 0)); do
		sleep 0.05
	done
	[ "$(nmt_sql "$DB" 'SELECT count(*) FROM intervals')" -gt "$before" ]
	rx0=$(rx_stat packets) drop0=$(rx_stat dropped)
	sent=$(nmt_in_ns timeout 60 python3 "$BATS_TEST_DIRNAME/make-synflood.py" send "$NMT_PEER" "$N")
	echo "sent $sent; the root side received $(($(rx_stat packets) - rx0)), dropped $(($(rx_stat dropped) - drop0))"
	[ "$sent" -eq "$N" ]
	nmt_rec_stop

	# Every SYN sent is in flow_log on the interface: flows and overflow row.
	[ "$(nmt_sql "$DB" "SELECT sum(syn) FROM flow_log WHERE interface = '$NMT_HOST'
		AND protocol = 6")" -eq "$sent" ]
	# The table filled: the overflow row holds the rest, SYNs only.
	[ "$(nmt_sql "$DB" "SELECT count(*), sum(syn) = sum(packets), max(tcp_flags)
		FROM flow_log WHERE interface = '$NMT_HOST' AND protocol = 6
		AND src = '0.0.0.0' AND dst = '0.0.0.0'")" = "1|1|2" ]
	[ "$(nmt_sql "$DB" "SELECT count(*) FROM flow_log WHERE interface = '$NMT_HOST'
		AND protocol = 6 AND src <> '0.0.0.0'")" -eq 65536 ]
	# One interval held the burst, and its one hit counts every SYN.
	ts=$(nmt_sql "$DB" "SELECT ts_start FROM flow_log WHERE interface = '$NMT_HOST'
		AND protocol = 6 GROUP BY ts_start")
	[ "$(echo "$ts" | wc -l)" -eq 1 ]
	# (fan_in may fire too: tens of thousands of sources at once.)
	[ "$(nmt_sql "$DB" "SELECT count(*) FROM anomaly_log WHERE kind = 'syn_flood'")" -eq 1 ]
	syns=$(nmt_sql "$DB" "SELECT ts || '|' || subject || '|' || detail FROM anomaly_log
		WHERE kind = 'syn_flood'")
	echo "hit: $syns"
	[[ $syns == "$ts|198.18.0.2:80|$sent SYNs in "*" sources without a completed handshake; 0 of 65536 connections completed ("*" of the SYNs in the overflow row,"* ]]
}
