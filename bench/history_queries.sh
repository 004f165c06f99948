#!/usr/bin/env bash
# history_queries.sh [DAYS [FLOWS_PER_MINUTE [RUNS]]] - the report commands
# people run every morning, timed over a generated history (default 30 days
# at 2,000 active flows per minute, one-minute intervals, default retention,
# written through the real store by bench/history_gen): median of RUNS
# (default 5) wall-clock times per command, goal <= 200 ms each (top hosts
# and top flows with host names, top services and top users over the
# generated cgroups and users: tests/support/history.c). As a
# baseline in the same run, the one-day summary again with the rollups
# hidden (watermarks set to 0 in a copy, so every query reads raw rows), and
# the one-day anomalies with every rule judging raw rows. history_gen
# prints what the recorder's rule rounds cost.
# HISTORY_DIR=DIR keeps the generated history in DIR (and reuses one that
# is already there, generated the same day with the same arguments).
set -euo pipefail
O=${O:-build}
cd "$(dirname "$0")/.."
days=${1:-30} fpm=${2:-2000} runs=${3:-5}
if [ -n "${HISTORY_DIR:-}" ]; then
	dir=$HISTORY_DIR
	mkdir -p "$dir"
else
	dir=$(mktemp -d /tmp/netmon-bench-history.XXXXXX)
	trap 'rm -rf "$dir"' EXIT
fi
db=$dir/netmon.db
end=$(($(date +%s) / 86400 * 86400)) # today 00:00 UTC: yesterday is the last full day
# The history runs one hour into today, as it has when the morning report
# runs: yesterday's last hour and the day itself are rolled up by then.
export TZ=UTC

if [ ! -s "$db" ]; then
	t0=$(date +%s.%N)
	"$O/bench/history_gen" "$db" "$days" "$fpm" "$((end + 3600))"
	t1=$(date +%s.%N)
	printf 'history: %s days x %s flows/minute, generated in %.0f s\n' "$days" "$fpm" \
		"$(echo "$t1 - $t0" | bc)"
fi
printf 'history: %s days x %s flows/minute, file %s MB\n' "$days" "$fpm" \
	"$(($(stat -c %s "$db") / 1048576))"
sqlite3 "$db" "SELECT 'raw flow rows kept: ' || count(*) FROM flows"

# median_ms RUNS CMD...: the median wall-clock time of CMD in ms.
median_ms() {
	local n=$1 i s e
	shift
	for ((i = 0; i < n; i++)); do
		s=$(date +%s%N)
		"$@" >/dev/null
		e=$(date +%s%N)
		echo $(((e - s) / 1000000))
	done | sort -n | sed -n "$(((n + 1) / 2))p"
}

day=$(date -u -d "@$((end - 86400))" +%F)
report() { "$O/netmon-report" --db "$1" "${@:2}"; }
printf '%-48s %8s\n' command "median ms"
summary=$(median_ms "$runs" report "$db" summary --day "$day")
printf '%-48s %8s\n' "summary --day $day" "$summary"
long=(--since "@$((end - days * 86400 + 3600))" --until "@$end")
printf '%-48s %8s\n' "top hosts over ${days} days (with names)" \
	"$(median_ms "$runs" report "$db" top hosts "${long[@]}")"
printf '%-48s %8s\n' "top hosts --numeric over ${days} days" \
	"$(median_ms "$runs" report "$db" top hosts --numeric "${long[@]}")"
printf '%-48s %8s\n' "top services over ${days} days" \
	"$(median_ms "$runs" report "$db" top services "${long[@]}")"
printf '%-48s %8s\n' "top users over ${days} days" \
	"$(median_ms "$runs" report "$db" top users "${long[@]}")"
printf '%-48s %8s\n' "top flows --day $day (with names)" \
	"$(median_ms "$runs" report "$db" top flows --day "$day")"
if "$O/netmon-report" --help 2>&1 | grep -q '^ *trend'; then
	printf '%-48s %8s\n' "trend --bucket 1h over 7 days" \
		"$(median_ms "$runs" report "$db" trend --bucket 1h --since "@$((end - 7 * 86400))" \
			--until "@$end")"
else
	printf '%-48s %8s\n' "(trend: not in this build)" -
fi
printf '%-48s %8s\n' "anomalies --day $day" "$(median_ms "$runs" report "$db" anomalies --day "$day")"
printf '%-48s %8s\n' "anomalies over 7 days" \
	"$(median_ms "$runs" report "$db" anomalies --since "@$((end - 7 * 86400))" --until "@$end")"
cp "$db" "$dir/raw.db"
sqlite3 "$dir/raw.db" "UPDATE meta SET value = 0 WHERE key LIKE 'rolled_until_%'"
raw=$(median_ms "$runs" report "$dir/raw.db" summary --day "$day")
printf '%-48s %8s\n' "baseline: summary --day from raw rows only" "$raw"
printf 'ratio summary with rollups / raw only: %s\n' "$(echo "scale=4; $summary / $raw" | bc)"
# The anomaly rules judging the whole day themselves (what the report does
# when the recorder judged nothing, or with other thresholds): once.
sqlite3 "$dir/raw.db" "DELETE FROM meta WHERE key = 'anomaly_evaluated_from'"
printf '%-48s %8s\n' "baseline: anomalies --day, every rule judging" \
	"$(median_ms 1 report "$dir/raw.db" anomalies --day "$day")"
