#!/usr/bin/env bash
# pmacct_side.sh - netmon side by side with Debian's pmacctd (libpcap and its
# sqlite3 plugin, the classic packet-capture flow accountant) on the same UDP
# flood across a veth pair (issue 18): CPU seconds per million packets that
# each adds to the machine, and their ratio.
#
#   bench/pmacct_side.sh [--runs N] [--count N] [--rate PPS]
#
#   --runs   repetitions (default 5); each is a baseline run with no
#            monitor, netmon-record (--hook tc), a baseline, pmacctd
#   --count  datagrams per direction per run (default 500000: 1M packets a
#            run; the issue's 3M is --count 1500000). 21 runs per flood:
#            on a 2-CPU machine under load 15, --count 100000 took 15 min
#            for both floods (bench/RESULTS.md)
#   --rate   the paced flood's datagrams per second (default 300000)
#
# Two floods, each --runs repetitions: paced at --rate, then as fast as the
# sender goes. 18-byte payloads (60-byte frames), one send() per datagram
# (the common case of a UDP application; the per-process programs run once
# per call). The runs are bench/datapath.sh --pmacct, which sets up the
# namespace and veth, starts each monitor in a cgroup of its own and counts
# the CPU of the sender, the receiver, ksoftirqd and the monitor ("both"),
# and the whole machine from /proc/stat ("sys both": meaningful only when
# nothing else runs, see its "others" column). "added" is the median over
# repetitions of each monitor's run minus the mean of the baseline runs
# around it; "counted" on each run line is what the monitor stored of the
# flood (pmacctd may drop packets at full speed, which would flatter it).
#
# O (default build) names the build directory, as for bench/datapath.sh.
# Needs root and pmacctd (scripts/install-deps.sh installs pmacct).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
RUNS=5 COUNT=500000 RATE=300000
usage() {
	sed -n '7,15p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 64
}
while [ $# -gt 0 ]; do
	case $1 in
	--runs) RUNS=${2:-} ;;
	--count) COUNT=${2:-} ;;
	--rate) RATE=${2:-} ;;
	-h | --help) usage ;;
	*) echo "pmacct_side.sh: unknown argument '$1'" >&2 && usage ;;
	esac
	[[ ${2:-} =~ ^[1-9][0-9]*$ ]] || { echo "pmacct_side.sh: $1 needs a positive number" >&2 && usage; }
	shift 2
done

LOG=$(mktemp "${TMPDIR:-/tmp}/netmon-pmacct-side.XXXXXX")
trap 'rm -f "$LOG"' EXIT

echo "# pmacct_side: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs, $(uname -r)"
echo "# $RUNS repetitions x $((2 * COUNT)) packets (18 B payload, one send() each) per run"
declare -A ADDED
for rate in "$RATE" 0; do
	what="paced at $rate/s"
	[ "$rate" != 0 ] || what="unpaced"
	echo
	echo "## $what; uptime: $(uptime)"
	"$HERE/datapath.sh" --pmacct --runs "$RUNS" --count "$COUNT" --batch 1 --rate "$rate" | tee "$LOG"
	echo "## uptime: $(uptime)"
	# "tc 1.234 5.678" and "pmacct ...": the added CPU-s per Mpkt, both and sys.
	ADDED[$rate]=$(awk '/^# added,/ { on = 1 } on && ($1 == "tc" || $1 == "pmacct") { printf "%s %s %s\n", $1, $2, $3 }' "$LOG")
done

echo
echo "# CPU-s per million packets added (medians of $RUNS); sys = whole machine"
printf '%-16s %10s %10s %8s %10s %10s %8s\n' flood "netmon" "pmacctd" ratio "netmon sys" "pmacct sys" ratio
for rate in "$RATE" 0; do
	what="$rate pps"
	[ "$rate" != 0 ] || what="full speed"
	awk -v w="$what" '
		{ a[$1, 1] = $2; a[$1, 2] = $3 }
		function q(x, y) { return y > 0 ? sprintf("%.1f", x / y) : "-" }
		END { printf "%-16s %10.3f %10.3f %8s %10.3f %10.3f %8s\n", w, a["tc", 1], a["pmacct", 1],
			q(a["pmacct", 1], a["tc", 1]), a["tc", 2], a["pmacct", 2], q(a["pmacct", 2], a["tc", 2]) }' <<<"${ADDED[$rate]}"
done
