#!/usr/bin/env bats
# metrics.bats - netmon-record --metrics-listen and --metrics-file against
# Debian's real Prometheus parts, on 127.0.0.1 only (free ports picked at run
# time): promtool checks the page and the file; the page's counters equal
# the database's views series for series; prometheus-node-exporter serves
# the file through its textfile collector; a Prometheus server scraping the
# endpoint answers a query with exactly the bytes that were sent; 200 clients
# that send half a request delay no interval; wrong paths, methods and
# oversized requests get their codes; bad options fail alone and early; the
# host-name counters (ClientHellos, DNS answers not whole) and the lateness
# of a slow write equal collector_log and what was sent.
#
#   O=build bats tests/e2e/metrics.bats     (root; binaries from $O)

# shellcheck disable=SC2154 # set where shellcheck cannot see: $stderr and $stderr_lines by bats' run
bats_require_minimum_version 1.5.0

load lib

NMT_HALFREQ=$NMT_BUILD/tests/tools/nm-halfreq

setup() {
	nmt_require "$NMT_RECORD" "$NMT_HALFREQ"
	local b
	for b in promtool prometheus prometheus-node-exporter jq curl; do
		command -v "$b" >/dev/null ||
			nmt_fail "$b is missing: scripts/install-deps.sh installs it" || return
	done
	nmt_setup
	DB=$NMT_TMP/netmon.db
	PROM_DIR=$NMT_TMP/prom
	mkdir -p "$PROM_DIR"
	PROM_FILE=$PROM_DIR/netmon.prom
}

teardown() {
	nmt_teardown
}

# free_port: a TCP port nobody listens on, on 127.0.0.1; from 23000-31999,
# above the tests' own source ports (20001-22999) and below the ephemeral
# range (lib.bash, nmt_root_port), where a connection could hold it.
free_port() {
	local p i
	for i in $(seq 200); do
		p=$((23000 + ($$ * 7 + BATS_TEST_NUMBER * 101 + i * 13 + RANDOM) % 9000))
		ss -Hltn "sport = :$p" | grep -q . || { echo "$p"; return 0; }
	done
	nmt_fail "no free TCP port"
}

# page PORT: the endpoint's page.
page() {
	curl -sS --max-time 5 "http://127.0.0.1:$1/metrics"
}

# value SERIES < PAGE: the value of one series (empty when absent).
value() {
	awk -v s="$1" '$1 == s { print $2 }'
}

# series FAMILY DIR FAMILY PROTO: a series of the test interface.
series() {
	echo "$1{interface=\"$NMT_HOST\",direction=\"$2\",family=\"ipv$3\",protocol=\"$4\"}"
}

# await_value PORT SERIES WANT: poll the page (bounded) until SERIES is WANT.
await_value() {
	local n=$((NMT_READY_TIMEOUT * 5)) got=''
	while ((n-- > 0)); do
		got=$(page "$1" 2>/dev/null | value "$2")
		[ "$got" = "$3" ] && return 0
		sleep 0.2
	done
	nmt_fail "$2 is '$got' after ${NMT_READY_TIMEOUT}s, expected $3"
}

