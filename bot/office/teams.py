"""``/office/teams``: the community digital teams. Admins see every team with the tổ dân phố it
serves, its members and its unused invite codes; they create, rename, archive and bring back
teams, and give a team a tổ dân phố (taken from the team that had it, which the page says).
A leader sees their own team only (another team's page answers 404) and may invite members
to it and unlink its members; the rest is for admins (403). Members do not come here.

An invite is a one-time code (db.team.invite), optionally made for an office user, so that
the chat account linked with ``/staff CODE`` is that user's; the page shows the code with
each running channel's instructions (Channel.staff_link, as ``hiendien staff invite``
prints them). ``/office/account/link`` makes such a code for the signed-in person's own
team and account. Every change goes to the audit log as ``team_changed``.

The same service as ``hiendien staff`` (db.team); a refused change is said in the words of
``teams.errors.*``.

May import: bot.office.web, bot.channels (the registry and its types), db, handlers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from multidict import MultiMapping

from bot.channels.base import Registry
from bot.channels.registry import CHANNELS, find
from bot.office.web import (
    PREFIX,
    Office,
    Staff,
    language,
    of,
    page,
    posted,
    record,
    staff,
    translator,
    whole_number,
)
from db import office, team
from db.store import Tx
from handlers.text import fold

DONE = ("created", "renamed", "archived", "unarchived", "area_removed", "removed")


@dataclass(frozen=True)
class Made:
    """A new invite code and how to use it on each channel this office runs."""

    code: str
    team: str
    role: str
    user: str | None  # the office user it links to, by name
    how: list[str]  # one line per channel (Channel.staff_link)


def _done(query: MultiMapping[str]) -> str:
    found = query.get("done", "")
    return found if found in DONE else ""


def team_changed(
    tx: Tx, request: web.Request, who: Staff, team_id: int, detail: dict[str, Any]
) -> None:
    """The audit log's line for a change of a team (what changed in ``detail``)."""
    record(tx, request, who, "team_changed", target=f"team:{team_id}", detail=detail)


def _team_id(request: web.Request) -> int:
    return int(request.match_info["team_id"])


def _may_see(who: Staff, team_id: int) -> bool:
    return who.admin or (who.role == "leader" and who.team_id == team_id)


def channel_title(name: str, channels: Registry = CHANNELS) -> str:
    found = find(name, channels)
    return found.title if found else name


async def instructions(ctx: Office, code: str, channels: Registry = CHANNELS) -> list[str]:
    """How to link a chat account with ``code`` on each channel this office runs (as
    ``hiendien staff invite`` prints it). Off the event loop: Telegram may ask the Bot API
    for its username when TELEGRAM_BOT_USERNAME is unset."""

    def ask() -> list[str]:
        lines = []
        for channel in channels:
            if not channel.configured(ctx.settings):
                continue  # not running here: a code sent there would reach no one
            how = channel.staff_link(ctx.settings, code)
            if how:
                lines.append(how)
        return lines

    return await asyncio.to_thread(ask)


# --- what the pages show --------------------------------------------------------------------


def _listing(tx: Tx, ctx: Office) -> dict[str, Any]:
    """Every team, and the ward's tổ dân phố no team serves."""
    every = team.teams(tx)
    served = {fold(area) for t in every for area in t["areas"]}
    unserved = [a for a in ctx.content.ward.areas if fold(a) not in served]
    return {"teams": every, "unserved": unserved}


def _team_view(tx: Tx, ctx: Office, who: Staff, team_id: int) -> dict[str, Any] | None:
    """Everything the team's page shows, or None: no such team, or not for this person."""
    every = team.teams(tx)
    found = next((t for t in every if t["id"] == team_id), None)
    if found is None or not _may_see(who, team_id):
        return None
    accounts = office.users(tx)
    names = {u["id"]: u["name"] for u in accounts}
    linked = team.members(tx, team_id=team_id)
    for m in linked:
        m["channel_title"] = channel_title(m["channel"])
        m["user"] = names.get(m["office_user_id"]) if m["office_user_id"] else None
    users = [u for u in accounts if u["team_id"] == team_id]
    for u in users:
        u["linked"] = [m for m in linked if m["office_user_id"] == u["id"] and m["active"]]
    # whom an invite may be for: the team's office users (and, for an admin, the admins)
    invitees = [u for u in accounts if u["active"] and u["team_id"] == team_id]
    if who.admin:
        invitees += [u for u in accounts if u["active"] and u["role"] == "admin"]
    invites = team.pending_invites(tx, team_id)
    for i in invites:
        i["user"] = names.get(i["office_user_id"]) if i["office_user_id"] else None
    holders = {fold(area): t["name"] for t in every for area in t["areas"]}
    return {
        "team": found,
        "members": linked,
        "users": users,
        "invitees": invitees,
        "invites": invites,
        "ward_areas": [(a, holders.get(fold(a))) for a in ctx.content.ward.areas],
        "chat_roles": team.ROLES if who.admin else ("member",),
    }


