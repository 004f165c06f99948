#!/usr/bin/env bats
# upgrade.bats - an upgrade that changes the BPF ABI, and --status.
#
# A start that finds the pins of another netmon ABI (left by --keep-attached,
# as the systemd unit stops) replaces them, records what they counted and
# nobody read as a gap (gap_log), and counts every packet after its start
# exactly; pins that are not netmon's are still refused (docs/design.md,
# "Upgrades that change the BPF ABI"). The older ABI is forged: the abi pin's
# value is rewritten as another build would have written it (pin.c: magic
# "nmpn", then the version, both little-endian u32). Ground truth: what the
# senders sent.
#
# --status says whether a recorder runs, on which interfaces and hooks, and
# what the database holds, and changes nothing (the database file's mtime and
# the pin directory as they were).
#
#   O=build bats tests/e2e/upgrade.bats     (root; binaries from $O)

# shellcheck disable=SC2154 # set where shellcheck cannot see: NMT_PID_<name> by nmt_spawn (printf -v)
bats_require_minimum_version 1.5.0

load lib

setup() {
	nmt_require "$NMT_RECORD"
	nmt_setup
	DB=$NMT_TMP/netmon.db
	PINS=/sys/fs/bpf/netmon/$NMT_HOST
	ABI=$("$NMT_RECORD" --version | sed -n 's/.*BPF ABI \([0-9]*\)).*/\1/p')
	[ -n "$ABI" ]
}

teardown() {
	nmt_teardown
	rm -rf "$PINS"
}

# forge_abi VERSION: the abi pin as a netmon build of that ABI writes it.
forge_abi() {
	bpftool map update pinned "$PINS/abi" key 0 0 0 0 \
		value hex 6e 70 6d 6e "$(printf %02x "$1")" 00 00 00
}

# future_capture FILE: one UDP datagram dated two hours from now (classic
# pcap, Ethernet), to import as traffic of another interface.
future_capture() {
	python3 - "$1" <<'EOF'
import struct, sys, time
ts = int(time.time()) + 7200
udp = struct.pack('!HHHH', 40000, 5000, 8 + 4, 0) + b'data'
ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                 bytes([198, 51, 100, 1]), bytes([198, 51, 100, 2])) + udp
frame = b'\x02' * 6 + b'\x04' * 6 + b'\x08\x00' + ip
with open(sys.argv[1], 'wb') as f:
    f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    f.write(struct.pack('<IIII', ts, 0, len(frame), len(frame)) + frame)
EOF
}

@test "pins of another ABI: replaced, the gap recorded once, every packet after the start exact" {
	nmt_rec_start "$DB" --keep-attached
	nmt_udp out 4 20001 5001 25 100
	nmt_rec_stop
	[ "$(nmt_netmon_filters)" -eq 2 ]
	live_end=$(nmt_sql "$DB" 'SELECT max(ts_end) FROM intervals')
	# A capture dated after the recording, imported: not where it stopped.
	future_capture "$NMT_TMP/future.pcap"
	"$NMT_RECORD" --read "$NMT_TMP/future.pcap" -i imported --db "$DB"
	[ "$(nmt_sql "$DB" 'SELECT max(ts_end) FROM intervals')" -gt $((live_end + 3600)) ]
	forge_abi $((ABI - 1))
	nmt_udp in 4 20002 5002 35 300 # counted by the old programs: lost
	before=$(date +%s)
	nmt_rec_start "$DB" --keep-attached
	after=$(date +%s)
	grep -q "$PINS holds the pins of netmon BPF ABI $((ABI - 1)) (this build: $ABI): replacing them" \
		"$NMT_TMP/rec.err"
	[ "$(grep -c "gap: $NMT_HOST: not recorded from" "$NMT_TMP/rec.err")" -eq 1 ]
	[ "$(nmt_netmon_filters)" -eq 2 ] # ours now, once each
	nmt_udp out 6 20003 5003 15 60
	nmt_udp in 4 20004 5004 5 10
	nmt_rec_stop
	[ "$(grep -c 'gap: ' "$NMT_TMP/rec.err")" -eq 1 ] # logged once, not per interval
	{
		nmt_flow out 4 17 "$NMT_H4" 20001 "$NMT_P4" 5001 25 $((25 * 128))
		nmt_flow out 6 17 "$NMT_H6" 20003 "$NMT_P6" 5003 15 $((15 * 108))
		nmt_flow in 4 17 "$NMT_P4" 20004 "$NMT_H4" 5004 5 $((5 * 38))
	} >"$NMT_TMP/want"
	LC_ALL=C sort -o "$NMT_TMP/want" "$NMT_TMP/want"
	nmt_check_flows "$DB" "$NMT_TMP/want"
	[ "$(nmt_sql "$DB" 'PRAGMA integrity_check')" = ok ]
	# One gap, from the end of the live recording to the new start.
	run nmt_sql "$DB" "SELECT ts_start, ts_end, reason, old_abi, new_abi, interfaces,
		seconds = ts_end - ts_start FROM gap_log"
	echo "$output (live end $live_end, started within [$before, $after])"
	[ "${#lines[@]}" -eq 1 ]
	IFS='|' read -r g_start g_end reason old new ifaces same <<<"$output"
	[ "$g_start" -eq "$live_end" ]
	# It ends where the new start's first interval begins: the start's second,
	# or the second after the old run's end when the start fell in that same
	# second (an interval never begins before the last one ended).
	lo=$((before > live_end + 1 ? before : live_end + 1))
	hi=$((after > live_end + 1 ? after : live_end + 1))
	[ "$g_end" -ge "$lo" ]
	[ "$g_end" -le "$hi" ]
	[ "$reason|$old|$new|$ifaces|$same" = "abi upgrade|$((ABI - 1))|$ABI|$NMT_HOST|1" ]
	# The first interval after it carries it in collector_log; live and imported told apart.
	[ "$(nmt_sql "$DB" "SELECT gap_before FROM collector_log WHERE ts_start = $g_end")" -eq \
		$((g_end - g_start)) ]
	[ "$(nmt_sql "$DB" 'SELECT count(*) FROM collector_log WHERE gap_before > 0')" -eq 1 ]
	[ "$(nmt_sql "$DB" "SELECT DISTINCT live FROM intervals i
		WHERE EXISTS (SELECT 1 FROM flow_log f WHERE f.ts_start = i.ts_start
			AND f.interface = 'imported')")" = 0 ]
	# The adopted pins of the new build carry on as usual.
	nmt_rec_start "$DB"
	grep -q 'adopted pinned maps' "$NMT_TMP/rec.err"
	run ! grep -q 'replacing them' "$NMT_TMP/rec.err"
	nmt_rec_stop
	[ ! -e "$PINS" ]
	[ "$(nmt_netmon_filters)" -eq 0 ]
}

