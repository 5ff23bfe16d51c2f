"""Campaigns: schedules in Vietnam's time, the audience, quiet hours, opt-outs at send time,
Telegram's flood control, resuming a run, and one scheduler per database — sent through
the real Telegram channel to the Bot API stand-in."""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from bot.app import CHANNELS_KEY, SCHEDULER_KEY, build_app
from bot.campaigns import (
    Monthly,
    ScheduleError,
    current_run,
    in_flight,
    parse_at,
    quiet,
    quiet_ends,
)
from bot.channels.telegram.settings import TelegramSettings
from bot.clock import VIETNAM
from bot.pacing import pacer
from bot.settings import Settings
from bot.turns import Conversations
from db import campaigns, followup
from db.models import Delivery, Subscriber
from db.store import Store
from handlers.content import Content
from handlers.types import Inbound
from tests.support import TODAY
from tests.support.conversations import subscribe
from tests.support.records import rows
from tests.support.serving import serve
from tests.support.telegram_standin import BotApiStandIn

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def vn(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=VIETNAM).astimezone(UTC)


def test_schedules_are_read_in_vietnam_time() -> None:
    assert parse_at("2026-12-01 09:00") == datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    rule = Monthly.parse("15, 1 09:00")
    assert rule.days == (1, 15)
    assert rule.last_run(vn("2026-12-14 10:00")) == vn("2026-12-01 09:00")
    assert rule.last_run(vn("2026-12-15 09:00")) == vn("2026-12-15 09:00")
    assert rule.last_run(vn("2026-12-01 08:59")) == vn("2026-11-15 09:00")
    for bad in ("1,15", "31 09:00", "1 25:00", "mỗi tháng"):
        with pytest.raises(ScheduleError):
            Monthly.parse(bad)
    with pytest.raises(ScheduleError):
        parse_at("01/12/2026 9h")


def test_quiet_hours_are_21_to_7_in_vietnam() -> None:
    assert quiet(vn("2026-12-01 21:00")) and quiet(vn("2026-12-02 06:59"))
    assert not quiet(vn("2026-12-01 20:59")) and not quiet(vn("2026-12-02 07:00"))
    assert quiet_ends(vn("2026-12-01 22:30")) == vn("2026-12-02 07:00")
    assert quiet_ends(vn("2026-12-02 03:00")) == vn("2026-12-02 07:00")
    assert quiet_ends(vn("2026-12-01 21:00")) == vn("2026-12-02 07:00")  # the first quiet minute


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@asynccontextmanager
async def telegram_app(
    api: BotApiStandIn, store: Store, content: Content, clock: Clock
) -> AsyncIterator[Any]:
    config = Settings().given(TelegramSettings(bot_token=api.token, base_url=api.base_url))
    app = build_app(
        store,
        content,
        lambda: TODAY,
        settings=config,
        options={"telegram": {"private_per_second": 1000}},
        clock=clock,
    )
    # The stand-in is next door: a request it holds counts as unanswered after 0.5 s.
    app[CHANNELS_KEY]["telegram"].broadcaster.timeout = aiohttp.ClientTimeout(sock_read=0.5)
    async with serve(app):
        scheduler = app[SCHEDULER_KEY]
        for _ in range(500):  # elected and started (its jobs are then kept in the database)
            if scheduler.scheduler.running:
                break
            await asyncio.sleep(0.01)
        assert scheduler.scheduler.running
        yield scheduler


def figures_of(store: Store, campaign_id: int) -> dict[str, Any]:
    with store.transaction() as tx:
        return campaigns.figures(tx, campaign_id)


@pytest.fixture
async def api() -> AsyncIterator[BotApiStandIn]:
    async with BotApiStandIn(token="321:CAMPAIGN") as stand_in:
        yield stand_in


