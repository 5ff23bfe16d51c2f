"""Adding the ward office to the app: its pages' routes, the stylesheets it serves from
content/pages/office/, and the :class:`~bot.office.web.Office` its pages work with.
A new office page is a module in bot/office/ with a ``ROUTES`` list and a line here.

May import: every bot.office module.
"""

from __future__ import annotations

import re

from aiohttp import web

from bot.office import (
    audit_log,
    auth,
    home,
    leads,
    plan,
    registrations,
    registry,
    reports,
    schools,
    sources,
    teams,
    training,
    users,
)
from bot.office.web import OFFICE_KEY, PREFIX, Office, of

PAGES = (
    auth.ROUTES,
    home.ROUTES,
    leads.ROUTES,
    teams.ROUTES,
    sources.ROUTES,
    plan.ROUTES,
    reports.ROUTES,
    registry.ROUTES,
    schools.ROUTES,
    registrations.ROUTES,
    training.ROUTES,
    users.ROUTES,
    audit_log.ROUTES,
)
_STYLESHEET = re.compile(r"^[a-z0-9_-]{1,40}\.css$")


async def stylesheet(request: web.Request) -> web.StreamResponse:
    """``/office/static/NAME.css``: a stylesheet of content/pages/office/ (nothing else)."""
    name = request.match_info["name"]
    if not _STYLESHEET.match(name):
        raise web.HTTPNotFound()
    path = of(request).content.root / "pages" / "office" / name
    if not path.is_file():
        raise web.HTTPNotFound()
    return web.Response(
        body=path.read_bytes(),
        content_type="text/css",
        charset="utf-8",
        headers={"Cache-Control": "public, max-age=3600"},
    )


def install(app: web.Application, office: Office) -> None:
    app[OFFICE_KEY] = office
    registry.install(app)
    for routes in PAGES:
        app.add_routes(routes)
    app.add_routes([web.get(PREFIX + "/static/{name}", stylesheet)])
