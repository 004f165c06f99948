#!/usr/bin/env bats
# install.bats - make install into temporary directories: the layout, the man
# pages (they render without warnings and name every option of --help), the
# systemd units (systemd-analyze verify), the example configuration (every
# key documented, every documented value valid, never overwritten) and the
# daily report script against a database of known rows.
#
# Runs make in the repository with ${O:-build}; build first (make).

bats_require_minimum_version 1.5.0

load report_lib

setup_file() {
	REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	O=${O:-build}
	# DESTDIR, as a package build does it...
	STAGE=$BATS_FILE_TMPDIR/stage
	make -s -C "$REPO" O="$O" install DESTDIR="$STAGE" PREFIX=/usr >/dev/null
	# ...and a prefix that is real, so that the units' commands exist.
	PFX=$BATS_FILE_TMPDIR/pfx
	make -s -C "$REPO" O="$O" install PREFIX="$PFX/usr" SYSCONFDIR="$PFX/etc" >/dev/null
	export REPO STAGE PFX
}

# long_options BINARY: every --option its --help names, one per line.
long_options() {
	"$1" --help | grep -oE -- '--[a-z][a-z-]+' | sort -u
}

@test "DESTDIR and PREFIX: every file where it belongs, with its mode" {
	cd "$STAGE"
	find . -type f -printf '%m %p\n' | sort -k2 >"$BATS_TEST_TMPDIR/got"
	cat >"$BATS_TEST_TMPDIR/want" <<-EOF
		644 ./etc/netmon/netmon.conf
		755 ./usr/bin/netmon-report
		644 ./usr/lib/systemd/system/netmon-record.service
		644 ./usr/lib/systemd/system/netmon-report-daily.service
		644 ./usr/lib/systemd/system/netmon-report-daily.timer
		644 ./usr/lib/sysusers.d/netmon.conf
		755 ./usr/libexec/netmon/netmon-daily-report
		755 ./usr/sbin/netmon-record
		644 ./usr/share/doc/netmon/netmon.conf.example
		644 ./usr/share/man/man1/netmon-report.1
		644 ./usr/share/man/man8/netmon-record.8
		644 ./usr/share/netmon/report/recorded_span.sql
		644 ./usr/share/netmon/report/summary_anomalies.sql
		644 ./usr/share/netmon/report/summary_collector.sql
		644 ./usr/share/netmon/report/summary_gaps.sql
		644 ./usr/share/netmon/report/summary_interfaces.sql
		644 ./usr/share/netmon/report/summary_traffic.sql
		644 ./usr/share/netmon/report/top_apps.sql
		644 ./usr/share/netmon/report/top_flows.sql
		644 ./usr/share/netmon/report/top_flows_numeric.sql
		644 ./usr/share/netmon/report/top_hosts.sql
		644 ./usr/share/netmon/report/top_hosts_numeric.sql
		644 ./usr/share/netmon/report/top_hosts_overflow.sql
		644 ./usr/share/netmon/report/top_interfaces.sql
		644 ./usr/share/netmon/report/top_ports.sql
		644 ./usr/share/netmon/report/top_processes.sql
		644 ./usr/share/netmon/report/top_protocols.sql
		644 ./usr/share/netmon/report/top_services.sql
		644 ./usr/share/netmon/report/top_users.sql
		644 ./usr/share/netmon/report/trend.sql
		644 ./usr/share/netmon/report/trend_host.sql
		644 ./usr/share/netmon/report/trend_interface.sql
		644 ./usr/share/netmon/report/trend_protocol.sql
		644 ./usr/share/netmon/report/window.sql
	EOF
	diff -u "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
	grep -qx 'ExecStart=/usr/sbin/netmon-record --keep-attached' usr/lib/systemd/system/netmon-record.service
	grep -q '^ExecStart=/usr/libexec/netmon/netmon-daily-report ' \
		usr/lib/systemd/system/netmon-report-daily.service
	# shellcheck disable=SC2016 # the script's own line, not expanded here
	grep -qx 'report=${NETMON_REPORT:-/usr/bin/netmon-report}' usr/libexec/netmon/netmon-daily-report
}

