"""Filling a :class:`~bot.reports.data.ReportData` from the database: the numbers from
db.progress (for one team, or the whole ward), the appendix's results from the plan tracker
(bot.reports.tracker) with the evidence and the facts of db.plan, and the words teams and
the ward wrote (``report`` rows). One transaction, so a document's numbers agree.

Levels: ``team`` (that team's numbers and words), ``ward`` (every team's words, each under
its team's name, and the funnels by team), ``final`` (the programme's closing summary: the
numbers as of the day it is made, the words of the ``final`` report row).

May import: bot.reports (data, duties, tracker), db, handlers.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from bot.reports.data import Figures, ReportData, TeamText
from bot.reports.duties import period_words
from bot.reports.tracker import PlanFacts, Words, task_rows
from db import plan as records
from db import schools, training
from db import team as teams
from db.progress import Progress, progress
from db.sources import Funnel
from db.store import Tx
from handlers.content import Content
from handlers.plan import PlanFile
from handlers.privacy import VIETNAM
from handlers.quarters import FINAL, Quarter
from handlers.text import fold

# the audit log's record of the registry's proposal list written out (db.registry
# record_proposal_export), and of a registry import (db.registry_import)
PROPOSAL_EXPORTED = ("export", {"list": "registry_proposal"})
REGISTRY_IMPORTED = "registry_imported"


def programme_of(title: str) -> str:
    """The programme as the plan's title names it, without "Kế hoạch triển khai"."""
    head = "kế hoạch triển khai "
    return title[len(head) :].strip() if title.lower().startswith(head) else title


def end_of(day: date) -> datetime:
    """The last instant of a day in Vietnam, in UTC (audit times are stored in UTC)."""
    return datetime.combine(day + timedelta(days=1), time(0), VIETNAM).astimezone(UTC)


def figures(
    tx: Tx, numbers: Progress, plan: PlanFile, on: date, since: date | None = None
) -> Figures:
    """The report's numbers as of ``on``; the training held from ``since`` (the quarter's
    first day) separately. Training sessions are db.training's held sessions plus the count
    of the evidence recorded by hand against the training task (sessions hiendien does not
    know, such as one held before it was used): one session is recorded one way or the
    other, never both."""
    training_tasks = {t.code for t in plan.tasks if t.measure == "training_held"}
    by_hand = [e for e in records.evidence(tx, until=on) if e["task"] in training_tasks]
    held = training.held_between(tx, None, on)
    in_quarter = training.held_between(tx, since, on) if since is not None else None
    quarter_by_hand = sum(
        e["count"] for e in by_hand if since is not None and e["done_on"] >= since
    )
    total = sum((named.funnel for named in numbers.by_source), Funnel())
    return Figures(
        on=on,
        leads=total.leads,
        contacted=total.contacted,
        registered=total.registered,
        id_vn=numbers.id_vn,
        biz_vn=numbers.biz_vn,
        businesses_reached=numbers.businesses_reached,
        schools_reached=numbers.schools_reached,
        news_month=numbers.news_month,
        news_sent=numbers.news_sent,
        news_target=numbers.news_target,
        training_held=held.sessions + sum(e["count"] for e in by_hand),
        training_attended=held.attended,
        quarter_training_held=(in_quarter.sessions + quarter_by_hand) if in_quarter else 0,
        quarter_training_attended=in_quarter.attended if in_quarter else 0,
    )


def plan_facts(tx: Tx, fig: Figures, quarter: Quarter, on: date) -> PlanFacts:
    active = teams.teams(tx, include_archived=False)
    ids = {t["id"] for t in active}
    sent = sum(
        1
        for r in records.reports(tx, str(quarter))
        if r["team_id"] in ids and r["submitted_at"] is not None
    )
    until = end_of(on)
    return PlanFacts(
        figures=fig,
        proposal_exports=records.audit_facts(
            tx, PROPOSAL_EXPORTED[0], until, **PROPOSAL_EXPORTED[1]
        ),
        registry_imports=records.audit_facts(tx, REGISTRY_IMPORTED, until),
        reports_submitted=sent,
        teams=len(active),
        period=period_words(quarter),
        school_trainings=school_trainings(tx, on),
    )


