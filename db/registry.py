"""The business registry (table ``business``): finding a business by its tax code, and the
reading of a tax code every part shares (the chat, the import, the registrar lists).

A tax code (mã số thuế / mã số doanh nghiệp) is 10 digits with a check digit, or 13 for a
branch ("0101234565-001"); :func:`tax_code` (the one reading, in :mod:`handlers.taxcodes`)
reads one written with spaces, dots or a dash and checks it with ``python-stdnum``
(``stdnum.vn.mst``). Stored as digits only.

Also the registry as the office and the proposal list see it (:func:`listing`): each business
with its verdict on a day — decided only by handlers.rules (an enterprise by its founding
day, a household business of the registry holds a certificate) —, whether it has registered
a biz.vn name (a biz.vn registration of the business, or its lead marked "registered"), and
the team serving its tổ dân phố. The import itself is in db.registry_import.

Imports db.audit, db.store, db.tables and handlers (rules, taxcodes, text, types).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from db import audit
from db.store import Tx
from db.tables import business_t, lead_t, registration_t, team_area_t, team_t
from handlers.rules import BIZ_VN, BadDate, ProgramRules, check_enterprise, check_household
from handlers.taxcodes import shown, tax_code
from handlers.text import fold, plain
from handlers.types import Eligibility, RegistryBusiness

__all__ = [
    "ENTERPRISE",
    "HOUSEHOLD",
    "KINDS",
    "Filters",
    "area_order",
    "area_teams",
    "areas",
    "eligibility",
    "find",
    "for_chat",
    "listing",
    "proposal",
    "record_proposal_export",
    "registered_ids",
    "shown",
    "tax_code",
]

ENTERPRISE = "enterprise"
HOUSEHOLD = "household"
KINDS = (ENTERPRISE, HOUSEHOLD)


def find(tx: Tx, code: str) -> dict[str, Any] | None:
    """The registry's business with this tax code (as :func:`tax_code` gives it), or None."""
    row = tx.conn.execute(select(business_t).where(business_t.c.tax_code == code)).first()
    return dict(row._mapping) if row else None


def for_chat(tx: Tx, code: str) -> RegistryBusiness | None:
    """What the chat learns of the registry's business with this tax code: who it is, its
    kind and its founding or certificate day (nothing of its contacts); None when absent."""
    row = tx.conn.execute(
        select(
            business_t.c.id, business_t.c.name, business_t.c.kind, business_t.c.started_on
        ).where(business_t.c.tax_code == code)
    ).first()
    if row is None:
        return None
    return RegistryBusiness(int(row.id), code, str(row.name), str(row.kind), row.started_on)


def eligibility(business: Mapping[str, Any], on: date, rules: ProgramRules) -> Eligibility | None:
    """The business's verdict on ``on`` by handlers.rules, or None when there is none that
    day (an enterprise without its founding day, or founded after ``on``; a household whose
    certificate is dated after ``on``). The one reading of a registry row's eligibility: the
    office, the proposal list and the progress numbers use it."""
    started = business["started_on"]
    if business["kind"] == HOUSEHOLD:  # the registry lists certificate holders
        if started is not None and started > on:
            return None  # the certificate was not given yet
        return check_household(True, on, rules)
    if started is None:
        return None
    try:
        return check_enterprise(started, on, rules)
    except BadDate:
        return None


def registered_ids(tx: Tx) -> set[int]:
    """The businesses that registered a biz.vn name: a biz.vn registration of theirs, or
    their lead marked "registered"."""
    found = {
        int(i)
        for i in tx.conn.execute(
            select(registration_t.c.business_id).where(
                registration_t.c.kind == BIZ_VN, registration_t.c.business_id.is_not(None)
            )
        ).scalars()
    }
    found.update(
        int(i)
        for i in tx.conn.execute(
            select(lead_t.c.business_id).where(
                lead_t.c.status == "registered", lead_t.c.business_id.is_not(None)
            )
        ).scalars()
    )
    return found


