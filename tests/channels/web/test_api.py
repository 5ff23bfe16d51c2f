"""The web channel's chat API on a real aiohttp server on loopback, backed by a real database.

``/api/chat`` is driven the way the web widget drives it (button payloads and typed
text); what a turn recorded is read back from the database tables themselves. The app's
own routes, ``/api/eligibility`` and ``/healthz``, are in tests/bot/test_routes.py.
"""

from __future__ import annotations

import asyncio
import json
import re
from datetime import date
from typing import Any

import pytest
import yaml
from sqlalchemy import MetaData, Table, func, select

from db.store import Store
from tests.support import ROOT

Client = Any  # aiohttp's TestClient
PROGRAM_SITE = "https://hiendienonline.tenmien.vn"
CONSENT_VERSION = yaml.safe_load((ROOT / "content" / "ward.yaml").read_text("utf-8"))["privacy"][
    "consent_version"
]


# --- helpers -----------------------------------------------------------------------------


def table(store: Store, name: str) -> Table:
    return Table(name, MetaData(), autoload_with=store.engine)


def rows(store: Store, name: str, **where: Any) -> list[dict[str, Any]]:
    t = table(store, name)
    query = select(t).order_by(t.c[next(iter(t.primary_key.columns)).name])
    for column, value in where.items():
        query = query.where(t.c[column] == value)
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def count(store: Store, name: str, **where: Any) -> int:
    t = table(store, name)
    query = select(func.count()).select_from(t)
    for column, value in where.items():
        query = query.where(t.c[column] == value)
    with store.engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def conversation(store: Store, user: str) -> dict[str, Any]:
    (row,) = rows(store, "conversation", channel="web", user_ref=user)
    return {**row, "state": json.loads(row["state"])}


