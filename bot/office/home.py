"""The office's first page (``/office/``): who is signed in, how many requests wait for
someone, how many they hold and how many got their domain (within what their role sees),
and where to go from here; the plan's notices (a leader's report to write, the teams that
have not sent theirs, the ward's draft ready: bot.reports.duties). The plan's progress
comes here with the progress work.

May import: bot.office.reports, bot.office.web, db.
"""

from __future__ import annotations

from aiohttp import web

from bot.office.reports import notices
from bot.office.web import PREFIX, of, page, staff
from db import followup


async def home(request: web.Request) -> web.StreamResponse:
    who = await staff(request)
    ctx = of(request)

    def load() -> dict[str, int]:
        with ctx.store.transaction() as tx:
            actor = followup.actor_of_user(tx, who.user_id)
            return followup.counts(tx, actor) if actor else {}

    counts = await ctx.store.run(load)
    banners = await notices(request, who)
    return page(request, "home.html", who, counts=counts, banners=banners)


async def bare(_request: web.Request) -> web.StreamResponse:
    raise web.HTTPSeeOther(PREFIX + "/")


ROUTES = [web.get(PREFIX + "/", home), web.get(PREFIX, bare)]
