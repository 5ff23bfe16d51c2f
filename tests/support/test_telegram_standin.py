"""The Bot API stand-in, proven against a real python-telegram-bot 22 Application over HTTP
(polling and webhook), plus its own wire-level behaviour. No network beyond 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MenuButtonCommands,
    Update,
)
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.support.telegram_standin import BotApiStandIn

# PTB 22 itself reads RetryAfter.retry_after when building the exception.
pytestmark = pytest.mark.filterwarnings(
    "ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning"
)

KEYBOARD = InlineKeyboardMarkup(
    [
        [
            InlineKeyboardButton("Có, tôi ở phường", callback_data="yes"),
            InlineKeyboardButton("Không", callback_data="no"),
        ],
        [InlineKeyboardButton("Trang web", url="https://example.vn")],
    ]
)


async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    payload = context.args[0] if context.args else "-"
    await update.effective_message.reply_text(f"Chào bạn! ({payload})", reply_markup=KEYBOARD)


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None and update.effective_message.text
    await update.effective_message.reply_text(update.effective_message.text)


async def on_contact(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message is not None and message.contact is not None
    await message.reply_text(f"SĐT: {message.contact.phone_number} ({message.contact.user_id})")


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer("Đã nhận")
    await query.edit_message_text(f"Bạn chọn: {query.data}")


def add_handlers(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("start", on_start))
    app.add_handler(MessageHandler(filters.CONTACT, on_contact))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, on_text))
    app.add_handler(CallbackQueryHandler(on_button))


@asynccontextmanager
async def polling_app(
    api: BotApiStandIn,
    setup: Callable[[Application], None] = add_handlers,  # type: ignore[type-arg]
    rate_limiter: AIORateLimiter | None = None,
) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    builder = ApplicationBuilder().token(api.token).base_url(api.base_url)
    if rate_limiter is not None:
        builder = builder.rate_limiter(rate_limiter)
    app = builder.build()
    setup(app)
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)
    try:
        yield app
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


@pytest.fixture
async def api() -> AsyncIterator[BotApiStandIn]:
    async with BotApiStandIn(token="123:ABC") as stand_in:
        yield stand_in


async def raw_call(api: BotApiStandIn, method: str, **kwargs: Any) -> tuple[int, Any]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{api.base_url}{api.token}/{method}", **kwargs) as response,
    ):
        return response.status, await response.json()


# ---------------------------------------------------------------------------- with PTB


async def test_polling_echo_round_trip(api: BotApiStandIn) -> None:
    async with polling_app(api):
        assert api.calls_to("getMe") and api.calls_to("deleteWebhook")
        update = api.push(api.message(42, "xin chào", first_name="Bình"))
        sent = await api.wait_sent(1, chat_id=42)
        assert sent[0]["text"] == "xin chào"
        assert sent[0]["chat_id"] == 42
        reply = api.calls_to("sendMessage")[0].result
        assert reply["chat"] == {"id": 42, "type": "private"}
        assert reply["from"]["username"] == "hiendien_test_bot"
        # message ids continue the chat's sequence (the user's message took the previous id)
        assert reply["message_id"] == update["message"]["message_id"] + 1
        # the update was confirmed through getUpdates(offset=...)
        await api.wait_for(lambda: not api.pending_updates)
    offsets = [c.params.get("offset") for c in api.calls_to("getUpdates")]
    assert update["update_id"] + 1 in offsets


async def test_command_payload_button_tap_edits_message(api: BotApiStandIn) -> None:
    async with polling_app(api):
        api.push(api.message(42, "/start hoiphunu"))
        sent = await api.wait_sent(1, chat_id=42)
        assert sent[0]["text"] == "Chào bạn! (hoiphunu)"
        keyboard = api.last_keyboard(42)
        assert [b["text"] for b in keyboard[0]] == ["Có, tôi ở phường", "Không"]
        assert keyboard[1][0]["url"] == "https://example.vn"

        message, data = api.button(42, "có")
        assert data == "yes"
        api.push(api.callback(42, data, message))
        edits = await api.wait_call("editMessageText")

    answer = api.calls_to("answerCallbackQuery")[0].params
    assert answer["text"] == "Đã nhận"
    assert edits[0].status == 200
    assert edits[0].params["message_id"] == message["message_id"]
    stored = api.messages[42][message["message_id"]]
    assert stored["text"] == "Bạn chọn: yes"
    assert "reply_markup" not in stored  # edited without a keyboard: Telegram drops it
    assert api.last_keyboard(42) == []
    assert api.calls_to("answerCallbackQuery")[0].at <= edits[0].at


async def test_group_chat_and_shared_contact(api: BotApiStandIn) -> None:
    async with polling_app(api):
        api.push(api.message(42, "chào nhóm", chat_id=-100123, chat_type="supergroup"))
        api.push(api.contact(42, "+84901234567"))
        await api.wait_sent(1, chat_id=-100123)
        sent = await api.wait_sent(1, chat_id=42)
    group_reply = next(c.result for c in api.calls_to("sendMessage") if c.result["chat"]["id"] < 0)
    assert group_reply["chat"]["type"] == "supergroup"
    assert sent[0]["text"] == "SĐT: +84901234567 (42)"


async def test_429_is_retried_once_after_retry_after(api: BotApiStandIn) -> None:
    api.fail_next("sendMessage", 429, retry_after=1)
    async with polling_app(api, rate_limiter=AIORateLimiter(max_retries=1)):
        api.push(api.message(42, "thử lại"))
        await api.wait_sent(1, chat_id=42, timeout=3)
    attempts = api.calls_to("sendMessage")
    assert [c.status for c in attempts] == [429, 200]
    assert attempts[1].at - attempts[0].at >= 1.0
    assert api.sent_texts() == ["thử lại"]


@pytest.mark.parametrize(
    ("status", "expected", "unexpected"),
    [
        (502, NetworkError, BadRequest),
        (403, Forbidden, None),
        (400, BadRequest, None),
    ],
)
async def test_send_errors_reach_the_error_handler(
    api: BotApiStandIn,
    status: int,
    expected: type[Exception],
    unexpected: type[Exception] | None,
) -> None:
    errors: list[object] = []

    async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        errors.append(context.error)

    def setup(app: Application) -> None:  # type: ignore[type-arg]
        add_handlers(app)
        app.add_error_handler(on_error)

    api.fail_next("sendMessage", status)
    async with polling_app(api, setup):
        api.push(api.message(42, "một"))
        await api.wait_for(lambda: bool(errors))
        api.push(api.message(42, "hai"))  # the failure was one-shot
        await api.wait_sent(1, chat_id=42)
    assert isinstance(errors[0], expected)
    if unexpected is not None:
        assert not isinstance(errors[0], unexpected)
    assert api.sent_texts(42) == ["hai"]
    if status == 403:
        assert "blocked by the user" in str(errors[0])


async def test_wrong_token_is_rejected_at_initialize(api: BotApiStandIn) -> None:
    app = ApplicationBuilder().token("999:WRONG").base_url(api.base_url).build()
    with pytest.raises(InvalidToken):
        await app.initialize()
    await app.bot.shutdown()  # the HTTP clients were opened before getMe failed
    assert api.calls == []
    assert [c.method for c in api.unauthorized] == ["getMe"]


async def test_webhook_mode(api: BotApiStandIn, aiohttp_server: Any) -> None:
    app = ApplicationBuilder().token(api.token).base_url(api.base_url).updater(None).build()
    add_handlers(app)

    async def hook(request: web.Request) -> web.Response:
        if request.headers.get("X-Telegram-Bot-Api-Secret-Token") != "s3cret":
            return web.Response(status=403)
        await app.process_update(Update.de_json(await request.json(), app.bot))
        return web.Response()

    web_app = web.Application()
    web_app.router.add_post("/hook", hook)
    server = await aiohttp_server(web_app)
    async with app:
        url = str(server.make_url("/hook"))
        await app.bot.set_webhook(url, secret_token="s3cret", allowed_updates=["message"])
        assert api.webhook == {
            "url": url,
            "secret_token": "s3cret",
            "allowed_updates": ["message"],
        }
        assert await api.post_webhook(api.message(7, "qua webhook")) == 200
        assert await api.post_webhook(api.message(7, "sai"), secret_token="nope") == 403
        info = await app.bot.get_webhook_info()
        assert info.url == url
    assert api.sent_texts(7) == ["qua webhook"]


# ---------------------------------------------------------------------------- bot methods


async def test_bot_methods_round_trip(api: BotApiStandIn) -> None:
    async with Bot(api.token, base_url=api.base_url) as bot:
        assert (await bot.get_me()).first_name == "Hiền Diện"
        commands = [BotCommand("start", "Bắt đầu"), BotCommand("help", "Trợ giúp")]
        assert await bot.set_my_commands(commands)
        assert await bot.get_my_commands() == tuple(commands)
        assert await bot.set_chat_menu_button(menu_button=MenuButtonCommands())
        assert await bot.delete_my_commands()
        assert await bot.get_my_commands() == ()

        first = await bot.send_message(5, "42", reply_markup=KEYBOARD)
        second = await bot.send_message(5, "b")
        other = await bot.send_message(6, "c")
        assert (first.message_id, second.message_id, other.message_id) == (1, 2, 1)
        assert api.sent(5)[0]["text"] == "42"  # a numeric text stays a string
        assert api.messages[5][1]["reply_markup"] == KEYBOARD.to_dict()

        edited = await bot.edit_message_reply_markup(5, 1, reply_markup=None)
        assert edited is not True and edited.reply_markup is None
        assert "reply_markup" not in api.messages[5][1]
        with pytest.raises(BadRequest, match="not modified"):
            await bot.edit_message_text("42", 5, 1)
        with pytest.raises(BadRequest, match="Message to edit not found"):
            await bot.edit_message_text("x", 5, 99)
        assert await bot.edit_message_text("inline", inline_message_id="abc") is True

        with pytest.raises(BadRequest, match="Method not found"):
            await bot.do_api_request("fooBar")


async def test_rate_limit(api: BotApiStandIn) -> None:
    api.rate_limit(2)
    async with Bot(api.token, base_url=api.base_url) as bot:
        await bot.send_message(1, "a")
        await bot.send_message(2, "b")
        with pytest.raises(RetryAfter) as excinfo:
            await bot.send_message(3, "c")
        assert excinfo.value._retry_after.total_seconds() == 1
        api.rate_limit()
        await bot.send_message(3, "c")
    assert api.sent_texts() == ["a", "b", "c"]


async def test_failure_queue_order(api: BotApiStandIn) -> None:
    api.fail_next("sendMessage", 502, times=2)
    api.fail_next("sendMessage", 429, retry_after=7)
    expected = [(502, "Bad Gateway"), (502, "Bad Gateway")]
    expected.append((429, "Too Many Requests: retry after 7"))
    for status, description in expected:
        code, body = await raw_call(api, "sendMessage", data={"chat_id": "1", "text": "x"})
        assert (code, body["error_code"], body["description"]) == (status, status, description)
    assert body["parameters"] == {"retry_after": 7}
    code, body = await raw_call(api, "sendMessage", data={"chat_id": "1", "text": "x"})
    assert code == 200 and body["ok"] is True


# ---------------------------------------------------------------------------- wire level


async def test_form_and_json_bodies_are_decoded(api: BotApiStandIn) -> None:
    markup = '{"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}'
    status, body = await raw_call(
        api, "sendMessage", data={"chat_id": "-1007", "text": "true", "reply_markup": markup}
    )
    assert status == 200
    params = api.calls[-1].params
    assert params == {
        "chat_id": -1007,
        "text": "true",
        "reply_markup": {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]},
    }
    assert body["result"]["chat"]["type"] == "supergroup"
    assert body["result"]["reply_markup"] == params["reply_markup"]

    status, body = await raw_call(api, "sendMessage", json={"chat_id": 9, "text": "json"})
    assert status == 200 and body["result"]["text"] == "json"
    assert api.calls[-1].params == {"chat_id": 9, "text": "json"}

    status, body = await raw_call(api, "setWebhook", data={"url": "https://x.vn/h"})
    assert status == 200 and body == {"ok": True, "result": True}

    status, body = await raw_call(api, "nope")
    assert status == 400
    assert body == {"ok": False, "error_code": 400, "description": "Bad Request: method not found"}

    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{api.base_url}1:bad/getMe") as response,
    ):
        assert response.status == 401
        assert (await response.json())["error_code"] == 401


async def test_get_updates_offset_limit_and_long_poll(api: BotApiStandIn) -> None:
    loop = asyncio.get_running_loop()
    first, second, third = (api.push(api.message(1, t)) for t in ("a", "b", "c"))
    _, body = await raw_call(api, "getUpdates", data={"limit": "2"})
    assert [u["update_id"] for u in body["result"]] == [first["update_id"], second["update_id"]]
    _, body = await raw_call(api, "getUpdates", data={"offset": str(third["update_id"])})
    assert [u["update_id"] for u in body["result"]] == [third["update_id"]]
    assert api.pending_updates == [third]

    # nothing pending: the long poll waits for the timeout, capped by it
    started = loop.time()
    offset = str(third["update_id"] + 1)
    _, body = await raw_call(api, "getUpdates", data={"offset": offset, "timeout": "0.3"})
    assert body["result"] == [] and 0.25 <= loop.time() - started < 1.5

    # a push wakes a pending long poll immediately
    task = loop.create_task(raw_call(api, "getUpdates", data={"offset": offset, "timeout": "10"}))
    await api.wait_for(lambda: len(api.calls_to("getUpdates")) == 4)
    started = loop.time()
    pushed = api.push(api.update_json(my_chat_member={"x": 1}))
    _, body = await task
    assert body["result"] == [pushed] and loop.time() - started < 1


async def test_wait_for_timeout_dumps_recent_calls(api: BotApiStandIn) -> None:
    await raw_call(api, "getMe")
    with pytest.raises(AssertionError, match=r"(?s)within 0.05s.*getMe -> 200"):
        await api.wait_for(lambda: False, timeout=0.05)
    with pytest.raises(AssertionError, match="no button containing"):
        api.button(42, "missing")


async def test_telegram_limits_count_rejected_calls_and_limit_groups_per_minute(
    api: BotApiStandIn,
) -> None:
    api.rate_limit(per_chat=1, per_group_per_minute=2, count_rejected=True, retry_after=3)
    assert (await raw_call(api, "sendMessage", json=dict(chat_id=7, text="a")))[0] == 200
    status, body = await raw_call(api, "sendMessage", json=dict(chat_id=7, text="b"))
    assert status == 429 and body["parameters"] == {"retry_after": 3}
    assert (await raw_call(api, "sendMessage", json=dict(chat_id=8, text="c")))[
        0
    ] == 200  # another chat
    for text in ("1", "2"):  # a group: two a minute, however slowly
        assert (await raw_call(api, "sendMessage", json=dict(chat_id=-100, text=text)))[0] == 200
    assert (await raw_call(api, "sendMessage", json=dict(chat_id=-100, text="3")))[0] == 429
    assert [c.params["text"] for c in api.rejected()] == ["b", "3"]
    api.rate_limit(per_second=1, count_rejected=True)
    assert (await raw_call(api, "sendMessage", json=dict(chat_id=9, text="x")))[0] == 200
    assert (await raw_call(api, "sendMessage", json=dict(chat_id=10, text="y")))[0] == 429
    # the rejected call counted: the window holds two sends now
    assert sum(1 for c in api.calls_to("sendMessage") if c.params["text"] in "xy") == 2


async def test_a_second_poller_gets_409_conflict(api: BotApiStandIn) -> None:
    api.conflicts()
    first = asyncio.create_task(raw_call(api, "getUpdates", json=dict(timeout=2)))
    await api.wait_for(lambda: len(api.calls_to("getUpdates")) == 1)
    status, body = await raw_call(api, "getUpdates", json=dict(timeout=0))
    assert status == 409 and "terminated by other getUpdates request" in body["description"]
    api.push(api.message(42, "hi"))
    assert (await first)[0] == 200
    assert (await raw_call(api, "getUpdates", json=dict(timeout=0)))[0] == 200  # alone again
