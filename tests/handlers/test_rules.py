"""The eligibility rules at every boundary in DESIGN.md, table-driven."""

from __future__ import annotations

from datetime import date

import pytest

from handlers import rules
from handlers.rules import (
    ProgramRules,
    anniversary,
    check_enterprise,
    check_enterprise_range,
    check_household,
    check_person,
    check_person_range,
    full_years,
)

R = ProgramRules(
    youth_min_age=18, youth_max_age=23, enterprise_max_years=1, end_date=date(2026, 12, 31)
)


@pytest.mark.parametrize(
    ("start", "on", "years"),
    [
        (date(2008, 3, 15), date(2026, 3, 14), 17),
        (date(2008, 3, 15), date(2026, 3, 15), 18),
        (date(2004, 2, 29), date(2022, 2, 28), 17),  # 29 Feb completes on 1 March
        (date(2004, 2, 29), date(2022, 3, 1), 18),
        (date(2004, 2, 29), date(2024, 2, 29), 20),  # leap year: on the day itself
        (date(2004, 2, 29), date(2024, 2, 28), 19),
        (date(2025, 11, 25), date(2026, 11, 24), 0),
        (date(2025, 11, 25), date(2026, 11, 25), 1),
    ],
)
def test_full_years(start: date, on: date, years: int) -> None:
    assert full_years(start, on) == years


@pytest.mark.parametrize(
    ("birth", "on", "reason", "eligible_from", "eligible_until"),
    [
        # the 18th birthday
        (date(2008, 6, 10), date(2026, 6, 9), rules.TOO_YOUNG, date(2026, 6, 10), None),
        (date(2008, 6, 10), date(2026, 6, 10), rules.ELIGIBLE_YOUTH, None, date(2026, 12, 31)),
        # the 24th birthday: 23 still counts, 24 does not
        (date(2002, 6, 10), date(2026, 6, 9), rules.ELIGIBLE_YOUTH, None, date(2026, 6, 9)),
        (date(2002, 6, 10), date(2026, 6, 10), rules.TOO_OLD, None, None),
        (date(2003, 1, 1), date(2026, 11, 25), rules.ELIGIBLE_YOUTH, None, date(2026, 12, 31)),
        # 29 February births: the 18th "birthday" in a common year is 1 March
        (date(2008, 2, 29), date(2026, 2, 28), rules.TOO_YOUNG, date(2026, 3, 1), None),
        (date(2008, 2, 29), date(2026, 3, 1), rules.ELIGIBLE_YOUTH, None, date(2026, 12, 31)),
        (date(2004, 2, 29), date(2026, 6, 1), rules.ELIGIBLE_YOUTH, None, date(2026, 12, 31)),
        # turned 24 on 1 March 2028 in the rules, but the programme ended before
        (date(2004, 2, 29), date(2027, 1, 1), rules.PROGRAM_ENDED, None, date(2026, 12, 31)),
        # the programme's last day, and the day after
        (date(2005, 3, 15), date(2026, 12, 31), rules.ELIGIBLE_YOUTH, None, date(2026, 12, 31)),
        (date(2005, 3, 15), date(2027, 1, 1), rules.PROGRAM_ENDED, None, date(2026, 12, 31)),
    ],
)
def test_person(
    birth: date,
    on: date,
    reason: str,
    eligible_from: date | None,
    eligible_until: date | None,
) -> None:
    e = check_person(birth, on, R)
    assert (e.reason, e.eligible_from, e.eligible_until) == (reason, eligible_from, eligible_until)
    assert e.eligible == (reason == rules.ELIGIBLE_YOUTH)
    assert e.domain == ("id.vn" if e.eligible else None)


def test_eligible_until_is_the_day_before_the_24th_birthday_when_the_programme_runs_on() -> None:
    longer = R.model_copy(update={"end_date": date(2030, 12, 31)})
    assert check_person(date(2004, 2, 29), date(2026, 6, 1), longer).eligible_until == date(
        2028, 2, 28
    )
    assert check_person(date(2005, 2, 28), date(2026, 6, 1), longer).eligible_until == date(
        2029, 2, 27
    )


def test_not_a_citizen_only_matters_inside_the_age_band() -> None:
    on = date(2026, 11, 25)
    assert check_person(date(2005, 3, 15), on, R, citizen=False).reason == rules.NOT_CITIZEN
    assert check_person(date(2010, 3, 15), on, R, citizen=False).reason == rules.TOO_YOUNG
    assert check_person(date(1990, 3, 15), on, R, citizen=False).reason == rules.TOO_OLD


