# lib.bash - network namespaces, real traffic and background processes for the
# end-to-end tests. Sourced by tests/e2e/*.bats (bats 1.8+, run as root).
#
# nmt_setup builds one isolated link per test:
#
#   root namespace                         namespace nmt-<pid>-<x>
#   $NMT_HOST  198.18.<x>.1/24      <-veth->  $NMT_PEER  198.18.<x>.2/24
#              2001:db8:<x>::1/64                        2001:db8:<x>::2/64
#
# The recorder watches $NMT_HOST. Offloads are off on both ends (every packet
# the TC hook sees is one wire packet), neighbours are static and neither end
# has an IPv6 link-local address or takes router advertisements, so the only
# unicast traffic between the two test addresses is what the test sends.
# Traffic goes only to those addresses (RFC 2544 benchmark range, RFC 3849
# documentation prefix), never anywhere else.
#
# Every process started here is tracked by PID, stopped with SIGTERM (never
# SIGINT: background jobs inherit SIGINT ignored) and, after a grace period,
# SIGKILL; nmt_teardown stops what is left and deletes the namespace. Only
# PIDs started by this file are ever signalled.
#
# shellcheck disable=SC2154 # NMT_PID_<name> are set by nmt_spawn (printf -v)

NMT_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
O=${O:-build}
case $O in
/*) NMT_BUILD=$O ;;
*) NMT_BUILD=$NMT_REPO/$O ;;
esac
NMT_RECORD=$NMT_BUILD/netmon-record
NMT_TRAFFIC=$NMT_BUILD/tests/tools/nm-traffic
NMT_TCX=$NMT_BUILD/tests/tools/nm-tcx
NMT_TSHARK_FLOWS=$NMT_REPO/tests/e2e/tshark-flows.sh
NMT_LOCK=/run/lock/netmon-e2e.lock
[ -d /run/lock ] || NMT_LOCK=${TMPDIR:-/tmp}/netmon-e2e.lock

# Seconds to wait for a process to become ready or to exit.
NMT_READY_TIMEOUT=${NMT_READY_TIMEOUT:-20}
NMT_EXIT_TIMEOUT=${NMT_EXIT_TIMEOUT:-15}

declare -ga NMT_PIDS=()
declare -ga NMT_CG_MADE=() # cgroups a test made (nmt_mkcg)

nmt_fail() {
	echo "e2e: $*" >&2
	return 1
}

# nmt_require BIN...: the binaries exist (a missing build fails, never skips).
nmt_require() {
	local b
	for b in "$@"; do
		[ -x "$b" ] || nmt_fail "$b is missing: build it first (make O=$O all $O/tests/tools/nm-traffic $O/tests/tools/nm-tcx)" || return
	done
}

# The recorder's default pin directory (docs/design.md, "Restart and crash").
NMT_PIN_ROOT=/sys/fs/bpf/netmon

# Delete namespaces left by killed earlier runs: nmt-<pid>-<x> whose <pid>
# no longer exists, and their interfaces' pins (nmt<pid>h<x>): a pinned
# per-process link goes on running on every socket call of the machine, its
# interface long gone. Those of live runs are left alone.
nmt_gc_leftovers() {
	local ns pid dir
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
		[[ $ns =~ ^nmt-([0-9]+)-([0-9]+)$ ]] || continue
		pid=${BASH_REMATCH[1]}
		[ -e "/proc/$pid" ] && continue
		echo "e2e: deleting namespace $ns left by a killed run" >&2
		ip netns del "$ns" 2>/dev/null || true
	done
	for dir in "$NMT_PIN_ROOT"/nmt*h*; do
		[[ ${dir##*/} =~ ^nmt([0-9]+)h([0-9]+)$ ]] || continue
		pid=${BASH_REMATCH[1]}
		[ -e "/proc/$pid" ] && continue
		echo "e2e: deleting pins $dir left by a killed run" >&2
		rm -rf "$dir"
	done
}

# A subnet index x (198.18.x.0/24, 2001:db8:x::/64) used by nobody else.
nmt_pick_subnet() {
	local start=$((($$ + ${BATS_TEST_NUMBER:-0}) % 254)) i x
	for ((i = 0; i < 254; i++)); do
		x=$(((start + i) % 254 + 1))
		[ -z "$(ip -4 route show table all to "198.18.$x.0/24" 2>/dev/null)" ] || continue
		[ -z "$(ip -4 addr show to "198.18.$x.0/24" 2>/dev/null)" ] || continue
		[ -z "$(ip -6 route show table all to "2001:db8:$x::/64" 2>/dev/null)" ] || continue
		ip netns list | grep -q "^nmt-[0-9]*-$x\b" && continue
		echo "$x"
		return 0
	done
	nmt_fail "no free 198.18.x.0/24 subnet"
}

