#!/usr/bin/env bash
# export_pacing.sh - what pacing (--ipfix-rate) does for a collector with an
# ordinary receive buffer: one interval of FLOWS flow rows (an import of a
# capture tests/e2e/make-flows.py generates) sent by `netmon-report export`
# to Debian's nfcapd on 127.0.0.1 with its default buffer (no -B), once per
# RATE (messages a second; 0: at once). Prints per rate the export's wall
# time, the flows nfcapd logged of those in the database and its sequence
# errors. Root (the import loads the BPF program). Figures only: never
# fails on a number.
#
#   O=build bench/export_pacing.sh [FLOWS [RATE...]] (default 120000 0 3000 10000 20000)
set -euo pipefail
O=${O:-build}
cd "$(dirname "$0")/.."
FLOWS=${1:-120000}
shift || true
RATES=("$@")
[ ${#RATES[@]} -gt 0 ] || RATES=(0 3000 10000 20000)
DIR=$(mktemp -d)
PROG=export_pacing.sh
# shellcheck source=bench/nfcapd.bash
. bench/nfcapd.bash

python3 tests/e2e/make-flows.py "$DIR/f.pcap" $((FLOWS * 5 / 6)) $((FLOWS - FLOWS * 5 / 6))
"$O/netmon-record" --read "$DIR/f.pcap" --db "$DIR/f.db" -i gen --interval 60 \
	--max-flows $((FLOWS + 1000)) 2>/dev/null
echo "net.core.rmem_default: $(sysctl -n net.core.rmem_default) bytes; load: $(cut -d' ' -f1-3 /proc/loadavg)"
for rate in "${RATES[@]}"; do
	# shellcheck disable=SC2119 # no arguments: nfcapd's default buffer (no -B)
	nfcapd_start
	start=$(date +%s.%N)
	"$O/netmon-report" --db "$DIR/f.db" export --ipfix "127.0.0.1:$port" --ipfix-rate "$rate" >/dev/null
	end=$(date +%s.%N)
	nfcapd_stop
	printf 'rate %6s msg/s: export %6.2f s, %7d flows at nfcapd of %d, %d sequence errors\n' \
		"$rate" "$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')" "$got" "$FLOWS" "$seqerr"
done
