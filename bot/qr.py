"""QR codes of links (a campaign source's chat links) for flyers, posters and standees, made
with segno: SVG (scales to any print size) and PNG.

Error correction is at least M (15 % of the code may be damaged or covered; segno raises it
further when that costs no extra size), and the quiet zone of 4 modules that scanners need
is always kept. Only an absolute http(s) address becomes a code: a relative one (the web
chat's link while ``HIENDIEN_PUBLIC_URL`` is unset) would lead nowhere from a phone, so it
raises :class:`NotAbsolute`.

May import: segno and the standard library only (the command line and the office use it).
"""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import segno

ERROR = "m"  # at least M: segno boosts it when the code stays the same size
BORDER = 4  # the quiet zone, in modules: what the QR standard asks for
DARK, LIGHT = "#000000", "#ffffff"  # white behind the code, so a coloured paper still scans


class NotAbsolute(ValueError):
    """The address is not an absolute http(s) URL: no QR code for it."""


def _code(url: str) -> segno.QRCode:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise NotAbsolute(url)
    return segno.make(url, error=ERROR, micro=False)


def svg(url: str, *, inline: bool = False) -> bytes:
    """The code as an SVG file; ``inline``: an ``<svg>`` element to put in an HTML page (no
    XML declaration, no fixed size: the page's CSS sizes it)."""
    out = io.BytesIO()
    if inline:
        _code(url).save(
            out,
            kind="svg",
            border=BORDER,
            dark=DARK,
            light=LIGHT,
            xmldecl=False,
            nl=False,
            omitsize=True,
        )
    else:
        _code(url).save(out, kind="svg", border=BORDER, dark=DARK, light=LIGHT, scale=10)
    return out.getvalue()


def png(url: str, scale: int = 10) -> bytes:
    """The code as a PNG, ``scale`` pixels a module."""
    if not 1 <= scale <= 100:
        raise ValueError("scale: 1 to 100 pixels a module")
    out = io.BytesIO()
    _code(url).save(out, kind="png", border=BORDER, dark=DARK, light=LIGHT, scale=scale)
    return out.getvalue()


def matrix(url: str) -> tuple[tuple[bool, ...], ...]:
    """The code's modules (True: dark), quiet zone included: what the files draw."""
    return tuple(tuple(bool(m) for m in row) for row in _code(url).matrix_iter(border=BORDER))
