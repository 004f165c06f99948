#!/usr/bin/env bash
# datapath.sh - datapath cost of netmon (issue 3): CPU time per million
# packets through a veth pair without netmon and with netmon-record attached
# (TC hooks, then --hook xdp), alternating runs; per-run figures, medians and
# the ratios netmon / baseline. Goal: <= 1.10.
#
#   bench/datapath.sh [--runs N] [--count N] [--size BYTES] [--batch N] [--rate PPS]
#                     [--empty] [--prog-stats] [--against DIR] [--no-process] [--proc-floor]
#                     [--pmacct] [--perf DIR] [--interval SECONDS]
#
#   --runs   cycles (default 7); a cycle is: baseline, TC, baseline, XDP
#   --count  datagrams per direction per run (default 500000)
#   --size   UDP payload bytes (default 18: a 60-byte frame, 64 on the wire
#            with the FCS)
#   --batch  datagrams per sendmmsg() call (default 64; 1: one send() each)
#   --rate   datagrams per second (default 0: as fast as the sender goes)
#   --empty  also empty BPF programs on the same hooks: what the hooks cost
#            by themselves: "etcx" as tcx links, as netmon attaches its TC
#            programs where the kernel has tcx ($O/bench/empty_tcx), "etc" as
#            clsact filters, as on a kernel without (and netmon before
#            2026-12), "exdp" with XDP ingress (a cycle becomes 10 runs)
#   --prog-stats  also the kernel's own time per run of each netmon program
#            in this datapath (kernel.bpf_stats_enabled, restored after): the
#            program with the caches the real stack leaves it, next to
#            BPF_PROG_TEST_RUN's hot figure. The stats' two clock reads per
#            run add to every netmon run's CPU: judge ratios without it.
#   --against DIR  also netmon-record of another build (DIR/netmon-record,
#            e.g. an older commit's) in the same cycles ("otc", "oxdp"): an
#            A/B comparison under the same machine load
#   --no-process  also netmon-record --no-process ("tcnp", "xdpnp"): the
#            packet path alone, without the per-process programs, which run
#            on every send and receive call (two per datagram here)
#   --proc-floor  "tcnp" as --no-process, and "tcnpe": netmon-record
#            --no-process with empty programs on the per-process programs'
#            socket tracepoints ($O/bench/empty_tp): tcnpe - tcnp is what a
#            program on every send and receive call costs by itself (the
#            floor of per-process accounting this way), tc - tcnpe what
#            netmon's per-process programs add to it
#   --perf DIR  also a system-wide perf profile (cpu-clock, call graphs) of
#            each run's traffic, DIR/MODE-RUN.data: where the time goes
#            (perf report -i FILE --comm datapath-udp --no-children). The
#            sampling adds to every run alike
#   --pmacct  also Debian's pmacctd (libpcap, its sqlite3 plugin writing
#            every second like the recorder) on the same veth ("pmacct"):
#            the side-by-side of bench/pmacct_side.sh
#   --interval  seconds per recorded interval of the monitor (default 1: a
#            write every second, the worst case; the installed default is
#            60, dist/netmon.conf); pmacctd's sql_refresh_time alike
#   (--empty, --against, --no-process, --proc-floor and --pmacct each choose
#   what a cycle runs: at most one of them)
#
# O (default build) names the build directory: it needs $O/netmon-record and
# $O/bench/datapath-udp and $O/tests/tools/nm-tcx (make O=... all
# $O/bench/datapath-udp $O/tests/tools/nm-tcx; --empty: $O/bench/empty_tcx;
# --proc-floor: $O/bench/empty_tp). Needs root,
# ip, ethtool, taskset, flock; sqlite3 for the "counted" check (what the
# monitor stored of the flood's packets).
#
# Set-up: a namespace nmb-<pid> joined to the root namespace by a veth pair,
#   root: nmb<pid>h 198.19.X.1/30  <-veth->  nmb-<pid>: nmbpeer 198.19.X.2/30
# (X chosen unused; RFC 2544 benchmark range, nothing else is ever addressed),
# static neighbours, IPv6 off on both ends, offloads off (every packet a wire
# packet). netmon-record watches nmb<pid>h. Each run sends --count datagrams
# "out" (root -> namespace: the host veth's TC egress hook) and then --count
# "in" (namespace -> root: TC ingress, or XDP with --hook xdp), the sender
# pinned to CPU 0 and the receiver to CPU 1.
#
# What is measured, and why: the CPU time of everything the traffic makes the
# machine do, per million packets sent:
#   sender + receiver   each process's own CPU time (CLOCK_PROCESS_CPUTIME_ID,
#                       the scheduler's exact runtime). On a veth pair the
#                       whole datapath runs in the sender's context: the
#                       transmit path with the TC egress hook, veth_xmit, and
#                       the peer's receive softirq (backlog or, with XDP, the
#                       veth NAPI poll with the XDP program, then the TC
#                       ingress hook, IP and UDP) run on return from
#                       local_bh_enable() inside the send call; this kernel
#                       has no IRQ_TIME_ACCOUNTING, so that softirq time is
#                       charged to the sender's runtime;
#   ksoftirqd/*         softirq work deferred to the ksoftirqd threads
#                       (schedstat runtime delta; normally ~0);
#   netmon-record       the recorder's own CPU during the window: reading and
#                       storing the flow table every second is part of
#                       netmon's cost. With cgroup v2 (/sys/fs/cgroup or
#                       /sys/fs/cgroup/unified) the monitor runs in a cgroup
#                       of its own and this is the cgroup's usage_usec (every
#                       thread and child, short-lived ones included:
#                       pmacctd's sqlite3 plugin forks a writer every
#                       second); otherwise the schedstat of its threads.
# This is per-process accounting rather than /proc/stat because the machine
# is shared (other jobs run on it); the whole-machine busy time from
# /proc/stat over the same window (10 ms ticks, includes whatever else ran)
# is printed next to it as a cross-check ("sys"): when nothing else runs
# ("others" ~0%) the two agree, so the per-process sum misses nothing.
#
# The cycle baseline, TC, baseline, XDP repeats --runs times (and one more
# baseline ends the sequence), so every netmon run lies between two baseline
# runs. The cost per packet drifts on this VM (2x within a minute has been
# seen while nothing else ran in it: the host's load), so the figure
# to judge is the median over cycles of each netmon run divided by the mean
# of the two baseline runs around it; the ratio of the medians of all runs
# is printed next to it but mixes in that drift. The recorder is
# started and ready ("recording on") before its run's traffic and stopped
# with SIGTERM after it; its start-up (map creation) is outside the window.
# The script prints figures and never fails on a number: it exits non-zero
# only on a real error (set-up, a tool failing, a recorder not stopping
# cleanly or leaving a hook attached).
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
O=${O:-build}
case $O in
/*) BUILD=$O ;;
*) BUILD=$REPO/$O ;;
esac
RECORD=$BUILD/netmon-record
UDP=$BUILD/bench/datapath-udp

PERF='' INTERVAL=1 RUNS=7 COUNT=500000 SIZE=18 BATCH=64 RATE=0 WITH_EMPTY=0 PROG_STATS=0 AGAINST='' NO_PROCESS=0 PROC_FLOOR=0 PMACCT=0
usage() {
	sed -n '7,50p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 64
}
while [ $# -gt 0 ]; do
	case $1 in
	--runs) RUNS=${2:-} ;;
	--count) COUNT=${2:-} ;;
	--size) SIZE=${2:-} ;;
	--batch) BATCH=${2:-} ;;
	--rate) RATE=${2:-} ;;
	--interval) INTERVAL=${2:-} ;;
	--empty) WITH_EMPTY=1 && shift && continue ;;
	--prog-stats) PROG_STATS=1 && shift && continue ;;
	--against) AGAINST=${2:-} && shift 2 && continue ;;
	--no-process) NO_PROCESS=1 && shift && continue ;;
	--proc-floor) PROC_FLOOR=1 && shift && continue ;;
	--pmacct) PMACCT=1 && shift && continue ;;
	--perf) PERF=${2:-} && shift 2 && continue ;;
	-h | --help) usage ;;
	*) echo "datapath.sh: unknown argument '$1'" >&2 && usage ;;
	esac
	[[ ${2:-} =~ ^[0-9]+$ ]] || { echo "datapath.sh: $1 needs a number" >&2 && usage; }
	shift 2
done
((RUNS >= 1 && RUNS <= 99 && COUNT >= 1000 && SIZE <= 1472 && BATCH >= 1 && BATCH <= 1024 &&
	INTERVAL >= 1 && INTERVAL <= 3600)) ||
	{ echo "datapath.sh: out of range (runs 1..99, count >= 1000, size <= 1472, batch 1..1024, interval 1..3600)" >&2 && exit 64; }
(( WITH_EMPTY + ${AGAINST:+1}0 / 10 + NO_PROCESS + PROC_FLOOR + PMACCT <= 1 )) ||
	{ echo "datapath.sh: --empty, --against, --no-process, --proc-floor and --pmacct exclude each other" >&2 && exit 64; }

die() {
	echo "datapath.sh: $*" >&2
	exit 1
}
[ "$(id -u)" -eq 0 ] || die "needs root"
TCX=$BUILD/tests/tools/nm-tcx # the tcx links on an interface, as the kernel lists them
for b in "$RECORD" "$UDP" "$TCX" ${AGAINST:+"$AGAINST/netmon-record"}; do
	[ -x "$b" ] || die "$b is missing: build it first (make O=$O all $O/bench/datapath-udp $O/tests/tools/nm-tcx)"
done
NEED=(ip ethtool taskset flock)
[ "$PROG_STATS" = 0 ] || NEED+=(bpftool sysctl)
[ "$PMACCT" = 0 ] || NEED+=(pmacctd sqlite3)
[ -z "$PERF" ] || NEED+=(perf)
[ -z "$PERF" ] || mkdir -p "$PERF" || die "cannot create $PERF"
for c in "${NEED[@]}"; do
	command -v "$c" >/dev/null || die "$c is not installed"
done
HAVE_SQLITE=1
command -v sqlite3 >/dev/null || HAVE_SQLITE=0
[ "$(nproc)" -ge 2 ] || die "needs 2 CPUs (sender on CPU 0, receiver on CPU 1)"

NS=nmb-$$
HOST=nmb$$h # at most 3+7+1 characters < IFNAMSIZ
PEER=nmbpeer
TMP=$(mktemp -d "${TMPDIR:-/tmp}/netmon-datapath.XXXXXX")
# The monitor's cgroup (cgroup v2), empty when there is none.
MON_CG=
for d in /sys/fs/cgroup /sys/fs/cgroup/unified; do
	{ [ -e "$d/cgroup.procs" ] && [ -e "$d/cpu.stat" ]; } || continue
	mkdir "$d/nmb-$$" 2>/dev/null && MON_CG=$d/nmb-$$ && break
done
[ -n "$MON_CG" ] || [ "$PMACCT" = 0 ] || die "--pmacct needs a cgroup v2 hierarchy to count pmacctd's children"
declare -a PIDS=()

# Stop a PID we started: SIGTERM, up to 15 s, then SIGKILL. Its status in ST.
stop_pid() {
	local pid=$1 n=300
	ST=0
	kill -TERM "$pid" 2>/dev/null || true
	while kill -0 "$pid" 2>/dev/null && ((n-- > 0)); do sleep 0.05; done
	if kill -0 "$pid" 2>/dev/null; then
		echo "datapath.sh: PID $pid ignored SIGTERM, sending SIGKILL" >&2
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || ST=$?
	forget "$pid"
}
forget() {
	local i
	for i in "${!PIDS[@]}"; do [ "${PIDS[$i]}" = "$1" ] && unset 'PIDS[i]'; done
	PIDS=("${PIDS[@]}")
}
cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
	ip link del "$HOST" 2>/dev/null || true
	ip netns del "$NS" 2>/dev/null || true
	[ -z "$MON_CG" ] || rmdir "$MON_CG" 2>/dev/null || true
	[ -z "${STATS_WAS:-}" ] || sysctl -qw kernel.bpf_stats_enabled="$STATS_WAS" || true
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# One datapath benchmark at a time (they would disturb each other), and
# namespaces left by killed runs (nmb-<pid> of a dead pid) deleted.
LOCK=/run/lock/netmon-bench-datapath.lock
[ -d /run/lock ] || LOCK=${TMPDIR:-/tmp}/netmon-bench-datapath.lock
exec {LOCKFD}>"$LOCK" || die "cannot open $LOCK"
flock -w 600 "$LOCKFD" || die "another bench/datapath.sh holds the lock"
for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
	[[ $ns =~ ^nmb-([0-9]+)$ ]] || continue
	[ -e "/proc/${BASH_REMATCH[1]}" ] && continue
	ip netns del "$ns" 2>/dev/null || true
done

# ---- the link -----------------------------------------------------------------
X=
for ((i = 0; i < 254; i++)); do
	x=$((($$ + i) % 254 + 1))
	[ -z "$(ip -4 route show table all to "198.19.$x.0/24" 2>/dev/null)" ] || continue
	[ -z "$(ip -4 addr show to "198.19.$x.0/24" 2>/dev/null)" ] || continue
	X=$x && break
done
[ -n "$X" ] || die "no free 198.19.x.0/24 subnet"
H4=198.19.$X.1 P4=198.19.$X.2
HMAC=$(printf '02:6e:6d:62:%02x:01' "$X") PMAC=$(printf '02:6e:6d:62:%02x:02' "$X")

setup_link() {
	local off=(tso off gso off gro off tx-udp-segmentation off rx-gro-list off)
	ip netns add "$NS" &&
		ip link add "$HOST" address "$HMAC" type veth peer name "$PEER" address "$PMAC" netns "$NS" &&
		{ sysctl -qw "net.ipv6.conf.$HOST.disable_ipv6=1" 2>/dev/null || true; } &&
		{ ip netns exec "$NS" sysctl -qw "net.ipv6.conf.$PEER.disable_ipv6=1" 2>/dev/null || true; } &&
		ethtool -K "$HOST" "${off[@]}" 2>/dev/null &&
		ip netns exec "$NS" ethtool -K "$PEER" "${off[@]}" 2>/dev/null &&
		ip addr add "$H4/30" dev "$HOST" &&
		ip -n "$NS" addr add "$P4/30" dev "$PEER" &&
		ip neigh replace "$P4" lladdr "$PMAC" dev "$HOST" nud permanent &&
		ip -n "$NS" neigh replace "$H4" lladdr "$HMAC" dev "$PEER" nud permanent &&
		ip -n "$NS" link set dev lo up &&
		ip link set dev "$HOST" up &&
		ip -n "$NS" link set dev "$PEER" up
}
setup_link || die "cannot set up $NS / $HOST"

# No netmon hook may be left on the link between runs.
check_clean() {
	local left
	left=$(tc filter show dev "$HOST" ingress 2>/dev/null; tc filter show dev "$HOST" egress 2>/dev/null)
	[ -z "$left" ] || die "filters left on $HOST after the recorder stopped: $left"
	left=$("$TCX" "$HOST") || die "cannot list the tcx links on $HOST"
	[ -z "$left" ] || die "tcx links left on $HOST after the recorder stopped: $left"
	! ip link show dev "$HOST" | grep -q 'prog/xdp' || die "an XDP program is left on $HOST"
}

# ---- measuring ------------------------------------------------------------------
# The sender's options; its deadline 90 s, or more at a --rate that needs it.
SEND_SECS=90
[ "$RATE" = 0 ] || SEND_SECS=$((90 + COUNT / RATE))
SEND_OPTS=(-t "$SEND_SECS" -b "$BATCH")
[ "$RATE" = 0 ] || SEND_OPTS+=(-r "$RATE")
KSOFTIRQD=$(pgrep '^ksoftirqd/' | tr '\n' ' ')
NCPU=$(nproc)

# Sum of the scheduler runtimes (ns) of the given schedstat files.
runtime_ns() {
	local f s=0 v
	for f in "$@"; do
		read -r v _ <"$f" 2>/dev/null || continue
		s=$((s + v))
	done
	echo "$s"
}
ksoftirqd_ns() {
	local p files=()
	for p in $KSOFTIRQD; do files+=("/proc/$p/schedstat"); done
	runtime_ns "${files[@]}"
}
rec_ns() {
	[ -n "${REC:-}" ] || { echo 0 && return; }
	if [ -n "$MON_CG" ]; then
		awk '$1 == "usage_usec" { printf "%.0f\n", $2 * 1000 }' "$MON_CG/cpu.stat"
	else
		runtime_ns /proc/"$REC"/task/*/schedstat
	fi
}
# Whole-machine busy time (ns): user+nice+system+irq+softirq of all CPUs.
sys_ns() {
	awk '$1 == "cpu" { printf "%.0f\n", ($2 + $3 + $4 + $7 + $8) * 10000000; exit }' /proc/stat
}
kv() { sed -n "s/.*\\b$1=\\([0-9]*\\).*/\\1/p" "$2"; }

