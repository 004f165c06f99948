#!/usr/bin/env bats
# sni.bats - host names from the TLS connections the host opens: openssl
# s_server listens on port 443 in the test namespace, openssl s_client on the
# host connects to it, IPv4 and IPv6, with server names (mixed case, with a
# trailing dot) and without one; host_names must hold, as source 'sni',
# exactly the names tshark reads in the ClientHellos of a capture of the same
# packets, for exactly the addresses they went to, and collector_log must
# count every ClientHello tshark sees.
#
# Port 443 is the namespace's own (the recorder reads hellos sent to 443).
#
#   O=build bats tests/e2e/sni.bats     (root; binaries from $O)

# shellcheck disable=SC2154 # set where shellcheck cannot see: NMT_PID_<name> by nmt_spawn (printf -v)
bats_require_minimum_version 1.5.0

load lib

setup() {
	nmt_require "$NMT_RECORD"
	command -v openssl >/dev/null || nmt_fail "openssl is missing: run scripts/install-deps.sh"
	nmt_setup
	DB=$NMT_TMP/netmon.db
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$NMT_TMP/key.pem" -out "$NMT_TMP/cert.pem" -subj /CN=sni.nmt.test \
		-days 1 2>"$NMT_TMP/req.err" || { cat "$NMT_TMP/req.err" >&2; return 1; }
}

teardown() {
	nmt_teardown
}

# tls_start N: s_server in the namespace on port 443 (both families) for N
# connections, ready once it listens.
tls_start() {
	nmt_spawn tls ip netns exec "$NMT_NS" timeout "$NMT_MAX_RUN" openssl s_server \
		-accept 443 -cert "$NMT_TMP/cert.pem" -key "$NMT_TMP/key.pem" -naccept "$1" -quiet
	local n=$((NMT_READY_TIMEOUT * 10))
	until ip netns exec "$NMT_NS" ss -Hltn 'sport = :443' | grep -q LISTEN; do
		if ((n-- <= 0)) || ! nmt_alive "$NMT_PID_tls"; then
			nmt_dump tls >&2
			nmt_fail "s_server does not listen"
			return
		fi
		sleep 0.1
	done
}

# hello ADDR [NAME]: a TLS connection from the host to ADDR:443, with server
# name NAME (none without it); the handshake completes.
hello() {
	local to=$1 sni=(-noservername)
	[[ $to == *:* ]] && to="[$to]"
	[ -n "${2:-}" ] && sni=(-servername "$2")
	timeout 20 openssl s_client -connect "$to:443" "${sni[@]}" </dev/null >"$NMT_TMP/client.out" 2>&1 ||
		{ cat "$NMT_TMP/client.out" >&2; return 1; }
	grep -q '^CONNECTED' "$NMT_TMP/client.out"
}

# What tshark reads in the capture's ClientHellos: address|name, sorted
# (names lower case without the trailing dot, as stored), and how many.
tshark_names() {
	tshark -r "$NMT_TMP/cap.pcapng" -n -Y 'tls.handshake.type == 1' -T fields \
		-e ip.dst -e ipv6.dst -e tls.handshake.extensions_server_name |
		awk -F'\t' '$3 != "" { n = tolower($3); sub(/\.$/, "", n); print $1 $2 "|" n }' | sort
}

tshark_hellos() {
	tshark -r "$NMT_TMP/cap.pcapng" -n -Y 'tls.handshake.type == 1' | wc -l
}

stored() {
	nmt_sql "$DB" "SELECT address || '|' || name FROM host_names WHERE source = 'sni'" | sort
}

@test "TLS server names: each ClientHello's name for the address it went to, as tshark reads them" {
	tls_start 4
	nmt_cap_start "$NMT_TMP/cap.pcapng"
	nmt_rec_start "$DB"
	t0=$(date +%s)
	hello "$NMT_P4" www.SNI.nmt.test
	hello "$NMT_P6" v6.sni.nmt.test.
	hello "$NMT_P4" api.sni.nmt.test
	hello "$NMT_P6" # no server name: a hello counted, no name
	t1=$(date +%s)
	nmt_await tls
	nmt_rec_stop
	nmt_cap_stop
	expected=$(printf '%s\n' "$NMT_P4|www.sni.nmt.test" "$NMT_P4|api.sni.nmt.test" \
		"$NMT_P6|v6.sni.nmt.test" | sort)
	# The ground truth is tshark's, and it says what the clients were told.
	[ "$(tshark_names)" = "$expected" ]
	[ "$(stored)" = "$expected" ]
	[ "$(nmt_sql "$DB" "SELECT count(*) FROM host_names WHERE source = 'sni' AND
		(first_seen < $t0 OR last_seen > $t1)")" = 0 ]
	# Every hello counted, the one without a name too; none lost.
	[ "$(tshark_hellos)" = 4 ]
	[ "$(nmt_sql "$DB" 'SELECT sum(tls_hellos), sum(tls_dropped) FROM collector_log')" = "4|0" ]
	grep -q 'host names: 4 TLS ClientHellos read, 3 with a server name, 0 malformed' \
		"$NMT_TMP/rec.err"
	# The reports name the addresses (the last name told, docs/queries.md).
	run -0 "$NMT_BUILD/netmon-report" --db "$DB" top hosts --format csv
	[[ $output == *"$NMT_P4"*"sni.nmt.test"* ]]
	[[ $output == *"$NMT_P6"*"v6.sni.nmt.test"* ]]
}

@test "--no-names: ClientHellos are neither read nor counted" {
	tls_start 1
	nmt_rec_start "$DB" --no-names
	hello "$NMT_P4" off.sni.nmt.test
	nmt_await tls
	nmt_rec_stop
	[ "$(nmt_sql "$DB" 'SELECT count(*) FROM host_names')" = 0 ]
	[ "$(nmt_sql "$DB" 'SELECT sum(tls_hellos) + sum(tls_dropped) FROM collector_log')" = 0 ]
	# The connection itself is traffic as any other.
	[ "$(nmt_sql "$DB" "SELECT count(*) > 0 FROM flow_log WHERE dst = '$NMT_P4' AND
		dst_port = 443")" = 1 ]
}
