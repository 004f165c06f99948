#!/usr/bin/env bash
# report_ab.sh BEFORE AFTER [DAYS] [FLOWS_PER_MIN] - two netmon-report
# binaries (e.g. an older commit's build and this one) on one generated
# history: the median of 9 alternating runs of each, per command, in ms.
# For a change that should leave the reports' speed as it was (issue 16's
# layout step); both run under the same load, so compare the two columns.
#
# O (default build) names the build with bench/history_gen. The history
# (DAYS x FLOWS_PER_MIN, default 3 x 300: ~1 minute to generate) is kept in
# HISTORY_DIR when set, else in a temporary directory removed at the end.
set -euo pipefail
if [ $# -lt 2 ]; then
	echo "usage: $0 BEFORE-BINARY AFTER-BINARY [DAYS] [FLOWS_PER_MIN]" >&2
	exit 64
fi
before=$1 after=$2 days=${3:-3} fpm=${4:-300}
O=${O:-build}
cd "$(dirname "$0")/.."
dir=${HISTORY_DIR:-$(mktemp -d)}
[ -n "${HISTORY_DIR:-}" ] || trap 'rm -rf "$dir"' EXIT
db=$dir/netmon.db
end=$(($(date +%s) / 86400 * 86400)) # today 00:00 UTC
[ -e "$db" ] || "$O/bench/history_gen" "$db" "$days" "$fpm" "$((end + 3600))" >/dev/null
day=$(date -u -d "@$((end - 86400))" +%F)

ms() {
	local t0 t1
	t0=$(date +%s%N)
	"$@" >/dev/null
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000000))
}
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

echo "history: $days days x $fpm flows/minute; median ms of 9 runs, alternating"
printf '%-28s %8s %8s\n' command before after
while IFS='|' read -r name args; do
	b=() a=()
	for _ in 1 2 3 4 5 6 7 8 9; do
		# shellcheck disable=SC2086 # the words of args are the arguments
		b+=("$(ms "$before" --db "$db" $args)")
		# shellcheck disable=SC2086
		a+=("$(ms "$after" --db "$db" $args)")
	done
	printf '%-28s %8s %8s\n' "$name" "$(printf '%s\n' "${b[@]}" | median)" \
		"$(printf '%s\n' "${a[@]}" | median)"
done <<LIST
summary --day|summary --day $day
summary --day, html|summary --day $day --format html
top hosts|top hosts --last ${days}d
top ports|top ports --last ${days}d
top apps|top apps --last ${days}d
top processes|top processes --last ${days}d
trend --bucket 1h|trend --bucket 1h --last ${days}d
trend --by protocol|trend --by protocol --last ${days}d
LIST
