#!/bin/sh
# compose-sql.sh FILE - write FILE with each line `-- @include PART.sql`
# replaced by the text of PART.sql from FILE's folder: a report query
# (sql/report/NAME.sql) as netmon-report embeds it and as it runs by hand in
# sqlite3 (build/sql/report/NAME.sql, docs/queries.md). The parts
# (sql/report/_*.sql) hold what several queries share, so that it is written
# once: the window's rollup tiers, the traffic of the window, the trend
# buckets.
#
# A part includes no other part: one level, so that a part says in its
# header what it needs before it and a reader finds every line in two
# places at most. A missing part, or an include in a part, fails the build.
set -eu
dir=$(dirname "$1")
awk -v dir="$dir" -v file="$1" '
function fail(msg) {
	printf "compose-sql.sh: error: %s\n", msg > "/dev/stderr"
	failed = 1
	exit 1
}
/^-- @include / {
	if (NF != 3 || $3 !~ /^_[a-z0-9_]+\.sql$/)
		fail(file ":" FNR ": an include names one part, _NAME.sql")
	part = dir "/" $3
	n = 0
	while ((r = (getline line < part)) > 0) {
		if (line ~ /^-- @include /)
			fail(part ": a part includes no other part")
		print line
		n++
	}
	if (r < 0 || n == 0)
		fail(file ":" FNR ": no part " part)
	close(part)
	next
}
{ print }
END { if (failed) exit 1 }
' "$1"
