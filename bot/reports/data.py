"""What a quarterly (or final) report says, as plain data: the numbers of its sentences, the
appendix's tasks with their results, the words teams and the ward wrote, the funnels by
team and by source. The .docx (bot.reports.document) and the .xlsx (bot.reports.workbook)
are both made from one :class:`ReportData`; :func:`bot.reports.gather.gather` fills it from
the database (db.progress, db.plan).

The numbers are db.progress's own (:class:`~db.progress.Ratio` against the plan's target,
:class:`~db.progress.Named` funnels), so the report says exactly what the progress page says.

May import: db.progress, handlers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from db.progress import Named, Ratio
from handlers.quarters import Quarter

LEVELS = ("team", "ward", "final")


@dataclass(frozen=True)
class Figures:
    """The numbers the report's sentences say, as of ``on``."""

    on: date
    leads: int
    contacted: int
    registered: int
    id_vn: Ratio
    biz_vn: Ratio
    businesses_reached: Ratio
    schools_reached: Ratio
    news_month: str  # "YYYY-MM"
    news_sent: int
    news_target: int
    training_held: int  # training sessions held by ``on`` (db.training, + evidence by hand)
    training_attended: int = 0  # the people who came to them (checked in)
    quarter_training_held: int = 0  # of those, held in the report's quarter
    quarter_training_attended: int = 0


@dataclass(frozen=True)
class TaskRow:
    """One task of the plan's appendix with its result ("Kết quả thực hiện")."""

    code: str  # "I.1" … "IV.2"
    section: str  # "I" … "IV"
    number: str  # the STT printed: "1", or "" (a task without a number in the appendix)
    task: str
    target: str
    lead_unit: str
    partners: tuple[str, ...]
    when: str
    deadline: date | None
    measured: str  # the result from hiendien's data, in words ("" when it measures nothing)
    evidence: tuple[str, ...]  # results recorded by hand, in words
    done: bool  # there is a result
    overdue: bool  # the deadline passed without a result
    measure: str | None = None

    @property
    def result(self) -> str:
        return "\n".join(x for x in (self.measured, *self.evidence) if x)


@dataclass(frozen=True)
class Section:
    code: str
    title: str


@dataclass(frozen=True)
class TeamText:
    """What a team (or the ward, ``team`` None) wrote for the period."""

    team: str | None
    difficulties: str
    proposals: str
    submitted_at: datetime | None = None


@dataclass(frozen=True)
class ReportData:
    level: str  # team | ward | final
    quarter: Quarter | None  # None for the final summary
    issued_on: date  # the date line
    programme: str  # the plan's title
    team: str | None  # the team's name, for a team report
    figures: Figures
    sections: tuple[Section, ...]
    tasks: tuple[TaskRow, ...]
    texts: tuple[TeamText, ...] = ()  # the ward's own first (team None), then each team's
    by_team: tuple[Named, ...] = ()  # db.progress's funnels by team
    by_source: tuple[Named, ...] = ()  # and by source (name None: no source code)
    submitted: tuple[str, ...] = ()  # teams that submitted (ward report)
    missing: tuple[str, ...] = ()  # teams that did not (ward report)
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def period(self) -> str:
        return str(self.quarter) if self.quarter else "final"