@pytest.fixture
async def audience(sqlite_store: Store, content: Content) -> dict[str, list[str]]:
    conv = Conversations(sqlite_store, content, lambda: TODAY)
    youth = [str(100 + i) for i in range(5)]
    shops = [str(200 + i) for i in range(2)]
    for user in youth:
        await subscribe(conv, user, "ca nhan", "20", "co", "bo qua", "khong")
    for user in shops:
        await subscribe(conv, user, "ho kinh doanh", "co", "bo qua", "khong")
    assert len(rows(sqlite_store, Subscriber)) == 7
    return {"youth": youth, "shops": shops}


def new_campaign(store: Store, **fields: Any) -> int:
    with store.transaction() as tx:
        return campaigns.create(
            tx,
            text=fields.pop("text", "Buổi hướng dẫn đăng ký tên miền vào sáng Chủ nhật."),
            button_title="Đăng ký ngay",
            button_url="https://hiendienonline.tenmien.vn",
            status="scheduled",
            **fields,
        )


async def test_a_segment_gets_the_message_once_with_its_button(
    api: BotApiStandIn, sqlite_store: Store, content: Content, audience: dict[str, list[str]]
) -> None:
    before = len(api.sent())
    clock = Clock(vn("2026-12-01 09:00"))
    campaign_id = new_campaign(sqlite_store, segment="youth")
    async with telegram_app(api, sqlite_store, content, clock) as scheduler:
        await scheduler.run(campaign_id)
        await scheduler.run(campaign_id)  # run again: nobody hears it twice
    sent = api.sent()[before:]
    assert sorted(str(m["chat_id"]) for m in sent) == sorted(audience["youth"])
    assert all(
        m["reply_markup"]["inline_keyboard"][0][0]["url"] == "https://hiendienonline.tenmien.vn"
        for m in sent
    )
    with sqlite_store.transaction() as tx:
        figures = campaigns.figures(tx, campaign_id)
        assert campaigns.get(tx, campaign_id)["status"] == "done"
    assert figures["recipients"] == 5 and figures["sent"] == 5


async def test_quiet_hours_pause_and_resume_at_seven(
    api: BotApiStandIn, sqlite_store: Store, content: Content, audience: dict[str, list[str]]
) -> None:
    before = len(api.sent())
    clock = Clock(vn("2026-12-01 21:30"))
    campaign_id = new_campaign(sqlite_store, segment="household")
    async with telegram_app(api, sqlite_store, content, clock) as scheduler:
        await scheduler.run(campaign_id)
        assert len(api.sent()) == before
        job = scheduler.scheduler.get_job(f"campaign-{campaign_id}-resume")
        assert job is not None and job.next_run_time == vn("2026-12-02 07:00")
        clock.at = vn("2026-12-02 07:00")
        await scheduler.run(campaign_id)
    assert sorted(str(m["chat_id"]) for m in api.sent()[before:]) == sorted(audience["shops"])


async def test_an_opt_out_after_scheduling_is_respected_at_send_time(
    api: BotApiStandIn, sqlite_store: Store, content: Content, audience: dict[str, list[str]]
) -> None:
    before = len(api.sent())
    clock = Clock(vn("2026-12-01 10:00"))
    campaign_id = new_campaign(sqlite_store, segment="youth")
    with sqlite_store.transaction() as tx:  # the run began: deliveries exist
        campaign = campaigns.get(tx, campaign_id)
        assert campaigns.materialise(tx, campaign, clock.at) == 5
    conv = Conversations(sqlite_store, content, lambda: TODAY)
    leaver = audience["youth"][0]
    await conv.handle(Inbound("telegram", leaver, text="ngừng nhận tin"))
    async with telegram_app(api, sqlite_store, content, clock) as scheduler:
        await scheduler.sender.run(campaign_id, clock.at)
    chats = {str(m["chat_id"]) for m in api.sent()[before:]}
    assert leaver not in chats and len(chats) == 4
    assert figures_of(sqlite_store, campaign_id)["unsubscribed"] == 1


