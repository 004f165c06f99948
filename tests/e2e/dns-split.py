#!/usr/bin/env python3
"""dns-split.py - DNS answers over TCP that are not whole in one segment.

  dns-split.py serve ADDR X   (in the namespace) answer two connections on
                              ADDR port 53, then exit
  dns-split.py ask ADDR X     (on the host) make both connections, check
                              every byte the server sent arrived

X is the test's subnet number: the answers name 198.18.X.50 to .66.

Connection 1 carries two messages (RFC 1035 4.2.2, each behind its 2-byte
length): split.nmt.test, sent in two segments, then after.nmt.test, whole
in a third. The first message's second segment is, byte for byte, a whole
length-prefixed answer of its own (evil.nmt.test, the data of a record of a
private type in split.nmt.test's answer): a reader that took the rest of a
message for the start of one would store that name. Connection 2 carries
the start of trunc.nmt.test and then closes: a message that never ends.

The segments are separate on the wire by construction: the server sends a
segment only after the client said it has every byte of the one before (one
byte back, which a DNS client would not send but this one does), with
Nagle's algorithm off, and closes after the last one. What a reader of the segments may store: only
after.nmt.test; what it cannot read: exactly 2 messages (split, trunc).
"""
import socket
import struct
import sys

PORT = 53
TIMEOUT = 20  # seconds, every socket operation


def name(text):
    out = b""
    for label in text.split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def response(qname, answers):
    """A response to an A query for qname; answers: (type, rdata) owned by it."""
    head = struct.pack("!HHHHHH", 0x4E4D, 0x8180, 1, len(answers), 0, 0)
    body = name(qname) + struct.pack("!HH", 1, 1)
    for rtype, rdata in answers:
        # 0xc00c: the question's name (RFC 1035 4.1.4)
        body += struct.pack("!HHHIH", 0xC00C, rtype, 1, 300, len(rdata)) + rdata
    return head + body


def framed(msg):
    return struct.pack("!H", len(msg)) + msg


def a_record(x, host):
    return (1, bytes([198, 18, x, host]))


def segments(x):
    """The server's segments: connection 1's three, connection 2's one."""
    evil = framed(response("evil.nmt.test", [a_record(x, 66)]))
    split = framed(response("split.nmt.test", [a_record(x, 50), (65280, evil)]))
    after = framed(response("after.nmt.test", [a_record(x, 51)]))
    trunc = framed(response("trunc.nmt.test", [a_record(x, 52)]))
    cut = len(split) - len(evil)
    assert split[cut:] == evil
    return [split[:cut], split[cut:], after], [trunc[: len(trunc) // 2]]


def query(qname):
    return framed(struct.pack("!HHHHHH", 0x4E4D, 0x0100, 1, 0, 0, 0) + name(qname) +
                  struct.pack("!HH", 1, 1))


def read_exactly(sock, n):
    data = b""
    while len(data) < n:
        more = sock.recv(n - len(data))
        if not more:
            raise SystemExit("dns-split: the connection ended %d bytes early" % (n - len(data)))
        data += more
    return data


def serve(addr, x):
    conns = segments(x)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as lst:
        lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        lst.bind((addr, PORT))
        lst.listen(2)
        lst.settimeout(TIMEOUT)
        print("dns-split: listening on %s port %d" % (addr, PORT), file=sys.stderr, flush=True)
        for segs in conns:
            conn, _ = lst.accept()
            with conn:
                conn.settimeout(TIMEOUT)
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                (qlen,) = struct.unpack("!H", read_exactly(conn, 2))
                read_exactly(conn, qlen)
                for seg in segs:
                    conn.sendall(seg)
                    read_exactly(conn, 1)  # the client has all of it


def ask(addr, x):
    for qname, segs in zip(("split.nmt.test", "trunc.nmt.test"), segments(x)):
        with socket.create_connection((addr, PORT), timeout=TIMEOUT) as sock:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.sendall(query(qname))
            for i, seg in enumerate(segs):
                if read_exactly(sock, len(seg)) != seg:
                    raise SystemExit("dns-split: segment %d of %s differs" % (i + 1, qname))
                sock.sendall(b"+")
            if sock.recv(1):  # the server closes after the last one
                raise SystemExit("dns-split: more than was sent for %s" % qname)
    print("dns-split: every segment arrived", file=sys.stderr)


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("serve", "ask"):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 64
    x = int(sys.argv[3])
    (serve if sys.argv[1] == "serve" else ask)(sys.argv[2], x)
    return 0


if __name__ == "__main__":
    sys.exit(main())
