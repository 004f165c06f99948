#!/usr/bin/env bats
# restart.bats - restarts and crashes lose nothing and count nothing twice:
# the maps are pinned under /sys/fs/bpf/netmon/<interface>, the filters stay
# attached while no recorder runs, and the next start adopts them
# (docs/design.md, "Restart and crash"). Ground truth: what the senders sent
# (UDP) and tshark's capture on the same interface (TCP).
#
#   O=build bats tests/e2e/restart.bats     (root; binaries from $O)

# shellcheck disable=SC2154 # set where shellcheck cannot see: NMT_PID_<name> by nmt_spawn (printf -v)
bats_require_minimum_version 1.5.0

load lib

setup() {
	nmt_require "$NMT_RECORD"
	nmt_setup
	DB=$NMT_TMP/netmon.db
	PINS=/sys/fs/bpf/netmon/$NMT_HOST
}

teardown() {
	nmt_teardown
	# A failed test may leave pins of its (now deleted) interface.
	rm -rf "$PINS"
}

# netmon_filters: netmon's filters and XDP program on $NMT_HOST.
netmon_filters() {
	nmt_netmon_filters
}

# kill_recorder: SIGKILL, and check it died of it.
kill_recorder() {
	local st=0
	kill -KILL "$NMT_PID_rec"
	nmt_wait_exit "$NMT_PID_rec" 5 || st=$?
	[ "$st" -eq $((128 + 9)) ]
}

# udp_start NAME DIR FAMILY SPORT DPORT COUNT SIZE GAP_US: a paced UDP stream
# in the background (receiver NAME.rx, sender NAME.tx); udp_finish NAME waits
# for the sender and stops the receiver. A TCP burst at the same time can
# fill the veth's backlog and drop a few datagrams (nothing to do with
# netmon), so the ground truth is the capture, checked against the count.
udp_start() {
	nmt_udp_stream "$@"
}

udp_finish() {
	local rx st=0
	rx=$(nmt_pid "${1}rx")
	nmt_await "${1}tx" 60 || return
	# The receiver ends once every datagram is in; one dropped leaves it
	# waiting for its deadline: stopped after a bound.
	nmt_wait_exit "$rx" 2 || st=$?
	[ "$st" -ne 124 ] || nmt_stop_pid "$rx" || true
}

# udp_seen FLOWS DIR FAMILY SPORT DPORT COUNT SIZE: the capture has that flow
# with at least 95% of the datagrams sent, each of SIZE + headers bytes.
udp_seen() {
	local hdr=28 n
	[ "$3" -eq 6 ] && hdr=48
	n=$(awk -F'|' -v d="$2" -v f="$3" -v s="$4" -v p="$5" -v sz=$(($7 + hdr)) \
		'$1 == d && $2 == f && $3 == 17 && $5 == s && $7 == p && $9 == $8 * sz { print $8 }' "$1")
	echo "UDP $2 $3 $4 -> $5: $n of $6 datagrams on the wire"
	[ -n "$n" ] && [ "$n" -le "$6" ] && [ "$n" -ge $(($6 * 95 / 100)) ]
}

# proc_side PID LOCAL_PORT REMOTE_PORT: "comm|sent|recv|sends|recvs" (lib.bash):
# the per-process maps (and their per-CPU cache) are pinned and adopted like
# the flows.
proc_side() {
	nmt_proc_side "$DB" "$@"
}

# check_db: integrity, traffic_log equal to flow_log per interval.
check_db() {
	[ "$(nmt_sql "$DB" 'PRAGMA integrity_check')" = ok ]
	nmt_per_interval "$DB" traffic_log >"$NMT_TMP/traffic"
	nmt_per_interval "$DB" flow_log >"$NMT_TMP/flows"
	nmt_same traffic_log "$NMT_TMP/traffic" flow_log "$NMT_TMP/flows"
}

