"""Vietnam's date: "today" is the date in Asia/Ho_Chi_Minh, whatever the server's zone.

May import: handlers (the time zone).
"""

from __future__ import annotations

from datetime import date, datetime

from handlers.privacy import VIETNAM

__all__ = ["VIETNAM", "today_in_vietnam"]


def today_in_vietnam() -> date:
    return datetime.now(VIETNAM).date()
