#!/usr/bin/env bats
# sample.bats - --sample N --pcap FILE against real traffic on the test veth
# (lib.bash): the pcapng file tshark reads holds exactly the packets the
# kernel sampled, their headers decode to what was sent, the database records
# the rate, the samples and the drops per interval, and rotation keeps a
# bounded set of readable files.
#
#   O=build bats tests/e2e/sample.bats     (root; binaries from $O)

# shellcheck disable=SC2154 # set where shellcheck cannot see: NMT_PID_<name> by nmt_spawn (printf -v)
bats_require_minimum_version 1.5.0

load lib

setup() {
	nmt_require "$NMT_RECORD"
	nmt_setup
	DB=$NMT_TMP/netmon.db
	PCAP=$NMT_TMP/sample.pcapng
}

teardown() {
	nmt_teardown
}

# Per-interval health summed: rate(s)|samples|drops, from collector_log
# ($1, default $DB).
health() {
	nmt_sql "${1:-$DB}" "SELECT group_concat(DISTINCT sample_rate), sum(samples), sum(sample_drops)
		FROM collector_log"
}

# Packets the recorder counted on the test interface, every kind of frame
# (database $1, default $DB).
counted_packets() {
	nmt_sql "${1:-$DB}" "SELECT sum(t.packets) FROM traffic t JOIN interfaces n ON n.id = t.iface_id
		WHERE n.name = '$NMT_HOST' AND t.kind IN (0, 1, 2)"
}

# Frames in the sample files given.
frames() {
	local f n=0
	for f in "$@"; do
		n=$((n + $(tshark -n -r "$f" 2>/dev/null | wc -l)))
	done
	echo "$n"
}

@test "--sample 1: every packet sent is in the pcapng, per flow exactly as sent" {
	nmt_rec_start "$DB" --sample 1 --pcap "$PCAP"
	nmt_udp out 4 20001 5001 20 100
	nmt_udp in 4 20002 5002 13 1000
	nmt_udp out 6 20003 5003 7 1200
	nmt_rec_stop
	# The flows between the test addresses, decoded by tshark from the
	# samples (direction from the Ethernet source), equal the database's.
	# (UDP only: TCP egress reaches TC as GSO super-packets even with
	# offloads off, segmented after TC; such a packet is one sample.)
	nmt_cap_flows "$PCAP" >"$NMT_TMP/pcap.flows"
	nmt_db_flows "$DB" >"$NMT_TMP/db.flows"
	nmt_same pcap "$NMT_TMP/pcap.flows" flow_log "$NMT_TMP/db.flows"
	# ...and the UDP ones what was sent.
	grep -qx "out|4|17|$NMT_H4|20001|$NMT_P4|5001|20|$((20 * 128))|0|0|0|0" "$NMT_TMP/pcap.flows"
	grep -qx "in|4|17|$NMT_P4|20002|$NMT_H4|5002|13|$((13 * 1028))|0|0|0|0" "$NMT_TMP/pcap.flows"
	grep -qx "out|6|17|$NMT_H6|20003|$NMT_P6|5003|7|$((7 * 1248))|0|0|0|0" "$NMT_TMP/pcap.flows"
	# Every frame the recorder counted was sampled, none dropped.
	local n
	n=$(counted_packets)
	[ "$(health)" = "1|$n|0" ]
	[ "$(frames "$PCAP")" -eq "$n" ]
	# The pcapng's own direction flag agrees with the Ethernet source, the
	# interface is named, the comment states the rate, frames keep their
	# original length and at most 128 bytes.
	run --separate-stderr tshark -n -r "$PCAP" -T fields -e frame.interface_name -e frame.packet_flags_direction \
		-e eth.src -e frame.len -e frame.cap_len -Y "udp.srcport == 20002"
	[ "${#lines[@]}" -eq 13 ]
	for l in "${lines[@]}"; do
		[ "$l" = "$NMT_HOST	0x00000001	$NMT_PEER_MAC	1042	128" ]
	done
	run --separate-stderr tshark -n -r "$PCAP" -T fields -e frame.packet_flags_direction -Y "udp.srcport == 20001"
	[ "${#lines[@]}" -eq 20 ]
	[ "$(printf '%s\n' "${lines[@]}" | sort -u)" = 0x00000002 ]
	capinfos "$PCAP" | grep -q "Capture comment: *netmon-record packet sample: 1 in 1 packets"
	[ "$(stat -c %a "$PCAP")" = 640 ]
}

