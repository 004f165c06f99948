#!/usr/bin/env bats
# apps.bats - applications by port: the shipped names (sql/apps.services,
# generated into the apps migration), the user's names winning over them,
# and top apps / top ports by the server port of each flow.

bats_require_minimum_version 1.5.0
load report_lib

setup_file() {
	report_setup_file
}


@test "the apps migration holds exactly the names of sql/apps.services" {
	local migration
	migration=$(ls "$REPO"/sql/[0-9][0-9][0-9][0-9]_apps.sql)
	run "$REPO/scripts/services-to-sql.sh" "$REPO/sql/apps.services"
	[ "$status" -eq 0 ]
	local generated=$output
	# The migration ends with the generated INSERT, byte for byte.
	[ "$(tail -n "${#lines[@]}" "$migration")" = "$generated" ]
	# And the table has one row per tcp/udp line of the file.
	local entries
	entries=$(grep -cE '^[^#[:space:]]+[[:space:]]+[0-9]+/(tcp|udp)' "$REPO/sql/apps.services")
	[ "$(sqlite3 "$DB" 'SELECT count(*) FROM app_ports_shipped')" -eq "$entries" ]
	[ "$(sqlite3 "$DB" "SELECT name FROM app_ports WHERE protocol = 6 AND port = 443")" = https ]
}

@test "services-to-sql.sh refuses a malformed file" {
	local bad=$BATS_TEST_TMPDIR/bad.services
	printf 'http 80/tcp\nweb 80/tcp\n' >"$bad"
	run "$REPO/scripts/services-to-sql.sh" "$bad"
	[ "$status" -ne 0 ]
	[[ $output == *"80/tcp named twice"* ]]
	printf "x'y 81/tcp\n" >"$bad"
	run "$REPO/scripts/services-to-sql.sh" "$bad"
	[ "$status" -ne 0 ]
}

@test "top apps: by the server port, requests and replies together" {
	run "$REPORT" --db "$DB" top apps --format csv
	[ "$status" -eq 0 ]
	is_output <<'EOF'
app,ports,in_packets,in_bytes,out_packets,out_bytes,total_packets,total_bytes,peers
https,tcp/443,25,2500000,10,1500,35,2501500,1
domain,udp/53,0,0,1,80,1,80,1
EOF
	run "$REPORT" --db "$DB" top apps
	is_output <<'EOF'
app     ports    in_packets  in_bytes  out_packets  out_bytes  total_packets  total_bytes  peers
https   tcp/443          25   2.4 MiB           10    1.5 KiB             35      2.4 MiB      1
domain  udp/53            0       0 B            1       80 B              1         80 B      1
EOF
}

@test "user names win over shipped ones; an unnamed port is its own application" {
	local u=$BATS_TEST_TMPDIR/user.db
	cp "$DB" "$u"
	# The documented way to name a port (docs/schema.md). Two ports under
	# one name; 40000 named too, yet 443 stays the server (both named: the
	# lower). A flow 8000 <- 41000 between unnamed ports counts for 8000.
	sqlite3 "$u" "INSERT INTO app_ports_user (protocol, port, name) VALUES
		(6, 443, 'web <front>'), (17, 53, 'web <front>'), (6, 40000, 'client');
		INSERT INTO conversations VALUES (6, 1, 0, 6, 5, 1);
		INSERT INTO flows VALUES (7, 6, 41000, 8000, 3, 300, 0, 0, 0, 0, 0, 0, 0);
		UPDATE intervals SET last_flow_id = 7 WHERE id = 3"
	run "$REPORT" --db "$u" top apps --format csv
	[ "$status" -eq 0 ]
	is_output <<'EOF'
app,ports,in_packets,in_bytes,out_packets,out_bytes,total_packets,total_bytes,peers
web <front>,tcp/443 udp/53,25,2500000,11,1580,36,2501580,2
tcp/8000,tcp/8000,3,300,0,0,3,300,1
EOF
	run "$REPORT" --db "$u" top ports --format csv --limit 2
	is_output <<'EOF'
protocol,port,app,in_packets,in_bytes,out_packets,out_bytes,total_packets,total_bytes,peers
6,443,web <front>,25,2500000,10,1500,35,2501500,1
6,8000,,3,300,0,0,3,300,1
EOF
	# The view says whose name it is; the shipped row is still there.
	[ "$(sqlite3 "$u" "SELECT source FROM app_ports WHERE protocol = 6 AND port = 443")" = user ]
	[ "$(sqlite3 "$u" "SELECT name FROM app_ports_shipped WHERE protocol = 6 AND port = 443")" = https ]
	# A bad row is refused by the table's checks.
	run sqlite3 "$u" "INSERT INTO app_ports_user VALUES (6, 70000, 'x')"
	[ "$status" -ne 0 ]
}

@test "top apps: the query run by hand gives the same rows" {
	run sqlite3 -readonly -csv -header "$DB" ".read $QUERIES/top_apps.sql"
	[ "$status" -eq 0 ]
	local by_hand=${output//$'\r'/}
	run "$REPORT" --db "$DB" top apps --format csv
	[ "$output" = "$by_hand" ]
}
