"""Reading a QR code back from a PNG, as a phone would: the PNG decoded to grey pixels here
(zlib and the PNG format's five row filters, bit depths 1–8, grey or palette), then scanned
by zxing-cpp (a dev dependency). An SVG (as segno draws it: one path of horizontal runs of
dark modules) is drawn to grey pixels here and scanned the same way.

May import: the standard library and zxingcpp.
"""

from __future__ import annotations

import re
import struct
import zlib
from dataclasses import dataclass

import zxingcpp


@dataclass(frozen=True)
class Grey:
    width: int
    height: int
    pixels: bytes  # one byte a pixel, row after row, 0 black … 255 white

    def at(self, x: int, y: int) -> int:
        return self.pixels[y * self.width + x]


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def decode_png(data: bytes) -> Grey:
    """The PNG's pixels in grey (colour type 0 or 3, no interlace: what segno writes)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, palette = 8, b"", None
    width = height = depth = colour = 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert colour in (0, 3) and interlace == 0, (colour, interlace)
        elif kind == b"PLTE":
            palette = [body[i : i + 3] for i in range(0, len(body), 3)]
        elif kind == b"IDAT":
            idat += body
    raw = zlib.decompress(idat)
    stride = (width * depth + 7) // 8
    bpp = max(1, depth // 8)
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(height):
        kind, line = raw[i], bytearray(raw[i + 1 : i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b, c = prev[x], prev[x - bpp] if x >= bpp else 0
            line[x] = (
                line[x] + (0, a, b, (a + b) // 2, _paeth(a, b, c))[kind]  # the five filters
            ) & 0xFF
        rows.append(line)
        prev = line
    out = bytearray()
    top = (1 << depth) - 1
    for line in rows:
        for x in range(width):
            bit = x * depth
            value = (line[bit // 8] >> (8 - depth - bit % 8)) & top
            if palette is not None:
                r, g, b = palette[value]
                out.append((r * 299 + g * 587 + b * 114) // 1000)
            else:
                out.append(value * 255 // top)
    return Grey(width, height, bytes(out))


def read_qr(data: bytes) -> zxingcpp.Barcode | None:
    """The QR code a scanner finds in the PNG, or None."""
    grey = decode_png(data)
    view = memoryview(grey.pixels).cast("B", (grey.height, grey.width))
    return zxingcpp.read_barcode(view, formats=zxingcpp.BarcodeFormat.QRCode)


_SIZE = re.compile(r'viewBox="0 0 (\d+) (\d+)"|width="(\d+)" height="(\d+)"')
_SCALE = re.compile(r'transform="scale\((\d+)\)"')
_PATH = re.compile(r'<path class="qrline"[^>]* d="([^"]+)"')
_STEP = re.compile(r"([MmHhVv])\s*(-?[\d.]+)(?:[ ,](-?[\d.]+))?")


def svg_modules(data: bytes) -> list[list[bool]]:
    """The modules (True: dark) an SVG QR code draws, read from its path's commands (M/m to
    move, h to draw a run of dark modules along a row)."""
    text = data.decode("utf-8")
    size = _SIZE.search(text)
    assert size is not None, "no size in the SVG"
    scale = _SCALE.search(text)
    per = int(scale.group(1)) if scale else 1
    width = int(size.group(1) or size.group(3)) // (1 if size.group(1) else per)
    height = int(size.group(2) or size.group(4)) // (1 if size.group(2) else per)
    path = _PATH.search(text)
    assert path is not None, "no dark modules in the SVG"
    grid = [[False] * width for _ in range(height)]
    x = y = 0.0
    for command, a, b in _STEP.findall(path.group(1)):
        if command == "M":
            x, y = float(a), float(b)
        elif command == "m":
            x, y = x + float(a), y + float(b)
        elif command == "h":
            run = float(a)
            for col in range(int(min(x, x + run)), int(max(x, x + run))):
                grid[int(y)][col] = True
            x += run
        else:
            raise AssertionError(f"unexpected path command {command}")
    return grid


def read_svg_qr(data: bytes, scale: int = 4) -> zxingcpp.Barcode | None:
    """The QR code a scanner finds in the SVG drawn at ``scale`` pixels a module, or None."""
    grid = svg_modules(data)
    rows = bytearray()
    for row in grid:
        line = b"".join((b"\x00" if dark else b"\xff") * scale for dark in row)
        rows += line * scale
    view = memoryview(bytes(rows)).cast("B", (len(grid) * scale, len(grid[0]) * scale))
    return zxingcpp.read_barcode(view, formats=zxingcpp.BarcodeFormat.QRCode)
