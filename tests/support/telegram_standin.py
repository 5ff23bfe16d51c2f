"""A stand-in for the Telegram Bot API server, for offline end-to-end tests.

``BotApiStandIn`` runs a small aiohttp server on 127.0.0.1 (random port) that speaks the
Bot API the way python-telegram-bot 22.x expects it (see shared/platforms/telegram.md §3):

* requests are ``POST {base_url}{token}/{method}`` with form fields (strings raw, every other
  value JSON-encoded) or a JSON body; query-string parameters are accepted too;
* answers are ``{"ok": true, "result": ...}``; errors are
  ``{"ok": false, "error_code": N, "description": "...", "parameters": {...}}``;
* a wrong token answers 401 (PTB raises ``InvalidToken``), an unknown method 400.

Use it as an async context manager and point PTB at it::

    async with BotApiStandIn() as api:
        app = ApplicationBuilder().token(api.token).base_url(api.base_url).build()
        ...
        api.push(api.message(42, "/start hoiphunu"))
        await api.wait_sent(1, chat_id=42)

It records every call (``api.calls``), keeps the current state of every bot message
(``api.messages[chat_id][message_id]``), queues updates for ``getUpdates`` (``api.push``),
builds realistic updates (``api.message``, ``api.contact``, ``api.callback``), and can answer
errors on demand (``api.fail_next``, ``api.rate_limit``).
"""

from __future__ import annotations

import asyncio
import copy
import json
import re
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from http import HTTPStatus
from types import TracebackType
from typing import Any, Self

import aiohttp
from aiohttp import web

from tests.support.waiting import wait_until

__all__ = ["BotApiStandIn", "Call", "StandInError"]

JsonDict = dict[str, Any]
ChatId = int | str

#: Parameters that PTB always sends as raw strings; never JSON-decoded (so a text "42" stays
#: a string).
_STRING_FIELDS = frozenset(
    {
        "text",
        "caption",
        "data",
        "callback_query_id",
        "inline_message_id",
        "url",
        "secret_token",
        "ip_address",
        "parse_mode",
        "language_code",
        "business_connection_id",
        "message_effect_id",
        "first_name",
        "last_name",
        "name",
        "title",
        "description",
        "short_description",
        "query",
        "emoji",
        "action",
    }
)
_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")

#: Default descriptions, worded like the real server's.
_DESCRIPTIONS: dict[int, str] = {
    400: "Bad Request: chat not found",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}

#: Methods that simply answer ``true`` (besides recording the call).
_TRUE_METHODS = frozenset(
    {
        "setmycommands",
        "deletemycommands",
        "setchatmenubutton",
        "answercallbackquery",
        "sendchataction",
        "setmydescription",
        "setmyshortdescription",
        "setmyname",
    }
)


@dataclass
class Call:
    """One request the stand-in received.

    ``at`` is ``time.monotonic()`` at arrival; ``status`` is the HTTP status answered (0 while
    a long poll is still pending); ``result`` is the ``result`` sent back (None on errors).
    """

    method: str
    params: JsonDict
    at: float
    status: int = 0
    result: Any = None


class StandInError(Exception):
    """Raised inside a method implementation to answer a Bot API error."""

    def __init__(
        self, status: int, description: str | None = None, parameters: JsonDict | None = None
    ) -> None:
        self.status = status
        self.description = description or _DESCRIPTIONS.get(status) or _phrase(status)
        self.parameters = parameters
        super().__init__(f"{status}: {self.description}")

    def body(self) -> JsonDict:
        body: JsonDict = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


@dataclass
class _Failure:
    status: int
    retry_after: int | None
    description: str | None
    remaining: int


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"Error {status}"


def _decode(name: str, value: Any) -> Any:
    """JSON-decode a form value the way PTB encoded it (non-strings are ``json.dumps``-ed)."""
    if name in _STRING_FIELDS or not isinstance(value, str):
        return value
    stripped = value.strip()
    if not stripped:
        return value
    if stripped[0] in "[{" or stripped in ("true", "false", "null") or _NUMBER.fullmatch(stripped):
        try:
            return json.loads(stripped)
        except ValueError:
            return value
    return value


