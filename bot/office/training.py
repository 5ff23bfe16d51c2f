"""``/office/training``: the ward's training sessions (tập huấn) with their counts
(registered, waiting, came); ``/office/training/{id}``: a session's details and its people
(name, phone, status, code, check-in); ``/office/training/{id}/checkin``: the door, for
staff on a phone — type the code, or open the address a registrant's QR holds (the code
filled in: the page asks to confirm; a GET changes nothing, the POST checks in).

Who may do what: admins (Phòng Văn hóa – Xã hội) create, edit and cancel sessions and
cancel a person's sign-up; every staff role reads, and works the door — checks people in
and adds walk-ins — since the community digital teams' members are the ones standing there.
Every change goes through db.training (its audit rows as the signed-in staff member); the
people a change concerns are told through the outbox, which is woken after the commit.

May import: bot.campaigns (reading a time), bot.office.web, db, handlers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from bot.campaigns import ScheduleError, parse_at
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
from db import schools, training
from db.training import TrainingError
from handlers.phones import national
from handlers.privacy import VIETNAM

HOME = PREFIX + "/training"
ALL_STAFF = ("admin", "leader", "member")
FIELDS = ("title", "starts_at", "place", "capacity", "audience", "school", "map_url")
DONE = ("created", "edited", "cancelled", "walk_in", "signup_cancelled")


class _Problem(Exception):
    """A form's field that cannot be read: ``office_training.error.<key>``."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _local_input(at: datetime) -> str:
    """A UTC time as a datetime-local field shows it (Vietnam's time)."""
    return at.astimezone(VIETNAM).strftime("%Y-%m-%dT%H:%M")


def _id(request: web.Request) -> int:
    found = whole_number(request.match_info["id"])
    if found is None:
        raise web.HTTPNotFound()
    return found


def _words(request: web.Request, who: Staff, key: str, **params: Any) -> str:
    return of(request).content.render(language(request, who), key, **params)


def _fields(given: dict[str, str]) -> dict[str, Any]:
    """The session's values from the form (db.training checks what they mean)."""
    try:
        starts_at = parse_at(given["starts_at"].replace("T", " "))
    except ScheduleError as exc:
        raise _Problem("bad_time") from exc
    capacity = whole_number(given["capacity"])
    if capacity is None:
        raise _Problem("bad_capacity")
    school_id = whole_number(given["school"]) if given["school"] else None
    if given["school"] and school_id is None:
        raise TrainingError("school_missing")
    return {
        "title": given["title"],
        "starts_at": starts_at,
        "place": given["place"],
        "capacity": capacity,
        "audience": given["audience"],
        "school_id": school_id,
        "map_url": given["map_url"] or None,
    }


def _problem_words(request: web.Request, who: Staff, exc: Exception) -> str:
    if isinstance(exc, TrainingError):
        return _words(request, who, "training.error." + exc.key, **exc.params)
    assert isinstance(exc, _Problem)
    return _words(request, who, "office_training.error." + exc.key)


def _actor(request: web.Request, who: Staff) -> dict[str, Any]:
    return {"actor": who.email, "actor_user_id": who.user_id, "ip": client_ip(request)}


# --- the list ----------------------------------------------------------------------------------


async def _listing(
    request: web.Request,
    who: Staff,
    *,
    status: int = 200,
    problem: str = "",
    given: dict[str, str] | None = None,
) -> web.Response:
    ctx = of(request)
    now = ctx.clock()

    def load() -> dict[str, Any]:
        with ctx.store.transaction() as tx:
            ahead, past = training.listing(tx, now)
            return {
                "ahead": ahead,
                "past": past,
                "schools": schools.listing(tx, ctx.today()) if who.admin else [],
            }

    found = await ctx.store.run(load)
    done = request.query.get("done", "")
    return page(
        request,
        "training.html",
        who,
        status=status,
        **found,
        audiences=training.AUDIENCES,
        problem=problem,
        given=given or dict.fromkeys(FIELDS, ""),
        done=done if done in DONE else "",
    )


async def list_page(request: web.Request) -> web.StreamResponse:
    who = await staff(request, *ALL_STAFF)
    return await _listing(request, who)


