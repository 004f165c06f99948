#!/usr/bin/env bash
# run-all.sh - run every benchmark and print its figures (ratios and medians
# measured in this run). Needs root. Copy the output into bench/RESULTS.md.
set -euo pipefail
O=${O:-build}
cd "$(dirname "$0")/.."
echo "## prog_cost: per-packet cost through BPF_PROG_TEST_RUN"
echo '$ '"$O/bench/prog_cost"
"$O/bench/prog_cost"
echo
echo "## datapath: CPU time per million packets through a veth pair, with and without netmon"
echo '$ '"O=$O bench/datapath.sh"
O=$O bench/datapath.sh
echo
echo "## pmacct_side: CPU added per million packets by netmon and by pmacctd (libpcap + sqlite3) on the same flood"
echo '$ '"O=$O bench/pmacct_side.sh"
O=$O bench/pmacct_side.sh
echo
echo "## send_cost: per-process accounting cost per send() (and per event, bpf_stats)"
echo '$ '"O=$O bench/send_cost.sh 9 300000"
O=$O bench/send_cost.sh 9 300000
echo
echo "## send_cost, worst case for the per-CPU cache of the last key: 2 sockets in turn"
echo '$ '"O=$O bench/send_cost.sh 9 300000 2"
O=$O bench/send_cost.sh 9 300000 2
echo
echo "## snapshot_cost: hold and release of 100k/1M/2M flows vs a bare scan of the tables"
echo '$ '"$O/bench/snapshot_cost"
"$O/bench/snapshot_cost"
echo
echo "## recorder_cpu: the recorder's CPU per interval, idle and under a flood, with perf's profile"
echo '$ '"O=$O bench/recorder_cpu.sh --secs 10"
O=$O bench/recorder_cpu.sh --secs 10
echo
echo "## store_cost: an interval of 1M flows from the kernel into SQLite, vs a bare insert (and 1M flows from 1M new addresses); bytes per row"
echo '$ '"$O/bench/store_cost 1000000 3"
"$O/bench/store_cost" 1000000 3
echo
echo "## export_cost: IPFIX export of an interval of 1M flows vs its SQLite write; messages received at a local socket"
echo '$ '"$O/bench/export_cost 1000000 3"
"$O/bench/export_cost" 1000000 3
echo
echo "## export_cost with a real collector: records sent vs flows received at nfcapd -B 200000000"
echo '$ '"O=$O bench/export_cost.sh 1000000 3"
O=$O bench/export_cost.sh 1000000 3
echo
echo "## export_pacing: one interval's flows to nfcapd with its default buffer, per --ipfix-rate"
echo '$ '"O=$O bench/export_pacing.sh 120000 0 3000 10000 20000"
O=$O bench/export_pacing.sh 120000 0 3000 10000 20000
echo
echo "## history_queries: report commands over a generated 30-day history (2,000 flows/minute)"
echo '$ '"O=$O bench/history_queries.sh 30 2000 5"
O=$O bench/history_queries.sh 30 2000 5
echo
echo "## anomalies: every rule judging raw rows, one day and 7 days (2,000 flows/minute)"
echo '$ '"O=$O bench/anomalies.sh 2000 5"
O=$O bench/anomalies.sh 2000 5
