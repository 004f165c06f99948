#!/usr/bin/env bats
# systemd.bats - the units `make install` ships, run by real systemd: the
# recorder under its sandbox records exact traffic, reloads on
# `systemctl reload`, writes its last interval on `systemctl stop` and leaves
# the kernel counting, so that the next start writes the gap once; an
# upgrade that changed the BPF ABI keeps it running, with the gap recorded
# and `netmon-record --status` saying so; the daily
# report service writes its files and the timer is accepted; a transient
# unit's traffic is named after the unit and its user, the unit gone. See
# lib.bash for the container.
#
#   O=build bats tests/system/systemd.bats     (root; network to Debian's mirror
#                                               the first time, for debootstrap)

bats_require_minimum_version 1.5.0

load lib

setup_file() {
	[ "$(id -u)" -eq 0 ] || nms_fail "the system tests need root" || return
	export O=${O:-build}
	cd "$BATS_TEST_DIRNAME/../.." || return
	nms_boot "interface = host0
interval = 2" || { nms_halt; return 1; }
}

# tc_programs: the TC programs on the container's host0: clsact filters, and
# tcx links as the kernel lists them (nm-tcx, run from the build in the
# container's network namespace: program and link ids are the kernel's).
tc_programs() {
	nms_in tc filter show dev host0 ingress
	nsenter -t "$NMS_INIT" -n "$O/tests/tools/nm-tcx" host0
}

teardown_file() {
	nms_halt
}

@test "netmon-record.service: records under its sandbox, reloads, stops with the last interval" {
	# host0 came up after boot: the unit kept restarting until it could attach.
	nms_journal_wait netmon-record 'recording on host0 into /var/lib/netmon/netmon.db every 2 s'
	nms_journal_wait netmon-record 'capabilities dropped; kept: cap_net_admin'
	ping -c 20 -i 0.05 -q "$NMS_C4" >/dev/null
	ping -6 -c 10 -i 0.05 -q "$NMS_C6" >/dev/null

	nms_in systemctl reload netmon-record
	nms_journal_wait netmon-record 'reload: .* read'
	nms_in systemctl stop netmon-record
	nms_journal_wait netmon-record 'signal 15: writing the last interval'
	run nms_in systemctl show -p Result --value netmon-record
	[ "$output" = success ]
	# The unit runs with --keep-attached: the kernel goes on counting.
	nms_journal_wait netmon-record 'left attached and pinned in /sys/fs/bpf/netmon/host0'
	run tc_programs
	[[ $output == *netmon_tc_ingre* ]]
	[ -e "$NMS_BPFFS/netmon/host0/abi" ]

	# Echo requests in, replies out, to the packet and byte (84 B IPv4, 104 B
	# IPv6 with ping's 56-byte payload). ICMP types are the source port; the
	# neighbour discovery around the pings is left out.
	run nms_sql "SELECT direction, protocol, src, dst, sum(packets), sum(bytes) FROM flow_log
		WHERE src_port IN (0, 8, 128, 129)
		  AND ((src = '$NMS_H4' AND dst = '$NMS_C4') OR (src = '$NMS_C4' AND dst = '$NMS_H4')
		    OR (src = '$NMS_H6' AND dst = '$NMS_C6') OR (src = '$NMS_C6' AND dst = '$NMS_H6'))
		GROUP BY 1, 2, 3, 4 ORDER BY 1, 2"
	echo "$output"
	[ "${lines[0]}" = "in|1|$NMS_H4|$NMS_C4|20|1680" ]
	[ "${lines[1]}" = "in|58|$NMS_H6|$NMS_C6|10|1040" ]
	[ "${lines[2]}" = "out|1|$NMS_C4|$NMS_H4|20|1680" ]
	[ "${lines[3]}" = "out|58|$NMS_C6|$NMS_H6|10|1040" ]
	[ "${#lines[@]}" -eq 4 ]

	# The state directory and the database: 0750 and 0640 (UMask and the
	# recorder's own modes).
	[ "$(stat -c %a "$NMS_ROOT/var/lib/netmon")" = 750 ]
	[ "$(stat -c %a "$NMS_ROOT/var/lib/netmon/netmon.db")" = 640 ]
	run nms_sql 'PRAGMA integrity_check'
	[ "$output" = ok ]
}

