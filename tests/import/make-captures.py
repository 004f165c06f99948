#!/usr/bin/env python3
"""make-captures.py - small captures the import tests need and no public file has.

  make-captures.py long OUT    frames longer than BPF_PROG_TEST_RUN takes (about
                               a page), as captures taken with offloads on hold
                               them: IPv4 and IPv6 TCP super-frames up to the
                               65549 bytes of a loopback capture, one behind an
                               802.1Q tag, one cut by a 128-byte snaplen, and a
                               Linux cooked (SLL2) and a raw-IP capture of the
                               same (OUT.sll2, OUT.raw)
  make-captures.py short OUT   an Ethernet capture whose second record (6
                               bytes) is shorter than its own link header,
                               between two ordinary frames

Classic pcap, microsecond times from 2023-11-14 22:13:20 UTC, fixed contents
(the same file every run). tshark reads every frame of them; the tests compare
netmon's import with tshark's decoding, never with numbers written here.
Standard library only.
"""
import struct
import sys

T0 = 1700000000
MAC_A = bytes.fromhex("026e6d740001")
MAC_B = bytes.fromhex("026e6d740002")
DLT_EN10MB, DLT_RAW, DLT_LINUX_SLL2 = 1, 101, 276


def pcap(path, dlt, records, snaplen=262144):
    """records: (caplen bytes, wire length) pairs, one per second."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, dlt))
        for i, (data, wirelen) in enumerate(records):
            f.write(struct.pack("<IIII", T0 + i, 1000 * i, len(data), wirelen))
            f.write(data)


def fill(n):
    return bytes((i * 7 + 3) & 0xFF for i in range(n))


def tcp(sport, dport, flags=0x10):
    return struct.pack(">HHIIBBHHH", sport, dport, 1, 1, 5 << 4, flags, 65535, 0, 0)


def ipv4(payload, src=b"\xc6\x12\x07\x01", dst=b"\xc6\x12\x07\x02"):
    total = 20 + len(payload)
    hdr = struct.pack(">BBHHHBBH4s4s", 0x45, 0, total, 1, 0x4000, 64, 6, 0, src, dst)
    return hdr + payload


def ipv6(payload):
    src = bytes.fromhex("20010db8000700000000000000000001")
    dst = bytes.fromhex("20010db8000700000000000000000002")
    return struct.pack(">IHBB", 6 << 28, len(payload), 6, 64) + src + dst + payload


def eth(l3, ethertype, vlan=None):
    tag = struct.pack(">HH", 0x8100, vlan) if vlan is not None else b""
    return MAC_B + MAC_A + tag + struct.pack(">H", ethertype) + l3


def long_datagrams():
    """(IP datagram, ethertype, vlan) of every size the tests want."""
    return [
        (ipv4(tcp(40000, 5001) + fill(1460)), 0x0800, None),   # an ordinary frame
        (ipv4(tcp(40000, 5001) + fill(8960)), 0x0800, None),   # a 9000-byte jumbo
        (ipv4(tcp(40000, 5001) + fill(65495)), 0x0800, None),  # 65535: frame 65549
        (ipv4(tcp(40001, 5002) + fill(30000)), 0x0800, 7),     # VLAN-tagged
        (ipv6(tcp(40002, 5003) + fill(40000)), 0x86DD, None),
        (ipv6(tcp(40002, 5003) + fill(65475)), 0x86DD, None),  # payload 65495
        (ipv4(tcp(40003, 5004) + fill(64000)), 0x0800, None),  # cut by the snaplen
    ]


def make_long(out):
    eth_records, sll2_records, raw_records = [], [], []
    for i, (dgram, ethertype, vlan) in enumerate(long_datagrams()):
        frame = eth(dgram, ethertype, vlan)
        cut = 128 if i == len(long_datagrams()) - 1 else None  # None: whole
        eth_records.append((frame[:cut], len(frame)))
        # SLL2: protocol, reserved, ifindex, hatype, packet type (4: sent), addr
        sll2 = struct.pack(">HHIHBB8s", ethertype, 0, 2, 1, 4 if i % 2 else 0, 6,
                           MAC_A + b"\0\0") + dgram
        sll2_records.append((sll2[:cut], len(sll2)))
        raw_records.append((dgram[:cut], len(dgram)))
    pcap(out, DLT_EN10MB, eth_records)
    pcap(out + ".sll2", DLT_LINUX_SLL2, sll2_records)
    pcap(out + ".raw", DLT_RAW, raw_records)


def make_short(out):
    frame = eth(ipv4(tcp(40000, 5001) + fill(100)), 0x0800)
    pcap(out, DLT_EN10MB, [(frame, len(frame)), (MAC_B, 6), (frame, len(frame))])


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("long", "short"):
        sys.exit(__doc__)
    (make_long if sys.argv[1] == "long" else make_short)(sys.argv[2])


if __name__ == "__main__":
    main()
