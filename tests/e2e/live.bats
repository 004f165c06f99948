#!/usr/bin/env bats
# live.bats - netmon-record --live on a real terminal: tmux runs the recorder
# in a detached session of its own server (-L, so no other tmux is touched),
# the test sends known traffic across the test veth and reads the screen with
# capture-pane: the sections, the protocol, the port's application name, the
# sending process's name, user and service, rates of the right size, a hostile process name
# made inert, a resize, and q or ^C ending the run with exit 0, the terminal
# restored and every byte in the database; ^Z and fg from a shell with job
# control, with traffic sent while the recorder is stopped; a port named
# while the view runs.

# shellcheck disable=SC2154 # set where shellcheck cannot see: NMT_PID_<name> by nmt_spawn (printf -v)
bats_require_minimum_version 1.5.0

load lib

COUNT=2500 # datagrams of 1000 bytes, one per 2 ms: ~5 s, at most 500/s

setup() {
	nmt_require "$NMT_RECORD"
	command -v tmux >/dev/null || nmt_fail "tmux is missing: scripts/install-deps.sh installs it"
	nmt_setup
	DB=$NMT_TMP/netmon.db
	TM=(tmux -L "nmt-live-$$-$NMT_X" -f /dev/null)
	nmt_cg_setup
	SVC=/nmt-live-$$-$NMT_X.slice/livesend.service # livesender's cgroup
}

teardown() {
	local pid n=300
	# The recorder by its PID (a tmux kill would send SIGHUP: a reload).
	if [ -s "$NMT_TMP/rec.pid" ]; then
		pid=$(cat "$NMT_TMP/rec.pid")
		kill -TERM "$pid" 2>/dev/null || true
		kill -CONT "$pid" 2>/dev/null || true # left stopped by a failed ^Z test
		while kill -0 "$pid" 2>/dev/null && ((n-- > 0)); do sleep 0.05; done
	fi
	"${TM[@]}" kill-server 2>/dev/null || true
	nmt_teardown
}

# live_start [ARGS...]: the recorder with --live in a W x H pane; its PID in
# rec.pid, its stderr in rec.err, then "exit=N" in status and the terminal's
# settings (stty -a) in stty once it ends.
live_start() {
	local w=$1 h=$2
	shift 2
	cat >"$NMT_TMP/run.sh" <<-EOS
		#!/bin/bash
		bash -c 'echo \$\$ >"\$0/rec.pid"; exec "\$@"' "$NMT_TMP" "$NMT_RECORD" \
			-i "$NMT_HOST" --db "$DB" --interval 2 --duration "$NMT_MAX_RUN" --live $* \
			2>"$NMT_TMP/rec.err"
		echo "exit=\$?" >"$NMT_TMP/status"
		stty -a >"$NMT_TMP/stty"
	EOS
	chmod +x "$NMT_TMP/run.sh"
	"${TM[@]}" new-session -d -s live -x "$w" -y "$h" "$NMT_TMP/run.sh"
	pane_wait 'TOP FLOWS' || { cat "$NMT_TMP/rec.err" >&2; return 1; }
}

# pane FILE: the screen as text, wrapped lines joined (-J): a frame wider
# than the pane would show as a line longer than it.
pane() {
	"${TM[@]}" capture-pane -p -J -t live >"$1"
}

# pane_wait REGEX: until the screen shows REGEX (10 s).
pane_wait() {
	local n=200
	while ((n-- > 0)); do
		pane "$NMT_TMP/pane" 2>/dev/null && grep -qE -- "$1" "$NMT_TMP/pane" && return 0
		sleep 0.05
	done
	echo "no /$1/ on the screen:" >&2
	cat "$NMT_TMP/pane" >&2
	return 1
}

# frames N FILE: wait for N frames after the one on the screen (each has its
# second in the header line), then keep the screen in FILE.
frames() {
	local k=$1 head n
	head=$(grep -m1 '^netmon live' "$NMT_TMP/pane")
	while ((k-- > 0)); do
		n=200
		while ((n-- > 0)); do
			pane "$NMT_TMP/pane" 2>/dev/null &&
				[ "$(grep -m1 '^netmon live' "$NMT_TMP/pane")" != "$head" ] && break
			sleep 0.05
		done
		((n >= 0)) || { cat "$NMT_TMP/pane" >&2; nmt_fail "no new frame after 10 s"; return; }
		head=$(grep -m1 '^netmon live' "$NMT_TMP/pane")
	done
	cp "$NMT_TMP/pane" "$2"
}

