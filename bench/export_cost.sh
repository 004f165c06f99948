#!/usr/bin/env bash
# export_cost.sh - export_cost (bench/export_cost.c) with a real collector:
# Debian's nfcapd on 127.0.0.1 with a 200 MB receive buffer (-B), so that the
# records the exporter sent are counted where a site would receive them.
# Prints export_cost's figures, then the flows nfcapd logged (summed over its
# "Flows:" lines) against the records sent, and its sequence errors (a lost
# message is a jump in the IPFIX sequence numbers). Root (export_cost's
# socket buffer). Figures only: never fails on a number.
#
#   O=build bench/export_cost.sh [FLOWS] [ROUNDS]
set -euo pipefail
O=${O:-build}
cd "$(dirname "$0")/.."
FLOWS=${1:-1000000}
ROUNDS=${2:-3}
BIN=$O/bench/export_cost
DIR=$(mktemp -d)
nf_pid=

cleanup() {
	[ -n "$nf_pid" ] && kill -TERM "$nf_pid" 2>/dev/null && wait "$nf_pid" 2>/dev/null
	rm -rf "$DIR"
}
trap cleanup EXIT

command -v nfcapd >/dev/null || {
	echo "export_cost.sh: error: nfcapd is missing: scripts/install-deps.sh installs nfdump" >&2
	exit 1
}
# A UDP port nobody listens on (bounded: 50 tries).
port=
for _ in $(seq 50); do
	p=$((20000 + RANDOM % 20000))
	if [ -z "$(ss -Hlun "sport = :$p")" ]; then
		port=$p
		break
	fi
done
[ -n "$port" ] || { echo "export_cost.sh: error: no free UDP port" >&2; exit 1; }

mkdir "$DIR/flows"
# One file for the whole run (-t): its flows are logged when nfcapd stops.
nfcapd -w "$DIR/flows" -b 127.0.0.1 -p "$port" -B 200000000 -t 86400 2>"$DIR/nfcapd.err" &
nf_pid=$!
for _ in $(seq 100); do
	grep -q 'Startup nfcapd' "$DIR/nfcapd.err" && break
	kill -0 "$nf_pid" 2>/dev/null || break
	sleep 0.1
done
grep -q 'Startup nfcapd' "$DIR/nfcapd.err" || {
	echo "export_cost.sh: error: nfcapd did not start: $(tail -1 "$DIR/nfcapd.err")" >&2
	exit 1
}

"$BIN" "$FLOWS" "$ROUNDS" "127.0.0.1:$port" | tee "$DIR/out"
sent=$(sed -n 's/.*records sent \([0-9]*\),.*/\1/p' "$DIR/out" | awk '{ n += $1 } END { print n + 0 }')
# The export is synchronous: every message is in nfcapd's buffer now. Stop
# it once it has read them all (its Recv-Q empty; bounded: 60 s), so that
# the flows it logs at exit are all it got.
for _ in $(seq 600); do
	[ "$(ss -Hlun "sport = :$port" | awk '{ print $2 }')" = 0 ] && break
	sleep 0.1
done
kill -TERM "$nf_pid"
wait "$nf_pid" || true
nf_pid=
got=$(sed -n 's/.*Flows: \([0-9]*\),.*/\1/p' "$DIR/nfcapd.err" | awk '{ n += $1 } END { print n + 0 }')
seqerr=$(sed -n 's/.*Sequence Errors: \([0-9]*\).*/\1/p' "$DIR/nfcapd.err" | awk '{ n += $1 } END { print n + 0 }')
echo "nfcapd -B 200000000: $got flows received of $sent records sent, $seqerr sequence errors"
