"""Progress against the ward plan's targets on a given day (``hiendien report progress``, the
office's home page): :func:`progress` gives a :class:`Progress`; its :meth:`Progress.as_json`
is DESIGN.md's ``report progress`` object, key for key.

What each number counts, on the day ``on`` (days are Vietnam's; a fact dated after ``on``
does not count, so the numbers of a past day are the numbers as they stood then):

- **id.vn**: registrations of kind id.vn dated on or before ``on`` ÷ the ward's figure
  ``youths_18_23`` (the latest one with ``as_of`` ≤ ``on``; unset → percent null).
- **biz.vn**: the *eligible businesses* are the registry businesses eligible on ``on``
  (db.registry.eligibility, by handlers/rules.py: an enterprise by its founding day —
  check_enterprise; a household business in the registry holds its certificate —
  check_household, from its certificate's day; an enterprise with no founding day is not
  counted eligible), plus those that
  registered while eligible (a biz.vn registration of the business dated on or before
  ``on``, the business eligible on the registration's day). ``registered`` = the distinct
  businesses with such a registration: a second registration of the same business, or one
  of a business that was not eligible on its day, does not count.
- **businesses reached**: the eligible businesses (the same set) the team got through to —
  a lead verified against the registry (``lead.business_id``) or with the business's phone
  number, contacted by ``on`` (the funnel's "contacted": db.sources.reached), or a biz.vn
  registration of the business dated on or before ``on`` — ÷ the eligible businesses.
- **schools reached**: schools created by ``on`` and not archived by then, with an
  outreach activity held on or before ``on`` or a training session held there by the end
  of ``on`` (db.training.held_at_schools; not cancelled) ÷ those schools.
- **news**: in the month of ``on``, from its first day through ``on``: the campaign runs
  (campaign, run) with at least one delivery sent, plus the ``count`` of the evidence
  recorded against the plan's tasks marked ``news: true`` (content/plan.yaml); the target
  is the plan's ``news_per_month``.
- **funnels** by source and by team: db.sources.funnels up to ``on`` (one counting).
- **weekly**: the 12 weeks (Monday–Sunday) ending with the week of ``on``: new leads (erased
  ones included, by the day they were made) and registrations, up to ``on``.

With ``team_id``: only that team's leads and registrations (a registration of one of its
leads or of a registry business in its tổ dân phố), and only the registry businesses in its
tổ dân phố (team_area, compared without case or diacritics); the youths, the schools and
the news are the ward's (they belong to no team), and the funnels count leads only.

Imports db (followup, registry, schools, sources, store, tables, team, training) and handlers (plan,
rules, text, privacy).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from math import floor
from typing import Any

from sqlalchemy import distinct, func, or_, select, union
from sqlalchemy.sql.elements import ColumnElement

from db import registry, sources, training
from db.followup import vietnam_midnight
from db.schools import YOUTHS, figure
from db.sources import Funnel
from db.store import Tx
from db.tables import (
    business_t,
    delivery_t,
    erased_t,
    lead_t,
    outreach_t,
    plan_evidence_t,
    registration_t,
    school_t,
    source_t,
)
from db.team import areas_of, teams
from handlers.plan import Band, PlanFile, Target, band
from handlers.privacy import VIETNAM
from handlers.rules import BIZ_VN, ID_VN, ProgramRules
from handlers.text import fold

WEEKS = 12


@dataclass(frozen=True)
class Ratio:
    """A target's numerator over its denominator (None: not set), with the plan's target."""

    numerator: int
    denominator: int | None
    target: Target

    @property
    def percent(self) -> float | None:
        """100 × numerator ÷ denominator to one decimal (half up); None for 0 or unset."""
        if not self.denominator:
            return None
        return floor(Fraction(1000 * self.numerator, self.denominator) + Fraction(1, 2)) / 10

    @property
    def band(self) -> Band | None:
        return band(self.percent, self.target)

    def target_json(self) -> list[int] | int:
        return list(self.target) if isinstance(self.target, tuple) else self.target


@dataclass(frozen=True)
class Named:
    """One row of a funnel table: a source code (None: no code) or a team id (None: no team),
    its name, and its funnel."""

    key: Any
    name: str | None
    funnel: Funnel


@dataclass(frozen=True)
class Week:
    """A week Monday–Sunday: new leads and registrations (up to the day of the numbers)."""

    monday: date
    leads: int
    registrations: int

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)


@dataclass(frozen=True)
class Progress:
    on: date
    id_vn: Ratio  # registered ÷ youths 18–23
    biz_vn: Ratio  # registered ÷ eligible businesses
    businesses_reached: Ratio
    schools_reached: Ratio
    news_month: str  # "YYYY-MM"
    news_sent: int
    news_target: int
    by_source: tuple[Named, ...]
    by_team: tuple[Named, ...]
    weekly: tuple[Week, ...]
    team_id: int | None = None

    @property
    def news_band(self) -> Band | None:
        return band(self.news_sent, self.news_target)

    def as_json(self) -> dict[str, Any]:
        """DESIGN.md's ``hiendien report progress --format json`` object, exactly."""
        return {
            "on": self.on.isoformat(),
            "id_vn": {
                "registered": self.id_vn.numerator,
                "youths": self.id_vn.denominator,
                "percent": self.id_vn.percent,
                "target_percent": self.id_vn.target_json(),
            },
            "biz_vn": {
                "registered": self.biz_vn.numerator,
                "eligible_businesses": self.biz_vn.denominator or 0,
                "percent": self.biz_vn.percent,
                "target_percent": self.biz_vn.target_json(),
            },
            "businesses_reached": {
                "reached": self.businesses_reached.numerator,
                "eligible": self.businesses_reached.denominator or 0,
                "percent": self.businesses_reached.percent,
                "target_percent": self.businesses_reached.target_json(),
            },
            "schools_reached": {
                "reached": self.schools_reached.numerator,
                "schools": self.schools_reached.denominator or 0,
                "percent": self.schools_reached.percent,
                "target_percent": self.schools_reached.target_json(),
            },
            "news": {
                "month": self.news_month,
                "sent": self.news_sent,
                "target_per_month": self.news_target,
            },
        }