# nmt_setup: create the namespace and the veth pair, export NMT_* names.
nmt_setup() {
	local lockfd x id

	nmt_require "$NMT_TRAFFIC" || return
	[ "$(id -u)" -eq 0 ] || nmt_fail "end-to-end tests need root" || return
	NMT_TMP=${BATS_TEST_TMPDIR:-$(mktemp -d)}
	NMT_PIDS=()

	# Choose and claim a subnet under a lock, so parallel runs never share one.
	exec {lockfd}>"$NMT_LOCK" || return
	flock -w 30 "$lockfd" || { exec {lockfd}>&-; nmt_fail "cannot lock $NMT_LOCK"; return; }
	nmt_gc_leftovers
	x=$(nmt_pick_subnet) || { exec {lockfd}>&-; return 1; }
	id=$$-$x
	NMT_X=$x
	NMT_NS=nmt-$id
	NMT_HOST=nmt${$}h$x # at most 3+7+1+3 = 14 < IFNAMSIZ characters
	NMT_PEER=nmtpeer
	NMT_HOST_MAC=$(printf '02:6e:6d:74:%02x:01' "$x")
	NMT_PEER_MAC=$(printf '02:6e:6d:74:%02x:02' "$x")
	NMT_H4=198.18.$x.1
	NMT_P4=198.18.$x.2
	NMT_H6=2001:db8:$x::1
	NMT_P6=2001:db8:$x::2
	# A third address in the namespace, only for the capture's start marker:
	# traffic to it is never between the two test addresses, which is all
	# the tests compare.
	NMT_M4=198.18.$x.3
	export NMT_X NMT_NS NMT_HOST NMT_PEER NMT_HOST_MAC NMT_PEER_MAC NMT_H4 NMT_P4 NMT_H6 NMT_P6
	export NMT_M4
	if ! nmt_build_link; then
		exec {lockfd}>&-
		nmt_fail "cannot set up $NMT_NS / $NMT_HOST"
		return 1
	fi
	exec {lockfd}>&-
}

nmt_build_link() {
	local off=(tso off gso off gro off tx-udp-segmentation off rx-gro-list off)

	ip netns add "$NMT_NS" || return
	ip link add "$NMT_HOST" address "$NMT_HOST_MAC" type veth \
		peer name "$NMT_PEER" address "$NMT_PEER_MAC" netns "$NMT_NS" || return
	# No link-local address (so no RS, no DAD, no MLD from it), no RAs.
	ip link set dev "$NMT_HOST" addrgenmode none || return
	ip -n "$NMT_NS" link set dev "$NMT_PEER" addrgenmode none || return
	sysctl -qw "net.ipv6.conf.$NMT_HOST.accept_ra=0" || return
	ip netns exec "$NMT_NS" sysctl -qw "net.ipv6.conf.$NMT_PEER.accept_ra=0" || return
	ip netns exec "$NMT_NS" sysctl -qw "net.ipv6.conf.$NMT_PEER.disable_ipv6=0" || return
	sysctl -qw "net.ipv6.conf.$NMT_HOST.disable_ipv6=0" || return
	# Every packet a wire packet: no TSO/GSO super-packets, no GRO merging.
	ethtool -K "$NMT_HOST" "${off[@]}" 2>/dev/null || return
	ip netns exec "$NMT_NS" ethtool -K "$NMT_PEER" "${off[@]}" 2>/dev/null || return
	ip addr add "$NMT_H4/24" dev "$NMT_HOST" || return
	ip addr add "$NMT_H6/64" dev "$NMT_HOST" nodad || return
	ip -n "$NMT_NS" addr add "$NMT_P4/24" dev "$NMT_PEER" || return
	ip -n "$NMT_NS" addr add "$NMT_P6/64" dev "$NMT_PEER" nodad || return
	ip -n "$NMT_NS" addr add "$NMT_M4/24" dev "$NMT_PEER" || return
	ip neigh replace "$NMT_M4" lladdr "$NMT_PEER_MAC" dev "$NMT_HOST" nud permanent || return
	ip neigh replace "$NMT_P4" lladdr "$NMT_PEER_MAC" dev "$NMT_HOST" nud permanent || return
	ip neigh replace "$NMT_P6" lladdr "$NMT_PEER_MAC" dev "$NMT_HOST" nud permanent || return
	ip -n "$NMT_NS" neigh replace "$NMT_H4" lladdr "$NMT_HOST_MAC" dev "$NMT_PEER" nud permanent || return
	ip -n "$NMT_NS" neigh replace "$NMT_H6" lladdr "$NMT_HOST_MAC" dev "$NMT_PEER" nud permanent || return
	ip -n "$NMT_NS" link set dev lo up || return
	ip link set dev "$NMT_HOST" up || return
	ip -n "$NMT_NS" link set dev "$NMT_PEER" up || return
	nmt_check_link
}