# phase DIR: COUNT datagrams one way; appends a line to $TMP/results:
# mode run dir sent received cpu_ns recorder_ns sys_ns window_ns pair
# (pair: for a netmon run, the baseline run just before it; the one just
# after it is pair + 1).
phase() {
	local dir=$1 dst rx tx rxpid k0 k1 r0 r1 s0 s1 t0 t1 st=0 sent got cpu
	if [ "$dir" = out ]; then
		dst=$P4
		rx=(ip netns exec "$NS" taskset -c 1 "$UDP" -t "$((SEND_SECS + 30))" recv "$dst" 9000 "$COUNT")
		tx=(taskset -c 0 "$UDP" "${SEND_OPTS[@]}" send "$dst" 9000 "$COUNT" "$SIZE")
	else
		dst=$H4
		rx=(taskset -c 1 "$UDP" -t "$((SEND_SECS + 30))" recv "$dst" 9000 "$COUNT")
		tx=(ip netns exec "$NS" taskset -c 0 "$UDP" "${SEND_OPTS[@]}" send "$dst" 9000 "$COUNT" "$SIZE")
	fi
	: >"$TMP/rx.err"
	"${rx[@]}" >"$TMP/rx.out" 2>>"$TMP/rx.err" &
	rxpid=$!
	PIDS+=("$rxpid")
	for ((n = 0; n < 200; n++)); do
		grep -q 'listening on' "$TMP/rx.err" && break
		kill -0 "$rxpid" 2>/dev/null || break
		sleep 0.05
	done
	grep -q 'listening on' "$TMP/rx.err" || { cat "$TMP/rx.err" >&2; die "the receiver did not start"; }
	k0=$(ksoftirqd_ns) r0=$(rec_ns) s0=$(sys_ns) t0=$(date +%s%N)
	"${tx[@]}" >"$TMP/tx.out" 2>"$TMP/tx.err" || { cat "$TMP/tx.err" >&2; die "the sender failed"; }
	wait "$rxpid" || st=$?
	forget "$rxpid"
	k1=$(ksoftirqd_ns) r1=$(rec_ns) s1=$(sys_ns) t1=$(date +%s%N)
	[ "$st" -eq 0 ] || { cat "$TMP/rx.err" >&2; die "the receiver failed (status $st)"; }
	sent=$(kv sent "$TMP/tx.out") got=$(kv received "$TMP/rx.out")
	if [ -z "$sent" ] || [ -z "$got" ]; then die "no summary from the sender or the receiver"; fi
	cpu=$(($(kv cpu_ns "$TMP/tx.out") + $(kv cpu_ns "$TMP/rx.out") + k1 - k0 + r1 - r0))
	echo "$MODE $RUN $dir $sent $got $cpu $((r1 - r0)) $((s1 - s0)) $((t1 - t0)) $PAIR" >>"$TMP/results"
}

