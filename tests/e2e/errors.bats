#!/usr/bin/env bats
# netmon-record's refusals: one clear line on stderr naming the problem, exit
# 1 (runtime) or 64 (usage), nothing attached, nothing written.
#
# Uses veth, tun and bridge interfaces of its own (no traffic is sent; this
# kernel has no dummy driver).

# shellcheck disable=SC2154 # set where shellcheck cannot see: $stderr_lines by bats' run
bats_require_minimum_version 1.5.0

O=${O:-build}
case $O in
/*) B=$O ;; # an absolute O= (make O=/tmp/x)
*) B=$BATS_TEST_DIRNAME/../../$O ;;
esac
REC=$B/netmon-record
REPORT=$B/netmon-report
TCX=$B/tests/tools/nm-tcx # tcx links, as the kernel lists them

setup() {
	ID=$$$BATS_TEST_NUMBER
	UP=nmtu$ID
	DOWN=nmtd$ID
	TUN=nmtt$ID
	ip link add "$UP" type veth peer name "${UP}p"
	ip link set "${UP}p" up
	ip link set "$UP" up
	ip link add "$DOWN" type veth peer name "${DOWN}p"
	ip tuntap add dev "$TUN" mode tun
	ip link set "$TUN" up
	DB=$BATS_TEST_TMPDIR/rec.db
}

teardown() {
	ip link del "$UP" 2>/dev/null || true
	ip link del "$DOWN" 2>/dev/null || true
	ip tuntap del dev "$TUN" mode tun 2>/dev/null || true
	ip link del "nmtb$ID" 2>/dev/null || true # the bridge of one test
}

# refused STATUS NEEDLE ARGS...: exit STATUS, one stderr line containing NEEDLE.
refused() {
	local want=$1 needle=$2
	shift 2
	run --separate-stderr timeout 30 "$@"
	echo "status $status; stderr: $stderr"
	[ "$status" -eq "$want" ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ $stderr == *"$needle"* ]]
}

# no_clsact DEV: the device has no clsact qdisc (and tc could read it) and
# no tcx link (the TC programs' hooks on a kernel with tcx).
no_clsact() {
	local qdiscs links
	qdiscs=$(tc qdisc show dev "$1") || return
	[[ $qdiscs != *clsact* ]] || return
	links=$("$TCX" "$1") || return
	[ -z "$links" ]
}

@test "an interface that is down is refused by name" {
	refused 1 "interface $DOWN is down" "$REC" -i "$UP" -i "$DOWN" --db "$DB"
	no_clsact "$UP"
	no_clsact "$DOWN"
	[ ! -e "$DB" ]
}

# A bridge has no native XDP: ingress is counted with TC, as without --hook
# xdp, and said (generic XDP, after GRO, would count merged packets as one).
@test "--hook xdp where the driver has no native XDP: TC counts ingress, said, all removed" {
	local br=nmtb$ID pid
	ip link add "$br" type bridge
	ip link set "$br" up
	timeout 30 "$REC" -i "$br" --hook xdp --db "$DB" --duration 20 \
		2>"$BATS_TEST_TMPDIR/rec.err" &
	pid=$!
	for _ in $(seq 100); do
		grep -q 'recording on' "$BATS_TEST_TMPDIR/rec.err" && break
		sleep 0.1
	done
	cat "$BATS_TEST_TMPDIR/rec.err"
	grep -q "warning: $br: no native XDP here (.*): counting its ingress with TC instead, as exactly (generic XDP would run at the same point, after GRO, and count a merged packet as one)" "$BATS_TEST_TMPDIR/rec.err"
	"$TCX" "$br" | grep -qx 'ingress netmon_tc_ingre'
	"$TCX" "$br" | grep -qx 'egress netmon_tc_egres'
	run -0 ip link show dev "$br"
	[[ $output != *prog/xdp* ]]
	kill -TERM "$pid"
	wait "$pid"
	no_clsact "$br"
}

@test "a non-Ethernet interface (tun) is refused by name" {
	refused 1 "interface $TUN is not Ethernet-framed" "$REC" -i "$TUN" --db "$DB"
	no_clsact "$TUN"
}

@test "a database of a newer schema is refused, naming both versions, and left untouched" {
	run timeout 30 "$REC" -i "$UP" --db "$DB" --duration 1
	[ "$status" -eq 0 ]
	sqlite3 "$DB" 'PRAGMA user_version = 99'
	local before
	before=$(sha256sum "$DB")
	local ours
	ours=$(find "$BATS_TEST_DIRNAME/../../sql" -name '[0-9][0-9][0-9][0-9]_*.sql' | wc -l)
	refused 1 "schema version 99 is newer than version $ours" "$REC" -i "$UP" --db "$DB"
	[ "$(sha256sum "$DB")" = "$before" ]
	no_clsact "$UP"
	refused 1 "schema version 99 is newer" "$REPORT" --db "$DB" summary
}

@test "without privileges: refused with what is needed, nothing attached" {
	command -v setpriv
	refused 1 "run as root or with CAP_BPF" \
		setpriv --reuid 65534 --regid 65534 --clear-groups --inh-caps=-all \
		"$REC" -i "$UP" --db "$BATS_TEST_TMPDIR/np.db"
	no_clsact "$UP"
}

@test "bad flag values are usage errors (64) naming the value" {
	refused 64 "invalid --interval '0'" "$REC" -i "$UP" --interval 0 --db "$DB"
	refused 64 "invalid --duration '5s'" "$REC" -i "$UP" --duration 5s --db "$DB"
	refused 64 "invalid --hook 'ebpf'" "$REC" -i "$UP" --hook ebpf --db "$DB"
	refused 64 "unexpected argument 'now'" "$REC" -i "$UP" now
	[ ! -e "$DB" ]
}

@test "--help and --version exit 0 on stdout" {
	run --separate-stderr "$REC" --help
	[ "$status" -eq 0 ]
	[[ $output == Usage:* ]]
	[ -z "$stderr" ]
	run "$REC" --version
	[ "$status" -eq 0 ]
	[[ $output == "netmon-record "* ]]
}

@test "--config that is no configuration file: a directory, /dev/zero, binary data: one line, 64" {
	refused 64 "configuration file $BATS_TEST_TMPDIR: Is a directory" \
		"$REC" --config "$BATS_TEST_TMPDIR" --check-config
	# /dev/zero never ends: refused at its first byte, not read forever.
	refused 64 "/dev/zero:1: binary data (a byte 0x00): not a configuration file" \
		"$REC" --config /dev/zero --check-config
	# 19 bytes of binary, a newline after a NUL among them.
	printf '\x7fELF\x02\x01\x01\x00\x00\n\x00\x00\x00\x00\x00\x00\x03\x00>' >"$BATS_TEST_TMPDIR/bin.conf"
	[ "$(stat -c %s "$BATS_TEST_TMPDIR/bin.conf")" -eq 19 ]
	refused 64 "bin.conf:1: binary data (a byte 0x02): not a configuration file" \
		"$REC" --config "$BATS_TEST_TMPDIR/bin.conf" --check-config
	# The same refusals when recording, before anything is attached.
	refused 64 "Is a directory" "$REC" -i "$UP" --db "$DB" --config "$BATS_TEST_TMPDIR"
	no_clsact "$UP"
	[ ! -e "$DB" ]
}

@test "--pcap without --sample is a usage error; --sample 0 turns sampling off" {
	refused 64 "--pcap needs --sample N" "$REC" -i "$UP" --db "$DB" --pcap "$BATS_TEST_TMPDIR/s.pcapng"
	printf 'pcap = %s\n' "$BATS_TEST_TMPDIR/s.pcapng" >"$BATS_TEST_TMPDIR/c.conf"
	refused 64 "--pcap needs --sample N" "$REC" --config "$BATS_TEST_TMPDIR/c.conf" --check-config
	no_clsact "$UP"
	[ ! -e "$DB" ]
	[ ! -e "$BATS_TEST_TMPDIR/s.pcapng" ]
	run -0 "$REC" --sample 0 --pcap "$BATS_TEST_TMPDIR/s.pcapng" --config /dev/null --check-config
	printf 'sample = 0\n' >>"$BATS_TEST_TMPDIR/c.conf"
	run -0 "$REC" --config "$BATS_TEST_TMPDIR/c.conf" --check-config
}

@test "getopt's complaints in the usual 'error:' form, one line, 64 (both programs)" {
	refused 64 "netmon-record: error: unknown option '--bogus'" "$REC" --bogus
	refused 64 "netmon-record: error: unknown option '-x'" "$REC" -vx
	refused 64 "netmon-record: error: unknown option '-x'" "$REC" --live -xv
	refused 64 "netmon-record: error: option '--interval' needs a value" "$REC" --interval
	refused 64 "netmon-record: error: option '-t' needs a value" "$REC" -t
	refused 64 "netmon-record: error: option '--live' takes no value" "$REC" --live=yes
	refused 64 "netmon-record: error: option '--keep' is ambiguous" "$REC" --keep 3
	refused 64 "netmon-report: error: option '--help' takes no value" "$REPORT" --help=1
	refused 64 "netmon-report: error: option '--l' is ambiguous" "$REPORT" top hosts --l 3
	refused 64 "netmon-report: error: unknown option '--bogus'" "$REPORT" summary --bogus
	refused 64 "netmon-report: error: unknown option '-x'" "$REPORT" --alert -xv
	refused 64 "netmon-report: error: option '--limit' needs a value" "$REPORT" top hosts --limit
}

@test "a second --detach says in one line that nothing is attached, no libbpf message" {
	# --keep-attached leaves filters and pins, as a crash would.
	run -0 timeout 60 "$REC" -i "$UP" --db "$DB" --interval 1 --duration 1 --keep-attached
	"$TCX" "$UP" | grep -qx 'ingress netmon_tc_ingre'
	run -0 --separate-stderr timeout 30 "$REC" --detach -i "$UP"
	echo "$stderr"
	[[ $stderr == *"$UP: removed 2 netmon filter(s)"* ]]
	[[ $stderr != *libbpf* ]]
	run -0 --separate-stderr timeout 30 "$REC" --detach -i "$UP"
	echo "$stderr"
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ $stderr == *"$UP: no netmon filter or XDP program attached"* ]]
	# ...and on an interface that never had a clsact qdisc.
	run -0 --separate-stderr timeout 30 "$REC" --detach -i "$DOWN"
	echo "$stderr"
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ $stderr == *"$DOWN: no netmon filter or XDP program attached"* ]]
}

# recorded_db PATH: a database the recorder wrote (one second on $UP), stopped.
recorded_db() {
	timeout 30 "$REC" -i "$UP" --db "$1" --duration 1 --interval 1 2>"$BATS_TEST_TMPDIR/rec.err" ||
		{ cat "$BATS_TEST_TMPDIR/rec.err"; return 1; }
	[ ! -e "$1-wal" ]
}

@test "a damaged database (three pages overwritten) is refused, untouched, nothing attached" {
	local bad=$BATS_TEST_TMPDIR/bad.db size before page t
	recorded_db "$DB"
	cp "$DB" "$bad"
	size=$(sqlite3 "$bad" 'PRAGMA page_size')
	# The root pages of three tables the recorder writes to, overwritten.
	for t in intervals conversations flows; do
		page=$(sqlite3 "$bad" "SELECT rootpage FROM sqlite_schema WHERE name = '$t'")
		[ "$page" -gt 1 ]
		head -c "$size" /dev/urandom |
			dd of="$bad" bs="$size" seek=$((page - 1)) count=1 conv=notrunc status=none
	done
	# SQLite's own check calls it damaged (the ground truth).
	[ "$(sqlite3 "$bad" 'PRAGMA quick_check' | head -1)" != ok ]
	before=$(sha256sum "$bad")
	refused 1 "$bad: damaged database (quick_check: " "$REC" -i "$UP" --db "$bad" --duration 2
	[ "$(sha256sum "$bad")" = "$before" ]
	[ ! -e "$bad-wal" ]
	[ ! -e "$bad-shm" ]
	no_clsact "$UP"
}

@test "another user's database is refused, untouched; a loose mode of our own is fixed and said" {
	local theirs=$BATS_TEST_TMPDIR/theirs.db before
	recorded_db "$DB"
	cp "$DB" "$theirs"
	chown nobody "$theirs"
	chmod 0666 "$theirs"
	before=$(sha256sum "$theirs")
	refused 1 "$theirs: owned by nobody (uid $(id -u nobody)), not by root (uid 0) who records" \
		"$REC" -i "$UP" --db "$theirs" --duration 2
	[ "$(sha256sum "$theirs")" = "$before" ]
	[ "$(stat -c '%a %U' "$theirs")" = "666 nobody" ]
	[ ! -e "$theirs-wal" ]
	no_clsact "$UP"
	# Our own file, writable by anyone: fixed before SQLite copies the mode to -wal/-shm.
	chmod 0666 "$DB"
	run --separate-stderr timeout 30 "$REC" -i "$UP" --db "$DB" --duration 1 --interval 1
	echo "$stderr"
	[ "$status" -eq 0 ]
	[[ $stderr == *"warning: $DB: mode 0666 let other users rewrite the history: changed to 0644"* ]]
	[ "$(stat -c %a "$DB")" = 644 ]
}

@test "--db naming a directory or a truncated database: one line that says which" {
	local cut=$BATS_TEST_TMPDIR/cut.db
	refused 1 "$BATS_TEST_TMPDIR: is a directory, not a database file" \
		"$REC" -i "$UP" --db "$BATS_TEST_TMPDIR"
	no_clsact "$UP"
	recorded_db "$DB"
	head -c $(($(stat -c %s "$DB") / 2)) "$DB" >"$cut"
	refused 1 "$cut: truncated: " "$REC" -i "$UP" --db "$cut"
	[ "$(stat -c %s "$cut")" -eq $(($(stat -c %s "$DB") / 2)) ]
	refused 1 "$cut: truncated: " "$REPORT" --db "$cut" summary
	no_clsact "$UP"
}