@test "kill -9 six times while traffic flows: every packet counted exactly once" {
	nmt_cap_start "$NMT_TMP/cap.pcapng"
	# The first recorder is counting before any traffic starts: the capture
	# sees packets the filters could not before they were attached.
	nmt_rec_start "$DB" || return
	# ~5 s of UDP each way (both families), paced, across every crash.
	udp_start a out 4 20001 5001 1500 300 3000
	udp_start b in 6 20002 5002 1200 100 4000
	local atx=$NMT_PID_atx btx=$NMT_PID_btx
	local i port=21000
	for i in 1 2 3 4 5 6; do
		if [ "$i" -gt 1 ]; then
			nmt_rec_start "$DB" || return
			grep -q 'adopted pinned maps' "$NMT_TMP/rec.err"
		fi
		# a TCP transfer during this run (or across its crash)
		port=$((port + 1))
		nmt_tcp out 4 "$port" 6001 $((20000 + RANDOM)) || return
		sleep "0.$((RANDOM % 9 + 1))"
		kill_recorder
		[ "$(nmt_netmon_filters)" -eq 2 ] # still counting
		port=$((port + 1))
		nmt_tcp in 6 "$port" 6002 $((10000 + RANDOM % 5000)) || return # nobody recording
		sleep "0.$((RANDOM % 5))"
	done
	nmt_rec_start "$DB"
	grep -q 'adopted pinned maps' "$NMT_TMP/rec.err"
	udp_finish a
	udp_finish b
	nmt_cap_stop # after its end marker: every packet before it is in the file
	nmt_rec_stop

	nmt_cap_flows "$NMT_TMP/cap.pcapng" >"$NMT_TMP/cap.flows"
	# the ground truth agrees with what was sent, so it is complete
	udp_seen "$NMT_TMP/cap.flows" out 4 20001 5001 1500 300
	udp_seen "$NMT_TMP/cap.flows" in 6 20002 5002 1200 100
	[ "$(awk -F'|' '$3 == 6' "$NMT_TMP/cap.flows" | wc -l)" -eq 24 ] # 12 connections, both ways
	nmt_check_flows "$DB" "$NMT_TMP/cap.flows"
	check_db
	# every send call of the two streams, once (what a receiver got depends
	# on the veth's backlog, see udp_start)
	[ "$(proc_side "$atx" 20001 5001)" = "nm-traffic|$((1500 * 300))|0|1500|0" ]
	[ "$(proc_side "$btx" 20002 5002)" = "nm-traffic|$((1200 * 100))|0|1200|0" ]
	# a plain stop after all that: nothing left behind
	[ ! -e "$PINS" ]
	[ "$(nmt_netmon_filters)" -eq 0 ]
}

@test "a crash between the flip and the commit: the next start writes that interval, once" {
	NETMON_TEST_CRASH_BEFORE_COMMIT=1 nmt_rec_start "$DB"
	nmt_udp out 4 20001 5001 40 200
	local tx1=$NMT_PID_udptx rx1=$NMT_PID_udprx
	st=0
	nmt_wait_exit "$NMT_PID_rec" 10 || st=$?
	[ "$st" -eq $((128 + 9)) ] # died at the first interval's end, uncommitted
	[ "$(nmt_sql "$DB" 'SELECT count(*) FROM intervals')" -eq 0 ]
	nmt_udp in 6 20002 5002 30 100 # nobody recording
	local tx2=$NMT_PID_udptx rx2=$NMT_PID_udprx
	nmt_rec_start "$DB"
	grep -q "adopted pinned maps: the previous run's last interval was not stored; written now" \
		"$NMT_TMP/rec.err"
	nmt_udp out 4 20003 5003 20 50
	local tx3=$NMT_PID_udptx rx3=$NMT_PID_udprx
	nmt_rec_stop
	[ "$(proc_side "$tx1" 20001 5001)" = "nm-traffic|8000|0|40|0" ]
	[ "$(proc_side "$rx1" 5001 0)" = "nm-traffic|0|8000|0|40" ]
	[ "$(proc_side "$tx2" 20002 5002)" = "nm-traffic|3000|0|30|0" ]
	[ "$(proc_side "$rx2" 5002 0)" = "nm-traffic|0|3000|0|30" ]
	[ "$(proc_side "$tx3" 20003 5003)" = "nm-traffic|1000|0|20|0" ]
	[ "$(proc_side "$rx3" 5003 0)" = "nm-traffic|0|1000|0|20" ]
	nmt_flow out 4 17 "$NMT_H4" 20001 "$NMT_P4" 5001 40 $((40 * 228)) >"$NMT_TMP/want"
	nmt_flow in 6 17 "$NMT_P6" 20002 "$NMT_H6" 5002 30 $((30 * 148)) >>"$NMT_TMP/want"
	nmt_flow out 4 17 "$NMT_H4" 20003 "$NMT_P4" 5003 20 $((20 * 78)) >>"$NMT_TMP/want"
	LC_ALL=C sort -o "$NMT_TMP/want" "$NMT_TMP/want"
	nmt_check_flows "$DB" "$NMT_TMP/want"
	check_db
}

