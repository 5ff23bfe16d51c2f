"""When a training sign-up's reminders are due (bot.training_reminders), in Vietnam time:
09:00 the day before; two hours before, moved out of quiet hours (21:00–07:00) to 07:00 or
to 20:30 the evening before; never for someone who took their seat after the moment; never
once the session has started."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.clock import VIETNAM
from bot.training_reminders import due, soon_moment


def vn(day: date, hour: int, minute: int = 0) -> datetime:
    """``hour``:``minute`` in Vietnam on ``day``, as UTC."""
    return datetime.combine(day, time(hour, minute), VIETNAM).astimezone(UTC)


D = date(2026, 12, 10)
EVE = D - timedelta(days=1)


def signup(starts_at: datetime, since: datetime | None = None, **marks: datetime) -> dict:
    return {
        "starts_at": starts_at,
        "seat_since": since or vn(D - timedelta(days=5), 10),
        "reminded_day_at": marks.get("day"),
        "reminded_soon_at": marks.get("soon"),
    }


@pytest.mark.parametrize(
    ("starts", "expected"),
    [
        (vn(D, 14), vn(D, 12)),  # two hours before
        (vn(D, 9), vn(D, 7)),  # 07:00 is outside quiet hours
        (vn(D, 8), vn(D, 7)),  # 06:00 is quiet: at 07:00, an hour before
        (vn(D, 8, 30), vn(D, 7)),
        (vn(D, 23, 30), vn(D, 20, 30)),  # 21:30 is quiet: the same evening, 20:30
        (vn(D, 6, 30), vn(EVE, 20, 30)),  # 04:30 is quiet and 07:00 is too late: the eve
        (vn(D, 22, 59), vn(D, 20, 59)),
    ],
)
def test_two_hours_before_moves_out_of_quiet_hours(starts: datetime, expected: datetime) -> None:
    assert soon_moment(starts) == expected


def test_the_day_before_at_nine_then_two_hours_before() -> None:
    s = signup(vn(D, 14))
    assert due(s, vn(EVE, 8, 59)) is None
    assert due(s, vn(EVE, 9)) == "day"
    assert due(s, vn(EVE, 20, 55)) == "day"  # still that day, before quiet hours
    assert due(s, vn(EVE, 21, 0)) is None  # quiet hours: and by morning it is not useful
    assert due(s, vn(D, 8)) is None  # the day-before one has passed; the soon one not yet
    assert due(s, vn(D, 11, 59)) is None
    assert due(s, vn(D, 12)) == "soon"
    assert due(s, vn(D, 13, 59)) == "soon"
    assert due(s, vn(D, 14)) is None  # started: not useful any more


def test_a_reminder_already_marked_is_not_due_again() -> None:
    s = signup(vn(D, 14), day=vn(EVE, 9), soon=vn(D, 12))
    assert due(s, vn(EVE, 10)) is None and due(s, vn(D, 12, 5)) is None


def test_an_eight_oclock_session_is_reminded_at_seven() -> None:
    s = signup(vn(D, 8), day=vn(EVE, 9))
    assert due(s, vn(D, 6)) is None  # quiet hours
    assert due(s, vn(D, 6, 59)) is None
    assert due(s, vn(D, 7)) == "soon"


def test_nothing_goes_in_quiet_hours() -> None:
    s = signup(vn(D, 23, 30), day=vn(EVE, 9))
    assert due(s, vn(D, 20, 30)) == "soon"
    assert due(s, vn(D, 21, 30)) is None  # missed (the server was down): not in the night


def test_someone_who_took_the_seat_after_the_moment_just_read_the_date() -> None:
    late = signup(vn(D, 14), since=vn(EVE, 15))
    assert due(late, vn(EVE, 15, 5)) is None  # signed up after 09:00 the day before
    assert due(late, vn(D, 12)) == "soon"
    last_minute = signup(vn(D, 14), since=vn(D, 12, 30))
    assert due(last_minute, vn(D, 12, 35)) is None


def test_a_session_after_midnight_gets_both_the_same_evening() -> None:
    s = signup(vn(D, 0, 30))  # 00:30 on the 10th: the eve is the 9th
    assert due(s, vn(EVE, 9)) == "day"
    assert due(signup(vn(D, 0, 30), day=vn(EVE, 9)), vn(EVE, 20, 30)) == "soon"
    assert due(s, vn(EVE, 20, 30)) == "soon"  # the soon one wins once its moment came