async def create(request: web.Request) -> web.StreamResponse:
    who, data = await posted(request, "admin")
    ctx = of(request)
    given = typed(data, *FIELDS)

    def work() -> dict[str, Any]:
        values = _fields(given)
        with ctx.store.transaction() as tx:
            return training.create(tx, **values, now=ctx.clock(), **_actor(request, who))

    try:
        made = await ctx.store.run(work)
    except (TrainingError, _Problem) as exc:
        words = _problem_words(request, who, exc)
        return await _listing(request, who, status=400, problem=words, given=given)
    raise web.HTTPSeeOther(f"{HOME}/{made['id']}?done=created")


# --- one session --------------------------------------------------------------------------------


def _person(p: dict[str, Any]) -> dict[str, Any]:
    return {**p, "phone_shown": national(p["phone"]) if p["phone"] else ""}


async def _session_page(
    request: web.Request,
    who: Staff,
    session_id: int,
    *,
    status: int = 200,
    problem: str = "",
    form: str = "",
    given: dict[str, str] | None = None,
) -> web.Response:
    ctx = of(request)
    now = ctx.clock()

    def load() -> dict[str, Any] | None:
        with ctx.store.transaction() as tx:
            found = training.get(tx, session_id)
            if found is None:
                return None
            return {
                "s": found,
                "people": [_person(p) for p in training.signups(tx, session_id)],
                "schools": schools.listing(tx, ctx.today()) if who.admin else [],
            }

    found = await ctx.store.run(load)
    if found is None:
        raise web.HTTPNotFound()
    s = found["s"]
    editable = who.admin and s["cancelled_at"] is None and s["starts_at"] > now
    current = {
        "title": s["title"],
        "starts_at": _local_input(s["starts_at"]),
        "place": s["place"],
        "capacity": str(s["capacity"]),
        "audience": s["audience"],
        "school": str(s["school_id"] or ""),
        "map_url": s["map_url"] or "",
    }
    done = request.query.get("done", "")
    return page(
        request,
        "training_session.html",
        who,
        status=status,
        **found,
        editable=editable,
        started=s["starts_at"] <= now,
        audiences=training.AUDIENCES,
        problem=problem,
        form=form,
        given=given if given is not None and form == "edit" else current,
        walk=given if given is not None and form == "walk_in" else {"name": "", "phone": ""},
        done=done if done in DONE else "",
    )


async def session_page(request: web.Request) -> web.StreamResponse:
    who = await staff(request, *ALL_STAFF)
    return await _session_page(request, who, _id(request))


async def _change(
    request: web.Request,
    who: Staff,
    session_id: int,
    work: Any,
    done: str,
    form: str,
    given: dict[str, str] | None = None,
) -> web.StreamResponse:
    """Run ``work`` (its own transaction), wake the outbox, and come back to the session's
    page; a problem is shown on it (400), a session that is not there is 404."""
    ctx = of(request)
    try:
        result = await ctx.store.run(work)
    except (TrainingError, _Problem) as exc:
        words = _problem_words(request, who, exc)
        return await _session_page(
            request, who, session_id, status=400, problem=words, form=form, given=given
        )
    if result is None:
        raise web.HTTPNotFound()
    ctx.wake()
    raise web.HTTPSeeOther(f"{HOME}/{session_id}?done={done}")


async def edit(request: web.Request) -> web.StreamResponse:
    who, data = await posted(request, "admin")
    ctx = of(request)
    session_id = _id(request)
    given = typed(data, *FIELDS)

    def work() -> Any:
        values = _fields(given)
        with ctx.store.transaction() as tx:
            return training.edit(
                tx,
                session_id,
                **values,
                now=ctx.clock(),
                writes_first=ctx.writes_first,
                **_actor(request, who),
            )

    return await _change(request, who, session_id, work, "edited", "edit", given)