# The link is as described above: offloads off, no IPv6 link-local address.
nmt_check_link() {
	local f
	for f in tcp-segmentation-offload generic-segmentation-offload generic-receive-offload; do
		ethtool -k "$NMT_HOST" | grep -q "^$f: off" ||
			nmt_fail "$f still on for $NMT_HOST" || return
		ip netns exec "$NMT_NS" ethtool -k "$NMT_PEER" | grep -q "^$f: off" ||
			nmt_fail "$f still on for $NMT_PEER" || return
	done
	if ip -6 addr show dev "$NMT_HOST" scope link | grep -q inet6; then
		nmt_fail "$NMT_HOST has an IPv6 link-local address"
		return
	fi
}

# nmt_teardown: stop every process started here, delete the link and namespace.
nmt_teardown() {
	local pid rc=0 left
	for pid in "${NMT_PIDS[@]}"; do
		nmt_stop_pid "$pid" >/dev/null 2>&1 || true
	done
	NMT_PIDS=()
	nmt_cg_cleanup
	[ -n "${NMT_NS:-}" ] || return $rc
	left=$(ip netns pids "$NMT_NS" 2>/dev/null)
	if [ -n "$left" ]; then
		echo "e2e: processes still in $NMT_NS: $left" >&2
		rc=1
	fi
	ip link del "$NMT_HOST" 2>/dev/null || true
	# A test that stopped with --keep-attached (or failed before its stop)
	# leaves pins: their links would count on.
	rm -rf "${NMT_PIN_ROOT:?}/$NMT_HOST"
	ip netns del "$NMT_NS" 2>/dev/null || true
	if ip netns list | grep -q "^$NMT_NS\b"; then
		echo "e2e: namespace $NMT_NS still exists" >&2
		rc=1
	fi
	return $rc
}

nmt_in_ns() {
	ip netns exec "$NMT_NS" "$@"
}

# nmt_alive PID: PID is running (bash reaps its children, so a finished child
# is gone while its status stays available to wait).
nmt_alive() {
	kill -0 "$1" 2>/dev/null
}

# nmt_wait_exit PID [TIMEOUT]: wait for PID (a child of this shell) to exit;
# returns its exit status, or 124 if it is still running after TIMEOUT s.
nmt_wait_exit() {
	local pid=$1 n=$((${2:-$NMT_EXIT_TIMEOUT} * 20)) st=0
	while nmt_alive "$pid" && ((n-- > 0)); do
		sleep 0.05
	done
	nmt_alive "$pid" && return 124
	wait "$pid" || st=$?
	nmt_forget "$pid"
	return $st
}

nmt_forget() {
	local i
	for i in "${!NMT_PIDS[@]}"; do
		[ "${NMT_PIDS[$i]}" = "$1" ] && unset 'NMT_PIDS[$i]'
	done
	NMT_PIDS=("${NMT_PIDS[@]}")
}

# nmt_stop_pid PID: SIGTERM, wait, then SIGKILL. Returns the exit status
# (124 if SIGKILL was needed).
nmt_stop_pid() {
	local pid=$1 st=0
	nmt_alive "$pid" && kill -TERM "$pid" 2>/dev/null
	nmt_wait_exit "$pid" || st=$?
	if [ $st -eq 124 ]; then
		echo "e2e: PID $pid ignored SIGTERM for ${NMT_EXIT_TIMEOUT}s, sending SIGKILL" >&2
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		nmt_forget "$pid"
		return 124
	fi
	return $st
}

# nmt_wait_line FILE REGEX PID [TIMEOUT]: wait until FILE has a line matching
# REGEX; fails early if PID exits first.
nmt_wait_line() {
	local file=$1 re=$2 pid=$3 n=$((${4:-$NMT_READY_TIMEOUT} * 20))
	while ((n-- > 0)); do
		grep -qE -- "$re" "$file" 2>/dev/null && return 0
		if ! nmt_alive "$pid"; then
			grep -qE -- "$re" "$file" 2>/dev/null && return 0
			nmt_fail "PID $pid exited before printing /$re/ in $file"
			return 1
		fi
		sleep 0.05
	done
	nmt_fail "no /$re/ in $file after ${4:-$NMT_READY_TIMEOUT}s"
}

