#!/usr/bin/env bats
# names.bats - host names from the DNS responses the host receives: Debian's
# dnsmasq answers in the test namespace (A, AAAA, CNAME; over UDP and TCP),
# the host resolves through it with glibc (getent, with a resolv.conf and an
# nsswitch.conf of the test's own in a private mount namespace) and then
# sends traffic to the answers; host_names must hold exactly the names
# dnsmasq was told to give, for exactly those addresses, and nothing that a
# response split over TCP segments or truncated could be misread as (a
# server of the test's own, dns-split.py, sends such answers segment by
# segment); those are counted per interval (collector_log.dns_tcp_split).
#
# dnsmasq listens on port 53: the recorder reads responses from port 53,
# and the server's address is the namespace's own (no port of the host).
#
#   O=build bats tests/e2e/names.bats     (root; binaries from $O)

# shellcheck disable=SC2154 # set where shellcheck cannot see: NMT_PID_<name> by nmt_spawn (printf -v)
bats_require_minimum_version 1.5.0

load lib

# Addresses of big.nmt.test: more than a 512-byte UDP answer or one TCP
# segment (MSS 1460) holds, 16 bytes each.
BIG=120

setup() {
	nmt_require "$NMT_RECORD"
	command -v dnsmasq >/dev/null || nmt_fail "dnsmasq is missing: run scripts/install-deps.sh"
	nmt_setup
	DB=$NMT_TMP/netmon.db
	printf 'hosts: dns\n' >"$NMT_TMP/nsswitch.conf"
	big_hosts >"$NMT_TMP/big.hosts"
}

teardown() {
	nmt_teardown
}

# The addresses of big.nmt.test, as a hosts file: 198.18.X.100 on.
big_hosts() {
	local i
	for ((i = 0; i < BIG; i++)); do
		echo "198.18.$NMT_X.$((100 + i)) big.nmt.test"
	done
}

# dns_start: dnsmasq on the peer's addresses with the test's names only.
# www.nmt.test is a host record (a CNAME's target must be one dnsmasq knows
# as a host: dnsmasq(8), --cname), alias.nmt.test a CNAME to it, and
# plain.nmt.test an --address answer.
dns_start() {
	nmt_spawn dns ip netns exec "$NMT_NS" dnsmasq --no-daemon --conf-file=/dev/null \
		--log-facility=- --no-resolv --no-hosts --bind-interfaces \
		--listen-address="$NMT_P4" --listen-address="$NMT_P6" --port=53 \
		--pid-file="$NMT_TMP/dnsmasq.pid" \
		--host-record="www.nmt.test,$NMT_P4,$NMT_P6" \
		--cname=alias.nmt.test,www.nmt.test \
		--address="/plain.nmt.test/$NMT_M4" \
		--addn-hosts="$NMT_TMP/big.hosts"
	nmt_wait_line "$NMT_TMP/dns.err" 'started, version' "$NMT_PID_dns" ||
		{ nmt_dump dns >&2; return 1; }
	# Answering: a name resolves (bounded tries).
	local n=50
	until resolve www.nmt.test >/dev/null 2>&1; do
		((n-- > 0)) || { nmt_dump dns >&2; nmt_fail "dnsmasq does not answer"; return; }
		sleep 0.1
	done
}

# resolve NAME [tcp]: glibc's getent ahosts NAME (A and AAAA queries), with
# dnsmasq in the namespace as the only resolver; tcp: over TCP (use-vc).
resolve() {
	printf 'nameserver %s\noptions attempts:2 timeout:2%s\n' "$NMT_P4" "${2:+ use-vc}" \
		>"$NMT_TMP/resolv.conf"
	# shellcheck disable=SC2016 # expanded by the inner shell
	unshare -m sh -c 'mount --bind "$1" /etc/resolv.conf && mount --bind "$2" /etc/nsswitch.conf &&
		exec getent ahosts "$3"' sh "$NMT_TMP/resolv.conf" "$NMT_TMP/nsswitch.conf" "$1"
}

# The names stored: address|name, sorted.
stored() {
	nmt_sql "$DB" "SELECT address || '|' || name FROM host_names WHERE source = 'dns'" | sort
}

# The pairs dnsmasq was told to give for www, alias and plain.
expected_small() {
	printf '%s\n' "$NMT_P4|www.nmt.test" "$NMT_P4|alias.nmt.test" \
		"$NMT_P6|www.nmt.test" "$NMT_P6|alias.nmt.test" "$NMT_M4|plain.nmt.test" | sort
}

# answers NAME TCP ADDR...: NAME resolves (over TCP when TCP is "tcp") and
# the answer holds every ADDR.
answers() {
	local name=$1 tcp=$2 a out
	shift 2
	out=$(resolve "$name" "$tcp") || { echo "$name does not resolve: $out"; return 1; }
	for a in "$@"; do
		[[ $out == *"$a"* ]] || { echo "$name: no $a in: $out"; return 1; }
	done
}

# resolve_small [tcp]: the three names, each answer checked.
resolve_small() {
	answers alias.nmt.test "${1:-}" "$NMT_P4" "$NMT_P6"
	answers www.nmt.test "${1:-}" "$NMT_P4" "$NMT_P6"
	answers plain.nmt.test "${1:-}" "$NMT_M4"
}

