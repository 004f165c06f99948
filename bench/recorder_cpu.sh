#!/usr/bin/env bash
# recorder_cpu.sh - where the recorder's own CPU goes (issue 18): netmon-record
# --interval 1 on a veth (tests/e2e/lib.bash's namespace), its CPU per
# interval while the link is idle and while a UDP flood crosses it (what
# bench/datapath.sh sends: one flow, batches of 64), each window profiled with
# `perf record --call-graph dwarf -p PID`; then the flood's capture imported
# with --read, under `perf stat` and `perf record`.
#
#   bench/recorder_cpu.sh [--secs N] [--count N] [--top N]
#   bench/recorder_cpu.sh --base DIR [--runs N] [--secs N] [--count N]
#
#   --secs   seconds of each window (default 10)
#   --count  datagrams of the flood (default 3000000; it is sent in both
#            directions in turn until the window ends)
#   --top    functions listed per profile (default 15)
#   --base   A/B instead: the netmon-record of build directory DIR (say, one
#            built from main) and this build's, by turns, --runs times each
#            (default 5), each on a new database, both windows without perf;
#            prints every run and the medians of CPU per interval, and
#            this build's as a ratio of the base's.
#
# Prints, per window: the recorder's CPU (schedstat of all its threads) in ms
# and per interval ended in the window, and perf's top functions by self
# time (share of the recorder's samples) with the callers' chains of the
# first ones. O (default build) names the build directory: it needs
# $O/netmon-record, $O/bench/datapath-udp and $O/tests/tools/nm-traffic.
# Needs root, perf, tshark. Figures only: it fails only on a set-up error.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/e2e/lib.bash
. "$REPO/tests/e2e/lib.bash"
UDP=$NMT_BUILD/bench/datapath-udp
SECS=10 COUNT=3000000 TOP=15 RUNS=5 BASE=
while [ $# -gt 0 ]; do
	case $1 in
	--secs) SECS=${2:-} ;;
	--count) COUNT=${2:-} ;;
	--top) TOP=${2:-} ;;
	--runs) RUNS=${2:-} ;;
	--base)
		BASE=${2:-}
		[ -x "$BASE/netmon-record" ] ||
			{ echo "recorder_cpu.sh: --base: no $BASE/netmon-record" >&2 && exit 64; }
		shift 2
		continue
		;;
	*) echo "usage: recorder_cpu.sh [--secs N] [--count N] [--top N] [--base DIR [--runs N]]" >&2 && exit 64 ;;
	esac
	[[ ${2:-} =~ ^[0-9]+$ ]] || { echo "recorder_cpu.sh: $1 needs a number" >&2 && exit 64; }
	shift 2
done
((SECS >= 2 && SECS <= 120 && COUNT >= 1000 && TOP >= 1 && RUNS >= 1 && RUNS <= 50)) ||
	{ echo "recorder_cpu.sh: out of range (secs 2..120, count >= 1000, top >= 1, runs 1..50)" >&2 && exit 64; }
for b in "$NMT_RECORD" "$UDP" "$NMT_TRAFFIC"; do
	[ -x "$b" ] || { echo "recorder_cpu.sh: $b is missing: build it first" >&2 && exit 1; }
done
for c in perf tshark; do
	command -v "$c" >/dev/null || { echo "recorder_cpu.sh: $c is not installed" >&2 && exit 1; }
done
NMT_TMP=$(mktemp -d "${TMPDIR:-/tmp}/netmon-reccpu.XXXXXX")
NMT_MAX_RUN=$((SECS * 4 + 60))
trap 'nmt_teardown || true; rm -rf "$NMT_TMP"' EXIT
nmt_setup

