#!/usr/bin/env bats
# html.bats - netmon-report --format html: a self-contained document whose
# charts render in a real browser (headless Chromium: the DOM it built and a
# screenshot), and hostile strings that stay text.
#
# Chromium runs as root in CI: --no-sandbox, a throw-away profile, and
# timeout bounds every run.

bats_require_minimum_version 1.5.0
load report_lib

setup_file() {
	report_setup_file report_hostile_processes.sql
	CHECK=$REPO/tests/cli/html_check.py
	export CHECK
}

@test "html: summary is one self-contained document" {
	run "$REPORT" --db "$DB" summary --format html
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == "<!DOCTYPE html>" ]]
	[[ $output == *"</html>" ]]
	# Nothing to fetch and nothing to run.
	# (The hostile process names hold "src=" as text, never inside a tag.)
	[[ $output != *"<script"* && $output != *"@import"* && $output != *"url("* ]]
	if grep -Eq '<[a-zA-Z][^>]*[[:space:]](src|href|on[a-z]+)=' <<<"$output"; then return 1; fi
	[[ $output == *"Content-Security-Policy"*"default-src 'none'"* ]]
	[[ $output != *$'\e'* ]]
	printf '%s' "$output" | iconv -f UTF-8 -t UTF-8 >/dev/null
}

@test "html: every string is inert (markup, quotes, escape sequences)" {
	run "$REPORT" --db "$DB" summary --format html
	[ "$status" -eq 0 ]
	[[ $output == *'&lt;script&gt;alert(1)&lt;/script&gt;'* ]]
	[[ $output == *'&quot;&gt;&lt;img src=x onerror=alert(2)&gt;'* ]]
	[[ $output == *'\x1b[2J&#39;a,b\x0ac'* ]]
	[[ $output == *'ev\x1b[31m&quot;il,&lt;b&gt;'* ]]
	for cmd in "top hosts" "top flows" "top ports" "top apps" "top processes" \
		"top interfaces" "top protocols" "trend --by interface"; do
		# shellcheck disable=SC2086 # $cmd: a command and its arguments
		run "$REPORT" --db "$DB" $cmd --format html
		[ "$status" -eq 0 ]
		[[ $output != *"<b>"* && $output != *"<img"* && $output != *"<script"* ]]
		[[ $output != *$'\e'* ]]
	done
}

@test "html: Chromium renders the summary's charts, one rect per bar" {
	local html=$BATS_TEST_TMPDIR/summary.html
	"$REPORT" --db "$DB" summary --format html >"$html"
	browse "$html"
	run python3 "$CHECK" dom "$BATS_TEST_TMPDIR/dom.html"
	[ "$status" -eq 0 ]
	echo "$output" >&2
	# 5 hosts, 2 applications, 2 ports, 10 processes (of 11: --limit), 4 protocols; 25 hourly
	# buckets from 2024-01-01 00:00 to 2024-01-02 00:00, each an in and an
	# out bar.
	is_chart() { [[ $output == *"$1"* ]] || { echo "missing: $1" >&2; return 1; }; }
	is_chart "chart-hosts bar=5"
	is_chart "chart-apps bar=2"
	is_chart "chart-ports bar=2"
	is_chart "chart-processes bar=10"
	is_chart "chart-protocols bar=4"
	is_chart "chart-trend in=25 out=25"
	# The hostile names became text, not elements.
	[[ ${lines[-1]} == elements:* ]]
	[[ ${lines[-1]} != *" b "* && ${lines[-1]} != *" img "* && ${lines[-1]} != *script* ]]
	grep -q '&lt;script&gt;alert(1)&lt;/script&gt;' "$BATS_TEST_TMPDIR/dom.html"
	# The screenshot: a PNG of the window's size, with the bars drawn in
	# their colours (the trend's first hour is mostly received bytes).
	run python3 "$CHECK" png "$BATS_TEST_TMPDIR/shot.png"
	[ "$status" -eq 0 ]
	echo "$output" >&2
	[[ ${lines[0]} == "1200 3200 "* ]]
	local colours=${lines[0]##* }
	[ "$colours" -gt 20 ]
	[[ ${lines[1]} =~ ^in=([0-9]+)\ out=([0-9]+)\ bar=([0-9]+)$ ]]
	[ "${BASH_REMATCH[1]}" -gt 1000 ]
	[ "${BASH_REMATCH[3]}" -gt 1000 ]
}

@test "html: trend --by interface draws one chart per series" {
	local html=$BATS_TEST_TMPDIR/trend.html
	"$REPORT" --db "$DB" trend --by interface --bucket 1d --format html >"$html"
	browse "$html"
	run python3 "$CHECK" dom "$BATS_TEST_TMPDIR/dom.html"
	[ "$status" -eq 0 ]
	echo "$output" >&2
	[ "${lines[0]}" = "chart-trend-1 in=2 out=2" ]
	[ "${lines[1]}" = "chart-trend-2 in=2 out=2" ]
	[ "${lines[2]}" = "chart-trend-3 in=2 out=2" ]
	[ "${#lines[@]}" -eq 4 ]
	run python3 "$CHECK" png "$BATS_TEST_TMPDIR/shot.png"
	[ "$status" -eq 0 ]
	[[ ${lines[1]} =~ ^in=([0-9]+)\ out=([0-9]+) ]]
	[ "${BASH_REMATCH[1]}" -gt 1000 ]
	[ "${BASH_REMATCH[2]}" -gt 0 ]
}

@test "html: an empty window is a document that says so" {
	run "$REPORT" --db "$DB" top hosts --format html --since 2025-01-01
	[ "$status" -eq 0 ]
	[[ $output == *'<p class="empty">nothing recorded between 2025-01-01 00:00:00 UTC and the end of history</p>'* ]]
	[[ $output == *"</html>" ]]
}

@test "html: every command's document is titled by its command" {
	local cmd
	for cmd in summary "top hosts" "top flows" "top ports" "top apps" "top processes" \
		"top interfaces" "top protocols" trend anomalies; do
		# shellcheck disable=SC2086 # the command is words
		run "$REPORT" --db "$DB" $cmd --format html
		[ "$status" -eq 0 ]
		[[ $output == *"<title>netmon $cmd</title>"* ]]
		[[ $output == *"<h1>netmon $cmd</h1>"* ]]
		[[ $output != *"(null)"* ]]
	done
	# anomalies is no ranking by bytes.
	[[ $output == *"<h2>Anomalies</h2>"* ]]
}

@test "html: times are shown as the text shows them, the window by its real times" {
	run "$REPORT" --db "$DB" summary --format html
	[ "$status" -eq 0 ]
	[[ $output == *'<p class="window">2024-01-01 00:00:00 UTC to 2024-01-02 00:01:00 UTC, 3 intervals recorded</p>'* ]]
	[[ $output != *"of history"* ]]
	# A process's first and last interval: local time, not unix seconds.
	[[ $output == *'<td>2024-01-01 00:00:00</td><td>2024-01-01 00:02:00</td></tr>'* ]]
	[[ $output != *'>1704067200<'* ]]
	run "$REPORT" --db "$DB" top hosts --format html --day 2024-01-02
	[[ $output == *'<p class="window">2024-01-02 00:00:00 UTC to 2024-01-03 00:00:00 UTC, 1 interval recorded</p>'* ]]
	run "$REPORT" --db "$DB" top hosts --format html --since 2025-01-01
	[[ $output == *'<p class="window">2025-01-01 00:00:00 UTC to the end of history, nothing recorded</p>'* ]]
}
