"""Quarters of the year as the ward's reports name them: ``2026Q4`` on the command line and
in the ``report`` table, "Quý IV năm 2026" on paper; their first, last and reporting days.

The plan's reporting days fall in a quarter's last month (``content/plan.yaml`` reporting:
the teams before the 10th, the ward before the 15th, hiendien reminds leaders on the 5th):
:meth:`Quarter.day_of_last_month` gives them. Pure: imports only the standard library.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

ROMAN = ("I", "II", "III", "IV")
FINAL = "final"  # the programme's closing summary (báo cáo tổng kết) in the ``report`` table
_PERIOD = re.compile(r"^\s*(\d{4})\s*[-/ ]?\s*[Qq]\s*([1-4])\s*$")
_PERIOD_BACK = re.compile(r"^\s*[Qq]\s*([1-4])\s*[-/ ]?\s*(\d{4})\s*$")


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int  # 1..4

    @classmethod
    def parse(cls, text: str) -> Quarter | None:
        """``2026Q4`` (also ``2026-Q4``, ``q4/2026``, any case); None for anything else."""
        m = _PERIOD.match(text or "")
        if m:
            year, number = int(m.group(1)), int(m.group(2))
        else:
            m = _PERIOD_BACK.match(text or "")
            if not m:
                return None
            year, number = int(m.group(2)), int(m.group(1))
        return cls(year, number) if 2000 <= year <= 2100 else None

    @classmethod
    def of(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    def __str__(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def roman(self) -> str:
        return ROMAN[self.number - 1]

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def last_month(self) -> int:
        return 3 * self.number

    @property
    def last_day(self) -> date:
        return self.next().first_day - timedelta(days=1)

    def day_of_last_month(self, day: int) -> date:
        """The ``day``-th of the quarter's last month (the plan's reporting days)."""
        return date(self.year, self.last_month, day)

    def next(self) -> Quarter:
        return (
            Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)
        )

    def previous(self) -> Quarter:
        return (
            Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)
        )

    def contains(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day
