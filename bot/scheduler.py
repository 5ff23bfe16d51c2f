"""The scheduler (APScheduler 3, Asia/Ho_Chi_Minh, jobs kept in the same database): runs
campaigns when they are due, resumes those a stop or quiet hours interrupted; and the plan's
dated duties (:class:`PlanDuties`: reminding team leaders, drafting the quarter's reports).

The campaign table is the truth; jobs are derived from it every minute, so a campaign
created by ``hiendien broadcast create`` in another process is picked up. Jobs store only
the campaign id. A run missed while the server was down runs once when it comes back, if
still within its day (``misfire_grace_time`` to midnight, ``coalesce``). Exactly one
scheduler runs: on PostgreSQL an advisory lock elects it (bot.leader); on SQLite one process
is the documented limit. The leader checks its lock every ``check_seconds`` (the setting
HIENDIEN_LEADER_CHECK_SECONDS) and steps down when it is lost (its scheduler stopped, its
lock let go); each delivery and reminder is sent only after the transaction claiming it
found the lock still held, so a deposed leader stops sending at once, even mid-campaign.
The others stand for election at the same interval; one that just stepped down sits out
:data:`STAND_DOWN_CHECKS` of them, so a process that was waiting takes over; a new leader
starts sending :data:`TAKEOVER_PAUSE` after its election, so the old leader's last second
and its first never add up to more than the channel's rate.

The plan's duties run at start (after quiet hours) and every day at 08:00 Vietnam time; the
``scheduled_duty`` table makes each happen once (bot.reports.duties), whichever process
checks, so they need no election and run whether or not a chat channel is configured.

The training reminders (:class:`TrainingReminders`: the day before at 09:00, two hours
before) are checked at start and every few minutes; each check queues what is due now
(bot.training_reminders), so one after a restart catches up, and a mark on the sign-up makes
each reminder queued once, whichever process checks.

May import: bot.campaigns, bot.clock, bot.leader, bot.reports.duties,
bot.training_reminders, db, handlers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Collection
from datetime import UTC, datetime, time, timedelta
from typing import Any

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger

from bot.campaigns import CampaignSender, Monthly, current_run, quiet, quiet_ends
from bot.clock import VIETNAM
from bot.leader import Leadership
from bot.reports import duties
from bot.training_reminders import queue_due
from db import campaigns as store_campaigns
from db import subscribers
from db.engine import normalise_url
from db.models import utcnow
from db.store import Store
from handlers.content import Content
from handlers.types import Message

log = logging.getLogger(__name__)
REMINDER_TIME = time(9, 0)  # reminders go out at 09:00 on their day
DUTY_TIME = time(8, 0)  # the plan's duties are checked daily at 08:00 (and at start)
PROGRAM_END_NOTICE_DAYS = 30
LOCK_KEY = 730_150  # pg_advisory_lock key of the one scheduler (with the schema's hash)
CHECK_SECONDS = 5.0  # the leader checks its lock, the others stand for election, this often
STAND_DOWN_CHECKS = 3  # a leader that lost its lock waits this many checks to stand again
TAKEOVER_PAUSE = timedelta(seconds=1)  # a new leader's first sync (and send) waits this long
STEP_DOWN_WAIT = 10.0  # seconds a deposed leader's campaign runs get to finish their sends
SYNC_SECONDS = 60
TRAINING_CHECK_MINUTES = 5  # how often due training reminders are looked for
_ACTIVE: CampaignScheduler | None = None  # the process's scheduler, for the job functions


async def run_campaign(campaign_id: int) -> None:
    """A job: run (or resume) the campaign's current run. Module level, so the job store
    keeps only this reference and the id."""
    if _ACTIVE is not None:
        await _ACTIVE.run(campaign_id)


async def send_reminder(reminder_id: int) -> None:
    """A job: the reminder a resident asked for, on its day."""
    if _ACTIVE is not None:
        await _ACTIVE.remind(reminder_id)


async def sync_jobs() -> None:
    if _ACTIVE is not None:
        await _ACTIVE.sync()


def _to_midnight(at: datetime) -> int:
    local = at.astimezone(VIETNAM)
    end = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), VIETNAM)
    return max(60, int((end - local).total_seconds()))


class CampaignScheduler:
    def __init__(
        self,
        store: Store,
        sender: CampaignSender,
        content: Content,
        clock: Callable[[], datetime] = utcnow,
        check_seconds: float = CHECK_SECONDS,
    ) -> None:
        self.store = store
        self.content = content
        self.sender = sender
        self.clock = clock
        self.check_seconds = check_seconds
        self.leader = Leadership(store, LOCK_KEY)
        sender.fence = self.leader.holds
        self.scheduler = self._new_scheduler()
        self._terms = 0  # how many times this process was elected
        self.leading = False  # elected and running the campaigns
        self._running: dict[int, asyncio.Task[Any]] = {}  # campaign runs under way, by campaign

    def _new_scheduler(self) -> AsyncIOScheduler:
        """A scheduler for one term as leader (one stopped is not started again)."""
        return AsyncIOScheduler(
            jobstores={"default": SQLAlchemyJobStore(url=normalise_url(self.store.url))},
            timezone=VIETNAM,
            job_defaults={"coalesce": True, "max_instances": 1},
        )

    def _campaigns(self) -> list[dict[str, Any]]:
        with self.store.transaction() as tx:
            return store_campaigns.all_campaigns(tx)

    async def sync(self) -> None:
        """Make the jobs match the campaign and reminder tables."""
        await self.store.run(self._sync_reminders)
        await self.store.run(self._program_end_reminder)
        now = self.clock()
        for c in await self.store.run(self._campaigns):
            job_id = f"campaign-{c['id']}"
            if c["status"] in ("done", "cancelled"):
                with contextlib.suppress(Exception):
                    self.scheduler.remove_job(job_id)
                continue
            if c["status"] in ("running", "paused") and c["id"] not in self._running:
                paused_now = c["status"] == "paused" and c["quiet_hours"] and quiet(now)
                at = quiet_ends(now) if paused_now else now
                self._add(f"{job_id}-resume", DateTrigger(at), c["id"], grace=None)
            if self.scheduler.get_job(job_id) is not None or c["id"] in self._running:
                continue
            if c["every"]:
                rule = Monthly.parse(c["every"])
                trigger: Any = CronTrigger(
                    day=",".join(str(d) for d in rule.days),
                    hour=rule.at.hour,
                    minute=rule.at.minute,
                    timezone=VIETNAM,
                )
                grace = _to_midnight(datetime.combine(now.date(), rule.at, VIETNAM))
            else:
                first = c["first_at"] or c["created_at"]
                trigger, grace = DateTrigger(first), _to_midnight(first)
            self._add(job_id, trigger, c["id"], grace)

    def _sync_reminders(self) -> None:
        """A job per pending reminder: 09:00 on its day; one whose whole day passed while
        the server was down goes now (or at 07:00, after quiet hours), saying so."""
        with self.store.transaction() as tx:
            pending = subscribers.pending_reminders(tx)
        now = self.clock()
        for r in pending:
            job_id = f"reminder-{r['id']}"
            if self.scheduler.get_job(job_id) is not None:
                continue
            at = datetime.combine(r["due_on"], REMINDER_TIME, VIETNAM)
            if at + timedelta(seconds=_to_midnight(at)) <= now:
                at = quiet_ends(now) if quiet(now) else now
            self.scheduler.add_job(
                send_reminder,
                DateTrigger(at),
                args=[r["id"]],
                id=job_id,
                replace_existing=True,
                misfire_grace_time=_to_midnight(at),
            )

    def _program_end_reminder(self) -> None:
        """30 days before the programme ends, eligible subscribers not yet registered hear
        it once: a campaign of its own kind, created once."""
        end = self.content.program.rules.end_date
        at = datetime.combine(end - timedelta(days=PROGRAM_END_NOTICE_DAYS), REMINDER_TIME, VIETNAM)
        with self.store.transaction() as tx:
            store_campaigns.ensure_kind(
                tx,
                "program_end",
                text=self.content.render("vi", "reminder.program_end", end=end),
                text_en=self.content.render("en", "reminder.program_end", end=end),
                segment="eligible",
                first_at=at.astimezone(UTC),
                status="scheduled",
                button_title=self.content.render("vi", "buttons.open_site"),
                button_title_en=self.content.render("en", "buttons.open_site"),
                button_url=self.content.program.links["program"],
            )

    async def remind(self, reminder_id: int) -> None:
        def load() -> dict[str, Any] | None:
            with self.store.transaction() as tx:
                return subscribers.get_reminder(tx, reminder_id)

        reminder = await self.store.run(load)
        if reminder is None or reminder["status"] != "pending":
            return  # cancelled by /stop or /xoa meanwhile
        if not await self.store.run(self._leads):
            return  # deposed: the new leader sends it
        send = self.sender.channels.get(reminder["channel"])
        key = "reminder." + reminder["kind"]
        if self.clock().astimezone(VIETNAM).date() > reminder["due_on"]:
            key += "_late"  # its day passed while the server was down
        text = self.content.render(reminder["lang"], key, on=reminder["due_on"])
        status = "failed:no channel" if send is None else "sent"
        if send is not None:
            pace = self.sender.pace.get(reminder["channel"])
            if pace is not None:  # the channel's limit, shared with campaigns and replies
                await pace.acquire()
            status = await send(reminder["user_ref"], reminder["lang"], Message(text))

        def settle() -> None:
            with self.store.transaction() as tx:
                subscribers.reminder_done(tx, reminder_id, status.split(":")[0])

        await self.store.run(settle)

    def _add(self, job_id: str, trigger: Any, campaign_id: int, grace: int | None) -> None:
        self.scheduler.add_job(
            run_campaign,
            trigger,
            args=[campaign_id],
            id=job_id,
            replace_existing=True,
            misfire_grace_time=grace,
        )

    async def run(self, campaign_id: int) -> None:
        task = asyncio.current_task()
        if campaign_id in self._running or task is None:
            return
        self._running[campaign_id] = task
        try:
            campaign = await self.store.run(self._get, campaign_id)
            if campaign is None:
                return
            run_at = current_run(campaign, self.clock())
            if run_at is None:
                return
            outcome = await self.sender.run(campaign_id, run_at)
            log.info("campaign %s run %s: %s", campaign_id, run_at.isoformat(), outcome)
            if outcome == "paused":
                resume = quiet_ends(self.clock())
                self._add(f"campaign-{campaign_id}-resume", DateTrigger(resume), campaign_id, None)
        finally:
            del self._running[campaign_id]

    def _get(self, campaign_id: int) -> dict[str, Any] | None:
        with self.store.transaction() as tx:
            return store_campaigns.get(tx, campaign_id)

    def _leads(self) -> bool:
        with self.store.transaction() as tx:
            return self.leader.holds(tx)

    async def start(self) -> bool:
        """Stand for election; elected, run the campaigns (False: another process does)."""
        global _ACTIVE
        if not await self.store.run(self.leader.elect):
            return False
        _ACTIVE = self
        first = datetime.now(UTC) + (TAKEOVER_PAUSE if self.store.postgres else timedelta(0))
        if self._terms:  # a scheduler stopped after an earlier term
            self.scheduler = self._new_scheduler()
        self._terms += 1
        self.leading = True
        self.scheduler.start()
        self.scheduler.add_job(
            sync_jobs,
            "interval",
            seconds=SYNC_SECONDS,
            id="sync",
            replace_existing=True,
            next_run_time=first,
        )
        log.info("scheduler: this process runs the campaigns")
        return True

    async def step_down(self) -> None:
        """The lock was lost: let go of what is left of it; the campaign runs under way
        stop at their next delivery (the fence refuses it), each recording the one it has
        just sent; then the scheduler stops."""
        await self.store.run(self.leader.release)
        runs = [task for task in self._running.values() if not task.done()]
        if runs:
            await asyncio.wait(runs, timeout=STEP_DOWN_WAIT)
        self._halt()

    def _halt(self) -> None:
        global _ACTIVE
        self.leading = False
        if self.scheduler.running:  # cancels the jobs under way
            self.scheduler.shutdown(wait=False)
        if _ACTIVE is self:
            _ACTIVE = None

    async def stop(self) -> None:
        self._halt()
        await self.store.run(self.leader.release)

    def lifecycle(self) -> Callable[[Any], AsyncIterator[None]]:
        async def ctx(_app: Any) -> AsyncIterator[None]:
            task = asyncio.create_task(self._elect())
            yield
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await self.stop()

        return ctx

    async def _elect(self) -> None:
        """Stand for election until elected; then check the lock, step down when it is lost
        and stand again — for as long as the service runs."""
        while True:
            wait = self.check_seconds
            try:
                if not self.leading:
                    await self.start()
                elif not self.store.postgres:
                    return  # one process on SQLite: it leads until it stops
                elif not await self.store.run(self.leader.check):
                    log.warning("scheduler: lock lost; this process no longer runs the campaigns")
                    await self.step_down()
                    wait = self.check_seconds * STAND_DOWN_CHECKS  # the waiting one takes over
            except Exception:  # the database unreachable: tried again at the next check
                log.exception("scheduler: election failed")
            await asyncio.sleep(wait)


class _Checks:
    """A check the service runs on its own schedule (start, stop, and as an aiohttp cleanup
    context), waking the outbox dispatcher when the check queued something. A subclass
    gives :meth:`check`, :meth:`start` (its jobs) and ``what`` (for the log)."""

    what = "check"

    def __init__(self) -> None:
        self.scheduler = AsyncIOScheduler(
            timezone=VIETNAM, job_defaults={"coalesce": True, "max_instances": 1}
        )
        self.on_done: list[Callable[[], None]] = []  # who to wake (the outbox dispatcher)

    async def check(self) -> Any:
        raise NotImplementedError

    def _woken(self, done: Any) -> Any:
        if done:
            for wake in self.on_done:
                wake()
        return done

    async def _check_logged(self) -> None:
        try:
            await self.check()
        except Exception:  # nothing was marked done: tried again at the next check
            log.exception("%s: check failed", self.what)

    def start(self) -> None:
        raise NotImplementedError

    async def stop(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    def lifecycle(self) -> Callable[[Any], AsyncIterator[None]]:
        async def ctx(_app: Any) -> AsyncIterator[None]:
            self.start()
            yield
            await self.stop()

        return ctx


class PlanDuties(_Checks):
    """The plan's dated duties (bot.reports.duties), checked at start and daily at 08:00 in
    Vietnam time; a check during quiet hours waits for them to end (a leader's reminder is
    a chat message)."""

    what = "plan duties"

    def __init__(
        self,
        store: Store,
        content: Content,
        reporting: Any,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        super().__init__()
        self.store = store
        self.content = content
        self.reporting = reporting
        self.clock = clock

    def _run(self) -> list[str]:
        now = self.clock()
        today = now.astimezone(VIETNAM).date()
        return duties.run_due(self.store, self.content, self.reporting, today, now)

    async def check(self) -> list[str]:
        """Do the duties due now; their keys."""
        done: list[str] = self._woken(await self.store.run(self._run))
        return done

    def start(self) -> None:
        now = self.clock()
        wait = quiet_ends(now) - now if quiet(now) else timedelta(0)  # in the clock's terms
        first = datetime.now(UTC) + wait
        self.scheduler.start()
        self.scheduler.add_job(
            self._check_logged,
            CronTrigger(hour=DUTY_TIME.hour, minute=DUTY_TIME.minute, timezone=VIETNAM),
            id="plan-duties",
            replace_existing=True,
            misfire_grace_time=3600,
        )
        self.scheduler.add_job(
            self._check_logged, DateTrigger(first), id="plan-duties-start", replace_existing=True
        )


class TrainingReminders(_Checks):
    """The training sessions' reminders, checked at start and every
    :data:`TRAINING_CHECK_MINUTES` minutes: each check queues, through the outbox, the
    reminders due at that moment to people on ``channels`` (the running channels that may
    write first) and wakes the dispatcher."""

    what = "training reminders"

    def __init__(
        self,
        store: Store,
        channels: Collection[str],
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        super().__init__()
        self.store = store
        self.channels = frozenset(channels)
        self.clock = clock

    async def check(self) -> int:
        """Queue the reminders due now; how many."""
        queued: int = self._woken(
            await self.store.run(queue_due, self.store, self.clock(), self.channels)
        )
        return queued

    def start(self) -> None:
        self.scheduler.start()
        self.scheduler.add_job(
            self._check_logged,
            "interval",
            minutes=TRAINING_CHECK_MINUTES,
            id="training-reminders",
            replace_existing=True,
            next_run_time=datetime.now(UTC),
        )
