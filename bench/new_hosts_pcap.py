#!/usr/bin/env python3
"""new_hosts_pcap.py OUT [N] - a classic pcap of N (1,000,000) UDP datagrams,
each from its own source address (11.0.0.0 + i, port 40000) to one server
(198.19.0.1:443), all within the first 900 ms of 2023-11-14 22:13:20 UTC:
a burst of N new hosts in one interval. For measuring netmon-record --read
(its interval write time and maximum RSS, bench/RESULTS.md). Standard library
only; the same file every run.
"""
import struct
import sys

T0 = 1700000000
ETH = bytes.fromhex("026e6d740002026e6d7400010800")


def csum(data):
    s = sum(struct.unpack(">%dH" % (len(data) // 2), data))
    s = (s & 0xFFFF) + (s >> 16)
    s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def frame(i):
    l4 = struct.pack(">HHHH", 40000, 443, 8 + 18, 0) + bytes(18)
    hdr = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 1, 0x4000, 64, 17, 0,
                      struct.pack(">I", (11 << 24) + i), bytes((198, 19, 0, 1)))
    return ETH + hdr[:10] + struct.pack(">H", csum(hdr)) + hdr[12:] + l4


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: new_hosts_pcap.py OUT [N]")
    n = int(sys.argv[2]) if len(sys.argv) == 3 else 1000000
    with open(sys.argv[1], "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        for i in range(n):
            data = frame(i)
            f.write(struct.pack("<IIII", T0, i * 900000 // n, len(data), len(data)) + data)


main()
