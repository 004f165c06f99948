#!/usr/bin/env bats
# cgroups.bats - the cgroup, service and user of every process row, against
# real cgroups: the test makes cgroup v2 directories named as systemd and
# the container runtimes name theirs (a service under a slice, a docker
# scope, a login session under user.slice/user-UID.slice), starts senders
# inside them, one as a throwaway user made for the test, and process_log
# must show each sender's bytes under exactly its cgroup, service and user
# (the helpers that make them are in cgroup.bash).
#
# What the test makes: below its own slice, $S.slice, and for the session
# user.slice/user-UID.slice/session-....scope for the test user's UID: only
# the directories that do not exist yet, removed afterwards (user.slice
# itself only if the test made it; no real user has that UID).

# shellcheck disable=SC2154 # NMT_PID_<name> by nmt_spawn (printf -v)
bats_require_minimum_version 1.5.0

load lib
load cgroup

setup() {
	nmt_require "$NMT_RECORD"
	nmt_setup
	DB=$NMT_TMP/netmon.db
	cgroup_setup
	S=netmon-test-$$-${BATS_TEST_NUMBER}
	ID=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
}

teardown() {
	# A test stopped between a --keep-attached run and the next: no pins left.
	"$NMT_RECORD" --detach -i "$NMT_HOST" >/dev/null 2>&1 || true
	nmt_teardown
	cgroup_teardown
}

# hex STRING: its bytes in upper-case hex, as SQLite's hex() writes them.
hex() {
	printf '%s' "$1" | od -An -tx1 | tr -d ' \n' | tr a-f A-F
}

# row PID: "cgroup|service|user|bytes sent" of the sender PID's rows.
row() {
	nmt_sql "$DB" "SELECT cgroup, service, user, sum(bytes_sent) FROM process_log
		WHERE pid = $1 GROUP BY cgroup, service, user"
}

@test "a service, a docker container and a login session: bytes per service and per user exact" {
	local svc=/$S.slice/$S.service dock=/$S.slice/docker-$ID.scope
	local sess=/user.slice/user-$TUID.slice/session-nmt$$.scope
	nmt_mkcg "$svc"
	nmt_mkcg "$dock"
	nmt_mkcg "$sess"
	nmt_rec_start "$DB"
	udp_from svc "$svc" 0 5101 10 1000
	udp_from dock "$dock" "$TUID" 5102 7 900
	nmt_spawn sessrx ip netns exec "$NMT_NS" "$NMT_TRAFFIC" -t 20 tcp-recv "$NMT_P4" 5103 50001
	nmt_wait_line "$NMT_TMP/sessrx.err" '^nm-traffic: listening on' "$NMT_PID_sessrx"
	nmt_in_cgroup "$sess" "$TUID"
	nmt_spawn sess "${NMT_IN_CGROUP[@]}" "$NMT_TRAFFIC" -t 20 tcp-send "$NMT_P4" 5103 50001
	nmt_await sess 25
	nmt_await sessrx 25
	nmt_rec_stop

	[ "$(row "$NMT_PID_svc")" = "$svc|$S.service|root|10000" ]
	[ "$(row "$NMT_PID_dock")" = "$dock|docker:${ID:0:12}|$TUSER|6300" ]
	[ "$(row "$NMT_PID_sess")" = "$sess|user:$TUSER|$TUSER|50001" ]
	# Per service and per user over the senders, as the reports add them up.
	local pids="$NMT_PID_svc, $NMT_PID_dock, $NMT_PID_sess"
	[ "$(nmt_sql "$DB" "SELECT group_concat(s, ' ') FROM (SELECT service || '=' ||
		sum(bytes_sent) AS s FROM process_log WHERE pid IN ($pids)
		GROUP BY service ORDER BY service)")" = "docker:${ID:0:12}=6300 $S.service=10000 user:$TUSER=50001" ]
	local by_user
	by_user=$(nmt_sql "$DB" "SELECT group_concat(s, ' ') FROM (SELECT user || '=' ||
		sum(bytes_sent) AS s FROM process_log WHERE pid IN ($pids)
		GROUP BY user ORDER BY user = 'root' DESC)")
	echo "by user: $by_user"
	[ "$by_user" = "root=10000 $TUSER=56301" ]
	# The kernel's id of each cgroup is its directory's inode number.
	[ "$(nmt_sql "$DB" "SELECT kernel_id FROM cgroups WHERE path = '$dock'")" = "$(stat -c %i "$CG$dock")" ]
	[ "$(nmt_sql "$DB" "SELECT name FROM user_names WHERE uid = $TUID")" = "$TUSER" ]
}

