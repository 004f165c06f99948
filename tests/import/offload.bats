#!/usr/bin/env bats
# offload.bats - a capture taken the way Linux takes them by default, with
# segmentation and receive offloads on, imports exactly as tshark reads it.
#
# With TSO/GSO/GRO on, a capture holds super-frames of up to 64 KiB (one
# frame for tshark, one packet for netmon: what the capture holds), far
# longer than BPF_PROG_TEST_RUN takes (recorder/capture/replay.h). A TCP transfer of
# a few MB each way across the test's veth (tests/e2e/lib.bash, offloads
# turned back on here) is captured by tshark on the root side, as pcapng and
# as classic pcap (-F pcap), imported, and compared per flow with tshark's
# decoding of the same file: packets, L3 bytes, TCP flags, SYN/FIN/RST.

bats_require_minimum_version 1.5.0

load ../e2e/lib

setup() {
	nmt_require "$NMT_RECORD"
	nmt_setup
	local on=(tso on gso on gro on) f
	ethtool -K "$NMT_HOST" "${on[@]}" || return
	nmt_in_ns ethtool -K "$NMT_PEER" "${on[@]}" || return
	for f in tcp-segmentation-offload generic-segmentation-offload generic-receive-offload; do
		ethtool -k "$NMT_HOST" | grep -q "^$f: on" || nmt_fail "$f is off on $NMT_HOST" || return
		nmt_in_ns ethtool -k "$NMT_PEER" | grep -q "^$f: on" ||
			nmt_fail "$f is off on $NMT_PEER" || return
	done
}

teardown() {
	nmt_teardown
}

# import_and_compare FILE: import FILE as $NMT_HOST and compare with tshark.
import_and_compare() {
	local db frames
	db=$NMT_TMP/$(basename "$1").db
	run "$NMT_RECORD" --read "$1" -i "$NMT_HOST" --db "$db" --interval 60
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	# An imported Ethernet capture has no direction (every row is "in"):
	# compare without it.
	nmt_db_flows "$db" | cut -d'|' -f2- | LC_ALL=C sort >"$NMT_TMP/db.flows"
	nmt_cap_flows "$1" | cut -d'|' -f2- | LC_ALL=C sort >"$NMT_TMP/cap.flows"
	nmt_same tshark "$NMT_TMP/cap.flows" netmon "$NMT_TMP/db.flows" || return
	[ "$(wc -l <"$NMT_TMP/db.flows")" -ge 4 ] # both transfers, both ways
	# Every frame of the file is a packet of some kind; none is left out.
	frames=$(tshark -r "$1" -n 2>/dev/null | wc -l)
	[ "$(nmt_sql "$db" 'SELECT (SELECT sum(packets) FROM traffic_log) +
		(SELECT sum(non_ip) + sum(malformed) + sum(not_counted) FROM collector_log)')" = \
		"$frames" ]
	[ "$(nmt_sql "$db" 'SELECT sum(not_counted) + sum(malformed) FROM collector_log')" = 0 ]
}

@test "TCP captured with TSO/GSO/GRO on (64 KiB frames) imports as tshark reads it" {
	local cap=$NMT_TMP/cap.pcapng
	nmt_cap_start "$cap"
	nmt_tcp out 4 20000 5001 3000000
	nmt_tcp in 6 20001 5002 2000000
	nmt_cap_stop
	tshark -r "$cap" -F pcap -w "$NMT_TMP/cap.pcap" 2>/dev/null
	# Not vacuous: most bytes are in frames longer than a page, which
	# test_run refuses whole, in both directions and families.
	[ "$(tshark -r "$cap" -n -Y 'ip && frame.len > 4096' 2>/dev/null | wc -l)" -gt 5 ]
	[ "$(tshark -r "$cap" -n -Y 'ipv6 && frame.len > 4096' 2>/dev/null | wc -l)" -gt 5 ]
	import_and_compare "$cap"
	import_and_compare "$NMT_TMP/cap.pcap"
}
