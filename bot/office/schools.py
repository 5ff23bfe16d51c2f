"""``/office/schools``: the ward's colleges and vocational schools with the outreach activities
held at each (when, what, how many attended) and whether each has been reached; and the
number of youths aged 18–23 in the ward (the id.vn target's denominator) with its source,
date and history. Admins add, change and archive schools, record activities and set the
figure; leaders read. Members may not open it (403). No youth's personal data is asked for
or kept — only the number.

Every change goes through db.schools, which writes it to the audit log as the signed-in
staff member.

May import: bot.office.web, db, handlers.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from aiohttp import web

from bot.office.web import (
    PREFIX,
    Staff,
    client_ip,
    language,
    of,
    page,
    posted,
    staff,
    typed,
    whole_number,
)
from db import schools
from db.schools import SchoolError

HOME = PREFIX + "/schools"
DONE = ("added", "changed", "archived", "unarchived", "recorded", "figure_set")


def _actor(request: web.Request, who: Staff) -> dict[str, Any]:
    return {"actor": who.email, "actor_user_id": who.user_id, "ip": client_ip(request)}


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


async def _listing(
    request: web.Request,
    who: Staff,
    *,
    status: int = 200,
    problem: str = "",
    form: str = "",
    given: dict[str, str] | None = None,
) -> web.Response:
    ctx = of(request)
    today = ctx.today()
    archived = request.query.get("archived") == "1"

    def load() -> dict[str, Any]:
        with ctx.store.transaction() as tx:
            return {
                "rows": schools.listing(tx, today, archived=archived),
                "youths": schools.figure(tx, schools.YOUTHS, today),
                "history": schools.history(tx, schools.YOUTHS),
            }

    found = await ctx.store.run(load)
    done = request.query.get("done", "")
    return page(
        request,
        "schools.html",
        who,
        status=status,
        **found,
        archived=archived,
        kinds=schools.KINDS,
        today=today,
        problem=problem,
        form=form,
        given=given or {},
        done=done if done in DONE else "",
    )


async def list_page(request: web.Request) -> web.StreamResponse:
    who = await staff(request, "admin", "leader")
    return await _listing(request, who)


async def _attempt(
    request: web.Request, who: Staff, form: str, given: dict[str, str], work: Any, done: str
) -> web.StreamResponse:
    ctx = of(request)

    def run() -> Any:
        with ctx.store.transaction() as tx:
            return work(tx)

    try:
        await ctx.store.run(run)
    except SchoolError as exc:
        if exc.key == "missing":
            raise web.HTTPNotFound() from exc
        words = ctx.content.render(
            language(request, who), "office_schools.error." + exc.key, **exc.params
        )
        return await _listing(request, who, status=400, problem=words, form=form, given=given)
    raise web.HTTPSeeOther(f"{HOME}?done={done}")


async def add_school(request: web.Request) -> web.StreamResponse:
    who, data = await posted(request, "admin")
    given = typed(data, "name", "kind", "address")

    def work(tx: Any) -> Any:
        return schools.add(
            tx, given["name"], given["kind"], given["address"], **_actor(request, who)
        )

    return await _attempt(request, who, "add", given, work, "added")


def _school_id(request: web.Request) -> int:
    found = whole_number(request.match_info["id"])
    if found is None:
        raise web.HTTPNotFound()
    return found


async def change_school(request: web.Request) -> web.StreamResponse:
    who, data = await posted(request, "admin")
    school_id = _school_id(request)
    given = typed(data, "name", "kind", "address")

    def work(tx: Any) -> Any:
        return schools.change(
            tx, school_id, given["name"], given["kind"], given["address"], **_actor(request, who)
        )

    return await _attempt(request, who, f"change-{school_id}", given, work, "changed")


async def _archiving(request: web.Request, archived: bool) -> web.StreamResponse:
    who, _data = await posted(request, "admin")
    school_id = _school_id(request)

    def work(tx: Any) -> Any:
        return schools.set_archived(tx, school_id, archived, **_actor(request, who))

    return await _attempt(request, who, "", {}, work, "archived" if archived else "unarchived")


async def archive(request: web.Request) -> web.StreamResponse:
    return await _archiving(request, True)


async def unarchive(request: web.Request) -> web.StreamResponse:
    return await _archiving(request, False)


async def record_outreach(request: web.Request) -> web.StreamResponse:
    who, data = await posted(request, "admin")
    ctx = of(request)
    given = typed(data, "school", "held_on", "activity", "attended")
    school_id = whole_number(given["school"])
    held_on = _day(given["held_on"])
    attended = whole_number(given["attended"]) if given["attended"] else None

    def work(tx: Any) -> Any:
        if school_id is None:
            raise SchoolError("choose_school")
        if held_on is None:
            raise SchoolError("bad_day")
        if given["attended"] and attended is None:
            raise SchoolError("bad_attended", limit=schools.ATTENDED_MAX)
        if schools.get(tx, school_id) is None:
            raise SchoolError("choose_school")
        return schools.record_outreach(
            tx,
            school_id,
            held_on,
            given["activity"],
            attended,
            today=ctx.today(),
            **_actor(request, who),
        )

    return await _attempt(request, who, "outreach", given, work, "recorded")


async def set_youths(request: web.Request) -> web.StreamResponse:
    who, data = await posted(request, "admin")
    ctx = of(request)
    given = typed(data, "value", "source", "as_of")
    value = whole_number(given["value"].replace(".", "").replace(",", "").replace(" ", ""))
    as_of = _day(given["as_of"])

    def work(tx: Any) -> Any:
        if value is None:
            raise SchoolError("bad_value", limit=schools.FIGURE_MAX)
        if as_of is None:
            raise SchoolError("bad_day")
        return schools.set_figure(
            tx,
            schools.YOUTHS,
            value,
            given["source"],
            as_of,
            today=ctx.today(),
            **_actor(request, who),
        )

    return await _attempt(request, who, "figure", given, work, "figure_set")


ROUTES = [
    web.get(HOME, list_page),
    web.post(HOME, add_school),
    web.post(HOME + "/outreach", record_outreach),
    web.post(HOME + "/youths", set_youths),
    web.post(HOME + "/{id}", change_school),
    web.post(HOME + "/{id}/archive", archive),
    web.post(HOME + "/{id}/unarchive", unarchive),
]
