#!/usr/bin/env bats
# shellcheck disable=SC2154 # bats' run sets stderr
# server_ports.bats - which port of a flow is the server's, with real SYNs
# from many low source ports to one port (issue 19, item 11): top ports and
# top apps must count every packet of those connections for the port the
# SYNs went to, as tshark's capture of the same packets says, whatever the
# source ports. Before, the lower port was the server's: 1,500 client ports
# showed up as server ports and 8081 never did.
#
# hping3 targets only the namespace's addresses, bounded in count and time.

bats_require_minimum_version 1.5.0

load lib

setup() {
	REPORT=$NMT_BUILD/netmon-report
	nmt_require "$NMT_RECORD" "$REPORT"
	nmt_setup
	DB=$NMT_TMP/netmon.db
	CAP=$NMT_TMP/cap.pcapng
}

teardown() {
	nmt_teardown
}

# away_from_boundary: wait (at most 40 s, once) until the next hour starts
# more than 40 s from now, so that a run with --interval 3600 writes its
# packets into one interval (a connection's rows are judged per interval:
# docs/design.md, "Server ports").
away_from_boundary() {
	local left=$((3600 - $(date +%s) % 3600)) n=0
	while ((left <= 40 && n++ < 45)); do
		sleep 1
		left=$((3600 - $(date +%s) % 3600))
	done
}

# listening PORT: wait until something listens on TCP PORT in this namespace.
listening() {
	local n=0
	while ((n++ < 100)); do
		[ -n "$(ss -Hltn "sport = :$1")" ] && return 0
		sleep 0.1
	done
	nmt_fail "nothing listens on port $1"
}

# settled PORT: wait until the listener on TCP PORT holds no half-open
# connection from the peer (ss lists its SYN-RECV request sockets): every
# SYN-ACK it sent had the peer's RST back, so no retransmission follows.
settled() {
	local n=0
	while ((n++ < NMT_READY_TIMEOUT * 10)); do
		[ -z "$(ss -Htn state syn-recv "sport = :$1 and dst = $NMT_P4")" ] && return 0
		sleep 0.1
	done
	ss -Htn state syn-recv "sport = :$1" >&2
	nmt_fail "half-open connections from $NMT_P4 to port $1 after $NMT_READY_TIMEOUT s"
}

# cap_ports: from the capture, per TCP port that a SYN without ACK went to:
# port|in_packets|in_bytes|out_packets|out_bytes of every TCP packet between
# the two test addresses with that port on either side (in: from the peer).
cap_ports() {
	local syn_ports
	syn_ports=$(tshark -r "$CAP" -n -Y "tcp.flags.syn == 1 && tcp.flags.ack == 0 &&
		ip.src == $NMT_P4 && ip.dst == $NMT_H4" -T fields -e tcp.dstport | sort -un)
	[ -n "$syn_ports" ] || nmt_fail "the capture has no SYN" || return
	tshark -r "$CAP" -n -Y "tcp && ((ip.src == $NMT_P4 && ip.dst == $NMT_H4) ||
		(ip.src == $NMT_H4 && ip.dst == $NMT_P4))" \
		-T fields -e ip.src -e tcp.srcport -e tcp.dstport -e ip.len |
		awk -v peer="$NMT_P4" -v ports="$syn_ports" '
		BEGIN { n = split(ports, p, "\n"); for (i = 1; i <= n; i++) srv[p[i]] = 1 }
		{
			port = ($2 in srv) ? $2 : ($3 in srv) ? $3 : "none:" $2 ">" $3
			d = ($1 == peer) ? "in" : "out"
			pk[port, d]++; by[port, d] += $4; seen[port] = 1
		}
		END {
			for (q in seen)
				printf "%s|%d|%d|%d|%d\n", q, pk[q, "in"], by[q, "in"], pk[q, "out"], by[q, "out"]
		}' | sort
}

# report_ports: netmon-report top ports, TCP rows, in the same form.
report_ports() {
	run --separate-stderr "$REPORT" --db "$DB" top ports --limit 10000 --format csv
	[ "$status" -eq 0 ] || { echo "report: $stderr"; return 1; }
	echo "$output" | awk -F, 'NR > 1 && $1 == 6 { print $2 "|" $4 "|" $5 "|" $6 "|" $7 }' | sort
}

