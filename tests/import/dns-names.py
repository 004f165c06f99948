#!/usr/bin/env python3
"""dns-names.py - the host names a capture's DNS responses tell, from
tshark's own decoding (tshark -T json on stdin), as netmon's host_names
should hold them: one line "address|name|first_seen|last_seen" per pair.

Each A or AAAA record of class IN in a response's answer section names its
address with every name of that section's A, AAAA and CNAME records (the
owner and the aliases leading to it: netmon follows the CNAME chain,
tshark's decoding is read flat, which is the same for a section that is
one chain). Times are the capture's, whole seconds (floor)."""
import json
import sys

pairs = {}
for pkt in json.load(sys.stdin):
    layers = pkt["_source"]["layers"]
    dns = layers.get("dns")
    if not dns:
        continue
    t = int(float(layers["frame"]["frame.time_epoch"]))
    addrs, names = [], []
    for rr in dns.get("Answers", {}).values():
        rtype = rr.get("dns.resp.type")
        if rtype not in ("1", "5", "28") or rr.get("dns.resp.class") != "0x0001":
            continue
        names.append(rr["dns.resp.name"].lower())
        if rtype == "1":
            addrs.append(rr["dns.a"])
        elif rtype == "28":
            addrs.append(rr["dns.aaaa"])
    for a in addrs:
        for n in names:
            first, last = pairs.get((a, n), (t, t))
            pairs[(a, n)] = (min(first, t), max(last, t))
for (a, n), (first, last) in pairs.items():
    print(f"{a}|{n}|{first}|{last}")