# --- eligibility of registry rows ---------------------------------------------------------


def eligibility(rules: ProgramRules) -> Callable[[str, date | None, date], bool]:
    """Whether a registry business of ``kind`` started on ``started_on`` is eligible on a day,
    by handlers/rules.py (remembered per (kind, started_on, day): many rows share a day)."""
    known: dict[tuple[str, date | None, date], bool] = {}

    def decide(kind: str, started_on: date | None, day: date) -> bool:
        found = registry.eligibility({"kind": kind, "started_on": started_on}, day, rules)
        return found is not None and found.eligible

    def eligible(kind: str, started_on: date | None, day: date) -> bool:
        key = (kind, started_on, day)
        found = known.get(key)
        if found is None:
            found = known[key] = decide(kind, started_on, day)
        return found

    return eligible


# --- the parts -----------------------------------------------------------------------------


def _end(on: date) -> Any:
    """The first instant after Vietnam's day ``on``, in UTC."""
    return vietnam_midnight(on + timedelta(days=1))


def _youths(tx: Tx, on: date) -> int | None:
    """The number of youths aged 18–23 of the day (db.schools: the latest dated ≤ ``on``)."""
    found = figure(tx, YOUTHS, on)
    return None if found is None else int(found["value"])


def _areas(tx: Tx, team_id: int) -> list[str]:
    """The registry's ``area`` values (as imported) that are the team's tổ dân phố, compared
    without case or diacritics (db.team's way)."""
    keys = {fold(a) for a in areas_of(tx, team_id)}
    b = business_t.c
    found = tx.conn.execute(select(b.area).where(b.area.isnot(None)).distinct()).scalars()
    return sorted(a for a in found if fold(a) in keys)


