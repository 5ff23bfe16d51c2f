"""handlers/rules.py at the programme's edges, every expected verdict written out by hand:
the last day (31/12/2026) and the day after, for households and enterprises; a founding
date known only as a month; a range in the future. Written for the mutants that survived
`make mutants MUTANTS="handlers.rules*"` (each named on its test)."""

from __future__ import annotations

from datetime import date

import pytest

from handlers import rules
from handlers.content import Content
from handlers.types import Eligibility

LAST_DAY = date(2026, 12, 31)
DAY_AFTER = date(2027, 1, 1)


def test_a_household_on_the_last_day_and_the_day_after(content: Content) -> None:
    # x_check_household mutants 1, 2, 4, 8, 9, 11, 13, 17, 19
    assert rules.check_household(True, LAST_DAY, content.rules) == Eligibility(
        True, "biz.vn", "eligible_household", eligible_until=date(2026, 12, 31)
    )
    assert rules.check_household(True, DAY_AFTER, content.rules) == Eligibility(
        False, None, "program_ended", eligible_until=date(2026, 12, 31)
    )
    assert rules.check_household(False, date(2026, 11, 25), content.rules) == Eligibility(
        False, None, "household_no_certificate"
    )


def test_an_enterprise_on_the_last_day_and_the_day_after(content: Content) -> None:
    # x_check_enterprise mutant 5
    founded = date(2026, 3, 1)  # within a year of both days
    assert rules.check_enterprise(founded, LAST_DAY, content.rules) == Eligibility(
        True, "biz.vn", "eligible_new_enterprise", eligible_until=date(2026, 12, 31)
    )
    assert rules.check_enterprise(founded, DAY_AFTER, content.rules) == Eligibility(
        False, None, "program_ended", eligible_until=date(2026, 12, 31)
    )


def test_an_enterprise_founded_in_a_known_month(content: Content) -> None:
    # x_check_enterprise_range mutant 27: the domain of a range's verdict
    verdict = rules.check_enterprise_range(
        date(2026, 3, 1), date(2026, 3, 31), date(2026, 11, 25), content.rules
    )
    assert verdict == Eligibility(
        True, "biz.vn", "eligible_new_enterprise", eligible_until=date(2026, 12, 31)
    )


def test_a_founding_range_wholly_in_the_future_is_refused(content: Content) -> None:
    # x_check_enterprise_range mutants 7, 8, 9: the reason given
    with pytest.raises(rules.BadDate) as refused:
        rules.check_enterprise_range(
            date(2027, 3, 1), date(2027, 3, 31), date(2026, 11, 25), content.rules
        )
    assert refused.value.args == ("future",)


def test_a_birth_date_in_the_future_is_refused_saying_so(content: Content) -> None:
    # x__check_past mutants 2, 3; x_check_person_range mutants 7, 8, 9
    on = date(2026, 11, 25)
    with pytest.raises(rules.BadDate) as refused:
        rules.check_person(date(2026, 11, 26), on, content.rules)
    assert refused.value.args == ("future",)
    with pytest.raises(rules.BadDate) as refused:
        rules.check_person_range(date(2027, 1, 1), date(2027, 12, 31), on, content.rules)
    assert refused.value.args == ("future",)


def test_exact_verdicts_for_a_non_citizen_and_a_too_young_year(content: Content) -> None:
    # x_check_person mutant 41; x_check_person_range mutant 38
    on = date(2026, 11, 25)
    assert rules.check_person(date(2005, 3, 15), on, content.rules, citizen=False) == (
        Eligibility(False, None, "not_citizen")
    )
    # born some day in 2012: too young, the day they turn 18 unknown
    assert rules.check_person_range(
        date(2012, 1, 1), date(2012, 12, 31), on, content.rules
    ) == Eligibility(False, None, "too_young")


def test_a_date_120_years_back_is_taken_and_one_day_more_is_refused(content: Content) -> None:
    # x__check_past mutants 9, 10: 120 full years is the oldest believable age
    on = date(2026, 11, 25)
    assert rules.check_person(date(1906, 11, 25), on, content.rules) == Eligibility(
        False, None, "too_old"
    )
    with pytest.raises(rules.BadDate) as refused:
        rules.check_person(date(1905, 11, 24), on, content.rules)
    assert refused.value.args == ("too_old_to_be_true",)


def test_an_enterprise_over_a_year_old_is_told_no_not_maybe(content: Content) -> None:
    # x_check_enterprise mutant 40: "not eligible" is False, not an unknown
    assert rules.check_enterprise(
        date(2024, 6, 1), date(2026, 11, 25), content.rules
    ) == Eligibility(False, None, "enterprise_too_old")


def test_a_birth_month_eligible_throughout_keeps_its_earliest_last_day(content: Content) -> None:
    # x_check_person_range mutants 26, 27, 29, 33, 34, 35: born some day in December 2002,
    # asked on 25/11/2026: 23 years old whichever day, and the one born on 1/12 turns 24 on
    # 1/12/2026, so the month is eligible until 30/11/2026
    assert rules.check_person_range(
        date(2002, 12, 1), date(2002, 12, 31), date(2026, 11, 25), content.rules
    ) == Eligibility(True, "id.vn", "eligible_youth", eligible_until=date(2026, 11, 30))


def test_a_range_of_one_day_is_that_day(content: Content) -> None:
    # x_check_person_range mutants 6, 36; x_check_enterprise_range mutant 6: a birth month
    # that is this month, asked on its first day, is the one day born today; the exact
    # date of an 18th birthday is known when the range is one day
    on = date(2026, 11, 1)
    assert rules.check_person_range(
        date(2026, 11, 1), date(2026, 11, 30), on, content.rules
    ) == Eligibility(False, None, "too_young", eligible_from=date(2044, 11, 1))
    assert rules.check_person_range(
        date(2010, 5, 7), date(2010, 5, 7), on, content.rules
    ) == Eligibility(False, None, "too_young", eligible_from=date(2028, 5, 7))
    assert rules.check_enterprise_range(
        date(2026, 11, 1), date(2026, 11, 30), on, content.rules
    ) == Eligibility(True, "biz.vn", "eligible_new_enterprise", eligible_until=date(2026, 12, 31))
