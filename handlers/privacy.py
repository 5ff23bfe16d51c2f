"""Showing a person what is stored about them, in their language.

The store gathers the rows (:func:`db.erasure.my_data` returns plain dicts); this module
turns them into a message from the ``privacy.my_data`` template. Times are shown in
Vietnam's time zone; phone numbers in the national format. Imports only the standard
library and ``handlers`` (content, phones, types).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from handlers.content import Content
from handlers.phones import national
from handlers.types import Message

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def local_time(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(VIETNAM).strftime("%H:%M %d/%m/%Y")


def my_data_message(content: Content, lang: str, data: dict[str, Any]) -> Message:
    leads = [
        {
            **lead,
            "phone": national(lead["phone"]),
            "status_text": content.render(lang, "lead_status.resident." + lead["status"]),
            "created_at": local_time(lead["created_at"]),
        }
        for lead in data["leads"]
    ]
    consents = [
        {**c, "at": local_time(c["at"]), "withdrawn_at": local_time(c["withdrawn_at"])}
        for c in data["consents"]
    ]
    trainings = [
        {
            **t,
            "phone": national(t["phone"]) if t["phone"] else "",
            "status_text": content.render(
                lang,
                "training.resident_status."
                + ("session_cancelled" if t["session_cancelled_at"] else t["status"]),
            ),
            "starts_at": local_time(t["starts_at"]),
            "checked_in_at": local_time(t["checked_in_at"]),
        }
        for t in data.get("trainings", [])
    ]
    text = content.render(
        lang,
        "privacy.my_data",
        data={**data, "leads": leads, "consents": consents, "trainings": trainings},
    )
    return Message(text)


def mask_name(name: str) -> str:
    """A name the team group can see without identifying the person: the family name and
    initials ("Trần Văn Bình" → "Trần V. B.")."""
    parts = name.split()
    if not parts:
        return ""
    if len(parts) == 1:
        return parts[0][0] + "."
    return " ".join([parts[0], *(p[0] + "." for p in parts[1:])])
