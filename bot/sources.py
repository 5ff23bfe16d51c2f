"""A campaign source's links, one per channel that has them (each channel says its own,
:meth:`Channel.source_link <bot.channels.base.Channel.source_link>`), with the words that
go with each (content/<lang>/sources.yaml, ``sources.link_note.*`` and
``sources.link_missing.*``), and the organisations the ward suggests for a source. The
command line (``hiendien sources``) and the office's sources pages use these.

May import: bot.channels.base (types), bot.qr, bot.settings, handlers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import jinja2

from bot.channels.base import Channel, Registry
from bot.settings import Settings
from handlers.content import Content
from handlers.text import nfc, plain


@dataclass(frozen=True)
class SourceLink:
    """One channel's link for a source. ``url`` None: the channel could have one but lacks a
    setting (``note`` says which); ``printable``: absolute, so it can become a QR code."""

    channel: str  # the channel's name ("web")
    title: str  # as people call it ("Web")
    url: str | None
    note: str | None  # words to show beside it, or None

    @property
    def printable(self) -> bool:
        return bool(self.url) and "://" in (self.url or "")


def words(content: Content, lang: str, key: str, **params: Any) -> str | None:
    """The message ``key`` if the catalogue has it (a channel added later may have none)."""
    try:
        return content.render(lang, key, **params)
    except jinja2.TemplateNotFound:
        return None


def offers_links(channel: type[Channel]) -> bool:
    """Whether the channel has source links at all (it overrides ``source_link``)."""
    return channel.source_link.__func__ is not Channel.source_link.__func__  # type: ignore[attr-defined]


def links(
    settings: Settings, channels: Registry, content: Content, code: str, lang: str = "vi"
) -> list[SourceLink]:
    """The links of source ``code`` on every channel that has them, in the registry's order
    (the web chat first)."""
    out = []
    for channel in channels:
        if not offers_links(channel):
            continue
        url = channel.source_link(settings, code)
        if url is None:
            note = words(content, lang, f"sources.link_missing.{channel.name}") or words(
                content, lang, "sources.link_missing.other"
            )
        elif "://" not in url:
            note = words(content, lang, "sources.link_note.relative")
        else:
            note = words(content, lang, f"sources.link_note.{channel.name}")
        out.append(SourceLink(channel.name, channel.title, url, note))
    return out


def find(found: Sequence[SourceLink], channel: str) -> SourceLink | None:
    return next((link for link in found if link.channel == channel), None)


def organisation(content: Content, typed: str) -> str:
    """The ward's spelling of a suggested organisation (content/ward.yaml,
    ``source_organisations``) when ``typed`` is one of them without its diacritics or
    capitals or punctuation ("hoi phu nu" → "Hội Phụ nữ"); otherwise what was typed,
    trimmed."""
    cleaned = " ".join(nfc(typed).split())
    key = plain(cleaned)
    return next((o for o in content.ward.source_organisations if plain(o) == key), cleaned)
