#!/usr/bin/env bats
# ping.bats - per-process accounting of ICMP datagram ("ping") sockets, the
# kind an unprivileged process may open (socket(AF_INET, SOCK_DGRAM,
# IPPROTO_ICMP) and its ICMPv6 twin) when its group is in
# net.ipv4.ping_group_range. That range is per network namespace: it is set
# only inside the test's own namespace, where nm-ping runs as nobody and
# sends echo requests of known sizes to the host side of the test link.
# What is seen: every call's bytes are the ICMP message (8-byte header +
# payload) both ways, with no IP header; the socket's "port" is the echo
# identifier the kernel chose (listed in docs/design.md, "Per-process bytes").

bats_require_minimum_version 1.5.0

load lib

PING=${NMT_RECORD%/*}/tests/tools/nm-ping

setup() {
	nmt_require "$NMT_RECORD"
	nmt_require "$PING"
	nmt_setup
	DB=$NMT_TMP/netmon.db
	# nobody must reach the binary: a copy in a directory anyone can enter
	# (the build and test directories may not be).
	BIN_DIR=$(mktemp -d /tmp/nmt-ping.XXXXXX)
	chmod 755 "$BIN_DIR"
	install -m 0755 "$PING" "$BIN_DIR/nm-ping"
	nmt_in_ns sysctl -qw net.ipv4.ping_group_range="65534 65534"
}

teardown() {
	rm -rf "${BIN_DIR:?}"
	nmt_teardown
}

# unprivileged ARGS...: nm-ping in the test namespace as nobody, no groups.
unprivileged() {
	nmt_in_ns setpriv --reuid=65534 --regid=65534 --clear-groups "$BIN_DIR/nm-ping" -t 10 "$@"
}

# row PID: "comm|family|protocol|local_port|remote|remote_port|sent|recv|
# sends|recvs" of process PID, summed over the intervals.
row() {
	nmt_sql "$DB" "SELECT comm, family, protocol, local_port, remote, remote_port,
		sum(bytes_sent), sum(bytes_recv), sum(sends), sum(recvs) FROM process_log
		WHERE pid = $1 GROUP BY comm, family, protocol, local_port, remote, remote_port"
}

@test "unprivileged ping sockets, IPv4 and IPv6: ICMP message bytes, echo id as local port" {
	nmt_rec_start "$DB"
	run -0 unprivileged "$NMT_H4" 5 56
	local v4=$output
	run -0 unprivileged "$NMT_H6" 3 1000
	local v6=$output
	nmt_rec_stop
	echo "nm-ping: $v4 / $v6"

	# The tool's own count, from the calls' return values, and the same in
	# process_log: 5 x (8 + 56), 3 x (8 + 1000).
	local pid ident
	[[ $v4 =~ ^pid=([0-9]+)\ ident=([0-9]+)\ sent=320\ recv=320$ ]]
	pid=${BASH_REMATCH[1]} ident=${BASH_REMATCH[2]}
	run row "$pid"
	echo "$output"
	[ "$output" = "nm-ping|4|1|$ident|$NMT_H4|0|320|320|5|5" ]

	[[ $v6 =~ ^pid=([0-9]+)\ ident=([0-9]+)\ sent=3024\ recv=3024$ ]]
	pid=${BASH_REMATCH[1]} ident=${BASH_REMATCH[2]}
	run row "$pid"
	echo "$output"
	[ "$output" = "nm-ping|6|58|$ident|$NMT_H6|0|3024|3024|3|3" ]
}

@test "ping sockets stay refused where the namespace's range excludes the group" {
	nmt_in_ns sysctl -qw net.ipv4.ping_group_range="1 0"
	run -1 unprivileged "$NMT_H4" 1 8
	[[ $output == *"not in net.ipv4.ping_group_range"* ]]
}
