#!/usr/bin/env bats
# Flow tables larger than 256 MiB are mapped into the recorder a window at a
# time (recorder/kernel/snapshot.c, docs/design.md "Flow tables"); the test
# hook NETMON_TEST_MAP_WINDOW makes the 98 and 138 MB tables of
# --max-flows 1048576 go the same way, in the default windows of 32,768
# slots: imports must still equal tshark per flow. tests/bpf/test_snapshot.c checks the window edges slot by slot; here
# the whole recorder goes through them: flows spread over the tables' many
# windows, held, cleared, freed when idle and inserted again.

O=${O:-build}
PCAPS=${NETMON_PCAPS:-$BATS_TEST_DIRNAME/../../../shared/pcaps}
BIG=(--max-flows 1048576)

setup() {
	DB=$BATS_TEST_TMPDIR/import.db
}

# ours: netmon's flows, in tshark-flows.sh's format.
ours() {
	sqlite3 -separator $'\t' "$DB" "SELECT family, src, dst, protocol, sum(packets),
		sum(bytes) FROM flow_log GROUP BY 1, 2, 3, 4" | sort
}

# compare FILE [ARGS]: import FILE with large tables, diff with tshark.
compare() {
	local file=$1
	shift
	NETMON_TEST_MAP_WINDOW=32768 run "$O/netmon-record" --read "$file" --db "$DB" \
		"${BIG[@]}" "$@"
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	# Both tables went through the windows, not a whole mapping.
	[[ $output == *"IPv4 flow table (96 MiB) is mapped 32768 slots at a time"* ]]
	[[ $output == *"IPv6 flow table (134 MiB) is mapped 32768 slots at a time"* ]]
	diff <(ours) <("$BATS_TEST_DIRNAME/tshark-flows.sh" "$file" 2>/dev/null)
	[ -n "$(ours)" ]
	[ "$(sqlite3 "$DB" 'SELECT sum(table_full) FROM collector_log')" = 0 ]
}

@test "large tables: 20,000 new hosts in two bursts 5 s apart equal tshark per flow" {
	local one=$BATS_TEST_TMPDIR/one.pcap two=$BATS_TEST_TMPDIR/two.pcap
	local cap=$BATS_TEST_TMPDIR/bursts.pcap
	python3 "$BATS_TEST_DIRNAME/../../bench/new_hosts_pcap.py" "$one" 20000
	editcap -t 5 "$one" "$two"
	mergecap -F pcap -w "$cap" "$one" "$two"
	# Two intervals: every flow is held, then idle and freed, then inserted
	# again; each flow has its two datagrams.
	compare "$cap" --interval 2
	[ "$(sqlite3 "$DB" 'SELECT count(DISTINCT ts_start) FROM flow_log')" = 2 ]
	[ "$(sqlite3 "$DB" 'SELECT count(*), count(DISTINCT src), sum(packets) FROM flow_log')" = \
		"40000|20000|40000" ]
}

@test "large tables: IPv6 and IPv4 captures equal tshark per flow" {
	[ -d "$PCAPS" ] || { echo "captures not found at $PCAPS" >&2; return 1; }
	compare "$PCAPS/four_ipv6_http_streams.pcap" --interval 60
	rm -f "$DB" "$DB"-wal "$DB"-shm
	compare "$PCAPS/DnsPackets.pcap" --interval 60
}