@test "names over UDP: A, AAAA and a CNAME give exactly their names, traffic to them counted" {
	dns_start
	nmt_rec_start "$DB"
	t0=$(date +%s)
	resolve_small
	nmt_udp out 4 20001 5001 5 100
	nmt_udp out 6 20002 5002 5 100
	t1=$(date +%s)
	nmt_rec_stop
	diff <(stored) <(expected_small)
	# Told during the run, at the time of the answers.
	[ "$(nmt_sql "$DB" "SELECT count(*) FROM host_names WHERE first_seen < $t0 OR
		last_seen > $t1 OR first_seen > last_seen")" = 0 ]
	# Every response counted, none lost; the traffic to the answers is there.
	[ "$(nmt_sql "$DB" 'SELECT sum(dns_dropped) FROM collector_log')" = 0 ]
	[ "$(nmt_sql "$DB" 'SELECT sum(dns_messages) >= 6 FROM collector_log')" = 1 ]
	[ "$(nmt_sql "$DB" "SELECT sum(packets) FROM flow_log WHERE dst = '$NMT_P6'
		AND dst_port = 5002")" = 5 ]
	grep -q ' 0 malformed' "$NMT_TMP/rec.err"
}

@test "names over TCP: the same names from whole messages in one segment" {
	dns_start
	nmt_rec_start "$DB"
	resolve_small tcp
	nmt_rec_stop
	diff <(stored) <(expected_small)
	# The answers came over TCP: flows from port 53 over TCP with data.
	[ "$(nmt_sql "$DB" "SELECT count(*) > 0 FROM flow_log WHERE protocol = 6 AND
		src = '$NMT_P4' AND src_port = 53 AND (tcp_flags & 8) = 8")" = 1 ]
	grep -q ' 0 over TCP not whole' "$NMT_TMP/rec.err"
}

@test "a truncated UDP answer and a TCP answer split over segments: counted, never misread" {
	dns_start
	nmt_rec_start "$DB"
	# 120 A records: UDP truncates (TC, retried over TCP), TCP takes two
	# segments with offloads off.
	run resolve big.nmt.test
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	[ "$(grep -c STREAM <<<"$output")" -eq "$BIG" ]
	run resolve big.nmt.test tcp
	[ "$status" -eq 0 ]
	nmt_rec_stop
	# Whatever was stored is among the real answers: the whole records of
	# the truncated answers, no pair from a split one's bytes.
	stored >"$NMT_TMP/stored"
	[ -n "$(cat "$NMT_TMP/stored")" ]
	run comm -23 "$NMT_TMP/stored" <(big_hosts | awk '{ print $1 "|" $2 }' | sort)
	[ -z "$output" ] || { echo "not told: $output"; return 1; }
	# And it was counted: read in part, split and not read.
	grep -qE ' [1-9][0-9]* read in part' "$NMT_TMP/rec.err" || { nmt_dump rec; return 1; }
	grep -qE ' [1-9][0-9]* over TCP not whole' "$NMT_TMP/rec.err" || { nmt_dump rec; return 1; }
	# The segments that carry a split answer's rest were not read as messages.
	grep -q ' 0 malformed' "$NMT_TMP/rec.err" || { nmt_dump rec; return 1; }
	[ "$(nmt_sql "$DB" 'SELECT sum(dns_dropped) FROM collector_log')" = 0 ]
	# The intervals hold the split ones as the exit line counts them.
	split=$(sed -n 's/.* \([0-9]*\) over TCP not whole.*/\1/p' "$NMT_TMP/rec.err")
	[ "$(nmt_sql "$DB" 'SELECT sum(dns_tcp_split) FROM collector_log')" = "$split" ]
}

# Two answers over TCP that no segment holds whole, from a server of the
# test's own (dns-split.py: what it sends, segment by segment): one split
# over two segments, whose second segment is itself a whole answer for
# evil.nmt.test behind its length, and one cut short by the server closing.
# Neither is read, and neither is misread: the only name stored is that of
# the whole answer sent after the split one on the same connection. Both
# are counted, exactly, in the intervals (collector_log.dns_tcp_split).
@test "a TCP answer split over two segments and one cut short: counted exactly, never misread" {
	nmt_rec_start "$DB"
	nmt_dns_split
	nmt_rec_stop
	run stored
	[ "$output" = "198.18.$NMT_X.51|after.nmt.test" ] || { echo "$output"; return 1; }
	[ "$(nmt_sql "$DB" 'SELECT sum(dns_tcp_split) FROM collector_log')" = 2 ]
	grep -q ' 2 over TCP not whole' "$NMT_TMP/rec.err" || { nmt_dump rec; return 1; }
	grep -q ' 0 malformed' "$NMT_TMP/rec.err" || { nmt_dump rec; return 1; }
	[ "$(nmt_sql "$DB" 'SELECT sum(dns_dropped) FROM collector_log')" = 0 ]
}

@test "--no-names: answers resolve, no name is kept" {
	dns_start
	nmt_rec_start "$DB" --no-names
	resolve_small
	nmt_rec_stop
	[ "$(nmt_sql "$DB" 'SELECT count(*) FROM address_names')" = 0 ]
	[ "$(nmt_sql "$DB" 'SELECT sum(dns_messages) FROM collector_log')" = 0 ]
	# The responses are traffic like any other.
	[ "$(nmt_sql "$DB" "SELECT count(*) > 0 FROM flow_log WHERE src_port = 53")" = 1 ]
}
