"""Birth and founding dates typed in Vietnamese or English: handlers.dates."""

from __future__ import annotations

import calendar
import random
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers.dates import DateProblem, DateRange, age_range, parse_birth, parse_founding
from handlers.rules import full_years

TODAY = date(2025, 6, 15)
ONE_DAY = timedelta(days=1)
BIRTH = date(2005, 3, 15)
MARCH_2005 = DateRange(date(2005, 3, 1), date(2005, 3, 31), "month")
YEAR_2004 = DateRange(date(2004, 1, 1), date(2004, 12, 31), "year")
AGE_20 = DateRange(date(2004, 6, 16), date(2005, 6, 15), "age")


def exact(day: date) -> DateRange:
    return DateRange(day, day, "exact")


# --- the accepted forms ---------------------------------------------------------------------

FULL_DATES = [
    "15/03/2005",
    "15-3-2005",
    "15.3.2005",
    "15/3/05",
    "2005-03-15",
    "2005/3/15",
    "ngày 15 tháng 3 năm 2005",
    "ngay 15 thang 3 nam 2005",
    "NGÀY 15 THÁNG 3 NĂM 2005",
    "15 tháng 3 2005",
    "15 thang 3 2005",
    "ngày 15/3 năm 2005",
    "15 thg 3 nam 05",
    "sinh ngày 15/3/2005",
    "Em sinh ngày 15/03/2005 ạ",
    "15 March 2005",
    "15th of March, 2005",
    "March 15, 2005",
    "mar 15 2005",
    "I was born on 15 March 2005.",
]


@pytest.mark.parametrize("text", FULL_DATES)
def test_full_dates(text: str) -> None:
    found = parse_birth(text, TODAY)
    assert found == exact(BIRTH)
    assert isinstance(found, DateRange) and found.exact


@pytest.mark.parametrize("text", FULL_DATES)
def test_full_dates_as_founding(text: str) -> None:
    assert parse_founding(text, TODAY) == exact(BIRTH)


AGES = [
    "20",
    "20 tuổi",
    "20 tuoi",
    "tôi 20 tuổi",
    "năm nay 20 tuổi",
    "nam nay 20 tuoi",
    "Năm nay em 20",
    "20t",
    "20 T",
    "I am 20",
    "i'm 20",
    "20 years old",
    "tuổi: 20",
]


@pytest.mark.parametrize("text", AGES)
def test_ages(text: str) -> None:
    found = parse_birth(text, TODAY)
    assert found == AGE_20
    assert isinstance(found, DateRange) and not found.exact


YEARS = [
    "sinh năm 2004",
    "sinh nam 2004",
    "năm 2004",
    "sn 2004",
    "SN 2004",
    "2004",
    "born in 2004",
    "năm sinh: 04",
    "sn 04",
]


@pytest.mark.parametrize("text", YEARS)
def test_birth_years(text: str) -> None:
    assert parse_birth(text, TODAY) == YEAR_2004


MONTHS = [
    "tháng 3/2005",
    "thang 3/2005",
    "3/2005",
    "03-2005",
    "T3/2005",
    "tháng 3 năm 2005",
    "thang 3 nam 2005",
    "tháng 3 2005",
    "March 2005",
]


@pytest.mark.parametrize("text", MONTHS)
def test_months(text: str) -> None:
    assert parse_birth(text, TODAY) == MARCH_2005
    assert parse_founding(text, TODAY) == MARCH_2005


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15/3/05", date(2005, 3, 15)),
        ("15/3/25", date(2025, 3, 15)),  # this year's two digits: this century
        ("15/3/26", date(1926, 3, 15)),  # later two digits: the last century
        ("15/3/99", date(1999, 3, 15)),
        ("1/1/00", date(2000, 1, 1)),
    ],
)
def test_two_digit_years(text: str, expected: date) -> None:
    assert parse_birth(text, TODAY) == exact(expected)


def test_short_birth_years() -> None:
    assert parse_birth("sn 95", TODAY) == DateRange(date(1995, 1, 1), date(1995, 12, 31), "year")
    assert parse_birth("sn 20 tuổi", TODAY) == AGE_20  # an age, not the year 2020


def test_leap_days() -> None:
    assert parse_birth("29/02/2024", TODAY) == exact(date(2024, 2, 29))
    assert parse_birth("29/02/2023", TODAY) is DateProblem.IMPOSSIBLE
    assert parse_birth("29/02/2000", TODAY) == exact(date(2000, 2, 29))
    assert parse_birth("29/02/1900", TODAY) is DateProblem.IMPOSSIBLE  # 1900 was no leap year
    assert parse_birth("tháng 2/2024", TODAY) == DateRange(
        date(2024, 2, 1), date(2024, 2, 29), "month"
    )


