# lib.bash - boot the installed netmon under real systemd, in a container.
#
# The VM that runs the tests has no systemd as PID 1, so the units in dist/
# are exercised in a Debian root booted with systemd-nspawn: the same
# sandboxing (capability bounding set, ProtectSystem, system call filter),
# the same systemctl start/reload/stop a user runs. The root is made once with
# debootstrap from Debian's mirror and cached; every test file boots a fresh
# copy with `make install` into it.
#
# The container gets its own network namespace with one veth, host0; its host
# end is ve-MACHINE. Traffic goes only between the two ends.

NMS_SUITE=bookworm
NMS_PACKAGES=systemd,systemd-sysv,dbus,libbpf1,libsqlite3-0,libpcap0.8,libinih1,libcap-ng0,liburing2,libmicrohttpd12,iproute2,sqlite3
NMS_CACHE=${NMS_CACHE:-/var/cache/netmon-tests/$NMS_SUITE-root}
NMS_BOOT_TIMEOUT=60

# Addresses of the two veth ends (documentation and benchmarking ranges only).
NMS_H4=198.19.250.1
NMS_C4=198.19.250.2
NMS_H6=2001:db8:fa::1
NMS_C6=2001:db8:fa::2

nms_fail() {
	echo "# $*" >&2
	return 1
}

# nms_cached_root: the debootstrapped root, made when missing or when the
# package list changed (a stamp file holds the list it was made with).
nms_cached_root() {
	local stamp=$NMS_CACHE/.netmon-packages
	if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$NMS_PACKAGES" ]; then
		return 0
	fi
	rm -rf "$NMS_CACHE"
	mkdir -p "$(dirname "$NMS_CACHE")"
	echo "# debootstrap $NMS_SUITE into $NMS_CACHE (once)" >&3
	debootstrap --variant=minbase --include="$NMS_PACKAGES" "$NMS_SUITE" \
		"$NMS_CACHE.tmp" http://deb.debian.org/debian >"$BATS_FILE_TMPDIR/debootstrap.log" 2>&1 ||
		{ tail -20 "$BATS_FILE_TMPDIR/debootstrap.log" >&2; rm -rf "$NMS_CACHE.tmp"; return 1; }
	echo "$NMS_PACKAGES" >"$NMS_CACHE.tmp/.netmon-packages"
	mv "$NMS_CACHE.tmp" "$NMS_CACHE"
}

# nms_boot CONF: copy the cached root, install netmon into it with CONF as
# /etc/netmon/netmon.conf, boot it. Sets NMS_ROOT, NMS_MACHINE, NMS_VETH,
# NMS_NSPAWN (systemd-nspawn's PID) and NMS_INIT (the container's PID 1).
nms_boot() {
	local conf=$1 i state

	nms_cached_root || return
	NMS_ROOT=$BATS_FILE_TMPDIR/root
	NMS_MACHINE=nms$(($$ % 100000))
	NMS_VETH=ve-$NMS_MACHINE
	cp -a "$NMS_CACHE" "$NMS_ROOT" || return
	# nspawn gives no /sys/fs/bpf; a host's systemd mounts one at boot. A bpffs
	# of the test's own stands in for it, so pins never meet the host's.
	NMS_BPFFS=$BATS_FILE_TMPDIR/bpffs
	mkdir -p "$NMS_BPFFS" && mount -t bpf bpf "$NMS_BPFFS" || return
	make -s O="$O" install PREFIX=/usr DESTDIR="$NMS_ROOT" >/dev/null || return
	printf '%s\n' "$conf" >"$NMS_ROOT/etc/netmon/netmon.conf"
	echo "$NMS_MACHINE" >"$NMS_ROOT/etc/hostname"
	# Enabled as a package's postinst would (the [Install] section's target).
	mkdir -p "$NMS_ROOT/etc/systemd/system/multi-user.target.wants"
	ln -sf /usr/lib/systemd/system/netmon-record.service \
		"$NMS_ROOT/etc/systemd/system/multi-user.target.wants/"

	# No machined on the host: --register=no. nspawn's own default capability
	# set and seccomp filter leave out what a real host's systemd grants, so
	# the container gets all of them and the unit's sandbox is what remains.
	systemd-nspawn -D "$NMS_ROOT" -M "$NMS_MACHINE" --boot --register=no --keep-unit \
		--network-veth --capability=all --system-call-filter='bpf perf_event_open' \
		--bind="$NMS_BPFFS:/sys/fs/bpf" \
		>"$BATS_FILE_TMPDIR/console.log" 2>&1 </dev/null &
	NMS_NSPAWN=$!
	for ((i = 0; i < NMS_BOOT_TIMEOUT * 2; i++)); do
		NMS_INIT=$(cut -d' ' -f1 "/proc/$NMS_NSPAWN/task/$NMS_NSPAWN/children" 2>/dev/null)
		if [ -n "$NMS_INIT" ]; then
			state=$(nsenter -t "$NMS_INIT" -a systemctl is-system-running 2>/dev/null) || true
			case $state in running | degraded) break ;; esac
		fi
		kill -0 "$NMS_NSPAWN" 2>/dev/null || { cat "$BATS_FILE_TMPDIR/console.log" >&2; return 1; }
		sleep 0.5
	done
	[ -n "$NMS_INIT" ] || nms_fail "the container did not start" || return
	export NMS_BPFFS NMS_ROOT NMS_MACHINE NMS_VETH NMS_NSPAWN NMS_INIT
	nms_link_up
}