@test "netmon-record.service: what the kernel counted while stopped is written once by the next start" {
	# Test 1 stopped the unit with everything left attached and pinned.
	ping -c 15 -i 0.05 -q "$NMS_C4" >/dev/null
	nms_in systemctl start netmon-record
	nms_journal_wait netmon-record 'adopted pinned maps'
	ping -c 5 -i 0.05 -q "$NMS_C4" >/dev/null
	nms_in systemctl stop netmon-record
	nms_journal_wait netmon-record 'signal 15: writing the last interval'
	# 20 from test 1, 15 while stopped, 5 after the restart.
	run nms_sql "SELECT direction, sum(packets), sum(bytes) FROM flow_log
		WHERE protocol = 1 AND src_port IN (0, 8)
		  AND ((src = '$NMS_H4' AND dst = '$NMS_C4') OR (src = '$NMS_C4' AND dst = '$NMS_H4'))
		GROUP BY 1 ORDER BY 1"
	echo "$output"
	[ "${lines[0]}" = "in|40|3360" ]
	[ "${lines[1]}" = "out|40|3360" ]
	run nms_sql 'PRAGMA integrity_check'
	[ "$output" = ok ]
	# --detach takes everything away.
	nms_in netmon-record --detach -i host0
	run tc_programs
	[ -z "$output" ]
	[ ! -e "$NMS_BPFFS/netmon/host0" ]
}

# journal_count REGEX: lines of the recorder's journal matching REGEX.
journal_count() {
	nms_in journalctl -q -u netmon-record -o cat --no-pager | grep -Ec -- "$1" || true
}

# wait_more REGEX N: until more than N lines match (bounded: 30 s).
wait_more() {
	local i
	for ((i = 0; i < 60; i++)); do
		[ "$(journal_count "$1")" -gt "$2" ] && return 0
		sleep 0.5
	done
	nms_fail "no new '$1' in the journal of netmon-record"
}

@test "netmon-record.service: an upgrade that changed the BPF ABI: the unit keeps running, the gap is recorded" {
	local abi ready restarts gap_end kept
	abi=$(nms_in netmon-record --version | sed -n 's/.*BPF ABI \([0-9]*\)).*/\1/p')
	ready=$(journal_count 'recording on host0')
	nms_in systemctl start netmon-record
	wait_more 'recording on host0' "$ready"
	run nms_in netmon-record --status -i host0
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"recording: host0 (pid "* ]]
	kept=$(journal_count 'left attached and pinned')
	nms_in systemctl stop netmon-record
	wait_more 'left attached and pinned' "$kept"
	run nms_in netmon-record --status -i host0
	[ "$status" -eq 3 ]
	# What the build before the upgrade left: its pins, as another ABI wrote them.
	bpftool map update pinned "$NMS_BPFFS/netmon/host0/abi" key 0 0 0 0 \
		value hex 6e 70 6d 6e "$(printf %02x $((abi - 1)))" 00 00 00
	ping -c 10 -i 0.05 -q "$NMS_C4" >/dev/null # counted by the old programs: lost
	restarts=$(nms_in systemctl show -p NRestarts --value netmon-record)
	ready=$(journal_count 'recording on host0')
	nms_in systemctl start netmon-record
	wait_more 'recording on host0' "$ready"
	[ "$(journal_count "holds the pins of netmon BPF ABI $((abi - 1)) \(this build: $abi\)")" -eq 1 ]
	[ "$(journal_count 'gap: host0: not recorded from')" -eq 1 ]
	ping -c 5 -i 0.05 -q "$NMS_C4" >/dev/null
	run nms_in systemctl is-active netmon-record
	[ "$output" = active ]
	[ "$(nms_in systemctl show -p NRestarts --value netmon-record)" = "$restarts" ]
	run nms_in netmon-record --status -i host0
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"gaps: 1 (gap_log)"* ]]
	kept=$(journal_count 'left attached and pinned')
	nms_in systemctl stop netmon-record
	wait_more 'left attached and pinned' "$kept"
	# The gap: one row ending where the new run started; after it, the 5 exactly.
	gap_end=$(nms_sql "SELECT ts_end FROM gap_log WHERE reason = 'abi upgrade'")
	[ -n "$gap_end" ]
	run nms_sql "SELECT direction, sum(packets), sum(bytes) FROM flow_log
		WHERE protocol = 1 AND src_port IN (0, 8) AND ts_start >= $gap_end
		  AND ((src = '$NMS_H4' AND dst = '$NMS_C4') OR (src = '$NMS_C4' AND dst = '$NMS_H4'))
		GROUP BY 1 ORDER BY 1"
	echo "$output"
	[ "${lines[0]}" = "in|5|420" ]
	[ "${lines[1]}" = "out|5|420" ]
	run nms_in netmon-report summary
	echo "$output"
	[[ $output == *"Gaps: traffic the kernel counted that no recorder could read"* ]]
	nms_in netmon-record --detach -i host0
}

@test "netmon-report-daily: the service writes text and HTML, the timer is accepted" {
	nms_in systemctl start netmon-report-daily.service
	run nms_in systemctl show -p Result --value netmon-report-daily.service
	[ "$output" = success ]
	day=$(date -u -d yesterday +%F)
	[ -s "$NMS_ROOT/var/lib/netmon/reports/$day.txt" ]
	grep -q '<svg\|<html' "$NMS_ROOT/var/lib/netmon/reports/$day.html"
	nms_in systemctl enable --now netmon-report-daily.timer
	run nms_in systemctl list-timers --no-pager netmon-report-daily.timer
	echo "$output"
	[[ $output == *netmon-report-daily.timer* ]]
}