# nmt_spawn NAME CMD...: start CMD in the background with stdout and stderr in
# $NMT_TMP/NAME.out and NAME.err; its PID in NMT_PID_<NAME>. Closes fd 3 so
# that bats does not wait for it.
nmt_spawn() {
	local name=$1
	shift
	# Emptied here, not by the child's redirection: that happens after the
	# fork, and a readiness check could meanwhile find the line a previous
	# process of the same name left in the file.
	: >"$NMT_TMP/$name.out" && : >"$NMT_TMP/$name.err" || return
	"$@" >>"$NMT_TMP/$name.out" 2>>"$NMT_TMP/$name.err" 3>&- &
	NMT_PIDS+=($!)
	printf -v "NMT_PID_$name" '%s' $!
}

nmt_pid() {
	local v=NMT_PID_$1
	echo "${!v}"
}

# nmt_dump NAME...: show a spawned process's output (for failure messages).
nmt_dump() {
	local name
	for name in "$@"; do
		echo "--- $name stdout:"
		cat "$NMT_TMP/$name.out" 2>/dev/null
		echo "--- $name stderr:"
		cat "$NMT_TMP/$name.err" 2>/dev/null
	done
}

# nmt_await NAME [TIMEOUT]: wait for a spawned process; non-zero status or a
# timeout fails with its output shown.
nmt_await() {
	local st=0
	nmt_wait_exit "$(nmt_pid "$1")" "${2:-$NMT_EXIT_TIMEOUT}" || st=$?
	if [ $st -ne 0 ]; then
		nmt_dump "$1" >&2
		nmt_fail "$1 exited with status $st"
		return 1
	fi
}

# ---- cgroups ---------------------------------------------------------------------

# nmt_cg_setup: the cgroup v2 hierarchy's mount point into NMT_CG, found
# from mountinfo as the recorder finds it (/sys/fs/cgroup/unified on hybrid
# hosts such as the CI's). nmt_mkcg notes what it makes in NMT_CG_MADE,
# deepest last; nmt_teardown removes those once the test's processes ended.
nmt_cg_setup() {
	NMT_CG=$(awk '{ for (i = 7; i <= NF; i++) if ($i == "-") break;
		    if ($(i + 1) == "cgroup2" && $4 == "/") { print $5; exit } }' /proc/self/mountinfo)
	[ -n "$NMT_CG" ] || nmt_fail "no cgroup v2 hierarchy in /proc/self/mountinfo"
	NMT_CG_MADE=()
}

# nmt_mkcg PATH: make cgroup PATH (below $NMT_CG) and its missing parents.
nmt_mkcg() {
	local p="" part
	local -a parts
	IFS=/ read -ra parts <<<"${1#/}"
	for part in "${parts[@]}"; do
		p=$p/$part
		[ -d "$NMT_CG$p" ] && continue
		mkdir "$NMT_CG$p"
		NMT_CG_MADE+=("$NMT_CG$p")
	done
}

