#!/usr/bin/env bats
# Capture filters on an import (netmon-record --read FILE --exclude/--include):
# the same rules as live, applied to the whole capture. Ground truth is
# tshark's decoding of the file (tshark-flows.sh): the flows a rule leaves
# out are in no flow_log row, their packets and L3 bytes are
# collector_log.excluded and excluded_bytes, and the rest is flow_log.

# shellcheck disable=SC2016 # the $N in single quotes are awk's fields
O=${O:-build}
PCAPS=${NETMON_PCAPS:-$BATS_TEST_DIRNAME/../../../shared/pcaps}

setup() {
	[ -d "$PCAPS" ] || { echo "captures not found at $PCAPS" >&2; return 1; }
	DB=$BATS_TEST_TMPDIR/import.db
	FILE=$PCAPS/DnsPackets.pcap
}

# check_split AWK_MATCH ARGS...: import FILE with ARGS; tshark's flows where
# AWK_MATCH holds (fields: family, src, dst, protocol, packets, bytes) are
# the excluded ones, the others flow_log's.
check_split() {
	local match=$1 gone
	shift
	run "$O/netmon-record" --read "$FILE" -i dns --db "$DB" "$@"
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	"$BATS_TEST_DIRNAME/tshark-flows.sh" "$FILE" 2>/dev/null >"$BATS_TEST_TMPDIR/all"
	awk -F'\t' "!($match)" "$BATS_TEST_TMPDIR/all" >"$BATS_TEST_TMPDIR/kept"
	gone=$(awk -F'\t' "$match { p += \$5; b += \$6 } END { print p + 0 \"|\" b + 0 }" \
		"$BATS_TEST_TMPDIR/all")
	echo "left out per tshark: $gone"
	diff <(sqlite3 -separator $'\t' "$DB" "SELECT family, src, dst, protocol, sum(packets),
		sum(bytes) FROM flow_log GROUP BY 1, 2, 3, 4" | sort) "$BATS_TEST_TMPDIR/kept"
	[ "$(sqlite3 "$DB" 'SELECT sum(excluded), sum(excluded_bytes) FROM collector_log')" = "$gone" ]
	# Something on each side, or the test proves nothing.
	[ -s "$BATS_TEST_TMPDIR/kept" ]
	[ "${gone%|*}" -gt 0 ]
	# The interface totals still hold every packet.
	[ "$(sqlite3 "$DB" 'SELECT sum(packets) FROM traffic_log')" -eq \
		"$(awk -F'\t' '{ p += $5 } END { print p }' "$BATS_TEST_TMPDIR/all")" ]
}

@test "--exclude of the multicast ranges: in no flow row, counted as excluded" {
	check_split '($1 == 4 && $3 ~ /^2(2[4-9]|3[0-9])\./) || ($1 == 6 && $3 ~ /^ff/)' \
		--exclude 224.0.0.0/4 --exclude ff00::/8
}

@test "--include of one IPv4 network: everything else is excluded, IPv6 too" {
	check_split '!($1 == 4 && ($2 ~ /^10\.0\.0\./ || $3 ~ /^10\.0\.0\./))' --include 10.0.0.0/24
}