async def _team_page(
    request: web.Request, who: Staff, team_id: int, *, status: int = 200, **params: Any
) -> web.Response:
    ctx = of(request)

    def load() -> dict[str, Any] | None:
        with ctx.store.transaction() as tx:
            return _team_view(tx, ctx, who, team_id)

    view = await ctx.store.run(load)
    if view is None:
        raise web.HTTPNotFound()
    params.setdefault("problem", "")
    params.setdefault("notice", [])
    params.setdefault("made", None)
    params.setdefault("given", {})
    return page(
        request,
        "team.html",
        who,
        status=status,
        done=_done(request.query),
        invite_days=team.INVITE_DAYS,
        **view,
        **params,
    )


async def _teams_page(
    request: web.Request, who: Staff, *, status: int = 200, **params: Any
) -> web.Response:
    ctx = of(request)

    def load() -> dict[str, Any]:
        with ctx.store.transaction() as tx:
            return _listing(tx, ctx)

    view = await ctx.store.run(load)
    params.setdefault("problem", "")
    params.setdefault("given", "")
    return page(
        request, "teams.html", who, status=status, done=_done(request.query), **view, **params
    )


def _words(request: web.Request, who: Staff) -> Callable[..., str]:
    return translator(of(request).content, language(request, who))


def _refused(request: web.Request, who: Staff, exc: team.TeamError) -> str:
    return _words(request, who)(exc.key, **exc.params)


# --- pages --------------------------------------------------------------------------------------


async def teams_page(request: web.Request) -> web.StreamResponse:
    who = await staff(request, "admin", "leader")
    if not who.admin:
        if who.team_id is None:
            raise web.HTTPNotFound()
        raise web.HTTPSeeOther(f"{PREFIX}/teams/{who.team_id}")
    return await _teams_page(request, who)


async def team_page(request: web.Request) -> web.StreamResponse:
    who = await staff(request, "admin", "leader")
    return await _team_page(request, who, _team_id(request))


# --- admins: teams and their tổ dân phố -------------------------------------------------------


async def create(request: web.Request) -> web.StreamResponse:
    who, data = await posted(request, "admin")
    ctx = of(request)
    name = str(data.get("name", ""))

    def make() -> int:
        with ctx.store.transaction() as tx:
            team_id = team.create_team(tx, name)
            team_changed(tx, request, who, team_id, {"change": "created", "name": team.clean(name)})
            return team_id

    try:
        team_id = await ctx.store.run(make)
    except team.TeamError as exc:
        return await _teams_page(
            request, who, status=400, problem=_refused(request, who, exc), given=name
        )
    raise web.HTTPSeeOther(f"{PREFIX}/teams/{team_id}?done=created")


async def rename(request: web.Request) -> web.StreamResponse:
    who, data = await posted(request, "admin")
    ctx = of(request)
    team_id = _team_id(request)
    name = str(data.get("name", ""))

    def change() -> None:
        with ctx.store.transaction() as tx:
            before = team.team_by_id(tx, team_id)
            if before is None:
                raise web.HTTPNotFound()
            after = team.rename_team(tx, team_id, name)
            team_changed(
                tx,
                request,
                who,
                team_id,
                {"change": "renamed", "before": before["name"], "name": after},
            )

    try:
        await ctx.store.run(change)
    except team.TeamError as exc:
        problem = _refused(request, who, exc)
        return await _team_page(
            request, who, team_id, status=400, problem=problem, given={"name": name}
        )
    raise web.HTTPSeeOther(f"{PREFIX}/teams/{team_id}?done=renamed")


