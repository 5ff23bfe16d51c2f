"""Eligibility rules as code: the only place a verdict is decided.

DESIGN.md's table, with the parameters (ages, durations, the programme's end) read from
the ``rules:`` section of ``content/program.yaml`` into :class:`ProgramRules`, the one model
of those numbers (they have no defaults in code). Every verdict carries a reason code and
the dates that explain it. Imports only the standard library, pydantic and handlers.types.
"""

from __future__ import annotations

from datetime import date, timedelta

from pydantic import BaseModel, ConfigDict, Field, model_validator

from handlers.types import Eligibility

ID_VN = "id.vn"
BIZ_VN = "biz.vn"

ELIGIBLE_YOUTH = "eligible_youth"
TOO_YOUNG = "too_young"
TOO_OLD = "too_old"
NOT_CITIZEN = "not_citizen"
ELIGIBLE_NEW_ENTERPRISE = "eligible_new_enterprise"
ENTERPRISE_TOO_OLD = "enterprise_too_old"
ELIGIBLE_HOUSEHOLD = "eligible_household"
HOUSEHOLD_NO_CERTIFICATE = "household_no_certificate"
PROGRAM_ENDED = "program_ended"

REASONS = (
    ELIGIBLE_YOUTH,
    TOO_YOUNG,
    TOO_OLD,
    NOT_CITIZEN,
    ELIGIBLE_NEW_ENTERPRISE,
    ENTERPRISE_TOO_OLD,
    ELIGIBLE_HOUSEHOLD,
    HOUSEHOLD_NO_CERTIFICATE,
    PROGRAM_ENDED,
)


OLDEST_AGE = 120  # a birth or founding date further back than this is a typing mistake


class BadDate(ValueError):
    """A date that cannot be a birth or founding date (in the future, or absurdly old)."""


class ProgramRules(BaseModel):
    """The numbers eligibility is decided by: ``rules:`` in ``content/program.yaml``."""

    model_config = ConfigDict(frozen=True)

    youth_min_age: int = Field(ge=0, le=OLDEST_AGE)
    youth_max_age: int = Field(ge=0, le=OLDEST_AGE)
    enterprise_max_years: int = Field(ge=1, le=50)
    end_date: date

    @model_validator(mode="after")
    def _ages_in_order(self) -> ProgramRules:
        if self.youth_min_age > self.youth_max_age:
            raise ValueError("youth_min_age > youth_max_age")
        return self


def anniversary(start: date, years: int) -> date:
    """The day ``start`` completes ``years`` whole years; 29 February completes on 1 March
    in common years."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February in a common year
        return date(start.year + years, 3, 1)


def full_years(start: date, on: date) -> int:
    """Whole years from ``start`` to ``on``; a year counts once its anniversary is reached."""
    years = on.year - start.year
    if (on.month, on.day) < (start.month, start.day):
        years -= 1
    return years


def _check_past(day: date, on: date) -> None:
    if day > on:
        raise BadDate("future")
    if full_years(day, on) > OLDEST_AGE:
        raise BadDate("too_old_to_be_true")


def check_person(
    birth_date: date, on: date, rules: ProgramRules, citizen: bool = True
) -> Eligibility:
    _check_past(birth_date, on)
    if on > rules.end_date:
        return Eligibility(False, None, PROGRAM_ENDED, eligible_until=rules.end_date)
    age = full_years(birth_date, on)
    if age < rules.youth_min_age:
        return Eligibility(
            False, None, TOO_YOUNG, eligible_from=anniversary(birth_date, rules.youth_min_age)
        )
    if age > rules.youth_max_age:
        return Eligibility(False, None, TOO_OLD)
    if not citizen:
        return Eligibility(False, None, NOT_CITIZEN)
    last_day = anniversary(birth_date, rules.youth_max_age + 1) - timedelta(days=1)
    return Eligibility(True, ID_VN, ELIGIBLE_YOUTH, eligible_until=min(last_day, rules.end_date))


def check_enterprise(founded_on: date, on: date, rules: ProgramRules) -> Eligibility:
    _check_past(founded_on, on)
    if on > rules.end_date:
        return Eligibility(False, None, PROGRAM_ENDED, eligible_until=rules.end_date)
    if full_years(founded_on, on) < rules.enterprise_max_years:
        last_day = anniversary(founded_on, rules.enterprise_max_years) - timedelta(days=1)
        return Eligibility(
            True, BIZ_VN, ELIGIBLE_NEW_ENTERPRISE, eligible_until=min(last_day, rules.end_date)
        )
    return Eligibility(False, None, ENTERPRISE_TOO_OLD)


def check_household(has_certificate: bool, on: date, rules: ProgramRules) -> Eligibility:
    if on > rules.end_date:
        return Eligibility(False, None, PROGRAM_ENDED, eligible_until=rules.end_date)
    if has_certificate:
        return Eligibility(True, BIZ_VN, ELIGIBLE_HOUSEHOLD, eligible_until=rules.end_date)
    return Eligibility(False, None, HOUSEHOLD_NO_CERTIFICATE)


def check_person_range(
    first: date, last: date, on: date, rules: ProgramRules
) -> Eligibility | None:
    """The verdict every birth date in ``first..last`` shares, or None when they differ.

    Age decreases as the birth date moves later, so the verdict is monotonic and the two
    ends decide for the whole range. Dates in the future are clipped to ``on``.
    """
    last = min(last, on)
    if first > last:
        raise BadDate("future")
    a = check_person(first, on, rules)
    b = check_person(last, on, rules)
    if a.reason != b.reason:
        return None
    if a.reason == ELIGIBLE_YOUTH:
        return Eligibility(True, ID_VN, ELIGIBLE_YOUTH, eligible_until=a.eligible_until)
    if a.reason == TOO_YOUNG and a.eligible_from != b.eligible_from:
        return Eligibility(False, None, TOO_YOUNG)  # the exact date needs the exact birth date
    return a


def check_enterprise_range(
    first: date, last: date, on: date, rules: ProgramRules
) -> Eligibility | None:
    """Like :func:`check_person_range` for a founding date known only as a month or year."""
    last = min(last, on)
    if first > last:
        raise BadDate("future")
    a = check_enterprise(first, on, rules)
    b = check_enterprise(last, on, rules)
    if a.reason != b.reason:
        return None
    if a.reason == ELIGIBLE_NEW_ENTERPRISE:
        return Eligibility(True, BIZ_VN, ELIGIBLE_NEW_ENTERPRISE, eligible_until=a.eligible_until)
    return a
