"""The office's first page (``/office/``): who is signed in, how many requests wait for
someone, how many they hold and how many got their domain (within what their role sees),
and — for admins (the whole ward) and leaders (their team's share) — the progress against
the plan's targets (db.progress) as server-rendered SVG charts with their numbers beside,
each number a link to the rows behind it, the funnels by source and by team, and the
weekly trend. ``?on=YYYY-MM-DD`` shows the numbers of another day. Members see the counts
and where to go from here. Everyone sees the plan's notices that concern them (a leader's
report to write, the teams that have not sent theirs, the ward's draft ready:
bot.reports.duties).

May import: bot.office.reports, bot.office.web, db, handlers.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from bot.office.reports import notices
from bot.office.web import PREFIX, Staff, of, page, staff
from db import followup
from db.progress import Progress, progress

TARGETS = ("id_vn", "biz_vn", "businesses_reached", "schools_reached")


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def leads_link(who: Staff, **filters: Any) -> str:
    """The leads board filtered (a leader's links keep to their team)."""
    if who.role == "leader" and who.team_id is not None:
        filters.setdefault("team", who.team_id)
    query = {k: v for k, v in filters.items() if v is not None}
    return f"{PREFIX}/leads" + (f"?{urlencode(query)}" if query else "")


def links(who: Staff) -> dict[str, dict[str, str]]:
    """Where each target's numbers open the rows behind them."""
    registry = f"{PREFIX}/registry?eligible=yes"
    return {
        "id_vn": {"n": f"{PREFIX}/registrations?kind=id.vn", "d": f"{PREFIX}/schools"},
        "biz_vn": {"n": f"{PREFIX}/registrations?kind=biz.vn", "d": registry},
        "businesses_reached": {"n": leads_link(who, status="contacted"), "d": registry},
        "schools_reached": {"n": f"{PREFIX}/schools", "d": f"{PREFIX}/schools"},
        "not_registered": {"n": registry + "&registered=no"},
    }


async def home(request: web.Request) -> web.StreamResponse:
    who = await staff(request)
    ctx = of(request)
    shows_progress = who.role == "admin" or (who.role == "leader" and who.team_id is not None)
    asked = request.query.get("on", "")
    on = _day(asked) if asked else None
    bad_day = bool(asked) and on is None
    day = on or ctx.today()
    content = ctx.content

    def load() -> tuple[dict[str, int], Progress | None]:
        with ctx.store.transaction() as tx:
            actor = followup.actor_of_user(tx, who.user_id)
            counts = followup.counts(tx, actor) if actor else {}
            if not shows_progress:
                return counts, None
            team_id = who.team_id if who.role == "leader" else None
            return counts, progress(tx, day, content.rules, content.plan, team_id)

    counts, found = await ctx.store.run(load)
    banners = await notices(request, who)
    return page(
        request,
        "home.html",
        who,
        counts=counts,
        banners=banners,
        progress=found,
        targets=TARGETS,
        links=links(who),
        leads_link=lambda **f: leads_link(who, **f),
        on=day,
        picked=on is not None,
        bad_day=bad_day,
        busiest=max([max(w.leads, w.registrations) for w in found.weekly] + [1]) if found else 1,
    )


async def bare(_request: web.Request) -> web.StreamResponse:
    raise web.HTTPSeeOther(PREFIX + "/")


ROUTES = [web.get(PREFIX + "/", home), web.get(PREFIX, bare)]
