"""``/office/plan``: the plan tracker — each task of the plan's appendix (content/plan.yaml)
with its target, unit in charge, partners, time and "Kết quả thực hiện" (from hiendien's
data where the task's measure says, and the evidence recorded by hand), overdue tasks
marked in words. Admins and leaders read it; admins record evidence (day, what was done,
how many, an optional link) with a form per task: ``POST /office/plan/{code}/evidence``,
written to the audit log ("plan_evidence"). The results come from bot.reports (the same
as the reports' appendix).

May import: bot.office.web, bot.reports, db, handlers.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import quote, urlsplit

from aiohttp import web

from bot.office.web import PREFIX, Staff, language, of, page, posted, record, staff, whole_number
from bot.reports.gather import tracker
from db import plan as records

HOME = PREFIX + "/plan"
NOTE_MAX = records.NOTE_MAX
LINK_MAX = 500
COUNT_MAX = 10_000


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def read_evidence(data: Any, today: date) -> tuple[dict[str, Any], str]:
    """The form's evidence, and the words key of what is wrong with it ("" when right)."""
    given = {k: str(data.get(k, "")).strip() for k in ("done_on", "note", "link", "count")}
    day = _day(given["done_on"])
    count = whole_number(given["count"] or "1")
    link = given["link"]
    if day is None:
        return given, "bad_day"
    if day > today:
        return given, "future_day"
    if not given["note"]:
        return given, "note_empty"
    if len(given["note"]) > NOTE_MAX:
        return given, "note_long"
    if link:
        parts = urlsplit(link)
        if parts.scheme not in ("http", "https") or not parts.netloc or len(link) > LINK_MAX:
            return given, "bad_link"
    if count is None or not 1 <= count <= COUNT_MAX:
        return given, "bad_count"
    return {**given, "day": day, "count_n": count}, ""


async def _page(
    request: web.Request,
    who: Staff,
    *,
    status: int = 200,
    problem: str = "",
    task: str = "",
    given: dict[str, str] | None = None,
) -> web.Response:
    ctx = of(request)
    lang = language(request, who)
    plan = ctx.content.plan
    today = ctx.today()

    def t(key: str, **params: Any) -> str:
        return ctx.content.render(lang, key, **params)

    def load() -> tuple[Any, Any, Any]:
        with ctx.store.transaction() as tx:
            return tracker(tx, plan, ctx.content.rules, today, t)

    figures, sections, rows = await ctx.store.run(load)
    done = request.query.get("done", "")
    return page(
        request,
        "plan.html",
        who,
        status=status,
        titles={s.code: s.title for s in sections},
        tasks=rows,
        figures=figures,
        overdue=[r for r in rows if r.overdue],
        problem=problem,
        problem_task=task,
        given=given or {},
        today=today,
        done=done if done == "evidence" else "",
    )


async def plan_page(request: web.Request) -> web.StreamResponse:
    who = await staff(request, "admin", "leader")
    return await _page(request, who)


async def add_evidence(request: web.Request) -> web.StreamResponse:
    who, data = await posted(request, "admin")
    ctx = of(request)
    code = request.match_info["code"]
    if ctx.content.plan.task(code) is None:
        raise web.HTTPNotFound()
    given, problem = read_evidence(data, ctx.today())
    if problem:
        words = ctx.content.render(language(request, who), "office_plan.problems." + problem)
        return await _page(request, who, status=400, problem=words, task=code, given=given)

    def add() -> None:
        with ctx.store.transaction() as tx:
            new_id = records.add_evidence(
                tx,
                code,
                given["day"],
                given["note"],
                who.email,
                link=given["link"] or None,
                count=given["count_n"],
            )
            record(
                tx,
                request,
                who,
                "plan_evidence",
                target=f"plan:{code}",
                detail={"evidence": new_id, "done_on": given["done_on"], "count": given["count_n"]},
            )

    await ctx.store.run(add)
    raise web.HTTPSeeOther(f"{HOME}?done=evidence#task-{quote(code)}")


ROUTES = [
    web.get(HOME, plan_page),
    web.post(HOME + "/{code:[IVX]{1,4}(\\.[0-9]{1,2}[a-z]?)?}/evidence", add_evidence),
]
