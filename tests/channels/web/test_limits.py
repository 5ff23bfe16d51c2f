"""The limits on ``POST /api/chat`` (issue 14, D5), over loopback against hiendien's real app:
a burst over a limit gets a 429 with ``Retry-After``, a JSON ``{"error": …}`` in Vietnamese
and the security headers; after waiting that long on the limits' clock (a controllable one,
nobody sleeps) the requests pass again; each user has their own bucket behind one IP; a
client IP may begin only so many new conversations an hour; a body over the limit gets a
413 in JSON. The client IP comes from ``X-Forwarded-For`` only when the peer (here
127.0.0.1) is a trusted proxy, which is how these tests are two clients on one machine."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
from sqlalchemy import text

from bot.app import build_app
from bot.limits import Limits
from bot.settings import Settings
from db.store import Store
from handlers.content import Content
from tests.support import TODAY
from tests.support.serving import serve

ROOMY: dict[str, Any] = {  # every limit but the one a test is about out of the way
    "hiendien_chat_rate_per_ip": 1000.0,
    "hiendien_chat_burst_per_ip": 100_000,
    "hiendien_chat_rate_per_user": 1000.0,
    "hiendien_chat_burst_per_user": 100_000,
    "hiendien_new_conversations_per_ip_hour": 100_000,
}


class Clock:
    """Monotonic seconds that move only when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Client:
    def __init__(self, url: str, http: aiohttp.ClientSession) -> None:
        self.url = url
        self.http = http

    async def chat(
        self, user: str, text: str = "xin chào", ip: str | None = None, raw: bytes | None = None
    ) -> tuple[int, dict[str, Any], Any]:
        headers = {"Content-Type": "application/json"}
        if ip is not None:
            headers["X-Forwarded-For"] = ip
        body = raw if raw is not None else None
        json_body = None if raw is not None else {"user": user, "text": text}
        async with self.http.post(
            self.url + "/api/chat", json=json_body, data=body, headers=headers
        ) as answer:
            return answer.status, await answer.json(), answer.headers


@asynccontextmanager
async def served(
    store: Store, content: Content, clock: Clock, **limits: Any
) -> AsyncIterator[Client]:
    config = Settings.defaults(**{**ROOMY, "hiendien_trusted_proxies": "127.0.0.1", **limits})
    app = build_app(
        store, content, lambda: TODAY, settings=config, limits=Limits(config, content, clock)
    )
    async with serve(app) as url, aiohttp.ClientSession() as http:
        yield Client(url, http)


def assert_refused(status: int, data: dict[str, Any], headers: Any, wait: int) -> None:
    assert status == 429
    assert set(data) == {"error"} and "đợi" in data["error"] and f"{wait} giây" in data["error"]
    assert headers["Retry-After"] == str(wait)
    assert headers["Content-Type"].startswith("application/json")
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["Cache-Control"] == "no-store"


async def test_a_burst_over_the_users_limit_waits_its_retry_after(
    store: Store, content: Content
) -> None:
    clock = Clock()
    limits = {"hiendien_chat_rate_per_user": 0.5, "hiendien_chat_burst_per_user": 3}
    async with served(store, content, clock, **limits) as client:
        for _ in range(3):
            assert (await client.chat("an"))[0] == 200
        status, data, headers = await client.chat("an")
        assert_refused(status, data, headers, wait=2)  # one token every 2 s
        clock.advance(1.9)
        assert (await client.chat("an"))[0] == 429  # not yet
        clock.advance(0.1)
        assert (await client.chat("an"))[0] == 200  # after Retry-After: through
        assert (await client.chat("an"))[0] == 429  # and only the one token came back
        assert (await client.chat("binh"))[0] == 200  # another user from the same IP


async def test_two_users_behind_one_ip_share_its_limit_not_their_own(
    store: Store, content: Content
) -> None:
    clock = Clock()
    limits = {
        "hiendien_chat_rate_per_ip": 1.0,
        "hiendien_chat_burst_per_ip": 4,
        "hiendien_chat_rate_per_user": 1.0,
        "hiendien_chat_burst_per_user": 2,
    }
    async with served(store, content, clock, **limits) as client:
        office = "203.0.113.7"  # the ward hall's Wi-Fi
        for user in ("an", "an", "binh", "binh"):
            assert (await client.chat(user, ip=office))[0] == 200
        status, data, headers = await client.chat("chi", ip=office)  # a third: the IP's limit
        assert_refused(status, data, headers, wait=1)
        assert (await client.chat("chi", ip="198.51.100.9"))[0] == 200  # another network
        clock.advance(1.0)  # a token each, for the IP and for every user
        assert (await client.chat("chi", ip=office))[0] == 200
        status, data, headers = await client.chat("an", ip=office)
        assert_refused(status, data, headers, wait=1)  # the IP's again, though an has a token


async def test_new_conversations_per_ip_an_hour(store: Store, content: Content) -> None:
    clock = Clock()
    async with served(store, content, clock, hiendien_new_conversations_per_ip_hour=3) as client:
        hall = "203.0.113.7"
        for n in range(3):
            assert (await client.chat(f"new-{n}", ip=hall))[0] == 200
        status, data, headers = await client.chat("new-3", ip=hall)
        assert status == 429 and headers["Retry-After"] == "1200"  # 3 an hour: one per 20 min
        assert "cuộc trò chuyện mới" in data["error"]
        for n in range(3):  # those already talking go on talking
            assert (await client.chat(f"new-{n}", ip=hall))[0] == 200
        assert (await client.chat("new-3", ip="198.51.100.9"))[0] == 200  # elsewhere: new
        assert (await client.chat("new-3", ip=hall))[0] == 200  # now known, from anywhere
        assert (await client.chat("new-4", ip=hall))[0] == 429
        clock.advance(1200)
        assert (await client.chat("new-4", ip=hall))[0] == 200
        assert (await client.chat("new-5", ip=hall))[0] == 429
    with store.engine.connect() as conn:
        users = conn.execute(text("SELECT user_ref FROM conversation ORDER BY user_ref"))
        assert [u for (u,) in users] == [f"new-{n}" for n in range(5)]  # none for new-5


