"""The Zalo OA stand-in, proven over real HTTP with aiohttp clients: OAuth rotation, the
message/cs checks and error codes, the success envelope, and webhooks whose signature a small
receiving route recomputes from the documented recipe over the exact bytes it got."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import re
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import aiohttp
import pytest
from aiohttp import web

from tests.support.serving import serve
from tests.support.zalo_standin import ZaloStandIn

JsonDict = dict[str, Any]
HEX20 = re.compile(r"[0-9a-f]{20}")


@pytest.fixture
async def zalo() -> AsyncIterator[ZaloStandIn]:
    async with ZaloStandIn(seed=7) as stand_in:
        yield stand_in


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def refresh(
    http: aiohttp.ClientSession, zalo: ZaloStandIn, token: str, secret: str | None = None
) -> JsonDict:
    async with http.post(
        f"{zalo.oauth_base_url}/v4/oa/access_token",
        data={"app_id": zalo.app_id, "grant_type": "refresh_token", "refresh_token": token},
        headers={"secret_key": zalo.app_secret if secret is None else secret},
    ) as response:
        assert response.status == 200
        return await response.json()


async def send(
    http: aiohttp.ClientSession, zalo: ZaloStandIn, token: str | None, body: Any
) -> JsonDict:
    headers = {"access_token": token} if token else {}
    kwargs: JsonDict = {"data": body} if isinstance(body, str | bytes) else {"json": body}
    async with http.post(
        f"{zalo.api_base_url}/v3.0/oa/message/cs", headers=headers, **kwargs
    ) as response:
        assert response.status == 200  # Zalo answers errors with HTTP 200 too
        return await response.json()


async def get(
    http: aiohttp.ClientSession, zalo: ZaloStandIn, path: str, token: str, **params: str
) -> JsonDict:
    async with http.get(
        f"{zalo.api_base_url}{path}", headers={"access_token": token}, params=params
    ) as response:
        assert response.status == 200
        return await response.json()


def text_body(user_id: str, text: str = "Chào bạn!") -> JsonDict:
    return {"recipient": {"user_id": user_id}, "message": {"text": text}}


def buttons_body(user_id: str, buttons: list[JsonDict]) -> JsonDict:
    return {
        "recipient": {"user_id": user_id},
        "message": {
            "text": "Bạn cần gì?",
            "attachment": {"type": "template", "payload": {"buttons": buttons}},
        },
    }


BUTTONS = [
    {"title": "Đăng ký tên miền", "type": "oa.query.show", "payload": "#qr:dangky"},
    {"title": "Hỏi đáp", "type": "oa.query.hide", "payload": "#qr:faq"},
    {"title": "Trang web", "type": "oa.open.url", "payload": {"url": "https://id.vn"}},
]


async def token_pair(http: aiohttp.ClientSession, zalo: ZaloStandIn) -> tuple[str, str]:
    answer = await refresh(http, zalo, zalo.seed_refresh_token())
    return answer["access_token"], answer["refresh_token"]


# ---------------------------------------------------------------------- OAuth


async def test_refresh_rotates_and_a_used_refresh_token_fails(
    zalo: ZaloStandIn, http: aiohttp.ClientSession
) -> None:
    seed = zalo.seed_refresh_token()
    first = await refresh(http, zalo, seed)
    assert set(first) == {"access_token", "refresh_token", "expires_in"}
    assert first["expires_in"] == "90000"
    assert first["refresh_token"] != seed

    reused = await refresh(http, zalo, seed)
    assert "access_token" not in reused
    assert reused["error"] == -14014
    assert reused["error_name"] == "Invalid refresh token"

    second = await refresh(http, zalo, first["refresh_token"])
    assert second["access_token"] not in (first["access_token"], None)

    unknown = await refresh(http, zalo, "not-a-token")
    assert unknown["error"] == -14014

    # A wrong App Secret fails without consuming the (still good) refresh token.
    wrong = await refresh(http, zalo, second["refresh_token"], secret=zalo.oa_secret_key)
    assert "access_token" not in wrong and wrong["error"] < 0
    assert "access_token" in await refresh(http, zalo, second["refresh_token"])

    assert [(r.token, r.ok) for r in zalo.refreshes] == [
        (seed, True),
        (seed, False),
        (first["refresh_token"], True),
        ("not-a-token", False),
        (second["refresh_token"], False),
        (second["refresh_token"], True),
    ]
    assert all(r.at > 0 for r in zalo.refreshes)
    assert zalo.refreshes[1].error == -14014


async def test_racing_refreshes_with_one_token_are_recorded(
    zalo: ZaloStandIn, http: aiohttp.ClientSession
) -> None:
    zalo.refresh_delay = 0.05
    seed = zalo.seed_refresh_token()
    answers = await asyncio.gather(refresh(http, zalo, seed), refresh(http, zalo, seed))
    assert sorted("access_token" in a for a in answers) == [False, True]
    assert len(zalo.refreshes) == 2
    assert [r.token for r in zalo.refreshes] == [seed, seed]


async def test_authorization_code_flow(zalo: ZaloStandIn, http: aiohttp.ClientSession) -> None:
    params = {
        "app_id": zalo.app_id,
        "redirect_uri": "https://bot.example.vn/zalo/callback",
        "state": "s1",
    }
    async with http.get(
        f"{zalo.oauth_base_url}/v4/oa/permission", params=params, allow_redirects=False
    ) as response:
        assert response.status == 302
        location = response.headers["Location"]
    query = dict(parse_qsl(urlsplit(location).query))
    assert query["oa_id"] == zalo.oa_id and query["state"] == "s1"
    form = {"app_id": zalo.app_id, "grant_type": "authorization_code", "code": query["code"]}
    url = f"{zalo.oauth_base_url}/v4/oa/access_token"
    headers = {"secret_key": zalo.app_secret}
    async with http.post(url, data=form, headers=headers) as response:
        assert "access_token" in await response.json()
    async with http.post(url, data=form, headers=headers) as response:
        assert "access_token" not in await response.json()  # codes are single-use


# ---------------------------------------------------------------------- sending


async def test_success_envelope_and_record(zalo: ZaloStandIn, http: aiohttp.ClientSession) -> None:
    access, _ = await token_pair(http, zalo)
    user = zalo.add_user()
    assert re.fullmatch(r"[1-9]\d{18}", user)
    answer = await send(http, zalo, access, text_body(user, "Chào anh An"))
    assert answer["error"] == 0 and answer["message"] == "Success"
    data = answer["data"]
    assert HEX20.fullmatch(data["message_id"])
    assert data["user_id"] == user
    assert isinstance(data["sent_time"], str) and data["sent_time"].isdigit()
    assert data["quota"] == {"quota_type": "reply", "remain": "8", "total": "8"}
    [record] = await zalo.wait_sent(1, user_id=user)
    assert record["text"] == "Chào anh An"
    assert record["kind"] == "text" and record["buttons"] == []
    assert record["message_id"] == data["message_id"]
    assert str(record["at"]) == data["sent_time"]


async def test_buttons_and_request_user_info(
    zalo: ZaloStandIn, http: aiohttp.ClientSession
) -> None:
    access, _ = await token_pair(http, zalo)
    user = zalo.add_user()
    answer = await send(http, zalo, access, buttons_body(user, BUTTONS))
    assert answer["error"] == 0
    assert zalo.sent[-1]["kind"] == "buttons"
    assert [b["title"] for b in zalo.last_buttons(user)] == [b["title"] for b in BUTTONS]
    tap = zalo.tap(user, "đăng ký")
    assert tap["event_name"] == "user_send_text"
    assert tap["message"]["text"] == "#qr:dangky"

    info = {
        "recipient": {"user_id": user},
        "message": {
            "attachment": {
                "type": "template",
                "payload": {
                    "template_type": "request_user_info",
                    "elements": [
                        {
                            "title": "Chia sẻ thông tin",
                            "subtitle": "Để cán bộ phường liên hệ lại với bạn",
                            "image_url": "https://example.vn/a.png",
                        }
                    ],
                },
            }
        },
    }
    assert (await send(http, zalo, access, info))["error"] == 0
    assert zalo.sent[-1]["kind"] == "request_user_info"

    too_many = [dict(BUTTONS[0], payload=f"#qr:{i}") for i in range(6)]
    assert (await send(http, zalo, access, buttons_body(user, too_many)))["error"] == -201
    long_title = [dict(BUTTONS[0], title="x" * 101)]
    assert (await send(http, zalo, access, buttons_body(user, long_title)))["error"] == -201
    two = json.loads(json.dumps(info))
    two["message"]["attachment"]["payload"]["elements"] *= 2
    assert (await send(http, zalo, access, two))["error"] == -201
    listing = buttons_body(user, BUTTONS)
    listing["message"]["attachment"]["payload"]["template_type"] = "list"
    assert (await send(http, zalo, access, listing))["error"] == -233
    assert len(zalo.sent) == 2


async def test_token_errors_in_order(zalo: ZaloStandIn, http: aiohttp.ClientSession) -> None:
    access, refresh_token = await token_pair(http, zalo)
    user = zalo.add_user()
    assert (await send(http, zalo, None, text_body(user)))["error"] == -216
    assert (await send(http, zalo, "bogus", text_body(user)))["error"] == -216

    zalo.rate_limited = True
    assert (await send(http, zalo, "bogus", text_body(user)))["error"] == -216  # token first
    answer = await send(http, zalo, access, text_body(user))
    assert answer == {"error": -32, "message": answer["message"]}
    zalo.rate_limited = False

    zalo.expire_access_tokens()
    expired = await send(http, zalo, access, text_body(user))
    assert expired["error"] == -220 and "data" not in expired
    fresh = await refresh(http, zalo, refresh_token)
    assert (await send(http, zalo, fresh["access_token"], text_body(user)))["error"] == 0

    zalo.advance(90_001)  # 25 h later the token has expired by itself
    zalo.add_user(user)  # ... but the user has just written again
    assert (await send(http, zalo, fresh["access_token"], text_body(user)))["error"] == -220
    assert [c.error for c in zalo.calls_to("message/cs")] == [-216, -216, -216, -32, -220, 0, -220]


async def test_fail_next_injection(zalo: ZaloStandIn, http: aiohttp.ClientSession) -> None:
    access, _ = await token_pair(http, zalo)
    user = zalo.add_user()
    zalo.fail_next("message/cs", -216)
    zalo.fail_next("/v3.0/oa/message/cs", -32, times=2)
    codes = [(await send(http, zalo, access, text_body(user)))["error"] for _ in range(4)]
    assert codes == [-216, -32, -32, 0]
    assert len(zalo.sent) == 1

    zalo.fail_next("access_token", -14014)
    token = zalo.seed_refresh_token()
    assert "access_token" not in await refresh(http, zalo, token)
    assert "access_token" in await refresh(http, zalo, token)  # not consumed by the failure

    zalo.fail_next("getoa", -205)
    assert (await get(http, zalo, "/v2.0/oa/getoa", access))["error"] == -205
    assert (await get(http, zalo, "/v2.0/oa/getoa", access))["error"] == 0


async def test_recipient_and_text_checks(zalo: ZaloStandIn, http: aiohttp.ClientSession) -> None:
    access, _ = await token_pair(http, zalo)
    user = zalo.add_user()
    missing = await send(http, zalo, access, {"message": {"text": "hi"}})
    assert missing == {"error": -201, "message": "user_id is invalid!"}
    assert (await send(http, zalo, access, "{not json"))["error"] == -201
    assert (await send(http, zalo, access, text_body("123")))["error"] == -201  # unknown user
    assert (await send(http, zalo, access, text_body(user, "a" * 2001)))["error"] == -201
    assert (await send(http, zalo, access, text_body(user, "a" * 2000)))["error"] == 0
    # Counted after NFC normalisation: 2000 decomposed "ệ" (3 code points each) fit.
    nfd = "e\u0323\u0302" * 2000
    assert (await send(http, zalo, access, text_body(user, nfd)))["error"] == 0


async def test_window_and_support_checks(zalo: ZaloStandIn, http: aiohttp.ClientSession) -> None:
    access, _ = await token_pair(http, zalo)
    stranger = zalo.add_user(follower=False)
    assert (await send(http, zalo, access, text_body(stranger)))["error"] == -213

    away = zalo.add_user(interacted_ago=8 * 86_400)
    assert (await send(http, zalo, access, text_body(away)))["error"] == -230
    zalo.user_text(away, "tôi quay lại rồi")  # an inbound message reopens the window
    assert (await send(http, zalo, access, text_body(away)))["error"] == 0

    restricted = zalo.add_user(restricted=True)
    assert (await send(http, zalo, access, text_body(restricted)))["error"] == -244

    user = zalo.add_user()
    zalo.buttons_supported = False
    assert (await send(http, zalo, access, buttons_body(user, BUTTONS)))["error"] == -233
    assert (await send(http, zalo, access, text_body(user)))["error"] == 0

    # Within 7 days (the 48 h–7 d billable band) a message still goes through.
    zalo.add_user(user, interacted_ago=6 * 86_400)
    assert (await send(http, zalo, access, text_body(user)))["error"] == 0
    assert zalo.sent_texts() == ["Chào bạn!"] * 3


async def test_getoa_and_user_detail(zalo: ZaloStandIn, http: aiohttp.ClientSession) -> None:
    access, _ = await token_pair(http, zalo)
    oa = await get(http, zalo, "/v2.0/oa/getoa", access)
    assert oa["error"] == 0
    assert oa["data"]["oa_id"] == zalo.oa_id
    assert oa["data"]["name"] == "UBND phường Kiến An"

    user = zalo.add_user(display_name="Trần Thị Bình")
    data = json.dumps({"user_id": user})
    detail = await get(http, zalo, "/v3.0/oa/user/detail", access, data=data)
    assert detail["error"] == 0
    assert detail["data"]["display_name"] == "Trần Thị Bình"
    assert detail["data"]["user_is_follower"] is True
    assert "shared_info" not in detail["data"]
    zalo.submit_info(user, "Trần Thị Bình", "84987654321")
    detail = await get(http, zalo, "/v3.0/oa/user/detail", access, data=data)
    assert detail["data"]["shared_info"]["phone"] == "84987654321"

    unknown = json.dumps({"user_id": "1"})
    assert (await get(http, zalo, "/v3.0/oa/user/detail", access, data=unknown))["error"] == -201
    assert (await get(http, zalo, "/v2.0/oa/getoa", "bogus"))["error"] == -216


async def test_wait_sent_times_out_with_traffic(zalo: ZaloStandIn) -> None:
    with pytest.raises(AssertionError, match=r"within 0\.05s"):
        await zalo.wait_sent(1, timeout=0.05)


# ---------------------------------------------------------------------- webhooks


class Receiver:
    """A bot-side webhook route that verifies with the documented recipe, independently of
    the stand-in's own helper: sha256(app_id + raw body + body timestamp + OA secret key)."""

    def __init__(self, app_id: str, oa_secret_key: str) -> None:
        self.app_id = app_id
        self.oa_secret_key = oa_secret_key
        self.received: list[tuple[bytes, str | None, bool]] = []

    def verify(self, raw: bytes, header: str | None) -> bool:
        if not header:
            return False
        given = header.strip().removeprefix("mac=").lower()
        timestamp = json.loads(raw).get("timestamp")
        if timestamp is None:
            return False
        recipe = self.app_id + raw.decode("utf-8") + str(timestamp) + self.oa_secret_key
        expected = hashlib.sha256(recipe.encode("utf-8")).hexdigest()
        return hmac.compare_digest(given, expected)

    async def handle(self, request: web.Request) -> web.Response:
        raw = await request.read()
        header = request.headers.get("X-ZEvent-Signature")
        valid = self.verify(raw, header)
        self.received.append((raw, header, valid))
        if raw == b"{}":
            return web.Response(status=200)  # the console probe
        return web.Response(status=200 if valid else 401)


