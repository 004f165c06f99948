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
nf_pid=

cleanup() {
	[ -n "$nf_pid" ] && kill -TERM "$nf_pid" 2>/dev/null && wait "$nf_pid" 2>/dev/null
	rm -rf "$DIR"
}
trap cleanup EXIT

command -v nfcapd >/dev/null || {
	echo "export_pacing.sh: error: nfcapd is missing: scripts/install-deps.sh installs nfdump" >&2
	exit 1
}
python3 tests/e2e/make-flows.py "$DIR/f.pcap" $((FLOWS * 5 / 6)) $((FLOWS - FLOWS * 5 / 6))
"$O/netmon-record" --read "$DIR/f.pcap" --db "$DIR/f.db" -i gen --interval 60 \
	--max-flows $((FLOWS + 1000)) 2>/dev/null
echo "net.core.rmem_default: $(sysctl -n net.core.rmem_default) bytes; load: $(cut -d' ' -f1-3 /proc/loadavg)"
for rate in "${RATES[@]}"; do
	port=
	for _ in $(seq 50); do
		p=$((20000 + RANDOM % 20000))
		if [ -z "$(ss -Hlun "sport = :$p")" ]; then
			port=$p
			break
		fi
	done
	[ -n "$port" ] || { echo "export_pacing.sh: error: no free UDP port" >&2; exit 1; }
	rm -rf "$DIR/nf" && mkdir "$DIR/nf"
	nfcapd -w "$DIR/nf" -b 127.0.0.1 -p "$port" -t 86400 2>"$DIR/nfcapd.err" &
	nf_pid=$!
	for _ in $(seq 100); do
		grep -q 'Startup nfcapd' "$DIR/nfcapd.err" && break
		sleep 0.1
	done
	start=$(date +%s.%N)
	"$O/netmon-report" --db "$DIR/f.db" export --ipfix "127.0.0.1:$port" --ipfix-rate "$rate" >/dev/null
	end=$(date +%s.%N)
	# Stop nfcapd once it has read everything (Recv-Q empty; bounded: 60 s).
	for _ in $(seq 600); do
		[ "$(ss -Hlun "sport = :$port" | awk '{ print $2 }')" = 0 ] && break
		sleep 0.1
	done
	kill -TERM "$nf_pid"
	wait "$nf_pid" || true
	nf_pid=
	got=$(sed -n 's/.*Flows: \([0-9]*\),.*/\1/p' "$DIR/nfcapd.err" | awk '{ n += $1 } END { print n + 0 }')
	seqerr=$(sed -n 's/.*Sequence Errors: \([0-9]*\).*/\1/p' "$DIR/nfcapd.err" | awk '{ n += $1 } END { print n + 0 }')
	printf 'rate %6s msg/s: export %6.2f s, %7d flows at nfcapd of %d, %d sequence errors\n' \
		"$rate" "$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')" "$got" "$FLOWS" "$seqerr"
done