# Ingress stays on the hook the kept-attached run counted it with: --hook xdp
# keeps a TC ingress filter (as it counts where a driver has no native XDP),
# --hook tc refuses an XDP program (both would count the same packets).
@test "a restart with the other --hook: TC ingress kept by --hook xdp, XDP refused by --hook tc" {
	nmt_rec_start "$DB" --keep-attached
	nmt_udp in 4 20001 5001 20 100
	nmt_rec_stop
	nmt_udp in 4 20002 5002 30 100 # nobody recording
	nmt_rec_start "$DB" --hook xdp --keep-attached
	grep -q "$NMT_HOST: the pinned recorder counts ingress with TC (no native XDP here, or --hook tc): kept; 'netmon-record --detach -i $NMT_HOST' first moves it to XDP" \
		"$NMT_TMP/rec.err"
	run -0 ip link show dev "$NMT_HOST"
	[[ $output != *prog/xdp* ]]
	nmt_udp in 4 20003 5003 40 100
	nmt_rec_stop
	[ "$(nmt_netmon_filters)" -eq 2 ] # TC ingress and egress, still
	nmt_flow in 4 17 "$NMT_P4" 20001 "$NMT_H4" 5001 20 $((20 * 128)) >"$NMT_TMP/want"
	nmt_flow in 4 17 "$NMT_P4" 20002 "$NMT_H4" 5002 30 $((30 * 128)) >>"$NMT_TMP/want"
	nmt_flow in 4 17 "$NMT_P4" 20003 "$NMT_H4" 5003 40 $((40 * 128)) >>"$NMT_TMP/want"
	LC_ALL=C sort -o "$NMT_TMP/want" "$NMT_TMP/want"
	nmt_check_flows "$DB" "$NMT_TMP/want"
	# Now XDP: detach, a kept-attached --hook xdp run, then --hook tc.
	"$NMT_RECORD" --detach -i "$NMT_HOST"
	nmt_rec_start "$DB" --hook xdp --keep-attached
	grep -q "$NMT_HOST: XDP attached in native mode" "$NMT_TMP/rec.err"
	nmt_rec_stop
	ip link show dev "$NMT_HOST" | grep -q 'prog/xdp'
	run "$NMT_RECORD" -i "$NMT_HOST" --db "$DB" --duration 2
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"$NMT_HOST: the pinned recorder counted ingress with XDP: restart with --hook xdp, or remove it first with 'netmon-record --detach -i $NMT_HOST'"* ]]
	ip link show dev "$NMT_HOST" | grep -q 'prog/xdp' # left as it was
	"$NMT_RECORD" --detach -i "$NMT_HOST"
	[ "$(nmt_netmon_filters)" -eq 0 ]
}

@test "--keep-attached: a stop leaves the kernel counting; the next start writes the gap once" {
	nmt_rec_start "$DB" --keep-attached
	nmt_udp out 4 20001 5001 25 100
	nmt_rec_stop
	grep -q "left attached and pinned in $PINS" "$NMT_TMP/rec.err"
	[ "$(nmt_netmon_filters)" -eq 2 ]
	[ -e "$PINS/abi" ]
	nmt_udp in 4 20002 5002 35 300 # nobody recording
	nmt_udp out 6 20003 5003 15 60
	nmt_rec_start "$DB"
	grep -q 'adopted pinned maps: the previous run.s last interval is stored' "$NMT_TMP/rec.err"
	nmt_udp in 6 20004 5004 5 10
	nmt_rec_stop
	{
		nmt_flow out 4 17 "$NMT_H4" 20001 "$NMT_P4" 5001 25 $((25 * 128))
		nmt_flow in 4 17 "$NMT_P4" 20002 "$NMT_H4" 5002 35 $((35 * 328))
		nmt_flow out 6 17 "$NMT_H6" 20003 "$NMT_P6" 5003 15 $((15 * 108))
		nmt_flow in 6 17 "$NMT_P6" 20004 "$NMT_H6" 5004 5 $((5 * 58))
	} >"$NMT_TMP/want"
	LC_ALL=C sort -o "$NMT_TMP/want" "$NMT_TMP/want"
	nmt_check_flows "$DB" "$NMT_TMP/want"
	check_db
	# The intervals follow each other: the gap is one interval, not a hole.
	nmt_sql "$DB" 'SELECT ts_start, ts_end FROM intervals ORDER BY ts_start' |
		awk -F'|' 'NR > 1 && $1 != prev { print "hole or overlap at " $0; bad = 1 }
			{ prev = $2 } END { exit bad }'
	# A plain stop removes what the first run left.
	[ ! -e "$PINS" ]
	[ "$(nmt_netmon_filters)" -eq 0 ]
}

