"""Training on the web page's chat API (a real aiohttp server on loopback, a real database):
the sign-up's confirmation gives the code and says plainly that the page cannot remind — it
cannot write first — so the resident should note the date; no reminder is ever queued."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, time
from typing import Any

from bot.app import build_app
from bot.clock import VIETNAM
from bot.scheduler import TrainingReminders
from db import training
from db.models import Outbox, TrainingSignup
from db.store import Store
from handlers.content import Content
from tests.support import TODAY
from tests.support.office import Clock
from tests.support.records import rows

D = date(2026, 12, 10)


async def test_the_web_page_says_it_cannot_remind(
    aiohttp_client: Callable[..., Awaitable[Any]], store: Store, content: Content
) -> None:
    clock = Clock()
    with store.transaction() as tx:
        training.create(
            tx,
            title="Làm website cho hộ kinh doanh",
            starts_at=datetime.combine(D, time(8), VIETNAM).astimezone(UTC),
            place="Hội trường UBND phường Kiến An",
            capacity=10,
            audience="all",
            now=clock(),
            actor="admin@phuong.vn",
        )
    client = await aiohttp_client(build_app(store, content, today=lambda: TODAY, clock=clock))
    said = ""
    for text in ("/start", "lớp tập huấn", "1", "đồng ý", "Lê Văn Nam", "0903 111 222"):
        response = await client.post("/api/chat", json={"user": "browser-7", "text": text})
        assert response.status == 200
        said = "\n".join(m["text"] for m in (await response.json())["messages"])
    [signup] = rows(store, TrainingSignup)
    assert (signup["channel"], signup["status"]) == ("web", "registered")
    assert f"Mã điểm danh của bạn: {signup['code']}" in said
    assert "Trang web này không tự nhắn tin cho bạn trước được" in said
    assert "ghi lại ngày giờ" in said
    clock.now = datetime.combine(date(2026, 12, 9), time(9), VIETNAM)
    assert await TrainingReminders(store, {"telegram", "zalo"}, clock).check() == 0
    assert [r for r in rows(store, Outbox) if r["kind"] == "training_reminder"] == []
