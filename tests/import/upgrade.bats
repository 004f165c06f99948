#!/usr/bin/env bats
# A database written by an earlier netmon (schema version 2, checked in as
# tests/fixtures/netmon-v2.db with its views dumped to CSV by that version)
# opens, upgrades in place and keeps every row: after an import into it, the
# old rows read back through the documented views exactly as before, and the
# rollups made from them add up to the same totals.

O=${O:-build}
PCAPS=${NETMON_PCAPS:-$BATS_TEST_DIRNAME/../../../shared/pcaps}
FIXTURES=$BATS_TEST_DIRNAME/../fixtures

setup() {
	DB=$BATS_TEST_TMPDIR/old.db
	cp "$FIXTURES/netmon-v2.db" "$DB"
}

# old_rows VIEW WHERE [COLUMNS]: the rows as the fixture's CSV has them.
old_rows() {
	sqlite3 -csv -header "$DB" "SELECT ${3:-*} FROM $1 WHERE $2 ORDER BY 1, 2, 3, 4, 5, 6, 7"
}

@test "a version 2 database upgrades in place with its rows intact" {
	[ "$(sqlite3 "$DB" 'PRAGMA user_version')" -eq 2 ]
	run "$O/netmon-record" --read "$PCAPS/DnsPackets.pcap" -i dns --db "$DB"
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	[ "$(sqlite3 "$DB" 'PRAGMA user_version')" -gt 2 ]
	[ "$(sqlite3 "$DB" 'PRAGMA integrity_check')" = ok ]
	diff -u "$FIXTURES/netmon-v2.flow_log.csv" <(old_rows flow_log "interface <> 'dns'")
	# (0016 added syn, fin, rst and tcp_flags after the fixture's columns.)
	diff -u "$FIXTURES/netmon-v2.traffic_log.csv" <(old_rows traffic_log "interface <> 'dns'" \
		"ts_start, ts_end, interface, direction, protocol, packets, bytes, family")
	# the new import is there too, after the old rows
	[ "$(sqlite3 "$DB" "SELECT count(*) FROM flow_log WHERE interface = 'dns'")" -gt 0 ]
}

