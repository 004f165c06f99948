# cgroup.bash - senders inside real cgroups and as a user made for the test,
# for the e2e files that check services and users (cgroups.bats, ipfix.bats).
# The v2 hierarchy is found from mountinfo as the recorder finds it (at
# /sys/fs/cgroup/unified on hybrid hosts such as the CI's). Load after lib.
#
# What a test makes: the cgroup directories that do not exist yet (MADE),
# removed by cgroup_teardown deepest first, and the system user TUSER.

# shellcheck disable=SC2034 # CG, TUID are for the tests that load this

# cgroup_setup: CG (the v2 hierarchy's mount), TUSER and TUID (a system user
# made for the test, no home, no shell), MADE (no directory made yet).
cgroup_setup() {
	CG=$(awk '{ for (i = 7; i <= NF; i++) if ($i == "-") break;
		    if ($(i + 1) == "cgroup2" && $4 == "/") { print $5; exit } }' /proc/self/mountinfo)
	[ -n "$CG" ] || nmt_fail "no cgroup v2 hierarchy in /proc/self/mountinfo"
	MADE=() # cgroup directories made, deepest last
	TUSER=nmt-cg-$$
	useradd --system --no-create-home --shell /usr/sbin/nologin "$TUSER"
	TUID=$(id -u "$TUSER")
}

# cgroup_teardown: the directories made removed (those a test did not), the
# user deleted (if the test did not).
cgroup_teardown() {
	local i
	[ -n "${TUSER:-}" ] || return 0 # no cgroup_setup
	for ((i = ${#MADE[@]} - 1; i >= 0; i--)); do
		[ -d "${MADE[$i]}" ] || continue # the test removed it
		rmdir "${MADE[$i]}" || echo "e2e: cannot remove cgroup ${MADE[$i]}" >&2
	done
	userdel "$TUSER" 2>/dev/null || true
}

# mkcg PATH: make cgroup PATH (below $CG) and its missing parents.
mkcg() {
	local p="" part
	local -a parts
	IFS=/ read -ra parts <<<"${1#/}"
	for part in "${parts[@]}"; do
		p=$p/$part
		[ -d "$CG$p" ] && continue
		mkdir "$CG$p"
		MADE+=("$CG$p")
	done
}

# in_cgroup PATH USER: the command prefix (in IN_CGROUP) that runs a command
# inside cgroup PATH as USER, in it before its first byte: the shell moves
# itself, then becomes the command (same PID, which nmt_spawn records).
in_cgroup() {
	# shellcheck disable=SC2016 # $$ and $1 are the inner shell's
	IN_CGROUP=(sh -c 'echo $$ >"$0/cgroup.procs" && u=$1 && shift &&
		exec setpriv --reuid="$u" --regid="$u" --clear-groups "$@"' "$CG$1" "$2")
}

# udp_from NAME PATH USER PORT COUNT SIZE: COUNT datagrams of SIZE bytes from
# cgroup PATH as USER to a receiver in the namespace.
udp_from() {
	local name=$1 path=$2 user=$3 port=$4 count=$5 size=$6
	nmt_spawn "${name}rx" ip netns exec "$NMT_NS" "$NMT_TRAFFIC" -t 15 udp-recv "$NMT_P4" "$port" "$count" "$size"
	nmt_wait_line "$NMT_TMP/${name}rx.err" '^nm-traffic: listening on' "$(nmt_pid "${name}rx")"
	in_cgroup "$path" "$user"
	nmt_spawn "$name" "${IN_CGROUP[@]}" "$NMT_TRAFFIC" -t 15 udp-send "$NMT_P4" "$port" "$count" "$size"
	nmt_await "$name"
	nmt_await "${name}rx"
}