@test "--pcap FILE.pcap: classic pcap through libpcap, every packet as sent" {
	local classic=$NMT_TMP/samples.pcap
	nmt_rec_start "$DB" --sample 1 --pcap "$classic"
	nmt_udp out 4 20001 5001 20 100
	nmt_udp in 6 20002 5002 9 700
	nmt_rec_stop
	capinfos -t "$classic" | grep -q 'File type: *Wireshark/tcpdump/... - nanosecond pcap'
	capinfos -a "$classic" >/dev/null # tshark's tools read it whole
	[ "$(stat -c %a "$classic")" = 640 ]
	nmt_cap_flows "$classic" >"$NMT_TMP/pcap.flows"
	grep -qx "out|4|17|$NMT_H4|20001|$NMT_P4|5001|20|$((20 * 128))|0|0|0|0" "$NMT_TMP/pcap.flows"
	grep -qx "in|6|17|$NMT_P6|20002|$NMT_H6|5002|9|$((9 * 748))|0|0|0|0" "$NMT_TMP/pcap.flows"
	local n
	n=$(counted_packets)
	[ "$(health)" = "1|$n|0" ]
	[ "$(frames "$classic")" -eq "$n" ]
	# Original lengths kept, at most the snap length captured.
	run --separate-stderr tshark -n -r "$classic" -T fields -e frame.len -e frame.cap_len \
		-Y "udp.srcport == 20002"
	[ "${#lines[@]}" -eq 9 ]
	[ "$(printf '%s\n' "${lines[@]}" | sort -u)" = "762	128" ]
}

@test "--hook xdp with --sample 1: ingress sampled by the XDP program, egress by TC, as sent" {
	nmt_rec_start "$DB" --hook xdp --sample 1 --pcap "$PCAP"
	nmt_udp in 4 20002 5002 13 1000
	nmt_udp out 6 20003 5003 7 1200
	nmt_rec_stop
	nmt_cap_flows "$PCAP" >"$NMT_TMP/pcap.flows"
	grep -qx "in|4|17|$NMT_P4|20002|$NMT_H4|5002|13|$((13 * 1028))|0|0|0|0" "$NMT_TMP/pcap.flows"
	grep -qx "out|6|17|$NMT_H6|20003|$NMT_P6|5003|7|$((7 * 1248))|0|0|0|0" "$NMT_TMP/pcap.flows"
	local n
	n=$(counted_packets)
	[ "$(health)" = "1|$n|0" ]
	[ "$(frames "$PCAP")" -eq "$n" ]
}

@test "--sample 10: one packet in 10 per CPU, written + dropped = sampled" {
	nmt_rec_start "$DB" --sample 10 --pcap "$PCAP" --snaplen 64
	nmt_udp out 4 20001 5001 1000 200
	nmt_udp in 6 20002 5002 555 10
	nmt_rec_stop
	local n s want ncpu
	n=$(counted_packets)
	s=$(frames "$PCAP")
	want=$((n / 10))
	ncpu=$(nproc)
	echo "counted $n, sampled $s, floor(n/10) $want, $ncpu CPUs"
	# Per-CPU counters: sum over CPUs of floor(n_cpu / 10), which lies in
	# [floor(n / 10) - (CPUs - 1), floor(n / 10)].
	[ "$s" -le "$want" ]
	[ "$s" -ge $((want - ncpu + 1)) ]
	[ "$(health)" = "10|$s|0" ]
	# Only test traffic crosses the link: every sample is one of its packets,
	# cut to 64 bytes.
	[ "$(tshark -n -r "$PCAP" -Y "udp.port == 5001 || udp.port == 5002" | wc -l)" -eq "$s" ]
	[ "$(tshark -n -r "$PCAP" -T fields -e frame.cap_len | sort -u)" = 64 ]
}

