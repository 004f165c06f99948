#!/usr/bin/env bats
# nm-traffic.bats - the traffic tool and the netns library the end-to-end tests
# stand on: exact counts both ways, IPv4 and IPv6, strict arguments, and
# failures (deadline, refused connection, wrong sizes) that really fail.
# Needs no recorder.

# shellcheck disable=SC2154 # set where shellcheck cannot see: NMT_PID_<name> by nmt_spawn (printf -v); $stderr by bats' run
bats_require_minimum_version 1.5.0

load lib

setup() {
	nmt_setup
}

teardown() {
	nmt_teardown
}

@test "nm-traffic: usage errors exit 64 with a message on stderr" {
	local args
	for args in "" "bogus" "udp-send $NMT_P4 5000 1" "udp-send $NMT_P4 0 1 1" \
		"udp-send $NMT_P4 12abc 1 1" "udp-send $NMT_P4 65536 1 1" \
		"udp-send host.example 5000 1 1" "udp-send $NMT_P4 5000 0 1" \
		"udp-send $NMT_P4 5000 1 -1" "udp-send $NMT_P4 5000 1 65528" \
		"udp-recv $NMT_P4 5000" "tcp-send $NMT_P4 5000" "tcp-recv $NMT_P4 5000 1 2" \
		"-t 0 tcp-recv $NMT_P4 5000" "-t 3601 tcp-recv $NMT_P4 5000" "-p x tcp-send $NMT_P4 1 1" \
		"-g 1000001 udp-send $NMT_P4 5000 1 1" "-s 0 udp-send $NMT_P4 5000 1 1" \
		"-s 1001 udp-send $NMT_P4 5000 1 1" "-p 65534 -s 3 udp-send $NMT_P4 5000 1 1"; do
		# shellcheck disable=SC2086 # $args: the arguments, split
		run --separate-stderr "$NMT_TRAFFIC" $args
		[ "$status" -eq 64 ] || { echo "args '$args': status $status"; false; }
		[ -z "$output" ] || { echo "args '$args': stdout '$output'"; false; }
		[[ $stderr == nm-traffic:* ]] || { echo "args '$args': stderr '$stderr'"; false; }
	done
}

@test "nm-traffic: UDP both ways, IPv4 and IPv6, exact counts" {
	nmt_udp out 4 20001 5001 7 100
	grep -qx "udp-send src=$NMT_H4 sport=20001 dst=$NMT_P4 dport=5001 datagrams=7 size=100 bytes=700" \
		"$NMT_TMP/udptx.out"
	nmt_udp in 4 20002 5002 5 0
	nmt_udp out 6 20003 5003 3 1452
	grep -qx "udp-send src=$NMT_H6 sport=20003 dst=$NMT_P6 dport=5003 datagrams=3 size=1452 bytes=4356" \
		"$NMT_TMP/udptx.out"
	nmt_udp in 6 20004 5004 4 9
}

@test "nm-traffic: TCP both ways, IPv4 and IPv6, byte counts and peer" {
	nmt_tcp out 4 21001 6001 100000
	grep -qx "tcp-recv local=$NMT_P4 port=6001 peer=$NMT_H4 pport=21001 bytes=100000" \
		"$NMT_TMP/tcprx.out"
	nmt_tcp in 6 21002 6002 1
	grep -qx "tcp-send src=$NMT_P6 sport=21002 dst=$NMT_H6 dport=6002 bytes=1" "$NMT_TMP/tcptx.out"
	nmt_tcp out 6 21003 6003 0
}

@test "nm-traffic: the deadline ends a receive that never completes" {
	local t0=$SECONDS
	run --separate-stderr ip netns exec "$NMT_NS" "$NMT_TRAFFIC" -t 1 udp-recv "$NMT_P4" 5005 1
	[ "$status" -eq 1 ]
	[[ $stderr == *"deadline reached"* ]]
	[ $((SECONDS - t0)) -le 3 ]
	run --separate-stderr ip netns exec "$NMT_NS" "$NMT_TRAFFIC" -t 1 tcp-recv "$NMT_P6" 5005
	[ "$status" -eq 1 ]
	[[ $stderr == *"deadline reached"* ]]
}

@test "nm-traffic: refused connection, wrong size and short stream fail" {
	run --separate-stderr "$NMT_TRAFFIC" -t 5 tcp-send "$NMT_P4" 5006 10
	[ "$status" -eq 1 ]
	[[ $stderr == *"connect $NMT_P4 port 5006: Connection refused"* ]]

	nmt_spawn rx ip netns exec "$NMT_NS" "$NMT_TRAFFIC" -t 5 udp-recv "$NMT_P6" 5007 2 10
	nmt_wait_line "$NMT_TMP/rx.err" 'listening on' "$NMT_PID_rx"
	"$NMT_TRAFFIC" -t 5 udp-send "$NMT_P6" 5007 2 11
	local st=0
	nmt_wait_exit "$NMT_PID_rx" 5 || st=$?
	[ "$st" -eq 1 ]
	grep -q "datagram 1 of 2 has 11 bytes, expected 10" "$NMT_TMP/rx.err"

	nmt_spawn rx2 ip netns exec "$NMT_NS" "$NMT_TRAFFIC" -t 5 tcp-recv "$NMT_P4" 5008 1000
	nmt_wait_line "$NMT_TMP/rx2.err" 'listening on' "$NMT_PID_rx2"
	"$NMT_TRAFFIC" -t 5 tcp-send "$NMT_P4" 5008 999
	st=0
	nmt_wait_exit "$NMT_PID_rx2" 5 || st=$?
	[ "$st" -eq 1 ]
	grep -q "received 999 bytes, expected 1000" "$NMT_TMP/rx2.err"
}

@test "lib: the link has static neighbours, offloads off, no link-local noise" {
	ip neigh show dev "$NMT_HOST" | grep -q "^$NMT_P4 lladdr $NMT_PEER_MAC PERMANENT"
	ip neigh show dev "$NMT_HOST" | grep -q "^$NMT_P6 lladdr $NMT_PEER_MAC PERMANENT"
	ip -n "$NMT_NS" neigh show dev "$NMT_PEER" | grep -q "^$NMT_H4 lladdr $NMT_HOST_MAC PERMANENT"
	nmt_check_link
	[ -z "$(ip -6 addr show dev "$NMT_HOST" scope link)" ]
	[ -z "$(ip -n "$NMT_NS" -6 addr show dev "$NMT_PEER" scope link)" ]
	ping -c 1 -W 2 "$NMT_P4" >/dev/null
	ping -6 -c 1 -W 2 "$NMT_P6" >/dev/null
}
