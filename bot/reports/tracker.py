"""The plan tracker's one idea of a task's result ("Kết quả thực hiện"): for each task of
``content/plan.yaml``, what hiendien's own data say where the task's ``measure`` names it,
plus the evidence staff recorded by hand, and whether the task is overdue (its deadline
passed with no result at all). The office's plan page (/office/plan) and the reports'
appendix table both come from :func:`task_rows`.

Measures: training_held (the sessions held, db.training, with the people who came; plus
evidence by hand), news_sent (db.progress's news of the month), schools_reached (with the
training sessions held at each school), proposal_biz (the registry's proposal
list written out: audit "export" of list "registry_proposal"), registry_shared (registry
imports: audit "registry_imported"), residents_supported (leads contacted, registered),
registrations (id.vn, biz.vn), reports_submitted (team reports sent for the quarter).

May import: bot.reports.data, db.progress (types), handlers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bot.reports.data import Figures, Section, TaskRow
from handlers.content import vn_date
from handlers.plan import PlanFile
from handlers.privacy import VIETNAM

Words = Callable[..., str]  # (key, **params) -> text, in the reader's language


@dataclass(frozen=True)
class PlanFacts:
    """What the measures read, besides :class:`Figures`."""

    figures: Figures
    proposal_exports: tuple[int, datetime | None] = (0, None)  # how many, the last
    registry_imports: tuple[int, datetime | None] = (0, None)
    reports_submitted: int = 0
    teams: int = 0
    period: str = ""  # "Quý IV/2026", for the sentence on reports submitted
    # training sessions held at schools, by school: (name, sessions, people who came)
    school_trainings: tuple[tuple[str, int, int], ...] = ()


def number_of(code: str) -> str:
    """The STT the appendix prints: "I.3" → "3"; "III", "IV.1b" → "" (unnumbered rows)."""
    _, _, tail = code.partition(".")
    return tail if tail.isdigit() else ""


def _day(at: datetime | None) -> str:
    return vn_date(at.astimezone(VIETNAM).date()) if at else ""


def measured(measure: str | None, facts: PlanFacts, t: Words) -> tuple[str, bool]:
    """The result a measure reads from hiendien's data, in words, and whether it counts as
    a result (something was done)."""
    f = facts.figures
    if measure == "news_sent":
        month = f"{f.news_month[5:7]}/{f.news_month[:4]}" if f.news_month else ""
        text = t("plan_result.news_sent", sent=f.news_sent, month=month, target=f.news_target)
        return text, f.news_sent > 0
    if measure == "schools_reached":
        s = f.schools_reached
        n = s.numerator
        if not s.denominator:
            text = t("plan_result.schools_none", reached=n)
        else:
            text = t("plan_result.schools", reached=n, of=s.denominator, percent=s.percent)
        for name, sessions, came in facts.school_trainings:
            text += "\n" + t(
                "plan_result.school_training", school=name, count=sessions, attended=came
            )
        return text, n > 0
    if measure == "proposal_biz":
        n, last = facts.proposal_exports
        return (t("plan_result.proposal", count=n, last=_day(last)) if n else ""), n > 0
    if measure == "registry_shared":
        n, last = facts.registry_imports
        return (t("plan_result.registry", count=n, last=_day(last)) if n else ""), n > 0
    if measure == "residents_supported":
        text = t(
            "plan_result.residents", leads=f.leads, contacted=f.contacted, registered=f.registered
        )
        return text, f.contacted > 0 or f.registered > 0
    if measure == "registrations":
        text = t(
            "plan_result.registrations",
            id_vn=f.id_vn.numerator,
            id_percent=f.id_vn.percent,
            biz_vn=f.biz_vn.numerator,
            biz_percent=f.biz_vn.percent,
        )
        return text, f.id_vn.numerator + f.biz_vn.numerator > 0
    if measure == "reports_submitted":
        text = t(
            "plan_result.reports",
            submitted=facts.reports_submitted,
            teams=facts.teams,
            period=facts.period,
        )
        return text, facts.reports_submitted > 0
    if measure == "training_held" and f.training_held:
        return t("plan_result.training", count=f.training_held, attended=f.training_attended), True
    return "", False


def evidence_words(row: dict[str, Any], t: Words) -> str:
    return t(
        "plan_result.evidence",
        day=vn_date(row["done_on"]),
        note=row["note"],
        count=row["count"],
        link=row["link"] or "",
    )


def task_rows(
    plan: PlanFile, facts: PlanFacts, evidence: Iterable[dict[str, Any]], today: date, t: Words
) -> tuple[tuple[Section, ...], tuple[TaskRow, ...]]:
    """The appendix's sections and tasks with their results as of ``today``."""
    by_task: dict[str, list[dict[str, Any]]] = {}
    for row in evidence:
        by_task.setdefault(row["task"], []).append(row)
    sections = tuple(Section(s.code, s.title) for s in plan.sections)
    rows = []
    for task in plan.tasks:
        text, done = measured(task.measure, facts, t)
        recorded = by_task.get(task.code, [])
        deadline = task.deadline
        has_result = done or bool(recorded)
        rows.append(
            TaskRow(
                code=task.code,
                section=task.code.split(".")[0],
                number=number_of(task.code),
                task=task.task,
                target=task.target,
                lead_unit=task.lead_unit,
                partners=tuple(task.partners),
                when=task.when,
                deadline=deadline,
                measured=text,
                evidence=tuple(evidence_words(r, t) for r in recorded),
                done=has_result,
                overdue=deadline is not None and deadline < today and not has_result,
                measure=task.measure,
            )
        )
    return sections, tuple(rows)
