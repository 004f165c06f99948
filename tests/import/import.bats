#!/usr/bin/env bats
# Offline import (netmon-record --read) of every capture in ../shared/pcaps,
# compared with tshark's own decoding of the same file: for each (family,
# src, dst, protocol) the packets and L3 bytes in flow_log must be equal.
#
# MPLS frames are the one exception: netmon does not look inside MPLS (it
# counts such frames as non-IP), while tshark decodes pseudowires by
# heuristics. They are compared as counts: netmon's non-IP frames must be
# exactly tshark's non-IP frames plus its MPLS frames.

# shellcheck disable=SC2154 # $stderr: set by bats' run --separate-stderr
bats_require_minimum_version 1.5.0 # run --separate-stderr

O=${O:-build}
PCAPS=${NETMON_PCAPS:-$BATS_TEST_DIRNAME/../../../shared/pcaps}

setup() {
	[ -d "$PCAPS" ] || { echo "captures not found at $PCAPS" >&2; return 1; }
	DB=$BATS_TEST_TMPDIR/import.db
}

teardown() {
	# A read-only mount a failed test left (bats removes its directory after).
	if mountpoint -q "$BATS_TEST_TMPDIR/ro"; then umount "$BATS_TEST_TMPDIR/ro"; fi
	return 0
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

# compare_file FILE: import FILE and diff with tshark (any link type).
compare_file() {
	run "$O/netmon-record" --read "$1" --db "$DB" --interval 60
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	diff <(ours) <("$BATS_TEST_DIRNAME/tshark-flows.sh" "$1" 2>/dev/null)
	[ "$(sqlite3 "$DB" 'SELECT sum(not_counted) + sum(malformed) FROM collector_log')" = 0 ]
	# Every frame is one packet, as tshark counts them.
	[ "$(sqlite3 "$DB" 'SELECT sum(packets) FROM traffic_log')" = \
		"$(tshark -r "$1" -n 2>/dev/null | wc -l)" ]
}

# counts: packets and bytes per interface in traffic_log.
counts() {
	sqlite3 "$DB" "SELECT interface, sum(packets), sum(bytes) FROM traffic_log
		GROUP BY interface ORDER BY interface"
}

# tshark_bytes FILE N: N times the L3 bytes tshark reads in FILE.
tshark_bytes() {
	"$BATS_TEST_DIRNAME/tshark-flows.sh" "$1" 2>/dev/null |
		awk -F'\t' -v n="$2" '{ b += $6 } END { print b * n }'
}

# no_db_left DIR: the failed import left nothing (no directory, file, -wal, -shm).
no_db_left() {
	[ ! -e "$1" ] || { ls -la "$1"; return 1; }
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

# ---- frames longer than BPF_PROG_TEST_RUN takes (issue 19, item 1) ----------

@test "frames up to 65549 bytes (GRO/TSO, loopback, snaplen-cut) equal tshark, any link type" {
	local cap=$BATS_TEST_TMPDIR/long.pcap
	"$BATS_TEST_DIRNAME/make-captures.py" long "$cap"
	# Not vacuous: frames longer than a page, one only 128 bytes captured.
	[ "$(tshark -r "$cap" -n -Y 'frame.len > 4096' 2>/dev/null | wc -l)" -ge 5 ]
	[ "$(tshark -r "$cap" -n -Y 'frame.len == 65549' 2>/dev/null | wc -l)" -eq 2 ]
	[ "$(tshark -r "$cap" -n -Y 'frame.cap_len < frame.len' 2>/dev/null | wc -l)" -eq 1 ]
	compare_file "$cap"
	rm -f "$DB"
	compare_file "$cap.sll2"
	# SLL2 says which were sent: those went through the egress program.
	[ "$(sqlite3 "$DB" "SELECT count(*) FROM traffic_log WHERE direction = 'out'")" -gt 0 ]
	rm -f "$DB"
	compare_file "$cap.raw"
}

@test "a frame that cannot be replayed is in collector_log and fails the import" {
	local cap=$BATS_TEST_TMPDIR/short.pcap
	"$BATS_TEST_DIRNAME/make-captures.py" short "$cap"
	run "$O/netmon-record" --read "$cap" --db "$DB"
	[ "$status" -eq 1 ]
	[[ "$output" == *"error: $cap: 1 frames (6 bytes) could not be counted"* ]]
	# The rest is imported, as tshark reads it; the 6-byte frame is accounted.
	diff <(ours) <("$BATS_TEST_DIRNAME/tshark-flows.sh" "$cap" 2>/dev/null)
	[ -n "$(ours)" ]
	[ "$(sqlite3 "$DB" 'SELECT sum(not_counted), sum(not_counted_bytes) FROM collector_log')" = \
		"1|$(tshark -r "$cap" -n -Y 'frame.len < 14' -T fields -e frame.len 2>/dev/null)" ]
}

# ---- the same capture twice (item 3) -----------------------------------------

@test "a capture already imported is refused, naming --force-import; nothing changes" {
	local cap=$PCAPS/DnsPackets.pcap before
	run "$O/netmon-record" --read "$cap" --db "$DB"
	[ "$status" -eq 0 ]
	before=$(counts)
	run "$O/netmon-record" --read "$cap" --db "$DB"
	[ "$status" -eq 1 ]
	[[ "$output" == *"error: $cap: the database already holds traffic of interface 'DnsPackets.pcap'"* ]]
	[[ "$output" == *"--force-import"* ]]
	[ "$(counts)" = "$before" ]
	# A part of it (the same times) is refused too.
	tshark -r "$cap" -n -Y 'frame.number > 100 && frame.number <= 200' -F pcap \
		-w "$BATS_TEST_TMPDIR/part.pcap" 2>/dev/null
	run "$O/netmon-record" --read "$BATS_TEST_TMPDIR/part.pcap" -i DnsPackets.pcap --db "$DB"
	[ "$status" -eq 1 ]
	[ "$(counts)" = "$before" ]
}

@test "the same capture under another name, at other times, or forced is imported" {
	local cap=$PCAPS/DnsPackets.pcap once
	run "$O/netmon-record" --read "$cap" --db "$DB"
	[ "$status" -eq 0 ]
	once=$(sqlite3 "$DB" "SELECT sum(packets) FROM traffic_log")
	run "$O/netmon-record" --read "$cap" -i other --db "$DB"
	[ "$status" -eq 0 ]
	# The same interface name a day later: no overlap, imported.
	editcap -t 86400 "$cap" "$BATS_TEST_TMPDIR/later.pcap" >/dev/null
	run "$O/netmon-record" --read "$BATS_TEST_TMPDIR/later.pcap" -i DnsPackets.pcap --db "$DB"
	[ "$status" -eq 0 ]
	run "$O/netmon-record" --read "$cap" --db "$DB" --force-import
	[ "$status" -eq 0 ]
	[ "$(counts)" = "$(printf 'DnsPackets.pcap|%s|%s\nother|%s|%s' \
		$((3 * once)) "$(tshark_bytes "$cap" 3)" "$once" "$(tshark_bytes "$cap" 1)")" ]
	# --force-import belongs to --read.
	run "$O/netmon-record" --force-import --db "$DB"
	[ "$status" -eq 64 ]
}

# ---- a cut capture, and files that are no capture (item 4) ---------------------

@test "a capture cut short imports every packet before the cut, says so and exits 1" {
	local plain=$BATS_TEST_TMPDIR/plain.pcap cut=$BATS_TEST_TMPDIR/cut.pcap n
	# Without its MPLS frames (see compare), cut in the middle of a record.
	tshark -r "$PCAPS/tcpreplay-test.pcap" -n -Y 'not mpls' -F pcap -w "$plain" 2>/dev/null
	head -c 40000 "$plain" >"$cut"
	run "$O/netmon-record" --read "$cut" --db "$DB" --interval 60
	[ "$status" -eq 1 ]
	# tshark reads the same packets up to the cut (and complains of it too).
	n=$(tshark -r "$cut" -n 2>/dev/null | wc -l)
	[ "$n" -gt 0 ]
	[[ "$output" == *"error: $cut: cut short inside record $((n + 1)) "*"the $n records before it are imported"* ]]
	diff <(ours) <("$BATS_TEST_DIRNAME/tshark-flows.sh" "$cut" 2>/dev/null)
	[ "$(sqlite3 "$DB" 'SELECT (SELECT sum(packets) FROM traffic_log) +
		(SELECT sum(non_ip) FROM collector_log)')" = "$n" ]
	# Judged by the anomaly rules like any import.
	[ "$(sqlite3 "$DB" "SELECT value FROM meta WHERE key = 'anomaly_evaluated_through'")" = \
		"$(sqlite3 "$DB" 'SELECT max(id) FROM intervals')" ]
}

@test "a file that is no capture we read leaves no database behind" {
	local dir=$BATS_TEST_TMPDIR/new f
	head -c 10 "$PCAPS/DnsPackets.pcap" >"$BATS_TEST_TMPDIR/ten.pcap"
	head -c 30 "$PCAPS/DnsPackets.pcap" >"$BATS_TEST_TMPDIR/header-only-cut.pcap"
	printf 'this is not a capture file at all\n' >"$BATS_TEST_TMPDIR/magic.pcap"
	printf '\xd4\xc3\xb2\xa1\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\x00\x00\x7f\x00\x00\x00' \
		>"$BATS_TEST_TMPDIR/radiotap.pcap"
	for f in ten header-only-cut magic radiotap absent; do
		run "$O/netmon-record" --read "$BATS_TEST_TMPDIR/$f.pcap" --db "$dir/n.db"
		echo "$f: $status $output"
		[ "$status" -eq 1 ]
		[[ "$output" == *"netmon-record: error: $BATS_TEST_TMPDIR/$f.pcap: "* ]]
		no_db_left "$dir"
	done
	# A directory: named as one, and nothing else said (no names' summary).
	mkdir "$BATS_TEST_TMPDIR/adir"
	run --separate-stderr "$O/netmon-record" --read "$BATS_TEST_TMPDIR/adir" --db "$dir/n.db"
	[ "$status" -eq 1 ]
	[ "$stderr" = "netmon-record: error: $BATS_TEST_TMPDIR/adir: a directory, not a capture: nothing to import" ]
	no_db_left "$dir"
	# Read from a pipe (not read ahead), the same.
	mkdir "$dir"
	for f in ten header-only-cut radiotap; do
		run "$O/netmon-record" --read - --db "$dir/n.db" <"$BATS_TEST_TMPDIR/$f.pcap"
		[ "$status" -eq 1 ]
		[ -z "$(ls -A "$dir")" ] || { ls -la "$dir"; false; }
	done
}

@test "a failed import leaves an existing database as it was" {
	run "$O/netmon-record" --read "$PCAPS/DnsPackets.pcap" --db "$DB"
	[ "$status" -eq 0 ]
	local before
	before=$(counts)
	printf 'not a capture\n' >"$BATS_TEST_TMPDIR/bad.pcap"
	run "$O/netmon-record" --read "$BATS_TEST_TMPDIR/bad.pcap" --db "$DB"
	[ "$status" -eq 1 ]
	[ -f "$DB" ]
	[ "$(counts)" = "$before" ]
}

@test "a pcapng of interfaces of two link types is refused as such, not as cut short" {
	local ng=$BATS_TEST_TMPDIR/two.pcapng
	mergecap -F pcapng -w "$ng" "$PCAPS/four_ipv6_http_streams.pcap" "$PCAPS/DnsPackets.pcap"
	run --separate-stderr "$O/netmon-record" --read "$ng" --db "$DB"
	echo "$status: $stderr"
	[ "$status" -eq 1 ]
	[[ $stderr == *"$ng: cannot be read (an interface has a type "*" different from the type of the first interface): nothing to import; one interface's packets can be taken out with tshark"* ]]
	[ ! -e "$DB" ]
}

@test "a database on a read-only mount: the import says so, the file stays as it was" {
	local ro=$BATS_TEST_TMPDIR/ro
	run "$O/netmon-record" --read "$PCAPS/DnsPackets.pcap" --db "$DB"
	[ "$status" -eq 0 ]
	mkdir "$ro"
	mount -t tmpfs -o size=64m tmpfs "$ro"
	cp "$DB" "$ro/netmon.db"
	mount -o remount,ro "$ro"
	# An existing database, and a new one in the same directory.
	for db in "$ro/netmon.db" "$ro/new.db"; do
		run --separate-stderr "$O/netmon-record" --read "$PCAPS/VlanPackets.pcap" --db "$db"
		echo "$db: $status: $stderr"
		[ "$status" -eq 1 ]
		[[ $stderr == *"$db: cannot open: unable to open database file: Read-only file system"* ]]
	done
	cmp "$DB" "$ro/netmon.db"
	[ ! -e "$ro/new.db" ]
}

@test "a pipe is checked interval by interval: a capture stored before is refused" {
	run "$O/netmon-record" --read - -i dns --db "$DB" <"$PCAPS/DnsPackets.pcap"
	[ "$status" -eq 0 ]
	local before
	before=$(counts)
	run "$O/netmon-record" --read - -i dns --db "$DB" <"$PCAPS/DnsPackets.pcap"
	[ "$status" -eq 1 ]
	[[ "$output" == *"--force-import"* ]]
	[ "$(counts)" = "$before" ]
}