@test "the upgraded history is rolled up: hourly totals equal the raw ones" {
	run "$O/netmon-record" --read "$PCAPS/DnsPackets.pcap" -i dns --db "$DB"
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	raw=$(sqlite3 "$DB" "SELECT count(*), sum(bytes) FROM traffic_log
		WHERE ts_start < (SELECT value FROM meta WHERE key = 'rolled_until_1')")
	hourly=$(sqlite3 "$DB" "SELECT count(*) > 0, sum(bytes) FROM traffic_hourly")
	echo "raw $raw hourly $hourly"
	[ "${raw#*|}" = "${hourly#*|}" ]
	[ "${hourly%|*}" = 1 ]
}

@test "collector health of the old intervals survives the upgrade" {
	run "$O/netmon-record" --read "$PCAPS/DnsPackets.pcap" -i dns --db "$DB"
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	# The fixture's columns (0006_sampling.sql added three after them, 0007 two, 0008 two, 0010 two, 0011 two).
	diff -u "$FIXTURES/netmon-v2.collector_log.csv" \
		<(sqlite3 -csv -header "$DB" "SELECT ts_start, ts_end, active_flows, table_full,
			malformed, non_ip, snapshot_ms, write_ms FROM collector_log
			WHERE ts_start < 1400000000 -- the fixture's captures are from 2006 and 2010,
			ORDER BY 1, 2, 3, 4, 5, 6, 7") # DnsPackets.pcap from 2014
	# Old intervals had no sampling.
	[ "$(sqlite3 "$DB" "SELECT count(*) FROM collector_log
		WHERE sample_rate + samples + sample_drops > 0")" -eq 0 ]
	# Nor a count of socket bytes left out of processes (0007): 0, not NULL.
	[ "$(sqlite3 "$DB" "SELECT count(*) FROM collector_log
		WHERE process_table_full_calls = 0 AND process_table_full_bytes = 0")" -eq \
		"$(sqlite3 "$DB" "SELECT count(*) FROM intervals")" ]
	# Nor frames an import could not count (0008): 0, not NULL.
	[ "$(sqlite3 "$DB" "SELECT count(*) FROM collector_log
		WHERE not_counted = 0 AND not_counted_bytes = 0")" -eq \
		"$(sqlite3 "$DB" "SELECT count(*) FROM intervals")" ]
	# Nor an IPFIX export (0010): 0, not NULL.
	[ "$(sqlite3 "$DB" "SELECT count(*) FROM collector_log
		WHERE ipfix_records = 0 AND ipfix_send_errors = 0")" -eq \
		"$(sqlite3 "$DB" "SELECT count(*) FROM intervals")" ]
	# Nor DNS messages (0011): 0, not NULL; the import's own intervals read some.
	[ "$(sqlite3 "$DB" "SELECT count(*) FROM collector_log
		WHERE dns_messages = 0 AND dns_dropped = 0 AND ts_start < 1400000000")" -eq \
		"$(sqlite3 "$DB" "SELECT count(*) FROM intervals WHERE ts_start < 1400000000")" ]
	[ "$(sqlite3 "$DB" "SELECT sum(dns_messages) FROM collector_log")" -gt 0 ]
	# Nor packets left out by capture filters (0012): 0, not NULL.
	[ "$(sqlite3 "$DB" "SELECT count(*) FROM collector_log
		WHERE excluded = 0 AND excluded_bytes = 0")" -eq \
		"$(sqlite3 "$DB" "SELECT count(*) FROM intervals")" ]
	# Nor DNS messages over TCP not whole in a segment (0014): 0, not NULL.
	[ "$(sqlite3 "$DB" "SELECT count(*) FROM collector_log
		WHERE dns_tcp_split = 0 AND ts_start < 1400000000")" -eq \
		"$(sqlite3 "$DB" "SELECT count(*) FROM intervals WHERE ts_start < 1400000000")" ]
	[ "$(sqlite3 "$DB" "SELECT count(*) FROM collector_log WHERE dns_tcp_split IS NULL")" -eq 0 ]
	# Nor TLS ClientHellos (0015): 0, not NULL (the capture has none).
	[ "$(sqlite3 "$DB" "SELECT count(*) FROM collector_log
		WHERE tls_hellos = 0 AND tls_dropped = 0")" -eq \
		"$(sqlite3 "$DB" "SELECT count(*) FROM intervals")" ]
}

@test "old process rows have no cgroup, service or user after the upgrade (0011)" {
	# A process row as version 2 wrote it: no cgroup or uid was recorded then.
	sqlite3 "$DB" "INSERT INTO process_names (name) VALUES ('oldproc');
		INSERT INTO processes (interval_id, pid, comm_id, family, protocol,
			remote_port, local_port, bytes_sent, bytes_recv, sends, recvs)
		SELECT min(id), 42, last_insert_rowid(), 4, 17, 0, 53, 10, 20, 1, 1 FROM intervals"
	run "$O/netmon-record" --read "$PCAPS/DnsPackets.pcap" -i dns --db "$DB"
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	[ "$(sqlite3 "$DB" "SELECT pid, comm, bytes_sent, bytes_recv FROM process_log
		WHERE comm = 'oldproc'")" = "42|oldproc|10|20" ]
	[ "$(sqlite3 "$DB" "SELECT count(*) FROM process_log
		WHERE cgroup IS NOT NULL OR service IS NOT NULL OR user IS NOT NULL")" -eq 0 ]
	# Names came with the import (DnsPackets.pcap, 2014), none for the old rows.
	[ "$(sqlite3 "$DB" "SELECT count(*) FROM host_names WHERE first_seen < 1400000000")" -eq 0 ]
	# Rolled up per service and user: the old rows as "none known" (service
	# 0, uid -1), the hourly totals those of the raw rows.
	raw=$(sqlite3 "$DB" "SELECT count(*), sum(bytes_sent), sum(bytes_recv) FROM process_log
		WHERE ts_start < (SELECT value FROM meta WHERE key = 'rolled_until_1')")
	hourly=$(sqlite3 "$DB" "SELECT count(*) > 0, sum(bytes_sent), sum(bytes_recv)
		FROM rollup_services WHERE level = 1 AND service_id = 0 AND uid = -1")
	echo "raw $raw hourly $hourly"
	[ "${raw%%|*}" -gt 0 ]
	[ "${raw#*|}" = "${hourly#*|}" ]
	[ "$(sqlite3 "$DB" "SELECT count(*) FROM rollup_services WHERE level = 1
		AND (service_id <> 0 OR uid <> -1)")" -eq 0 ]
}

@test "old intervals are of unknown origin after the upgrade (0013): no gap, imports told apart" {
	old=$(sqlite3 "$DB" 'SELECT count(*) FROM intervals')
	run "$O/netmon-record" --read "$PCAPS/DnsPackets.pcap" -i dns --db "$DB"
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	# Written before 0013: NULL, not a guess; the import's own: 0 (not live).
	[ "$(sqlite3 "$DB" 'SELECT count(*) FROM intervals WHERE live IS NULL')" -eq "$old" ]
	[ "$(sqlite3 "$DB" 'SELECT count(*) FROM intervals WHERE live = 0')" -eq \
		"$(sqlite3 "$DB" "SELECT count(DISTINCT ts_start) FROM flow_log WHERE interface = 'dns'")" ]
	[ "$(sqlite3 "$DB" 'SELECT count(*) FROM intervals WHERE live = 1')" -eq 0 ]
	# No gap, and collector_log says 0 for every interval, not NULL.
	[ "$(sqlite3 "$DB" 'SELECT count(*) FROM gap_log')" -eq 0 ]
	[ "$(sqlite3 "$DB" 'SELECT count(*) FROM collector_log WHERE gap_before = 0')" -eq \
		"$(sqlite3 "$DB" 'SELECT count(*) FROM intervals')" ]
}

@test "old totals have no TCP flag counts after the upgrade (0016): NULL, and the import's are counted" {
	old=$(sqlite3 "$DB" 'SELECT count(*) FROM traffic')
	run "$O/netmon-record" --read "$PCAPS/tcpreplay-test.pcap" -i tcp --db "$DB"
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	# Written before 0016: unknown, not 0.
	[ "$(sqlite3 "$DB" "SELECT count(*) FROM traffic_log WHERE interface <> 'tcp'
		AND syn IS NULL AND fin IS NULL AND rst IS NULL AND tcp_flags IS NULL")" -eq \
		"$(sqlite3 "$DB" "SELECT count(*) FROM traffic_log WHERE interface <> 'tcp'")" ]
	[ "$(sqlite3 "$DB" "SELECT count(*) FROM traffic t JOIN interfaces n ON n.id = t.iface_id
		WHERE n.name <> 'tcp' AND t.syn IS NULL")" -eq "$old" ]
	# The import's TCP totals: every SYN, FIN and RST of its flows, the flags ORed.
	[ "$(sqlite3 "$DB" "SELECT sum(syn) > 0, sum(fin) > 0 FROM traffic_log
		WHERE interface = 'tcp' AND protocol = 6")" = "1|1" ]
	[ "$(sqlite3 "$DB" "SELECT sum(syn), sum(fin), sum(rst) FROM traffic_log
		WHERE interface = 'tcp' AND protocol = 6")" = \
		"$(sqlite3 "$DB" "SELECT sum(syn), sum(fin), sum(rst) FROM flow_log
		WHERE interface = 'tcp' AND protocol = 6")" ]
	[ "$(sqlite3 "$DB" "SELECT count(*) FROM traffic_log WHERE interface = 'tcp' AND protocol = 6
		AND tcp_flags <> (SELECT sum(DISTINCT f.tcp_flags & b.bit) FROM flow_log f,
			(SELECT 1 AS bit UNION SELECT 2 UNION SELECT 4 UNION SELECT 8 UNION SELECT 16
			 UNION SELECT 32 UNION SELECT 64 UNION SELECT 128) b
			WHERE f.interface = 'tcp' AND f.protocol = 6 AND f.ts_start = traffic_log.ts_start
			AND f.direction = traffic_log.direction AND f.family = traffic_log.family)")" -eq 0 ]
	# Kinds that count no flags (malformed, non-IP) stay NULL.
	[ "$(sqlite3 "$DB" "SELECT count(*) FROM traffic WHERE kind IN (1, 2, 4, 5, 6)
		AND syn IS NOT NULL")" -eq 0 ]
}

@test "old intervals have no lateness after the upgrade (0017): NULL, an import's own 0" {
	old=$(sqlite3 "$DB" 'SELECT count(*) FROM intervals')
	run "$O/netmon-record" --read "$PCAPS/DnsPackets.pcap" -i dns --db "$DB"
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	# Written before 0017: NULL, not a guess; an import flips on time.
	[ "$(sqlite3 "$DB" 'SELECT count(*) FROM collector_log WHERE late_ms IS NULL')" -eq "$old" ]
	[ "$(sqlite3 "$DB" 'SELECT count(*) FROM collector_log WHERE late_ms = 0')" -eq \
		"$(sqlite3 "$DB" 'SELECT count(*) FROM intervals WHERE live = 0')" ]
	[ "$(sqlite3 "$DB" 'SELECT count(*) FROM intervals WHERE live = 0')" -gt 0 ]
}

# upgrade_from DB VERSION: DB made as it was at schema VERSION (17 to 23),
# what the later migrations (0018-0024) added dropped, then upgraded
# by an import: it must succeed and reach VERSION + 1 at least. A new
# migration of these tables adds its line here, not to every case.
upgrade_from() {
	local db=$1 v=$2 sql="" out
	# 0024: the flows' request mark, and 0009's view of server ports again.
	[ "$v" -ge 24 ] || sql+="DROP VIEW flow_server_ports;
		$(sed -n '/^CREATE VIEW flow_server_ports AS/,/^);$/p' "$BATS_TEST_DIRNAME/../../sql/0009_server_ports.sql")
		ALTER TABLE flows DROP COLUMN syn_request;"
	[ "$v" -ge 23 ] || sql+="DROP TABLE probe_prev_unknown;
		ALTER TABLE interval_udp_probes DROP COLUMN prev_ts;
		ALTER TABLE interval_udp_probes DROP COLUMN host_prev_ts;"
	[ "$v" -ge 22 ] || sql+="DROP TABLE contact_runs;"
	if [ "$v" -lt 19 ]; then
		sql+="DROP TABLE interval_contacts;"
	elif [ "$v" -lt 21 ]; then
		sql+="ALTER TABLE interval_contacts DROP COLUMN gap_ms;
			ALTER TABLE interval_contacts DROP COLUMN gap5_ms;"
	fi
	[ "$v" -ge 20 ] || sql+="DROP TABLE interval_syn;"
	[ "$v" -ge 18 ] || sql+="DROP TABLE interval_dst; DROP TABLE interval_out;
		DROP TABLE interval_udp_probes;"
	sqlite3 "$db" "$sql PRAGMA user_version = $v"
	out=$("$O/netmon-record" --read "$PCAPS/ip4_fragments.pcap" -i frag --db "$db" 2>&1) ||
		{ echo "$out"; return 1; }
	[ "$(sqlite3 "$db" 'PRAGMA user_version')" -ge $((v + 1)) ]
}

# agg_rows TABLE [MAX_ID]: the anomaly aggregates (0018) by interval start
# and address text, of the intervals with ids up to MAX_ID (default all).
agg_rows() {
	local upto=${2:-9223372036854775807}
	if [ "$1" = dst ]; then
		sqlite3 -csv "$DB" "SELECT i.ts_start, a.text, d.sources, d.packets, d.bytes
			FROM interval_dst d JOIN intervals i ON i.id = d.interval_id
			JOIN addresses a ON a.id = d.dst_id WHERE i.id <= $upto ORDER BY 1, 2"
	elif [ "$1" = udp ]; then
		sqlite3 -csv "$DB" "SELECT i.ts_start, s.text, d.text, u.dst_port
			FROM interval_udp_probes u JOIN intervals i ON i.id = u.interval_id
			JOIN addresses s ON s.id = u.src_id JOIN addresses d ON d.id = u.dst_id
			WHERE i.id <= $upto ORDER BY 1, 2, 3, 4"
	else
		sqlite3 -csv "$DB" "SELECT i.ts_start, a.text, o.bytes, o.peers
			FROM interval_out o JOIN intervals i ON i.id = o.interval_id
			JOIN addresses a ON a.id = o.src_id WHERE i.id <= $upto ORDER BY 1, 2"
	fi
}

# rule FILE: a rule run by hand with sqlite3, as docs/queries.md shows, with
# thresholds low enough for the fixture's few flows to make hits.
rule() {
	sqlite3 -readonly -csv "$DB" ".parameter init" \
		".parameter set :fan_in_sources 1" ".parameter set :fan_in_factor 0" \
		".parameter set :exfil_min_bytes 1" ".parameter set :exfil_factor 0" \
		".parameter set :udp_scan_ports 1" ".parameter set :udp_scan_hosts 1" \
		".parameter set :fan_in_baseline 1000000000" \
		".parameter set :exfil_baseline 1000000000" ".read $1"
}

@test "old intervals get the anomaly aggregates (0018): the rules read them as the raw rows" {
	# Half the old flows outbound, so that there is something to send out.
	sqlite3 "$DB" "UPDATE flows SET direction = 1 WHERE rowid % 2 = 0"
	run "$O/netmon-record" --read "$PCAPS/DnsPackets.pcap" -i dns --db "$DB"
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	# What the aggregates hold, grouped again here from the documented view.
	# One sqlite3 at a time, each side into a file: two opening the file at
	# once (a diff of two process substitutions), the second could find the
	# first recovering the WAL the recorder left and fail "database is
	# locked" with no output (one run in ten).
	local t=$BATS_TEST_TMPDIR
	sqlite3 -csv "$DB" "SELECT ts_start, dst, count(DISTINCT src), sum(packets),
		sum(bytes) FROM flow_log WHERE src NOT IN ('0.0.0.0', '::')
		GROUP BY ts_start, dst ORDER BY 1, 2" >"$t/dst.view"
	agg_rows dst >"$t/dst.agg"
	[ -s "$t/dst.view" ]
	diff -u "$t/dst.view" "$t/dst.agg"
	sqlite3 -csv "$DB" "SELECT ts_start, src, sum(bytes), count(DISTINCT dst)
		FROM flow_log WHERE direction = 'out' AND src NOT IN ('0.0.0.0', '::')
		GROUP BY ts_start, src ORDER BY 1, 2" >"$t/out.view"
	agg_rows out >"$t/out.agg"
	[ -s "$t/out.view" ]
	diff -u "$t/out.view" "$t/out.agg"
	# Both the upgraded intervals and the import's have them.
	[ "$(sqlite3 "$DB" "SELECT count(DISTINCT i.live IS NULL) FROM interval_dst d
		JOIN intervals i ON i.id = d.interval_id")" -eq 2 ]
	# UDP flows with no flow back (addresses and ports reversed) in their interval.
	sqlite3 -csv "$DB" "SELECT DISTINCT ts_start, src, dst, dst_port FROM flow_log f
		WHERE protocol = 17 AND src <> dst AND dst_port NOT BETWEEN 33434 AND 33534
		AND NOT EXISTS (SELECT 1 FROM flow_log r WHERE r.ts_start = f.ts_start
			AND r.protocol = 17 AND r.src = f.dst AND r.dst = f.src
			AND r.src_port = f.dst_port AND r.dst_port = f.src_port)
		ORDER BY 1, 2, 3, 4" >"$t/udp.view"
	agg_rows udp >"$t/udp.agg"
	[ -s "$t/udp.view" ]
	diff -u "$t/udp.view" "$t/udp.agg"
	# The DNS capture's queries are answered: those are no UDP probes.
	[ "$(sqlite3 "$DB" "SELECT count(*) FROM interval_udp_probes")" -lt \
		"$(sqlite3 "$DB" "SELECT count(*) FROM flow_log WHERE protocol = 17")" ]
	# fan_in, exfiltration and udp_scan find what their raw-row texts find.
	for r in fan_in exfiltration udp_scan; do
		run rule "$BATS_TEST_DIRNAME/../unit/anomaly_reference/$r.sql"
		[ "$status" -eq 0 ] || { echo "$output"; return 1; }
		[ -n "$output" ]
		diff -u <(echo "$output") <(rule "$BATS_TEST_DIRNAME/../../sql/anomaly/$r.sql")
	done
}

@test "a database from before 0018 gets the aggregates the recorder writes (DNS: UDP answered)" {
	db=$BATS_TEST_TMPDIR/v17.db
	run "$O/netmon-record" --read "$PCAPS/DnsPackets.pcap" -i dns --db "$db"
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	DB=$db
	last=$(sqlite3 "$db" 'SELECT max(id) FROM intervals')
	for t in dst out udp; do agg_rows $t >"$BATS_TEST_TMPDIR/$t.written"; done
	# Queries answered and not: fewer probes than UDP flows, and some.
	[ -s "$BATS_TEST_TMPDIR/udp.written" ]
	[ "$(wc -l <"$BATS_TEST_TMPDIR/udp.written")" -lt \
		"$(sqlite3 "$db" "SELECT count(*) FROM flow_log WHERE protocol = 17")" ]
	# As it was before migration 0018: no aggregates (nor 0019's contacts,
	# 0020's SYNs), schema version 17.
	upgrade_from "$db" 17
	for t in dst out udp; do
		diff -u "$BATS_TEST_TMPDIR/$t.written" <(agg_rows $t "$last")
	done
}

# contact_rows DB [MAX_ID [COLUMNS]]: beaconing's contacts (0019) by interval
# start and address text, of the intervals with ids up to MAX_ID (default
# all), with more COLUMNS of c (interval_contacts) after them.
contact_rows() {
	sqlite3 -csv "$1" "SELECT i.ts_start, s.text, d.text, c.protocol, c.dst_port,
		c.src_port, c.first_ms${3:+, $3} FROM interval_contacts c
		JOIN intervals i ON i.id = c.interval_id JOIN addresses s ON s.id = c.src_id
		JOIN addresses d ON d.id = c.dst_id
		WHERE i.id <= ${2:-9223372036854775807} ORDER BY 1, 2, 3, 4, 5, 6"
}

@test "a database from before 0019 gets the contacts the recorder writes (TCP with and without SYN, DNS)" {
	db=$BATS_TEST_TMPDIR/v18.db
	for p in tcpreplay-test:tr DnsPackets:dns; do
		run "$O/netmon-record" --read "$PCAPS/${p%%:*}.pcap" -i "${p#*:}" --db "$db"
		[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	done
	last=$(sqlite3 "$db" 'SELECT max(id) FROM intervals')
	contact_rows "$db" >"$BATS_TEST_TMPDIR/written"
	# TCP flows without a SYN there are (no contacts), and with.
	[ "$(sqlite3 "$db" "SELECT count(*) FROM flow_log WHERE protocol = 6 AND syn = 0")" -gt 0 ]
	# TCP: a contact per flow with a SYN, at its first packet (the view's ms).
	diff -u <(sqlite3 -csv "$db" "SELECT DISTINCT ts_start, src, dst, 6, dst_port,
			src_port, CAST(round((first_seen - ts_start) * 1000) AS INTEGER)
			FROM flow_log WHERE protocol = 6 AND syn > 0 ORDER BY 1, 2, 3, 4, 5, 6") \
		<(grep -E '^[0-9]+,[^,]*,[^,]*,6,' "$BATS_TEST_TMPDIR/written")
	# UDP: the queries open their exchanges; the answers are no contacts.
	[ "$(grep -c -E ',17,53,' "$BATS_TEST_TMPDIR/written")" -gt 0 ]
	[ "$(grep -c -E ',17,[0-9]+,53,' "$BATS_TEST_TMPDIR/written" || true)" -eq 0 ]
	# As it was before migration 0019: no contacts (nor 0020's SYNs), schema
	# version 18.
	upgrade_from "$db" 18
	diff -u "$BATS_TEST_TMPDIR/written" <(contact_rows "$db" "$last")
}

# syn_rows DB [MAX_ID]: syn_flood's groups (0020) by interval start and
# address text, of the intervals with ids up to MAX_ID (default all).
syn_rows() {
	sqlite3 -csv "$1" "SELECT i.ts_start, s.iface_id, d.text, s.dst_port, s.split,
		s.direction, s.syns, s.incomplete, s.completed, s.sources, s.first_ms, s.last_ms
		FROM interval_syn s JOIN intervals i ON i.id = s.interval_id
		JOIN addresses d ON d.id = s.dst_id
		WHERE i.id <= ${2:-9223372036854775807} ORDER BY 1, 2, 3, 4, 5"
}

@test "a database from before 0020 gets the SYN groups the recorder writes (a SYN flood and its overflow row, handshakes)" {
	local flood=$BATS_TEST_TMPDIR/flood.pcap syns
	db=$BATS_TEST_TMPDIR/v19.db
	[ "$(python3 "$BATS_TEST_DIRNAME/../e2e/make-synflood.py" "$flood" 3000)" -eq 3000 ]
	# A table of 1024 flows: the flood fills it, the rest goes to the overflow row.
	run "$O/netmon-record" --read "$flood" --db "$db" --max-flows 1024 --interval 60
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	run "$O/netmon-record" --read "$PCAPS/tcpreplay-test.pcap" -i tr --db "$db"
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	last=$(sqlite3 "$db" 'SELECT max(id) FROM intervals')
	syn_rows "$db" >"$BATS_TEST_TMPDIR/written"
	# Every SYN without an ACK tshark sees: the port's and the overflow row's.
	syns=$(tshark -r "$flood" -n -o tcp.analyze_sequence_numbers:FALSE \
		-Y 'tcp.flags.syn == 1 && tcp.flags.ack == 0' | wc -l)
	[ "$syns" -eq 3000 ]
	[ "$(sqlite3 "$db" "SELECT sum(syns) FROM interval_syn")" -eq "$syns" ]
	[ "$(sqlite3 "$db" "SELECT count(*) FROM interval_syn s JOIN addresses d
		ON d.id = s.dst_id WHERE d.text = '0.0.0.0' AND s.dst_port = 0")" -eq 1 ]
	# The handshakes completed: their ports have no row.
	[ "$(sqlite3 "$db" "SELECT count(*) FROM flow_log WHERE protocol = 6 AND syn > 0
		AND ts_start = (SELECT max(ts_start) FROM intervals)")" -gt 0 ]
	[ "$(sqlite3 "$db" "SELECT count(*) FROM interval_syn WHERE interval_id = $last")" -eq 0 ]
	# As it was before migration 0020: no SYN groups, schema version 19.
	upgrade_from "$db" 19
	diff -u "$BATS_TEST_TMPDIR/written" <(syn_rows "$db" "$last")
	# syn_flood finds what its raw-row text finds: the flood, every SYN.
	DB=$db
	run sqlite3 -readonly -csv "$DB" ".read $BATS_TEST_DIRNAME/../unit/anomaly_reference/syn_flood.sql"
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	[[ "$output" == *'198.18.0.2:80'*"$syns SYNs"* ]]
	diff -u <(echo "$output") \
		<(sqlite3 -readonly -csv "$DB" ".read $BATS_TEST_DIRNAME/../../sql/anomaly/syn_flood.sql")
}

# gap_rows DB [MAX_ID]: the contacts with their gaps (0021).
gap_rows() {
	contact_rows "$1" "${2:-9223372036854775807}" "c.gap_ms, c.gap5_ms"
}

# record_seconds DB: tcpreplay-test and DnsPackets imported into DB in
# intervals of a second (DNS queries a second apart: series of contacts).
record_seconds() {
	local p out
	for p in tcpreplay-test:tr DnsPackets:dns; do
		out=$("$O/netmon-record" --read "$PCAPS/${p%%:*}.pcap" -i "${p#*:}" --db "$1" \
			--interval 1 2>&1) || { echo "$out"; return 1; }
	done
}

@test "a database from before 0021 gets the contacts' gaps the recorder writes (DNS queries a second apart)" {
	db=$BATS_TEST_TMPDIR/v20.db
	record_seconds "$db"
	last=$(sqlite3 "$db" 'SELECT max(id) FROM intervals')
	gap_rows "$db" >"$BATS_TEST_TMPDIR/written"
	# Series that made contact again: gaps there are, and fifth contacts back.
	[ "$(sqlite3 "$db" "SELECT count(gap_ms) FROM interval_contacts")" -gt 0 ]
	[ "$(sqlite3 "$db" "SELECT count(gap5_ms) FROM interval_contacts")" -gt 0 ]
	# As it was before migration 0021: no gaps, schema version 20.
	upgrade_from "$db" 20
	diff -u "$BATS_TEST_TMPDIR/written" <(gap_rows "$db" "$last")
}

# run_rows DB [MAX_ID]: beaconing's runs (0022) by interval start and address text.
run_rows() {
	sqlite3 -csv "$1" "SELECT i.ts_start, s.text, d.text, r.protocol, r.dst_port, r.unknown
		FROM contact_runs r JOIN intervals i ON i.id = r.interval_id
		JOIN addresses s ON s.id = r.src_id JOIN addresses d ON d.id = r.dst_id
		WHERE i.id <= ${2:-9223372036854775807} ORDER BY 1, 2, 3, 4, 5"
}

@test "a database from before 0022 gets the contact runs the recorder writes (DNS queries a second apart)" {
	db=$BATS_TEST_TMPDIR/v21.db
	record_seconds "$db"
	last=$(sqlite3 "$db" 'SELECT max(id) FROM intervals')
	run_rows "$db" >"$BATS_TEST_TMPDIR/written"
	# Runs of six contacts within the hour there are: a row per interval of each.
	[ "$(sqlite3 "$db" "SELECT count(*) FROM contact_runs WHERE NOT unknown")" -ge 6 ]
	[ "$(sqlite3 "$db" "SELECT count(*) FROM contact_runs r JOIN interval_contacts c
		USING (interval_id, src_id, dst_id, protocol, dst_port)
		WHERE c.gap5_ms BETWEEN 0 AND 3599999")" -gt 0 ]
	# As it was before migration 0022: no runs, schema version 21.
	upgrade_from "$db" 21
	diff -u "$BATS_TEST_TMPDIR/written" <(run_rows "$db" "$last")
}

# prev_rows DB [MAX_ID]: udp_scan's probes with their previous occurrences (0023).
prev_rows() {
	sqlite3 -csv "$1" "SELECT i.ts_start, s.text, d.text, p.dst_port, p.prev_ts, p.host_prev_ts
		FROM interval_udp_probes p JOIN intervals i ON i.id = p.interval_id
		JOIN addresses s ON s.id = p.src_id JOIN addresses d ON d.id = p.dst_id
		WHERE i.id <= ${2:-9223372036854775807} ORDER BY 1, 2, 3, 4"
}

@test "a database from before 0023 gets the probes' previous occurrences the recorder writes" {
	db=$BATS_TEST_TMPDIR/v22.db
	record_seconds "$db"
	last=$(sqlite3 "$db" 'SELECT max(id) FROM intervals')
	prev_rows "$db" >"$BATS_TEST_TMPDIR/written"
	# Keys and hosts probed again a few seconds on: previous occurrences there are.
	[ "$(sqlite3 "$db" "SELECT count(prev_ts) FROM interval_udp_probes")" -gt 0 ]
	[ "$(sqlite3 "$db" "SELECT count(*) FROM interval_udp_probes p JOIN intervals i
		ON i.id = p.interval_id WHERE p.host_prev_ts < i.ts_start")" -gt 0 ]
	# As it was before migration 0023: no previous occurrences, schema version 22.
	upgrade_from "$db" 22
	diff -u "$BATS_TEST_TMPDIR/written" <(prev_rows "$db" "$last")
}

# requests FILE: the TCP flows of FILE that sent a SYN without ACK, as tshark
# reads them: "src|sport|dst|dport", sorted.
requests() {
	tshark -r "$1" -n -Y "tcp.flags.syn == 1 && tcp.flags.ack == 0" -T fields -E separator='|' \
		-e ip.src -e ipv6.src -e tcp.srcport -e ip.dst -e ipv6.dst -e tcp.dstport 2>/dev/null |
		awk -F'|' '{ print ($1 != "" ? $1 : $2) "|" $3 "|" ($4 != "" ? $4 : $5) "|" $6 }' |
		sort -u
}

# marked DB IFACE: the same from the flows DB holds with the request mark.
marked() {
	sqlite3 "$1" "SELECT DISTINCT src, src_port, dst, dst_port FROM flow_server_ports f
		JOIN interfaces n ON n.id = f.iface_id
		JOIN (SELECT id, text AS src FROM addresses) s ON s.id = f.src_id
		JOIN (SELECT id, text AS dst FROM addresses) d ON d.id = f.dst_id
		WHERE n.name = '$2' AND f.syn_request = 1" | sort
}

@test "a database from before 0024: its flows kept as they were, new ones marked as tshark reads their SYNs" {
	db=$BATS_TEST_TMPDIR/v23.db
	record_seconds "$db"
	# As it was before migration 0024: no mark, 0009's view.
	upgrade_from "$db" 23
	[ "$(sqlite3 "$db" 'PRAGMA user_version')" -eq 24 ]
	# The rows written before have the mark 0, and the view judges them all.
	[ "$(sqlite3 "$db" "SELECT count(*) FROM flows WHERE syn_request <> 0")" -eq 0 ]
	[ "$(sqlite3 "$db" "SELECT count(*) FROM flow_server_ports")" -eq \
		"$(sqlite3 "$db" "SELECT count(*) FROM flows")" ]
	# A capture imported after: every flow that sent a SYN without ACK marked.
	run "$O/netmon-record" --read "$PCAPS/four_ipv6_http_streams.pcap" -i v6 --db "$db"
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	requests "$PCAPS/four_ipv6_http_streams.pcap" >"$BATS_TEST_TMPDIR/want"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/want")" -eq 4 ]
	marked "$db" v6 >"$BATS_TEST_TMPDIR/got"
	diff -u "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
}
