"""The plan's dated duties (``content/plan.yaml`` reporting), done once each quarter in
Vietnam time by the scheduler (bot.scheduler.PlanDuties): on ``remind_leaders_day`` of the
quarter's last month team leaders are reminded to write their part (their linked chats,
through the outbox, and a banner in the office); on ``team_before_day`` the team reports
not yet sent are drafted (the numbers are computed when a document is made) and admins see
which teams have not sent theirs; the day after, the ward's draft is ready.

Each duty is a ``scheduled_duty`` row ("remind_leaders:2026Q4", its day). At start and each
day every duty due and not done is claimed (db.plan.claim_duty) and done in one transaction:
a day missed while the server was down is done once when it comes back, and two processes
checking at once do it once. A duty of an earlier quarter found undone is closed without
its work (a reminder for a quarter gone would only confuse). The office's banners are read
from the same rows (:func:`banners`).

May import: db, handlers.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from db import outbox
from db import plan as records
from db import team as teams
from db.store import Store, Tx
from handlers.content import Content
from handlers.quarters import Quarter

log = logging.getLogger(__name__)
KINDS = ("remind_leaders", "draft_team_reports", "ward_draft")
NOTICE = "staff_notice"  # an outbox row whose payload carries the text for a staff member


def period_words(quarter: Quarter) -> str:
    """ "Quý IV/2026", as the office and the chat say a quarter."""
    return f"Quý {quarter.roman}/{quarter.year}"


def duty_days(quarter: Quarter, reporting: Any) -> dict[str, date]:
    """The quarter's duties and their days."""
    team_day = int(reporting.team_before_day)
    return {
        f"remind_leaders:{quarter}": quarter.day_of_last_month(int(reporting.remind_leaders_day)),
        f"draft_team_reports:{quarter}": quarter.day_of_last_month(team_day),
        f"ward_draft:{quarter}": quarter.day_of_last_month(team_day + 1),
    }


def team_deadline(quarter: Quarter, reporting: Any) -> date:
    """The last day a team's report is on time: the day before ``team_before_day``."""
    return quarter.day_of_last_month(int(reporting.team_before_day) - 1)


def _remind_leaders(tx: Tx, content: Content, reporting: Any, quarter: Quarter, key: str) -> int:
    deadline = team_deadline(quarter, reporting)
    sent = 0
    for chat in records.leader_chats(tx):
        found = records.report(tx, str(quarter), records.team_scope(chat["team_id"]))
        if found is not None and found["submitted_at"] is not None:
            continue  # already sent: nothing to remind
        text = content.render(
            chat["lang"] or "vi",
            "plan_duty.remind_leaders",
            period=period_words(quarter),
            deadline=deadline,
        )
        outbox.enqueue(
            tx,
            NOTICE,
            chat["channel"],
            chat["account"],
            {"text": text, "member_id": chat["id"]},
            f"plan:{key}:member:{chat['id']}",
        )
        sent += 1
    return sent


def _draft_team_reports(tx: Tx, quarter: Quarter, now: datetime) -> int:
    drafted = 0
    for team in teams.teams(tx, include_archived=False):
        scope = records.team_scope(team["id"])
        drafted += records.draft(tx, str(quarter), scope, team["id"], now)
    return drafted


def do_duty(tx: Tx, content: Content, reporting: Any, key: str, today: date, now: datetime) -> str:
    """Do one claimed duty; what was done, for the log."""
    kind, _, period = key.partition(":")
    quarter = Quarter.parse(period)
    if quarter is None or kind not in KINDS:
        return "unknown duty: closed"
    if quarter != Quarter.of(today):
        return "a quarter gone by: closed without its work"
    if kind == "remind_leaders":
        return f"{_remind_leaders(tx, content, reporting, quarter, key)} leaders' chats reminded"
    if kind == "draft_team_reports":
        return f"{_draft_team_reports(tx, quarter, now)} team reports drafted"
    records.draft(tx, str(quarter), records.WARD, None, now)
    return "the ward's draft is ready"


def run_due(
    store: Store, content: Content, reporting: Any, today: date, now: datetime
) -> list[str]:
    """Do every duty due by ``today`` that nobody has done (this quarter's are made first);
    the keys this call did."""
    with store.transaction() as tx:
        for key, day in duty_days(Quarter.of(today), reporting).items():
            records.ensure_duty(tx, key, day)
        due = [d["key"] for d in records.due_duties(tx, today)]
    done = []
    for key in due:
        with store.transaction() as tx:
            if not records.claim_duty(tx, key, now):
                continue  # another process did it meanwhile
            what = do_duty(tx, content, reporting, key, today, now)
        log.info("plan duty %s: %s", key, what)
        done.append(key)
    return done


# --- what the office shows -----------------------------------------------------------------------


@dataclass(frozen=True)
class Banner:
    key: str  # words: office_reports.banner.<key>
    params: dict[str, Any]


def banners(tx: Tx, role: str, team_id: int | None, today: date, reporting: Any) -> list[Banner]:
    """The plan's notices for a staff member, from the duties done this quarter: a leader
    whose team has not sent its report after the reminder; admins: the teams that have not
    sent theirs after the drafting day, and the ward's draft once it is ready."""
    quarter = Quarter.of(today)
    period = str(quarter)
    done = {
        kind
        for kind in KINDS
        if (row := records.duty(tx, f"{kind}:{period}")) is not None and row["done_at"]
    }
    found: list[Banner] = []
    words = {"period": period_words(quarter), "quarter": period}
    if role == "leader" and team_id is not None and "remind_leaders" in done:
        mine = records.report(tx, period, records.team_scope(team_id))
        if mine is None or mine["submitted_at"] is None:
            late = "draft_team_reports" in done
            found.append(
                Banner(
                    "leader_late" if late else "leader_remind",
                    {**words, "deadline": team_deadline(quarter, reporting)},
                )
            )
    if role == "admin":
        if "draft_team_reports" in done:
            sent = {
                r["team_id"]
                for r in records.reports(tx, period)
                if r["team_id"] is not None and r["submitted_at"] is not None
            }
            missing = [
                t["name"] for t in teams.teams(tx, include_archived=False) if t["id"] not in sent
            ]
            if missing:
                found.append(Banner("teams_missing", {**words, "teams": ", ".join(missing)}))
        ward = records.report(tx, period, records.WARD)
        if "ward_draft" in done and (ward is None or ward["submitted_at"] is None):
            found.append(Banner("ward_ready", words))
    return found