def _utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def _same_chat(a: Any, b: Any) -> bool:
    return a == b or str(a) == str(b)


def _is_group(chat_id: Any) -> bool:
    """Groups and channels have negative ids; private chats are the user's (positive) id."""
    try:
        return int(chat_id) < 0
    except (TypeError, ValueError):
        return str(chat_id).startswith("@")


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False)


class BotApiStandIn:
    """A Telegram Bot API server on 127.0.0.1 for tests. See the module docstring."""

    def __init__(
        self,
        token: str = "123:ABC",  # noqa: S107 - a fake token for a fake server
        *,
        bot_username: str = "hiendien_test_bot",
        bot_first_name: str = "Hiền Diện",
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.token = token
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        prefix = token.split(":", 1)[0]
        self.bot_id: int = int(prefix) if prefix.isdigit() else 1
        self.host = host
        #: 0: a free port, chosen at start; given: that one (known before the server starts)
        self.port: int = port
        self.base_url: str = f"http://{host}:{port}/bot" if port else ""

        self.calls: list[Call] = []
        #: Calls made with a wrong token (answered 401).
        self.unauthorized: list[Call] = []
        #: Current state of every message the bot sent: ``messages[chat_id][message_id]``.
        self.messages: dict[ChatId, dict[int, JsonDict]] = defaultdict(dict)
        #: What the last setWebhook asked for: ``{"url", "secret_token", "allowed_updates"}``
        #: (``url`` is "" after deleteWebhook).
        self.webhook: JsonDict = {"url": "", "secret_token": None, "allowed_updates": None}
        #: The webhook's last delivery error as getWebhookInfo reports it: (unix time, message).
        self.webhook_error: tuple[int, str] | None = None
        #: The commands from the last setMyCommands (returned by getMyCommands).
        self.commands: list[JsonDict] = []

        self._updates: list[JsonDict] = []
        self._update_event = asyncio.Event()
        self._next_update_id = 1
        self._next_callback_id = 1
        self._message_ids: dict[ChatId, int] = defaultdict(int)
        self._chat_types: dict[ChatId, str] = {}
        self._failures: dict[str, deque[_Failure]] = defaultdict(deque)
        self._holds: list[tuple[str, int | None]] = []
        self._unheld = asyncio.Event()
        self._unheld.set()
        self._rate_per_second: int | None = None
        self._latency: dict[str, float] = {}
        self._rate_per_chat: int | None = None
        self._send_times: deque[tuple[float, ChatId]] = deque()
        self._rate_per_group: int | None = None  # per minute
        self._group_times: deque[tuple[float, ChatId]] = deque()
        self._count_rejected = False
        self._retry_after = 1
        self._chat_jitter = 0.0
        self._conflicts = False
        self._polling = 0
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._methods: dict[str, Callable[[JsonDict], Awaitable[Any]]] = {
            "getme": self._get_me,
            "getupdates": self._get_updates,
            "deletewebhook": self._delete_webhook,
            "setwebhook": self._set_webhook,
            "getwebhookinfo": self._get_webhook_info,
            "getmycommands": self._get_my_commands,
            "sendmessage": self._send_message,
            "editmessagetext": self._edit_message_text,
            "editmessagereplymarkup": self._edit_message_reply_markup,
            "deletemessage": self._delete_message,
        }

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> Self:
        """Start the server (``async with`` does this for you)."""
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(
            app, access_log=None, shutdown_timeout=1.0, handler_cancellation=True
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        self.base_url = f"http://{self.host}:{self.port}/bot"
        return self

    async def close(self) -> None:
        """Release pending long polls and stop the server."""
        self._closing = True
        self._update_event.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # ------------------------------------------------------------------ HTTP

    async def _params(self, request: web.Request) -> JsonDict:
        params: JsonDict = {k: _decode(k, v) for k, v in request.query.items()}
        if request.content_type == "application/json":
            raw = await request.read()
            if raw.strip():
                body = json.loads(raw)
                if isinstance(body, dict):
                    params.update(body)
        elif request.can_read_body:
            form = await request.post()
            for key, value in form.items():
                params[key] = _decode(key, value) if isinstance(value, str) else value
        return params

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        try:
            params = await self._params(request)
        except ValueError:
            bad = StandInError(400, "Bad Request: can't parse request body")
            return web.json_response(bad.body(), status=400, dumps=_dumps)
        call = Call(method=method, params=params, at=time.monotonic())
        if request.match_info["token"] != self.token:
            self.unauthorized.append(call)
            error = StandInError(401)
            call.status = 401
            return web.json_response(error.body(), status=401, dumps=_dumps)
        self.calls.append(call)
        if self._is_held(method, params):
            # Lost in transit: never delivered, never answered (the bot times out or dies).
            await self._unheld.wait()
            call.status = 499
            return web.Response(status=499)
        try:
            self._injected_failure(method, params)
            implementation = self._methods.get(method.lower())
            if implementation is not None:
                result = await implementation(params)
            elif method.lower() in _TRUE_METHODS:
                result = self._true_method(method.lower(), params)
            else:
                raise StandInError(400, "Bad Request: method not found")
        except StandInError as error:
            call.status = error.status
            return web.json_response(error.body(), status=error.status, dumps=_dumps)
        call.status = 200
        call.result = result
        if method.lower() in self._latency:  # a distant server: done, the answer on its way
            await asyncio.sleep(self._latency[method.lower()])
        return web.json_response({"ok": True, "result": result}, dumps=_dumps)

    def _injected_failure(self, method: str, params: JsonDict) -> None:
        queue = self._failures.get(method.lower())
        if queue:
            failure = queue[0]
            failure.remaining -= 1
            if failure.remaining <= 0:
                queue.popleft()
            parameters = None
            description = failure.description
            if failure.status == 429:
                retry_after = 1 if failure.retry_after is None else failure.retry_after
                parameters = {"retry_after": retry_after}
                description = description or f"Too Many Requests: retry after {retry_after}"
            elif failure.retry_after is not None:
                parameters = {"retry_after": failure.retry_after}
            raise StandInError(failure.status, description, parameters)
        if method.lower() == "sendmessage":
            self._check_rate(params.get("chat_id"))

    def _check_rate(self, chat_id: Any) -> None:
        if (self._rate_per_second, self._rate_per_chat, self._rate_per_group) == (None,) * 3:
            return
        now = time.monotonic()
        while self._send_times and now - self._send_times[0][0] >= 1.0:
            self._send_times.popleft()
        while self._group_times and now - self._group_times[0][0] >= 60.0:
            self._group_times.popleft()
        group = _is_group(chat_id)
        too_many = (
            (self._rate_per_second is not None and len(self._send_times) >= self._rate_per_second)
            or (
                self._rate_per_chat is not None
                and not group
                and sum(
                    1
                    for t, c in self._send_times
                    if _same_chat(c, chat_id) and now - t < 1.0 - self._chat_jitter
                )
                >= self._rate_per_chat
            )
            or (
                self._rate_per_group is not None
                and group
                and sum(1 for _, c in self._group_times if _same_chat(c, chat_id))
                >= self._rate_per_group
            )
        )
        if too_many and not self._count_rejected:
            wait = self._retry_after
            raise StandInError(429, f"Too Many Requests: retry after {wait}", {"retry_after": wait})
        self._send_times.append((now, chat_id))
        if group:
            self._group_times.append((now, chat_id))
        if too_many:  # counted toward the rate, as Telegram counts every call
            wait = self._retry_after
            raise StandInError(429, f"Too Many Requests: retry after {wait}", {"retry_after": wait})

    # ------------------------------------------------------------------ methods

    def bot_user(self) -> JsonDict:
        """The bot as a Telegram User object (what getMe answers)."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    async def _get_me(self, params: JsonDict) -> JsonDict:
        return self.bot_user()

    def _true_method(self, method: str, params: JsonDict) -> bool:
        if method == "setmycommands":
            self.commands = list(params.get("commands") or [])
        elif method == "deletemycommands":
            self.commands = []
        return True

    async def _get_my_commands(self, params: JsonDict) -> list[JsonDict]:
        return copy.deepcopy(self.commands)

    async def _delete_webhook(self, params: JsonDict) -> bool:
        self.webhook = {"url": "", "secret_token": None, "allowed_updates": None}
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _set_webhook(self, params: JsonDict) -> bool:
        if not params.get("url"):
            raise StandInError(400, "Bad Request: bad webhook: URL is empty")
        self.webhook = {
            "url": params["url"],
            "secret_token": params.get("secret_token"),
            "allowed_updates": params.get("allowed_updates"),
        }
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _get_webhook_info(self, params: JsonDict) -> JsonDict:
        info: JsonDict = {
            "url": self.webhook["url"],
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self.webhook["allowed_updates"] is not None:
            info["allowed_updates"] = self.webhook["allowed_updates"]
        if self.webhook_error is not None:
            info["last_error_date"], info["last_error_message"] = self.webhook_error
        return info

    async def _get_updates(self, params: JsonDict) -> list[JsonDict]:
        if self._conflicts and self._polling:
            raise StandInError(409)
        self._polling += 1
        try:
            return await self._poll(params)
        finally:
            self._polling -= 1

    async def _poll(self, params: JsonDict) -> list[JsonDict]:
        offset = params.get("offset")
        if isinstance(offset, int) and offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif isinstance(offset, int) and offset < 0:
            self._updates = self._updates[offset:]
        limit = params.get("limit")
        limit = 100 if not isinstance(limit, int) or not 1 <= limit <= 100 else limit
        timeout = params.get("timeout") or 0
        timeout = float(timeout) if isinstance(timeout, int | float) else 0.0
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not self._updates and not self._closing:
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            self._update_event.clear()
            try:
                await asyncio.wait_for(self._update_event.wait(), remaining)
            except TimeoutError:
                break
        return copy.deepcopy(self._updates[:limit])

    def _chat(self, chat_id: ChatId) -> JsonDict:
        kind = self._chat_types.get(chat_id) or self._chat_types.get(str(chat_id))
        if kind is None:
            if isinstance(chat_id, str) and chat_id.startswith("@"):
                kind = "channel"
            else:
                kind = (
                    "private"
                    if str(chat_id).lstrip("-").isdigit() and int(chat_id) > 0
                    else "supergroup"
                )
        return {"id": chat_id, "type": kind}

    def _next_message_id(self, chat_id: ChatId) -> int:
        self._message_ids[chat_id] += 1
        return self._message_ids[chat_id]

    async def _send_message(self, params: JsonDict) -> JsonDict:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise StandInError(400, "Bad Request: chat_id is empty")
        text = params.get("text")
        if not text:
            raise StandInError(400, "Bad Request: message text is empty")
        message: JsonDict = {
            "message_id": self._next_message_id(chat_id),
            "date": int(time.time()),
            "chat": self._chat(chat_id),
            "from": self.bot_user(),
            "text": text,
        }
        markup = params.get("reply_markup")
        # Like Telegram: a message carries only an inline keyboard; a reply keyboard (or its
        # removal) changes the chat's input field, not the message.
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        self.messages[chat_id][message["message_id"]] = message
        return copy.deepcopy(message)

    def _stored(self, params: JsonDict) -> JsonDict | None:
        """The message an edit targets; None for inline messages."""
        if params.get("inline_message_id"):
            return None
        chat_id, message_id = params.get("chat_id"), params.get("message_id")
        for key, chat in self.messages.items():
            if _same_chat(key, chat_id) and message_id in chat:
                return chat[message_id]
        raise StandInError(400, "Bad Request: message to edit not found")

    @staticmethod
    def _apply_markup(message: JsonDict, params: JsonDict) -> None:
        # Like Telegram: an edit without reply_markup removes the inline keyboard.
        if params.get("reply_markup") is not None:
            message["reply_markup"] = params["reply_markup"]
        else:
            message.pop("reply_markup", None)

    async def _edit_message_text(self, params: JsonDict) -> JsonDict | bool:
        if not params.get("text"):
            raise StandInError(400, "Bad Request: message text is empty")
        message = self._stored(params)
        if message is None:
            return True
        if message.get("text") == params["text"] and message.get("reply_markup") == params.get(
            "reply_markup"
        ):
            raise StandInError(
                400,
                "Bad Request: message is not modified: specified new message content and "
                "reply markup are exactly the same as a current content and reply markup "
                "of the message",
            )
        message["text"] = params["text"]
        self._apply_markup(message, params)
        message["edit_date"] = int(time.time())
        return copy.deepcopy(message)

    async def _edit_message_reply_markup(self, params: JsonDict) -> JsonDict | bool:
        message = self._stored(params)
        if message is None:
            return True
        if message.get("reply_markup") == params.get("reply_markup"):
            raise StandInError(
                400,
                "Bad Request: message is not modified: specified new message content and "
                "reply markup are exactly the same as a current content and reply markup "
                "of the message",
            )
        self._apply_markup(message, params)
        message["edit_date"] = int(time.time())
        return copy.deepcopy(message)

    async def _delete_message(self, params: JsonDict) -> bool:
        for key, chat in self.messages.items():
            if _same_chat(key, params.get("chat_id")) and params.get("message_id") in chat:
                del chat[params["message_id"]]
                return True
        raise StandInError(400, "Bad Request: message to delete not found")

    # ------------------------------------------------------------------ failure injection

    def fail_next(
        self,
        method: str,
        status: int,
        retry_after: int | None = None,
        description: str | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` with an error.

        429 carries ``parameters.retry_after`` (default 1) and "Too Many Requests: retry after
        N"; other statuses get Telegram-like descriptions (502 "Bad Gateway", 403 "Forbidden:
        bot was blocked by the user", 400 "Bad Request: chat not found", ...). Successive
        ``fail_next`` calls for one method queue up in order.
        """
        if times < 1:
            raise ValueError("times must be >= 1")
        self._failures[method.lower()].append(_Failure(status, retry_after, description, times))

    def hold(self, method: str, chat_id: int | None = None) -> None:
        """Lose calls of ``method`` (to ``chat_id``, if given): they are never delivered and
        stay unanswered until :meth:`release` (then 499), as a request in flight when the
        bot is killed. Calls after :meth:`release` are served normally."""
        self._holds.append((method.lower(), chat_id))
        self._unheld.clear()

    def release(self) -> None:
        self._holds.clear()
        self._unheld.set()

    def _is_held(self, method: str, params: JsonDict) -> bool:
        chat = params.get("chat_id")
        return any(
            m == method.lower() and (c is None or str(c) == str(chat)) for m, c in self._holds
        )

    def slow(self, method: str, seconds: float) -> None:
        """Answer ``method`` ``seconds`` late, as Telegram does from far away (~0.15 s).
        The call is carried out when it arrives; only the answer is late (a bot killed
        meanwhile has still sent its message)."""
        self._latency[method.lower()] = seconds

    def rate_limit(
        self,
        per_second: int | None = None,
        *,
        per_chat: int | None = None,
        per_group_per_minute: int | None = None,
        count_rejected: bool = False,
        retry_after: int = 1,
        chat_jitter: float = 0.0,
    ) -> None:
        """Answer sendMessage with 429 (``retry_after``, default 1) beyond ``per_second``
        messages in any one-second window overall, ``per_chat`` per private chat in any
        second and/or ``per_group_per_minute`` per group (negative chat id) in any minute.
        ``rate_limit()`` turns it off. Rejected calls count toward the rate only with
        ``count_rejected`` (as Telegram counts them: a bot that keeps knocking stays
        limited). ``chat_jitter``: seconds by which two messages to one private chat may
        arrive closer than a second (a bot pacing them exactly 1 s apart sees the network
        bring them 0.99 s apart). ``telegram_limits()`` sets Telegram's own figures."""
        self._rate_per_second = per_second
        self._rate_per_chat = per_chat
        self._rate_per_group = per_group_per_minute
        self._count_rejected = count_rejected
        self._retry_after = retry_after
        self._chat_jitter = chat_jitter
        self._send_times.clear()
        self._group_times.clear()

    def telegram_limits(self) -> None:
        """Telegram's published limits (shared/platforms/telegram.md): 30 messages a second
        overall, 1 a second per private chat (50 ms of network jitter allowed), 20 a minute
        per group; rejected calls count."""
        self.rate_limit(
            30, per_chat=1, per_group_per_minute=20, count_rejected=True, chat_jitter=0.05
        )

    def conflicts(self, on: bool = True) -> None:
        """Answer 409 Conflict to a getUpdates that arrives while another is still waiting,
        as Telegram does when two bot instances poll with one token."""
        self._conflicts = on

    def rejected(self) -> list[Call]:
        """Every call answered 429."""
        return [c for c in self.calls if c.status == 429]

    # ------------------------------------------------------------------ inspection

    def calls_to(self, method: str) -> list[Call]:
        """All recorded calls of ``method`` (case-insensitive), failed ones included."""
        return [c for c in self.calls if c.method.lower() == method.lower()]

    def sent(self, chat_id: ChatId | None = None) -> list[JsonDict]:
        """Params of the sendMessage calls that were delivered (answered 200), optionally only
        those to ``chat_id``."""
        return [
            c.params
            for c in self.calls_to("sendMessage")
            if c.status == 200 and (chat_id is None or _same_chat(c.params.get("chat_id"), chat_id))
        ]

    def sent_texts(self, chat_id: ChatId | None = None) -> list[str]:
        """Just the texts of :meth:`sent`."""
        return [p.get("text", "") for p in self.sent(chat_id)]

    def _bot_messages(self, chat_id: ChatId) -> list[JsonDict]:
        for key, chat in self.messages.items():
            if _same_chat(key, chat_id):
                return [chat[i] for i in sorted(chat)]
        return []

    def last_message(self, chat_id: ChatId) -> JsonDict | None:
        """A copy of the newest bot message (current state) in the chat, or None."""
        messages = self._bot_messages(chat_id)
        return copy.deepcopy(messages[-1]) if messages else None

    def last_keyboard(self, chat_id: ChatId) -> list[list[JsonDict]]:
        """Inline keyboard rows (``[{text, callback_data | url}, ...]``) of the newest bot
        message in the chat that still has one; [] if none."""
        for message in reversed(self._bot_messages(chat_id)):
            rows = (message.get("reply_markup") or {}).get("inline_keyboard")
            if rows:
                return copy.deepcopy(rows)
        return []

    def button(self, chat_id: ChatId, text_contains: str) -> tuple[JsonDict, str]:
        """Find an inline button whose text contains ``text_contains`` (case-insensitive),
        newest message first. Returns ``(message, callback_data)`` (the url for URL buttons),
        ready for :meth:`callback`. Raises AssertionError listing the buttons if none match."""
        needle = text_contains.casefold()
        seen: list[str] = []
        for message in reversed(self._bot_messages(chat_id)):
            rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
            for row in rows:
                for button in row:
                    seen.append(str(button.get("text")))
                    if needle in str(button.get("text", "")).casefold():
                        value = button.get("callback_data") or button.get("url") or ""
                        return copy.deepcopy(message), value
        raise AssertionError(f"no button containing {text_contains!r} in chat {chat_id}: {seen}")

    def forget_sent(self, sent: JsonDict) -> None:
        """Take one delivered message (an item of :meth:`sent`) out of the record — its
        sendMessage call and the message — as if it had never been sent: for a probe a test
        sends only to learn that the bot is done (tests.support.telegram_chat.settled)."""
        [call] = [c for c in self.calls if c.params is sent]
        self.calls.remove(call)
        for key, chat in self.messages.items():
            if _same_chat(key, sent.get("chat_id")):
                chat.pop(call.result["message_id"], None)

    def dump(self, last: int = 30) -> str:
        """Recent calls as text (empty getUpdates polls left out), for failure messages."""
        rows = [
            c
            for c in self.calls
            if not (c.method.lower() == "getupdates" and c.status == 200 and not c.result)
        ][-last:]
        lines = [f"  {c.at:.3f} {c.method} -> {c.status} {_dumps(c.params)}" for c in rows]
        return "\n".join(lines) or "  (no calls)"

    # ------------------------------------------------------------------ waiting

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        """Poll ``predicate`` every 10 ms until true; AssertionError with recent calls on
        timeout."""
        await wait_until(predicate, timeout, self.dump, "calls")

    async def wait_sent(
        self, count: int, chat_id: ChatId | None = None, timeout: float = 5.0
    ) -> list[JsonDict]:
        """Wait until at least ``count`` messages were delivered (to ``chat_id``); returns
        :meth:`sent`."""
        await self.wait_for(lambda: len(self.sent(chat_id)) >= count, timeout)
        return self.sent(chat_id)

    async def wait_call(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Wait until ``method`` was called at least ``count`` times; returns those calls."""
        await self.wait_for(lambda: len(self.calls_to(method)) >= count, timeout)
        return self.calls_to(method)

    # ------------------------------------------------------------------ updates

    def push(self, update: JsonDict) -> JsonDict:
        """Queue an update for getUpdates (wakes a pending long poll); returns it."""
        if "update_id" not in update:
            update = {"update_id": self._take_update_id(), **update}
        self._updates.append(update)
        self._update_event.set()
        return update

    @property
    def pending_updates(self) -> list[JsonDict]:
        """Updates queued and not yet confirmed by a getUpdates offset."""
        return list(self._updates)

    def _take_update_id(self) -> int:
        update_id = self._next_update_id
        self._next_update_id += 1
        return update_id

    def update_json(self, **fields: Any) -> JsonDict:
        """A bare Update with the next ``update_id`` and the given fields, e.g.
        ``update_json(my_chat_member={...})``. Push it or POST it to a webhook."""
        return {"update_id": self._take_update_id(), **fields}

    @staticmethod
    def user(user_id: int, first_name: str = "An", username: str | None = None) -> JsonDict:
        """A (human) Telegram User object."""
        user: JsonDict = {"id": user_id, "is_bot": False, "first_name": first_name}
        if username:
            user["username"] = username
        return user

    def _user_chat(self, user: JsonDict, chat_id: ChatId | None, chat_type: str | None) -> JsonDict:
        chat_id = user["id"] if chat_id is None else chat_id
        kind = chat_type or self._chat_types.get(chat_id)
        if kind is None:
            kind = "private" if isinstance(chat_id, int) and chat_id > 0 else "supergroup"
        self._chat_types[chat_id] = kind
        chat: JsonDict = {"id": chat_id, "type": kind}
        if kind == "private":
            chat["first_name"] = user["first_name"]
            if "username" in user:
                chat["username"] = user["username"]
        else:
            chat["title"] = "Nhóm thử nghiệm"
        return chat

    def _user_message(
        self,
        user_id: int,
        chat_id: ChatId | None,
        first_name: str,
        username: str | None,
        chat_type: str | None,
        fields: JsonDict,
    ) -> JsonDict:
        sender = self.user(user_id, first_name, username)
        chat = self._user_chat(sender, chat_id, chat_type)
        message: JsonDict = {
            "message_id": self._next_message_id(chat["id"]),
            "date": int(time.time()),
            "chat": chat,
            "from": sender,
            **fields,
        }
        return self.update_json(message=message)

    def message(
        self,
        user_id: int,
        text: str,
        chat_id: ChatId | None = None,
        first_name: str = "An",
        username: str | None = None,
        chat_type: str | None = None,
    ) -> JsonDict:
        """An Update with a text Message from ``user_id`` (private chat unless ``chat_id`` is
        given; negative ids default to ``supergroup``). Text starting with "/" gets a
        ``bot_command`` entity covering the command word ("/start" in "/start hoiphunu")."""
        fields: JsonDict = {"text": text}
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            fields["entities"] = [
                {"type": "bot_command", "offset": 0, "length": _utf16_len(command)}
            ]
        return self._user_message(user_id, chat_id, first_name, username, chat_type, fields)

    def contact(
        self,
        user_id: int,
        phone_number: str,
        contact_user_id: int | None = None,
        chat_id: ChatId | None = None,
        first_name: str = "An",
        username: str | None = None,
    ) -> JsonDict:
        """An Update with a Message carrying ``contact: {phone_number, first_name, user_id}``
        (``user_id`` defaults to the sender: the "share my phone" button)."""
        contact: JsonDict = {
            "phone_number": phone_number,
            "first_name": first_name,
            "user_id": user_id if contact_user_id is None else contact_user_id,
        }
        return self._user_message(
            user_id, chat_id, first_name, username, None, {"contact": contact}
        )

    def callback(
        self,
        user_id: int,
        data: str,
        message: JsonDict | None = None,
        chat_id: ChatId | None = None,
        first_name: str = "An",
        username: str | None = None,
    ) -> JsonDict:
        """An Update with a CallbackQuery ``{id, from, chat_instance, data, message}``.

        ``message`` is the bot message whose button was tapped (e.g. from :meth:`button`);
        its current stored state is used. Without it, the newest bot message in ``chat_id``
        (default: the user's private chat) is used."""
        target_chat = user_id if chat_id is None else chat_id
        if message is not None:
            target_chat = message["chat"]["id"]
            current = next(
                (
                    m
                    for m in self._bot_messages(target_chat)
                    if m["message_id"] == message["message_id"]
                ),
                message,
            )
        else:
            found = self.last_message(target_chat)
            if found is None:
                raise AssertionError(f"the bot has sent no message in chat {target_chat}")
            current = found
        query_id = str(self._next_callback_id)
        self._next_callback_id += 1
        query: JsonDict = {
            "id": query_id,
            "from": self.user(user_id, first_name, username),
            "chat_instance": f"ci{target_chat}",
            "data": data,
            "message": copy.deepcopy(current),
        }
        return self.update_json(callback_query=query)

    # ------------------------------------------------------------------ webhook mode

    async def post_webhook(
        self,
        update: JsonDict,
        url: str | None = None,
        secret_token: str | None = None,
        timeout: float = 5.0,
    ) -> int:
        """POST ``update`` as Telegram would to a webhook: to ``url`` (default: the URL from
        the last setWebhook) with ``X-Telegram-Bot-Api-Secret-Token`` (default: the recorded
        secret; pass "" to send none). Returns the HTTP status."""
        target = url or self.webhook["url"]
        if not target:
            raise AssertionError("no webhook URL: call setWebhook first or pass url=")
        secret = self.webhook["secret_token"] if secret_token is None else secret_token
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
        client_timeout = aiohttp.ClientTimeout(total=timeout)
        async with (
            aiohttp.ClientSession(timeout=client_timeout) as session,
            session.post(target, json=update, headers=headers) as response,
        ):
            await response.read()
            return response.status