# ---- netmon, and the empty programs of --empty ---------------------------------
# --prog-stats: the ids of the programs attached to $HOST (bpftool net show:
# "DEV(IFINDEX) clsact/egress NAME id N", "DEV(IFINDEX) driver id N"), and of
# the recorder's programs among those it holds open (prog_id in the fdinfo of
# its file descriptors): its per-process programs, which run on socket calls
# rather than on a hook of $HOST, and its TC programs when they are tcx links,
# which Debian 12's bpftool (7.1) does not list in net show.
prog_ids() {
	local id listed
	listed=$(bpftool net show dev "$HOST" | awk '$NF ~ /^[0-9]+$/ && $(NF - 1) == "id" {
		hook = $2 == "driver" || $2 == "generic" ? "xdp" : $2; sub(/^clsact\//, "", hook)
		print hook, $NF }')
	[ -z "$listed" ] || echo "$listed"
	# shellcheck disable=SC2013 # program ids are numbers, one a line
	for id in $(awk '/^prog_id:/ { print $2 }' /proc/"$REC"/fdinfo/* 2>/dev/null | sort -un); do
		grep -q " $id\$" <<<"$listed" && continue
		bpftool prog show id "$id" | awk -v id="$id" 'NR == 1 && $4 ~ /^netmon_(send|recv|tc)_/ {
			sub(/^netmon_(tc_)?/, "", $4); print $4, id }'
	done
}
# Append "mode run hook ns runs" for each of them to $TMP/progstats.
prog_stats() {
	local hook id line
	while read -r hook id; do
		line=$(bpftool prog show id "$id" | awk "NR == 1")
		[[ $line =~ run_time_ns\ ([0-9]+)\ run_cnt\ ([0-9]+) ]] || continue
		echo "$MODE $RUN $hook ${BASH_REMATCH[1]} ${BASH_REMATCH[2]}" >>"$TMP/progstats"
	done < <(prog_ids)
}

# The monitor's command line and the line it logs once ready, for MODE.
mon_cmd() {
	local rec=$RECORD
	if [ "$MODE" = pmacct ]; then
		sqlite3 "$TMP/rec.db" </usr/share/pmacct/sql/pmacct-create-table_v1.sqlite3 ||
			die "cannot create pmacctd's table"
		printf '%s\n' 'daemonize: false' "pcap_interface: $HOST" 'plugins: sqlite3' \
			'aggregate: src_host, dst_host, src_port, dst_port, proto' "sql_db: $TMP/rec.db" \
			'sql_table_version: 1' "sql_refresh_time: $INTERVAL" 'sql_history: 1m' >"$TMP/pmacctd.conf"
		CMD=(pmacctd -f "$TMP/pmacctd.conf") READY='cache entries='
		return
	fi
	CMD=(-i "$HOST" --db "$TMP/rec.db" --interval "$INTERVAL" --duration 600) READY='recording on'
	case $MODE in *xdp*) CMD+=(--hook xdp) ;; esac
	case $MODE in *np | *npe) CMD+=(--no-process) ;; esac
	case $MODE in o*) rec=$AGAINST/netmon-record ;; esac
	CMD=("$rec" "${CMD[@]}")
}

rec_start() {
	rm -f "$TMP"/rec.db*
	mon_cmd
	: >"$TMP/rec.err"
	if [ -n "$MON_CG" ]; then
		# shellcheck disable=SC2016 # $$ and $@ are the inner shell's
		sh -c 'echo $$ >"$0" && exec "$@"' "$MON_CG/cgroup.procs" "${CMD[@]}" \
			>"$TMP/rec.out" 2>>"$TMP/rec.err" &
	else
		"${CMD[@]}" >"$TMP/rec.out" 2>>"$TMP/rec.err" &
	fi
	REC=$!
	PIDS+=("$REC")
	for ((n = 0; n < 600; n++)); do
		grep -q "$READY" "$TMP/rec.err" && break
		kill -0 "$REC" 2>/dev/null || break
		sleep 0.05
	done
	grep -q "$READY" "$TMP/rec.err" || { cat "$TMP/rec.err" >&2; die "${CMD[0]##*/} did not start"; }
}

# What the monitor stored for the flood's flows (the database of either).
counted() {
	local sql="SELECT coalesce(sum(packets), 0) FROM flow_log WHERE interface = '$HOST'
		 AND ((src = '$H4' AND dst = '$P4') OR (src = '$P4' AND dst = '$H4'))"
	[ "$MODE" != pmacct ] || sql="SELECT coalesce(sum(packets), 0) FROM acct
		 WHERE (ip_src = '$H4' AND ip_dst = '$P4') OR (ip_src = '$P4' AND ip_dst = '$H4')"
	sqlite3 -readonly -batch "file:$TMP/rec.db?mode=ro" "$sql" ||
		die "cannot read the monitor's database"
}

rec_stop() {
	[ "$PROG_STATS" = 0 ] || prog_stats
	stop_pid "$REC"
	[ "$ST" -eq 0 ] || { cat "$TMP/rec.err" >&2; die "${CMD[0]##*/} exited with status $ST"; }
	REC=
	# pmacctd's plugin and its writers may outlive the core process.
	for ((n = 0; n < 300; n++)); do
		[ -z "$MON_CG" ] || [ -z "$(cat "$MON_CG/cgroup.procs")" ] && break
		sleep 0.05
	done
	check_clean
	[ "$HAVE_SQLITE" = 0 ] || COUNTED=$(counted)
}

# holder_start WHERE CMD...: a program that holds empty programs attached
# until SIGTERM (bench/empty_tcx, bench/empty_tp), once it says "attached";
# its PID in HOLDER_PID. holder_stop PID NAME: end it, cleanly.
holder_start() {
	local where=$1
	shift
	"$@" >"$TMP/holder.out" &
	HOLDER_PID=$!
	PIDS+=("$HOLDER_PID")
	for ((n = 0; n < 100; n++)); do
		grep -q attached "$TMP/holder.out" && return 0
		kill -0 "$HOLDER_PID" 2>/dev/null || break
		sleep 0.05
	done
	die "cannot attach the empty programs to $where"
}
holder_stop() {
	kill -TERM "$1"
	wait "$1" || die "$2 did not end cleanly"
	forget "$1"
}

# Empty programs on the same hooks as netmon's: what the hooks themselves
# cost (for XDP on a veth, the switch to the veth's NAPI receive path).
empty_attach() {
	if [ "$MODE" = etcx ]; then
		holder_start "$HOST as tcx links" "$BUILD/bench/empty_tcx" "$HOST"
		EMPTY_PID=$HOLDER_PID
		return 0
	fi
	local in=(tc filter add dev "$HOST" ingress bpf da obj "$EMPTY" sec tc)
	[ "$MODE" = exdp ] && in=(ip link set dev "$HOST" xdpdrv obj "$EMPTY" sec xdp)
	if ! { tc qdisc add dev "$HOST" clsact &&
		tc filter add dev "$HOST" egress bpf da obj "$EMPTY" sec tc && "${in[@]}"; }; then
		die "cannot attach the empty programs to $HOST"
	fi
}
empty_detach() {
	if [ "$MODE" = etcx ]; then
		holder_stop "$EMPTY_PID" empty_tcx
		check_clean
		return 0
	fi
	if [ "$MODE" = exdp ]; then
		ip link set dev "$HOST" xdpdrv off || die "cannot remove the empty XDP program"
	fi
	tc qdisc del dev "$HOST" clsact || die "cannot remove the clsact qdisc"
	check_clean
}

# --proc-floor: empty programs on the socket tracepoints beside the recorder.
etp_attach() {
	holder_start "the socket tracepoints" "$BUILD/bench/empty_tp"
	ETP_PID=$HOLDER_PID
}
etp_detach() {
	holder_stop "$ETP_PID" empty_tp
}

# --perf: profile the whole machine while the run's traffic flows.
perf_start() {
	[ -n "$PERF" ] || return 0
	perf record -q -e cpu-clock -F 1999 -a -g -o "$PERF/$MODE-$RUN.data" 2>"$TMP/perf.err" &
	PERF_PID=$!
	PIDS+=("$PERF_PID")
	for ((n = 0; n < 100; n++)); do
		[ -s "$PERF/$MODE-$RUN.data" ] && break
		sleep 0.05
	done
}
perf_stop() {
	[ -n "$PERF" ] || return 0
	kill -INT "$PERF_PID" 2>/dev/null || true
	wait "$PERF_PID" 2>/dev/null || true
	forget "$PERF_PID"
}

LAST_BASE=0
run_one() {
	MODE=$1 RUN=$2 COUNTED=- PAIR=$LAST_BASE
	case $MODE in
	base) PAIR=0 LAST_BASE=$RUN ;;
	tc | xdp | otc | oxdp | tcnp | xdpnp | pmacct) rec_start ;;
	tcnpe) rec_start && etp_attach ;;
	etc | etcx | exdp) empty_attach ;;
	esac
	perf_start
	phase out
	phase in
	perf_stop
	case $MODE in
	tc | xdp | otc | oxdp | tcnp | xdpnp | pmacct) rec_stop ;;
	tcnpe) etp_detach && rec_stop ;;
	etc | etcx | exdp) empty_detach ;;
	esac
	# One line per run as it happens (the summary below repeats everything).
	awk -v m="$MODE" -v r="$RUN" -v c="$COUNTED" -v ncpu="$NCPU" '
		$1 == m && $2 == r { d[$3] = $6 / $4 / 1000; g += $5; p += $4; cpu += $6; rec += $7; sys += $8; w += $9 }
		END { printf "  %-4s run %2d: out %6.3f  in %6.3f  both %6.3f CPU-s/Mpkt  (monitor %4.1f ms, sys %6.3f, others %3.0f%%); received %d of %d, counted %s\n",
			m, r, d["out"], d["in"], cpu / p / 1000, rec / 1e6, sys / p / 1000, 100 * (sys - cpu) / (w * ncpu), g, p, c }' "$TMP/results"
	awk -v m="$MODE" -v r="$RUN" '$1 == m && $2 == r && $5 { printf "        %s %.1f ns per run (%d runs)\n", $3, $4 / $5, $5 }' "$TMP/progstats"
}

