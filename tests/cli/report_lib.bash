# report_lib.bash - shared setup of the netmon-report bats files (trend,
# apps, html): the binary, and a database of the current schema holding
# tests/fixtures/report_basic.sql plus any other fixture files given.

# report_setup_file [FIXTURE...]: set and export REPO, REPORT, QUERIES (the
# report queries as the build composed them, to run by hand), DB (in
# $BATS_FILE_TMPDIR) and TZ=UTC.
# shellcheck disable=SC2154 # set where shellcheck cannot see: $output by bats' run
report_setup_file() {
	REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	case ${O:-build} in
	/*) REPORT=${O}/netmon-report ;;
	*) REPORT=$REPO/${O:-build}/netmon-report ;;
	esac
	if [ ! -x "$REPORT" ]; then
		echo "$REPORT is missing: build it first (make O=${O:-build})" >&2
		return 1
	fi
	QUERIES=${REPORT%/*}/sql/report
	DB=$BATS_FILE_TMPDIR/netmon.db
	report_fixture_db "$DB" "$@"
	export REPO REPORT QUERIES DB TZ=UTC
}

# report_fixture_db PATH [FIXTURE...]: a new database at PATH of the current
# schema (every migration in sql/) holding report_basic.sql and the fixtures
# named (files in tests/fixtures/). Needs REPO.
report_fixture_db() {
	local db=$1
	shift
	report_schema_db "$db" report_basic.sql "$@"
}

# report_schema_db PATH [FIXTURE...]: report_fixture_db without
# report_basic.sql: the schema alone, then the fixtures named.
report_schema_db() {
	local db=$1 f n=0
	shift
	{
		for f in "$REPO"/sql/[0-9][0-9][0-9][0-9]_*.sql; do
			cat "$f"
			n=$((n + 1))
		done
		echo "PRAGMA application_id = 1852665710; PRAGMA user_version = $n;"
		for f in "$@"; do cat "$REPO/tests/fixtures/$f"; done
	} | sqlite3 -bail "$db"
}

# is_output: $output equals standard input (both without trailing newlines).
is_output() {
	local want
	want=$(cat)
	if [ "$output" != "$want" ]; then
		echo "--- want / +++ got:" >&2
		diff -u <(printf '%s\n' "$want") <(printf '%s\n' "$output") >&2
		return 1
	fi
}

# browse HTML: Chromium's DOM of the file in $BATS_TEST_TMPDIR/dom.html and
# a 1200x3200 screenshot in $BATS_TEST_TMPDIR/shot.png (html.bats,
# names.bats). Chromium runs as root in CI: --no-sandbox, a throw-away
# profile, and timeout bounds every run.
browse() {
	local profile=$BATS_TEST_TMPDIR/profile
	mkdir -p "$profile"
	timeout 120 chromium --headless --no-sandbox --disable-gpu --user-data-dir="$profile" \
		--dump-dom "file://$1" >"$BATS_TEST_TMPDIR/dom.html" 2>/dev/null
	timeout 120 chromium --headless --no-sandbox --disable-gpu --user-data-dir="$profile" \
		--hide-scrollbars --window-size=1200,3200 \
		--screenshot="$BATS_TEST_TMPDIR/shot.png" "file://$1" 2>/dev/null
}

# csv_inert: $output, read as CSV, holds no control character (but the line
# ends), no C1 control or bidi override, and no cell that a spreadsheet would
# evaluate: none starts with = + - @ TAB or CR (OWASP "CSV Injection").
csv_inert() {
	printf '%s\n' "$output" | python3 -c '
import csv, sys
text = sys.stdin.buffer.read().decode("utf-8")
bad = [c for c in text if (ord(c) < 0x20 and c != "\n") or 0x7f <= ord(c) <= 0x9f
       or c in "\u061c\u200e\u200f\u2028\u2029\u202a\u202b\u202c\u202d\u202e"
       or 0x2066 <= ord(c) <= 0x2069]
if bad:
    sys.exit("control characters: %r" % bad)
for row in csv.reader(text.splitlines()):
    for cell in row:
        if cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
            sys.exit("formula cell: %r" % cell)
'
}