# The names outlive the cgroup and the user: stored at first sight, they
# stay when both are gone (later rows and reports still read them).
@test "names stored at first sight outlive the cgroup and the user" {
	local svc=/$S.slice/$S.service
	nmt_mkcg "$svc"
	nmt_rec_start "$DB"
	udp_from svc "$svc" "$TUID" 5104 3 100
	# Written: an interval after the sender's has its row.
	local _
	for _ in $(seq 100); do
		[ -n "$(nmt_sql "$DB" "SELECT 1 FROM process_log WHERE pid = $NMT_PID_svc")" ] && break
		sleep 0.1
	done
	rmdir "$CG$svc"
	userdel "$TUSER"
	nmt_rec_stop
	[ "$(row "$NMT_PID_svc")" = "$svc|$S.service|$TUSER|300" ]
}

# A cgroup removed before the interval is written cannot be found by a walk
# any more: the kernel handed its path over at its removal (the cgroup_rmdir
# tracepoint, bpf/proc.bpf.c), and it is named with it.
@test "a cgroup removed before its interval is written keeps its name" {
	local gone=/$S.slice/gone.service
	nmt_mkcg "$gone"
	nmt_rec_start "$DB" --interval 3600
	udp_from svc "$gone" 0 5105 4 250
	rmdir "$CG$gone"
	nmt_rec_stop
	[ "$(row "$NMT_PID_svc")" = "$gone|gone.service|root|1000" ]
}

# Removed while no recorder ran (the kernel counting into pinned maps after
# a --keep-attached stop): the cgroup_rmdir link is pinned with the counting
# ones, so its path was kept meanwhile and the next run names it. Removed
# after --detach (nothing attached, nothing counted), a cgroup's later rows
# could only be named by its id (docs/design.md, "Services and users").
@test "a cgroup removed while no recorder ran keeps its name" {
	local gone=/$S.slice/gone.service
	nmt_mkcg "$gone"
	nmt_rec_start "$DB" --keep-attached
	nmt_rec_stop
	udp_from svc "$gone" 0 5106 4 250
	rmdir "$CG$gone"
	nmt_rec_start "$DB"
	grep -q 'adopted pinned maps' "$NMT_TMP/rec.err"
	nmt_rec_stop
	[ "$(row "$NMT_PID_svc")" = "$gone|gone.service|root|1000" ]
}

# A cgroup's name may hold any byte but '/' (and, in v2, a newline): markup,
# quotes and terminal escapes are stored as they are, byte for byte, for the
# reports to make inert when they show them (as every stored string).
@test "hostile cgroup names are stored byte for byte" {
	local name svc
	name=$(printf '<img src=x onerror=alert(1)>"'"'"'\033[31m;x.service')
	svc=/$S.slice/$name
	nmt_mkcg "$svc"
	nmt_rec_start "$DB"
	udp_from svc "$svc" 0 5107 2 100
	nmt_rec_stop
	[ "$(nmt_sql "$DB" "SELECT hex(cgroup), hex(service), sum(bytes_sent) FROM process_log
		WHERE pid = $NMT_PID_svc GROUP BY 1, 2")" = "$(hex "$svc")|$(hex "$name")|200" ]
}
