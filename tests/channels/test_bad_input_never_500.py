"""Bad input never gives a 500 (issue 14, D6, D7, D13): odd payload numbers, lone surrogates
and control characters, webhook headers that are not ASCII, webhook bodies that are not
JSON objects, and every error on /api/* and the webhooks — OPTIONS, 404 and 405 included —
as JSON with the security headers. A name that a chat app would turn into a link is asked
again; a webhook secret under 32 characters stops the start. Against the real app on
loopback, with the Telegram and Zalo stand-ins."""

from __future__ import annotations

import asyncio
import json
import logging
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import select

from bot.app import build_app
from bot.channels.base import ConfigError
from bot.channels.telegram.settings import TelegramSettings
from bot.errors import OncePerCause
from bot.settings import Settings
from db.store import Store
from db.tables import conversation_t, lead_t
from handlers.content import Content
from tests.support import ROOT, TODAY
from tests.support.environment import configured
from tests.support.serving import free_port, serve
from tests.support.telegram_standin import BotApiStandIn
from tests.support.zalo_chat import serving, settled
from tests.support.zalo_settings import zalo_block
from tests.support.zalo_standin import ZaloStandIn

SECRET = "edge-secret_0123456789abcdefghijklmnop"  # 38 characters
SECURITY = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


async def raw_post(base: str, path: str, headers: list[tuple[bytes, bytes]], body: bytes) -> int:
    """POST with header bytes exactly as given (a client library would refuse non-ASCII);
    the status of the answer."""
    url = urlsplit(base)
    reader, writer = await asyncio.open_connection(url.hostname, url.port)
    lines = [b"POST " + path.encode() + b" HTTP/1.1", b"Host: " + url.netloc.encode()]
    lines += [name + b": " + value for name, value in headers]
    lines += [b"Content-Length: " + str(len(body)).encode(), b"Connection: close", b"", b""]
    writer.write(b"\r\n".join(lines) + body)
    await writer.drain()
    status = int((await reader.readline()).split()[1])
    writer.close()
    return status


def assert_json_error(status: int, headers: Any, data: Any, expected: int) -> None:
    assert status == expected, data
    assert isinstance(data, dict) and isinstance(data["error"], str) and data["error"]
    for name, value in SECURITY.items():
        assert headers.get(name) == value, name


async def fetch(
    session: aiohttp.ClientSession, method: str, url: str, **kw: Any
) -> tuple[int, Any, Any]:
    async with session.request(method, url, **kw) as r:
        try:
            data = await r.json(content_type=None)
        except ValueError:
            data = await r.text()
        return r.status, r.headers, data


@asynccontextmanager
async def web_only(store: Store, content: Content) -> AsyncIterator[str]:
    async with serve(build_app(store, content, today=lambda: TODAY)) as url:
        yield url


async def chat(session: aiohttp.ClientSession, base: str, body: dict[str, Any]) -> Any:
    status, _, data = await fetch(session, "POST", base + "/api/chat", json=body)
    assert status == 200, data
    return data


# --- the web API -----------------------------------------------------------------------------


@pytest.mark.parametrize("payload", ["area:²", "area:١", "area:-1", "area:99999999999999999999"])
async def test_a_payload_number_that_is_not_one_is_asked_again(
    store: Store, content: Content, payload: str
) -> None:
    async with web_only(store, content) as base, aiohttp.ClientSession() as s:
        for text in ("/start", None, "Đồng ý", "Nguyễn Văn An", "0912 345 678"):
            body = {"user": "an", **({"text": text} if text else {"payload": "callback"})}
            await chat(s, base, body)
        data = await chat(s, base, {"user": "an", "payload": payload})
        assert "tổ dân phố" in data["messages"][0]["text"].lower()
        data = await chat(s, base, {"user": "an", "payload": "skip"})  # a real one still works
        assert any(b["payload"].startswith("time:") for b in data["messages"][-1]["buttons"])


async def test_a_lone_surrogate_and_controls_are_cleaned_from_a_name(
    store: Store, content: Content
) -> None:
    async with web_only(store, content) as base, aiohttp.ClientSession() as s:
        for text in ("/start", None, "Đồng ý"):
            await chat(
                s, base, {"user": "an", **({"text": text} if text else {"payload": "callback"})}
            )
        raw = b'{"user": "an", "text": "Nguyen \\ud800 An\\u0007\\u202e"}'
        status, _, data = await fetch(
            s, "POST", base + "/api/chat", data=raw, headers={"Content-Type": "application/json"}
        )
        assert status == 200, data
        for text in ("0912 345 678", None, "buổi sáng"):
            body = {"user": "an", **({"text": text} if text else {"payload": "skip"})}
            data = await chat(s, base, body)
        assert "Nguyen An" in data["messages"][0]["text"]
        mine = await chat(s, base, {"user": "an", "text": "/dulieu"})  # a later page
        assert "Nguyen An" in json.dumps(mine, ensure_ascii=False)
    with store.transaction() as tx:
        [name] = tx.conn.execute(select(lead_t.c.name)).scalars().all()
        states = tx.conn.execute(select(conversation_t.c.state)).scalars().all()
    assert name == "Nguyen An"
    assert all("\ud800" not in s and "\u202e" not in s for s in states)


