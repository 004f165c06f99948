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
PROG=export_cost.sh
# shellcheck source=bench/nfcapd.bash
. bench/nfcapd.bash

nfcapd_start -B 200000000
"$BIN" "$FLOWS" "$ROUNDS" "127.0.0.1:$port" | tee "$DIR/out"
sent=$(sed -n 's/.*records sent \([0-9]*\),.*/\1/p' "$DIR/out" | awk '{ n += $1 } END { print n + 0 }')
# The export is synchronous: every message is in nfcapd's buffer now.
nfcapd_stop
echo "nfcapd -B 200000000: $got flows received of $sent records sent, $seqerr sequence errors"