# nmt_in_cgroup PATH USER: the command prefix (in NMT_IN_CGROUP) that runs a
# command inside cgroup PATH as USER, in it before its first byte: the shell
# moves itself, then becomes the command (same PID, which nmt_spawn records).
nmt_in_cgroup() {
	# shellcheck disable=SC2016,SC2034 # $$ and $1 are the inner shell's; the caller's array
	NMT_IN_CGROUP=(sh -c 'echo $$ >"$0/cgroup.procs" && u=$1 && shift &&
		exec setpriv --reuid="$u" --regid="$u" --clear-groups "$@"' "$NMT_CG$1" "$2")
}

# nmt_cg_cleanup: remove the cgroups nmt_mkcg made (their processes ended).
nmt_cg_cleanup() {
	local i
	for ((i = ${#NMT_CG_MADE[@]} - 1; i >= 0; i--)); do
		[ -d "${NMT_CG_MADE[$i]}" ] || continue # the test removed it
		rmdir "${NMT_CG_MADE[$i]}" || echo "e2e: cannot remove cgroup ${NMT_CG_MADE[$i]}" >&2
	done
	NMT_CG_MADE=()
}

# ---- the recorder -------------------------------------------------------------

# Upper bound on every recorder and capture run (seconds), so that neither
# outlives a test run killed before its teardown.
NMT_MAX_RUN=${NMT_MAX_RUN:-120}

# nmt_rec_start DB [ARGS...]: start netmon-record on $NMT_HOST with 1 s
# intervals, wait for "recording on". Log in $NMT_TMP/rec.err. Unless ARGS
# has its own --duration, the run is bounded by --duration $NMT_MAX_RUN.
nmt_rec_start() {
	local db=$1 limit=(--duration "$NMT_MAX_RUN")
	shift
	[[ " $* " == *" --duration "* ]] && limit=()
	nmt_spawn rec "$NMT_RECORD" -i "$NMT_HOST" --db "$db" --interval 1 "${limit[@]}" "$@"
	if ! nmt_wait_line "$NMT_TMP/rec.err" 'recording on' "$NMT_PID_rec"; then
		nmt_dump rec >&2
		return 1
	fi
}

# nmt_rec_stop: SIGTERM the recorder and require exit status 0.
nmt_rec_stop() {
	NMT_REC_STATUS=0
	nmt_stop_pid "$NMT_PID_rec" || NMT_REC_STATUS=$?
	if [ "$NMT_REC_STATUS" -ne 0 ]; then
		nmt_dump rec >&2
		nmt_fail "netmon-record exited with status $NMT_REC_STATUS after SIGTERM"
		return 1
	fi
}

# ---- the capture -------------------------------------------------------------

# nmt_cap_start FILE: tshark on $NMT_HOST, ready once it says "Capturing on".
nmt_cap_start() {
	NMT_CAP_FILE=$1
	# -B: a 32 MiB kernel buffer, so that a busy machine does not drop packets.
	nmt_spawn cap tshark -n -B 32 -a "duration:$NMT_MAX_RUN" -i "$NMT_HOST" -w "$NMT_CAP_FILE"
	if ! nmt_wait_line "$NMT_TMP/cap.err" 'Capturing on' "$NMT_PID_cap"; then
		nmt_dump cap >&2
		return 1
	fi
	# "Capturing on" can come before packets are really captured (a SYN-ACK
	# was once missing): send marker datagrams to the marker address until
	# the file holds one. dumpcap makes a packet readable within ~0.2 s.
	local i
	for i in $(seq 50); do
		"$NMT_TRAFFIC" -t 2 udp-send "$NMT_M4" 9 1 0 >/dev/null 2>&1 || true
		sleep 0.1
		if [ -n "$(tshark -r "$NMT_CAP_FILE" -n -Y "ip.dst == $NMT_M4" 2>/dev/null | head -1)" ]; then
			return 0
		fi
	done
	nmt_dump cap >&2
	nmt_fail "the capture never showed its start marker"
	return 1
}

nmt_cap_stop() {
	local st=0 i seen marked=0
	# dumpcap hands packets over a block of its ring at a time: those in the
	# block still filling when it is stopped never reach the file (the last
	# datagrams of a test were once missing). A marker sent now and seen in
	# the file was written after every packet before it.
	seen=$(tshark -r "$NMT_CAP_FILE" -n -Y "ip.dst == $NMT_M4" 2>/dev/null | wc -l)
	for i in $(seq 50); do
		"$NMT_TRAFFIC" -t 2 udp-send "$NMT_M4" 9 1 0 >/dev/null 2>&1 || true
		sleep 0.1
		if (($(tshark -r "$NMT_CAP_FILE" -n -Y "ip.dst == $NMT_M4" 2>/dev/null | wc -l) > seen)); then
			marked=1
			break
		fi
	done
	if ((marked == 0)); then
		nmt_dump cap >&2
		nmt_fail "the capture never showed its end marker"
		return 1
	fi
	nmt_stop_pid "$NMT_PID_cap" || st=$?
	if [ $st -ne 0 ]; then
		nmt_dump cap >&2
		nmt_fail "tshark exited with status $st after SIGTERM"
		return 1
	fi
	# "N packets captured" and, when the kernel dropped some, a "dropped" line.
	if grep -qE '[1-9][0-9]* packets? dropped' "$NMT_TMP/cap.err"; then
		nmt_dump cap >&2
		nmt_fail "the capture is incomplete: tshark dropped packets"
		return 1
	fi
}

# ---- traffic --------------------------------------------------------------------

# nmt_root_port DIR SPORT DPORT [SOCKETS]: the ports the root side binds for
# traffic in DIR (out: SPORT up to SPORT + SOCKETS - 1; in: the receiver's
# DPORT) lie outside the machine's ephemeral range (ip_local_port_range):
# there a connection the machine already has can hold one, and the bind
# fails "Address already in use" (tests/crash/crash.bats met it in CI).
# Ports bound in the test's own namespace cannot collide with the host's.
nmt_root_port() {
	local dir=$1 first=$2 last lo hi what
	if [ "$dir" = out ]; then
		last=$((first + ${4:-1} - 1)) what="source port"
	else
		first=$3 last=$3 what="receiver's port"
	fi
	read -r lo hi </proc/sys/net/ipv4/ip_local_port_range || return
	((last < lo || first > hi)) && return 0
	((last > first)) && what="${what}s $first-$last, bound on the root side, lie" ||
		what="$what $first, bound on the root side, lies"
	nmt_fail "$dir traffic: the $what in the machine's" \
		"ephemeral range $lo-$hi (net.ipv4.ip_local_port_range), where a connection" \
		"may already hold it: take one below $lo"
}

# nmt_udp DIR FAMILY SPORT DPORT COUNT SIZE [SOCKETS [GAP_US]]: COUNT datagrams
# of SIZE bytes, "out" from the root side to the namespace, "in" the other way;
# with SOCKETS, sent in turn from that many sockets (ports SPORT, SPORT + 1,
# ...); with GAP_US, that pause between datagrams.
nmt_udp() {
	local dir=$1 fam=$2 sport=$3 dport=$4 count=$5 size=$6 socks=${7:-1} gap=${8:-0} dst
	local -a rx tx
	nmt_addrs "$dir" "$fam" || return
	nmt_root_port "$dir" "$sport" "$dport" "$socks" || return
	dst=$NMT_DST
	rx=("$NMT_TRAFFIC" -t 15 udp-recv "$dst" "$dport" "$count" "$size")
	tx=("$NMT_TRAFFIC" -t 15 -p "$sport" -s "$socks" -g "$gap" udp-send "$dst" "$dport" "$count" "$size")
	if [ "$dir" = out ]; then
		rx=(ip netns exec "$NMT_NS" "${rx[@]}")
	else
		tx=(ip netns exec "$NMT_NS" "${tx[@]}")
	fi
	nmt_spawn udprx "${rx[@]}"
	nmt_wait_line "$NMT_TMP/udprx.err" '^nm-traffic: listening on' "$NMT_PID_udprx" ||
		{ nmt_dump udprx >&2; return 1; }
	nmt_spawn udptx "${tx[@]}"
	nmt_await udptx || return
	nmt_await udprx || return
	grep -q "datagrams=$count bytes=$((count * size))\$" "$NMT_TMP/udprx.out" ||
		{ nmt_dump udprx >&2; nmt_fail "udp-recv did not get $count x $size bytes"; }
}

# nmt_udp_stream NAME DIR FAMILY SPORT DPORT COUNT SIZE GAP_US [SECS]: a paced
# UDP stream in the background (receiver NAME.rx, sender NAME.tx), each
# bounded by SECS (60). The caller waits for the sender or stops both.
nmt_udp_stream() {
	local name=$1 dir=$2 fam=$3 sport=$4 dport=$5 count=$6 size=$7 gap=$8 secs=${9:-60}
	local -a rx tx
	nmt_addrs "$dir" "$fam" || return
	nmt_root_port "$dir" "$sport" "$dport" || return
	rx=("$NMT_TRAFFIC" -t "$secs" udp-recv "$NMT_DST" "$dport" "$count" "$size")
	tx=("$NMT_TRAFFIC" -t "$secs" -g "$gap" -p "$sport" udp-send "$NMT_DST" "$dport" "$count"
		"$size")
	if [ "$dir" = out ]; then
		rx=(ip netns exec "$NMT_NS" "${rx[@]}")
	else
		tx=(ip netns exec "$NMT_NS" "${tx[@]}")
	fi
	nmt_spawn "${name}rx" "${rx[@]}"
	nmt_wait_line "$NMT_TMP/${name}rx.err" '^nm-traffic: listening on' "$(nmt_pid "${name}rx")" ||
		return
	nmt_spawn "${name}tx" "${tx[@]}"
}

# nmt_proc_side DB PID LOCAL_PORT REMOTE_PORT: "comm|sent|recv|sends|recvs" of
# process PID's sockets with these ports in process_log, summed over the
# intervals. By pid too: per-process accounting is host-wide, and a test run
# elsewhere on the host may use the same ports at the same time.
nmt_proc_side() {
	nmt_sql "$1" "SELECT comm, sum(bytes_sent), sum(bytes_recv), sum(sends), sum(recvs)
		FROM process_log WHERE pid = $2 AND local_port = $3 AND remote_port = $4
		GROUP BY comm"
}

# nmt_tcp DIR FAMILY SPORT DPORT BYTES: one connection carrying BYTES from
# the sender ("out": root side sends) to the receiver, closed normally.
nmt_tcp() {
	local dir=$1 fam=$2 sport=$3 dport=$4 bytes=$5 dst
	local -a rx tx
	nmt_addrs "$dir" "$fam" || return
	nmt_root_port "$dir" "$sport" "$dport" || return
	dst=$NMT_DST
	rx=("$NMT_TRAFFIC" -t 20 tcp-recv "$dst" "$dport" "$bytes")
	tx=("$NMT_TRAFFIC" -t 20 -p "$sport" tcp-send "$dst" "$dport" "$bytes")
	if [ "$dir" = out ]; then
		rx=(ip netns exec "$NMT_NS" "${rx[@]}")
	else
		tx=(ip netns exec "$NMT_NS" "${tx[@]}")
	fi
	nmt_spawn tcprx "${rx[@]}"
	nmt_wait_line "$NMT_TMP/tcprx.err" '^nm-traffic: listening on' "$NMT_PID_tcprx" ||
		{ nmt_dump tcprx >&2; return 1; }
	nmt_spawn tcptx "${tx[@]}"
	nmt_await tcptx 25 || return
	nmt_await tcprx 25 || return
	grep -q " bytes=$bytes\$" "$NMT_TMP/tcprx.out" ||
		{ nmt_dump tcprx >&2; nmt_fail "tcp-recv did not get $bytes bytes"; }
}

# nmt_dns_split: the two DNS answers over TCP that no segment holds whole
# (tests/e2e/dns-split.py: one split over two segments, one cut short), from
# its server in the namespace to the host, asked for and all sent.
nmt_dns_split() {
	local py=$NMT_REPO/tests/e2e/dns-split.py out
	nmt_spawn split ip netns exec "$NMT_NS" python3 "$py" serve "$NMT_P4" "$NMT_X"
	nmt_wait_line "$NMT_TMP/split.err" '^dns-split: listening' "$NMT_PID_split" || return
	out=$(python3 "$py" ask "$NMT_P4" "$NMT_X" 2>&1) ||
		{ echo "$out"; nmt_dump split >&2; nmt_fail "dns-split.py ask failed"; return 1; }
	nmt_await split
}

# nmt_addrs DIR FAMILY: NMT_SRC/NMT_DST for traffic in that direction as seen
# by $NMT_HOST (out: host -> peer; in: peer -> host).
# shellcheck disable=SC2034 # NMT_SRC is for callers
nmt_addrs() {
	case $1/$2 in
	out/4) NMT_SRC=$NMT_H4 NMT_DST=$NMT_P4 ;;
	out/6) NMT_SRC=$NMT_H6 NMT_DST=$NMT_P6 ;;
	in/4) NMT_SRC=$NMT_P4 NMT_DST=$NMT_H4 ;;
	in/6) NMT_SRC=$NMT_P6 NMT_DST=$NMT_H6 ;;
	*) nmt_fail "nmt_addrs: bad direction/family '$1/$2'" ;;
	esac
}