@pytest.mark.parametrize(
    ("founded", "on", "reason", "until"),
    [
        (date(2025, 11, 26), date(2026, 11, 25), rules.ELIGIBLE_NEW_ENTERPRISE, date(2026, 11, 25)),
        (date(2025, 11, 25), date(2026, 11, 25), rules.ENTERPRISE_TOO_OLD, None),  # anniversary
        (date(2026, 11, 25), date(2026, 11, 25), rules.ELIGIBLE_NEW_ENTERPRISE, date(2026, 12, 31)),
        (date(2024, 2, 29), date(2025, 2, 28), rules.ELIGIBLE_NEW_ENTERPRISE, date(2025, 2, 28)),
        (date(2024, 2, 29), date(2025, 3, 1), rules.ENTERPRISE_TOO_OLD, None),
        (date(2026, 6, 1), date(2027, 1, 1), rules.PROGRAM_ENDED, date(2026, 12, 31)),
    ],
)
def test_enterprise(founded: date, on: date, reason: str, until: date | None) -> None:
    e = check_enterprise(founded, on, R)
    assert (e.reason, e.eligible_until) == (reason, until)
    assert e.domain == ("biz.vn" if e.eligible else None)


@pytest.mark.parametrize(
    ("has", "on", "reason"),
    [
        (True, date(2026, 11, 25), rules.ELIGIBLE_HOUSEHOLD),
        (False, date(2026, 11, 25), rules.HOUSEHOLD_NO_CERTIFICATE),
        (True, date(2027, 1, 1), rules.PROGRAM_ENDED),
    ],
)
def test_household(has: bool, on: date, reason: str) -> None:
    assert check_household(has, on, R).reason == reason


@pytest.mark.parametrize("check", [check_person, check_enterprise])
def test_future_and_absurd_dates_are_bad_input_not_verdicts(check) -> None:
    on = date(2026, 11, 25)
    with pytest.raises(rules.BadDate):
        check(date(2026, 11, 26), on, R)
    with pytest.raises(rules.BadDate):
        check(date(1900, 1, 1), on, R)


@pytest.mark.parametrize(
    ("first", "last", "reason"),
    [
        # an age of 20: every birth date it allows is eligible
        (date(2005, 11, 26), date(2006, 11, 25), rules.ELIGIBLE_YOUTH),
        # born in 2008, on 25/11/2026: 17 or 18 depending on the day -> undecided
        (date(2008, 1, 1), date(2008, 12, 31), None),
        # born in 2002: 23 or 24 -> undecided
        (date(2002, 1, 1), date(2002, 12, 31), None),
        # born in 2004: 21 or 22 -> eligible either way
        (date(2004, 1, 1), date(2004, 12, 31), rules.ELIGIBLE_YOUTH),
        # born in 1990: too old either way
        (date(1990, 1, 1), date(1990, 12, 31), rules.TOO_OLD),
    ],
)
def test_a_range_decides_only_when_every_date_agrees(
    first: date, last: date, reason: str | None
) -> None:
    e = check_person_range(first, last, date(2026, 11, 25), R)
    assert (e.reason if e else None) == reason


def test_too_young_from_a_range_gives_no_false_exact_date() -> None:
    e = check_person_range(date(2012, 1, 1), date(2012, 12, 31), date(2026, 11, 25), R)
    assert e is not None and e.reason == rules.TOO_YOUNG and e.eligible_from is None


def test_enterprise_range() -> None:
    on = date(2026, 11, 25)
    assert check_enterprise_range(date(2026, 3, 1), date(2026, 3, 31), on, R).eligible
    assert check_enterprise_range(date(2025, 11, 1), date(2025, 11, 30), on, R) is None
    assert (
        check_enterprise_range(date(2020, 1, 1), date(2020, 12, 31), on, R).reason
        == rules.ENTERPRISE_TOO_OLD
    )


def test_anniversary() -> None:
    assert anniversary(date(2008, 2, 29), 18) == date(2026, 3, 1)
    assert anniversary(date(2008, 2, 29), 16) == date(2024, 2, 29)
    assert anniversary(date(2008, 3, 15), 18) == date(2026, 3, 15)


def test_the_rules_read_their_numbers_from_content(content) -> None:
    r = content.rules
    assert (r.youth_min_age, r.youth_max_age, r.enterprise_max_years) == (18, 23, 1)
    assert r.end_date == date(2026, 12, 31)