async def cancel(request: web.Request) -> web.StreamResponse:
    who, data = await posted(request, "admin")
    ctx = of(request)
    session_id = _id(request)
    reason = str(data.get("reason", "")).strip()

    def work() -> Any:
        with ctx.store.transaction() as tx:
            return training.cancel(
                tx,
                session_id,
                now=ctx.clock(),
                reason=reason,
                writes_first=ctx.writes_first,
                **_actor(request, who),
            )

    return await _change(request, who, session_id, work, "cancelled", "cancel")


async def cancel_signup(request: web.Request) -> web.StreamResponse:
    who, _data = await posted(request, "admin")
    ctx = of(request)
    session_id = _id(request)
    signup_id = whole_number(request.match_info["signup"])
    if signup_id is None:
        raise web.HTTPNotFound()

    def work() -> Any:
        with ctx.store.transaction() as tx:
            row = training.signup(tx, signup_id)
            if row is None or row["session_id"] != session_id:
                return None
            return training.cancel_by_staff(
                tx,
                signup_id,
                now=ctx.clock(),
                writes_first=ctx.writes_first,
                **_actor(request, who),
            )

    return await _change(request, who, session_id, work, "signup_cancelled", "")


async def walk_in(request: web.Request) -> web.StreamResponse:
    who, data = await posted(request, *ALL_STAFF)
    ctx = of(request)
    session_id = _id(request)
    given = typed(data, "name", "phone")

    def work() -> Any:
        with ctx.store.transaction() as tx:
            done = training.add_walk_in(
                tx, session_id, given["name"], given["phone"] or None, who.email, ctx.clock()
            )
        if done.outcome == "missing":
            return None
        if done.outcome == "closed":
            raise TrainingError("cancelled")
        return done

    return await _change(request, who, session_id, work, "walk_in", "walk_in", given)


# --- the door ----------------------------------------------------------------------------------


async def _door(
    request: web.Request,
    who: Staff,
    session_id: int,
    *,
    result: training.CheckIn | None = None,
    confirm: dict[str, Any] | None = None,
    code: str = "",
) -> web.Response:
    ctx = of(request)

    def load() -> dict[str, Any] | None:
        with ctx.store.transaction() as tx:
            return training.get(tx, session_id)

    s = await ctx.store.run(load)
    if s is None:
        raise web.HTTPNotFound()
    return page(
        request, "training_checkin.html", who, s=s, result=result, confirm=confirm, code=code
    )


async def checkin_page(request: web.Request) -> web.StreamResponse:
    """The door: a code in the address (a QR scanned) is looked up — only read — and shown
    with a button to confirm."""
    who = await staff(request, *ALL_STAFF)
    ctx = of(request)
    session_id = _id(request)
    typed = request.query.get("code", "")
    confirm: dict[str, Any] | None = None
    if typed:
        code = training.normal_code(typed)

        def look() -> dict[str, Any] | None:
            with ctx.store.transaction() as tx:
                return training.by_code(tx, code)

        person = await ctx.store.run(look)
        here = person is not None and person["session_id"] == session_id
        confirm = {"code": code, "person": person, "here": here}
    return await _door(request, who, session_id, confirm=confirm)


async def check_in(request: web.Request) -> web.StreamResponse:
    who, data = await posted(request, *ALL_STAFF)
    ctx = of(request)
    session_id = _id(request)
    code = str(data.get("code", ""))
    anyway = data.get("anyway") == "1"

    def work() -> training.CheckIn:
        with ctx.store.transaction() as tx:
            return training.check_in(tx, session_id, code, who.email, ctx.clock(), anyway=anyway)

    result = await ctx.store.run(work)
    if result.outcome == "missing":
        raise web.HTTPNotFound()
    return await _door(request, who, session_id, result=result, code=training.normal_code(code))


ROUTES = [
    web.get(HOME, list_page),
    web.post(HOME, create),
    web.get(HOME + "/{id}", session_page),
    web.post(HOME + "/{id}", edit),
    web.post(HOME + "/{id}/cancel", cancel),
    web.post(HOME + "/{id}/walk-in", walk_in),
    web.post(HOME + "/{id}/signups/{signup}/cancel", cancel_signup),
    web.get(HOME + "/{id}/checkin", checkin_page),
    web.post(HOME + "/{id}/checkin", check_in),
]