# Addresses on both ends of the container's veth.
nms_link_up() {
	ip link set "$NMS_VETH" up &&
		ip addr add "$NMS_H4/24" dev "$NMS_VETH" &&
		ip -6 addr add "$NMS_H6/64" dev "$NMS_VETH" nodad &&
		nms_in ip link set host0 up &&
		nms_in ip addr add "$NMS_C4/24" dev host0 &&
		nms_in ip -6 addr add "$NMS_C6/64" dev host0 nodad
}

# nms_in CMD...: run CMD inside the container (all its namespaces).
nms_in() {
	nsenter -t "$NMS_INIT" -a "$@"
}

# nms_journal_wait UNIT REGEX [TIMEOUT]: wait until UNIT's journal has a line
# matching REGEX.
nms_journal_wait() {
	local i
	for ((i = 0; i < ${3:-30} * 2; i++)); do
		nms_in journalctl -q -u "$1" -o cat --no-pager 2>/dev/null | grep -Eq -- "$2" && return 0
		sleep 0.5
	done
	nms_in journalctl -u "$1" --no-pager | tail -30 >&2
	nms_fail "no '$2' in the journal of $1"
}

# nms_sql SQL: query the recorder's database inside the container, read-only.
nms_sql() {
	sqlite3 -bail -readonly -batch "file:$NMS_ROOT/var/lib/netmon/netmon.db?mode=ro" "$@"
}

# nms_halt: power the container off (SIGKILL to our nspawn if it hangs), then
# remove what nms_boot made.
nms_halt() {
	local i
	if [ -n "${NMS_NSPAWN:-}" ]; then
		[ -n "${NMS_INIT:-}" ] && nms_in systemctl poweroff >/dev/null 2>&1
		for ((i = 0; i < 60; i++)); do
			kill -0 "$NMS_NSPAWN" 2>/dev/null || break
			sleep 0.5
		done
		# A hung container: its init first (SIGKILL to a PID namespace's
		# init ends the namespace), then nspawn.
		if kill -0 "$NMS_NSPAWN" 2>/dev/null; then
			NMS_INIT=$(cut -d' ' -f1 "/proc/$NMS_NSPAWN/task/$NMS_NSPAWN/children" 2>/dev/null)
			[ -n "$NMS_INIT" ] && kill -9 "$NMS_INIT" 2>/dev/null
			sleep 1
			kill -9 "$NMS_NSPAWN" 2>/dev/null
		fi
		wait "$NMS_NSPAWN" 2>/dev/null
		NMS_NSPAWN=
	fi
	[ -n "${NMS_BPFFS:-}" ] && umount "$NMS_BPFFS" 2>/dev/null
	[ -n "${NMS_ROOT:-}" ] && rm -rf "$NMS_ROOT"
	return 0
}
