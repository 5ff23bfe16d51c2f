"""The office's first page (``/office/``): who is signed in and where to go from here.
The plan's progress comes here with the reports work.

May import: bot.office.web.
"""

from __future__ import annotations

from aiohttp import web

from bot.office.web import PREFIX, page, staff


async def home(request: web.Request) -> web.StreamResponse:
    who = await staff(request)
    return page(request, "home.html", who)


async def bare(_request: web.Request) -> web.StreamResponse:
    raise web.HTTPSeeOther(PREFIX + "/")


ROUTES = [web.get(PREFIX + "/", home), web.get(PREFIX, bare)]
