"""``/office/reports``: the quarterly reports. A team leader writes the team's difficulties
and proposals for a quarter and sends them ("Gửi báo cáo"; editable afterwards — once the
ward's report is final a change is still kept, and the page says the ward's document may
need making again); admins see which teams have sent theirs, write the ward's own part,
finalise the ward's report, write the closing summary's words, and download every document.
Leaders download their team's; members have no reports (403). Another team's report is a
404. Documents: ``/office/reports/{period}/{scope}.{docx|xlsx}`` — period ``2026Q4`` or
``final``, scope ``ward`` or ``team-ID`` — made on request from the numbers of that moment
(bot.reports). Submissions, changes and downloads go to the audit log. The plan's banners
(bot.reports.duties) show here and on the office's first page.

May import: bot.office.web, bot.reports, db, handlers.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from aiohttp import web

from bot.office.web import PREFIX, Staff, language, of, page, posted, record, staff, whole_number
from bot.reports import document, workbook
from bot.reports.duties import Banner, banners, period_words, team_deadline
from bot.reports.gather import gather
from db import plan as records
from db import team as teams
from handlers.quarters import FINAL, Quarter

HOME = PREFIX + "/reports"
PERIOD = "{period:[0-9]{4}Q[1-4]|final}"
TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
DONE = ("saved", "submitted", "finalised", "ward_saved")


def quarters_around(today: date, extra: list[str]) -> list[Quarter]:
    """The quarters offered: this one and the three before, and any that has reports."""
    found = {Quarter.of(today)}
    q = Quarter.of(today)
    for _ in range(3):
        q = q.previous()
        found.add(q)
    for period in extra:
        parsed = Quarter.parse(period)
        if parsed is not None:
            found.add(parsed)
    return sorted(found, reverse=True)


def chosen_quarter(request: web.Request, today: date) -> Quarter:
    return Quarter.parse(request.query.get("quarter", "")) or Quarter.of(today)


async def _page(
    request: web.Request,
    who: Staff,
    quarter: Quarter,
    *,
    status: int = 200,
    problem: str = "",
    given: dict[str, str] | None = None,
) -> web.Response:
    ctx = of(request)
    period = str(quarter)
    today = ctx.today()
    reporting = ctx.content.plan.reporting

    def load() -> dict[str, Any]:
        with ctx.store.transaction() as tx:
            rows = {r["scope"]: r for r in records.reports(tx, period)}
            active = teams.teams(tx, include_archived=False)
            if not who.admin:
                active = [t for t in active if t["id"] == who.team_id]
            listed = [{"team": t, "report": rows.get(records.team_scope(t["id"]))} for t in active]
            return {
                "listed": listed,
                "ward_report": rows.get(records.WARD),
                "final": records.report(tx, FINAL, records.WARD) if who.admin else None,
                "notices": banners(tx, who.role, who.team_id, today, reporting),
                "periods": records.periods(tx),
            }

    found = await ctx.store.run(load)
    done = request.query.get("done", "")
    return page(
        request,
        "reports.html",
        who,
        status=status,
        quarter=quarter,
        period=period,
        period_words=period_words(quarter),
        deadline=team_deadline(quarter, reporting),
        quarters=quarters_around(today, found.pop("periods")),
        problem=problem,
        given=given or {},
        done=done if done in DONE else "",
        banners=found.pop("notices"),
        **found,
    )


async def reports_page(request: web.Request) -> web.StreamResponse:
    who = await staff(request, "admin", "leader")
    quarter = chosen_quarter(request, of(request).today())
    return await _page(request, who, quarter)


def _texts(data: Any) -> tuple[dict[str, str], str]:
    given = {
        k: str(data.get(k, "")).replace("\r\n", "\n").strip() for k in ("difficulties", "proposals")
    }
    if any(len(v) > records.TEXT_MAX for v in given.values()):
        return given, "too_long"
    return given, ""


def _problem(request: web.Request, who: Staff, key: str) -> str:
    return of(request).content.render(language(request, who), "office_reports.problems." + key)


async def save_team(request: web.Request) -> web.StreamResponse:
    """A team's words for the quarter: saved, or saved and sent."""
    who, data = await posted(request, "admin", "leader")
    ctx = of(request)
    quarter = Quarter.parse(request.match_info["period"])
    team_id = whole_number(request.match_info["team"])
    if quarter is None or team_id is None or (not who.admin and team_id != who.team_id):
        raise web.HTTPNotFound()  # another team's report looks like a missing one
    given, problem = _texts(data)
    submit = data.get("action") == "submit"
    if problem:
        words = _problem(request, who, problem)
        return await _page(request, who, quarter, status=400, problem=words, given=given)

    def save() -> bool:
        with ctx.store.transaction() as tx:
            found = teams.team_by_id(tx, team_id)
            if found is None or found["archived_at"] is not None:
                return False
            ward = records.report(tx, str(quarter), records.WARD)
            after_final = bool(ward and ward["submitted_at"])
            row = records.save_report(
                tx,
                str(quarter),
                records.team_scope(team_id),
                team_id,
                difficulties=given["difficulties"],
                proposals=given["proposals"],
                by=who.email,
                now=ctx.clock(),
                submit=submit,
            )
            record(
                tx,
                request,
                who,
                "report_submitted" if submit else "report_saved",
                target=f"report:{row['id']}",
                detail={"period": str(quarter), "team": found["name"], "after_final": after_final},
            )
            return True

    if not await ctx.store.run(save):
        raise web.HTTPNotFound()
    done = "submitted" if submit else "saved"
    raise web.HTTPSeeOther(f"{HOME}?quarter={quarter}&done={done}#team-{team_id}")


