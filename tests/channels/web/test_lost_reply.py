"""A lost reply comes back (issue 14, D12): the web API keeps the reply with the message's
id, so a browser retrying an id whose answer it never received gets that answer again —
"Mình đã ghi lại" included — while the turn is not run twice. Kept a week, forgotten by an
erasure. The real app on loopback, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from db import erasure
from db.models import utcnow
from db.store import Store
from db.tables import event_t, lead_t, seen_t
from tests.support import TODAY

Client = Any  # aiohttp's TestClient


async def post(client: Client, body: dict[str, Any]) -> dict[str, Any]:
    async with client.post("/api/chat", json=body) as resp:
        assert resp.status == 200
        return dict(await resp.json())


async def to_the_last_question(client: Client, user: str) -> None:
    """A resident answers everything but the time to call."""
    for n, (text, payload) in enumerate(
        [
            ("/start", None),
            (None, "callback"),
            ("Đồng ý", None),
            ("Nguyễn Thị Lan", None),
            ("0912 345 678", None),
            (None, "skip"),
        ]
    ):
        body = {"user": user, "id": f"m-{n}", **({"text": text} if text else {"payload": payload})}
        await post(client, body)


def table(store: Store, t: Any) -> list[dict[str, Any]]:
    with store.transaction() as tx:
        return [dict(r) for r in tx.conn.execute(select(t)).mappings()]


async def test_a_retried_id_gets_the_reply_it_lost(client: Client, store: Store) -> None:
    await to_the_last_question(client, "lan")
    last = {"user": "lan", "id": "m-last", "payload": "time:morning"}
    first = await post(client, last)  # … and the connection dropped before it arrived
    assert "Mình đã ghi lại" in first["messages"][0]["text"]
    again = await post(client, last)
    assert again == {**first, "duplicate": True}
    assert "Nguyễn Thị Lan" in again["messages"][0]["text"]
    [lead] = table(store, lead_t)  # recorded once
    assert [e["kind"] for e in table(store, event_t)] == ["created"]
    assert lead["name"] == "Nguyễn Thị Lan"


async def test_a_verdict_comes_back_with_its_eligibility(client: Client, store: Store) -> None:
    await post(client, {"user": "an", "id": "1", "text": "/start"})
    await post(client, {"user": "an", "id": "2", "payload": "kind:person"})
    await post(client, {"user": "an", "id": "3", "text": "15/03/2005"})
    verdict = await post(client, {"user": "an", "id": "4", "payload": "yes"})
    assert verdict["eligibility"]["eligible"] is True
    again = await post(client, {"user": "an", "id": "4", "payload": "yes"})
    assert again == {**verdict, "duplicate": True}


async def test_an_erasure_forgets_the_kept_replies(client: Client, store: Store) -> None:
    await to_the_last_question(client, "lan")
    last = {"user": "lan", "id": "m-last", "payload": "time:morning"}
    await post(client, last)
    await post(client, {"user": "lan", "id": "m-mine", "text": "/dulieu"})
    assert any("Nguyễn Thị Lan" in (r["reply"] or "") for r in table(store, seen_t))
    await post(client, {"user": "lan", "id": "m-erase", "text": "xóa dữ liệu"})
    await post(client, {"user": "lan", "id": "m-yes", "text": "có"})
    for row in table(store, seen_t):
        assert "Nguyễn Thị Lan" not in (row["reply"] or "") and "912" not in (row["reply"] or "")
    # the id is still known: the retry changes nothing, and has nothing to show
    assert await post(client, last) == {"messages": [], "duplicate": True}
    assert table(store, lead_t) == []


async def test_kept_replies_go_with_their_ids_after_a_week(client: Client, store: Store) -> None:
    await post(client, {"user": "an", "id": "1", "text": "/start"})
    with store.transaction() as tx:
        erasure.purge(tx, utcnow() + timedelta(days=6), TODAY, TODAY)
    assert len(table(store, seen_t)) == 1
    with store.transaction() as tx:
        done = erasure.purge(tx, utcnow() + timedelta(days=8), TODAY, TODAY)
    assert done["inbound_seen"] == 1 and table(store, seen_t) == []