@pytest.fixture
async def receiver(zalo: ZaloStandIn) -> AsyncIterator[tuple[Receiver, str]]:
    bot = Receiver(zalo.app_id, zalo.oa_secret_key)
    app = web.Application()
    app.router.add_post("/zalo/webhook", bot.handle)
    async with serve(app) as url:
        yield bot, url + "/zalo/webhook"


async def test_signed_webhook_verifies_over_the_exact_bytes(
    zalo: ZaloStandIn, receiver: tuple[Receiver, str]
) -> None:
    bot, url = receiver
    user = zalo.add_user()
    event = zalo.user_text(user, "Chào UBND phường, cho tôi hỏi về tên miền id.vn")
    assert await zalo.post_webhook(url, event) == 200
    raw, header, valid = bot.received[-1]
    assert valid and header is not None and header.startswith("mac=")
    assert raw == json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode()
    assert "Chào".encode() in raw  # not \\u-escaped
    assert json.loads(raw) == event

    for mode in ("bare", "upper"):  # tolerated variants: still the valid digest
        assert await zalo.post_webhook(url, event, signature=mode) == 200
    for mode in ("missing", "bad", "stale_secret", "app_secret"):
        assert await zalo.post_webhook(url, event, signature=mode) == 401, mode
    assert bot.received[-4][1] is None  # "missing" sends no header
    assert [d.status for d in zalo.deliveries] == [200, 200, 200, 401, 401, 401, 401]