def test_ranges_are_clipped_to_today() -> None:
    assert parse_birth("2025", TODAY) == DateRange(date(2025, 1, 1), TODAY, "year")
    assert parse_birth("tháng 6/2025", TODAY) == DateRange(date(2025, 6, 1), TODAY, "month")
    assert parse_birth("15/06/2025", TODAY) == exact(TODAY)


def test_ranges_are_clipped_to_the_oldest_plausible_birth() -> None:
    found = parse_birth("1904", TODAY)
    assert found == DateRange(date(1904, 6, 16), date(1904, 12, 31), "year")
    assert full_years(date(1904, 6, 16), TODAY) == 120
    assert full_years(date(1904, 6, 15), TODAY) == 121


def test_founding() -> None:
    on = date(2026, 1, 15)
    assert parse_founding("thành lập năm 2025", on) == DateRange(
        date(2025, 1, 1), date(2025, 12, 31), "year"
    )
    assert parse_founding("thang 3/2025", on) == DateRange(
        date(2025, 3, 1), date(2025, 3, 31), "month"
    )
    assert parse_founding("ngày 10/01/2026", on) == exact(date(2026, 1, 10))
    assert parse_founding("Công ty thành lập tháng 1 năm 2026", on) == DateRange(
        date(2026, 1, 1), on, "month"
    )
    assert parse_founding("ngày 16/01/2026", on) is DateProblem.FUTURE


@pytest.mark.parametrize("text", ["2", "20", "20 tuổi", "tôi 20", "sn 95", "I am 20"])
def test_founding_takes_no_ages(text: str) -> None:
    assert parse_founding(text, TODAY) is DateProblem.UNRECOGNISED


# --- the problems ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("31/02/2005", DateProblem.IMPOSSIBLE),
        ("29/02/2023", DateProblem.IMPOSSIBLE),
        ("31/04/2005", DateProblem.IMPOSSIBLE),
        ("15/13/2005", DateProblem.IMPOSSIBLE),
        ("0/3/2005", DateProblem.IMPOSSIBLE),
        ("2005-02-30", DateProblem.IMPOSSIBLE),
        ("ngày 32 tháng 1 năm 2005", DateProblem.IMPOSSIBLE),
        ("tháng 13/2005", DateProblem.IMPOSSIBLE),
        ("0/2005", DateProblem.IMPOSSIBLE),
        ("0", DateProblem.IMPOSSIBLE),
        ("0 tuổi", DateProblem.IMPOSSIBLE),
        ("16/06/2025", DateProblem.FUTURE),
        ("2030-01-01", DateProblem.FUTURE),
        ("tháng 7/2025", DateProblem.FUTURE),
        ("2026", DateProblem.FUTURE),
        ("sinh năm 3000", DateProblem.FUTURE),
        ("14/06/1904", DateProblem.TOO_OLD),
        ("1900", DateProblem.TOO_OLD),
        ("tháng 5/1904", DateProblem.TOO_OLD),
        ("121", DateProblem.TOO_OLD),
        ("150 tuổi", DateProblem.TOO_OLD),
        ("999", DateProblem.TOO_OLD),
        ("", DateProblem.UNRECOGNISED),
        ("   ", DateProblem.UNRECOGNISED),
        ("😀🎂", DateProblem.UNRECOGNISED),
        ("'; DROP TABLE lead;--", DateProblem.UNRECOGNISED),
        ("không nhớ", DateProblem.UNRECOGNISED),
        ("tháng 3", DateProblem.UNRECOGNISED),
        ("ngày 15", DateProblem.UNRECOGNISED),
        ("15/03", DateProblem.UNRECOGNISED),
        ("0912345678", DateProblem.UNRECOGNISED),
        ("0912 345 678", DateProblem.UNRECOGNISED),
        ("0912.345.678", DateProblem.UNRECOGNISED),
        ("091 234 5678", DateProblem.UNRECOGNISED),
        ("+84 912 345 678", DateProblem.UNRECOGNISED),
        ("sđt 0912345678", DateProblem.UNRECOGNISED),
        ("123456789012", DateProblem.UNRECOGNISED),
        ("12345", DateProblem.UNRECOGNISED),
    ],
)
def test_problems(text: str, problem: DateProblem) -> None:
    assert parse_birth(text, TODAY) is problem


def test_a_date_beside_a_phone_number() -> None:
    assert parse_birth("sinh 15/3/2005, sđt 0912345678", TODAY) == exact(BIRTH)
    assert parse_birth("0912 345 678, sinh năm 2004", TODAY) == YEAR_2004


