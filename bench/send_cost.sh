#!/usr/bin/env bash
# send_cost.sh - cost of per-process accounting per send() (issue 4): CPU
# time per send+recv of a 16-byte UDP datagram over loopback, without netmon,
# with empty programs on the same tracepoints (the floor: dispatch and
# bpf_stats' own clock reads), with netmon-record running its default
# (tp_btf) per-process programs, and with its raw_tp fallback
# (NETMON_PROC_PROGS=raw), alternating runs to cancel drift; medians and the
# median of the per-cycle ratios. Then each program's own time per event as
# the kernel counts it (bpf_stats). Root. Figures only: never fails on a
# number.
#
# SOCKETS (default 1): socket pairs send_cost uses in turn; 1 is a transfer
# on one socket (every call after the first finds its key in the programs'
# per-CPU cache), 2 or more the worst case (no call does).
#
#   O=build bench/send_cost.sh [RUNS] [COUNT] [SOCKETS]
set -euo pipefail
O=${O:-build}
cd "$(dirname "$0")/.."
RUNS=${1:-7}
COUNT=${2:-300000}
SOCKETS=${3:-1}
BIN=$O/bench/send_cost
DB=$(mktemp -d)/send_cost.db
rec_pid=

cleanup() {
	[ -n "$rec_pid" ] && kill -TERM "$rec_pid" 2>/dev/null && wait "$rec_pid" 2>/dev/null
	rm -rf "${DB%/*}"
	[ -n "${old_stats:-}" ] && sysctl -qw kernel.bpf_stats_enabled="$old_stats"
}
trap cleanup EXIT

# The recorder must watch some interface: the first one up that is not lo,
# so that the benchmark's loopback datagrams meet only the per-process
# programs, not the TC ones: what is measured is per-process accounting.
iface=$(ip -o link show up | awk -F': ' '$2 != "lo" {print $2; exit}' | cut -d@ -f1)

one() { "$BIN" "$COUNT" 16 "$SOCKETS" | sed 's/ns_per_send=//'; }

# empty: one run with the empty programs attached; their bpf_stats to stats.
empty() {
	"$BIN" --empty "$COUNT" 16 "$SOCKETS" >"${DB%/*}/empty.out"
	sed -n 's/ns_per_send=//p' "${DB%/*}/empty.out"
	grep -v ns_per_send "${DB%/*}/empty.out" >>"${DB%/*}/stats"
}

# The programs' own time per event as the kernel counts it (bpf_stats): the
# direct figure, free of this VM's drift between runs.
prog_stats() {
	local p
	for p in netmon_send_btf netmon_recv_btf netmon_send_raw netmon_recv_raw; do
		bpftool prog show name "$p" 2>/dev/null |
			awk -v p="$p" '{for (i = 1; i < NF; i++) {
				if ($i == "run_time_ns") t = $(i + 1); if ($i == "run_cnt") c = $(i + 1) }}
				END { if (c) printf "%s %d %d\n", p, t, c }'
	done
}

# with PROGS: one run with netmon-record running (NETMON_PROC_PROGS=PROGS,
# empty for the default). Run in a subshell: its recorder is bounded by
# --duration, not by the trap.
with() {
	NETMON_PROC_PROGS=$1 "$O/netmon-record" -i "$iface" --db "$DB" --interval 60 --duration 120 \
		2>"${DB%/*}/rec.err" &
	rec_pid=$!
	for _ in $(seq 100); do grep -q 'recording on' "${DB%/*}/rec.err" && break; sleep 0.05; done
	one
	prog_stats >>"${DB%/*}/stats"
	kill -TERM "$rec_pid"
	wait "$rec_pid"
	rec_pid=
}

ratio() { awk -v w="$1" -v b="$2" 'BEGIN { printf "%.3f", w / b }'; }
old_stats=$(sysctl -n kernel.bpf_stats_enabled)
sysctl -qw kernel.bpf_stats_enabled=1

base=() emp=() btf=() raw=() remp=() rbtf=() rraw=()
for ((i = 0; i < RUNS; i++)); do
	b=$(one)
	e=$(empty)
	t=$(with "")
	r=$(with raw)
	base+=("$b") emp+=("$e") btf+=("$t") raw+=("$r")
	remp+=("$(ratio "$e" "$b")") rbtf+=("$(ratio "$t" "$b")") rraw+=("$(ratio "$r" "$b")")
	echo "run $i: without $b ns, empty $e ns, tp_btf $t ns, raw_tp $r ns per send+recv"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
echo "median without: $(median "${base[@]}") ns; empty: $(median "${emp[@]}") ns;" \
	"tp_btf: $(median "${btf[@]}") ns; raw_tp: $(median "${raw[@]}") ns"
echo "median ratio to without (per cycle): empty $(median "${remp[@]}")," \
	"tp_btf $(median "${rbtf[@]}"), raw_tp $(median "${rraw[@]}")"
awk '{t[$1] += $2; c[$1] += $3}
	END {for (p in t) printf "%s: %.1f ns per event (kernel bpf_stats, %d events)\n",
		p, t[p] / c[p], c[p]}' "${DB%/*}/stats" | sort
