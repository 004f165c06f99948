# nfcapd.bash - Debian's nfcapd as the benchmarks' collector (export_cost.sh,
# export_pacing.sh): started on a free UDP port of 127.0.0.1, stopped once it
# has read everything, its counts read from its log. Sourced; the caller
# sets DIR (a temporary directory, removed at exit: this file sets the EXIT
# trap) and PROG (its name, for messages) first.
# shellcheck disable=SC2154 # DIR and PROG: the caller's

nf_pid=

# At exit: nfcapd stopped if it still runs, DIR removed.
nfcapd_cleanup() {
	[ -n "$nf_pid" ] && kill -TERM "$nf_pid" 2>/dev/null && wait "$nf_pid" 2>/dev/null
	nf_pid=
	rm -rf "$DIR"
}
trap nfcapd_cleanup EXIT

# nfcapd_start [NFCAPD ARGS...]: nfcapd into $DIR/flows (emptied), one file
# for the whole run, on 127.0.0.1:$port (port: a free one, set here).
nfcapd_start() {
	local p
	command -v nfcapd >/dev/null || {
		echo "$PROG: error: nfcapd is missing: scripts/install-deps.sh installs nfdump" >&2
		exit 1
	}
	port=
	for _ in $(seq 50); do # bounded: 50 tries
		p=$((20000 + RANDOM % 20000))
		if [ -z "$(ss -Hlun "sport = :$p")" ]; then
			port=$p
			break
		fi
	done
	[ -n "$port" ] || { echo "$PROG: error: no free UDP port" >&2; exit 1; }
	rm -rf "$DIR/flows" && mkdir "$DIR/flows"
	# One file for the whole run (-t): its flows are logged when nfcapd stops.
	nfcapd -w "$DIR/flows" -b 127.0.0.1 -p "$port" -t 86400 "$@" 2>"$DIR/nfcapd.err" &
	nf_pid=$!
	for _ in $(seq 100); do
		grep -q 'Startup nfcapd' "$DIR/nfcapd.err" && break
		kill -0 "$nf_pid" 2>/dev/null || break
		sleep 0.1
	done
	grep -q 'Startup nfcapd' "$DIR/nfcapd.err" || {
		echo "$PROG: error: nfcapd did not start: $(tail -1 "$DIR/nfcapd.err")" >&2
		exit 1
	}
}

# nfcapd_stop: once nfcapd has read every message sent (its Recv-Q empty;
# bounded: 60 s), stop it, so that the flows it logs at exit are all it
# got; then got and seqerr are its flows and sequence errors, and drops
# the datagrams its socket dropped (its receive buffer full: the kernel's
# count, `ss -m`'s skmem d), so that the messages it received are those
# sent less drops.
# shellcheck disable=SC2034 # got, seqerr and drops: for the caller
nfcapd_stop() {
	for _ in $(seq 600); do
		[ "$(ss -Hlun "sport = :$port" | awk '{ print $2 }')" = 0 ] && break
		sleep 0.1
	done
	drops=$(ss -Hlunm "sport = :$port" | sed -n 's/.*skmem:(.*,d\([0-9]*\)).*/\1/p')
	drops=${drops:-unknown}
	kill -TERM "$nf_pid"
	wait "$nf_pid" || true
	nf_pid=
	got=$(sed -n 's/.*Flows: \([0-9]*\),.*/\1/p' "$DIR/nfcapd.err" | awk '{ n += $1 } END { print n + 0 }')
	seqerr=$(sed -n 's/.*Sequence Errors: \([0-9]*\).*/\1/p' "$DIR/nfcapd.err" | awk '{ n += $1 } END { print n + 0 }')
}