async def test_flood_control_mid_campaign_delivers_everyone_once(
    api: BotApiStandIn, sqlite_store: Store, content: Content, audience: dict[str, list[str]]
) -> None:
    before = len(api.sent())
    clock = Clock(vn("2026-12-01 10:00"))
    campaign_id = new_campaign(sqlite_store, segment="all")
    api.fail_next("sendMessage", 429, retry_after=1)
    async with telegram_app(api, sqlite_store, content, clock) as scheduler:
        await scheduler.run(campaign_id)
    chats = [str(m["chat_id"]) for m in api.sent()[before:]]
    assert sorted(chats) == sorted(audience["youth"] + audience["shops"])  # each exactly once


async def test_opt_outs_within_48_hours_of_a_message_are_counted(
    api: BotApiStandIn, sqlite_store: Store, content: Content, audience: dict[str, list[str]]
) -> None:
    from datetime import timedelta

    clock = Clock(vn("2026-12-01 10:00"))
    campaign_id = new_campaign(sqlite_store, segment="youth")
    async with telegram_app(api, sqlite_store, content, clock) as scheduler:
        await scheduler.run(campaign_id)
    soon, later = audience["youth"][:2]
    conv = Conversations(sqlite_store, content, lambda: TODAY)
    await conv.handle(Inbound("telegram", soon, text="huy dang ky"))  # right after the message
    subscriber = Subscriber.__table__
    with sqlite_store.transaction() as tx:
        sent_at = tx.conn.execute(select(Delivery.__table__.c.sent_at)).scalars().first()
        tx.conn.execute(
            subscriber.update()
            .where(subscriber.c.user_ref == later)
            .values(unsubscribed_at=sent_at + timedelta(hours=49))
        )
        figures = campaigns.figures(tx, campaign_id)
    assert figures["sent"] == 5 and figures["opt_outs_48h"] == 1


async def test_each_telegram_answer_becomes_the_delivery_status(
    api: BotApiStandIn, sqlite_store: Store, content: Content, audience: dict[str, list[str]]
) -> None:
    """Deliveries go in order 100…104: blocked, chat not found, 502 then sent on the retry,
    no answer (maybe delivered: never sent again), sent."""
    before = len(api.sent())
    clock = Clock(vn("2026-12-01 10:00"))
    campaign_id = new_campaign(sqlite_store, segment="youth")
    api.fail_next("sendMessage", 403)
    api.fail_next("sendMessage", 400, description="Bad Request: chat not found")
    api.fail_next("sendMessage", 502)
    api.hold("sendMessage", 103)
    try:
        async with telegram_app(api, sqlite_store, content, clock) as scheduler:
            await scheduler.run(campaign_id)
    finally:
        api.release()
    calls = [str(c.params["chat_id"]) for c in api.calls_to("sendMessage")]
    tried = calls[-6:]
    assert list(dict.fromkeys(tried)) == ["100", "101", "102", "103", "104"]  # in order
    # 102 once more after its 502 (its retry may come after 104 on a busy machine);
    # 103 (no answer: maybe delivered) never again
    assert sorted(tried) == ["100", "101", "102", "102", "103", "104"]
    assert sorted(str(m["chat_id"]) for m in api.sent()[before:]) == ["102", "104"]
    with sqlite_store.transaction() as tx:
        figures = campaigns.figures(tx, campaign_id)
        left = tx.conn.execute(
            select(Subscriber.__table__.c.user_ref).where(
                Subscriber.__table__.c.unsubscribed_at.isnot(None)
            )
        ).scalars()
        assert list(left) == ["100"]  # who blocked the bot hears nothing more
    assert figures["sent"] == 2 and figures["blocked"] == 1 and figures["unknown"] == 1
    assert figures["failed"] == {"Bad Request: chat not found": 1}


