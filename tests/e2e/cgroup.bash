# cgroup.bash - senders inside real cgroups and as a user made for the test,
# for the e2e files that check services and users (cgroups.bats, ipfix.bats).
# The cgroups are made with lib.bash's nmt_mkcg (and removed by its
# nmt_teardown); this adds the user. Load after lib.
#
# What a test makes: the system user TUSER, deleted by cgroup_teardown.

# shellcheck disable=SC2034 # CG, TUID are for the tests that load this

# cgroup_setup: CG (the v2 hierarchy's mount, nmt_cg_setup), TUSER and TUID
# (a system user made for the test, no home, no shell).
cgroup_setup() {
	nmt_cg_setup
	CG=$NMT_CG
	TUSER=nmt-cg-$$
	useradd --system --no-create-home --shell /usr/sbin/nologin "$TUSER"
	TUID=$(id -u "$TUSER")
}

# cgroup_teardown: the user deleted (if the test did not); after nmt_teardown.
cgroup_teardown() {
	[ -n "${TUSER:-}" ] || return 0 # no cgroup_setup
	userdel "$TUSER" 2>/dev/null || true
}

# udp_from NAME PATH USER PORT COUNT SIZE: COUNT datagrams of SIZE bytes from
# cgroup PATH as USER to a receiver in the namespace.
udp_from() {
	local name=$1 path=$2 user=$3 port=$4 count=$5 size=$6
	nmt_spawn "${name}rx" ip netns exec "$NMT_NS" "$NMT_TRAFFIC" -t 15 udp-recv "$NMT_P4" "$port" "$count" "$size"
	nmt_wait_line "$NMT_TMP/${name}rx.err" '^nm-traffic: listening on' "$(nmt_pid "${name}rx")"
	nmt_in_cgroup "$path" "$user"
	nmt_spawn "$name" "${NMT_IN_CGROUP[@]}" "$NMT_TRAFFIC" -t 15 udp-send "$NMT_P4" "$port" "$count" "$size"
	nmt_await "$name"
	nmt_await "${name}rx"
}