async def test_a_user_known_to_the_database_is_not_new_after_a_restart(
    store: Store, content: Content
) -> None:
    async with served(store, content, Clock()) as client:
        assert (await client.chat("old-friend"))[0] == 200
    limits = {"hiendien_new_conversations_per_ip_hour": 1}
    async with served(store, content, Clock(), **limits) as client:  # limits forgotten
        assert (await client.chat("newcomer"))[0] == 200  # the hour's one new conversation
        assert (await client.chat("old-friend"))[0] == 200  # in the database: not new
        assert (await client.chat("another"))[0] == 429


async def test_forwarded_for_is_believed_only_from_a_trusted_proxy(
    store: Store, content: Content
) -> None:
    clock = Clock()
    limits = {
        "hiendien_chat_rate_per_ip": 1.0,
        "hiendien_chat_burst_per_ip": 2,
        "hiendien_trusted_proxies": "10.0.0.0/8",  # not 127.0.0.1, the peer here
    }
    async with served(store, content, clock, **limits) as client:
        assert (await client.chat("an", ip="203.0.113.1"))[0] == 200
        assert (await client.chat("binh", ip="203.0.113.2"))[0] == 200
        assert (await client.chat("chi", ip="203.0.113.3"))[0] == 429  # all are 127.0.0.1


async def test_a_body_over_the_limit_gets_a_413_in_json(store: Store, content: Content) -> None:
    clock = Clock()
    async with served(store, content, clock, hiendien_chat_max_bytes=2048) as client:
        status, data, headers = await client.chat(
            "an", raw=b'{"user": "an", "text": "' + b"a" * 3000 + b'"}'
        )
        assert status == 413 and "2048" in data["error"]
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Content-Type"].startswith("application/json")


def body_of(size: int) -> bytes:
    """A chat request of exactly ``size`` bytes."""
    frame = b'{"user": "an", "text": "xin chao"}'
    return frame.replace(b"xin chao", b"xin chao" + b" " * (size - len(frame)))


async def post_chat(url: str, body: bytes, chunked: bool) -> int:
    """POST ``body`` with its length declared, or sent in chunks with none declared."""

    async def chunks() -> AsyncIterator[bytes]:
        for at in range(0, len(body), 500):
            yield body[at : at + 500]

    data: Any = chunks() if chunked else body
    headers = {"Content-Type": "application/json"}
    async with (
        aiohttp.ClientSession() as http,
        http.post(url + "/api/chat", data=data, headers=headers) as answer,
    ):
        return answer.status


@pytest.mark.parametrize("chunked", [False, True], ids=["length-declared", "chunked"])
async def test_a_body_of_exactly_the_limit_is_taken_one_byte_more_is_not(
    store: Store, content: Content, chunked: bool
) -> None:
    async with served(store, content, Clock(), hiendien_chat_max_bytes=2048) as client:
        assert len(body_of(2048)) == 2048
        assert await post_chat(client.url, body_of(2048), chunked) == 200
        assert await post_chat(client.url, body_of(2049), chunked) == 413


async def test_a_declared_length_over_the_limit_is_refused_before_the_body_comes(
    store: Store, content: Content
) -> None:
    async with served(store, content, Clock(), hiendien_chat_max_bytes=2048) as client:
        host, port = client.url.removeprefix("http://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(
            b"POST /api/chat HTTP/1.1\r\nHost: hiendien\r\n"
            b"Content-Type: application/json\r\nContent-Length: 50000000\r\n\r\n"
        )
        await writer.drain()
        try:  # none of the 50 MB is ever sent: the answer cannot be waiting for it
            async with asyncio.timeout(10):
                status_line = await reader.readline()
        finally:
            writer.close()
        assert status_line.startswith(b"HTTP/1.1 413")


async def test_the_longest_message_in_vietnamese_fits_the_default_body_limit(
    store: Store, content: Content
) -> None:
    async with served(store, content, Clock()) as client:  # HIENDIEN_CHAT_MAX_BYTES: 32 KiB
        status, data, _ = await client.chat("an", text="ệ" * 4000)  # \u1ec7: 6 bytes each
        assert status == 200, data


@pytest.mark.parametrize("over", ["hiendien_chat_rate_per_ip", "hiendien_chat_rate_per_user"])
async def test_a_limit_set_to_zero_is_off(store: Store, content: Content, over: str) -> None:
    limits = {
        "hiendien_chat_rate_per_ip": 1.0,
        "hiendien_chat_burst_per_ip": 1,
        "hiendien_chat_rate_per_user": 1.0,
        "hiendien_chat_burst_per_user": 1,
        over: 0.0,
    }
    async with served(store, content, Clock(), **limits) as client:
        if over.endswith("per_ip"):
            assert [(await client.chat(u))[0] for u in ("a", "b", "c")] == [200] * 3
        else:
            statuses = [(await client.chat("a", ip=f"203.0.113.{n}"))[0] for n in range(3)]
            assert statuses == [200] * 3