def test_three_thousand_random_characters() -> None:
    rng = random.Random(2005)
    for _ in range(20):
        text = "".join(chr(rng.randrange(32, 0x2FFF)) for _ in range(3000))
        assert isinstance(parse_birth(text, TODAY), DateRange | DateProblem)
        assert isinstance(parse_founding(text, TODAY), DateRange | DateProblem)
    letters = "".join(rng.choice("abcdefghij ,.!?ạảấầ") for _ in range(3000))
    assert parse_birth(letters, TODAY) is DateProblem.UNRECOGNISED


def test_age_range_around_leap_days() -> None:
    # Born 29 Feb 2004: 20 on 1 March 2025 (common year), still 19 on 28 February 2025.
    assert age_range(20, date(2025, 3, 1)).last == date(2005, 3, 1)
    assert date(2004, 2, 29).toordinal() in _days(age_range(20, date(2025, 2, 28)))
    assert date(2004, 2, 29).toordinal() in _days(age_range(21, date(2025, 3, 1)))
    assert age_range(21, date(2025, 3, 1)).first == date(2003, 3, 2)
    # On 29 Feb 2024 the 20-year-olds were born from 1 March 2003 to 29 February 2004.
    assert age_range(20, date(2024, 2, 29)) == DateRange(date(2003, 3, 1), date(2004, 2, 29), "age")
    assert age_range(21, date(2024, 2, 29)).last == date(2003, 2, 28)


def _days(found: DateRange) -> range:
    return range(found.first.toordinal(), found.last.toordinal() + 1)


# --- properties -----------------------------------------------------------------------------

past_dates = st.dates(min_value=date(1906, 1, 1), max_value=TODAY)
FORMATS = [
    "{d:02d}/{m:02d}/{y}",
    "{d}-{m}-{y}",
    "{y}-{m:02d}-{d:02d}",
    "ngày {d} tháng {m} năm {y}",
    "ngay {d} thang {m} nam {y}",
    "Tôi sinh ngày {d}.{m}.{y} ạ",
]


@given(day=past_dates, form=st.sampled_from(FORMATS))
def test_any_past_date_round_trips(day: date, form: str) -> None:
    text = form.format(d=day.day, m=day.month, y=day.year)
    assert parse_birth(text, TODAY) == exact(day)
    assert parse_founding(text, TODAY) == exact(day)


SPECIAL_DAYS = [
    date(y, m, d)
    for y in (2000, 2023, 2024, 2025, 2028, 2100)
    for m, d in ((2, 28), (2, 29), (3, 1), (12, 31), (1, 1))
    if (m, d) != (2, 29) or calendar.isleap(y)
]
todays = st.one_of(
    st.sampled_from(SPECIAL_DAYS),
    st.dates(min_value=date(1950, 1, 1), max_value=date(2100, 12, 31)),
)


@given(years=st.integers(min_value=1, max_value=110), today=todays, form=st.sampled_from(AGES))
def test_age_ranges_are_exact_and_maximal(years: int, today: date, form: str) -> None:
    text = form.replace("20", str(years))
    found = parse_birth(text, today)
    assert isinstance(found, DateRange) and found.kind == "age"
    assert found.first <= found.last <= today
    assert full_years(found.first, today) == years
    assert full_years(found.last, today) == years
    assert full_years(found.first - ONE_DAY, today) == years + 1
    assert full_years(found.last + ONE_DAY, today) == years - 1


@given(years=st.integers(min_value=1, max_value=30), today=st.sampled_from(SPECIAL_DAYS))
def test_every_day_of_an_age_range_has_that_age(years: int, today: date) -> None:
    found = age_range(years, today)
    for ordinal in _days(found):
        assert full_years(date.fromordinal(ordinal), today) == years


@given(text=st.text())
def test_never_raises(text: str) -> None:
    assert isinstance(parse_birth(text, TODAY), DateRange | DateProblem)
    assert isinstance(parse_founding(text, TODAY), DateRange | DateProblem)


date_like = st.builds(
    lambda d, m, y, sep, form: form.format(d=d, m=m, y=y, s=sep),
    st.integers(0, 40),
    st.integers(0, 14),
    st.integers(0, 3000),
    st.sampled_from(["/", "-", "."]),
    st.sampled_from(
        ["{d}{s}{m}{s}{y}", "{y}{s}{m}{s}{d}", "{m}{s}{y}", "{y}", "{d} tuổi", "tháng {m} năm {y}"]
    ),
)


@given(text=st.one_of(st.text(), date_like), today=todays)
def test_ranges_stay_in_the_plausible_past(text: str, today: date) -> None:
    for found in (parse_birth(text, today), parse_founding(text, today)):
        if isinstance(found, DateRange):
            assert found.first <= found.last <= today
            assert full_years(found.first, today) <= 120
        else:
            assert isinstance(found, DateProblem)
