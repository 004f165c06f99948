#!/bin/sh
# services-to-sql.sh FILE - the INSERT statement for table app_ports_shipped
# from a services(5)-format file (sql/apps.services): one row per tcp or udp
# entry, (protocol number, port, name), in the order of the file.
#
# Its output is the data part of the apps migration; tests/cli/apps.bats
# checks that the migration holds exactly this, so the shipped table and the
# file cannot drift apart. Names are checked to be plain service names
# (letters, digits, '-', '_', '.') so that nothing needs quoting.
set -eu
[ $# -eq 1 ] || { echo "usage: $0 FILE" >&2; exit 64; }
awk '
function fail(msg) { printf "%s:%d: %s\n", FILENAME, FNR, msg > "/dev/stderr"; bad = 1; exit 1 }
{ sub(/#.*/, "") }
NF == 0 { next }
{
	if (NF < 2 || $2 !~ /^[0-9]+\/[a-z]+$/) fail("expected NAME PORT/PROTOCOL")
	if ($1 !~ /^[A-Za-z0-9][A-Za-z0-9._-]*$/) fail("bad service name " $1)
	split($2, pp, "/")
	port = pp[1] + 0
	if (port < 1 || port > 65535) fail("bad port " pp[1])
	if (pp[2] == "tcp") proto = 6; else if (pp[2] == "udp") proto = 17; else next
	if ((proto, port) in seen) fail("port " $2 " named twice")
	seen[proto, port] = 1
	rows[n++] = sprintf("\t(%d, %d, '\''%s'\'')", proto, port, $1)
}
END {
	if (bad) exit 1
	print "INSERT INTO app_ports_shipped (protocol, port, name) VALUES"
	for (i = 0; i < n; i++) printf "%s%s\n", rows[i], i < n - 1 ? "," : ";"
}' "$1"