def _team_registration(team_id: int, areas: list[str]) -> ColumnElement[bool]:
    """A registration belonging to the team: of one of its leads, or of a registry business
    in its tổ dân phố (``areas``, from :func:`_areas`)."""
    r = registration_t.c
    team_leads = select(lead_t.c.id).where(lead_t.c.team_id == team_id)
    team_businesses = select(business_t.c.id).where(business_t.c.area.in_(areas))
    return or_(r.lead_id.in_(team_leads), r.business_id.in_(team_businesses))


def _businesses(
    tx: Tx, on: date, rules: ProgramRules, areas: list[str] | None
) -> tuple[int, int, int]:
    """(biz.vn registered, businesses reached, eligible businesses), of the registry's
    businesses in ``areas`` (None: all). Rows are counted by (kind, started_on): many share
    a day, and handlers/rules.py decides once per (kind, day, on)."""
    b, r, le = business_t.c, registration_t.c, lead_t.c
    in_view = [] if areas is None else [b.area.in_(areas)]
    eligible = eligibility(rules)
    grouped = select(b.kind, b.started_on, func.count()).group_by(b.kind, b.started_on)
    now = sum(
        int(n)
        for kind, started, n in tx.conn.execute(grouped.where(*in_view))
        if eligible(kind, started, on)
    )
    facts: dict[int, tuple[str, date | None]] = {}  # business id → (kind, started_on)
    registered: set[int] = set()
    biz_vn = select(r.business_id, r.registered_on, b.kind, b.started_on).join(
        business_t, b.id == r.business_id
    )
    for bid, day, kind, started in tx.conn.execute(
        biz_vn.where(r.kind == BIZ_VN, r.registered_on <= on, *in_view)
    ):
        facts[bid] = (kind, started)
        if eligible(kind, started, day):
            registered.add(bid)
    # registered while eligible, and no longer eligible on the day: counted too
    counted = now + sum(1 for bid in registered if not eligible(*facts[bid], on))

    contacted, _registered = sources.reached(on)
    lead_facts = select(b.id, b.kind, b.started_on).where(
        le.created_at < _end(on), contacted, *in_view
    )
    for join in (le.business_id == b.id, le.phone == b.phone):
        for bid, kind, started in tx.conn.execute(
            lead_facts.select_from(lead_t.join(business_t, join))
        ):
            facts[bid] = (kind, started)
    reached = sum(
        1
        for bid, (kind, started) in facts.items()
        if bid in registered or eligible(kind, started, on)
    )
    return len(registered), reached, counted


def _schools(tx: Tx, on: date) -> tuple[int, int]:
    s, o = school_t.c, outreach_t.c
    end = _end(on)
    open_schools = select(s.id).where(
        s.created_at < end, or_(s.archived_at.is_(None), s.archived_at >= end)
    )
    schools = tx.conn.execute(select(func.count()).select_from(open_schools.subquery())).scalar()
    # an outreach activity held there, or a training session held there (db.training)
    active = union(
        select(o.school_id).where(o.held_on <= on), training.held_at_schools(end)
    ).subquery()
    reached = tx.conn.execute(
        select(func.count(distinct(active.c.school_id))).where(active.c.school_id.in_(open_schools))
    ).scalar()
    return int(reached or 0), int(schools or 0)


def _news(tx: Tx, on: date, plan: PlanFile) -> int:
    first = on.replace(day=1)
    d, e = delivery_t.c, plan_evidence_t.c
    runs = (
        select(d.campaign_id, d.run_at)
        .where(d.status == "sent", d.sent_at >= vietnam_midnight(first), d.sent_at < _end(on))
        .distinct()
        .subquery()
    )
    sent = tx.conn.execute(select(func.count()).select_from(runs)).scalar()
    recorded = tx.conn.execute(
        select(func.coalesce(func.sum(e.count), 0)).where(
            e.task.in_(plan.news_tasks), e.done_on >= first, e.done_on <= on
        )
    ).scalar()
    return int(sent or 0) + int(recorded or 0)