# ---- the database ------------------------------------------------------------------

# The flow columns compared everywhere, one line per flow and direction,
# summed over intervals: direction|family|protocol|src|src_port|dst|dst_port|
# packets|bytes|tcp_flags (OR)|syn|fin|rst. tcp_flags is ORed bit by bit
# (SQLite has no bitwise-OR aggregate).
NMT_FLOW_COLS="direction, family, protocol, src, src_port, dst, dst_port,
	sum(packets), sum(bytes),
	max(tcp_flags & 1) | max(tcp_flags & 2) | max(tcp_flags & 4) | max(tcp_flags & 8) |
	max(tcp_flags & 16) | max(tcp_flags & 32) | max(tcp_flags & 64) | max(tcp_flags & 128),
	sum(syn), sum(fin), sum(rst)"

nmt_sql() {
	local db=$1
	shift
	sqlite3 -bail -readonly -batch "file:$db?mode=ro" "$@"
}

# nmt_wait_intervals DB WHERE N [SECONDS]: wait (bounded, default 20 s) until
# DB holds at least N intervals matching the SQL condition WHERE; fails with
# the recorder's output and how many there were.
nmt_wait_intervals() {
	local db=$1 where=$2 want=$3 n=$((${4:-20} * 10)) have=0
	while ((n-- > 0)); do
		have=$(nmt_sql "$db" "SELECT count(*) FROM intervals WHERE $where") || have=0
		[ "$have" -ge "$want" ] && return 0
		sleep 0.1
	done
	nmt_dump rec
	nmt_fail "$have of $want intervals ($where) after ${4:-20} s"
}

