#!/usr/bin/env python3
"""new_hosts_pcap.py OUT [N [RATE START]] - a classic pcap of N (1,000,000)
UDP datagrams, each from its own source address (11.0.0.0 + i, port 40000) to
one server (198.19.0.1:443), all within the first 900 ms of 2023-11-14
22:13:20 UTC: a burst of N new hosts in one interval. With RATE and START,
RATE datagrams a second from START seconds after that on instead: e.g.
200000 8.17 spreads a million over the intervals of --interval 10 as a live
replay at 200 kpps did (366,000 in the first, 634,000 in the next). For
measuring netmon-record --read (its interval write time and maximum RSS,
bench/RESULTS.md). Standard library only; the same file every run.
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
    if len(sys.argv) not in (2, 3, 5):
        sys.exit("usage: new_hosts_pcap.py OUT [N [RATE START]]")
    n = int(sys.argv[2]) if len(sys.argv) >= 3 else 1000000
    rate = float(sys.argv[3]) if len(sys.argv) == 5 else 0
    start_us = round(float(sys.argv[4]) * 1e6) if len(sys.argv) == 5 else 0
    if len(sys.argv) == 5 and (rate <= 0 or start_us < 0):
        sys.exit("new_hosts_pcap.py: RATE must be > 0 and START >= 0")
    with open(sys.argv[1], "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        for i in range(n):
            data = frame(i)
            us = start_us + int(i * 1e6 / rate) if rate else i * 900000 // n
            f.write(struct.pack("<IIII", T0 + us // 1000000, us % 1000000, len(data),
                                len(data)) + data)


main()