async def post(client: Client, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    async with client.post("/api/chat", json=body) as resp:
        return resp.status, await resp.json()


async def say(
    client: Client, user: str, text: str | None = None, payload: str | None = None, **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {"user": user, **extra}
    if text is not None:
        body["text"] = text
    if payload is not None:
        body["payload"] = payload
    status, data = await post(client, body)
    assert status == 200, data
    assert_well_formed(data)
    return data


def assert_well_formed(data: dict[str, Any]) -> None:
    assert set(data) <= {"messages", "eligibility", "duplicate"}
    for message in data["messages"]:
        assert set(message) == {"text", "buttons"}
        assert isinstance(message["text"], str) and message["text"]
        for button in message["buttons"]:
            assert set(button) in ({"title", "payload"}, {"title", "url"}), button
            assert all(isinstance(v, str) and v for v in button.values()), button


def texts(data: dict[str, Any]) -> str:
    return "\n".join(m["text"] for m in data["messages"])


def payloads(data: dict[str, Any]) -> list[str]:
    return [b["payload"] for m in data["messages"] for b in m["buttons"] if "payload" in b]


async def lead_flow(
    client: Client, user: str, name: str, phone: str, area: str = "Tổ dân phố 3"
) -> dict[str, Any]:
    """a call back → consent "Đồng ý" → name → phone → tổ dân phố (typed: the ward lists
    none yet) → time; the last reply."""
    steps: list[tuple[str | None, str | None, str]] = [
        (None, "callback", "yes"),  # the consent question offers yes / no
        ("Đồng ý", None, ""),
        (name, None, ""),
        (phone, None, "skip"),
        (area, None, "time:morning"),
    ]
    for text, payload, expected in steps:
        data = await say(client, user, text, payload)
        assert "eligibility" not in data
        if expected:
            assert expected in payloads(data), texts(data)
    data = await say(client, user, payload="time:morning")
    assert "eligibility" not in data
    assert name in texts(data)
    return data


# --- /api/chat: a dialogue -----------------------------------------------------------------


async def test_person_dialogue_reaches_a_verdict_by_payloads_and_typed_text(
    client: Client, store: Store
) -> None:
    user = "resident-1"
    data = await say(client, user, "/start")
    assert "eligibility" not in data
    assert "kind:person" in payloads(data)

    data = await say(client, user, payload="kind:person")
    assert "eligibility" not in data
    data = await say(client, user, "15/03/2005")
    assert "eligibility" not in data
    assert payloads(data) == ["yes", "no"]

    data = await say(client, user, "có")  # typed, not tapped
    e = data["eligibility"]
    assert e["eligible"] is True
    assert e["reason"] == "eligible_youth"
    assert e["domain"] == "id.vn"
    assert e["eligible_from"] is None
    assert e["eligible_until"] == "2026-12-31"  # the programme ends before her 24th birthday
    assert date.fromisoformat(e["eligible_until"]) == date(2026, 12, 31)
    assert e["message"] and e["message"] in texts(data)
    links = [b for m in data["messages"] for b in m["buttons"] if "url" in b]
    assert [b["url"] for b in links] == [PROGRAM_SITE]
    assert "skip" in payloads(data)

    data = await say(client, user, payload="skip")
    assert "eligibility" not in data
    assert "callback" in payloads(data)  # "Có, nhờ cán bộ gọi lại"
    assert conversation(store, user)["state"]["step"] == "offer_help"


async def test_a_typed_number_picks_the_numbered_choice(client: Client, store: Store) -> None:
    user = "by-number"
    await say(client, user, "/start")
    await say(client, user, "1")  # the first button: a person
    assert conversation(store, user)["state"]["step"] == "person_birth"
    data = await say(client, user, "15/03/2005")
    data = await say(client, user, "2")  # not a citizen
    assert data["eligibility"]["reason"] == "not_citizen"
    assert data["eligibility"]["eligible"] is False
    assert data["eligibility"]["domain"] is None


# --- /api/chat: the campaign source and the lead -----------------------------------------


async def test_start_source_and_lead_flow_record_lead_consent_and_outbox(
    client: Client, store: Store
) -> None:
    user = "lan-web-1"
    await say(client, user, "/start hoiphunu")
    assert conversation(store, user)["source"] == "hoiphunu"

    await say(client, user, payload="kind:person")
    await say(client, user, "15/03/2005")
    data = await say(client, user, payload="yes")
    assert data["eligibility"]["reason"] == "eligible_youth"
    await say(client, user, payload="skip")
    await lead_flow(client, user, "Nguyễn Thị Lan", "0912 345 678")

    (lead,) = rows(store, "lead")
    assert lead["phone"] == "+84912345678"
    assert lead["source"] == "hoiphunu"
    assert lead["name"] == "Nguyễn Thị Lan"
    assert lead["area"] == "Tổ dân phố 3"
    assert lead["channel"] == "web"
    assert lead["applicant"] == "person"
    assert lead["reason"] == "eligible_youth"
    assert lead["status"] == "new"

    (consent,) = rows(store, "consent")
    assert consent["granted"] is True
    assert consent["version"] == CONSENT_VERSION
    assert re.fullmatch(r"[0-9a-f]{64}", consent["text_hash"])
    assert consent["channel"] == "web"
    assert consent["user_ref"] == user
    assert lead["consent_id"] == consent["id"]

    (outbox,) = rows(store, "outbox")
    assert outbox["status"] == "pending"
    assert json.loads(outbox["payload"]) == {"lead_id": lead["id"]}
    assert [e["kind"] for e in rows(store, "lead_event", lead_id=lead["id"])] == ["created"]
    assert conversation(store, user)["lead_id"] == lead["id"]

    # Someone else, from another browser, leaves the same number written differently: a
    # request of their own, and the first one stays as its resident left it.
    other = "lan-web-2"
    await say(client, other, "/start")
    await lead_flow(client, other, "Trần Văn Bình", "+84 912 345 678")

    first, second = rows(store, "lead")
    assert first == lead
    assert (second["user_ref"], second["phone"]) == (other, "+84912345678")
    assert second["name"] == "Trần Văn Bình"
    assert [e["kind"] for e in rows(store, "lead_event", lead_id=lead["id"])] == ["created"]
    assert count(store, "consent", granted=True) == 2
    assert count(store, "outbox") == 2


async def test_declining_consent_records_no_lead(client: Client, store: Store) -> None:
    user = "says-no"
    await say(client, user, "/start")
    await say(client, user, payload="callback")
    data = await say(client, user, "Không đồng ý")
    assert "help" in payloads(data) or "menu" in payloads(data)
    assert "gặp trực tiếp" in texts(data)  # the in-person route stays open
    (consent,) = rows(store, "consent")
    assert consent["granted"] is False
    assert count(store, "lead") == 0
    assert count(store, "outbox") == 0
    assert conversation(store, user)["state"]["step"] == "idle"


# --- /api/chat: bad input ------------------------------------------------------------------


BAD_BODIES: list[tuple[str, bytes, str, int | None]] = [
    ("malformed JSON", b'{"user": "u", "text": ', "application/json", 400),
    ("not UTF-8", b'{"user": "u", "text": "\xff\xfe"}', "application/json", 400),
    ("a JSON array", b'[{"user": "u", "text": "hi"}]', "application/json", 400),
    ("a JSON string", b'"hello"', "application/json", 400),
    ("null", b"null", "application/json", 400),
    ("missing user", b'{"text": "hi"}', "application/json", 400),
    ("empty user", b'{"user": "", "text": "hi"}', "application/json", 400),
    ("numeric user", b'{"user": 42, "text": "hi"}', "application/json", 400),
    ("user of 65", json.dumps({"user": "u" * 65, "text": "hi"}).encode(), "application/json", 400),
    (
        "text and payload",
        b'{"user": "u", "text": "hi", "payload": "menu"}',
        "application/json",
        400,
    ),
    ("neither", b'{"user": "u"}', "application/json", 400),
    (
        "text of 4001",
        json.dumps({"user": "u", "text": "a" * 4001}).encode(),
        "application/json",
        400,
    ),
    ("numeric text", b'{"user": "u", "text": 12}', "application/json", 400),
    ("list text", b'{"user": "u", "text": ["hi"]}', "application/json", 400),
    ("numeric payload", b'{"user": "u", "payload": 1}', "application/json", 400),
    (
        "long payload",
        json.dumps({"user": "u", "payload": "p" * 65}).encode(),
        "application/json",
        400,
    ),
    ("numeric id", b'{"user": "u", "text": "hi", "id": 7}', "application/json", 400),
    ("empty id", b'{"user": "u", "text": "hi", "id": ""}', "application/json", 400),
    ("form body", b"user=u&text=hi", "application/x-www-form-urlencoded", 415),
    ("text/plain", b'{"user": "u", "text": "hi"}', "text/plain", 415),
    ("no content type", b'{"user": "u", "text": "hi"}', "", 415),
]


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [pytest.param(b, ct, s, id=name) for name, b, ct, s in BAD_BODIES],
)
async def test_bad_chat_requests_get_a_4xx_with_an_error(
    lite_client: Client, sqlite_store: Store, body: bytes, content_type: str, status: int
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    async with lite_client.post("/api/chat", data=body, headers=headers) as resp:
        assert resp.status == status
        assert resp.content_type == "application/json"
        data = await resp.json()
    assert set(data) == {"error"}
    assert isinstance(data["error"], str) and data["error"]
    assert count(sqlite_store, "conversation") == 0


OVERSIZED = json.dumps({"user": "u", "text": "a" * (32 * 1024)}).encode()  # over 32 KiB


async def test_a_body_over_the_limit_is_refused_with_413(
    lite_client: Client, sqlite_store: Store
) -> None:
    headers = {"Content-Type": "application/json"}
    async with lite_client.post("/api/chat", data=OVERSIZED, headers=headers) as resp:
        assert resp.status == 413
    assert count(sqlite_store, "conversation") == 0


async def test_the_413_says_what_is_wrong_in_json(lite_client: Client) -> None:
    headers = {"Content-Type": "application/json"}
    async with lite_client.post("/api/chat", data=OVERSIZED, headers=headers) as resp:
        assert resp.status == 413
        raw = await resp.read()
        assert resp.content_type == "application/json", raw[:200]
    data = json.loads(raw)
    assert isinstance(data["error"], str) and data["error"]


async def test_deeply_nested_json_is_a_400_not_a_500(lite_client: Client) -> None:
    depth = 15_000  # 30 kB: under the body limit (HIENDIEN_CHAT_MAX_BYTES, 32 KiB)
    body = b"[" * depth + b"]" * depth
    headers = {"Content-Type": "application/json"}
    async with lite_client.post("/api/chat", data=body, headers=headers) as resp:
        assert resp.status == 400
        data = await resp.json()
    assert isinstance(data["error"], str)


async def test_limits_are_inclusive(client: Client, store: Store) -> None:
    user = "u" * 64
    data = await say(client, user, "/start")
    assert "kind:person" in payloads(data)
    assert conversation(store, user)["user_ref"] == user

    data = await say(client, "long-talker", "a" * 4000)
    assert "dài quá" in texts(data)  # a friendly re-ask, not an error
    assert "kind:person" in payloads(data)

    data = await say(client, "payload-64", payload="p" * 64)
    assert data["messages"]


@pytest.mark.parametrize(
    ("body", "column"),
    [
        pytest.param(
            {"user": "nul\u0000user", "text": "hi"}, "conversation.user_ref", id="NUL in user"
        ),
        pytest.param(
            {"user": "u", "text": "hi", "id": "m\u00001"},
            "inbound_seen.external_id (db/store.py mark_seen)",
            id="NUL in id",
        ),
    ],
)
async def test_a_nul_character_in_an_id_is_never_a_500(
    request: pytest.FixtureRequest, client: Client, store: Store, body: dict[str, Any], column: str
) -> None:
    status, data = await post(client, body)
    assert status == 200 or 400 <= status < 500, data
    if status != 200:
        assert isinstance(data["error"], str)


async def test_a_nul_character_in_a_name_is_never_a_500(
    request: pytest.FixtureRequest, client: Client, store: Store
) -> None:
    user = "nul-name"
    await say(client, user, "/start")
    await say(client, user, payload="callback")
    await say(client, user, payload="yes")
    statuses = []
    for text, payload in [
        ("Nguyễn\u0000Thị Lan", None),
        ("0912 345 678", None),
        (None, "skip"),
        (None, "time:any"),
    ]:
        body = {"user": user, "text": text} if text else {"user": user, "payload": payload}
        status, data = await post(client, body)
        statuses.append(status)
        assert status == 200 or 400 <= status < 500, data
    assert statuses[-1] in (200, 400)


# --- /api/chat: retries --------------------------------------------------------------------


async def test_the_same_message_id_is_handled_once_and_answered_again(
    client: Client, store: Store
) -> None:
    user = "retrying"
    await say(client, user, "/start", id="m-1")
    first = await say(client, user, payload="kind:person", id="m-2")
    assert first["messages"]
    before = conversation(store, user)
    assert before["state"]["step"] == "person_birth"

    again = await say(client, user, payload="kind:person", id="m-2")
    assert again == {**first, "duplicate": True}  # the reply the first request lost
    after = conversation(store, user)
    assert after["version"] == before["version"] == 2
    assert after["state"] == before["state"]

    # A new id is a new message.
    data = await say(client, user, "15/03/2005", id="m-3")
    assert payloads(data) == ["yes", "no"]
    assert conversation(store, user)["version"] == 3


async def test_message_ids_of_different_residents_do_not_collide(
    client: Client, store: Store
) -> None:
    await say(client, "alice", "/start", id="1")
    data = await say(client, "bob", "/start", id="1")
    assert "duplicate" not in data
    assert data["messages"]
    assert count(store, "conversation") == 2


# --- /api/chat: the person's own data ----------------------------------------------------


async def test_my_data_then_delete_erases_everything_but_a_count(
    client: Client, store: Store
) -> None:
    user = "erase-me"
    await say(client, user, "/start hoiphunu")
    await say(client, user, payload="kind:person")
    await say(client, user, "15/03/2005")
    await say(client, user, payload="yes")
    await say(client, user, payload="skip")
    await lead_flow(client, user, "Phạm Thu Hà", "0987 654 321")
    assert count(store, "lead") == 1

    shown = texts(await say(client, user, "xem dữ liệu"))
    assert "Phạm Thu Hà" in shown
    assert "0987 654 321" in shown

    data = await say(client, user, "/xoa")
    assert payloads(data) == ["yes", "no"]
    assert count(store, "lead") == 1  # nothing is deleted before the confirmation
    data = await say(client, user, payload="yes")
    assert "eligibility" not in data

    assert count(store, "lead") == 0
    assert count(store, "lead_event") == 0
    assert count(store, "consent") == 0
    assert count(store, "outbox") == 0
    assert count(store, "conversation", user_ref=user) == 0
    (erased,) = rows(store, "erased_lead")
    assert erased["source"] == "hoiphunu"
    assert erased["applicant"] == "person"
    assert erased["reason"] == "eligible_youth"
    assert "Phạm" not in json.dumps(erased, default=str)

    shown = texts(await say(client, user, "xem dữ liệu"))
    assert "Phạm Thu Hà" not in shown


# --- /api/chat: concurrency --------------------------------------------------------------


async def test_twenty_residents_at_once(client: Client, store: Store) -> None:
    async def dialogue(user: str) -> None:
        await say(client, user, "/start")
        await say(client, user, payload="kind:person")
        await say(client, user, "15/03/2005")
        data = await say(client, user, payload="yes")
        assert data["eligibility"]["reason"] == "eligible_youth"

    users = [f"crowd-{i:02}" for i in range(20)]
    await asyncio.gather(*(dialogue(u) for u in users))

    found = rows(store, "conversation")
    assert sorted(r["user_ref"] for r in found) == users
    for r in found:
        assert json.loads(r["state"])["step"] == "domain_name"
        assert r["version"] == 4


async def test_concurrent_requests_of_one_resident_are_serialised(
    client: Client, store: Store
) -> None:
    users = [f"double-tap-{i}" for i in range(8)]

    async def twice(user: str, text: str) -> list[int]:
        results = await asyncio.gather(
            post(client, {"user": user, "text": text}),
            post(client, {"user": user, "text": text}),
        )
        return [status for status, _ in results]

    # Two first messages at once: nobody has a conversation row yet.
    statuses = await asyncio.gather(*(twice(u, "/start") for u in users))
    assert statuses == [[200, 200]] * len(users)
    for u in users:
        assert conversation(store, u)["version"] == 2

    # Two more at once on existing rows.
    statuses = await asyncio.gather(*(twice(u, "xin chào") for u in users))
    assert statuses == [[200, 200]] * len(users)
    for u in users:
        assert conversation(store, u)["version"] == 4
    assert count(store, "conversation") == len(users)
