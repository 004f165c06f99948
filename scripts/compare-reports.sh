#!/usr/bin/env bash
# compare-reports.sh BEFORE AFTER - run two netmon-report binaries on the
# fixture databases of tests/cli (report_fixture_db) with every command,
# format and window option that picks another code path, and say where their
# standard output, standard error or exit status differ. For a change meant
# to leave the reports as they were (a refactoring): exit 0 when all agree.
#
# Needs sqlite3 and, for the bars of a terminal, script(1) (util-linux).
set -u
if [ $# -ne 2 ]; then
	echo "usage: $0 BEFORE-BINARY AFTER-BINARY" >&2
	exit 64
fi
before=$1 after=$2
REPO=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export TZ=UTC
# shellcheck source=tests/cli/report_lib.bash
. "$REPO/tests/cli/report_lib.bash"

report_fixture_db "$tmp/basic.db"
report_fixture_db "$tmp/hostile.db" report_hostile_processes.sql
report_schema_db "$tmp/anomalies.db" report_anomalies.sql
report_schema_db "$tmp/empty.db"

commands=(
	"summary" "top hosts" "top flows" "top ports" "top processes" "top interfaces"
	"top protocols" "top apps" "trend" "trend --by interface" "trend --by protocol"
	"trend --by host" "trend --bucket 300" "trend --bucket 86400" "anomalies"
	"anomalies --alert" "top processes --comm curl" "top processes --pid 1"
	"top hosts --limit 1" "anomalies --threshold port_scan=1"
)
# Windows: all of history, one day, one without intervals, a long one (the
# summary's chart per day), one too long for 5-minute buckets.
windows=(
	"" "--day 2024-01-01" "--since 2024-01-02" "--since 2000-01-01 --until 2000-01-02"
	"--since 2023-12-01 --until 2024-02-01" "--since 1990-01-01"
)
n=0 bad=0

# one TTY DB ARGS...: both binaries' stdout, stderr and status, compared.
one() {
	local tty=$1 db=$2 b
	shift 2
	for b in before after; do
		local bin=$before
		[ "$b" = after ] && bin=$after
		if [ "$tty" = tty ]; then
			# A terminal: Unicode bars. script(1) joins stderr into its output.
			script -qec "$(printf '%q ' "$bin" --db "$db" "$@")" /dev/null \
				>"$tmp/$b.out" 2>"$tmp/$b.err"
		else
			"$bin" --db "$db" "$@" >"$tmp/$b.out" 2>"$tmp/$b.err"
		fi
		echo "status $?" >>"$tmp/$b.err"
	done
	n=$((n + 1))
	if ! cmp -s "$tmp/before.out" "$tmp/after.out" ||
		! cmp -s "$tmp/before.err" "$tmp/after.err"; then
		bad=$((bad + 1))
		echo "DIFFERS: $tty $(basename "$db") $*"
		diff -u "$tmp/before.out" "$tmp/after.out" | head -20
		diff -u "$tmp/before.err" "$tmp/after.err" | head -10
	fi
}

for db in "$tmp"/basic.db "$tmp"/hostile.db "$tmp"/anomalies.db "$tmp"/empty.db; do
	for c in "${commands[@]}"; do
		for w in "${windows[@]}"; do
			for f in table csv json html; do
				# shellcheck disable=SC2086 # words of a command and a window
				one pipe "$db" $c $w --format "$f"
			done
		done
		# shellcheck disable=SC2086
		one pipe "$db" $c -v
		case $c in summary | "top protocols" | trend*) ;; *) continue ;; esac
		if command -v script >/dev/null; then
			# shellcheck disable=SC2086
			one tty "$db" $c
			# shellcheck disable=SC2086
			NO_COLOR=1 one tty "$db" $c
		fi
	done
done
echo "$n runs compared, $bad differ"
[ "$bad" -eq 0 ]
