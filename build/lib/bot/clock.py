"""Vietnam's date: "today" is the date in Asia/Ho_Chi_Minh, whatever the server's zone."""

from __future__ import annotations

from datetime import date, datetime

from handlers.privacy import VIETNAM


def today_in_vietnam() -> date:
    return datetime.now(VIETNAM).date()