@pytest.mark.parametrize(
    "name", ["evil.vn", "http://x.vn/a", "Lan /start", "@an_nguyen", "Lan #hoa"]
)
async def test_a_name_that_would_become_a_link_is_asked_again(
    store: Store, content: Content, name: str
) -> None:
    async with web_only(store, content) as base, aiohttp.ClientSession() as s:
        for text in ("/start", None, "Đồng ý"):
            await chat(
                s, base, {"user": "an", **({"text": text} if text else {"payload": "callback"})}
            )
        data = await chat(s, base, {"user": "an", "text": name})
        assert "chỉ gõ họ tên" in data["messages"][0]["text"]
        data = await chat(s, base, {"user": "an", "text": "Nguyễn V. An"})
        assert "số điện thoại" in data["messages"][0]["text"].lower()


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("OPTIONS", "/api/chat", 405),
        ("GET", "/api/chat", 405),
        ("DELETE", "/api/eligibility", 405),
        ("GET", "/api/nothing-here", 404),
        ("POST", "/webhooks/nothing-here", 404),
        ("GET", "/webhooks/telegram", 404),  # no Telegram configured here
    ],
)
async def test_errors_on_the_api_are_json_with_the_security_headers(
    store: Store, content: Content, method: str, path: str, status: int
) -> None:
    async with web_only(store, content) as base, aiohttp.ClientSession() as s:
        got, headers, data = await fetch(s, method, base + path)
    assert_json_error(got, headers, data, status)
    assert headers.get("Cache-Control") == "no-store" or not path.startswith("/api/")
    if status == 405:
        assert "POST" in headers.get("Allow", "") or "GET" in headers.get("Allow", "")


async def test_an_unexpected_error_is_a_500_with_a_request_id_logged_once(
    store: Store, content: Content, caplog: pytest.LogCaptureFixture
) -> None:
    async def boom(request: web.Request) -> web.Response:
        raise RuntimeError("a bug")

    app = build_app(store, content, today=lambda: TODAY)
    app.router.add_get("/api/boom", boom)
    refs = []
    caplog.set_level(logging.ERROR, logger="bot.errors")
    async with serve(app) as base, aiohttp.ClientSession() as s:
        for _ in range(5):
            status, headers, data = await fetch(s, "GET", base + "/api/boom")
            assert_json_error(status, headers, data, 500)
            assert data["request_id"] == headers["X-Request-Id"]
            assert "a bug" not in json.dumps(data)  # nothing of the cause to the caller
            refs.append(data["request_id"])
    assert len(set(refs)) == 5
    tracebacks = [r for r in caplog.records if r.exc_info]
    assert len(tracebacks) == 1 and refs[0] in tracebacks[0].getMessage()