async def archive(request: web.Request) -> web.StreamResponse:
    who, data = await posted(request, "admin")
    ctx = of(request)
    team_id = _team_id(request)
    back = data.get("archived") == "0"

    def change() -> None:
        with ctx.store.transaction() as tx:
            if team.team_by_id(tx, team_id) is None:
                raise web.HTTPNotFound()
            detail: dict[str, Any] = {"change": "unarchived" if back else "archived"}
            if back:
                team.unarchive_team(tx, team_id)
            else:
                detail["areas"] = team.archive_team(tx, team_id)
            team_changed(tx, request, who, team_id, detail)

    await ctx.store.run(change)
    raise web.HTTPSeeOther(f"{PREFIX}/teams/{team_id}?done={'unarchived' if back else 'archived'}")


def ward_spelling(ctx: Office, typed: str) -> tuple[str, bool]:
    """The ward's spelling of a tổ dân phố typed without its diacritics or capitals, and
    whether it is one of the ward's (content/ward.yaml ``areas``)."""
    cleaned = team.clean(typed)
    listed = {fold(a): a for a in ctx.content.ward.areas}
    found = listed.get(fold(cleaned))
    return (found, True) if found else (cleaned, False)


async def assign(request: web.Request) -> web.StreamResponse:
    who, data = await posted(request, "admin")
    ctx = of(request)
    team_id = _team_id(request)
    typed = str(data.get("other", "")).strip() or str(data.get("area", ""))
    area, listed = ward_spelling(ctx, typed)

    def give() -> str | None:
        with ctx.store.transaction() as tx:
            if team.team_by_id(tx, team_id) is None:
                raise web.HTTPNotFound()
            before = team.assign_area(tx, area, team_id)
            was = team.team_by_id(tx, before) if before is not None else None
            team_changed(
                tx,
                request,
                who,
                team_id,
                {"change": "area_assigned", "area": area, "from": was and was["name"]},
            )
            return was["name"] if was else None

    try:
        moved_from = await ctx.store.run(give)
    except team.TeamError as exc:
        return await _team_page(
            request, who, team_id, status=400, problem=_refused(request, who, exc)
        )
    t = _words(request, who)
    notice = [t("office_teams.area.assigned", area=area)]
    if moved_from is not None:
        notice.append(t("office_teams.area.moved", area=area, team=moved_from))
    if not listed:
        notice.append(t("office_teams.area.not_listed", area=area))
    return await _team_page(request, who, team_id, notice=notice)


async def unassign(request: web.Request) -> web.StreamResponse:
    who, data = await posted(request, "admin")
    ctx = of(request)
    team_id = _team_id(request)
    area = team.clean(str(data.get("area", "")))

    def take() -> None:
        with ctx.store.transaction() as tx:
            if area not in team.areas_of(tx, team_id):
                raise web.HTTPNotFound()  # not this team's (any more)
            team.unassign_area(tx, area)
            team_changed(tx, request, who, team_id, {"change": "area_removed", "area": area})

    await ctx.store.run(take)
    raise web.HTTPSeeOther(f"{PREFIX}/teams/{team_id}?done=area_removed")


# --- admins and leaders: invites and members ----------------------------------------------------


async def invite(request: web.Request) -> web.StreamResponse:
    who, data = await posted(request, "admin", "leader")
    ctx = of(request)
    team_id = _team_id(request)
    role = str(data.get("role", "member"))
    user_id = whole_number(data.get("user"))
    if not who.admin and role != "member":
        raise web.HTTPForbidden()
    if role not in team.ROLES:
        raise web.HTTPBadRequest()

    def make() -> tuple[str, str, str | None]:
        with ctx.store.transaction() as tx:
            view = _team_view(tx, ctx, who, team_id)
            if view is None:
                raise web.HTTPNotFound()
            chosen = None
            if user_id is not None:
                chosen = next((u for u in view["invitees"] if u["id"] == user_id), None)
                if chosen is None:
                    raise web.HTTPBadRequest()
            code = team.invite(tx, team_id, role, office_user_id=user_id)
            team_changed(
                tx,
                request,
                who,
                team_id,
                {"change": "invited", "role": role, "office_user_id": user_id},
            )
            return code, view["team"]["name"], chosen["name"] if chosen else None

    try:
        code, name, user = await ctx.store.run(make)
    except team.TeamError as exc:
        return await _team_page(
            request, who, team_id, status=400, problem=_refused(request, who, exc)
        )
    made = Made(code, name, role, user, await instructions(ctx, code))
    return await _team_page(request, who, team_id, made=made)