async def test_who_chose_english_gets_the_english_text(
    api: BotApiStandIn, sqlite_store: Store, content: Content, audience: dict[str, list[str]]
) -> None:
    before = len(api.sent())
    reader = audience["youth"][1]
    conv = Conversations(sqlite_store, content, lambda: TODAY)
    await conv.handle(Inbound("telegram", reader, text="/english"))  # after subscribing
    clock = Clock(vn("2026-12-01 10:00"))
    campaign_id = new_campaign(
        sqlite_store,
        segment="youth",
        text_en="Free .vn domain help on Sunday morning.",
        button_title_en="Register now",
    )
    async with telegram_app(api, sqlite_store, content, clock) as scheduler:
        await scheduler.run(campaign_id)
    sent = {str(m["chat_id"]): m for m in api.sent()[before:]}
    assert sent[reader]["text"] == "Free .vn domain help on Sunday morning."
    assert sent[reader]["reply_markup"]["inline_keyboard"][0][0]["text"] == "Register now"
    others = [m for chat, m in sent.items() if chat != reader]
    assert len(others) == 4
    assert all(m["text"].startswith("Buổi hướng dẫn") for m in others)
    assert all(m["reply_markup"]["inline_keyboard"][0][0]["text"] == "Đăng ký ngay" for m in others)


@given(st.integers(min_value=1, max_value=100_000))
def test_a_pacer_never_lets_a_second_go_over_the_limit(per_second: int) -> None:
    """From a standing start, a leaky bucket lets its capacity through at once and then
    one every 1/pace seconds: in any one second, capacity + ceil(pace) - 1 at most."""
    pace = pacer(per_second)
    rate = pace.max_rate / pace.time_period
    assert rate == pytest.approx(0.95 * per_second)
    assert pace.max_rate + math.ceil(rate) - 1 <= per_second


def test_deliveries_in_flight_follow_the_round_trip() -> None:
    assert in_flight(950, 0.0008) == 1  # a server next door: one at a time
    assert in_flight(28.5, 0.15) == 5  # Telegram from Vietnam at 30 a second
    assert in_flight(28.5, 5.0) == 8  # never more than 8
    assert in_flight(0, 0.15) == 1


async def test_a_distant_api_gets_more_deliveries_in_flight(
    api: BotApiStandIn, sqlite_store: Store, content: Content, audience: dict[str, list[str]]
) -> None:
    clock = Clock(vn("2026-12-01 10:00"))
    campaign_id = new_campaign(sqlite_store, segment="all")
    api.slow("sendMessage", 0.2)
    async with telegram_app(api, sqlite_store, content, clock) as scheduler:
        assert scheduler.sender.in_flight == 1
        await scheduler.run(campaign_id)
        assert scheduler.sender.in_flight >= 5  # 28.5 a second × 0.2 s
    assert figures_of(sqlite_store, campaign_id)["sent"] == 7


async def test_a_resumed_run_never_repeats_a_delivery(
    api: BotApiStandIn, sqlite_store: Store, content: Content, audience: dict[str, list[str]]
) -> None:
    """A stopped process left one delivery sent, one in flight, the rest pending."""
    before = len(api.sent())
    clock = Clock(vn("2026-12-01 10:00"))
    campaign_id = new_campaign(sqlite_store, segment="youth")
    with sqlite_store.transaction() as tx:
        campaign = campaigns.get(tx, campaign_id)
        campaigns.materialise(tx, campaign, current_run(campaign, clock.at))
        first, second, *_ = tx.conn.execute(
            select(Delivery.__table__.c.id).order_by(Delivery.__table__.c.id)
        ).scalars()
        campaigns.mark(tx, first, "sent")
        campaigns.mark(tx, second, "sending")
        campaigns.set_status(tx, campaign_id, "running")
    async with telegram_app(api, sqlite_store, content, clock) as scheduler:
        await scheduler.run(campaign_id)
    assert len(api.sent()) - before == 3
    figures = figures_of(sqlite_store, campaign_id)
    assert (figures["sent"], figures["unknown"], figures["pending"]) == (4, 1, 0)


