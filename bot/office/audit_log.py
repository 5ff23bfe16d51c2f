"""``/office/audit``: the audit log for admins — who signed in (or failed to), who viewed a
resident's contact details, who exported what, status and role changes — newest first,
filtered by action, person and days (Vietnam time), a page at a time.

May import: bot.office.web, bot.clock, db.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from aiohttp import web

from bot.clock import VIETNAM
from bot.office.web import PREFIX, of, page, staff, whole_number
from db import audit

PER_PAGE = 50


def day_start(text: str) -> datetime | None:
    """The start of a Vietnam day typed as YYYY-MM-DD (a date field), or None."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return datetime.combine(day, time(), VIETNAM)


async def audit_page(request: web.Request) -> web.StreamResponse:
    who = await staff(request, "admin")
    ctx = of(request)
    q = request.query
    action = q.get("action", "")
    action = action if action in audit.ACTIONS else ""
    actor = q.get("actor", "").strip()[:254]
    since = day_start(q.get("from", ""))
    until_day = day_start(q.get("to", ""))
    until = until_day + timedelta(days=1) if until_day else None
    number = whole_number(q.get("page")) or 1

    def load() -> list[dict[str, Any]]:
        with ctx.store.transaction() as tx:
            return audit.events(
                tx,
                action=action or None,
                actor=actor.lower() or None,
                since=since,
                until=until,
                limit=PER_PAGE + 1,
                offset=(number - 1) * PER_PAGE,
            )

    events = await ctx.store.run(load)
    more = len(events) > PER_PAGE
    keep = {k: v for k, v in q.items() if k != "page" and v}
    return page(
        request,
        "audit.html",
        who,
        events=events[:PER_PAGE],
        actions=audit.ACTIONS,
        chosen={"action": action, "actor": actor, "from": q.get("from", ""), "to": q.get("to", "")},
        number=number,
        more=more,
        keep=keep,
    )


ROUTES = [web.get(PREFIX + "/audit", audit_page)]