@test "pins of another ABI counting with XDP: replaced by a --hook tc start" {
	nmt_rec_start "$DB" --keep-attached --hook xdp
	grep -q "$NMT_HOST: XDP attached in native mode" "$NMT_TMP/rec.err"
	nmt_rec_stop
	forge_abi $((ABI + 1)) # a downgrade is another ABI too
	nmt_rec_start "$DB"
	grep -q "ABI $((ABI + 1)) (this build: $ABI): replacing them" "$NMT_TMP/rec.err"
	[ "$(ip -d link show dev "$NMT_HOST" | grep -c 'prog/xdp')" -eq 0 ]
	nmt_udp out 4 20005 5005 7 70
	nmt_rec_stop
	nmt_flow out 4 17 "$NMT_H4" 20005 "$NMT_P4" 5005 7 $((7 * 98)) >"$NMT_TMP/want"
	nmt_db_flows "$DB" | grep '|20005|' >"$NMT_TMP/got"
	nmt_same expected "$NMT_TMP/want" flow_log "$NMT_TMP/got"
	[ "$(nmt_sql "$DB" 'SELECT count(*) FROM gap_log')" -eq 1 ]
}

@test "pins that are not a netmon recorder's: still refused, nothing replaced or attached" {
	mkdir -p "$PINS"
	# Something else's map where the abi pin would be: another value size.
	bpftool map create "$PINS/abi" type array key 4 value 4 entries 1 name abi
	run "$NMT_RECORD" -i "$NMT_HOST" --db "$DB" --duration 2
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"$PINS holds pins that are not a complete netmon recorder's"* ]]
	[ -e "$PINS/abi" ]
	# Netmon's size, another magic.
	rm "$PINS/abi"
	bpftool map create "$PINS/abi" type array key 4 value 8 entries 1 name abi
	bpftool map update pinned "$PINS/abi" key 0 0 0 0 value hex 6e 6d 6f 6e 04 00 00 00
	run "$NMT_RECORD" -i "$NMT_HOST" --db "$DB" --duration 2
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"$PINS holds pins that are not a complete netmon recorder's"* ]]
	[ -e "$PINS/abi" ]
	[ "$(nmt_netmon_filters)" -eq 0 ]
	[ ! -e "$DB" ] || [ "$(nmt_sql "$DB" 'SELECT count(*) FROM gaps')" -eq 0 ]
}

