#!/usr/bin/env bash
# tshark-flows.sh FILE - tshark's own count of a capture, as the independent
# ground truth for netmon's import: one line per (family, src, dst, protocol)
# with packets and L3 bytes (ip.len; ipv6.plen + 40), sorted.
#
# The first occurrence of each field is the outer header (tunnels, ICMP
# errors quoting a packet). IPv6's protocol is the header after the extension
# headers, found by walking tshark's per-header next-header fields.
# Reassembly is off so every frame stands for itself.
set -euo pipefail
file=$1
tshark -r "$file" -n -o ip.defragment:FALSE -o ipv6.defragment:FALSE \
	-T fields -E separator=/t -E occurrence=f \
	-e ip.src -e ip.dst -e ip.proto -e ip.len \
	-e ipv6.src -e ipv6.dst -e ipv6.plen -e ipv6.nxt \
	-e ipv6.hopopts.nxt -e ipv6.routing.nxt -e ipv6.fraghdr.nxt -e ipv6.dstopts.nxt \
	-e ah.next_header |
awk -F'\t' '
function walk(nh,    i) {
	for (i = 0; i < 8; i++) {
		if (nh == 0 && $9 != "") nh = $9
		else if (nh == 43 && $10 != "") nh = $10
		else if (nh == 44 && $11 != "") nh = $11
		else if (nh == 60 && $12 != "") nh = $12
		else if (nh == 51 && $13 != "") nh = $13
		else break
	}
	return nh
}
$1 != "" { k = "4\t" $1 "\t" $2 "\t" $3; p[k]++; b[k] += $4; next }
$5 != "" { k = "6\t" $5 "\t" $6 "\t" walk($8 + 0); p[k]++; b[k] += $7 + 40 }
END { for (k in p) print k "\t" p[k] "\t" b[k] }' | sort