async def test_only_one_scheduler_per_postgresql_database(store: Store, content: Content) -> None:
    from bot.campaigns import CampaignSender
    from bot.scheduler import CampaignScheduler

    if not store.postgres:
        pytest.skip("the election is PostgreSQL's advisory lock; SQLite runs one process")
    first = CampaignScheduler(store, CampaignSender(store, {}), content)
    other_store = Store(store.url)  # another process's connections
    second = CampaignScheduler(other_store, CampaignSender(other_store, {}), content)
    try:
        assert await store.run(first.leader.elect)
        assert not await other_store.run(second.leader.elect)
    finally:
        await first.stop()
        await second.stop()
        other_store.close()


async def test_a_run_missed_while_down_runs_once_when_the_server_is_back(
    api: BotApiStandIn, sqlite_store: Store, content: Content, audience: dict[str, list[str]]
) -> None:
    """The scheduler (real clock) finds a campaign due a few seconds ago: it runs it once."""
    from datetime import timedelta

    from db.models import utcnow

    before = len(api.sent())
    campaign_id = new_campaign(
        sqlite_store,
        segment="household",
        first_at=utcnow() - timedelta(seconds=5),
        quiet_hours=False,
    )
    config = Settings().given(TelegramSettings(bot_token=api.token, base_url=api.base_url))
    app = build_app(
        sqlite_store,
        content,
        lambda: TODAY,
        settings=config,
        options={"telegram": {"private_per_second": 1000}},
    )
    async with serve(app):
        await api.wait_for(lambda: len(api.sent()) - before >= 2, timeout=10)

        def done() -> bool:
            with sqlite_store.transaction() as tx:
                return bool(campaigns.get(tx, campaign_id)["status"] == "done")

        await api.wait_for(done)  # the campaign finished: nothing more will go
        jobs = app[SCHEDULER_KEY].scheduler.get_jobs()
    assert sorted(str(m["chat_id"]) for m in api.sent()[before:]) == sorted(audience["shops"])
    assert "sync" in {j.id for j in jobs}


async def test_the_18th_birthday_reminder_is_scheduled_sent_once_and_stoppable(
    api: BotApiStandIn, sqlite_store: Store, content: Content
) -> None:
    from datetime import date

    from db.models import Reminder

    conv = Conversations(sqlite_store, content, lambda: TODAY)
    for user in ("901", "902"):
        for text in ("/start", "1", "20/12/2008"):
            await conv.handle(Inbound("telegram", user, text=text))
        reply = await conv.handle(Inbound("telegram", user, payload="remind18"))
        assert "20/12/2026" in reply.messages[0].text
        await conv.handle(Inbound("telegram", user, text="đồng ý"))
    await conv.handle(Inbound("telegram", "902", text="/stop"))  # changed their mind
    reminders = {r["user_ref"]: r for r in rows(sqlite_store, Reminder)}
    assert reminders["901"]["due_on"] == date(2026, 12, 20)
    assert reminders["902"]["status"] == "cancelled"
    before = len(api.sent())
    async with telegram_app(api, sqlite_store, content, Clock(vn("2026-12-20 09:00"))) as sch:
        await sch.sync()
        job = sch.scheduler.get_job(f"reminder-{reminders['901']['id']}")
        assert job is not None and job.next_run_time == vn("2026-12-20 09:00")
        assert sch.scheduler.get_job(f"reminder-{reminders['902']['id']}") is None
        await sch.remind(reminders["901"]["id"])
        await sch.remind(reminders["901"]["id"])  # a second firing sends nothing
        await sch.remind(reminders["902"]["id"])
    sent = api.sent()[before:]
    assert [str(m["chat_id"]) for m in sent] == ["901"]
    assert "sinh nhật 18 tuổi" in sent[0]["text"]
    assert {r["user_ref"]: r["status"] for r in rows(sqlite_store, Reminder)} == {
        "901": "sent",
        "902": "cancelled",
    }


