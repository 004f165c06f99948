#!/usr/bin/env python3
"""html_check.py - read what headless Chromium made of an HTML report.

  html_check.py dom FILE      the DOM Chromium dumped (--dump-dom): one line
                              per chart, "ID CLASS=COUNT ..." for the <rect>s
                              in each <svg>, then "elements: TAG ..." of
                              every element type in the document
  html_check.py png FILE      a screenshot: "WIDTH HEIGHT COLORS" and the
                              count of pixels of each chart colour (exact)

Standard library only (html.parser, zlib), so that it runs wherever
python3 does.
"""
import html.parser
import struct
import sys
import zlib

# The chart colours of reports/render_html.c's style sheet.
COLOURS = {"in": (0x1f, 0x77, 0xb4), "out": (0xff, 0x7f, 0x0e), "bar": (0x4c, 0x78, 0xa8)}


class Dom(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.svg = None
        self.charts = []
        self.tags = set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.add(tag)
        if tag == "svg":
            self.svg = (a.get("id", "?"), {})
            self.charts.append(self.svg)
        elif tag == "rect" and self.svg:
            cls = a.get("class", "")
            self.svg[1][cls] = self.svg[1].get(cls, 0) + 1

    def handle_endtag(self, tag):
        if tag == "svg":
            self.svg = None


def dom(path):
    d = Dom()
    d.feed(open(path, encoding="utf-8").read())
    for cid, rects in d.charts:
        print(cid, " ".join(f"{k}={v}" for k, v in sorted(rects.items())))
    print("elements:", " ".join(sorted(d.tags)))


def unfilter(f, line, prev, bpp):
    """One scanline without its PNG filter (RFC 2083 section 6)."""
    if f == 0:
        return bytes(line)
    if f == 2:
        return bytes((x + y) & 255 for x, y in zip(line, prev))
    out = bytearray(line)
    for i in range(len(out)):
        a = out[i - bpp] if i >= bpp else 0
        b, c = prev[i], prev[i - bpp] if i >= bpp else 0
        if f == 1:
            out[i] = (out[i] + a) & 255
        elif f == 3:
            out[i] = (out[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            out[i] = (out[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    return bytes(out)


def png(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        sys.exit("not a PNG")
    pos, idat, hdr = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if zlib.crc32(kind + body) != struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])[0]:
            sys.exit("bad CRC in " + kind.decode())
        if kind == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    w, h, depth, ctype = hdr[0], hdr[1], hdr[2], hdr[3]
    if depth != 8 or ctype not in (2, 6) or hdr[6]:
        sys.exit(f"unexpected PNG type depth={depth} color={ctype}")
    bpp = 3 if ctype == 2 else 4
    raw, stride = zlib.decompress(idat), w * bpp
    prev, colours, counts = bytes(stride), set(), {k: 0 for k in COLOURS}
    pattern = {k: bytes(rgb) + (b"\xff" if bpp == 4 else b"") for k, rgb in COLOURS.items()}
    for y in range(h):
        f, line = raw[y * (stride + 1)], raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)]
        line = unfilter(f, line, prev, bpp)
        for k, pat in pattern.items():
            counts[k] += line.count(pat)
        if y % 16 == 0:
            colours.update(line[x:x + 3] for x in range(0, stride, bpp))
        prev = line
    print(w, h, len(colours))
    print(" ".join(f"{k}={v}" for k, v in counts.items()))


if __name__ == "__main__":
    {"dom": dom, "png": png}[sys.argv[1]](sys.argv[2])