# db_lines DB UNTIL: what the page must say of the intervals ending by UNTIL,
# from the views, one sorted sample line each: the interface counters
# (traffic_log) and the frame counters (collector_log's columns, by
# interface and direction, from the traffic rows of their kinds).
db_lines() {
	local class="CASE WHEN protocol = 6 THEN 'tcp' WHEN protocol = 17 THEN 'udp'
		WHEN protocol IN (1, 58) THEN 'icmp' ELSE 'other' END"
	nmt_sql "$1" "
		SELECT printf('netmon_interface_%s_total{interface=\"%s\",direction=\"%s\",family=\"ipv%d\",protocol=\"%s\"} %d',
		       w.what, interface, direction, family, p, sum(iif(w.what = 'bytes', bytes, packets)))
		FROM (SELECT *, $class AS p FROM traffic_log WHERE ts_end <= $2),
		     (SELECT 'bytes' AS what UNION ALL SELECT 'packets') w
		GROUP BY w.what, interface, direction, family, p;
		SELECT printf('%s{interface=\"%s\",direction=\"%s\"} %d',
		       CASE t.kind WHEN 1 THEN 'netmon_malformed_frames_total'
		            WHEN 2 THEN 'netmon_non_ip_frames_total' WHEN 4 THEN 'netmon_samples_total'
		            ELSE 'netmon_sample_drops_total' END,
		       n.name, CASE t.direction WHEN 0 THEN 'in' ELSE 'out' END, sum(t.packets))
		FROM traffic t JOIN intervals i ON i.id = t.interval_id
		JOIN interfaces n ON n.id = t.iface_id
		WHERE t.kind IN (1, 2, 4, 5) AND i.ts_end <= $2 GROUP BY t.kind, n.name, t.direction;
		SELECT printf('netmon_intervals_written_total %d', count(*)) FROM intervals
		WHERE ts_end <= $2;
		SELECT printf('netmon_dns_messages_total %d
netmon_dns_message_drops_total %d
netmon_dns_tcp_split_messages_total %d
netmon_tls_hellos_total %d
netmon_tls_hello_drops_total %d
netmon_interval_late_seconds_total %.3f',
		       total(dns_messages), total(dns_dropped), total(dns_tcp_split), total(tls_hellos),
		       total(tls_dropped), total(late_ms) / 1000)
		FROM collector_log WHERE ts_end <= $2;" | LC_ALL=C sort
}

# page_lines FILE: the same sample lines of a page.
page_lines() {
	grep -E '^netmon_(interface_(bytes|packets)|malformed_frames|non_ip_frames|samples|sample_drops|intervals_written|dns_messages|dns_message_drops|dns_tcp_split_messages|tls_hellos|tls_hello_drops|interval_late_seconds)_total[{ ]' "$1" |
		LC_ALL=C sort
}

# same_as_db FILE: the page in FILE holds exactly what the database holds
# for the intervals it covers (up to its last interval's end).
same_as_db() {
	local until copy=$NMT_TMP/same.prom
	# One read: the recorder may replace the file meanwhile (whole, by rename).
	cp "$1" "$copy"
	until=$(value netmon_last_interval_end_timestamp_seconds <"$copy")
	[ -n "$until" ] && [ "$until" -gt 0 ] || nmt_fail "no interval on the page $1" || return
	db_lines "$DB" "$until" >"$NMT_TMP/db.lines"
	page_lines "$copy" >"$NMT_TMP/page.lines"
	nmt_same database "$NMT_TMP/db.lines" page "$NMT_TMP/page.lines"
}

# The traffic of the tests: UDP both ways and families, TCP out.
UDP4_OUT=$((10 * (200 + 28)))
UDP6_IN=$((7 * (300 + 48)))
send_traffic() {
	nmt_udp out 4 20001 5001 10 200 &&
		nmt_udp in 6 20002 5002 7 300 &&
		nmt_tcp out 4 20003 5003 50000
}

