#!/usr/bin/env bats
# A spoofed-source SYN flood imported at the default table size
# (netmon-record --read, 65,536 flows): 300,000 SYNs from random sources at
# 250,000 a second (tests/e2e/make-synflood.py) fill the table, and the rest
# go to the overflow row. Ground truth is tshark's decoding of the file:
# every SYN it sees is in flow_log (flows plus the overflow row), and the
# syn_flood hit counts them all, with a range of sources that holds the
# number tshark sees; traffic_log's SYN count (0016_traffic_tcp.sql) too.

# shellcheck disable=SC2016 # the $N in single quotes are awk's fields
O=${O:-build}
N=300000

setup() {
	DB=$BATS_TEST_TMPDIR/flood.db
	FILE=$BATS_TEST_TMPDIR/flood.pcap
	[ "$(python3 "$BATS_TEST_DIRNAME/../e2e/make-synflood.py" "$FILE" "$N")" -eq "$N" ]
}

# tshark_syns: "SYNs distinct-sources first-time last-time" of the file, per
# tshark (sequence analysis off: it is not needed and takes most of the time).
tshark_syns() {
	tshark -r "$FILE" -n -o tcp.analyze_sequence_numbers:FALSE \
		-o tcp.relative_sequence_numbers:FALSE -o tcp.calculate_timestamps:FALSE \
		-Y 'tcp.flags.syn == 1 && tcp.flags.ack == 0' -T fields -e ip.src -e frame.time_epoch |
		awk '{ n++; s[$1] = 1; if (n == 1) f = $2; l = $2 } END { print n, length(s), f, l }'
}

@test "300,000 spoofed SYNs at the default table size: every SYN in flow_log, the syn_flood hit counts them all" {
	local syns srcs first last hit lo hi
	read -r syns srcs first last < <(tshark_syns)
	echo "tshark: $syns SYNs from $srcs sources, $first to $last"
	[ "$syns" -eq "$N" ]

	# 60 s: the rules' time budget is a quarter of the interval (at most 10 s).
	run "$O/netmon-record" --read "$FILE" --db "$DB" --interval 60
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	[ "$(sqlite3 "$DB" 'SELECT count(*) FROM intervals')" -eq 1 ]
	# The table filled: 65,536 flows, the rest in the overflow row.
	[ "$(sqlite3 "$DB" "SELECT count(*) FROM flow_log WHERE src <> '0.0.0.0'")" -eq 65536 ]
	[ "$(sqlite3 "$DB" 'SELECT table_full FROM collector_log')" -gt 200000 ]
	# Every SYN is in flow_log: the flows' and the overflow row's.
	[ "$(sqlite3 "$DB" 'SELECT sum(syn) FROM flow_log WHERE protocol = 6')" -eq "$syns" ]
	[ "$(sqlite3 "$DB" "SELECT count(*), sum(packets) = sum(syn), tcp_flags, fin, rst
		FROM flow_log WHERE src = '0.0.0.0' AND dst = '0.0.0.0'")" = "1|1|2|0|0" ]
	[ "$(sqlite3 "$DB" "SELECT syn FROM flow_log WHERE src = '0.0.0.0'")" -eq \
		"$(sqlite3 "$DB" 'SELECT table_full FROM collector_log')" ]
	# Its times are its packets' (after the table filled), within the capture's.
	sqlite3 "$DB" "SELECT first_seen >= $first - 0.001 AND last_seen <= $last
		AND first_seen < last_seen FROM flow_log WHERE src = '0.0.0.0'" | grep -qx 1
	# flow_log still adds up to traffic_log, which has every SYN too (0016),
	# and the table-full total those of the overflow row.
	[ "$(sqlite3 "$DB" 'SELECT sum(packets) FROM flow_log')" -eq \
		"$(sqlite3 "$DB" 'SELECT sum(packets) FROM traffic_log')" ]
	[ "$(sqlite3 "$DB" 'SELECT syn, fin, rst, tcp_flags FROM traffic_log')" = "$syns|0|0|2" ]
	[ "$(sqlite3 "$DB" 'SELECT packets, syn, tcp_flags FROM traffic WHERE kind = 3')" = \
		"$(sqlite3 "$DB" "SELECT packets, syn, tcp_flags FROM flow_log WHERE src = '0.0.0.0'")" ]

	# One hit, for the port, with every SYN; the sources a range that holds tshark's.
	[ "$(sqlite3 "$DB" "SELECT count(*) FROM anomaly_log WHERE kind = 'syn_flood'")" -eq 1 ]
	hit=$(sqlite3 "$DB" "SELECT subject, detail FROM anomaly_log WHERE kind = 'syn_flood'")
	echo "hit: $hit"
	[[ $hit == "198.18.0.2:80|$syns SYNs in 1.2 s from "* ]]
	[[ $hit =~ from\ ([0-9]+)\ to\ ([0-9]+)\ sources ]]
	lo=${BASH_REMATCH[1]} hi=${BASH_REMATCH[2]}
	((lo <= srcs && srcs <= hi))
	[[ $hit == *"of the SYNs in the overflow row"* ]]
	# The rate is over the flood's own span, 1.2 s: 250,000 a second.
	[ "$(sqlite3 "$DB" "SELECT value BETWEEN 0.99 * $syns / ($last - $first)
		AND 1.01 * $syns / ($last - $first) FROM anomaly_log WHERE kind = 'syn_flood'")" -eq 1 ]
}
