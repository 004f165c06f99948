#!/usr/bin/env bash
# tshark-flows.sh CAPTURE HOST_MAC - per-flow totals of a capture, decoded by
# tshark, in the shape of netmon's flow_log, to compare with the recorder:
#
#   direction|family|protocol|src|src_port|dst|dst_port|packets|bytes|tcp_flags|syn|fin|rst
#
# direction is "out" for frames whose Ethernet source is HOST_MAC (sent by the
# capturing interface) and "in" otherwise. bytes are L3 bytes: ip.len for
# IPv4, ipv6.plen + 40 for IPv6. Ports are TCP/UDP ports; for ICMP and ICMPv6
# the type and code, as netmon stores them; 0 for other protocols. tcp_flags
# is the OR of the low 8 TCP flag bits; syn/fin/rst count packets with that
# flag. Non-IP frames are skipped. One line per flow, sorted.
#
# Limits (the e2e traffic has none of these): IP reassembly is turned off and
# a non-first fragment gets ports 0 like netmon; for IPv6 the protocol is the
# first next-header (netmon takes the last, after extension headers).
set -euo pipefail

if [ $# -ne 2 ]; then
	echo "usage: $0 CAPTURE HOST_MAC" >&2
	exit 64
fi
cap=$1
mac=$(printf '%s' "$2" | tr 'A-F' 'a-f')

tshark -n -r "$cap" -o ip.defragment:FALSE -o ipv6.defragment:FALSE \
	-T fields -E separator='|' -E occurrence=f \
	-e eth.src \
	-e ip.src -e ip.dst -e ip.proto -e ip.len -e ip.frag_offset \
	-e ipv6.src -e ipv6.dst -e ipv6.nxt -e ipv6.plen \
	-e tcp.srcport -e tcp.dstport -e tcp.flags \
	-e udp.srcport -e udp.dstport \
	-e icmp.type -e icmp.code -e icmpv6.type -e icmpv6.code |
	LC_ALL=C awk -F'|' -v mac="$mac" '
	# Hex "0x0012" (tshark prints tcp.flags that way) to a number; mawk has
	# no strtonum.
	function hex(s,   i, v, c) {
		sub(/^0[xX]/, "", s)
		v = 0
		for (i = 1; i <= length(s); i++) {
			c = index("0123456789abcdef", tolower(substr(s, i, 1)))
			if (c == 0)
				return -1
			v = v * 16 + c - 1
		}
		return v
	}
	function band(a, b,   r, bit) {
		r = 0
		for (bit = 1; bit <= 128; bit *= 2)
			if (int(a / bit) % 2 && int(b / bit) % 2)
				r += bit
		return r
	}
	function bor(a, b) { return a + b - band(a, b) }
	{
		dir = (tolower($1) == mac) ? "out" : "in"
		if ($2 != "") {
			fam = 4; src = $2; dst = $3; proto = $4 + 0; len = $5 + 0
			frag = ($6 != "" && $6 + 0 > 0)
		} else if ($7 != "") {
			fam = 6; src = $7; dst = $8; proto = $9 + 0; len = $10 + 40
			frag = 0
		} else {
			next
		}
		sp = 0; dp = 0; fl = 0
		if (frag) {
			# no L4 header in this packet
		} else if (proto == 6) {
			sp = $11 + 0; dp = $12 + 0; fl = band(hex($13), 255)
		} else if (proto == 17) {
			sp = $14 + 0; dp = $15 + 0
		} else if (proto == 1) {
			sp = $16 + 0; dp = $17 + 0
		} else if (proto == 58) {
			sp = $18 + 0; dp = $19 + 0
		}
		k = dir "|" fam "|" proto "|" src "|" sp "|" dst "|" dp
		pk[k]++
		by[k] += len
		fo[k] = bor(fo[k] + 0, fl)
		syn[k] += band(fl, 2) ? 1 : 0
		fin[k] += band(fl, 1) ? 1 : 0
		rst[k] += band(fl, 4) ? 1 : 0
	}
	END {
		for (k in pk)
			print k "|" pk[k] "|" by[k] "|" fo[k] "|" syn[k] "|" fin[k] "|" rst[k]
	}' | LC_ALL=C sort
