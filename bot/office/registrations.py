"""``/office/registrations``: the registered domains — the outcome the plan's targets count —
for admins (every one) and leaders (their team's: the registrations of their team's
requests), newest first, with where each fact comes from (staff, the resident, a
registrar's list), its DNS check, and links to the request; filtered by source, kind, DNS
status, a part of the domain and (admins) team.

May import: bot.office.web, db.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.office.web import PREFIX, of, page, staff, whole_number
from db import registrations, team
from db.registrations import Filters

DNS_FILTERS = (*registrations.DNS_STATUSES, "unchecked")
KEYS = ("source", "kind", "dns", "team", "q")


def _one_of(value: str, allowed: tuple[str, ...]) -> str | None:
    return value if value in allowed else None


async def registrations_page(request: web.Request) -> web.StreamResponse:
    who = await staff(request, "admin", "leader")
    ctx = of(request)
    q = request.query
    team_id = whole_number(q.get("team")) if who.role == "admin" else who.team_id
    chosen = Filters(
        source=_one_of(q.get("source", ""), registrations.SOURCES),
        kind=_one_of(q.get("kind", ""), registrations.KINDS),
        dns=_one_of(q.get("dns", ""), DNS_FILTERS),
        team_id=team_id,
        q=q.get("q", "").strip()[:100] or None,
    )

    def load() -> dict[str, Any]:
        with ctx.store.transaction() as tx:
            teamless_leader = who.role == "leader" and who.team_id is None
            rows = [] if teamless_leader else registrations.listing(tx, chosen)
            return {"rows": rows, "teams": team.teams(tx) if who.role == "admin" else []}

    found = await ctx.store.run(load)
    return page(
        request,
        "registrations.html",
        who,
        **found,
        given={k: q.get(k, "") for k in KEYS},
        sources=registrations.SOURCES,
        kinds=registrations.KINDS,
        dns_filters=DNS_FILTERS,
    )


ROUTES = [web.get(PREFIX + "/registrations", registrations_page)]