rec_ns() {
	local f s=0 v
	for f in /proc/"$1"/task/*/schedstat; do
		read -r v _ <"$f" 2>/dev/null || continue
		s=$((s + v))
	done
	echo "$s"
}
intervals() { nmt_sql "$1" "SELECT count(*) FROM intervals"; }

# report NAME: perf's top functions of NAME.perf by self time, then by
# time with their callees (the recorder's phases: snapshot, store, rules).
report() {
	echo "  self:"
	perf report -i "$NMT_TMP/$1.perf" --no-children --sort sym --stdio -g none 2>/dev/null |
		grep -E '^ +[0-9.]+%' | head -n "$TOP" || true
	echo "  with callees:"
	perf report -i "$NMT_TMP/$1.perf" --children --sort sym --stdio -g none 2>/dev/null |
		grep -E '^ +[0-9.]+%' | head -n $((TOP * 2)) || true
}

# window NAME [flood]: perf the recorder for SECS seconds (without perf
# when NOPERF is set), with the flood running through them or not; print
# its CPU per interval, and keep it in LAST_PER (microseconds).
window() {
	local name=$1 pid n0 n1 c0 c1 perfpid
	pid=$(nmt_pid rec)
	n0=$(intervals "$NMT_TMP/rec.db") c0=$(rec_ns "$pid")
	if [ -z "${NOPERF:-}" ]; then
		nmt_spawn "perf$name" perf record -F 4000 --call-graph dwarf,16384 -p "$pid" -o "$NMT_TMP/$name.perf" -- sleep "$SECS"
	else
		nmt_spawn "perf$name" sleep "$SECS"
	fi
	perfpid=$(nmt_pid "perf$name")
	[ "${2:-}" != flood ] || flood $((SECONDS + SECS))
	nmt_wait_exit "$perfpid" $((SECS + 30)) || true
	n1=$(intervals "$NMT_TMP/rec.db") c1=$(rec_ns "$pid")
	LAST_PER=$(((c1 - c0) / 1000 / ((n1 - n0) > 0 ? (n1 - n0) : 1)))
	printf '## %s: recorder %.1f ms CPU in %d s, %d intervals: %.2f ms per interval\n' \
		"$name" "$(((c1 - c0) / 1000))e-3" "$SECS" $((n1 - n0)) "${LAST_PER}e-3"
	[ -n "${NOPERF:-}" ] || report "$name"
}

# flood_dir DIR SECS: COUNT datagrams one way ("out": root -> namespace),
# sender and receiver bounded by SECS.
flood_dir() {
	local dir=$1 secs=$2 dst=$NMT_P4 rx tx
	rx=("$UDP" -t $((secs + 3)) -w 200 recv)
	tx=("$UDP" -t "$secs" -b 64 send)
	if [ "$dir" = out ]; then
		rx=(nmt_in_ns "${rx[@]}")
	else
		dst=$NMT_H4 tx=(nmt_in_ns "${tx[@]}")
	fi
	nmt_spawn floodrx "${rx[@]}" "$dst" 9000 "$COUNT"
	nmt_wait_line "$NMT_TMP/floodrx.err" 'listening on' "$(nmt_pid floodrx)"
	"${tx[@]}" "$dst" 9000 "$COUNT" 18 >/dev/null 2>&1 || true
	nmt_wait_exit "$(nmt_pid floodrx)" $((secs + 5)) || true
}

# flood END: out and in, in turn, until SECONDS reaches END.
flood() {
	local end=$1 i
	for ((i = 0; i < 1000 && end - SECONDS >= 1; i++)); do
		if ((i % 2)); then flood_dir in $((end - SECONDS)); else flood_dir out $((end - SECONDS)); fi
	done
}

median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# ab: base and this build by turns, RUNS times each; medians and ratios.
ab() {
	local run b this=$NMT_RECORD n
	local -a per_idle_base per_idle_this per_flood_base per_flood_this
	NOPERF=1
	for ((run = 1; run <= RUNS; run++)); do
		for b in base this; do
			if [ "$b" = base ]; then NMT_RECORD=$BASE/netmon-record; else NMT_RECORD=$this; fi
			rm -f "$NMT_TMP"/rec.db*
			echo "# run $run, $b ($NMT_RECORD), $(uptime | sed 's/.*load/load/')"
			nmt_rec_start "$NMT_TMP/rec.db"
			# past the first intervals (PRAGMA optimize, first rollup)
			for ((n = 0; n < 100; n++)); do
				[ "$(intervals "$NMT_TMP/rec.db")" -ge 3 ] && break
				sleep 0.2
			done
			window idle
			eval "per_idle_$b+=($LAST_PER)"
			window flood flood
			eval "per_flood_$b+=($LAST_PER)"
			nmt_rec_stop
		done
	done
	NMT_RECORD=$this
	printf '## medians of %d runs, ms CPU per interval: idle base %.2f this %.2f (%.2f x); ' \
		"$RUNS" "$(median "${per_idle_base[@]}")e-3" "$(median "${per_idle_this[@]}")e-3" \
		"$(awk -v a="$(median "${per_idle_this[@]}")" -v b="$(median "${per_idle_base[@]}")" 'BEGIN { print a / b }')"
	printf 'flood base %.2f this %.2f (%.2f x)\n' \
		"$(median "${per_flood_base[@]}")e-3" "$(median "${per_flood_this[@]}")e-3" \
		"$(awk -v a="$(median "${per_flood_this[@]}")" -v b="$(median "${per_flood_base[@]}")" 'BEGIN { print a / b }')"
}

echo "# $(uptime)"
echo "# $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs, kernel $(uname -r)"
if [ -n "$BASE" ]; then
	ab
	exit 0
fi
nmt_rec_start "$NMT_TMP/rec.db"
window idle
window flood flood
nmt_rec_stop

# The capture for --read: a flood of at most 1M datagrams out (a packet the
# capture drops only makes the import smaller: no exactness is judged here).
nmt_cap_start "$NMT_TMP/flood.pcap"
COUNT=$((COUNT < 1000000 ? COUNT : 1000000)) flood_dir out 60
nmt_stop_pid "$NMT_PID_cap" || true
echo "## --read of the flood's capture ($(du -h "$NMT_TMP/flood.pcap" | cut -f1)):"
perf stat -e task-clock,page-faults,context-switches -o "$NMT_TMP/read.stat" \
	"$NMT_RECORD" --read "$NMT_TMP/flood.pcap" --db "$NMT_TMP/read.db" --interval 1 \
	>/dev/null 2>"$NMT_TMP/read.err"
grep -E 'task-clock|page-faults|elapsed' "$NMT_TMP/read.stat"
perf record -F 1000 --call-graph dwarf,16384 -o "$NMT_TMP/read.perf" \
	"$NMT_RECORD" --read "$NMT_TMP/flood.pcap" --db "$NMT_TMP/read2.db" --interval 1 \
	>/dev/null 2>&1
report read