@test "readers: the units give the state to root:netmon; a member reads without root, others are denied" {
	local want
	# An older install's root:root tree: the next start hands it to the group.
	nms_in chown -R root:root /var/lib/netmon
	nms_in systemctl start netmon-record
	nms_journal_wait netmon-record 'recording on host0'
	run nms_in stat -c '%U:%G %a' /var/lib/netmon /var/lib/netmon/netmon.db /var/lib/netmon/reports
	echo "$output"
	[ "${lines[0]}" = "root:netmon 750" ]
	[ "${lines[1]}" = "root:netmon 640" ]
	[ "${lines[2]}" = "root:netmon 750" ]
	nms_in useradd --no-create-home --groups netmon reader
	nms_in useradd --no-create-home stranger
	# While the recorder runs (its -wal and -shm are there, 0640).
	run nms_in runuser -u reader -- netmon-report top interfaces --format csv
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *host0* ]]
	# Stopped: no -wal, and the group may not create one in /var/lib/netmon.
	nms_in systemctl stop netmon-record
	nms_journal_wait netmon-record 'signal 15: writing the last interval'
	want=$(nms_in netmon-report top interfaces --format csv)
	run nms_in runuser -u reader -- netmon-report top interfaces --format csv
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "$want" ]
	run nms_in runuser -u reader -- sqlite3 'file:/var/lib/netmon/netmon.db?immutable=1' \
		'SELECT count(*) > 0 FROM intervals'
	[ "$output" = 1 ]
	run nms_in runuser -u stranger -- netmon-report top interfaces
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"/var/lib/netmon/netmon.db: cannot open: Permission denied"* ]]
}

# sender UNIT: a transient service sending as nobody, run to its end: one
# datagram of 1000 bytes per redirection (bash opens, connects, writes).
# systemd removes its cgroup as the unit ends.
sender() {
	nms_in systemd-run --quiet --wait --unit="$1" -p User=nobody /bin/bash -c \
		"for i in 1 2 3 4 5; do printf '%1000s' '' >/dev/udp/$NMS_H4/9; done"
}

# unit_rows UNIT: "service|user|bytes sent|sends" of the unit's rows, and
# then its distinct cgroup paths.
unit_rows() {
	nms_sql "SELECT service, user, sum(bytes_sent), sum(sends) FROM process_log
		WHERE service = '$1' GROUP BY 1, 2;
		SELECT DISTINCT cgroup FROM process_log WHERE service = '$1'"
}

# Real units under real systemd, their cgroups gone by the time their
# interval is written: the recorder names them from the paths the kernel
# handed over at the removal (cgroup_rmdir). One unit ends while the
# recorder is stopped with the kernel counting (--keep-attached): the rmdir
# link is pinned with the counting ones, so its path is kept for the next
# start; the other ends while the recorder runs.
@test "a systemd unit's traffic: process_log names its service and user" {
	local ready kept adopted
	ready=$(journal_count 'recording on host0')
	kept=$(journal_count 'left attached and pinned')
	nms_in systemctl start netmon-record
	wait_more 'recording on host0' "$ready"
	nms_in systemctl stop netmon-record
	wait_more 'left attached and pinned' "$kept"
	sender netmon-test-stopped.service
	ready=$(journal_count 'recording on host0')
	adopted=$(journal_count 'adopted pinned maps')
	nms_in systemctl start netmon-record
	wait_more 'recording on host0' "$ready"
	[ "$(journal_count 'adopted pinned maps')" -gt "$adopted" ]
	sender netmon-test-sender.service
	kept=$(journal_count 'left attached and pinned')
	nms_in systemctl stop netmon-record
	wait_more 'left attached and pinned' "$kept"
	# What the bash's rows say, whatever they are named (for a failure).
	nms_sql "SELECT pid, comm, cgroup, service, user, bytes_sent, sends FROM process_log
		WHERE comm = 'bash' AND remote_port = 9"
	run unit_rows netmon-test-stopped.service
	echo "$output"
	[ "${lines[0]}" = "netmon-test-stopped.service|nobody|5000|5" ]
	[[ ${lines[1]} == */system.slice/netmon-test-stopped.service ]]
	[ "${#lines[@]}" -eq 2 ]
	run unit_rows netmon-test-sender.service
	echo "$output"
	[ "${lines[0]}" = "netmon-test-sender.service|nobody|5000|5" ]
	[[ ${lines[1]} == */system.slice/netmon-test-sender.service ]]
	[ "${#lines[@]}" -eq 2 ]
}
