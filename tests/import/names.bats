#!/usr/bin/env bats
# Host names from a real capture's DNS responses (netmon-record --read):
# the same TC program passes them to the same parser as live recording, and
# host_names must hold exactly the pairs tshark's decoding of the answers
# tells (tests/import/dns-names.py), with the capture's times.

O=${O:-build}
PCAPS=${NETMON_PCAPS:-$BATS_TEST_DIRNAME/../../../shared/pcaps}
CAP=$PCAPS/DnsPackets.pcap

setup() {
	[ -f "$CAP" ] || { echo "capture not found at $CAP" >&2; return 1; }
	DB=$BATS_TEST_TMPDIR/names.db
}

# tshark_names FILTER: the pairs of the responses FILTER selects.
tshark_names() {
	tshark -r "$CAP" -Y "$1" -T json 2>/dev/null | "$BATS_TEST_DIRNAME/dns-names.py" | sort
}

@test "import: host_names holds exactly the names the capture's DNS answers tell" {
	run "$O/netmon-record" --read "$CAP" --db "$DB" --interval 60
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	expected=$(tshark_names 'dns.flags.response == 1 && udp.srcport == 53')
	# Not a vacuous match: hundreds of pairs, addresses named through
	# CNAME aliases (more pairs than addresses). IPv6: tests/e2e/names.bats.
	[ "$(wc -l <<<"$expected")" -gt 500 ]
	[ "$(wc -l <<<"$expected")" -gt "$(cut -d'|' -f1 <<<"$expected" | sort -u | wc -l)" ]
	diff <(sqlite3 "$DB" "SELECT address || '|' || name || '|' || first_seen || '|' ||
		last_seen FROM host_names WHERE source = 'dns'" | sort) <(echo "$expected")
	# Every response from port 53 is counted once, none lost.
	[ "$(sqlite3 "$DB" 'SELECT sum(dns_messages), sum(dns_dropped) FROM collector_log')" = \
		"$(tshark -r "$CAP" -Y 'dns.flags.response == 1 && udp.srcport == 53' 2>/dev/null |
			wc -l)|0" ]
	# mDNS (port 5353) is no answer the host asked for: not read.
	[ -n "$(tshark -r "$CAP" -Y 'udp.srcport == 5353' 2>/dev/null)" ]
	[[ $output == *"0 malformed"* ]]
}

@test "import: --no-names keeps no names and counts no responses" {
	run "$O/netmon-record" --read "$CAP" --db "$DB" --interval 60 --no-names
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	[ "$(sqlite3 "$DB" 'SELECT count(*) FROM address_names')" = 0 ]
	[ "$(sqlite3 "$DB" 'SELECT sum(dns_messages) FROM collector_log')" = 0 ]
	# The traffic is counted all the same, and no DNS kind reached traffic.
	[ "$(sqlite3 "$DB" 'SELECT sum(packets) FROM traffic_log')" = \
		"$(tshark -r "$CAP" 2>/dev/null | wc -l)" ]
	[ "$(sqlite3 "$DB" 'SELECT count(*) FROM traffic WHERE kind > 6')" = 0 ]
}

@test "import: a capture imported twice keeps one row per pair, its span widened" {
	run "$O/netmon-record" --read "$CAP" --db "$DB" --interval 60
	[ "$status" -eq 0 ]
	before=$(sqlite3 "$DB" 'SELECT count(*) FROM address_names')
	run "$O/netmon-record" --read "$CAP" --db "$DB" --interval 60 --force-import
	[ "$status" -eq 0 ]
	[ "$(sqlite3 "$DB" 'SELECT count(*) FROM address_names')" = "$before" ]
	[ "$(sqlite3 "$DB" 'SELECT count(*) FROM dns_names')" = \
		"$(sqlite3 "$DB" 'SELECT count(DISTINCT name_id) FROM address_names')" ]
}