def school_trainings(tx: Tx, on: date) -> tuple[tuple[str, int, int], ...]:
    """The training sessions held at schools by ``on``, by school: (name, sessions,
    people who came), by name (the plan's I.5)."""
    names = {s["id"]: s["name"] for s in schools.listing(tx, on, archived=True)}
    by_school: dict[int, list[int]] = {}
    for s in training.at_schools(tx, on):
        count = by_school.setdefault(int(s["school_id"]), [0, 0])
        count[0] += 1
        count[1] += int(s["attended"])
    rows = [(names.get(k, "?"), n, a) for k, (n, a) in by_school.items()]
    return tuple(sorted(rows, key=lambda r: fold(r[0])))


def tracker(
    tx: Tx, plan: PlanFile, rules: Any, today: date, t: Words, quarter: Quarter | None = None
) -> tuple[Figures, tuple[Any, ...], tuple[Any, ...]]:
    """The ward's figures and the appendix's sections and tasks with their results, as of
    ``today`` (the office's plan page)."""
    quarter = quarter or Quarter.of(today)
    on = min(today, quarter.last_day)
    fig = figures(tx, progress(tx, on, rules, plan), plan, on, quarter.first_day)
    facts = plan_facts(tx, fig, quarter, on)
    sections, rows = task_rows(plan, facts, records.evidence(tx, until=on), today, t)
    return fig, sections, rows


def _text(row: dict[str, Any] | None, team: str | None) -> TeamText | None:
    if row is None:
        return None
    return TeamText(team, row["difficulties"], row["proposals"], row["submitted_at"])


def gather(
    tx: Tx,
    content: Content,
    plan: PlanFile,
    *,
    level: str,
    quarter: Quarter | None,
    today: date,
    team_id: int | None = None,
    lang: str = "vi",
) -> ReportData:
    """The report of ``level`` for ``quarter`` (None: the final summary), its numbers as of
    the quarter's last day (or today, while the quarter runs)."""

    def t(key: str, **params: Any) -> str:
        return content.render(lang, key, **params)

    on = today if quarter is None else min(today, quarter.last_day)
    numbers = progress(tx, on, content.rules, plan, team_id=team_id if level == "team" else None)
    fig = figures(tx, numbers, plan, on, quarter.first_day if quarter else None)
    facts = plan_facts(tx, fig, quarter or Quarter.of(on), on)
    sections, rows = task_rows(plan, facts, records.evidence(tx, until=on), today, t)
    period = str(quarter) if quarter else FINAL
    active = teams.teams(tx, include_archived=False)
    names = {t_["id"]: t_["name"] for t_ in active}
    team_name = None
    texts: list[TeamText] = []
    submitted: list[str] = []
    missing: list[str] = []
    if level == "team":
        assert team_id is not None
        found = teams.team_by_id(tx, team_id)
        team_name = found["name"] if found else None
        own = _text(records.report(tx, period, records.team_scope(team_id)), team_name)
        texts = [own] if own else []
    else:
        ward = _text(records.report(tx, period, records.WARD), None)
        texts = [ward] if ward else []
        by_team = {r["team_id"]: r for r in records.reports(tx, period) if r["team_id"]}
        for team_id_, name in names.items():
            row = by_team.get(team_id_)
            if row is not None and row["submitted_at"] is not None:
                submitted.append(name)
            else:
                missing.append(name)
            text = _text(row, name)
            if text is not None:
                texts.append(text)
    return ReportData(
        level=level,
        quarter=quarter,
        issued_on=today,
        programme=programme_of(plan.title),
        team=team_name,
        figures=fig,
        sections=sections,
        tasks=rows,
        texts=tuple(texts),
        by_team=numbers.by_team,
        by_source=numbers.by_source,
        submitted=tuple(submitted),
        missing=tuple(missing),
    )