# ---- the runs ---------------------------------------------------------------------
MODES=(tc xdp)
if [ "$WITH_EMPTY" = 1 ]; then
	MODES=(tc etcx etc xdp exdp)
	EMPTY=$BUILD/bench/bpf/empty.bpf.o
	[ -r "$EMPTY" ] || die "$EMPTY is missing: build it first (make O=$O $O/bench/bpf/empty.bpf.o)"
	[ -x "$BUILD/bench/empty_tcx" ] || die "$BUILD/bench/empty_tcx is missing: build it first (make O=$O $O/bench/empty_tcx)"
fi
[ -z "$AGAINST" ] || MODES=(tc otc xdp oxdp)
[ "$NO_PROCESS" = 0 ] || MODES=(tc tcnp xdp xdpnp)
if [ "$PROC_FLOOR" = 1 ]; then
	MODES=(tc tcnp tcnpe)
	[ -x "$BUILD/bench/empty_tp" ] || die "$BUILD/bench/empty_tp is missing: build it first (make O=$O $O/bench/empty_tp)"
fi
[ "$PMACCT" = 0 ] || MODES=(tc pmacct)
echo "# datapath cost: $COUNT datagrams of $SIZE B payload (64 B frames with FCS at 18) per direction per run,"
PACE="paced at $RATE/s"
[ "$RATE" != 0 ] || PACE=unpaced
echo "# sendmmsg batch $BATCH, $PACE; the monitor writes every $INTERVAL s; veth $HOST <-> $NS ($H4 <-> $P4); $RUNS cycles of$(printf ' baseline/%s' "${MODES[@]}")"
echo "# $(uname -r), $NCPU CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) at the start"
echo "# CPU-s/Mpkt = CPU seconds per million packets (= us per packet): sender + receiver + ksoftirqd + recorder;"
echo "# sys = whole machine (/proc/stat), others = share of the machine busy with anything else"
: >"$TMP/results"
: >"$TMP/progstats"
if [ "$PROG_STATS" = 1 ]; then
	STATS_WAS=$(sysctl -n kernel.bpf_stats_enabled)
	sysctl -qw kernel.bpf_stats_enabled=1 || die "cannot enable kernel.bpf_stats_enabled"
	echo "# --prog-stats: kernel.bpf_stats_enabled=1 (its clock reads add to every netmon run)"
