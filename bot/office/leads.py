"""The leads board (``/office/leads``) and a lead's page (``/office/leads/{id}``): filters,
search and pages; claiming, moving a lead through its statuses (with the domain name once
registered), notes and the history; exports for admins.

Every action calls db.followup — the same functions as the chat's buttons — as the signed-in
staff member's :class:`~db.followup.Actor`, so the board and the chats stay in step and the
same rules hold. A lead the staff member may not see answers 404. A view of a resident's
full contact details goes to the audit log.

May import: bot.office.web, bot.export, db, handlers.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from typing import Any

from aiohttp import web
from multidict import MultiMapping

from bot.export import export
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
    whole_number,
)
from db import followup, sources, team
from db.followup import Actor, Filters
from db.store import Tx
from handlers.phones import national

PER_PAGE = 25
FILTER_KEYS = ("status", "team", "source", "kind", "area", "from", "to", "q")
EXPORTS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def filters_of(query: MultiMapping[str]) -> Filters:
    """The board's filters from the page's query; a value that is not one is ignored."""
    status = query.get("status", "")
    kind = query.get("kind", "")
    chosen_team = query.get("team", "")
    return Filters(
        status=status if status in followup.ALL_STATUSES else None,
        team_id=whole_number(chosen_team),
        no_team=chosen_team == "none",
        source=query.get("source", "").strip()[:64] or None,
        applicant=kind if kind in followup.APPLICANTS else None,
        area=query.get("area", "").strip()[:100] or None,
        created_from=_day(query.get("from", "")),
        created_to=_day(query.get("to", "")),
        q=query.get("q", "").strip()[:100] or None,
    )


def actor_of(tx: Tx, who: Staff) -> Actor:
    actor = followup.actor_of_user(tx, who.user_id)
    if actor is None:  # deactivated between the session check and now
        raise web.HTTPForbidden()
    return actor


def _choices(tx: Tx, ctx: Office) -> dict[str, Any]:
    return {
        "teams": team.teams(tx),
        "sources": sources.listing(tx),
        "areas": ctx.content.ward.areas,
        "statuses": followup.ALL_STATUSES,
        "kinds": followup.APPLICANTS,
    }


async def board(request: web.Request) -> web.StreamResponse:
    who = await staff(request)
    ctx = of(request)
    chosen = filters_of(request.query)
    raw = request.query.get("page", "1")
    number = whole_number(raw) or 1

    def load() -> dict[str, Any]:
        with ctx.store.transaction() as tx:
            actor = actor_of(tx, who)
            rows, total = followup.board(tx, actor, chosen, number, PER_PAGE)
            return {"rows": rows, "total": total, **_choices(tx, ctx)}

    found = await ctx.store.run(load)
    keep = {k: request.query[k] for k in FILTER_KEYS if request.query.get(k)}
    pages = max(1, -(-found["total"] // PER_PAGE))
    return page(
        request,
        "leads.html",
        who,
        **found,
        given={k: request.query.get(k, "") for k in FILTER_KEYS},
        keep=keep,
        number=number,
        pages=pages,
        national=national,
    )


async def lead_page(request: web.Request) -> web.StreamResponse:
    who = await staff(request)
    ctx = of(request)
    lead_id = int(request.match_info["lead_id"])

    def load() -> dict[str, Any] | None:
        with ctx.store.transaction() as tx:
            actor = actor_of(tx, who)
            lead = followup.lead_for(tx, actor, lead_id)
            if lead is None:
                return None
            shows_contact = bool(lead["may_change"])
            if shows_contact:  # every view of a resident's full details is logged
                record(tx, request, who, "lead_viewed", target=f"lead:{lead_id}")
            return {
                "lead": lead,
                "history": followup.history(tx, lead_id),
                "contact": shows_contact,
            }

    found = await ctx.store.run(load)
    if found is None:
        raise web.HTTPNotFound()
    return page(
        request,
        "lead.html",
        who,
        **found,
        statuses=followup.STATUSES,
        problem=request.query.get("problem", ""),
        national=national,
    )


def _back(lead_id: int, **query: str) -> web.HTTPSeeOther:
    tail = "&".join(f"{k}={v}" for k, v in query.items())
    return web.HTTPSeeOther(f"{PREFIX}/leads/{lead_id}" + (f"?{tail}" if tail else ""))


Act = Callable[[Tx, Actor, int], str]


async def _act(request: web.Request, who: Staff, act: Act) -> tuple[int, str]:
    """Run ``act`` on the lead of the address as the staff member, in one transaction:
    404 for a lead they may not see, 403 for one they may not change; (lead id, outcome).
    The outbox is woken for the notices the change queued."""
    ctx = of(request)
    lead_id = int(request.match_info["lead_id"])

    def run() -> str:
        with ctx.store.transaction() as tx:
            actor = actor_of(tx, who)
            if followup.lead_for(tx, actor, lead_id) is None:
                return "missing"
            return act(tx, actor, lead_id)

    outcome = await ctx.store.run(run)
    if outcome == "missing":
        raise web.HTTPNotFound()
    if outcome == "not_yours":
        raise web.HTTPForbidden()
    ctx.wake()
    return lead_id, outcome


async def claim(request: web.Request) -> web.StreamResponse:
    who, _data = await posted(request)
    writes_first = of(request).writes_first
    lead_id, outcome = await _act(
        request,
        who,
        lambda tx, actor, lead: followup.claim_lead(tx, lead, actor, writes_first=writes_first),
    )
    raise _back(lead_id, ok="claimed") if outcome == "won" else _back(lead_id, problem=outcome)


async def change_status(request: web.Request) -> web.StreamResponse:
    who, data = await posted(request)
    writes_first = of(request).writes_first
    status = str(data.get("status", ""))
    domain = str(data.get("domain", "")).strip() or None
    lead_id = int(request.match_info["lead_id"])
    if status not in followup.STATUSES:
        raise _back(lead_id, problem="bad_status")
    if status == "registered" and domain is None:
        raise _back(lead_id, problem="domain_needed")

    def act(tx: Tx, actor: Actor, lead: int) -> str:
        name = domain if status == "registered" else None
        return followup.set_status(tx, lead, actor, status, domain=name, writes_first=writes_first)

    _lead, outcome = await _act(request, who, act)
    if outcome in ("ok", "same"):
        raise _back(lead_id, ok="saved")
    raise _back(lead_id, problem=outcome)


async def note(request: web.Request) -> web.StreamResponse:
    who, data = await posted(request)
    text = str(data.get("note", ""))
    lead_id, outcome = await _act(
        request, who, lambda tx, actor, lead: followup.add_note(tx, lead, actor, text)
    )
    raise (
        _back(lead_id, ok="noted") if outcome == "ok" else _back(lead_id, problem=f"note_{outcome}")
    )


async def export_leads(request: web.Request) -> web.StreamResponse:
    """``/office/leads/export.xlsx`` (or ``.csv``) with the board's filters: admins only."""
    who = await staff(request, "admin")
    ctx = of(request)
    fmt = request.match_info["fmt"]
    chosen = filters_of(request.query)
    lang = language(request, who)

    def write() -> bytes:
        out = io.BytesIO()
        with ctx.store.transaction() as tx:
            actor = actor_of(tx, who)
            export(
                tx,
                fmt,
                out,
                ctx.content,
                lang=lang,
                actor=actor,
                filters=chosen,
                ip=request.remote,
            )
        return out.getvalue()

    body = await ctx.store.run(write)
    day = ctx.today().isoformat()
    return web.Response(
        body=body,
        headers={
            "Content-Type": EXPORTS[fmt],
            "Content-Disposition": f'attachment; filename="yeu-cau-ho-tro-{day}.{fmt}"',
            "Cache-Control": "no-store",
        },
    )


ROUTES = [
    web.get(PREFIX + "/leads", board),
    web.get(PREFIX + "/leads/export.{fmt:xlsx|csv}", export_leads),
    web.get(PREFIX + "/leads/{lead_id:[0-9]{1,9}}", lead_page),
    web.post(PREFIX + "/leads/{lead_id:[0-9]{1,9}}/claim", claim),
    web.post(PREFIX + "/leads/{lead_id:[0-9]{1,9}}/status", change_status),
    web.post(PREFIX + "/leads/{lead_id:[0-9]{1,9}}/note", note),
]
