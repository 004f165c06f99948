#!/usr/bin/env python3
"""make-synflood.py OUT N [BURSTS PERIOD] - a classic pcap of a spoofed-source
SYN flood: N SYNs, or BURSTS bursts of N SYNs each PERIOD seconds apart.
make-synflood.py send IFACE N - the first N frames, sent on IFACE (root).

N TCP SYNs to 198.18.0.2 port 80, each from a random source address of
198.18.0.0/15 and a random port (a fixed seed: the same file every run),
as a flood tool sends them: nearly every SYN a flow of its own. In the
file they are 4 us apart (250,000 packets per second) from 2023-11-14
22:13:20 UTC, so 300,000 of them fall in one interval of 5 s or more.
Sent, they go through an AF_PACKET socket on IFACE only, to a MAC address
no test interface has: the receiving kernel drops them before IP (no
SYN-ACK, no RST goes anywhere). Prints the number of frames written or
sent. Standard library only. bench/synflood.sh writes BURSTS of them.
"""
import random
import socket
import struct
import sys

T0 = 1700000000
GAP_US = 4
MAC_A = bytes.fromhex("026e6d740001")
MAC_B = bytes.fromhex("026e6d740002")
DST = bytes((198, 18, 0, 2))


def csum(data):
    s = sum(struct.unpack(">%dH" % (len(data) // 2), data))
    s = (s & 0xFFFF) + (s >> 16)
    s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def frames(n):
    rng = random.Random(20231114)
    for i in range(n):
        src = struct.pack(">I", 0xC6120000 | rng.getrandbits(17))  # 198.18.0.0/15
        sport = 1024 + rng.randrange(64512)
        tcp = struct.pack(">HHIIBBHHH", sport, 80, rng.getrandbits(32), 0, 5 << 4, 0x02,
                          64240, 0, 0)
        ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 40, i & 0xFFFF, 0x4000, 64, 6, 0, src, DST)
        ip = ip[:10] + struct.pack(">H", csum(ip)) + ip[12:]
        yield MAC_B + MAC_A + b"\x08\x00" + ip + tcp


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "send":
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        s.bind((sys.argv[2], 0))
        n = 0
        for data in frames(int(sys.argv[3])):
            s.send(data)
            n += 1
        print(n)
        return
    if len(sys.argv) not in (3, 5):
        sys.exit(__doc__)
    per = int(sys.argv[2])
    bursts, period = (int(sys.argv[3]), int(sys.argv[4])) if len(sys.argv) == 5 else (1, 0)
    n = 0
    with open(sys.argv[1], "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        for data in frames(per * bursts):
            us = (n % per) * GAP_US
            sec = T0 + (n // per) * period + us // 1000000
            f.write(struct.pack("<IIII", sec, us % 1000000, len(data), len(data)))
            f.write(data)
            n += 1
    print(n)


main()