# nmt_wait_written DB [N]: wait (bounded) until the interval holding this
# moment, and N - 1 more after it (N defaults to 1), are committed: every
# packet counted until now is in DB, written at an interval's end as a
# running recorder writes it (not in the partial last interval of a stop),
# and traffic sent from here on lands in a later interval.
nmt_wait_written() {
	local now
	now=$(date +%s)
	nmt_wait_intervals "$1" "ts_end > $now" "${2:-1}"
}

# nmt_db_flows DB: the flows between the two test addresses on $NMT_HOST.
# (Names and addresses are generated by nmt_setup, safe to inline.)
nmt_db_flows() {
	nmt_sql "$1" "SELECT $NMT_FLOW_COLS FROM flow_log
		WHERE interface = '$NMT_HOST' AND (
		   (src = '$NMT_H4' AND dst = '$NMT_P4') OR (src = '$NMT_P4' AND dst = '$NMT_H4')
		OR (src = '$NMT_H6' AND dst = '$NMT_P6') OR (src = '$NMT_P6' AND dst = '$NMT_H6'))
		GROUP BY direction, family, protocol, src, src_port, dst, dst_port" | LC_ALL=C sort
}

# nmt_cap_flows FILE: the same lines from tshark's decoding of a capture.
nmt_cap_flows() {
	"$NMT_TSHARK_FLOWS" "$1" "$NMT_HOST_MAC" |
		awk -F'|' -v h4="$NMT_H4" -v p4="$NMT_P4" -v h6="$NMT_H6" -v p6="$NMT_P6" '
			($4 == h4 && $6 == p4) || ($4 == p4 && $6 == h4) ||
			($4 == h6 && $6 == p6) || ($4 == p6 && $6 == h6)' | LC_ALL=C sort
}