fi
# One untimed warm-up each way (first-use allocations, caches).
MODE=warm RUN=0 PAIR=0
phase out
phase in
nb=0
for ((c = 1; c <= RUNS; c++)); do
	for m in "${MODES[@]}"; do
		nb=$((nb + 1))
		run_one base "$nb"
		run_one "$m" "$c"
	done
done
run_one base $((nb + 1))
echo "# load average $(cut -d' ' -f1-3 /proc/loadavg) at the end"
[ -z "$AGAINST" ] || echo "# otc, oxdp: $AGAINST/netmon-record (--against)"

# ---- the summary --------------------------------------------------------------------
# Medians per mode and direction; per mode, the median of the ratios of each
# run to the mean of the baseline runs around it, and the ratio of medians.
awk -v runs="$RUNS" -v modes="${MODES[*]}" '
function quot(a, b) { return b > 0 ? sprintf("%.1f", a / b) : "- (netmon added nothing measurable)" }
function median(a, n,    i, j, t) {
	for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
# Per packet (us): CPU for columns 1-3 (out, in, both), the machine for 4.
function per(k, d) { return d == 4 ? sys[k, "both"] / pk[k, "both"] / 1000 : cpu[k, dn[d]] / pk[k, dn[d]] / 1000 }
$1 != "warm" {
	k = $1 SUBSEP $2
	cpu[k, $3] = $6; pk[k, $3] = $4; sys[k, $3] = $8; rec[k, $3] = $7
	cpu[k, "both"] += $6; pk[k, "both"] += $4; sys[k, "both"] += $8; rec[k, "both"] += $7
	pair[k] = $10
}
END {
	dn[1] = "out"; dn[2] = "in"; dn[3] = "both"
	nm = split(modes, ms, " ")
	all[1] = "base"; for (i = 1; i <= nm; i++) all[i + 1] = ms[i]
	printf "\n# medians, CPU-s per million packets (sys both: whole machine, /proc/stat)\n"
	printf "%-5s %9s %9s %9s %10s %12s\n", "mode", "out", "in", "both", "sys both", "monitor ms"
	for (m = 1; m <= nm + 1; m++) {
		mode = all[m]
		n = mode == "base" ? runs * nm + 1 : runs
		line = sprintf("%-5s", mode)
		for (d = 1; d <= 4; d++) {
			delete v
			for (r = 1; r <= n; r++) v[r] = per(mode SUBSEP r, d)
			med[mode, d] = median(v, n)
			line = line sprintf(d == 4 ? " %10.3f" : " %9.3f", med[mode, d])
		}
		delete v
		for (r = 1; r <= n; r++) v[r] = rec[mode SUBSEP r, "both"] / 1e6
		print line sprintf(" %12.1f", median(v, n))
	}
	printf "\n# ratio to baseline: median of the per-cycle ratios (each run / the mean of\n"
	printf "# the baseline runs just before and after it) [ratio of the medians]\n"
	printf "%-5s %15s %15s %15s %15s\n", "mode", "out", "in", "both", "sys both"
	for (m = 2; m <= nm + 1; m++) {
		mode = all[m]
		line = sprintf("%-5s", mode)
		for (d = 1; d <= 4; d++) {
			delete v
			for (r = 1; r <= runs; r++) {
				k = mode SUBSEP r
				v[r] = per(k, d) / ((per("base" SUBSEP pair[k], d) + per("base" SUBSEP (pair[k] + 1), d)) / 2)
			}
			line = line sprintf("  %5.3f [%5.3f]", median(v, runs), med[mode, d] / med["base", d])
		}
		print line
	}
	printf "# tc, xdp: netmon-record attached (--hook tc / --hook xdp); goal: both <= 1.10\n"
	printf "\n# added, CPU-s per million packets: median of the per-cycle differences\n"
	printf "# (each run - the mean of the baseline runs just before and after it)\n"
	printf "%-6s %9s %9s\n", "mode", "both", "sys both"
	for (m = 2; m <= nm + 1; m++) {
		mode = all[m]
		for (d = 3; d <= 4; d++) {
			delete v
			for (r = 1; r <= runs; r++) {
				k = mode SUBSEP r
				v[r] = per(k, d) - (per("base" SUBSEP pair[k], d) + per("base" SUBSEP (pair[k] + 1), d)) / 2
			}
			add[mode, d] = median(v, runs)
		}
		printf "%-6s %9.3f %9.3f\n", mode, add[mode, 3], add[mode, 4]
	}
	if (modes ~ /pmacct/)
		printf "pmacctd / netmon (added): both %s, sys both %s\n", quot(add["pmacct", 3], add["tc", 3]), quot(add["pmacct", 4], add["tc", 4])
	if (modes ~ /tcnpe/) printf "# tcnp: --no-process; tcnpe: --no-process and empty programs on the socket tracepoints (tcnpe - tcnp: their floor; tc - tcnpe: what netmon'"'"'s per-process programs add to it)\n"
	if (modes ~ /etc/) printf "# etcx, etc, exdp: empty programs on the same hooks, tcx links, clsact filters, XDP (the hooks'"'"' own cost)\n"
}' "$TMP/results"

# --prog-stats: the kernel's time per run of each program, median over runs.
[ -s "$TMP/progstats" ] || exit 0
awk '
{ k = $1 " " $3; n[k]++; v[k, n[k]] = $5 ? $4 / $5 : 0; runs[k] += $5 }
END {
	printf "\n# netmon programs in this datapath (kernel bpf_stats), median ns per run\n"
	for (k in n) {
		m = n[k]
		for (i = 1; i <= m; i++) a[i] = v[k, i]
		for (i = 2; i <= m; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
		printf "%-4s %-8s %7.1f ns  (%d runs of the program)\n", substr(k, 1, index(k, " ") - 1), substr(k, index(k, " ") + 1), m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2, runs[k]
	}
}' "$TMP/progstats" | sort