@test "server ports: 1500 SYNs from ports 1350-2849 to a closed 8081 and 100 to an open 8082 count for 8081 and 8082" {
	nmt_spawn lsn timeout 60 ncat -l -k "$NMT_H4" 8082
	listening 8082
	away_from_boundary
	nmt_cap_start "$CAP"
	nmt_rec_start "$DB" --interval 3600
	# -s: the first source port, raised by one for each SYN.
	nmt_in_ns timeout 30 hping3 -q -S -s 1350 -p 8081 -i u1000 -c 1500 "$NMT_H4" \
		>"$NMT_TMP/hping.out" 2>&1 || true
	nmt_in_ns timeout 30 hping3 -q -S -s 5000 -p 8082 -i u2000 -c 100 "$NMT_H4" \
		>>"$NMT_TMP/hping.out" 2>&1 || true
	settled 8082 # the last replies (and the peer's RSTs to the SYN-ACKs)
	nmt_rec_stop
	nmt_cap_stop

	# What hping3 sent: 1500 SYNs from 1500 source ports to 8081.
	[ "$(tshark -r "$CAP" -n -Y "tcp.flags.syn == 1 && tcp.flags.ack == 0 &&
		tcp.dstport == 8081" -T fields -e tcp.srcport | sort -u | wc -l)" -eq 1500 ]
	# netmon counted what tshark saw, each packet for the port its SYN went to.
	cap_ports >"$NMT_TMP/cap.ports"
	report_ports >"$NMT_TMP/report.ports"
	cut -d'|' -f1 "$NMT_TMP/cap.ports" | paste -sd' ' | grep -qx '8081 8082'
	nmt_same capture "$NMT_TMP/cap.ports" report "$NMT_TMP/report.ports"
	# Each of the two ports had one peer; the flows say how they were judged.
	run --separate-stderr "$REPORT" --db "$DB" top ports --format csv
	[ "$(echo "$output" | awk -F, '$1 == 6 { print $2 ":" $NF }' | sort | paste -sd' ')" = \
		"8081:1 8082:1" ]
	[ "$(nmt_sql "$DB" "SELECT DISTINCT server_rule FROM flow_app_log WHERE protocol = 6
		AND src IN ('$NMT_H4', '$NMT_P4') AND dst IN ('$NMT_H4', '$NMT_P4')")" = request ]
	# top apps: each an application of its own, with its one port.
	run --separate-stderr "$REPORT" --db "$DB" top apps --format csv
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | awk -F, '$1 ~ /^tcp\// { print $1 "=" $2 }' | sort | paste -sd' ')" = \
		"tcp/8081=tcp/8081 tcp/8082=tcp/8082" ]
}

@test "server ports: whole connections from lower client ports, opened within a tick, count for the port called" {
	local port want
	away_from_boundary
	nmt_cap_start "$CAP"
	nmt_rec_start "$DB" --interval 3600
	# The root side calls from ports below the ones it calls, over a veth:
	# the SYN and its SYN-ACK fall in one tick of the recorder's clock.
	nmt_tcp out 4 20001 30001 5000
	nmt_tcp out 6 20002 30002 3000
	nmt_rec_stop
	nmt_cap_stop

	# Each connection's packets count for the port its SYN went to, decided
	# by the request the programs marked (sql/0024_syn_request.sql).
	run --separate-stderr "$REPORT" --db "$DB" top ports --format csv
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | awk -F, '$1 == 6 { print $2 }' | sort | paste -sd' ')" = "30001 30002" ]
	for port in 30001 30002; do
		want=$(tshark -r "$CAP" -n -Y "tcp.port == $port" | wc -l)
		[ "$want" -gt 6 ]
		[ "$(echo "$output" | awk -F, -v p="$port" '$1 == 6 && $2 == p { print $8 }')" = "$want" ]
	done
	[ "$(nmt_sql "$DB" "SELECT DISTINCT server_rule FROM flow_app_log WHERE protocol = 6
		AND (src_port IN (20001, 20002) OR dst_port IN (20001, 20002))")" = request ]
	# The client's flows, and only they, hold the mark.
	[ "$(nmt_sql "$DB" "SELECT group_concat(src_port || ':' || syn_request, ' ')
		FROM (SELECT f.src_port, f.syn_request FROM flows f
		      JOIN conversations c ON c.id = f.conversation_id
		      WHERE c.protocol = 6 ORDER BY f.src_port)")" = "20001:1 20002:1 30001:0 30002:0" ]
}