async def save_ward(request: web.Request) -> web.StreamResponse:
    """The ward's own words (a quarter's, or the closing summary's), saved or finalised."""
    who, data = await posted(request, "admin")
    ctx = of(request)
    period = request.match_info["period"]
    quarter = Quarter.parse(period)
    given, problem = _texts(data)
    finalise = data.get("action") == "finalise" and quarter is not None
    back = quarter or Quarter.of(ctx.today())
    if problem:
        words = _problem(request, who, problem)
        return await _page(request, who, back, status=400, problem=words, given=given)

    def save() -> None:
        with ctx.store.transaction() as tx:
            row = records.save_report(
                tx,
                period,
                records.WARD,
                None,
                difficulties=given["difficulties"],
                proposals=given["proposals"],
                by=who.email,
                now=ctx.clock(),
            )
            record(
                tx,
                request,
                who,
                "report_saved",
                target=f"report:{row['id']}",
                detail={"period": period, "scope": "ward"},
            )
            if finalise and records.finalise_ward(tx, period, who.email, ctx.clock()):
                record(
                    tx,
                    request,
                    who,
                    "report_finalised",
                    target=f"report:{row['id']}",
                    detail={"period": period},
                )

    await ctx.store.run(save)
    done = "finalised" if finalise else "ward_saved"
    raise web.HTTPSeeOther(f"{HOME}?quarter={back}&done={done}#ward")


async def download(request: web.Request) -> web.StreamResponse:
    """A report's document, made now: the ward's and the final summary for admins, a team's
    for admins and that team's leader."""
    who = await staff(request, "admin", "leader")
    ctx = of(request)
    period, scope, fmt = (request.match_info[k] for k in ("period", "scope", "fmt"))
    quarter = Quarter.parse(period)
    team_id: int | None = None
    if scope == "ward":
        if not who.admin:
            raise web.HTTPForbidden()
        level = "ward" if quarter else "final"
    else:
        team_id = whole_number(scope.removeprefix("team-"))
        if quarter is None or team_id is None or (not who.admin and team_id != who.team_id):
            raise web.HTTPNotFound()
        level = "team"
    content, today = ctx.content, ctx.today()

    def make() -> tuple[bytes, str] | None:
        with ctx.store.transaction() as tx:
            if team_id is not None:
                found = teams.team_by_id(tx, team_id)
                if found is None:
                    return None
            data = gather(
                tx,
                content,
                content.plan,
                level=level,
                quarter=quarter,
                today=today,
                team_id=team_id,
            )
            made = (document.docx_bytes if fmt == "docx" else workbook.xlsx_bytes)(data, content)
            record(
                tx,
                request,
                who,
                "report_exported",
                target=f"report:{period}",
                detail={"level": level, "team": data.team, "format": fmt},
            )
            return made, data.team or ""

    made = await ctx.store.run(make)
    if made is None:
        raise web.HTTPNotFound()
    body, _team = made
    name = f"bao-cao-{period}-{scope}.{fmt}"
    return web.Response(
        body=body,
        headers={
            "Content-Type": TYPES[fmt],
            "Content-Disposition": f'attachment; filename="{name}"',
        },
    )


async def notices(request: web.Request, who: Staff) -> list[Banner]:
    """The plan's banners for the office's first page."""
    ctx = of(request)

    def load() -> list[Banner]:
        with ctx.store.transaction() as tx:
            return banners(tx, who.role, who.team_id, ctx.today(), ctx.content.plan.reporting)

    return await ctx.store.run(load)


ROUTES = [
    web.get(HOME, reports_page),
    web.post(HOME + "/{period:[0-9]{4}Q[1-4]}/team/{team:[0-9]{1,9}}", save_team),
    web.post(f"{HOME}/{PERIOD}/ward", save_ward),
    web.get(HOME + "/" + PERIOD + "/{scope:ward|team-[0-9]{1,9}}.{fmt:docx|xlsx}", download),
]