# An update of netmon on a kernel with tcx, while the earlier version's
# clsact filters count (--keep-attached): the new run takes the filters over
# as they are (no tcx link beside them: every packet would count twice).
@test "clsact filters left attached are adopted as they are; a stop removes them" {
	NETMON_TEST_TC_LEGACY=1 nmt_rec_start "$DB" --keep-attached
	nmt_udp out 4 20001 5001 7 100
	nmt_rec_stop
	[ "$(tc filter show dev "$NMT_HOST" ingress | grep -c netmon)" -eq 1 ]
	nmt_udp in 4 20002 5002 9 200 # nobody recording
	nmt_rec_start "$DB"
	grep -q 'adopted pinned maps' "$NMT_TMP/rec.err"
	[ "$(tc filter show dev "$NMT_HOST" ingress | grep -c netmon)" -eq 1 ]
	[ "$(tc filter show dev "$NMT_HOST" egress | grep -c netmon)" -eq 1 ]
	[ -z "$("$NMT_TCX" "$NMT_HOST")" ]
	nmt_udp out 6 20003 5003 11 60
	nmt_rec_stop
	{
		nmt_flow out 4 17 "$NMT_H4" 20001 "$NMT_P4" 5001 7 $((7 * 128))
		nmt_flow in 4 17 "$NMT_P4" 20002 "$NMT_H4" 5002 9 $((9 * 228))
		nmt_flow out 6 17 "$NMT_H6" 20003 "$NMT_P6" 5003 11 $((11 * 108))
	} >"$NMT_TMP/want"
	LC_ALL=C sort -o "$NMT_TMP/want" "$NMT_TMP/want"
	nmt_check_flows "$DB" "$NMT_TMP/want"
	[ ! -e "$PINS" ]
	[ "$(nmt_netmon_filters)" -eq 0 ]
}

@test "--detach after a crash removes the filters and the pins" {
	nmt_rec_start "$DB"
	kill_recorder
	[ "$(nmt_netmon_filters)" -eq 2 ]
	[ -d "$PINS" ]
	run "$NMT_RECORD" --detach -i "$NMT_HOST"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"removed the pins in $PINS"* ]]
	[ ! -e "$PINS" ]
	[ "$(nmt_netmon_filters)" -eq 0 ]
	# --detach while a recorder runs: its pins are left to it.
	nmt_rec_start "$DB"
	run "$NMT_RECORD" --detach -i "$NMT_HOST"
	[ "$status" -ne 0 ]
	[[ $output == *"a running netmon-record holds $PINS"* ]]
	[ -e "$PINS/abi" ]
	nmt_rec_stop
}

@test "pins that are not a netmon recorder's: refused, nothing attached" {
	mkdir -p "$PINS"
	# Something else's map where the abi pin would be.
	bpftool map create "$PINS/abi" type array key 4 value 8 entries 1 name abi
	run "$NMT_RECORD" -i "$NMT_HOST" --db "$DB" --duration 2
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"$PINS holds pins that are not a complete netmon recorder's"* ]]
	[[ $output == *"netmon-record --detach -i IFACE"* ]]
	[ "$(nmt_netmon_filters)" -eq 0 ]
	# (Another netmon ABI's pins are replaced: tests/e2e/upgrade.bats.)
	# --detach clears them; then a start works.
	"$NMT_RECORD" --detach -i "$NMT_HOST"
	[ ! -e "$PINS" ]
	nmt_rec_start "$DB"
	nmt_rec_stop
}

@test "adopting programs that sample otherwise than asked: refused with what they do" {
	nmt_rec_start "$DB" --keep-attached
	nmt_rec_stop
	run "$NMT_RECORD" -i "$NMT_HOST" --db "$DB" --duration 2 --sample 1 --pcap "$NMT_TMP/s.pcapng"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"the programs pinned in $PINS sample 1 in 0 packets (0: off)"* ]]
	[[ $output == *"restart with the same --sample and --snaplen"* ]]
	[ "$(nmt_netmon_filters)" -eq 2 ] # still the pinned ones, counting
	nmt_rec_start "$DB"
	grep -q 'adopted pinned maps' "$NMT_TMP/rec.err"
	nmt_rec_stop
	[ ! -e "$PINS" ]
}