# nmt_check_flows DB EXPECTED: the database's flows between the test addresses
# are exactly the lines of EXPECTED (a labelled diff otherwise).
nmt_check_flows() {
	nmt_db_flows "$1" >"$NMT_TMP/db.flows"
	nmt_same expected "$2" flow_log "$NMT_TMP/db.flows"
}

# nmt_per_interval DB VIEW: VIEW's packets and bytes on the test interface per
# interval, direction, family and protocol, one sorted line each (flow_log and
# traffic_log must give the same lines).
nmt_per_interval() {
	nmt_sql "$1" "SELECT ts_start, ts_end, direction, family, protocol, sum(packets),
		sum(bytes) FROM $2 WHERE interface = '$NMT_HOST'
		GROUP BY ts_start, ts_end, direction, family, protocol
		ORDER BY ts_start, ts_end, direction, family, protocol"
}

# nmt_flow DIR FAMILY PROTO SRC SPORT DST DPORT PACKETS BYTES [FLAGS SYN FIN RST]
nmt_flow() {
	echo "$1|$2|$3|$4|$5|$6|$7|$8|$9|${10:-0}|${11:-0}|${12:-0}|${13:-0}"
}

# nmt_same NAME_A FILE_A NAME_B FILE_B: identical, else a labelled diff.
nmt_same() {
	if ! diff -u --label "$1" "$2" --label "$3" "$4"; then
		nmt_fail "$1 and $3 differ (see the diff above)"
		return 1
	fi
}

# nmt_tc_programs DEV: every TC program on DEV, one per line: the clsact
# filters, then the tcx links ("ingress NAME", nm-tcx) netmon attaches
# where the kernel has tcx.
nmt_tc_programs() {
	nmt_require "$NMT_TCX" || return
	tc filter show dev "$1" ingress 2>/dev/null
	tc filter show dev "$1" egress 2>/dev/null
	"$NMT_TCX" "$1"
}

# nmt_netmon_filters: how many of netmon's TC programs (filters or tcx
# links) and XDP programs are on $NMT_HOST.
nmt_netmon_filters() {
	{
		nmt_tc_programs "$NMT_HOST"
		ip link show dev "$NMT_HOST" | grep -o 'prog/xdp id [0-9]*'
	} | grep -c 'netmon\|xdp' || true
}

# nmt_filters: every clsact qdisc, filter and tcx link on $NMT_HOST, one per line.
nmt_filters() {
	tc qdisc show dev "$NMT_HOST" | grep -w clsact || true
	nmt_tc_programs "$NMT_HOST"
}
