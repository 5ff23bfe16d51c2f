"""How hiendien's messages look on Zalo: text of at most 2,000 characters (NFC), with up to
five buttons that send back a hidden payload; more choices, or a refusal of buttons by
Zalo, become numbered text — typed numbers and words work either way."""

from __future__ import annotations

import unicodedata
from typing import Any

from bot.channels import Capabilities, fit
from handlers.types import Message, Reply

PAYLOAD_PREFIX = "#hd:"  # a tap comes back as a text message carrying this
MAX_BUTTONS = 5
ZALO_BUTTONS = Capabilities(buttons=True, url_buttons=True, max_length=2000)
ZALO_TEXT = Capabilities(buttons=False, url_buttons=False, max_length=2000)


def payload_of(text: str) -> str | None:
    """The payload of a tapped button, or None for typed text."""
    return text[len(PAYLOAD_PREFIX) :] if text.startswith(PAYLOAD_PREFIX) else None


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def with_buttons(message: Message) -> dict[str, Any]:
    buttons = [
        {"title": b.title[:100], "type": "oa.open.url", "payload": {"url": b.url}}
        if b.url is not None
        else {
            "title": b.title[:100],
            "type": "oa.query.hide",
            "payload": PAYLOAD_PREFIX + (b.payload or ""),
        }
        for b in message.buttons
    ]
    body: dict[str, Any] = {"text": _nfc(message.text)}
    if buttons:
        body["attachment"] = {"type": "template", "payload": {"buttons": buttons}}
    return body


def as_text(message: Message) -> dict[str, Any]:
    return {"text": _nfc(message.text)}


def messages(
    reply: Reply, buttons_allowed: bool = True
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Each message as (what to send, the numbered-text version to send if Zalo refuses
    buttons). The numbering counts the reply's choices in order, as the engine does."""
    rich = fit(reply, ZALO_BUTTONS)
    plain = fit(reply, ZALO_TEXT)
    if len(rich) != len(plain):  # a long text split differently: use text throughout
        return [(as_text(m), as_text(m)) for m in plain]
    out = []
    for r, p in zip(rich, plain, strict=True):
        too_many = sum(b.payload is not None for b in r.buttons) > MAX_BUTTONS
        if not buttons_allowed or too_many or not r.buttons:
            out.append((as_text(p), as_text(p)))
        else:
            out.append((with_buttons(r), as_text(p)))
    return out