@test "--pcap-size rotates into a bounded set of files, all readable, none lost" {
	# Each sample of a 300-byte datagram is 256 bytes + 44 of pcapng
	# framing: 1 MB holds ~3300. 12000 samples are more than 3 files hold.
	nmt_rec_start "$DB" --sample 1 --pcap "$PCAP" --pcap-size 1 --pcap-files 3 --snaplen 256 \
		--sample-ring 16384
	local i
	for i in 1 2 3 4 5 6; do
		nmt_udp out 4 2000$i 500$i 2000 300
	done
	nmt_rec_stop
	run ls "$NMT_TMP"
	echo "$output"
	[ -f "$PCAP" ] && [ -f "$PCAP.1" ] && [ -f "$PCAP.2" ] && [ ! -e "$PCAP.3" ]
	local f total=0 n
	for f in "$PCAP" "$PCAP.1" "$PCAP.2"; do
		[ "$(stat -c %s "$f")" -le $((1000000 + 500)) ]
		[ "$(stat -c %a "$f")" = 640 ]
		n=$(frames "$f")
		[ "$n" -gt 0 ]
		capinfos "$f" | grep -q "Capture comment: *netmon-record packet sample: 1 in 1 packets"
		total=$((total + n))
	done
	# The oldest files were deleted: fewer frames kept than sampled, and the
	# kept ones are the newest (the last datagram sent is in FILE).
	read -r rate samples drops < <(health | tr '|' ' ')
	echo "kept $total of $samples samples ($drops dropped)"
	[ "$rate" = 1 ] && [ "$drops" -eq 0 ] && [ "$total" -lt "$samples" ]
	[ "$(frames "$PCAP.2")" -gt 3000 ] # a full file
	# Rotation happened after the privilege drop (logged before traffic).
	grep -q "capabilities dropped" "$NMT_TMP/rec.err"
}

@test "a full ring drops samples: counted, and written + dropped = sampled" {
	# The smallest ring (4 KiB: ~14 samples) and a stopped recorder: the
	# kernel goes on sampling and must drop.
	nmt_rec_start "$DB" --sample 1 --pcap "$PCAP" --sample-ring 4
	kill -STOP "$NMT_PID_rec"
	nmt_udp out 4 20001 5001 200 100 || { kill -CONT "$NMT_PID_rec"; false; }
	kill -CONT "$NMT_PID_rec"
	nmt_rec_stop
	local n s rate samples drops
	n=$(counted_packets)
	s=$(frames "$PCAP")
	read -r rate samples drops < <(health | tr '|' ' ')
	echo "counted $n, in the file $s, samples $samples, drops $drops"
	[ "$rate" = 1 ]
	[ "$drops" -gt 0 ]
	[ "$s" -eq "$samples" ]
	[ $((samples + drops)) -eq "$n" ]
	# collector health in the report shows them
	run "$NMT_BUILD/netmon-report" --db "$DB" summary
	echo "$output"
	[[ $output == *"sample"*"$drops"* ]]
}