# fitted W FILE: wait until the screen, wrapped lines joined, has a frame
# (its header line) and no line wider than W: one drawn for a window W wide
# (the old frame, reflowed, joins into longer lines). Keeps it in FILE.
fitted() {
	local n=200
	while ((n-- > 0)); do
		pane "$2" 2>/dev/null && grep -q '^netmon live' "$2" &&
			(($(awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }' "$2") <= $1)) &&
			return 0
		sleep 0.05
	done
	cat "$2" >&2
	nmt_fail "no frame $1 columns wide after 10 s"
}

# bytes VALUE UNIT: "502.0" "KiB" -> bytes (an integer).
bytes() {
	awk -v v="$1" -v u="$2" 'BEGIN {
		m = u == "B" ? 1 : u == "KiB" ? 1024 : u == "MiB" ? 1048576 : u == "GiB" ? 1073741824 : -1
		printf "%d\n", v * m }'
}

# status_wait: the recorder's exit status line, once it has ended.
status_wait() {
	local n=400
	while [ ! -s "$NMT_TMP/status" ] && ((n-- > 0)); do sleep 0.05; done
	cat "$NMT_TMP/status"
}

# Two senders across the veth: "livesender" UDP 20053 -> 53 (domain), as
# root in the cgroup $SVC (made here), and one named with an escape
# sequence, UDP 20009 -> 9 (discard), slowly.
send_traffic() {
	HOSTILE=$'ev\e[31mil'
	cp "$NMT_TRAFFIC" "$NMT_TMP/livesender"
	cp "$NMT_TRAFFIC" "$NMT_TMP/$HOSTILE"
	nmt_spawn rx ip netns exec "$NMT_NS" "$NMT_TRAFFIC" -t 30 udp-recv "$NMT_P4" 53 $COUNT 1000
	nmt_spawn rx2 ip netns exec "$NMT_NS" "$NMT_TRAFFIC" -t 30 udp-recv "$NMT_P4" 9 500 100
	nmt_wait_line "$NMT_TMP/rx.err" '^nm-traffic: listening on' "$NMT_PID_rx"
	nmt_wait_line "$NMT_TMP/rx2.err" '^nm-traffic: listening on' "$NMT_PID_rx2"
	nmt_mkcg "$SVC"
	nmt_in_cgroup "$SVC" 0
	nmt_spawn tx "${NMT_IN_CGROUP[@]}" "$NMT_TMP/livesender" -t 30 -p 20053 -g 2000 udp-send "$NMT_P4" 53 $COUNT 1000
	nmt_spawn tx2 "$NMT_TMP/$HOSTILE" -t 30 -p 20009 -g 10000 udp-send "$NMT_P4" 9 500 100
}

traffic_done() {
	nmt_await tx 30 && nmt_await tx2 30 && nmt_await rx 30 && nmt_await rx2 30
}

@test "live view: protocols, applications, processes and flows at their rates; resize; q" {
	live_start 120 50
	send_traffic
	# Two frames into the traffic: the first that shows the flow, then two
	# more, whose rates span a whole frame of it.
	pane_wait "^out udp $NMT_H4:20053 > $NMT_P4:53 "
	frames 2 "$NMT_TMP/p1"
	cat "$NMT_TMP/p1"
	local title
	for title in PROTOCOLS 'TOP PROCESSES' 'TRAFFIC BY PROTOCOL, SERVER PORT AND APPLICATION' \
		'TOP FLOWS' 'ANOMALIES'; do
		grep -q "^$title" "$NMT_TMP/p1"
	done
	# The protocol, sending out at KiB/s.
	grep -qE '^udp +[0-9.]+ [KMG]?i?B/s +[0-9]+ +[0-9.]+ KiB/s' "$NMT_TMP/p1"
	# On a terminal, q is offered.
	grep -q '^netmon live (q quits)  ' "$NMT_TMP/p1"
	# The server port with its application name, sending out: in/s (none
	# comes back) before out/s, as in every other section.
	pane_wait '^proto +port +application +in/s +out/s +pkt/s'
	grep -qE '^udp +53 domain +0 B/s +[0-9.]+ KiB/s' "$NMT_TMP/p1"
	grep -qE '^udp +9 discard ' "$NMT_TMP/p1"
	# The process by name, its user and its service (the unit its cgroup
	# names), sending KiB/s of payload.
	pane_wait '^pid +process +user +service +sent/s +recv/s +total/s$'
	grep -qE "^$NMT_PID_tx +livesender +root +livesend\.service +[0-9.]+ KiB/s" "$NMT_TMP/p1"
	# The hostile name shown as text: had its ESC reached tmux, the pane
	# would read "evil" (capture-pane drops attributes).
	grep -qF 'ev\x1b[31mil' "$NMT_TMP/p1"
	run -1 grep -q 'evil' "$NMT_TMP/p1"
	# The flow: bytes per packet exactly what a 1000-byte datagram is on
	# the wire (1028 L3 bytes, within the display's rounding), at most the
	# 500/s the sender's pace allows, and a real rate (over 100/s).
	local line v u pps b
	line=$(grep -E "^out udp $NMT_H4:20053 > $NMT_P4:53 " "$NMT_TMP/p1")
	read -r v u pps <<<"$(echo "$line" | awk '{ sub("/s", "", $(NF-1)); print $(NF-2), $(NF-1), $NF }')"
	b=$(bytes "$v" "$u")
	echo "flow: $v $u/s = $b B/s, $pps pkt/s"
	((pps >= 100 && pps <= 520))
	((b * 1000 >= pps * 1028 * 990 && b * 1000 <= pps * 1028 * 1010))

	# A smaller window: the frame follows (SIGWINCH) and fits, every section
	# still there.
	"${TM[@]}" resize-window -t live -x 64 -y 26
	fitted 64 "$NMT_TMP/p2"
	cat "$NMT_TMP/p2"
	(($(awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }' "$NMT_TMP/p2") <= 64))
	(($(wc -l <"$NMT_TMP/p2") <= 26))
	for title in PROTOCOLS 'TOP PROCESSES' 'TOP FLOWS' 'ANOMALIES'; do
		grep -q "^$title" "$NMT_TMP/p2"
	done
	grep -qE '^dir flow +bytes/s +pkt/s$' "$NMT_TMP/p2"

	# q: the last interval written, exit 0, the terminal as it was.
	traffic_done
	"${TM[@]}" send-keys -t live q
	[ "$(status_wait)" = exit=0 ]
	grep -q 'q: writing the last interval' "$NMT_TMP/rec.err"
	grep -qE '(^| )icanon( |$)' "$NMT_TMP/stty"
	grep -qE '(^| )echo( |$)' "$NMT_TMP/stty"
	# Every datagram in the database: the view's peeks take nothing away.
	[ "$(nmt_sql "$DB" "SELECT sum(packets), sum(bytes) FROM flow_log
		WHERE interface = '$NMT_HOST' AND src = '$NMT_H4' AND src_port = 20053
		AND dst = '$NMT_P4' AND dst_port = 53")" = "$COUNT|$((COUNT * 1028))" ]
	(($(nmt_sql "$DB" "SELECT count(*) FROM intervals") >= 3))
}

@test "live view: ^C ends the run cleanly and gives the terminal back" {
	live_start 100 40
	# Drawn on the alternate screen: the terminal's own comes back at exit.
	[ "$("${TM[@]}" display-message -p -t live '#{alternate_on}')" = 1 ]
	"${TM[@]}" send-keys -t live C-c
	[ "$(status_wait)" = exit=0 ]
	grep -q 'signal 2: writing the last interval' "$NMT_TMP/rec.err"
	grep -qE '(^| )icanon( |$)' "$NMT_TMP/stty"
	grep -qE '(^| )echo( |$)' "$NMT_TMP/stty"
	(($(nmt_sql "$DB" "SELECT count(*) FROM intervals") >= 1))
}

@test "live view without a terminal: one plain frame per second, nothing escaped" {
	COLUMNS=90 TERM=dumb nmt_spawn rec "$NMT_RECORD" -i "$NMT_HOST" --db "$DB" --interval 2 \
		--duration 4 --live </dev/null
	nmt_await rec 20
	cat "$NMT_TMP/rec.out"
	# No terminal to read q from: not offered.
	(($(grep -c '^netmon live  [0-9-]* [0-9:]* UTC  interval 2 s' "$NMT_TMP/rec.out") >= 3))
	[ "$(grep -c 'q quits' "$NMT_TMP/rec.out")" -eq 0 ]
	run -1 grep -q $'\e' "$NMT_TMP/rec.out"
	(($(awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }' "$NMT_TMP/rec.out") <= 90))
}

# shell_start: an interactive shell in the pane (job control: ^Z, fg), with
# a prompt of its own ("nmt$ ").
shell_start() {
	"${TM[@]}" new-session -d -s live -x 100 -y 40 "env PS1='nmt\$ ' bash --norc --noprofile -i"
	pane_wait '^nmt\$ $'
}

# type_line TEXT: TEXT typed into the pane's shell, then Enter.
type_line() {
	"${TM[@]}" send-keys -t live -l "$1"
	"${TM[@]}" send-keys -t live Enter
}

pane_flag() {
	"${TM[@]}" display-message -p -t live "#{$1}"
}

@test "live view: ^Z gives the terminal back, bg records away from it, fg takes it again; traffic sent while stopped is recorded" {
	shell_start
	# The recorder itself is the job (exec): its PID in rec.pid.
	type_line "bash -c 'echo \$\$ >$NMT_TMP/rec.pid; exec \"\$@\"' x $NMT_RECORD -i $NMT_HOST --db $DB --interval 2 --duration $NMT_MAX_RUN --live 2>$NMT_TMP/rec.err"
	pane_wait 'TOP FLOWS'
	[ "$(pane_flag alternate_on)" = 1 ]
	[ "$(pane_flag cursor_flag)" = 0 ]
	local pid t_stop t_sent t_cont t_fg tok
	pid=$(cat "$NMT_TMP/rec.pid")

	# ^Z: stopped, the shell's prompt on the terminal's own screen, the
	# cursor shown, typed text echoed.
	"${TM[@]}" send-keys -t live C-z
	pane_wait '^\[1\]\+ +Stopped'
	t_stop=$(date +%s)
	[ "$(awk '{ print $3 }' "/proc/$pid/stat")" = T ]
	[ "$(pane_flag alternate_on)" = 0 ]
	[ "$(pane_flag cursor_flag)" = 1 ]
	tok=ok-$RANDOM
	type_line "echo $tok"
	pane_wait "^nmt\\$ echo $tok\$"
	pane_wait "^$tok\$"

	# Traffic while the recorder is stopped: the kernel counts it.
	t_sent=$(date +%s)
	nmt_udp out 4 20077 7777 300 500
	# Stopped for over two intervals: the recorder's timer has fired meanwhile.
	while (($(date +%s) < t_stop + 5)); do sleep 0.2; done
	[ "$(awk '{ print $3 }' "/proc/$pid/stat")" = T ]

	# bg: recording again (an interval written), the view away from the
	# shell's terminal.
	t_cont=$(date +%s)
	type_line bg
	pane_wait '^\[1\]\+ .*&$'
	nmt_wait_intervals "$DB" "ts_start >= $t_cont" 1 # a whole interval after bg
	[ "$(awk '{ print $3 }' "/proc/$pid/stat")" != T ]
	(($(nmt_sql "$DB" "SELECT count(*) FROM intervals WHERE ts_end >= $t_cont") >= 1))
	[ "$(pane_flag alternate_on)" = 0 ]
	run -1 grep -q 'TOP FLOWS' "$NMT_TMP/pane"
	# fg: the view on the alternate screen again, drawn at once, keys read
	# one at a time again (q without Enter).
	type_line fg
	pane_wait 'TOP FLOWS'
	t_fg=$(date +%s)
	[ "$(pane_flag alternate_on)" = 1 ]
	[ "$(pane_flag cursor_flag)" = 0 ]
	nmt_wait_intervals "$DB" "ts_end > $t_fg" 1 # an interval written after fg
	"${TM[@]}" send-keys -t live q
	pane_wait '^nmt\$ $'
	type_line "echo exit=\$? >$NMT_TMP/status; stty -a >$NMT_TMP/stty"
	[ "$(status_wait)" = exit=0 ]
	cat "$NMT_TMP/rec.err"
	grep -q 'q: writing the last interval' "$NMT_TMP/rec.err"
	grep -qE '(^| )echo( |$)' "$NMT_TMP/stty"

	# Every datagram sent while stopped, once, in the interval the first
	# timer tick after bg wrote: it began before they were sent.
	local got
	got=$(nmt_sql "$DB" "SELECT count(*), sum(packets), sum(bytes), min(ts_start) <= $t_sent,
		max(ts_end) >= $t_cont - 1 FROM flow_log WHERE interface = '$NMT_HOST'
		AND src = '$NMT_H4' AND src_port = 20077 AND dst = '$NMT_P4' AND dst_port = 7777")
	echo "flow: $got"
	[ "$got" = "1|300|$((300 * 528))|1|1" ]
	# The intervals follow each other without a gap or an overlap.
	nmt_sql "$DB" "SELECT id, ts_start, ts_end FROM intervals"
	[ "$(nmt_sql "$DB" "SELECT count(*) FROM intervals a JOIN intervals b
		ON b.id = (SELECT min(id) FROM intervals WHERE id > a.id)
		WHERE b.ts_start != a.ts_end OR a.ts_end < a.ts_start")" = 0 ]
}

@test "live view: a port named in app_ports_user while the view runs shows its name" {
	live_start 120 50
	nmt_spawn rx ip netns exec "$NMT_NS" "$NMT_TRAFFIC" -t 30 udp-recv "$NMT_P4" 4242 3000 100
	nmt_wait_line "$NMT_TMP/rx.err" '^nm-traffic: listening on' "$NMT_PID_rx"
	nmt_spawn tx "$NMT_TRAFFIC" -t 30 -p 20042 -g 5000 udp-send "$NMT_P4" 4242 3000 100
	pane_wait '^udp +4242 - '
	sqlite3 -bail -cmd '.timeout 10000' "$DB" \
		"INSERT INTO app_ports_user (protocol, port, name) VALUES (17, 4242, 'nmtapp')"
	pane_wait '^udp +4242 nmtapp '
	"${TM[@]}" send-keys -t live q
	[ "$(status_wait)" = exit=0 ]
}

@test "live view: a host name the database holds for a flow's end is shown beside the flow" {
	local n=200
	live_start 120 50
	nmt_spawn rx ip netns exec "$NMT_NS" "$NMT_TRAFFIC" -t 30 udp-recv "$NMT_P4" 4243 3000 100
	nmt_wait_line "$NMT_TMP/rx.err" '^nm-traffic: listening on' "$NMT_PID_rx"
	nmt_spawn tx "$NMT_TRAFFIC" -t 30 -p 20043 -g 5000 udp-send "$NMT_P4" 4243 3000 100
	pane_wait ":4243 +[0-9.]+ [KM]?i?B/s"
	# The peer's address row comes with the recorder's first interval.
	while ((n-- > 0)) && [ "$(nmt_sql "$DB" "SELECT count(*) FROM addresses
		WHERE text = '$NMT_P4'")" != 1 ]; do sleep 0.05; done
	# A name as the DNS reader stores it (sql/0011_names.sql), with markup and
	# an escape sequence: shown escaped.
	sqlite3 -bail -cmd '.timeout 10000' "$DB" "
		INSERT INTO dns_names (name) VALUES ('peer<b>' || char(27) || '.nmt.test');
		INSERT INTO address_names SELECT a.id, n.id, 1, unixepoch(), unixepoch()
		FROM addresses a, dns_names n WHERE a.text = '$NMT_P4' AND n.name LIKE 'peer%'"
	pane_wait ":4243 \(- > peer<b>\\\\x1b\.nmt\.test\)"
	"${TM[@]}" send-keys -t live q
	[ "$(status_wait)" = exit=0 ]
}

@test "live view --numeric: a flow's ends without the host names the database holds" {
	local n=200
	nmt_spawn rx ip netns exec "$NMT_NS" "$NMT_TRAFFIC" -t 40 udp-recv "$NMT_P4" 4244 6000 100
	nmt_wait_line "$NMT_TMP/rx.err" '^nm-traffic: listening on' "$NMT_PID_rx"
	nmt_spawn tx "$NMT_TRAFFIC" -t 40 -p 20044 -g 5000 udp-send "$NMT_P4" 4244 6000 100
	live_start 120 50
	pane_wait ":4244 +[0-9.]+ [KM]?i?B/s"
	while ((n-- > 0)) && [ "$(nmt_sql "$DB" "SELECT count(*) FROM addresses
		WHERE text = '$NMT_P4'")" != 1 ]; do sleep 0.05; done
	sqlite3 -bail -cmd '.timeout 10000' "$DB" "
		INSERT INTO dns_names (name) VALUES ('numpeer.nmt.test');
		INSERT INTO address_names SELECT a.id, n.id, 1, unixepoch(), unixepoch()
		FROM addresses a, dns_names n WHERE a.text = '$NMT_P4' AND n.name = 'numpeer.nmt.test'"
	# Without --numeric the name shows...
	pane_wait ":4244 \(- > numpeer\.nmt\.test\)"
	"${TM[@]}" send-keys -t live q
	[ "$(status_wait)" = exit=0 ]
	rm -f "$NMT_TMP/status"
	n=200
	while "${TM[@]}" has-session -t live 2>/dev/null && ((n-- > 0)); do sleep 0.05; done
	# ...with it, the frames that show the flow name none of its ends: the
	# name was in the database before this view started, so a lookup would
	# have found it for the very frame that first shows the flow.
	live_start 120 50 --numeric
	pane_wait ":4244( \([^)]*\))? +[0-9.]+ [KM]?i?B/s"
	run grep -c "numpeer" "$NMT_TMP/pane"
	[ "$output" = 0 ]
	"${TM[@]}" send-keys -t live q
	[ "$(status_wait)" = exit=0 ]
}