async def test_event_envelopes(zalo: ZaloStandIn) -> None:
    user = zalo.add_user(interacted_ago=3 * 86_400)
    before = zalo.users[user]["last_interaction_ms"]
    text = zalo.user_text(user, "xin chào")
    assert list(text) == [
        "app_id",
        "user_id_by_app",
        "event_name",
        "sender",
        "recipient",
        "message",
        "timestamp",
    ]
    assert text["app_id"] == zalo.app_id and text["event_name"] == "user_send_text"
    assert text["sender"] == {"id": user} and text["recipient"] == {"id": zalo.oa_id}
    assert HEX20.fullmatch(text["message"]["msg_id"])
    assert isinstance(text["timestamp"], str) and text["timestamp"].isdigit()
    assert zalo.users[user]["last_interaction_ms"] == int(text["timestamp"]) > before

    image = zalo.user_image(user)
    assert image["event_name"] == "user_send_image"
    assert image["message"]["attachments"][0]["type"] == "image"
    sticker = zalo.user_sticker(user)
    assert sticker["message"]["attachments"][0]["type"] == "sticker"
    assert HEX20.fullmatch(sticker["message"]["msg_id"])

    unfollow = zalo.unfollow(user)
    assert unfollow["follower"] == {"id": user} and unfollow["oa_id"] == zalo.oa_id
    assert "sender" not in unfollow
    assert zalo.users[user]["is_follower"] is False
    assert zalo.follow(user)["event_name"] == "follow"
    assert zalo.users[user]["is_follower"] is True

    info = zalo.submit_info(user, "Nguyễn Văn An")
    assert info["event_name"] == "user_submit_info"
    assert info["info"]["phone"] == "84912345678"
    assert zalo.users[user]["shared_info"]["name"] == "Nguyễn Văn An"

    echo = zalo.oa_echo(user, "Chào bạn!", "0123456789abcdef0123")
    assert echo["event_name"] == "oa_send_text"
    assert echo["sender"] == {"id": zalo.oa_id} and echo["recipient"] == {"id": user}
    assert echo["message"] == {"msg_id": "0123456789abcdef0123", "text": "Chào bạn!"}

    new = zalo.user_text("2000000000000000001", "chưa từng gặp")  # unknown users appear
    assert zalo.users["2000000000000000001"]["is_follower"] is True
    assert new["sender"]["id"] == "2000000000000000001"
    for event in (text, image, sticker, unfollow, info, echo, new):
        assert all(isinstance(v, str) for v in (event["app_id"], event["timestamp"]))


