#!/usr/bin/env bats
# run.bats - the README's first command, `make run`, on a host where nothing
# happens: it says what it watched, on which interface, for how long, and
# exactly what crossed it: no IP packet but the kernels' own IPv6
# announcements of a link just up (not only "no IP traffic"); and the same
# closing line counts exactly what crossed an interface when traffic flows.
# Ground truth: the namespace's only interface, and the datagrams sent.
#
#   O=build bats tests/e2e/run.bats     (root; binaries from $O)

# shellcheck disable=SC2154 # set where shellcheck cannot see: NMT_PID_<name> by nmt_spawn (printf -v)
bats_require_minimum_version 1.5.0

load lib

setup() {
	nmt_require "$NMT_RECORD"
	nmt_setup
}

teardown() {
	nmt_teardown
}

@test "make run on an idle host: what it watched, for how long, and that only the kernels' own IPv6 announcements crossed it" {
	# Inside the namespace the peer is the one interface up, Ethernet and
	# not loopback: what the recorder watches by default. Nothing sends.
	run ip netns exec "$NMT_NS" make -C "$NMT_REPO" --no-print-directory run O="$NMT_BUILD" \
		RUN_SECONDS=3 RUN_DB="$NMT_TMP/run.db"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"recording on $NMT_PEER into $NMT_TMP/run.db every 60 s"* ]]
	# Nothing sends, but a link just up may still carry the kernels' own
	# IPv6 announcements, either way (MLD reports, neighbour and router
	# solicitations: ICMPv6 to link-local multicast, a few small ones).
	# Anything else fails; those are counted.
	local db=$NMT_TMP/run.db p b crossed
	[ "$(nmt_sql "$db" "SELECT count(*) FROM flow_log WHERE protocol <> 58 OR
		dst NOT LIKE 'ff02:%'")" -eq 0 ]
	p=$(nmt_sql "$db" "SELECT coalesce(sum(packets), 0) FROM flow_log")
	b=$(nmt_sql "$db" "SELECT coalesce(sum(bytes), 0) FROM flow_log")
	((b < 1024))
	crossed="no IP packet crossed it"
	((p == 0)) || crossed="$p IP packets ($b B)"
	[[ $output =~ "watched 1 interface for "[0-9]+" s, "[0-9]+" interval"s?" into $NMT_TMP/run.db; $NMT_PEER: $crossed, 0 other frames (ARP and the like); the host's IP sockets (loopback included): "[0-9.]+" "[KMGT]?i?"B in "[0-9]+" calls (by process: netmon-report top processes)" ]]
	# The report after it names the span it recorded.
	((p > 0)) || [[ $output =~ "no IP traffic in the "[0-9]+" interval"s?" recorded from " ]]
	[[ $output == *"Window: "*" recorded"* ]]
}

@test "the closing line counts what crossed each interface, exactly" {
	nmt_rec_start "$NMT_TMP/netmon.db"
	nmt_udp out 4 20001 5001 20 100
	nmt_udp in 6 20002 5002 7 50
	nmt_rec_stop
	cat "$NMT_TMP/rec.err"
	# 20 x (100 + 28) out, 7 x (50 + 48) in: 27 packets, 3,246 bytes, were
	# sent; the kernel may add a packet of its own now and then (an ICMP
	# error for a datagram that came after its receiver closed). The line
	# says what the database holds for the interface, to the packet, and
	# that holds at least what was sent.
	local p
	p=$(nmt_sql "$NMT_TMP/netmon.db" "SELECT sum(packets) FROM traffic_log
		WHERE interface = '$NMT_HOST'")
	echo "traffic_log: $p packets"
	((p >= 27))
	grep -qE "$NMT_HOST: $p IP packets \(3\.[2-9] KiB\), 0 other frames \(ARP and the like\)" \
		"$NMT_TMP/rec.err"
}