async def remove(request: web.Request) -> web.StreamResponse:
    who, _data = await posted(request, "admin", "leader")
    ctx = of(request)
    team_id = _team_id(request)
    member_id = int(request.match_info["member_id"])

    def unlink() -> None:
        with ctx.store.transaction() as tx:
            if not _may_see(who, team_id):
                raise web.HTTPNotFound()
            found = next(
                (m for m in team.members(tx, team_id=team_id) if m["id"] == member_id), None
            )
            if found is None or not found["active"]:
                raise web.HTTPNotFound()
            team.remove_member(tx, member_id)
            team_changed(
                tx,
                request,
                who,
                team_id,
                {
                    "change": "member_removed",
                    "member_id": member_id,
                    "channel": found["channel"],
                    "name": found["display_name"],
                },
            )

    await ctx.store.run(unlink)
    raise web.HTTPSeeOther(f"{PREFIX}/teams/{team_id}?done=removed")


# --- everyone: linking one's own chat account -----------------------------------------------------


async def _link_page(
    request: web.Request, who: Staff, *, status: int = 200, **params: Any
) -> web.Response:
    ctx = of(request)

    def load() -> list[dict[str, Any]]:
        with ctx.store.transaction() as tx:
            mine = team.members(tx, office_user_id=who.user_id, active_only=True)
        for m in mine:
            m["channel_title"] = channel_title(m["channel"])
        return mine

    params.setdefault("problem", "")
    params.setdefault("made", None)
    linked = await ctx.store.run(load)
    return page(
        request,
        "link.html",
        who,
        status=status,
        linked=linked,
        invite_days=team.INVITE_DAYS,
        **params,
    )


async def link_page(request: web.Request) -> web.StreamResponse:
    who = await staff(request)
    return await _link_page(request, who)


async def link_mine(request: web.Request) -> web.StreamResponse:
    """A one-time code for the signed-in person's own team and office account."""
    who, _data = await posted(request)
    ctx = of(request)
    if who.team_id is None:
        t = _words(request, who)
        return await _link_page(request, who, status=400, problem=t("office_teams.link.no_team"))
    team_id = who.team_id

    def make() -> tuple[str, str]:
        with ctx.store.transaction() as tx:
            code = team.invite(tx, team_id, "member", office_user_id=who.user_id)
            found = team.team_by_id(tx, team_id)
            team_changed(
                tx,
                request,
                who,
                team_id,
                {"change": "invited", "role": "member", "office_user_id": who.user_id},
            )
            return code, found["name"] if found else ""

    try:
        code, name = await ctx.store.run(make)
    except team.TeamError as exc:
        return await _link_page(request, who, status=400, problem=_refused(request, who, exc))
    made = Made(code, name, "member", who.name, await instructions(ctx, code))
    return await _link_page(request, who, made=made)


ROUTES = [
    web.get(PREFIX + "/teams", teams_page),
    web.post(PREFIX + "/teams", create),
    web.get(PREFIX + "/teams/{team_id:\\d{1,9}}", team_page),
    web.post(PREFIX + "/teams/{team_id:\\d{1,9}}/name", rename),
    web.post(PREFIX + "/teams/{team_id:\\d{1,9}}/archive", archive),
    web.post(PREFIX + "/teams/{team_id:\\d{1,9}}/areas", assign),
    web.post(PREFIX + "/teams/{team_id:\\d{1,9}}/areas/remove", unassign),
    web.post(PREFIX + "/teams/{team_id:\\d{1,9}}/invite", invite),
    web.post(PREFIX + "/teams/{team_id:\\d{1,9}}/members/{member_id:\\d{1,9}}/remove", remove),
    web.get(PREFIX + "/account/link", link_page),
    web.post(PREFIX + "/account/link", link_mine),
]
