#!/usr/bin/env python3
"""make-flows.py OUT V4 V6 - a classic pcap of V4 IPv4 and V6 IPv6 UDP flows.
make-flows.py send IFACE V4 V6 - the same frames, sent on IFACE (root).

Each flow is one Ethernet frame of one UDP datagram (a distinct source
address and port), all within the first second of 2023-11-14 22:13:20 UTC:
imported with `netmon-record --read OUT --interval 60`, one interval holds
them all, the burst a large interval's export is. Sent, they go through an
AF_PACKET socket on IFACE only (to the test's veth peer, whose kernel drops
them: no address of its own). Standard library only; the same file every run.
"""
import socket
import struct
import sys

T0 = 1700000000
MAC_A = bytes.fromhex("026e6d740001")
MAC_B = bytes.fromhex("026e6d740002")


def csum(data):
    s = sum(struct.unpack(">%dH" % (len(data) // 2), data))
    s = (s & 0xFFFF) + (s >> 16)
    s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def udp(sport, payload):
    return struct.pack(">HHHH", sport, 5001, 8 + len(payload), 0) + payload


def v4(i, payload):
    src = struct.pack(">BBH", 198, 19, i >> 8)
    l4 = udp(1024 + (i & 0xFF), payload)
    hdr = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 1, 0x4000, 64, 17, 0,
                      src, bytes((198, 18, 0, 2)))
    hdr = hdr[:10] + struct.pack(">H", csum(hdr)) + hdr[12:]
    return MAC_B + MAC_A + b"\x08\x00" + hdr + l4


def v6(i, payload):
    src = bytes.fromhex("20010db800ff0000000000000000") + struct.pack(">H", i >> 8)
    dst = bytes.fromhex("20010db8000000000000000000000002")
    l4 = udp(1024 + (i & 0xFF), payload)
    return MAC_B + MAC_A + b"\x86\xdd" + struct.pack(">IHBB", 6 << 28, len(l4), 17, 64) + \
        src + dst + l4


def send(iface, frames):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    for data in frames:
        s.send(data)


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "send":
        n4, n6 = int(sys.argv[3]), int(sys.argv[4])
    elif len(sys.argv) == 4:
        n4, n6 = int(sys.argv[2]), int(sys.argv[3])
    else:
        sys.exit("usage: make-flows.py OUT V4 V6 | make-flows.py send IFACE V4 V6")
    frames = [v4(i, bytes(18 + i % 7)) for i in range(n4)]
    frames += [v6(i, bytes(10 + i % 5)) for i in range(n6)]
    if sys.argv[1] == "send":
        send(sys.argv[2], frames)
        return
    out = sys.argv[1]
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        for k, data in enumerate(frames):
            usec = k * 900000 // len(frames)
            f.write(struct.pack("<IIII", T0, usec, len(data), len(data)) + data)


main()
