#!/usr/bin/env bats
# filters.bats - netmon-record --include / --exclude with real traffic across
# the test's namespace (lib.bash): what a rule leaves out is in no flow row
# and in no IPFIX record a real collector (Debian's nfcapd) stores, it is
# counted as excluded, and per interval, interface, direction and protocol
# the interface totals are the flows plus the excluded packets, to the
# packet and the byte. Ground truth: tshark's capture of the link and what
# the test sent. A SIGHUP changes the rules from the next interval on; bad
# rules are refused with one line, exit 64, nothing attached.
#
#   O=build bats tests/e2e/filters.bats     (root; binaries from $O)

# shellcheck disable=SC2154,SC2030,SC2031 # set where shellcheck cannot see: $stderr, $stderr_lines and $status by bats' run
bats_require_minimum_version 1.5.0

load lib

setup() {
	nmt_require "$NMT_RECORD"
	nmt_setup
	DB=$NMT_TMP/netmon.db
	CONF=$NMT_TMP/netmon.conf
}

teardown() {
	nmt_teardown
}

# reconciled DB: per interval, direction, family and protocol of the test
# interface, traffic_log's packets and bytes equal flow_log's plus the
# excluded ones (traffic kind 7). Prints the lines that do not.
reconciled() {
	local bad
	bad=$(nmt_sql "$1" "
		WITH t AS (SELECT ts_start, direction, family, protocol, sum(packets) AS p,
				  sum(bytes) AS b FROM traffic_log WHERE interface = '$NMT_HOST'
			   GROUP BY 1, 2, 3, 4),
		f AS (SELECT ts_start, direction, family, protocol, sum(packets) AS p,
			     sum(bytes) AS b FROM flow_log WHERE interface = '$NMT_HOST'
		      GROUP BY 1, 2, 3, 4),
		x AS (SELECT i.ts_start, iif(t.direction = 0, 'in', 'out') AS direction,
			     t.family, t.protocol, sum(t.packets) AS p, sum(t.bytes) AS b
		      FROM traffic t JOIN intervals i ON i.id = t.interval_id
		      JOIN interfaces n ON n.id = t.iface_id
		      WHERE t.kind = 7 AND n.name = '$NMT_HOST' GROUP BY 1, 2, 3, 4)
		SELECT t.*, f.p, f.b, x.p, x.b FROM t
		LEFT JOIN f USING (ts_start, direction, family, protocol)
		LEFT JOIN x USING (ts_start, direction, family, protocol)
		WHERE t.p <> coalesce(f.p, 0) + coalesce(x.p, 0)
		   OR t.b <> coalesce(f.b, 0) + coalesce(x.b, 0)")
	[ -z "$bad" ] || { echo "not reconciled: $bad"; return 1; }
	# and no flow or excluded row without its total
	[ "$(nmt_sql "$1" "SELECT count(*) FROM flow_log f WHERE interface = '$NMT_HOST'
		AND NOT EXISTS (SELECT 1 FROM traffic_log t WHERE t.ts_start = f.ts_start
			AND t.interface = f.interface AND t.direction = f.direction
			AND t.protocol = f.protocol AND t.family = f.family)")" -eq 0 ]
}

# excluded_sum DB: "packets|bytes" left out over every interval.
excluded_sum() {
	nmt_sql "$1" 'SELECT sum(excluded), sum(excluded_bytes) FROM collector_log'
}

# split_capture FILE AWK_MATCH: the capture's flows (lib.bash's lines) into
# $NMT_TMP/kept and, where AWK_MATCH (on the fields split by |) holds,
# $NMT_TMP/gone; prints "packets|bytes" of gone.
split_capture() {
	nmt_cap_flows "$1" >"$NMT_TMP/cap.flows"
	awk -F'|' -v kept="$NMT_TMP/kept" -v gone="$NMT_TMP/gone" "
		$2 { print > gone; p += \$8; b += \$9; next }
		{ print > kept }
		END { printf \"%d|%d\\n\", p, b }" "$NMT_TMP/cap.flows"
	touch "$NMT_TMP/kept" "$NMT_TMP/gone"
}

# recorded_as_captured AWK_MATCH: stop the recorder and the capture; the
# captured flows AWK_MATCH leaves out (split_capture) are in no flow row and
# are the excluded packets and bytes, the others are flow_log's, and the
# totals reconcile.
recorded_as_captured() {
	local gone
	nmt_rec_stop
	nmt_cap_stop
	gone=$(split_capture "$NMT_TMP/cap.pcapng" "$1")
	echo "left out per the capture: $gone"
	nmt_check_flows "$DB" "$NMT_TMP/kept"
	[ "$(excluded_sum "$DB")" = "$gone" ] || { echo "excluded: $(excluded_sum "$DB")"; return 1; }
	reconciled "$DB"
}

# udp_port_free: a UDP port on 127.0.0.1 the kernel just handed out.
udp_port_free() {
	python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

@test "excluded traffic is in no flow row and no IPFIX record; totals reconcile with the capture" {
	local port n=$((NMT_READY_TIMEOUT * 10)) rows
	command -v nfcapd >/dev/null || nmt_fail "nfcapd is missing: scripts/install-deps.sh installs nfdump"
	port=$(udp_port_free)
	mkdir -p "$NMT_TMP/nf"
	nmt_spawn nf nfcapd -w "$NMT_TMP/nf" -b 127.0.0.1 -p "$port" -t 2
	nmt_wait_line "$NMT_TMP/nf.err" 'Startup nfcapd' "$(nmt_pid nf)" || { nmt_dump nf; false; }
	nmt_cap_start "$NMT_TMP/cap.pcapng"
	# The peer's UDP port 5001 (either direction), and all of its IPv6 /64.
	nmt_rec_start "$DB" --ipfix "127.0.0.1:$port" --exclude "$NMT_P4/32:udp/5001" \
		--exclude "${NMT_P6%::*}::/64"
	nmt_udp out 4 20001 5001 20 100 # excluded: to the peer's 5001
	nmt_udp in 4 5001 20001 7 300   # excluded: from it
	nmt_udp out 4 20002 5002 11 200 # kept
	nmt_tcp out 4 21001 6001 50000  # kept
	nmt_udp out 6 20003 5003 9 100  # excluded: IPv6
	nmt_tcp in 6 21002 6002 20000   # excluded: IPv6
	recorded_as_captured \
		"(\$3 == 17 && ((\$4 == \"$NMT_P4\" && \$5 == 5001) || (\$6 == \"$NMT_P4\" && \$7 == 5001))) || \$2 == 6"
	# The test proves nothing unless each side has traffic of each kind.
	grep -q '^out|4|17|.*|5001|20|' "$NMT_TMP/gone"
	grep -q '^in|4|17|.*|5001|.*|7|' "$NMT_TMP/gone"
	grep -q '^in|6|6|' "$NMT_TMP/gone"
	grep -q '^out|4|6|' "$NMT_TMP/kept"
	# The collector stores what flow_log holds, and nothing excluded.
	rows=$(nmt_sql "$DB" 'SELECT count(*) FROM flow_log')
	while [ "$(sed -n 's/.*Flows: \([0-9]*\),.*/\1/p' "$NMT_TMP/nf.err" |
		awk '{ n += $1 } END { print n + 0 }')" -lt "$rows" ] && ((n-- > 0)); do
		sleep 0.1
	done
	nmt_stop_pid "$(nmt_pid nf)"
	[ "$(nfdump -R "$NMT_TMP/nf" -q -o 'fmt:%ipkt %ibyt' -N |
		awk '{ p += $1; b += $2 } END { print p "|" b }')" = \
		"$(nmt_sql "$DB" 'SELECT sum(packets), sum(bytes) FROM flow_log')" ]
	# (nfdump says "No matching flows" when none: records are the csv lines)
	nfdump -R "$NMT_TMP/nf" -q -o csv 'inet6 or (proto udp and port 5001)' >"$NMT_TMP/nf.gone"
	cat "$NMT_TMP/nf.gone"
	[ "$(grep -c , "$NMT_TMP/nf.gone")" -eq 0 ]
	[ "$(nfdump -R "$NMT_TMP/nf" -q -o csv 'proto udp and port 5002' | grep -c ,)" -eq \
		"$(nmt_sql "$DB" 'SELECT count(*) FROM flow_log WHERE dst_port = 5002')" ]
}

@test "--include: only what a rule matches is in flows; exclude wins; totals reconcile" {
	nmt_cap_start "$NMT_TMP/cap.pcapng"
	nmt_rec_start "$DB" --include "$NMT_P4/32:tcp/6001" --include "$NMT_P4/32:udp" \
		--exclude "$NMT_H4/32:udp/20003"
	nmt_tcp out 4 21001 6001 30000 # kept: the peer's TCP 6001
	nmt_tcp out 4 21002 6002 30000 # excluded: another port
	nmt_udp out 4 20002 5002 5 100 # kept: UDP with the peer
	nmt_udp out 4 20003 5003 6 100 # excluded: from our UDP 20003
	nmt_udp in 6 20004 5004 4 100  # excluded: no IPv6 rule
	recorded_as_captured \
		"\$2 == 6 || (\$3 == 6 && \$5 != 6001 && \$7 != 6001) || (\$3 == 17 && (\$5 == 20003 || \$7 == 20003))"
	grep -q '^out|4|6|.*|6001|' "$NMT_TMP/kept"
	grep -q '^in|4|6|.*|6001|' "$NMT_TMP/kept"
	grep -q '^out|4|6|.*|6002|' "$NMT_TMP/gone"
	grep -q '^out|4|17|.*|20003|' "$NMT_TMP/gone"
	grep -q '^in|6|17|' "$NMT_TMP/gone"
}

@test "SIGHUP changes the rules from the next interval on, and every packet is counted once" {
	local after
	printf 'exclude = %s/32:udp/5001\n' "$NMT_P4" >"$CONF"
	nmt_rec_start "$DB" --config "$CONF"
	nmt_udp out 4 20001 5001 10 100 # excluded by the first rules
	printf 'exclude = %s/32:udp/5002\n' "$NMT_P4" >"$CONF"
	kill -HUP "$NMT_PID_rec"
	nmt_wait_line "$NMT_TMP/rec.err" 'reload: exclude .*/32:udp/5001 -> .*/32:udp/5002$' \
		"$NMT_PID_rec" || { nmt_dump rec; false; }
	after=$(date +%s)
	# The interval under way keeps its rules: wait (bounded) until one that
	# ends after the reload is stored, so the new rules are the ones in use.
	nmt_wait_intervals "$DB" "ts_end > $after" 1 10
	nmt_udp out 4 20002 5001 13 100 # kept now
	nmt_udp out 4 20003 5002 8 200  # excluded now
	nmt_rec_stop
	nmt_flow out 4 17 "$NMT_H4" 20002 "$NMT_P4" 5001 13 $((13 * 128)) >"$NMT_TMP/want"
	nmt_check_flows "$DB" "$NMT_TMP/want"
	[ "$(excluded_sum "$DB")" = "$((10 + 8))|$((10 * 128 + 8 * 228))" ]
	reconciled "$DB"
}

# refused_64 ARGS...: netmon-record ARGS exits 64 with one line on stderr,
# attaching nothing to the test interface; the line is in $stderr.
refused_64() {
	run --separate-stderr timeout 30 "$NMT_RECORD" -i "$NMT_HOST" --db "$DB" "$@"
	echo "status $status; stderr: $stderr"
	[ "$status" -eq 64 ] && [ "${#stderr_lines[@]}" -eq 1 ] || return 1
	[ -z "$(nmt_filters)" ] && [ ! -e "$DB" ]
}

@test "bad rules: one line, exit 64, nothing attached" {
	local many=()
	refused_64 --exclude 10.1.2.3/8
	[[ $stderr == *"invalid --exclude '10.1.2.3/8': host bits are set (the network is 10.0.0.0/8)" ]]
	refused_64 --include 2001:db8::/129
	[[ $stderr == *"prefix length must be 0..128" ]]
	refused_64 --exclude 192.0.2.7/32:tcp/0
	[[ $stderr == *"the port must be 1..65535" ]]
	refused_64 --exclude 192.0.2.7/32:icmp/8
	[[ $stderr == *"a port goes with tcp, udp or udplite only" ]]
	refused_64 --exclude 192.0.2.0/24:tcpp
	[[ $stderr == *"unknown protocol 'tcpp'"* ]]
	refused_64 --exclude 192.0.2.7
	[[ $stderr == *"expected PREFIX/LENGTH"* ]]
	for i in $(seq 0 128); do
		many+=(--exclude "10.$((i / 256)).$((i % 256)).0/24")
	done
	refused_64 "${many[@]}"
	[[ $stderr == *"too many --exclude rules (at most 128)" ]]
	printf 'include = 198.51.100.0/24:udp/53\ninclude = 198.51.100.1/24\n' >"$CONF"
	refused_64 --config "$CONF"
	[[ $stderr == *"$CONF:2: "*"host bits are set"* ]]
}
