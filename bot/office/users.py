"""``/office/users``: office accounts, for admins — add one (a one-time link to set the
password is shown once, to hand over), a new link for a forgotten password, another role
or team, and switching an account off. The same as ``hiendien office`` on the command line.

May import: bot.office.web, db.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.office.web import PREFIX, Staff, of, page, posted, record, staff, whole_number
from db import office, team


def link_url(request: web.Request, token: str) -> str:
    """The one-time link: on HIENDIEN_PUBLIC_URL when set, else where this page was opened."""
    base = of(request).settings.hiendien_public_url or str(request.url.origin())
    return f"{base.rstrip('/')}{PREFIX}/password/{token}"


async def _listing(
    request: web.Request, who: Staff, *, status: int = 200, **params: Any
) -> web.Response:
    ctx = of(request)

    def load() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        with ctx.store.transaction() as tx:
            return office.users(tx), team.teams(tx, include_archived=False)

    accounts, teams = await ctx.store.run(load)
    params.setdefault("problem", "")
    params.setdefault("link", None)
    params.setdefault("given", {})
    return page(
        request,
        "users.html",
        who,
        status=status,
        accounts=accounts,
        teams=teams,
        roles=office.ROLES,
        now=ctx.clock(),
        **params,
    )


async def users_page(request: web.Request) -> web.StreamResponse:
    who = await staff(request, "admin")
    return await _listing(request, who)


async def add_user(request: web.Request) -> web.StreamResponse:
    who, data = await posted(request, "admin")
    ctx = of(request)
    given = {k: str(data.get(k, "")) for k in ("email", "name", "role", "team")}

    def add() -> tuple[int, str]:
        with ctx.store.transaction() as tx:
            user_id, token = office.add_user(
                tx, given["email"], given["name"], given["role"], whole_number(given["team"])
            )
            record(
                tx,
                request,
                who,
                "user_added",
                target=f"user:{user_id}",
                detail={"email": given["email"].strip().lower(), "role": given["role"]},
            )
            return user_id, token

    try:
        _user_id, token = await ctx.store.run(add)
    except office.AccountError as exc:
        return await _listing(request, who, status=400, problem=exc.code, given=given)
    return await _listing(request, who, link=(given["email"], link_url(request, token)))


async def new_link(request: web.Request) -> web.StreamResponse:
    who, _data = await posted(request, "admin")
    ctx = of(request)
    user_id = int(request.match_info["user_id"])

    def make() -> tuple[str, str] | None:
        with ctx.store.transaction() as tx:
            user = office.user_by_id(tx, user_id)
            if user is None:
                return None
            token = office.new_link(tx, user_id)
            record(tx, request, who, "password_link", target=f"user:{user_id}")
            return user["email"], token

    made = await ctx.store.run(make)
    if made is None:
        raise web.HTTPNotFound()
    return await _listing(request, who, link=(made[0], link_url(request, made[1])))


async def change(request: web.Request) -> web.StreamResponse:
    who, data = await posted(request, "admin")
    ctx = of(request)
    user_id = int(request.match_info["user_id"])
    role = str(data.get("role", ""))
    team_id = whole_number(data.get("team"))
    active = data.get("active", "1") == "1"
    if user_id == who.user_id and (role != "admin" or not active):
        return await _listing(request, who, status=400, problem="self")

    def apply() -> None:
        with ctx.store.transaction() as tx:
            before = office.change_role(tx, user_id, role, team_id)
            office.set_active(tx, user_id, active)
            record(
                tx,
                request,
                who,
                "role_changed",
                target=f"user:{user_id}",
                detail={"before": before, "role": role, "team_id": team_id, "active": active},
            )

    try:
        await ctx.store.run(apply)
    except office.AccountError as exc:
        if exc.code == "no_user":
            raise web.HTTPNotFound() from exc
        return await _listing(request, who, status=400, problem=exc.code)
    raise web.HTTPSeeOther(f"{PREFIX}/users?ok=saved")


ROUTES = [
    web.get(PREFIX + "/users", users_page),
    web.post(PREFIX + "/users", add_user),
    web.post(PREFIX + "/users/{user_id:[0-9]{1,9}}/link", new_link),
    web.post(PREFIX + "/users/{user_id:[0-9]{1,9}}", change),
]
