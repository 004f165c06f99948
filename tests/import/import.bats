#!/usr/bin/env bats
# Offline import (netmon-record --read) of every capture in ../shared/pcaps,
# compared with tshark's own decoding of the same file: for each (family,
# src, dst, protocol) the packets and L3 bytes in flow_log must be equal.
#
# MPLS frames are the one exception: netmon does not look inside MPLS (it
# counts such frames as non-IP), while tshark decodes pseudowires by
# heuristics. They are compared as counts: netmon's non-IP frames must be
# exactly tshark's non-IP frames plus its MPLS frames.

O=${O:-build}
PCAPS=${NETMON_PCAPS:-$BATS_TEST_DIRNAME/../../../shared/pcaps}

setup() {
	[ -d "$PCAPS" ] || { echo "captures not found at $PCAPS" >&2; return 1; }
	DB=$BATS_TEST_TMPDIR/import.db
}

# ours FILE: netmon's flows of the imported FILE, in tshark-flows.sh's format.
ours() {
	sqlite3 -separator $'\t' "$DB" "SELECT family, src, dst, protocol, sum(packets),
		sum(bytes) FROM flow_log GROUP BY 1, 2, 3, 4" | sort
}

# compare NAME: import NAME (without its MPLS frames) and diff with tshark.
compare() {
	local file=$PCAPS/$1 plain=$BATS_TEST_TMPDIR/plain.pcap
	tshark -r "$file" -n -Y 'not mpls' -w "$plain" 2>/dev/null
	run "$O/netmon-record" --read "$plain" --db "$DB" --interval 60
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	diff <(ours) <("$BATS_TEST_DIRNAME/tshark-flows.sh" "$plain" 2>/dev/null)
	# Not a vacuous match: tshark saw IP traffic in this file.
	[ -n "$(ours)" ]
}

@test "DnsPackets.pcap equals tshark per flow" { compare DnsPackets.pcap; }
@test "VlanPackets.pcap (802.1Q) equals tshark per flow" { compare VlanPackets.pcap; }
@test "four_ipv6_http_streams.pcap (raw IP) equals tshark per flow" {
	compare four_ipv6_http_streams.pcap
}
@test "ip4_fragments.pcap equals tshark per flow" { compare ip4_fragments.pcap; }
@test "ip6_fragments.pcap equals tshark per flow" { compare ip6_fragments.pcap; }
@test "tcpreplay-test.pcap equals tshark per flow" { compare tcpreplay-test.pcap; }

@test "fragments are counted in their datagram's flow (ports kept)" {
	run "$O/netmon-record" --read "$PCAPS/ip4_fragments.pcap" --db "$DB"
	[ "$status" -eq 0 ]
	# Every packet of the capture lands in a flow with ports: no port-less row.
	[ "$(sqlite3 "$DB" 'SELECT count(*) FROM flow_log WHERE src_port = 0 AND dst_port = 0')" = 0 ]
}

@test "MPLS frames count as non-IP, and nothing is lost" {
	local file=$PCAPS/tcpreplay-test.pcap
	run "$O/netmon-record" --read "$file" --db "$DB"
	[ "$status" -eq 0 ]
	local mpls nonip frames
	mpls=$(tshark -r "$file" -n -Y mpls 2>/dev/null | wc -l)
	nonip=$(tshark -r "$file" -n -Y 'not ip and not ipv6' 2>/dev/null | wc -l)
	frames=$(tshark -r "$file" -n 2>/dev/null | wc -l)
	[ "$mpls" -gt 0 ]
	[ "$(sqlite3 "$DB" 'SELECT sum(non_ip) FROM collector_log')" = $((mpls + nonip)) ]
	[ "$(sqlite3 "$DB" 'SELECT sum(malformed) FROM collector_log')" = 0 ]
	# flows + non-IP = frames in the file
	[ "$(sqlite3 "$DB" 'SELECT (SELECT sum(packets) FROM flow_log) +
		(SELECT sum(non_ip) FROM collector_log)')" = "$frames" ]
}

@test "rows take the capture's times and the file's name" {
	run "$O/netmon-record" --read "$PCAPS/DnsPackets.pcap" --db "$DB" --interval 60
	[ "$status" -eq 0 ]
	local first last
	first=$(tshark -r "$PCAPS/DnsPackets.pcap" -T fields -e frame.time_epoch 2>/dev/null | head -1)
	last=$(tshark -r "$PCAPS/DnsPackets.pcap" -T fields -e frame.time_epoch 2>/dev/null | tail -1)
	[ "$(sqlite3 "$DB" 'SELECT DISTINCT interface FROM flow_log')" = DnsPackets.pcap ]
	[ "$(sqlite3 "$DB" 'SELECT min(ts_start) FROM flow_log')" = "${first%.*}" ]
	[ "$(sqlite3 "$DB" 'SELECT max(ts_end) FROM flow_log')" -ge "${last%.*}" ]
	# first_seen is the capture's first packet, to the millisecond
	run sqlite3 "$DB" "SELECT printf('%.3f', min(first_seen)) FROM flow_log"
	[ "$output" = "$(printf '%.3f' "$first")" ]
}

@test "-i names the interface; a link type we cannot read is refused by name" {
	run "$O/netmon-record" --read "$PCAPS/VlanPackets.pcap" -i uplink0 --db "$DB"
	[ "$status" -eq 0 ]
	[ "$(sqlite3 "$DB" 'SELECT DISTINCT interface FROM flow_log')" = uplink0 ]
	# A capture with a link type we do not convert (802.11 with radiotap).
	local odd=$BATS_TEST_TMPDIR/odd.pcap
	printf '\xd4\xc3\xb2\xa1\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\x00\x00\x7f\x00\x00\x00' >"$odd"
	run "$O/netmon-record" --read "$odd" --db "$DB"
	[ "$status" -eq 1 ]
	[[ "$output" == *"link type IEEE802_11_RADIO (127) is not supported"* ]]
	run "$O/netmon-record" --read "$BATS_TEST_TMPDIR/absent.pcap" --db "$DB"
	[ "$status" -eq 1 ]
	run "$O/netmon-record" --read "$PCAPS/VlanPackets.pcap" --duration 5 --db "$DB"
	[ "$status" -eq 64 ]
}