@test "sampling options: bad values and --sample without --pcap exit 64 with a message" {
	run -64 "$NMT_RECORD" --sample 10
	[[ $output == *"--sample needs --pcap"* ]]
	run -64 "$NMT_RECORD" --sample 2 --pcap "$PCAP" --snaplen 300
	[[ $output == *"invalid --snaplen '300'"* ]]
	run -64 "$NMT_RECORD" --sample 2 --pcap "$PCAP" --sample-ring 12
	[[ $output == *"power of 2"* ]]
	run -64 "$NMT_RECORD" --sample 2 --pcap "$PCAP" --pcap-files 1
	[[ $output == *"invalid --pcap-files '1'"* ]]
	run -64 "$NMT_RECORD" --sample x --pcap "$PCAP"
	[[ $output == *"invalid --sample 'x'"* ]]
	# From the configuration file: the line is named.
	printf 'sample = 5\n' >"$NMT_TMP/c.conf"
	run -64 "$NMT_RECORD" --config "$NMT_TMP/c.conf" --check-config
	[[ $output == *"--sample needs --pcap"* ]]
	printf 'sample = 5\npcap = %s\nsnaplen = 9\n' "$PCAP" >"$NMT_TMP/c.conf"
	run -64 "$NMT_RECORD" --config "$NMT_TMP/c.conf" --check-config
	[[ $output == *"c.conf:3"*"invalid --snaplen '9'"* ]]
	printf 'sample = 5\npcap = %s\n' "$PCAP" >"$NMT_TMP/c.conf"
	run -0 "$NMT_RECORD" --config "$NMT_TMP/c.conf" --check-config
}

# udp_frames FILE SPORT: frames of the datagrams sent from SPORT in FILE.
udp_frames() {
	tshark -n -r "$1" -Y "udp.srcport == $2" 2>/dev/null | wc -l
}

# whole FILE: tshark reads FILE to its end without an error (a cut record, a
# damaged block or a section it cannot read would make it fail).
whole() {
	local out st=0
	out=$(tshark -n -r "$1" 2>&1) || st=$?
	echo "$out" | tail -3
	[ "$st" -eq 0 ] && [[ $out != *"cut short"* ]] && [[ $out != *"appears to be damaged"* ]]
}

@test "a restart with the same --pcap appends (pcapng and pcap): both runs' samples, as counted" {
	local f db
	for f in "$PCAP" "$NMT_TMP/samples.pcap"; do
		db=$NMT_TMP/$(basename "$f").db
		nmt_rec_start "$db" --sample 1 --pcap "$f"
		nmt_udp out 4 20001 5001 20 100
		nmt_udp in 6 20002 5002 9 700
		nmt_rec_stop
		[ "$(udp_frames "$f" 20001)" -eq 20 ]
		# 29 datagrams, and any packet of the kernel's own sampled with them.
		local held
		held=$(frames "$f")
		# What systemd does on every restart: the same options again.
		nmt_rec_start "$db" --sample 1 --pcap "$f"
		nmt_udp out 4 20003 5003 30 100
		nmt_rec_stop
		whole "$f"
		[ "$(udp_frames "$f" 20001)" -eq 20 ]
		[ "$(udp_frames "$f" 20002)" -eq 9 ]
		[ "$(udp_frames "$f" 20003)" -eq 30 ]
		# Every frame of both runs, as many as collector_log's samples and
		# the frames counted; nothing rotated away.
		local n
		n=$(counted_packets "$db")
		[ "$(health "$db")" = "1|$n|0" ]
		[ "$(frames "$f")" -eq "$n" ]
		[ ! -e "$f.1" ]
		[ "$(stat -c %a "$f")" = 640 ]
		grep -q "appending to the $held samples it holds" "$NMT_TMP/rec.err"
	done
	# The pcapng's second run is a section of its own.
	[ "$(tshark -n -r "$PCAP" -T fields -e frame.section_number | sort -u | tr '\n' ' ')" = "1 2 " ]
}

