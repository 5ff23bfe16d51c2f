"""A property of the whole HTTP surface (issue 14, item 6): whatever arrives — any method,
any path, odd headers (bytes that are not ASCII included), any body, chat payloads and
texts full of lone surrogates and control characters, webhook bodies with the right secret
or a valid signature — the answer is never a 5xx. Hypothesis writes the requests; they go
as raw bytes over a socket to the real app on loopback, with the web chat, the office,
Telegram (webhook mode) and Zalo all configured against their stand-ins."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import build_app
from bot.channels.telegram.settings import TelegramSettings
from bot.settings import Settings
from db.store import Store
from handlers.content import Content
from tests.support import TODAY
from tests.support.serving import serve
from tests.support.telegram_standin import BotApiStandIn
from tests.support.zalo_settings import zalo_block
from tests.support.zalo_standin import ZaloStandIn

SECRET = "property-secret_0123456789abcdefghijkl"
PATHS = [
    "/api/chat",
    "/api/eligibility",
    "/webhooks/telegram",
    "/webhooks/zalo",
    "/healthz",
    "/",
    "/widget.js",
    "/static/chat.js",
    "/office/login",
    "/office/leads",
    "/office/leads/1",
    "/office/leads/99999999999999",
    "/office/teams/1",
    "/nothing",
]
METHODS = ["GET", "POST", "OPTIONS", "PUT", "DELETE", "HEAD", "PATCH"]
_TIMESTAMP = re.compile(rb'"timestamp"\s*:\s*"?(\d{1,20})"?')


@dataclass
class Server:
    host: str
    port: int
    zalo: ZaloStandIn


@pytest.fixture
def server(sqlite_store: Store, content: Content) -> Iterator[Server]:
    """The app with every channel, served from a loop of its own in a thread (Hypothesis
    drives the test synchronously)."""
    loop = asyncio.new_event_loop()
    ready: asyncio.Future[Server] = loop.create_future()
    stop = asyncio.Event()

    async def run() -> None:
        async with BotApiStandIn(token="123:ABC") as api, ZaloStandIn() as zalo:
            config = (
                Settings(  # limits out of the way: every request reaches its handler
                    hiendien_public_url="https://hiendien.example.vn",
                    hiendien_chat_rate_per_ip=1e6,
                    hiendien_chat_burst_per_ip=10**9,
                    hiendien_chat_rate_per_user=1e6,
                    hiendien_chat_burst_per_user=10**9,
                    hiendien_new_conversations_per_ip_hour=10**9,
                    hiendien_webhook_rate_per_user=1e6,
                    hiendien_webhook_burst_per_user=10**9,
                )
                .given(
                    TelegramSettings(
                        bot_token=api.token, base_url=api.base_url, webhook_secret=SECRET
                    )
                )
                .given(zalo_block(zalo))
            )
            app = build_app(sqlite_store, content, lambda: TODAY, settings=config)
            async with serve(app) as url:
                host, port = url.removeprefix("http://").split(":")
                ready.set_result(Server(host, int(port), zalo))
                await stop.wait()

    thread = threading.Thread(target=loop.run_until_complete, args=(run(),), daemon=True)
    thread.start()
    found = asyncio.run_coroutine_threadsafe(asyncio.wait_for(asyncio.shield(ready), 30), loop)
    yield found.result(timeout=60)
    loop.call_soon_threadsafe(stop.set)
    thread.join(timeout=30)
    loop.close()


# --- what Hypothesis writes -----------------------------------------------------------------

odd_text = st.text(
    alphabet=st.one_of(
        st.characters(),
        st.sampled_from(["\ud800", "\udfff", "\x00", "\x07", "\u202e", "\ufeff", "²", "١", "%"]),
    ),
    max_size=40,
)
payloads = st.one_of(
    odd_text,
    st.builds(lambda k, v: f"{k}:{v}", st.sampled_from(["area", "time", "kind", "lc"]), odd_text),
    st.sampled_from(["area:²", "area:99999999999999999999", "area:-1", "help", "yes", "no"]),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | odd_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(odd_text, inner, max_size=4),
    max_leaves=12,
)
chat_bodies = st.fixed_dictionaries(
    {},
    optional={
        "user": st.one_of(odd_text, st.sampled_from(["an", "binh"]), json_values),
        "text": st.one_of(odd_text, json_values),
        "payload": st.one_of(payloads, json_values),
        "id": st.one_of(odd_text, st.integers()),
    },
)
zalo_events = st.fixed_dictionaries(
    {"timestamp": st.integers(0, 10**13).map(str)},
    optional={
        "event_name": st.sampled_from(
            ["user_send_text", "follow", "unfollow", "user_submit_info", "oa_send_text", "x"]
        )
        | odd_text,
        "message": json_values,
        "sender": json_values | st.fixed_dictionaries({"id": odd_text}),
        "info": json_values,
        "follower": json_values,
        "recipient": json_values,
    },
)
header_bytes = st.binary(max_size=40).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b""))


def encoded(value: Any) -> bytes:
    """JSON as a client might send it, lone surrogates as \\ud800 escapes."""
    return json.dumps(value).encode()


telegram_updates = st.fixed_dictionaries(
    {"update_id": st.integers(-(2**63), 2**63) | odd_text},
    optional={
        "message": json_values
        | st.fixed_dictionaries(
            {
                "message_id": st.integers(),
                "date": st.integers(0, 2**31),
                "chat": st.fixed_dictionaries({"id": st.integers(), "type": odd_text}),
                "from": st.fixed_dictionaries(
                    {"id": st.integers(), "is_bot": st.booleans(), "first_name": odd_text}
                ),
                "text": odd_text,
            }
        ),
        "callback_query": json_values,
    },
)


def odd_headers(draw: st.DrawFn) -> list[tuple[bytes, bytes]]:
    names = [b"X-Odd", b"Accept", b"Cookie", b"Content-Type", b"Origin"]
    return [
        (draw(st.sampled_from(names)), draw(header_bytes)) for _ in range(draw(st.integers(0, 2)))
    ]


@st.composite
def requests(draw: st.DrawFn) -> tuple[str, str, list[tuple[bytes, bytes]], bytes, bool]:
    """(method, path, headers, body, sign it for Zalo?): a chat request, a webhook delivery
    (right, odd or no secret or signature) or anything at all to any path."""
    json_type = [(b"Content-Type", b"application/json")]
    scenario = draw(st.sampled_from(["chat", "telegram", "zalo", "form", "anything"]))
    if scenario == "form":  # the office's forms read before signing in, broken bodies
        path = draw(
            st.sampled_from(["/office/login", "/office/password/x", "/office/leads/1/note"])
        )
        boundary = draw(st.sampled_from([b"zz", b"", b"\xff"]))
        kind = draw(
            st.sampled_from(
                [b"application/x-www-form-urlencoded", b"multipart/form-data; boundary=" + boundary]
            )
        )
        body = draw(
            st.binary(max_size=200)
            | st.builds(
                lambda a, b: b"--" + boundary + b"\r\n" + a + b"\r\n\r\n" + b,
                header_bytes,
                st.binary(max_size=50),
            )
            | odd_text.map(lambda t: b"email=" + quote(t.encode("utf-8", "surrogatepass")).encode())
        )
        return "POST", path, [(b"Content-Type", kind), *odd_headers(draw)], body, False
    if scenario == "chat":
        body = encoded(draw(chat_bodies)) if draw(st.integers(0, 5)) else draw(st.binary())
        return "POST", "/api/chat", json_type + odd_headers(draw), body, False
    if scenario == "telegram":
        body = encoded(draw(telegram_updates | json_values))
        secret = draw(st.sampled_from([SECRET.encode(), b"", None]) | header_bytes)
        headers = [(b"X-Telegram-Bot-Api-Secret-Token", secret)] if secret is not None else []
        return "POST", "/webhooks/telegram", json_type + headers, body, False
    if scenario == "zalo":
        body = encoded(draw(zalo_events | json_values))
        sign = draw(st.booleans())
        headers = [] if sign else [(b"X-ZEvent-Signature", draw(header_bytes))]
        if draw(st.booleans()):
            headers.append((b"X-ZEvent-Timestamp", draw(header_bytes)))
        return "POST", "/webhooks/zalo", json_type + headers, body, sign
    method = draw(st.sampled_from(METHODS))
    path = draw(st.sampled_from(PATHS))
    if draw(st.booleans()):
        tail = draw(odd_text).encode("utf-8", "surrogatepass")
        path += draw(st.sampled_from(["", "/", "?q=", "?applicant=person&birth_date="]))
        path += quote(tail, safe="")
    body = draw(st.sampled_from([b"", encoded(draw(json_values))]) | st.binary(max_size=200))
    return method, path, odd_headers(draw), body, False


def send(
    server: Server, method: str, path: str, headers: list[tuple[bytes, bytes]], body: bytes
) -> int:
    lines = [f"{method} {path} HTTP/1.1".encode(), f"Host: {server.host}:{server.port}".encode()]
    lines += [name + b": " + value for name, value in headers]
    lines += [f"Content-Length: {len(body)}".encode(), b"Connection: close", b"", b""]
    with socket.create_connection((server.host, server.port), timeout=30) as s:
        s.sendall(b"\r\n".join(lines) + body)
        answer = b""
        while b"\r\n" not in answer:
            chunk = s.recv(4096)
            if not chunk:
                break
            answer += chunk
    status_line = answer.split(b"\r\n", 1)[0]
    assert status_line.startswith(b"HTTP/1."), answer[:200]
    return int(status_line.split()[1])


@settings(
    max_examples=600,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(request=requests())
def test_no_request_gets_a_5xx(server: Server, request: Any) -> None:
    method, path, headers, body, sign = request
    found = _TIMESTAMP.search(body) if sign else None
    if found:
        mac = server.zalo.sign(body, found.group(1).decode())
        headers = [*headers, (b"X-ZEvent-Signature", mac.encode())]
    status = send(server, method, path, headers, body)
    assert status < 500, (method, path, headers, body[:200])