@test "the readers' group: a sysusers.d entry, named by both units, and staging creates no group" {
	cd "$STAGE"
	grep -qxE 'g[[:space:]]+netmon[[:space:]]+-' usr/lib/sysusers.d/netmon.conf
	# systemd-sysusers reads it as a group, with nothing else in it.
	mkdir "$BATS_TEST_TMPDIR/empty"
	run systemd-sysusers --dry-run --root="$BATS_TEST_TMPDIR/empty" - <usr/lib/sysusers.d/netmon.conf
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"Creating group 'netmon'"* ]]
	grep -qx 'Group=netmon' usr/lib/systemd/system/netmon-record.service
	grep -qx 'Group=netmon' usr/lib/systemd/system/netmon-report-daily.service
	# A staged install (DESTDIR) or one under another SYSCONFDIR writes no group file.
	[ ! -e etc/group ]
	[ ! -e "$PFX/etc/group" ]
}

@test "the systemd units pass systemd-analyze verify" {
	cd "$PFX"
	run env MANPATH="$PFX/usr/share/man" systemd-analyze verify \
		usr/lib/systemd/system/netmon-record.service \
		usr/lib/systemd/system/netmon-report-daily.service \
		usr/lib/systemd/system/netmon-report-daily.timer
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "the man pages render without warnings and name every option of --help" {
	local page bin opt
	for page in man8/netmon-record.8:usr/sbin/netmon-record man1/netmon-report.1:usr/bin/netmon-report; do
		bin=$PFX/${page#*:}
		page=$STAGE/usr/share/man/${page%:*}
		run groff -man -Tutf8 -ww -z "$page"
		[ "$status" -eq 0 ]
		[ -z "$output" ]
		MANWIDTH=200 man -l "$page" 2>"$BATS_TEST_TMPDIR/man.err" | col -b >"$BATS_TEST_TMPDIR/man.txt"
		[ ! -s "$BATS_TEST_TMPDIR/man.err" ]
		for opt in $(long_options "$bin"); do
			grep -qF -- "$opt" "$BATS_TEST_TMPDIR/man.txt" || { echo "$page lacks $opt"; false; }
		done
	done
	# The sections --help lacks, from man/netmon-record.h2m.
	MANWIDTH=200 man -l "$STAGE/usr/share/man/man8/netmon-record.8" | col -b >"$BATS_TEST_TMPDIR/man.txt"
	for section in 'CONFIGURATION FILE' SIGNALS SECURITY FILES 'SEE ALSO'; do
		grep -qx "$section" "$BATS_TEST_TMPDIR/man.txt" || { echo "no $section"; false; }
	done
}

@test "the example configuration documents every key, and its values are valid" {
	local conf=$STAGE/etc/netmon/netmon.conf opt
	cmp "$conf" "$STAGE/usr/share/doc/netmon/netmon.conf.example"
	# As installed (every key commented out): valid, and changes nothing.
	run "$PFX/usr/sbin/netmon-record" --config "$conf" --check-config
	[ "$status" -eq 0 ]
	for opt in $(long_options "$PFX/usr/sbin/netmon-record"); do
		case $opt in --read | --force-import | --detach | --status | --help | --version | --config | --check-config | --live | --numeric) continue ;; esac
		grep -qE "^#${opt#--} = " "$conf" || { echo "$conf does not document ${opt#--}"; false; }
	done
	# Every documented value, uncommented, is accepted.
	sed -E 's/^#([a-z-]+ = )/\1/' "$conf" >"$BATS_TEST_TMPDIR/all.conf"
	run "$PFX/usr/sbin/netmon-record" --config "$BATS_TEST_TMPDIR/all.conf" --check-config
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "the installed queries run by hand give the report's rows (docs/queries.md)" {
	local db=$BATS_TEST_TMPDIR/netmon.db q=$PFX/usr/share/netmon/report by_hand
	report_fixture_db "$db"
	# Queries composed from parts (sql/report/_*.sql), as docs/queries.md
	# runs them: the file on standard input, parameters set with -cmd.
	run sqlite3 -readonly -csv -header -cmd '.parameter set :limit 3' \
		-cmd '.parameter set :until 1704153600' "$db" <"$q/top_interfaces.sql"
	[ "$status" -eq 0 ]
	by_hand=${output//$'\r'/}
	[ "${#lines[@]}" -gt 1 ]
	run "$PFX/usr/bin/netmon-report" --db "$db" top interfaces --format csv --limit 3 --until 1704153600
	[ "$output" = "$by_hand" ]
	run sqlite3 -readonly -csv -header -cmd '.parameter set :bucket 300' \
		-cmd '.parameter set :limit 2' "$db" <"$q/trend_protocol.sql"
	[ "$status" -eq 0 ]
	by_hand=${output//$'\r'/}
	[ "${#lines[@]}" -gt 1 ]
	TZ=UTC run "$PFX/usr/bin/netmon-report" --db "$db" trend --by protocol --bucket 5m --limit 2 --format csv
	[ "$output" = "$by_hand" ]
}

@test "make install keeps an edited netmon.conf" {
	local dest=$BATS_TEST_TMPDIR/again
	mkdir -p "$dest/etc/netmon"
	echo 'interval = 10' >"$dest/etc/netmon/netmon.conf"
	make -s -C "$REPO" O="${O:-build}" install DESTDIR="$dest" PREFIX=/usr >/dev/null
	[ "$(cat "$dest/etc/netmon/netmon.conf")" = 'interval = 10' ]
}

# no_leftovers DIR: no hidden file (a report written aside) left in DIR.
no_leftovers() {
	local f
	for f in "$1"/.[!.]*; do
		[ ! -e "$f" ] || { echo "left behind: $f" >&2; return 1; }
	done
}

@test "the daily report script writes the day's summary, whole" {
	local db=$BATS_TEST_TMPDIR/netmon.db out=$BATS_TEST_TMPDIR/reports
	report_fixture_db "$db"
	TZ=UTC run "$PFX/usr/libexec/netmon/netmon-daily-report" "$db" "$out" 2024-01-01
	[ "$status" -eq 0 ]
	TZ=UTC "$PFX/usr/bin/netmon-report" --db "$db" summary --day 2024-01-01 >"$BATS_TEST_TMPDIR/want"
	[ -s "$BATS_TEST_TMPDIR/want" ]
	cmp "$BATS_TEST_TMPDIR/want" "$out/2024-01-01.txt"
	[ "$(stat -c %a "$out/2024-01-01.txt")" = 640 ]
	# The text says which day it covers.
	[ "$(head -n 1 "$out/2024-01-01.txt")" = \
		"Window: 2024-01-01 00:00:00 UTC to 2024-01-02 00:00:00 UTC, 2 intervals recorded" ]
	# And the same day in HTML, nothing else left behind.
	TZ=UTC "$PFX/usr/bin/netmon-report" --db "$db" summary --day 2024-01-01 --format html \
		>"$BATS_TEST_TMPDIR/want.html"
	cmp "$BATS_TEST_TMPDIR/want.html" "$out/2024-01-01.html"
	[ "$(stat -c %a "$out/2024-01-01.html")" = 640 ]
	[ "$(cd "$out" && echo *)" = "2024-01-01.html 2024-01-01.txt" ]
	no_leftovers "$out"
	# A failing report leaves no file behind and fails the service.
	run "$PFX/usr/libexec/netmon/netmon-daily-report" "$BATS_TEST_TMPDIR/none.db" "$out" 2024-01-02
	[ "$status" -ne 0 ]
	[ ! -e "$out/2024-01-02.txt" ]
	[ ! -e "$out/2024-01-02.html" ]
	no_leftovers "$out"
	# One format failing does not stop the other, and fails the service.
	local fake=$BATS_TEST_TMPDIR/fake-report fail
	for fail in html table; do
		rm -f "$out"/2024-01-02.*
		printf '#!/bin/sh\ncase "$*" in *%s*) exit 1 ;; esac\nexec %s "$@"\n' \
			"$fail" "$PFX/usr/bin/netmon-report" >"$fake"
		chmod +x "$fake"
		NETMON_REPORT=$fake TZ=UTC run "$PFX/usr/libexec/netmon/netmon-daily-report" \
			"$db" "$out" 2024-01-02
		echo "failing $fail: $output" >&2
		[ "$status" -eq 1 ]
		local written=html
		[ "$fail" = table ] || written=txt
		[ -s "$out/2024-01-02.$written" ]
		[ "$(cd "$out" && echo 2024-01-02.*)" = "2024-01-02.$written" ]
		no_leftovers "$out"
	done
}
