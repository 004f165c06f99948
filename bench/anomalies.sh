#!/usr/bin/env bash
# anomalies.sh [FLOWS_PER_MINUTE [RUNS [HOURS]]] - the anomaly rules judging a window
# (issue 18): `netmon-report anomalies` with a changed --threshold, so that
# no stored hit can be reused and every rule judges the whole window,
#   1. over one day (goal <= 5 s),
#   2. over 7 days of a 30-day history (goal <= 30 s),
# medians of RUNS (default 5) wall-clock times, with the CPU seconds of the
# median run and the ratio to the goal, and the same report as one statement
# (--jobs 1: its rules one after the other on one CPU) beside it (the report's own --time-limit raised
# to an hour, so that a slow run is measured, not stopped at 10 minutes). The history is written by
# bench/history_gen through the real store (default 2,000 flows a minute):
# the last 170 hours of a 30-day history, which is all that the rules can
# read (raw flows are kept 7 days; the window's first interval looks back an
# hour). As a baseline in the same run, one plain pass over the same raw rows
# (every flow of the window joined to its conversation, summed): the rules'
# time as a number of such passes holds on a loaded machine too. Then each
# rule alone over the day (sqlite3's shell, one run each): where the time goes.
# HOURS (default 170) of history are generated; with fewer than 170 (25:
# the day and its hour of lookback, minutes instead of an hour and a half
# to generate on a loaded machine) the 7-day figure is left out. The rules
# read raw rows or the per-interval aggregates the recorder wrote with them
# (sql/0018_anomaly_aggregates.sql, sql/0019_interval_contacts.sql).
# HISTORY_DIR=DIR keeps the generated history in DIR (and reuses one that is
# already there, generated with the same arguments; its last full day is the
# day measured, so a history kept from an earlier day measures that day).
set -euo pipefail
O=${O:-build}
cd "$(dirname "$0")/.."
fpm=${1:-2000} runs=${2:-5} hours=${3:-170}
if [ -n "${HISTORY_DIR:-}" ]; then
	dir=$HISTORY_DIR
	mkdir -p "$dir"
else
	dir=$(mktemp -d /tmp/netmon-bench-anomalies.XXXXXX)
	trap 'rm -rf "$dir"' EXIT
fi
db=$dir/netmon-$fpm.db
end=$(($(date +%s) / 86400 * 86400)) # today 00:00 UTC: yesterday is the last full day
export TZ=UTC
if [ ! -s "$db" ]; then
	"$O/bench/history_gen" "$db" 30 "$fpm" "$((end + 3600))" "$hours" >/dev/null
else
	# A kept history (HISTORY_DIR) may be from an earlier day: its day is
	# the last full one it holds (it was generated up to an hour past it).
	end=$(sqlite3 "$db" "SELECT max(ts_end) / 86400 * 86400 FROM intervals")
fi
echo "# $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs; load: $(uptime | sed 's/.*average: //')"
sqlite3 "$db" "SELECT '# history: ' || count(*) || ' raw flow rows kept, ' ||
	(SELECT count(*) FROM intervals) || ' intervals' FROM flows"

# timed CMD...: "WALL_MS CPU_MS" of one run of CMD (its output dropped; CPU:
# user + system of the children this shell waited for).
timed() {
	local s e c0 c1 me=$BASHPID
	c0=$(awk '{ print $14 + $15 + $16 + $17 }' "/proc/$me/stat")
	s=$(date +%s%N)
	"$@" >/dev/null
	e=$(date +%s%N)
	c1=$(awk '{ print $14 + $15 + $16 + $17 }' "/proc/$me/stat")
	echo "$(((e - s) / 1000000)) $(((c1 - c0) * 1000 / $(getconf CLK_TCK)))"
}

# median RUNS CMD...: the run of median wall time, "WALL_MS CPU_MS".
median() {
	local n=$1 i
	shift
	for ((i = 0; i < n; i++)); do
		timed "$@"
	done | sort -n | sed -n "$(((n + 1) / 2))p"
}

# One pass over the raw rows of [SINCE, UNTIL): the baseline.
scan() {
	sqlite3 "$db" "SELECT count(*), sum(c.src_id + c.dst_id), sum(f.bytes)
		FROM intervals i CROSS JOIN flows f ON f.id BETWEEN i.first_flow_id AND i.last_flow_id
		JOIN conversations c ON c.id = f.conversation_id
		WHERE i.ts_start >= $1 AND i.ts_start < $2"
}

# report SINCE UNTIL [ARGS...]: the anomalies report over the window.
report() {
	"$O/netmon-report" --db "$db" anomalies --since "@$1" --until "@$2" \
		--threshold beacon_jitter=0.11 --time-limit 1h "${@:3}"
}

# goal NAME GOAL_MS SINCE UNTIL: the report over the window against its goal
# (its rules run at once, one a CPU: the default), and as one statement
# (--jobs 1, the same rows) in the same run.
goal() {
	local name=$1 goal_ms=$2 since=$3 until=$4 r b one
	read -r -a r < <(median "$runs" report "$since" "$until")
	read -r -a one < <(median "$runs" report "$since" "$until" --jobs 1)
	read -r -a b < <(median "$runs" scan "$since" "$until")
	printf '%-34s %8d ms wall %8d ms CPU  goal %6d ms  ratio %.2f\n' "$name" "${r[0]}" \
		"${r[1]}" "$goal_ms" "$(echo "scale=4; ${r[0]} / $goal_ms" | bc)"
	printf '%-34s %8d ms wall %8d ms CPU  the default / it: %.2f (wall) %.2f (CPU)\n' \
		"  as one statement (--jobs 1)" "${one[0]}" "${one[1]}" \
		"$(echo "scale=4; ${r[0]} / ${one[0]}" | bc)" \
		"$(echo "scale=4; ${r[1]} / (${one[1]} + 1)" | bc)"
	printf '%-34s %8d ms wall %8d ms CPU  report / scan: %.1f (wall) %.1f (CPU)\n' \
		"  baseline: one pass over its rows" "${b[0]}" "${b[1]}" \
		"$(echo "scale=4; ${r[0]} / ${b[0]}" | bc)" \
		"$(echo "scale=4; ${r[1]} / (${b[1]} + 1)" | bc)"
}

echo "# medians of $runs runs; anomalies with --threshold beacon_jitter=0.11 (every rule judges)"
goal "anomalies --day (1 day)" 5000 "$((end - 86400))" "$end"
if [ "$hours" -ge 170 ]; then
	goal "anomalies over 7 days" 30000 "$((end - 7 * 86400))" "$end"
fi

# The rules of the build measured: those of the source tree O was built in
# (O=/tmp/base/build, a build of an older commit from `git archive`, reads
# /tmp/base/sql/anomaly: its history may lack a newer rule's table), else
# this tree's.
rules=$O/../sql/anomaly
[ -d "$rules" ] || rules=sql/anomaly
echo "# each rule alone over the day (sqlite3 shell, one run; $rules)"
for rule in "$rules"/*.sql; do
	read -r -a t < <(timed sqlite3 "$db" -cmd ".parameter set :since $((end - 86400))" \
		-cmd ".parameter set :until $end" ".read $rule")
	printf '%-34s %8d ms wall %8d ms CPU\n' "  $(basename "$rule" .sql)" "${t[0]}" "${t[1]}"
done