@test "page and file: promtool accepts both, each counter equals the database, node_exporter serves the file" {
	local port np n
	port=$(free_port)
	nmt_rec_start "$DB" --metrics-listen "$port" --metrics-file "$PROM_FILE"
	send_traffic
	await_value "$port" "$(series netmon_interface_bytes_total out 4 udp)" "$UDP4_OUT"
	await_value "$port" "$(series netmon_interface_bytes_total in 6 udp)" "$UDP6_IN"
	page "$port" >"$NMT_TMP/page.txt"
	promtool check metrics <"$NMT_TMP/page.txt"
	same_as_db "$NMT_TMP/page.txt"
	grep -qE '^netmon_build_info\{version="[^"]+",abi="[0-9]+"\} 1$' "$NMT_TMP/page.txt"
	# The file is the page of the same moment or the next interval's.
	promtool check metrics <"$PROM_FILE"
	same_as_db "$PROM_FILE"
	[ "$(stat -c %a "$PROM_FILE")" = 644 ]

	# node_exporter's textfile collector serves the file's samples.
	np=$(free_port)
	nmt_spawn nodeexp prometheus-node-exporter --web.listen-address="127.0.0.1:$np" \
		--collector.disable-defaults --collector.textfile \
		--collector.textfile.directory="$PROM_DIR"
	n=$((NMT_READY_TIMEOUT * 5))
	until curl -sS --max-time 5 "http://127.0.0.1:$np/metrics" >"$NMT_TMP/node.txt" 2>/dev/null ||
		((n-- <= 0)); do
		sleep 0.2
	done
	nmt_rec_stop
	[ "$(value 'node_textfile_scrape_error' <"$NMT_TMP/node.txt")" = 0 ]
	grep -q '^netmon_build_info{abi="[0-9]*",version="[^"]*"} 1$' "$NMT_TMP/node.txt"
	# (with the labels in its order: sorted by name)
	[ "$(value "netmon_interface_bytes_total{direction=\"out\",family=\"ipv4\",interface=\"$NMT_HOST\",protocol=\"udp\"}" <"$NMT_TMP/node.txt")" = "$UDP4_OUT" ]
	# After the last interval, the file holds the whole run.
	promtool check metrics <"$PROM_FILE"
	same_as_db "$PROM_FILE"
	[ "$(value netmon_intervals_written_total <"$PROM_FILE")" = "$(nmt_sql "$DB" 'SELECT count(*) FROM intervals')" ]
	# No temporary file left beside it.
	[ "$(find "$PROM_DIR" -mindepth 1 | wc -l)" = 1 ]
}

@test "a Prometheus server scraping the endpoint has exactly the bytes sent and stored" {
	local port pp n got='' q
	port=$(free_port)
	pp=$(free_port)
	cat >"$NMT_TMP/prometheus.yml" <<-EOF
		global:
		  scrape_interval: 1s
		  scrape_timeout: 1s
		scrape_configs:
		  - job_name: netmon
		    static_configs:
		      - targets: ['127.0.0.1:$port']
	EOF
	nmt_spawn prom prometheus --config.file="$NMT_TMP/prometheus.yml" \
		--storage.tsdb.path="$NMT_TMP/tsdb" --web.listen-address="127.0.0.1:$pp"
	nmt_rec_start "$DB" --metrics-listen "127.0.0.1:$port"
	send_traffic
	q=$(series netmon_interface_bytes_total out 4 udp)
	n=$((NMT_READY_TIMEOUT * 3 * 5))
	while ((n-- > 0)); do
		got=$(curl -sS --max-time 5 "http://127.0.0.1:$pp/api/v1/query" \
			--data-urlencode "query=$q" 2>/dev/null | jq -r '.data.result[0].value[1] // empty')
		[ "$got" = "$UDP4_OUT" ] && break
		sleep 0.2
	done
	echo "prometheus: $q = '$got', sent $UDP4_OUT"
	[ "$got" = "$UDP4_OUT" ]
	got=$(curl -sS --max-time 5 "http://127.0.0.1:$pp/api/v1/query" \
		--data-urlencode "query=up{job=\"netmon\"}" | jq -r '.data.result[0].value[1]')
	[ "$got" = 1 ]
	nmt_rec_stop
	[ "$(nmt_sql "$DB" "SELECT sum(bytes) FROM traffic_log WHERE interface = '$NMT_HOST'
		AND direction = 'out' AND family = 4 AND protocol = 17")" = "$UDP4_OUT" ]
}

# The host-name counters and the lateness: two ClientHellos from openssl
# s_client to an s_server in the namespace (port 443 is the namespace's own),
# two DNS answers over TCP that no segment holds whole from dns-split.py
# (names.bats), the first interval's write 1.5 s slower than the interval
# (as behind.bats); each counter in the file equals collector_log's sum, and
# what was sent.
@test "host-name counters and lateness: each equals collector_log and what was sent" {
	local n name flip2 late2 late
	command -v openssl >/dev/null || nmt_fail "openssl is missing: run scripts/install-deps.sh"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$NMT_TMP/key.pem" -out "$NMT_TMP/cert.pem" -subj /CN=metrics.nmt.test \
		-days 1 2>"$NMT_TMP/req.err" || { cat "$NMT_TMP/req.err" >&2; return 1; }
	nmt_spawn tls ip netns exec "$NMT_NS" timeout "$NMT_MAX_RUN" openssl s_server \
		-accept 443 -cert "$NMT_TMP/cert.pem" -key "$NMT_TMP/key.pem" -naccept 2 -quiet
	n=$((NMT_READY_TIMEOUT * 10))
	until ip netns exec "$NMT_NS" ss -Hltn 'sport = :443' | grep -q LISTEN || ((n-- <= 0)); do
		sleep 0.1
	done
	NETMON_TEST_SLOW_WRITE=1500 nmt_rec_start "$DB" --metrics-file "$PROM_FILE"
	for name in one.metrics.nmt.test two.metrics.nmt.test; do
		timeout 20 openssl s_client -connect "$NMT_P4:443" -servername "$name" \
			</dev/null >"$NMT_TMP/client.out" 2>&1 || { cat "$NMT_TMP/client.out" >&2; return 1; }
	done
	nmt_await tls
	nmt_dns_split
	# Counted in the intervals up to the flip after the last answer.
	n=$((NMT_READY_TIMEOUT * 5))
	until [ "$(value netmon_dns_tcp_split_messages_total <"$PROM_FILE")" = 2 ] &&
		[ "$(value netmon_tls_hellos_total <"$PROM_FILE")" = 2 ] || ((n-- <= 0)); do
		sleep 0.2
	done
	nmt_rec_stop
	promtool check metrics <"$PROM_FILE"
	grep -E '^netmon_(dns|tls|interval_late)' "$PROM_FILE"
	same_as_db "$PROM_FILE"
	# What was sent: two hellos, two answers not whole, none lost.
	[ "$(value netmon_tls_hellos_total <"$PROM_FILE")" = 2 ]
	[ "$(value netmon_dns_tcp_split_messages_total <"$PROM_FILE")" = 2 ]
	[ "$(value netmon_tls_hello_drops_total <"$PROM_FILE")" = 0 ]
	[ "$(value netmon_dns_message_drops_total <"$PROM_FILE")" = 0 ]
	[ "$(value netmon_dns_messages_total <"$PROM_FILE")" -gt 0 ]
	# The interval after the slow write was flipped once it was done, 1.5 s
	# after the first one's end at least; it ends on the last boundary
	# passed, so its late_ms is that flip's offset past it, and in the sum.
	run nmt_sql "$DB" "SELECT b.ts_end * 1000 + b.late_ms - a.ts_end * 1000, b.late_ms
		FROM collector_log a JOIN collector_log b ON b.ts_start = a.ts_end
		ORDER BY a.ts_start LIMIT 1"
	echo "second interval flipped (ms after the first's end) | its late_ms: $output"
	[ "$status" -eq 0 ]
	IFS='|' read -r flip2 late2 <<<"$output"
	((flip2 >= 1500))
	late=$(value netmon_interval_late_seconds_total <"$PROM_FILE" | tr -d .)
	((10#$late >= late2))
}

# code PORT CURL_ARGS...: the HTTP status of one request to the endpoint.
code() {
	local port=$1
	shift
	curl -s -o /dev/null --max-time 5 -w '%{http_code}' "$@" "http://127.0.0.1:$port/metrics"
}

@test "200 clients sending half a request delay no interval; bad requests get their codes" {
	local port t0 n last big
	port=$(free_port)
	nmt_rec_start "$DB" --metrics-listen "$port"
	# The HTTP thread started after the capabilities were dropped: every
	# thread holds CAP_NET_ADMIN (bit 12) alone.
	grep -h '^CapEff:' /proc/"$NMT_PID_rec"/task/*/status | sort | uniq -c >"$NMT_TMP/caps"
	cat "$NMT_TMP/caps"
	[ "$(find /proc/"$NMT_PID_rec"/task -mindepth 1 -maxdepth 1 | wc -l)" -ge 2 ]
	[ "$(awk '{ print $3 }' "$NMT_TMP/caps")" = 0000000000001000 ]
	nmt_spawn slow "$NMT_HALFREQ" -t 60 "$port" 200
	nmt_wait_line "$NMT_TMP/slow.out" '^connected=' "$NMT_PID_slow"
	cat "$NMT_TMP/slow.out"
	t0=$(date +%s)
	# Five more intervals are written while they hold on, each on time: a
	# tick the loop missed would make an interval longer than 1 s.
	n=$((NMT_READY_TIMEOUT * 5))
	while ((n-- > 0)); do
		last=$(nmt_sql "$DB" 'SELECT coalesce(max(ts_end), 0) FROM intervals')
		((last >= t0 + 5)) && break
		sleep 0.2
	done
	((last >= t0 + 5))
	nmt_sql "$DB" "SELECT ts_start, ts_end FROM intervals WHERE ts_start >= $t0"
	[ "$(nmt_sql "$DB" "SELECT count(*) FROM intervals WHERE ts_start >= $t0
		AND ts_end - ts_start > 1")" = 0 ]
	nmt_alive "$NMT_PID_slow"
	nmt_stop_pid "$NMT_PID_slow" || true

	# The slots are free again: the page, then what is refused.
	n=$((NMT_READY_TIMEOUT * 5))
	until [ "$(code "$port")" = 200 ] || ((n-- <= 0)); do
		sleep 0.2
	done
	[ "$(code "$port")" = 200 ]
	curl -sS -D - -o /dev/null "http://127.0.0.1:$port/metrics" |
		grep -i '^content-type: text/plain; version=0.0.4'
	[ "$(code "$port" -I)" = 200 ] # HEAD
	[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/")" = 404 ]
	[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/metrics/x")" = 404 ]
	[ "$(code "$port" -X POST)" = 405 ]
	[ "$(code "$port" -X DELETE)" = 405 ]
	curl -s -D - -o /dev/null -X PUT "http://127.0.0.1:$port/metrics" | grep -i '^allow: GET, HEAD'
	[ "$(code "$port" -X GET --data-binary 'x=1')" = 413 ]
	big=$(head -c 9000 /dev/zero | tr '\0' a)
	[ "$(code "$port" -H "X-Big: $big")" = 431 ]
	[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/metrics?$big")" = 414 ]
	# A request that never ends is closed after the timeout (10 s).
	exec {fd}<>"/dev/tcp/127.0.0.1/$port"
	printf 'GET /metrics HTTP/1.1\r\n' >&"$fd"
	t0=$SECONDS
	run -1 read -r -t 30 -u "$fd" line
	exec {fd}>&-
	echo "closed after $((SECONDS - t0)) s"
	((SECONDS - t0 >= 8 && SECONDS - t0 <= 25))
	nmt_rec_stop
}

@test "bad --metrics-listen, a port in use, an unwritable --metrics-file: one line, nothing attached" {
	local port
	refused() {
		local want=$1 needle=$2
		shift 2
		run --separate-stderr timeout 30 "$@"
		echo "status $status; stderr: $stderr"
		[ "$status" -eq "$want" ]
		[ "${#stderr_lines[@]}" -eq 1 ]
		[[ $stderr == *"$needle"* ]]
		[ -z "$(nmt_filters)" ]
		[ ! -e "$DB" ]
	}
	refused 64 "netmon-record: error: invalid --metrics-listen '1.2.3:80'" \
		"$NMT_RECORD" -i "$NMT_HOST" --db "$DB" --metrics-listen 1.2.3:80
	refused 64 "invalid --metrics-listen '70000'" \
		"$NMT_RECORD" -i "$NMT_HOST" --db "$DB" --metrics-listen 70000
	refused 64 "invalid --metrics-listen 'localhost:9464'" \
		"$NMT_RECORD" -i "$NMT_HOST" --db "$DB" --metrics-listen localhost:9464
	printf 'metrics-listen = [::1]9464\n' >"$NMT_TMP/bad.conf"
	refused 64 "invalid --metrics-listen '[::1]9464'" \
		"$NMT_RECORD" --config "$NMT_TMP/bad.conf" --check-config
	# A port someone listens on.
	port=$(free_port)
	nmt_spawn holder "$NMT_TRAFFIC" -t 60 tcp-recv 127.0.0.1 "$port"
	nmt_wait_line "$NMT_TMP/holder.err" '^nm-traffic: listening on' "$NMT_PID_holder"
	refused 1 "netmon-record: error: --metrics-listen 127.0.0.1:$port: Address already in use" \
		"$NMT_RECORD" -i "$NMT_HOST" --db "$DB" --metrics-listen "127.0.0.1:$port"
	nmt_stop_pid "$NMT_PID_holder" || true
	refused 1 "netmon-record: error: --metrics-file $NMT_TMP/none/netmon.prom: No such file or directory" \
		"$NMT_RECORD" -i "$NMT_HOST" --db "$DB" --metrics-file "$NMT_TMP/none/netmon.prom"
	: >"$NMT_TMP/file"
	refused 1 "--metrics-file $NMT_TMP/file/netmon.prom: Not a directory" \
		"$NMT_RECORD" -i "$NMT_HOST" --db "$DB" --metrics-file "$NMT_TMP/file/netmon.prom"
}