# status_snapshot [stopped]: what --status must leave as it was: the
# database file's mtime, and the pin directory's entries with their mtimes
# and inodes; with no recorder running, a -wal that holds changes too (a
# write would go there, or be checkpointed into the file by the last
# connection's close; an empty one a reader may remove, as the reports do).
# Not the -shm: readers of a WAL database write their read marks there.
status_snapshot() {
	stat -c '%n %Y.%y' "$DB"
	if [ -n "${1:-}" ] && [ -s "$DB-wal" ]; then
		stat -c '%n %s %Y.%y' "$DB-wal"
	fi
	if [ -d "$PINS" ]; then
		stat -c '%n %i %Y.%y' "$PINS"
		find "$PINS" -mindepth 1 -printf '%p %i %T@\n' | LC_ALL=C sort
	fi
}

@test "--status: running (0, any and the right -i), 3 for others, stopped, kept, crashed; read-only" {
	run "$NMT_RECORD" --status --db "$DB" -i "$NMT_HOST"
	echo "$output"
	[ "$status" -eq 3 ] # never started
	[[ $output == *"not recording: $NMT_HOST"* ]]
	[[ $output == *"database: $DB: none"* ]]
	[ ! -e "$DB" ]
	nmt_rec_start "$DB" --keep-attached
	# One interval stored, so that there is a last one to name.
	nmt_wait_intervals "$DB" 1 1
	status_snapshot >"$NMT_TMP/before"
	run "$NMT_RECORD" --status --db "$DB" -i "$NMT_HOST"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"recording: $NMT_HOST (pid $NMT_PID_rec, since "* ]]
	[[ $output == *"  $NMT_HOST: tc ingress, tc egress"* ]]
	[[ $output == *"  pins: $PINS, BPF ABI $ABI"* ]]
	[[ $output == *"  backlog: "* ]]
	[[ $output == *"  last interval: "*" UTC (ended "* ]]
	[[ $output == *"  table full: 0 packets in the last interval"* ]]
	[[ $output == *"  gaps: none"* ]]
	run "$NMT_RECORD" --status --db "$DB"
	[ "$status" -eq 0 ]
	# An interface no recorder watches (one of this test's own making: other
	# tests may record on any real one meanwhile).
	other=nmt${$}o$NMT_X
	run "$NMT_RECORD" --status --db "$DB" -i "$other"
	echo "$output"
	[ "$status" -eq 3 ]
	[[ $output == *"not recording: $other"* ]]
	[[ $output != *"recording: $NMT_HOST"* ]]
	run "$NMT_RECORD" --status --db "$DB" -i "$NMT_HOST" -i "$other"
	[ "$status" -eq 3 ]
	status_snapshot >"$NMT_TMP/after"
	nmt_same before "$NMT_TMP/before" after "$NMT_TMP/after"
	# Stopped with the pins kept: not recording, the kernel counting.
	nmt_rec_stop
	status_snapshot stopped >"$NMT_TMP/before"
	run "$NMT_RECORD" --status --db "$DB" -i "$NMT_HOST"
	echo "$output"
	[ "$status" -eq 3 ]
	[[ $output == *"not running: $NMT_HOST: pins left in $PINS"* ]]
	[[ $output == *"the kernel counts on, the next start adopts them"* ]]
	[[ $output == *"  $NMT_HOST: tc ingress, tc egress"* ]]
	status_snapshot stopped >"$NMT_TMP/after"
	nmt_same before "$NMT_TMP/before" after "$NMT_TMP/after"
	# A dead recorder's pins: the same.
	nmt_rec_start "$DB"
	kill -KILL "$NMT_PID_rec"
	nmt_wait_exit "$NMT_PID_rec" 5 || true
	status_snapshot stopped >"$NMT_TMP/before"
	run "$NMT_RECORD" --status --db "$DB" -i "$NMT_HOST"
	echo "$output"
	[ "$status" -eq 3 ]
	[[ $output == *"not running: $NMT_HOST: pins left in $PINS"* ]]
	status_snapshot stopped >"$NMT_TMP/after"
	nmt_same before "$NMT_TMP/before" after "$NMT_TMP/after"
	# Another ABI's: named, with what the next start does.
	forge_abi $((ABI - 1))
	run "$NMT_RECORD" --status --db "$DB" -i "$NMT_HOST"
	echo "$output"
	[ "$status" -eq 3 ]
	[[ $output == *"BPF ABI $((ABI - 1)), this build's is $ABI: the next start replaces them"* ]]
	# After the upgrade start: recording again, the gap named.
	nmt_rec_start "$DB"
	run "$NMT_RECORD" --status --db "$DB" -i "$NMT_HOST"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"  gaps: 1 (gap_log); the last from "* ]]
	nmt_rec_stop
	# Stopped plainly: no pins, not recording. (Without -i the answer would
	# depend on other tests' recorders running on this host at the same time.)
	run "$NMT_RECORD" --status --db "$DB" -i "$NMT_HOST"
	echo "$output"
	[ "$status" -eq 3 ]
	[[ $output == *"not recording: $NMT_HOST"* ]]
	[[ $output != *"pins left"* ]]
}