def _weekly(
    tx: Tx, on: date, team: ColumnElement[bool] | None, team_id: int | None
) -> tuple[Week, ...]:
    last = on - timedelta(days=on.weekday())
    first = last - timedelta(weeks=WEEKS - 1)
    leads = dict.fromkeys((first + timedelta(weeks=i) for i in range(WEEKS)), 0)
    registrations = dict(leads)

    def monday(day: date) -> date:
        return day - timedelta(days=day.weekday())

    le, er, r = lead_t.c, erased_t.c, registration_t.c
    lead_query = select(le.created_at).where(
        le.created_at >= vietnam_midnight(first), le.created_at < _end(on)
    )
    if team_id is not None:
        lead_query = lead_query.where(le.team_id == team_id)
    for (at,) in tx.conn.execute(lead_query):
        leads[monday(at.astimezone(VIETNAM).date())] += 1
    if team_id is None:
        erased = select(er.created_on, func.count()).where(
            er.created_on >= first, er.created_on <= on
        )
        for day, n in tx.conn.execute(erased.group_by(er.created_on)):
            leads[monday(day)] += int(n)
    reg_query = select(r.registered_on, func.count()).where(
        r.registered_on >= first, r.registered_on <= on
    )
    if team is not None:
        reg_query = reg_query.where(team)
    for day, n in tx.conn.execute(reg_query.group_by(r.registered_on)):
        registrations[monday(day)] += int(n)
    return tuple(Week(m, leads[m], registrations[m]) for m in leads)


def _named_sources(tx: Tx, found: Mapping[Any, Funnel]) -> tuple[Named, ...]:
    names = dict(tx.conn.execute(select(source_t.c.code, source_t.c.name)).all())
    keys = sorted(found, key=lambda k: (k is None, names.get(k) is None, str(k)))
    return tuple(Named(k, names.get(k), found[k]) for k in keys)


def _named_teams(tx: Tx, found: Mapping[Any, Funnel], team_id: int | None) -> tuple[Named, ...]:
    out = [
        Named(t["id"], t["name"], found.get(t["id"], Funnel()))
        for t in teams(tx)
        if team_id is None or t["id"] == team_id
    ]
    if team_id is None and None in found:
        out.append(Named(None, None, found[None]))
    return tuple(out)


def progress(
    tx: Tx, on: date, rules: ProgramRules, plan: PlanFile, team_id: int | None = None
) -> Progress:
    """The plan's numbers on ``on`` (the whole ward, or ``team_id``'s share): see the module
    docstring for what each counts."""
    targets = plan.targets
    areas = None if team_id is None else _areas(tx, team_id)
    registered, reached, eligible = _businesses(tx, on, rules, areas)
    team = None if team_id is None or areas is None else _team_registration(team_id, areas)
    r = registration_t.c
    id_query = select(func.count()).where(r.kind == ID_VN, r.registered_on <= on)
    if team is not None:
        id_query = id_query.where(team)
    id_vn = int(tx.conn.execute(id_query).scalar() or 0)
    schools_reached, schools = _schools(tx, on)
    return Progress(
        on=on,
        id_vn=Ratio(id_vn, _youths(tx, on), targets.id_vn_percent),
        biz_vn=Ratio(registered, eligible, targets.biz_vn_percent),
        businesses_reached=Ratio(reached, eligible, targets.businesses_reached_percent),
        schools_reached=Ratio(schools_reached, schools, targets.schools_reached_percent),
        news_month=f"{on:%Y-%m}",
        news_sent=_news(tx, on, plan),
        news_target=targets.news_per_month,
        by_source=_named_sources(tx, sources.funnels(tx, until=on, team_id=team_id)),
        by_team=_named_teams(
            tx, sources.funnels(tx, until=on, by="team", team_id=team_id), team_id
        ),
        weekly=_weekly(tx, on, team, team_id),
        team_id=team_id,
    )


__all__ = ["YOUTHS", "Named", "Progress", "Ratio", "Week", "eligibility", "progress"]