def area_teams(tx: Tx) -> dict[str, tuple[int, str]]:
    """Folded tổ dân phố → (id, name) of the team serving it (archived teams serve none)."""
    query = (
        select(team_area_t.c.area, team_t.c.id, team_t.c.name)
        .join(team_t, team_t.c.id == team_area_t.c.team_id)
        .where(team_t.c.archived_at.is_(None))
    )
    return {fold(area): (int(tid), str(name)) for area, tid, name in tx.conn.execute(query)}


def area_order(area: str | None, known: tuple[str, ...] = ()) -> tuple[int, int, str, int, str]:
    """Tổ dân phố in the ward's order (content/ward.yaml), then "… 2" before "… 10", then
    the rest; no area last."""
    if not area:
        return (2, 0, "", 0, "")
    position = {fold(a): i for i, a in enumerate(known)}
    if fold(area) in position:
        return (0, position[fold(area)], "", 0, "")
    head, _, tail = area.rpartition(" ")
    return (1, 0, fold(head), int(tail) if tail.isdigit() else -1, fold(area))


def areas(tx: Tx) -> list[str]:
    """The tổ dân phố the registry's businesses are in, as written."""
    query = select(business_t.c.area).where(business_t.c.area.is_not(None)).distinct()
    return [str(a) for a in tx.conn.execute(query).scalars()]


@dataclass(frozen=True)
class Filters:
    """What the registry list is narrowed to. ``q``: a name (folded, any part) or a tax
    code (its digits, from the start); ``team_id``: only the areas that team serves."""

    q: str = ""
    kind: str | None = None
    eligible: bool | None = None
    area: str | None = None
    registered: bool | None = None
    team_id: int | None = None


def listing(
    tx: Tx,
    on: date,
    rules: ProgramRules,
    filters: Filters | None = None,
    known_areas: tuple[str, ...] = (),
) -> list[dict[str, Any]]:
    """The registry's businesses ``filters`` select, each with ``verdict`` (or None),
    ``eligible``, ``registered``, ``team_id`` and ``team``; by tổ dân phố, team and name."""
    filters = filters or Filters()
    query = select(business_t)
    if filters.kind:
        query = query.where(business_t.c.kind == filters.kind)
    rows = [dict(r) for r in tx.conn.execute(query).mappings()]
    registered = registered_ids(tx)
    teams = area_teams(tx)
    digits = "".join(ch for ch in filters.q if ch.isdigit())
    words = plain(filters.q)
    searched_code = bool(digits) and not any(ch.isalpha() for ch in filters.q)
    out = []
    for row in rows:
        if filters.area is not None and fold(row["area"] or "") != fold(filters.area):
            continue
        if searched_code and not row["tax_code"].startswith(digits):
            continue
        if words and not searched_code and words not in plain(row["name"]):
            continue
        team = teams.get(fold(row["area"] or ""))
        row["team_id"], row["team"] = team if team else (None, None)
        if filters.team_id is not None and row["team_id"] != filters.team_id:
            continue
        row["registered"] = row["id"] in registered
        if filters.registered is not None and row["registered"] != filters.registered:
            continue
        row["verdict"] = eligibility(row, on, rules)
        row["eligible"] = bool(row["verdict"] and row["verdict"].eligible)
        if filters.eligible is not None and row["eligible"] != filters.eligible:
            continue
        out.append(row)
    out.sort(
        key=lambda r: (area_order(r["area"], known_areas), fold(r["team"] or ""), fold(r["name"]))
    )
    return out


def proposal(
    tx: Tx, on: date, rules: ProgramRules, known_areas: tuple[str, ...] = ()
) -> list[dict[str, Any]]:
    """The proposal list ("Danh sách đề xuất tham gia Chương trình"): businesses eligible
    on ``on`` that have not registered a biz.vn name, by tổ dân phố and team."""
    chosen = Filters(eligible=True, registered=False)
    return listing(tx, on, rules, chosen, known_areas)


def record_proposal_export(
    tx: Tx,
    actor: str,
    rows: int,
    on: date,
    *,
    actor_user_id: int | None = None,
    ip: str | None = None,
) -> int:
    """The audit row of a proposal list written out (as db.exports records the leads')."""
    detail = {"rows": rows, "format": "xlsx", "list": "registry_proposal", "on": on.isoformat()}
    return audit.record(tx, "export", actor, actor_user_id=actor_user_id, detail=detail, ip=ip)