def test_tracebacks_once_per_cause_then_a_count_at_most_once_a_minute(
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = [0.0]
    errors = OncePerCause(every=60, clock=lambda: now[0])
    log = logging.getLogger("test.errors")

    def fail(kind: type[Exception]) -> Exception:
        try:
            raise kind("x")
        except Exception as exc:
            return exc

    caplog.set_level(logging.ERROR, logger="test.errors")
    for _ in range(100):
        errors.report(log, "failed", fail(ValueError), "r")
    errors.report(log, "failed", fail(KeyError), "r")
    now[0] = 61
    errors.report(log, "failed", fail(ValueError), "r-later")
    assert [bool(r.exc_info) for r in caplog.records] == [True, True, False]
    assert "100 more" in caplog.records[2].getMessage()


# --- Telegram ---------------------------------------------------------------------------------


@asynccontextmanager
async def telegram(store: Store, content: Content) -> AsyncIterator[tuple[BotApiStandIn, str]]:
    async with BotApiStandIn(token="123:ABC") as api:
        config = Settings(hiendien_public_url="https://hiendien.example.vn").given(
            TelegramSettings(bot_token=api.token, base_url=api.base_url, webhook_secret=SECRET)
        )
        app = build_app(store, content, lambda: TODAY, settings=config)
        async with serve(app) as url:
            await api.wait_call("setWebhook")
            yield api, url


async def test_telegram_webhook_odd_secrets_are_401_and_odd_bodies_400(
    sqlite_store: Store, content: Content
) -> None:
    async with telegram(sqlite_store, content) as (api, base), aiohttp.ClientSession() as s:
        hook = base + "/webhooks/telegram"
        update = json.dumps(api.message(61, "/start")).encode()
        header = b"X-Telegram-Bot-Api-Secret-Token"
        for odd in ("ký-tự-lạ".encode(), b"\xff\xfe" + SECRET.encode(), SECRET.encode() + b"\x80"):
            assert await raw_post(base, "/webhooks/telegram", [(header, odd)], update) == 401
        secret = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        for body in (b"[1,2,3]", b'"x"', b"null", b'{"update_id": "x"}', b'{"message": 5}'):
            status, headers, data = await fetch(s, "POST", hook, data=body, headers=secret)
            assert_json_error(status, headers, data, 400)
        status, headers, data = await fetch(s, "POST", hook)  # no secret
        assert_json_error(status, headers, data, 401)
        status, headers, data = await fetch(s, "OPTIONS", hook)
        assert_json_error(status, headers, data, 405)
        assert await api.post_webhook(api.message(62, "/start"), url=hook) == 200
        await api.wait_sent(1, chat_id=62)  # and a real update is still answered


@pytest.mark.parametrize("secret", ["abc123", "a" * 31])
def test_a_webhook_secret_under_32_characters_stops_the_start(
    sqlite_store: Store, content: Content, secret: str
) -> None:
    config = Settings(hiendien_public_url="https://x.example").given(
        TelegramSettings(bot_token="1:X", webhook_secret=secret)
    )
    with pytest.raises(ConfigError, match="TELEGRAM_WEBHOOK_SECRET quá ngắn") as raised:
        build_app(sqlite_store, content, lambda: TODAY, settings=config)
    assert "\n" not in str(raised.value) and "32" in str(raised.value)


# --- Zalo -------------------------------------------------------------------------------------


@asynccontextmanager
async def zalo_app(store: Store, content: Content) -> AsyncIterator[tuple[ZaloStandIn, str]]:
    async with ZaloStandIn() as zalo:
        config = Settings().given(zalo_block(zalo))
        app = build_app(store, content, lambda: TODAY, settings=config)
        async with serving(app) as url:
            yield zalo, url


async def test_zalo_webhook_odd_signatures_are_401_and_odd_bodies_400(
    sqlite_store: Store, content: Content, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR)
    async with zalo_app(sqlite_store, content) as (zalo, base), aiohttp.ClientSession() as s:
        hook = base + "/webhooks/zalo"
        user = zalo.add_user()
        body, _ = zalo.webhook_request(zalo.user_text(user, "/start"))
        for odd in ("mac=chữ".encode(), b"mac=\xff" + b"0" * 63):
            sent = [(b"Content-Type", b"application/json"), (b"X-ZEvent-Signature", odd)]
            assert await raw_post(base, "/webhooks/zalo", sent, body) == 401
        stamp = str(zalo.now_ms()).encode()  # a fresh event (a stale one is refused: 401)
        for odd_body in (
            b'[{"timestamp": ' + stamp + b"}]",
            b'"timestamp": ' + stamp,
        ):
            signed = {"X-ZEvent-Signature": zalo.sign(odd_body, stamp.decode())}
            status, answer_headers, data = await fetch(
                s, "POST", hook, data=odd_body, headers=signed
            )
            assert_json_error(status, answer_headers, data, 400)
        # an object with fields of the wrong types: 200, handled, no traceback
        odd_event = b'{"timestamp": ' + stamp + b', "event_name": "user_send_text", "message": 5}'
        signed = {"X-ZEvent-Signature": zalo.sign(odd_event, stamp.decode())}
        status, _, _ = await fetch(s, "POST", hook, data=odd_event, headers=signed)
        assert status == 200
        await settled(hook)  # handled to its end
    assert [r for r in caplog.records if r.exc_info] == []


def test_hiendien_run_with_a_short_webhook_secret_says_so_in_one_line(tmp_path: Path) -> None:
    env = configured(
        tmp_path,
        PYTHONPATH=str(ROOT),  # this tree's hiendien
        HIENDIEN_PORT=str(free_port()),
        HIENDIEN_PUBLIC_URL="https://hiendien.example.vn",
        TELEGRAM_BOT_TOKEN="123:ABC",
        TELEGRAM_WEBHOOK_SECRET="short-secret",
    )
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )
    err = done.stderr.decode()
    assert done.returncode == 2, err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "TELEGRAM_WEBHOOK_SECRET quá ngắn (12 ký tự)" in err