async def test_probe_is_an_unsigned_empty_object(
    zalo: ZaloStandIn, receiver: tuple[Receiver, str]
) -> None:
    bot, url = receiver
    assert zalo.probe() == {}
    assert await zalo.post_webhook(url, zalo.probe()) == 200
    assert await zalo.post_probe(url) == 200
    assert bot.received == [(b"{}", None, False), (b"{}", None, False)]


async def test_redeliver_posts_the_same_bytes(
    zalo: ZaloStandIn, receiver: tuple[Receiver, str]
) -> None:
    bot, url = receiver
    event = zalo.user_text(zalo.add_user(), "đăng ký tên miền")
    assert await zalo.post_webhook(url, event) == 200  # received before it was answered
    assert await zalo.redeliver(event) == 200
    assert len(bot.received) == 2
    assert bot.received[0] == bot.received[1]
    assert [d.attempt for d in zalo.deliveries] == [1, 2]

    # With retries, a rejected delivery is re-posted (same bytes) until it is accepted.
    attempts: list[bytes] = []

    async def flaky(request: web.Request) -> web.Response:
        attempts.append(await request.read())
        return web.Response(status=500 if len(attempts) < 3 else 200)

    app = web.Application()
    app.router.add_post("/flaky", flaky)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        flaky_url = f"http://127.0.0.1:{runner.addresses[0][1]}/flaky"
        assert await zalo.post_webhook(flaky_url, event, retries=5, retry_delay=0.01) == 200
    finally:
        await runner.cleanup()
    assert len(attempts) == 3 and len(set(attempts)) == 1


