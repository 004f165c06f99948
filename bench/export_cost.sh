#!/usr/bin/env bash
# export_cost.sh - export_cost (bench/export_cost.c) beside a real collector:
# Debian's nfcapd on 127.0.0.1, on the same two cores, so that the records
# the exporter sent are counted where a site would receive them.
#
# What the goal (<= 0.2) measures, per round of ROUNDS (round 0, every
# conversation new, apart): an interval of FLOWS IPv4 UDP flows is written
# (store_write_interval, the COMMIT included: "write", wall time), then
# exported as the recorder does right after its commit (exporter_committed
# + exporter_run: encode, send to nfcapd, store the counts and the
# watermark) at RATE messages a second (--ipfix-rate; default 3000, the
# recorder's). The export's work is its wall time less the time it slept
# waiting for the pacing's schedule: that wait is the rate limit a
# collector needs (docs/ipfix.md, "Pacing"), not work, and the recorder
# spends it between intervals. The figure is the median of work / write;
# the export's CPU (user + system: encoding, sendmmsg and the loopback's
# delivery into nfcapd's socket) against the write's CPU, and the whole
# wall time with the waits, are printed beside it.
#
# Honest only if nfcapd got everything: the records the exporter stored as
# sent (collector_log.ipfix_records, every round) against the flows nfcapd
# logged and `nfdump -I` counts in its file, the messages sent against the
# datagrams nfcapd's socket dropped (ss -m), and its sequence errors. With
# NFCAPD_BUF nfcapd gets -B NFCAPD_BUF (capped by net.core.rmem_max).
# Root (export_cost's socket buffer). Figures only: never fails on a number.
#
#   O=build bench/export_cost.sh [FLOWS [ROUNDS [RATE [NFCAPD_BUF]]]]
#   (default 1000000 5 3000, nfcapd's default buffer)
set -euo pipefail
O=${O:-build}
cd "$(dirname "$0")/.."
FLOWS=${1:-1000000}
ROUNDS=${2:-5}
RATE=${3:-3000}
BUF=${4:-}
BIN=$O/bench/export_cost
DIR=$(mktemp -d)
PROG=export_cost.sh
# shellcheck source=bench/nfcapd.bash
. bench/nfcapd.bash

echo "$(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs; load before: $(uptime | sed 's/.*load average: //')"
echo "net.core.rmem_default $(sysctl -n net.core.rmem_default), rmem_max $(sysctl -n net.core.rmem_max); nfcapd ${BUF:+-B $BUF}"
if [ -n "$BUF" ]; then
	nfcapd_start -B "$BUF"
else
	# shellcheck disable=SC2119 # no arguments: nfcapd's default buffer
	nfcapd_start
fi
rate=()
[ "$RATE" = 0 ] || rate=(--rate "$RATE")
"$BIN" "${rate[@]}" "$FLOWS" "$ROUNDS" "127.0.0.1:$port" | tee "$DIR/out"
sent=$(sed -n 's/^sent: \([0-9]*\) records.*/\1/p' "$DIR/out")
messages=$(sed -n 's/^sent: .* in \([0-9]*\) messages/\1/p' "$DIR/out")
# The export is synchronous: every message is in nfcapd's socket or dropped now.
nfcapd_stop
stat=$(nfdump -I -R "$DIR/flows" 2>/dev/null)
nf_flows=$(sed -n 's/^Flows: *\([0-9]*\)$/\1/p' <<<"$stat" | awk '{ n += $1 } END { print n + 0 }')
nf_seq=$(sed -n 's/^Sequence failures: *\([0-9]*\)$/\1/p' <<<"$stat" | awk '{ n += $1 } END { print n + 0 }')
verdict="LOST SOME"
[ "$got" = "$sent" ] && [ "$nf_flows" = "$sent" ] && [ "$drops" = 0 ] && [ "$seqerr" = 0 ] &&
	verdict="all received"
echo "nfcapd: $got flows logged, $nf_flows in its file (nfdump -I) of $sent records sent;" \
	"$messages messages sent, $drops dropped at its socket; $seqerr sequence errors" \
	"($nf_seq in the file): $verdict"
echo "load after: $(uptime | sed 's/.*load average: //')"
