#!/usr/bin/env bats
# shellcheck disable=SC2154 # stderr, stderr_lines: set by bats' run --separate-stderr
# dbopen.bats - netmon-report opening a database as people meet it: a plain
# user (Permission denied), a member of the database's group after the
# recorder stopped (no -shm, a directory it may not write), a read-only
# mount, a directory, a truncated copy, and files it rejects: it says the
# real reason in one line, and leaves no -wal or -shm it created behind.
#
# Needs root (useradd, mount); the user, group and mount are removed in
# teardown. Runs the binary in ${O:-build}/; build it first.

bats_require_minimum_version 1.5.0

load report_lib

setup_file() {
	REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	case ${O:-build} in
	/*) REPORT=${O}/netmon-report ;;
	*) REPORT=$REPO/${O:-build}/netmon-report ;;
	esac
	[ -x "$REPORT" ] || { echo "$REPORT is missing: build it first" >&2; return 1; }
	export REPO REPORT TZ=UTC
}

setup() {
	[ "$(id -u)" -eq 0 ] || skip "needs root (useradd, mount)"
	NM_USER=nmdbu$$$BATS_TEST_NUMBER
	NM_GROUP=nmdbg$$$BATS_TEST_NUMBER
	# Under /tmp, not $BATS_TEST_TMPDIR: the plain user must reach it.
	WORK=$(mktemp -d /tmp/netmon-dbopen.XXXXXX)
	chmod 0755 "$WORK"
	# The build tree may be out of the plain user's reach (a checkout in a
	# 0700 directory): the user runs a copy of the binary.
	BIN=$(mktemp -d /tmp/netmon-dbopen-bin.XXXXXX)
	chmod 0755 "$BIN"
	install -m 0755 "$REPORT" "$BIN/netmon-report"
	groupadd "$NM_GROUP"
	useradd --no-create-home --shell /usr/sbin/nologin --gid "$NM_GROUP" "$NM_USER"
}

teardown() {
	[ -n "${RO:-}" ] && umount "$RO" 2>/dev/null
	userdel "$NM_USER" 2>/dev/null
	groupdel "$NM_GROUP" 2>/dev/null
	[ -n "${WORK:-}" ] && rm -rf "$WORK"
	[ -n "${BIN:-}" ] && rm -rf "$BIN"
	return 0
}

# make_db PATH: the current schema with the rows of report_basic.sql, in WAL
# mode as the recorder leaves it (and with no -wal: the recorder stopped).
make_db() {
	report_fixture_db "$1"
	sqlite3 "$1" 'PRAGMA journal_mode = WAL' >/dev/null
	[ ! -e "$1-wal" ]
}

# The report as root on a private copy: what every reader must print.
want_interfaces() {
	cp "$1" "$BATS_TEST_TMPDIR/copy.db"
	"$REPORT" --db "$BATS_TEST_TMPDIR/copy.db" top interfaces --format csv
}

# one_line NEEDLE: the last run failed (1) with one stderr line holding NEEDLE.
one_line() {
	echo "status $status; stderr: $stderr"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ $stderr == *"$1"* ]]
}

# no_leftovers DIR FILE...: DIR holds exactly FILE... (and nothing when none is given)
no_leftovers() {
	local dir=$1 f
	shift
	diff -u <(for f in "$@"; do echo "$f"; done | sort) \
		<(find "$dir" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort)
}

@test "a plain user without access is told Permission denied" {
	mkdir -m 0750 "$WORK/lib"
	make_db "$WORK/lib/netmon.db"
	run --separate-stderr runuser -u "$NM_USER" -- "$BIN/netmon-report" --db "$WORK/lib/netmon.db" summary
	one_line "$WORK/lib/netmon.db: cannot open: Permission denied"
	# The file itself unreadable, in a directory the user may enter.
	chmod 0755 "$WORK/lib"
	chmod 0640 "$WORK/lib/netmon.db"
	run --separate-stderr runuser -u "$NM_USER" -- "$BIN/netmon-report" --db "$WORK/lib/netmon.db" summary
	one_line "$WORK/lib/netmon.db: cannot open: Permission denied"
}

@test "a member of the database's group reads it after the recorder stopped" {
	local want
	mkdir -m 0750 "$WORK/lib"
	make_db "$WORK/lib/netmon.db"
	chmod 0640 "$WORK/lib/netmon.db"
	chgrp -R "$NM_GROUP" "$WORK/lib"
	want=$(want_interfaces "$WORK/lib/netmon.db")
	[ -n "$want" ]
	run --separate-stderr runuser -u "$NM_USER" -- "$BIN/netmon-report" --db "$WORK/lib/netmon.db" \
		top interfaces --format csv
	echo "stderr: $stderr"
	[ "$status" -eq 0 ]
	[ "$output" = "$want" ]
	no_leftovers "$WORK/lib" netmon.db
	# The member reads with sqlite3 too, as docs/schema.md says.
	run runuser -u "$NM_USER" -- sqlite3 "file:$WORK/lib/netmon.db?immutable=1" \
		'SELECT count(*) FROM intervals'
	[ "$status" -eq 0 ]
	[ "$output" = "$(sqlite3 "$BATS_TEST_TMPDIR/copy.db" 'SELECT count(*) FROM intervals')" ]
}

@test "a read-only mount is read, nothing created" {
	local want
	mkdir "$WORK/lib" "$WORK/ro"
	make_db "$WORK/lib/netmon.db"
	want=$(want_interfaces "$WORK/lib/netmon.db")
	mount --bind "$WORK/lib" "$WORK/ro"
	RO=$WORK/ro
	mount -o remount,ro,bind "$WORK/ro"
	run --separate-stderr "$REPORT" --db "$WORK/ro/netmon.db" top interfaces --format csv
	echo "stderr: $stderr"
	[ "$status" -eq 0 ]
	[ "$output" = "$want" ]
	no_leftovers "$WORK/lib" netmon.db
}

@test "rejected and accepted files alike: no -wal or -shm left behind" {
	local n
	n=$(find "$REPO/sql" -name '[0-9][0-9][0-9][0-9]_*.sql' | wc -l)
	make_db "$WORK/newer.db"
	sqlite3 "$WORK/newer.db" 'PRAGMA user_version = 99' >/dev/null
	sqlite3 "$WORK/other.db" 'PRAGMA journal_mode = WAL; CREATE TABLE t (x); INSERT INTO t VALUES (1)' >/dev/null
	make_db "$WORK/older.db"
	sqlite3 "$WORK/older.db" 'PRAGMA user_version = 1' >/dev/null
	make_db "$WORK/good.db"
	run --separate-stderr "$REPORT" --db "$WORK/newer.db" summary
	one_line "schema version 99 is newer than version $n"
	run --separate-stderr "$REPORT" --db "$WORK/other.db" summary
	one_line "not a netmon database (another application's SQLite file)"
	run --separate-stderr "$REPORT" --db "$WORK/older.db" summary
	one_line "schema version 1 is older than version $n"
	run "$REPORT" --db "$WORK/good.db" summary
	[ "$status" -eq 0 ]
	no_leftovers "$WORK" good.db newer.db older.db other.db
	[ "$(sqlite3 "$WORK/newer.db" 'PRAGMA user_version')" = 99 ]
}

@test "a directory given as --db is named as one" {
	run --separate-stderr "$REPORT" --db "$WORK" summary
	one_line "$WORK: is a directory, not a database file"
}

@test "a truncated copy is called truncated, with its sizes" {
	local size pages
	make_db "$WORK/full.db"
	size=$(stat -c %s "$WORK/full.db")
	pages=$(sqlite3 "$WORK/full.db" 'PRAGMA page_count')
	head -c $((size / 2)) "$WORK/full.db" >"$WORK/cut.db"
	run --separate-stderr "$REPORT" --db "$WORK/cut.db" summary
	one_line "$WORK/cut.db: truncated: $((size / 2)) bytes where its header counts $pages pages"
	no_leftovers "$WORK" cut.db full.db
}

@test "a missing file says so" {
	run --separate-stderr "$REPORT" --db "$WORK/none.db" summary
	one_line "$WORK/none.db: cannot open: No such file or directory"
	no_leftovers "$WORK"
}
