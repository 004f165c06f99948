#!/usr/bin/env bats
# run.bats - the README's first command, `make run`, on a host where nothing
# happens: it says what it watched, on which interface, for how long, and
# that no IP packet crossed it (not only "no IP traffic"); and the same
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

@test "make run on an idle host: what it watched, for how long, and that no IP packet crossed it" {
	# Inside the namespace the peer is the one interface up, Ethernet and
	# not loopback: what the recorder watches by default. Nothing sends.
	run ip netns exec "$NMT_NS" make -C "$NMT_REPO" --no-print-directory run O="$NMT_BUILD" \
		RUN_SECONDS=3 RUN_DB="$NMT_TMP/run.db"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"recording on $NMT_PEER into $NMT_TMP/run.db every 60 s"* ]]
	[[ $output =~ "watched 1 interface for "[0-9]+" s, "[0-9]+" interval"s?" into $NMT_TMP/run.db; $NMT_PEER: no IP packet crossed it, 0 other frames (ARP and the like); the host's IP sockets (loopback included): "[0-9.]+" "[KMGT]?i?"B in "[0-9]+" calls (by process: netmon-report top processes)" ]]
	# The report after it names the span it recorded.
	[[ $output =~ "no IP traffic in the "[0-9]+" interval"s?" recorded from " ]]
}

@test "the closing line counts what crossed each interface, exactly" {
	nmt_rec_start "$NMT_TMP/netmon.db"
	nmt_udp out 4 40001 5001 20 100
	nmt_udp in 6 40002 5002 7 50
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
