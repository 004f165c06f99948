#!/usr/bin/env bats
# netmon-record's refusals: one clear line on stderr naming the problem, exit
# 1 (runtime) or 64 (usage), nothing attached, nothing written.
#
# Uses veth, tun and bridge interfaces of its own (no traffic is sent; this
# kernel has no dummy driver).

bats_require_minimum_version 1.5.0

O=${O:-build}
REC=$BATS_TEST_DIRNAME/../../$O/netmon-record
REPORT=$BATS_TEST_DIRNAME/../../$O/netmon-report

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

no_clsact() {
	! tc qdisc show dev "$1" | grep -qw clsact
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
	local br=nmtb$ID pid i
	ip link add "$br" type bridge
	ip link set "$br" up
	timeout 30 "$REC" -i "$br" --hook xdp --db "$DB" --duration 20 \
		2>"$BATS_TEST_TMPDIR/rec.err" &
	pid=$!
	for i in $(seq 100); do
		grep -q 'recording on' "$BATS_TEST_TMPDIR/rec.err" && break
		sleep 0.1
	done
	cat "$BATS_TEST_TMPDIR/rec.err"
	grep -q "warning: $br: no native XDP here (.*): counting its ingress with TC instead, as exactly (generic XDP would run at the same point, after GRO, and count a merged packet as one)" "$BATS_TEST_TMPDIR/rec.err"
	tc filter show dev "$br" ingress | grep -q netmon
	tc filter show dev "$br" egress | grep -q netmon
	! ip link show dev "$br" | grep -q 'prog/xdp'
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