@test "kill -9 and a restart keep the file's samples; a record cut by a crash is removed" {
	local f db
	for f in "$PCAP" "$NMT_TMP/samples.pcap"; do
		db=$NMT_TMP/$(basename "$f").db
		nmt_rec_start "$db" --sample 1 --pcap "$f"
		nmt_udp out 4 20001 5001 20 100
		# The samples reach the file at the end of each 1 s interval.
		local i
		for i in $(seq 100); do
			[ "$(udp_frames "$f" 20001)" -eq 20 ] && break
			sleep 0.1
		done
		[ "$(udp_frames "$f" 20001)" -eq 20 ]
		kill -KILL "$NMT_PID_rec"
		local st=0
		nmt_wait_exit "$NMT_PID_rec" 5 || st=$?
		[ "$st" -eq $((128 + 9)) ]
		# What the file holds: the 20 datagrams, and any packet of the
		# kernel's own (IPv6 neighbour discovery, MLD) sampled with them.
		local held last kept=20
		held=$(frames "$f")
		last=$(tshark -n -r "$f" -T fields -e udp.srcport 2>/dev/null | tail -1)
		[ "$last" != 20001 ] || kept=19
		# As if the crash had cut the last write: half a record at the end.
		truncate -s -10 "$f"
		nmt_rec_start "$db" --sample 1 --pcap "$f"
		grep -q "removing the last .* bytes, a record cut short" "$NMT_TMP/rec.err"
		grep -q "appending to the $((held - 1)) samples it holds" "$NMT_TMP/rec.err"
		nmt_udp out 4 20003 5003 30 100
		nmt_rec_stop
		whole "$f"
		[ "$(udp_frames "$f" 20001)" -eq "$kept" ]
		[ "$(udp_frames "$f" 20003)" -eq 30 ]
		# The restart adopted the pinned maps: every sample counted once,
		# the one the cut took excepted.
		local n
		n=$(counted_packets "$db")
		[ "$(health "$db")" = "1|$n|0" ]
		[ "$(frames "$f")" -eq $((n - 1)) ]
	done
}

@test "--pcap never overwrites: another file is refused, another snap length rotated" {
	printf 'precious notes\n' >"$PCAP"
	run -1 "$NMT_RECORD" -i "$NMT_HOST" --db "$DB" --duration 1 --sample 1 --pcap "$PCAP"
	echo "$output"
	[[ $output == *"error: --pcap $PCAP exists and is not a pcapng file"* ]]
	[ "$(cat "$PCAP")" = "precious notes" ]
	local classic=$NMT_TMP/samples.pcap
	printf 'x' >"$classic"
	run -1 "$NMT_RECORD" -i "$NMT_HOST" --db "$DB" --duration 1 --sample 1 --pcap "$classic"
	[[ $output == *"error: --pcap $classic exists and is not a pcap file"* ]]
	[ "$(cat "$classic")" = x ]
	# A classic file has one snap length: another one starts a new file,
	# the earlier one kept as FILE.1.
	rm "$classic"
	nmt_rec_start "$DB" --sample 1 --pcap "$classic" --snaplen 64
	nmt_udp out 4 20001 5001 20 100
	nmt_rec_stop
	nmt_rec_start "$DB" --sample 1 --pcap "$classic" --snaplen 128
	grep -q "kept as $classic.1" "$NMT_TMP/rec.err"
	nmt_udp out 4 20003 5003 30 100
	nmt_rec_stop
	whole "$classic" && whole "$classic.1"
	[ "$(udp_frames "$classic.1" 20001)" -eq 20 ]
	[ "$(udp_frames "$classic" 20003)" -eq 30 ]
	[ "$(tshark -n -r "$classic.1" -T fields -e frame.cap_len | sort -u)" = 64 ]
}

@test "a FILE already at --pcap-size is rotated at start, kept whole as FILE.1" {
	local classic=$NMT_TMP/samples.pcap sum
	# A valid nanosecond pcap of 1,000,024 bytes: 13158 records of 60 bytes.
	python3 - "$classic" <<'PY'
import struct, sys
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b23c4d, 2, 4, 0, 0, 128, 1))
    for i in range(13158):
        f.write(struct.pack("<IIII", 1700000000 + i, 0, 60, 60) + bytes(60))
PY
	sum=$(sha256sum <"$classic")
	nmt_rec_start "$DB" --sample 1 --pcap "$classic" --pcap-size 1 --snaplen 128
	nmt_udp out 4 20001 5001 20 100
	nmt_rec_stop
	[ "$(sha256sum <"$classic.1")" = "$sum" ]
	whole "$classic"
	[ "$(udp_frames "$classic" 20001)" -eq 20 ]
	[ "$(stat -c %s "$classic")" -lt 100000 ]
}