async def test_echo_webhook_follows_a_send(
    zalo: ZaloStandIn, http: aiohttp.ClientSession, receiver: tuple[Receiver, str]
) -> None:
    bot, url = receiver
    zalo.echo_webhook_url = url
    access, _ = await token_pair(http, zalo)
    user = zalo.add_user()
    answer = await send(http, zalo, access, text_body(user, "Đã nhận yêu cầu"))
    assert not zalo.echoes  # arrives ~0.1 s later, not before the answer
    [delivery] = await zalo.wait_deliveries(1, event_name="oa_send_text")
    assert delivery.echo and delivery.status == 200
    raw, _, valid = bot.received[-1]
    echo = json.loads(raw)
    assert valid
    assert echo["sender"] == {"id": zalo.oa_id} and echo["recipient"] == {"id": user}
    assert echo["message"] == {"msg_id": answer["data"]["message_id"], "text": "Đã nhận yêu cầu"}
    # A failed send is not echoed.
    zalo.fail_next("message/cs", -32)
    await send(http, zalo, access, text_body(user))
    # echoes follow their sends in order: once the next send's echo is in, the failed
    # one's would have been
    later = await send(http, zalo, access, text_body(user, "Tin sau"))
    await zalo.wait_deliveries(2, event_name="oa_send_text")
    assert [json.loads(d.body)["message"]["msg_id"] for d in zalo.echoes] == [
        answer["data"]["message_id"],
        later["data"]["message_id"],
    ]
