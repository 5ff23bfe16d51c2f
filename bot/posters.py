"""The printable A5 poster of a campaign source: the programme's message, a large QR code
of the source's first printable link (the web chat's) and smaller ones of the others, the
programme's site and the organisation that hands it out.

:func:`poster_html` renders content/pages/office/poster.html (the autoescaping pages
environment: every name is escaped). The page has no script and no inline style (the
office's CSP allows neither): its stylesheet is content/pages/office/poster.css, served by
the office at ``/office/static/poster.css``; the QR codes are inline SVG.

May import: bot.qr, bot.sources, handlers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from markupsafe import Markup

from bot import qr
from bot.sources import SourceLink
from handlers.content import Content

STYLESHEET = "/office/static/poster.css"


class NoPrintableLink(ValueError):
    """None of the source's links is an absolute address: nothing to make a QR code of
    (``sources.poster_no_link`` says what to set)."""


def site(url: str) -> str:
    """An address as printed: without its scheme or a trailing slash."""
    parts = urlsplit(url)
    return (parts.netloc + parts.path).rstrip("/") or url


def shown(url: str) -> str:
    """A link as printed under its QR code, to be typed by who cannot scan: without its
    scheme, its code kept (chat.example.vn/?source=hoiphunu)."""
    parts = urlsplit(url)
    return parts.netloc + parts.path + (f"?{parts.query}" if parts.query else "")


def poster_html(
    content: Content,
    source: Mapping[str, Any],
    links: Sequence[SourceLink],
    lang: str = "vi",
    stylesheet: str = STYLESHEET,
) -> str:
    """The poster of ``source`` (a row of db.sources: code, name, organisation) as an HTML
    page; :class:`NoPrintableLink` if no link can become a QR code."""
    printable = [link for link in links if link.printable and link.url]
    if not printable:
        raise NoPrintableLink(source["code"])
    codes = [
        {
            "title": link.title,
            "url": link.url,
            "shown": shown(link.url),
            "svg": Markup(qr.svg(link.url, inline=True).decode()),  # noqa: S704 (segno's own SVG)
            "channel": link.channel,
        }
        for link in printable
        if link.url
    ]

    def t(key: str, **params: Any) -> str:
        return content.render(lang, "poster." + key, **params)

    return content.pages.get_template("office/poster.html").render(
        lang=lang,
        t=t,
        source=source,
        main=codes[0],
        others=codes[1:],
        program_site=site(content.program.links["program"]),
        stylesheet=stylesheet,
    )