async def test_a_reminder_whose_day_passed_while_down_goes_once_after_the_restart(
    api: BotApiStandIn, sqlite_store: Store, content: Content
) -> None:
    """Scheduled by one process, which then stops; the next starts the day after."""
    from db.models import Reminder

    conv = Conversations(sqlite_store, content, lambda: TODAY)
    for text in ("/start", "1", "20/12/2008"):
        await conv.handle(Inbound("telegram", "903", text=text))
    await conv.handle(Inbound("telegram", "903", payload="remind18"))
    await conv.handle(Inbound("telegram", "903", text="đồng ý"))
    [reminder] = rows(sqlite_store, Reminder)
    job_id = f"reminder-{reminder['id']}"
    async with telegram_app(api, sqlite_store, content, Clock(vn("2026-12-10 09:00"))) as sch:
        await sch.sync()
        assert sch.scheduler.get_job(job_id).next_run_time == vn("2026-12-20 09:00")
    before = len(api.sent())
    night = Clock(vn("2026-12-21 23:00"))  # back the night after: not before 07:00
    async with telegram_app(api, sqlite_store, content, night) as sch:
        sch.scheduler.remove_job(job_id)  # what APScheduler does with a run missed for good
        await sch.sync()
        assert sch.scheduler.get_job(job_id).next_run_time == vn("2026-12-22 07:00")
        night.at = vn("2026-12-22 07:00")
        await sch.remind(reminder["id"])
        await sch.remind(reminder["id"])  # fired twice: sent once
    sent = api.sent()[before:]
    assert [str(m["chat_id"]) for m in sent] == ["903"]
    assert "đã tròn 18 tuổi (ngày 20/12/2026)" in sent[0]["text"]
    assert rows(sqlite_store, Reminder)[0]["status"] == "sent"


async def test_thirty_days_before_the_end_the_eligible_not_yet_registered_hear_it_once(
    api: BotApiStandIn, sqlite_store: Store, content: Content
) -> None:
    from db import team
    from db.models import Campaign, Lead
    from tests.support.conversations import LEAD_DIALOGUE

    conv = Conversations(sqlite_store, content, lambda: TODAY)
    await subscribe(conv, "301", "ca nhan", "20", "co", "bo qua", "khong")  # eligible
    await subscribe(conv, "302", "ca nhan", "30")  # not eligible
    for text in LEAD_DIALOGUE:  # eligible, then registered with the team's help
        await conv.handle(Inbound("telegram", "303", text=text))
    await conv.handle(Inbound("telegram", "303", text="/nhantin"))
    await conv.handle(Inbound("telegram", "303", text="đồng ý"))
    [lead] = rows(sqlite_store, Lead)
    with sqlite_store.transaction() as tx:
        code = team.create_invite(tx, "Tổ 1")
    with sqlite_store.transaction() as tx:
        _, member = team.redeem_invite(tx, code, "telegram", "77", "Chị Hoa")
        assert member is not None
        actor = followup.actor_of_member(tx, member)
        assert followup.claim_lead(tx, lead["id"], actor) == "won"
        done = followup.set_status(tx, lead["id"], actor, "registered", domain="binh.id.vn")
        assert done == "ok"
    before = len(api.sent())
    clock = Clock(vn("2026-12-01 09:00"))  # the programme ends 31/12/2026
    async with telegram_app(api, sqlite_store, content, clock) as scheduler:
        await scheduler.sync()
        await scheduler.sync()  # created once
        [campaign] = [c for c in rows(sqlite_store, Campaign) if c["kind"] == "program_end"]
        assert campaign["first_at"] == vn("2026-12-01 09:00")
        await scheduler.run(campaign["id"])
    sent = [m for m in api.sent()[before:] if "triển khai đến ngày 31/12/2026" in m["text"]]
    assert [str(m["chat_id"]) for m in sent] == ["301"]
