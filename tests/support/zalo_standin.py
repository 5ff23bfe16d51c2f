"""A stand-in for the Zalo Official Account platform, for offline end-to-end tests.

``ZaloStandIn`` runs a small aiohttp server on 127.0.0.1 (random port) that plays both Zalo
hosts of shared/platforms/zalo-oa.md §10, so the bot's ``ZALO_API_BASE_URL`` and
``ZALO_OAUTH_BASE_URL`` can both point at ``stand_in.api_base_url`` / ``oauth_base_url``:

* OAuth v4 (``POST /v4/oa/access_token``, form fields, header ``secret_key`` = App Secret):
  25 h access tokens (``"expires_in": "90000"``, a string) and single-use rotating refresh
  tokens; a flat ``{"access_token", "refresh_token", "expires_in"}`` on success, a body with
  ``error`` and no ``access_token`` on failure (``-14014`` for a used or unknown refresh
  token). ``GET /v4/oa/permission`` redirects with a one-time code (10 min).
* OpenAPI (header ``access_token``): ``POST /v3.0/oa/message/cs``, ``GET /v2.0/oa/getoa``,
  ``GET /v3.0/oa/user/detail?data={"user_id": ...}``. Every answer is HTTP 200 with
  ``{"error": code, "message": ...[, "data": ...]}``; ``message/cs`` checks in §10's order:
  token (-216 missing/unknown, -220 expired), ``rate_limited`` (-32), body (-201), follower
  (-213), 7-day window (-230), restriction (-244), ``night`` (-234), type support (-233).
* A webhook driver: builders for the events of §2 (``user_text``, ``follow``, ...) and
  ``post_webhook``, which serialises an event once (compact, UTF-8, ``ensure_ascii=False``) and
  signs exactly those bytes: ``X-ZEvent-Signature: mac=`` +
  ``sha256(app_id + body + timestamp + oa_secret_key)``. Optionally each successful send is
  echoed (``oa_send_text``) to ``echo_webhook_url``, like Zalo echoes every OA message.

Use it as an async context manager::

    async with ZaloStandIn() as zalo:
        env = {"ZALO_API_BASE_URL": zalo.api_base_url, "ZALO_OAUTH_BASE_URL":
               zalo.oauth_base_url, "ZALO_APP_ID": zalo.app_id, "ZALO_APP_SECRET":
               zalo.app_secret, "ZALO_OA_SECRET_KEY": zalo.oa_secret_key,
               "ZALO_REFRESH_TOKEN": zalo.seed_refresh_token()}
        ...
        user = zalo.add_user()
        await zalo.post_webhook(webhook_url, zalo.user_text(user, "xin chào"))
        [reply] = await zalo.wait_sent(1, user_id=user)

The clock (``now_ms``) is the wall clock plus whatever ``advance(seconds)`` added; token
expiry, the 7-day window and event timestamps all use it. Error codes and messages come from
§4; the OAuth error codes other than -14014 are not documented anywhere and are made up here
(the bot must key on the absence of ``access_token``, not on the code).
"""

from __future__ import annotations

import asyncio
import base64
import copy
import hashlib
import json
import random
import string
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from types import TracebackType
from typing import Any, Literal, Self
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import aiohttp
from aiohttp import web

from tests.support.waiting import wait_until

__all__ = [
    "ApiCall",
    "Delivery",
    "Refresh",
    "ZaloStandIn",
    "serialise",
    "zalo_mac",
]

JsonDict = dict[str, Any]
UserId = str | int
Signature = Literal["valid", "missing", "bad", "stale_secret", "app_secret", "bare", "upper"]

SECOND_MS = 1000
DAY_MS = 86_400 * SECOND_MS
#: CS messages are rejected (-230) once the user's last interaction is older than this.
WINDOW_MS = 7 * DAY_MS
TEXT_LIMIT = 2000
BUTTON_LIMIT = 5
BUTTON_TITLE_LIMIT = 100
BUTTON_PAYLOAD_LIMIT = 1000
INFO_TITLE_LIMIT = 100
INFO_SUBTITLE_LIMIT = 500
BUTTON_TYPES = frozenset(
    {"oa.query.show", "oa.query.hide", "oa.open.url", "oa.open.phone", "oa.open.sms"}
)
SIGNATURE_HEADER = "X-ZEvent-Signature"
VIETNAM = timezone(timedelta(hours=7))

#: Messages of the OpenAPI error codes (§4).
ERROR_MESSAGES: dict[int, str] = {
    0: "Success",
    -32: "The app or OA has reached the API rate limit",
    -100: "Attachment id has expired",
    -201: "Parameters are invalid!",
    -204: "Official Account is disabled",
    -205: "Official Account does not exist",
    -211: "Out of quota",
    -213: "User has not followed the OA",
    -216: "Access token is invalid",
    -217: "User has blocked invitations from the OA",
    -218: "Recipient has reached the receive quota",
    -220: "Access token has expired or has been removed",
    -223: "OA has not authorized this API",
    -227: "User is banned or has been inactive for more than 45 days",
    -230: "User has not interacted with the OA in the past 7 days",
    -232: "User's last interaction has expired",
    -233: "The type of message is invalid or not supported",
    -234: "The message cannot be sent at night (10 PM - 6 AM)",
    -240: "MessageV2 API has been shut down",
    -244: "User has restricted this type of message from the OA",
}

#: OAuth errors: ``(error_name, error_reason)``. Only -14014 is seen in public code.
OAUTH_INVALID_REFRESH = -14014
OAUTH_INVALID_PARAMETER = -14003
OAUTH_INVALID_SECRET = -14004
OAUTH_INVALID_CODE = -14019
OAUTH_ERRORS: dict[int, tuple[str, str]] = {
    -14002: ("Application is not active", "The application is not activated"),
    OAUTH_INVALID_PARAMETER: ("Invalid parameter", "A parameter is missing or invalid"),
    OAUTH_INVALID_SECRET: ("Invalid secret key", "secret_key does not match the app"),
    OAUTH_INVALID_REFRESH: ("Invalid refresh token", "Refresh token is invalid or expired"),
    OAUTH_INVALID_CODE: ("Invalid authorization code", "Code is invalid, used or expired"),
}


def serialise(event: Any) -> bytes:
    """The exact webhook body Zalo would send: compact JSON, non-ASCII kept, UTF-8."""
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def zalo_mac(app_id: str, raw_body: bytes | str, timestamp: str | int, secret: str) -> str:
    """``sha256(app_id + raw_body + timestamp + secret).hexdigest()`` (§2; plain SHA-256)."""
    raw = raw_body.decode("utf-8") if isinstance(raw_body, bytes) else raw_body
    return hashlib.sha256(f"{app_id}{raw}{timestamp}{secret}".encode()).hexdigest()


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False)


def _nfc_len(text: str) -> int:
    return len(unicodedata.normalize("NFC", text))


@dataclass
class ApiCall:
    """One request to the stand-in.

    ``endpoint`` is the path without its version prefix ("message/cs", "oa/access_token",
    "oa/getoa", "user/detail", "oa/permission"); ``body`` is the parsed JSON, the form fields,
    or the raw text when it is neither; ``at`` is the stand-in clock (ms); ``error`` is the
    ``error`` answered (0 = success; None for a redirect).
    """

    endpoint: str
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any
    at: int
    error: int | None = None


@dataclass
class Refresh:
    """One ``grant_type=refresh_token`` request: the token presented and what it got."""

    token: str
    at: int
    ok: bool = False
    error: int = 0
    access_token: str | None = None
    refresh_token: str | None = None


@dataclass
class Delivery:
    """One webhook POST by the stand-in. ``status`` is 0 when the request failed outright
    (``error`` says why); ``echo`` marks automatic ``oa_send_*`` echoes."""

    url: str
    event: Any
    body: bytes
    headers: dict[str, str]
    signature: str
    at: int
    attempt: int = 1
    status: int = 0
    error: str | None = None
    echo: bool = False

    @property
    def event_name(self) -> str | None:
        return self.event.get("event_name") if isinstance(self.event, dict) else None


class _ZaloError(Exception):
    def __init__(self, code: int, message: str | None = None) -> None:
        self.code = code
        self.message = message or ERROR_MESSAGES.get(code) or f"Error {code}"
        super().__init__(f"{code}: {self.message}")


def _invalid(field: str) -> _ZaloError:
    return _ZaloError(-201, f"{field} is invalid!")


@dataclass
class _Failure:
    key: str
    code: int
    message: str | None
    remaining: int


@dataclass
class _Outgoing:
    user_id: str
    kind: str
    text: str
    buttons: list[JsonDict]
    elements: list[JsonDict]
    supported: bool = True


class ZaloStandIn:
    """Zalo OA OpenAPI + OAuth + webhook sender on 127.0.0.1. See the module docstring."""

    def __init__(
        self,
        *,
        app_id: str | None = None,
        app_secret: str | None = None,
        oa_id: str | None = None,
        oa_secret_key: str | None = None,
        oa_name: str = "UBND phường Kiến An",
        oa_description: str = "Kênh hỗ trợ người dân phường Kiến An, thành phố Hải Phòng",
        host: str = "127.0.0.1",
        seed: int | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._rng = random.Random(seed)
        self.app_id = app_id or self._digits(19)
        self.app_secret = app_secret or self._token(20)
        self.oa_id = oa_id or self._digits(19)
        self.oa_secret_key = oa_secret_key or self._token(20)
        #: The OA Secret Key before the last :meth:`rotate_oa_secret_key` (a made-up old key
        #: until then); ``signature="stale_secret"`` signs with it.
        self.stale_oa_secret_key = self._token(20)
        self.oa_name = oa_name
        self.oa_description = oa_description
        self.host = host
        self.port = 0
        self.api_base_url = ""
        self.oauth_base_url = ""

        self._clock = clock
        self._offset_ms = 0
        #: Seconds; access tokens last this long (``expires_in``).
        self.access_token_ttl = 90_000
        #: Seconds; refresh tokens last about 3 months.
        self.refresh_token_ttl = 90 * 86_400

        #: ``access_tokens[token] = expires_at_ms``.
        self.access_tokens: dict[str, int] = {}
        #: ``refresh_tokens[token] = used?`` (single use).
        self.refresh_tokens: dict[str, bool] = {}
        self._refresh_expiry: dict[str, int] = {}
        self._codes: dict[str, JsonDict] = {}
        #: The newest access token issued (None before any).
        self.access_token: str | None = None

        #: ``users[user_id] = {display_name, is_follower, last_interaction_ms, shared_info,
        #: restricted, avatar, user_id_by_app}``.
        self.users: dict[str, JsonDict] = {}
        #: Delivered CS messages: ``{user_id, text, buttons, kind, message_id, at, elements,
        #: message, quote_message_id}`` (``kind``: text | buttons | request_user_info | media |
        #: file; ``at`` in ms).
        self.sent: list[JsonDict] = []
        self.calls: list[ApiCall] = []
        self.refreshes: list[Refresh] = []
        self.deliveries: list[Delivery] = []

        # Fault switches.
        self.buttons_supported = True
        self.rate_limited = False
        self.night = False
        #: Seconds to hold every token answer / every message/cs call before answering.
        self.refresh_delay = 0.0
        self.send_delay = 0.0
        #: When set, every delivered text (or buttons) message is echoed there as a signed
        #: ``oa_send_text`` webhook ``echo_delay`` seconds later.
        self.echo_webhook_url: str | None = None
        self.echo_delay = 0.1
        #: With ``echo_first``, the echo is posted (and answered) before the send itself is
        #: answered: the bot hears of its own message before it knows the message's id.
        self.echo_first = False

        self._failures: list[_Failure] = []
        self._holds: list[str | None] = []  # message/cs calls lost in transit (hold_sends)
        self._unheld = asyncio.Event()
        self._unheld.set()
        self._known_msg_ids: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> Self:
        """Start the server (``async with`` does this for you)."""
        app = web.Application()
        app.router.add_post("/v4/oa/access_token", self._access_token)
        app.router.add_get("/v4/oa/permission", self._permission)
        app.router.add_post("/v3.0/oa/message/cs", self._message_cs)
        app.router.add_get("/v2.0/oa/getoa", self._getoa)
        app.router.add_get("/v3.0/oa/user/detail", self._user_detail)
        self._runner = web.AppRunner(
            app, access_log=None, shutdown_timeout=1.0, handler_cancellation=True
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        self.api_base_url = f"http://{self.host}:{self.port}"
        self.oauth_base_url = self.api_base_url
        self._session = aiohttp.ClientSession()
        return self

    async def close(self) -> None:
        """Cancel pending echoes and stop the server."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
            self._session = None
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

    # ------------------------------------------------------------------ clock and ids

    def now_ms(self) -> int:
        """The stand-in's clock in epoch ms (wall clock plus :meth:`advance`)."""
        return int(self._clock() * 1000) + self._offset_ms

    def advance(self, seconds: float) -> None:
        """Move the clock forward: tokens expire, users age out of the 7-day window."""
        self._offset_ms += int(seconds * 1000)

    def _digits(self, n: int) -> str:
        return str(self._rng.randint(1, 9)) + "".join(
            self._rng.choice(string.digits) for _ in range(n - 1)
        )

    def _token(self, n: int = 96) -> str:
        alphabet = string.ascii_letters + string.digits + "-_"
        return "".join(self._rng.choice(alphabet) for _ in range(n))

    def new_msg_id(self) -> str:
        """A fresh Zalo message id: 20 lowercase hex chars."""
        msg_id = f"{self._rng.getrandbits(80):020x}"
        self._known_msg_ids.add(msg_id)
        return msg_id

    # ------------------------------------------------------------------ tokens

    def _mint_pair(self) -> tuple[str, str]:
        now = self.now_ms()
        access, refresh = self._token(), self._token()
        self.access_tokens[access] = now + self.access_token_ttl * SECOND_MS
        self.refresh_tokens[refresh] = False
        self._refresh_expiry[refresh] = now + self.refresh_token_ttl * SECOND_MS
        self.access_token = access
        return access, refresh

    def seed_refresh_token(self) -> str:
        """Mint an unused refresh token (what ``ZALO_REFRESH_TOKEN`` holds at first start).
        No access token is issued with it."""
        token = self._token()
        self.refresh_tokens[token] = False
        self._refresh_expiry[token] = self.now_ms() + self.refresh_token_ttl * SECOND_MS
        return token

    def issue_tokens(self) -> tuple[str, str]:
        """Mint a valid ``(access_token, refresh_token)`` pair without HTTP (API Explorer)."""
        return self._mint_pair()

    def issue_code(self, code_challenge: str | None = None) -> str:
        """A one-time authorization code (10 min), as the permission redirect would give."""
        code = self._token(64)
        self._codes[code] = {
            "expires": self.now_ms() + 600 * SECOND_MS,
            "used": False,
            "challenge": code_challenge,
        }
        return code

    def expire_access_tokens(self) -> None:
        """Expire every access token issued so far (the next call gets -220)."""
        now = self.now_ms()
        for token in self.access_tokens:
            self.access_tokens[token] = min(self.access_tokens[token], now - 1)

    def revoke_access_tokens(self) -> None:
        """Forget every access token (the next call gets -216)."""
        self.access_tokens.clear()
        self.access_token = None

    def rotate_oa_secret_key(self) -> str:
        """Replace the OA Secret Key (the old one becomes ``stale_oa_secret_key``)."""
        self.stale_oa_secret_key = self.oa_secret_key
        self.oa_secret_key = self._token(20)
        return self.oa_secret_key

    # ------------------------------------------------------------------ users

    def add_user(
        self,
        user_id: UserId | None = None,
        display_name: str = "Nguyễn Văn An",
        follower: bool = True,
        *,
        interacted_ago: float | None = 0.0,
        restricted: bool = False,
        shared_info: JsonDict | None = None,
    ) -> str:
        """Create (or overwrite) a user; returns the user id (19 digits if not given).

        ``interacted_ago`` is seconds since the last interaction (None: never), so
        ``interacted_ago=8 * 86400`` puts the user outside the 7-day window."""
        uid = str(user_id) if user_id is not None else self._digits(19)
        previous = self.users.get(uid, {})
        self.users[uid] = {
            "display_name": display_name,
            "is_follower": follower,
            "last_interaction_ms": (
                None if interacted_ago is None else self.now_ms() - int(interacted_ago * 1000)
            ),
            "shared_info": shared_info if shared_info is not None else previous.get("shared_info"),
            "restricted": restricted,
            "avatar": f"https://s240-ava-talk.zadn.vn/{uid[-6:]}/avatar.jpg",
            "user_id_by_app": previous.get("user_id_by_app") or self._digits(19),
        }
        return uid

    def _user(self, user_id: UserId) -> tuple[str, JsonDict]:
        uid = str(user_id)
        if uid not in self.users:
            self.add_user(uid)
        return uid, self.users[uid]

    # ------------------------------------------------------------------ failure injection

    def fail_next(
        self, endpoint_or_path: str, code: int, times: int = 1, message: str | None = None
    ) -> None:
        """Answer the next ``times`` calls whose path ends with ``endpoint_or_path`` (e.g.
        "message/cs", "access_token", "getoa", "/v3.0/oa/user/detail") with ``error: code``,
        before any other check (the call is recorded; nothing is delivered, no token is
        consumed). OAuth paths answer the OAuth error shape. Queued in order."""
        if times < 1:
            raise ValueError("times must be >= 1")
        key = endpoint_or_path.strip("/")
        self._failures.append(_Failure(key, code, message, times))

    def _take_failure(self, path: str) -> _Failure | None:
        path = path.strip("/")
        for failure in self._failures:
            if path == failure.key or path.endswith("/" + failure.key):
                failure.remaining -= 1
                if failure.remaining <= 0:
                    self._failures.remove(failure)
                return failure
        return None

    # ------------------------------------------------------------------ HTTP plumbing

    async def _record(self, request: web.Request) -> tuple[ApiCall, bytes]:
        raw = await request.read()
        body: Any = None
        if raw:
            text = raw.decode("utf-8", errors="replace")
            if request.content_type == "application/x-www-form-urlencoded":
                body = dict(parse_qsl(text, keep_blank_values=True))
            else:
                try:
                    body = json.loads(text)
                except ValueError:
                    body = text
        headers = {
            k.lower(): v
            for k, v in request.headers.items()
            if k.lower() in ("access_token", "secret_key", "content-type")
        }
        path = request.path.strip("/")
        endpoint = "/".join(path.split("/")[-2:])
        call = ApiCall(
            endpoint=endpoint,
            method=request.method,
            path=request.path,
            query=dict(request.query),
            headers=headers,
            body=body,
            at=self.now_ms(),
        )
        self.calls.append(call)
        return call, raw

    @staticmethod
    def _answer(call: ApiCall, body: JsonDict) -> web.Response:
        call.error = int(body.get("error", 0))
        return web.json_response(body, dumps=_dumps)

    def _error(self, call: ApiCall, error: _ZaloError) -> web.Response:
        return self._answer(call, {"error": error.code, "message": error.message})

    def _check_token(self, request: web.Request) -> None:
        token = request.headers.get("access_token")
        if not token or token not in self.access_tokens:
            raise _ZaloError(-216)
        if self.access_tokens[token] <= self.now_ms():
            raise _ZaloError(-220)
        if self.rate_limited:
            raise _ZaloError(-32)

    def _injected(self, request: web.Request) -> None:
        failure = self._take_failure(request.path)
        if failure is not None:
            raise _ZaloError(failure.code, failure.message)

    # ------------------------------------------------------------------ OAuth

    def _oauth_error(self, code: int, reason: str | None = None) -> JsonDict:
        name, default_reason = OAUTH_ERRORS.get(code, (f"Error {code}", f"Error {code}"))
        return {
            "error": code,
            "error_name": name,
            "error_reason": reason or default_reason,
            "ref_doc": "https://developers.zalo.me/docs/official-account/bat-dau/"
            "xac-thuc-va-uy-quyen-cho-ung-dung-new",
            "error_description": reason or default_reason,
        }

    def _grant(self, request: web.Request, form: dict[str, str]) -> JsonDict:
        if request.headers.get("secret_key") != self.app_secret:
            return self._oauth_error(OAUTH_INVALID_SECRET)
        if form.get("app_id") != self.app_id:
            return self._oauth_error(OAUTH_INVALID_PARAMETER, "app_id is invalid")
        grant = form.get("grant_type")
        now = self.now_ms()
        if grant == "refresh_token":
            token = form.get("refresh_token", "")
            if self.refresh_tokens.get(token, True) or self._refresh_expiry.get(token, 0) <= now:
                return self._oauth_error(OAUTH_INVALID_REFRESH)
            self.refresh_tokens[token] = True
        elif grant == "authorization_code":
            code = self._codes.get(form.get("code", ""))
            if code is None or code["used"] or code["expires"] <= now:
                return self._oauth_error(OAUTH_INVALID_CODE)
            if code["challenge"]:
                digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
                challenge = base64.urlsafe_b64encode(digest).decode().rstrip("=")
                if challenge != code["challenge"]:
                    return self._oauth_error(OAUTH_INVALID_CODE, "code_verifier is invalid")
            code["used"] = True
        else:
            return self._oauth_error(OAUTH_INVALID_PARAMETER, "grant_type is invalid")
        access, refresh = self._mint_pair()
        return {
            "access_token": access,
            "refresh_token": refresh,
            "expires_in": str(self.access_token_ttl),
        }

    async def _access_token(self, request: web.Request) -> web.Response:
        call, _ = await self._record(request)
        form = call.body if isinstance(call.body, dict) else {}
        form = {str(k): str(v) for k, v in form.items()}
        refresh: Refresh | None = None
        if form.get("grant_type") == "refresh_token":
            refresh = Refresh(token=form.get("refresh_token", ""), at=call.at)
            self.refreshes.append(refresh)
        failure = self._take_failure(request.path)
        if failure is not None:
            body = self._oauth_error(failure.code, failure.message)
        else:
            body = self._grant(request, form)
        if refresh is not None:
            refresh.ok = "access_token" in body
            refresh.error = int(body.get("error", 0))
            refresh.access_token = body.get("access_token")
            refresh.refresh_token = body.get("refresh_token")
        if self.refresh_delay:
            await asyncio.sleep(self.refresh_delay)
        return self._answer(call, body)

    async def _permission(self, request: web.Request) -> web.Response:
        call, _ = await self._record(request)
        redirect_uri = request.query.get("redirect_uri", "")
        if request.query.get("app_id") != self.app_id or not redirect_uri:
            return self._answer(call, self._oauth_error(OAUTH_INVALID_PARAMETER))
        code = self.issue_code(request.query.get("code_challenge") or None)
        params = {"code": code, "oa_id": self.oa_id, "state": request.query.get("state", "")}
        parts = urlsplit(redirect_uri)
        query = f"{parts.query}&{urlencode(params)}" if parts.query else urlencode(params)
        call.error = None
        raise web.HTTPFound(urlunsplit(parts._replace(query=query)))

    # ------------------------------------------------------------------ OpenAPI

    async def _getoa(self, request: web.Request) -> web.Response:
        call, _ = await self._record(request)
        try:
            self._injected(request)
            self._check_token(request)
        except _ZaloError as error:
            return self._error(call, error)
        data = {
            "oa_id": self.oa_id,
            "name": self.oa_name,
            "description": self.oa_description,
            "oa_alias": "",
            "oa_type": 2,
            "is_verified": True,
            "cate_name": "Cơ quan nhà nước",
            "num_follower": sum(1 for u in self.users.values() if u["is_follower"]),
            "avatar": f"https://s160-ava-talk.zadn.vn/{self.oa_id[-6:]}/oa.jpg",
            "cover": f"https://cover-talk.zadn.vn/{self.oa_id[-6:]}/cover.jpg",
        }
        return self._answer(call, {"error": 0, "message": "Success", "data": data})

    async def _user_detail(self, request: web.Request) -> web.Response:
        call, _ = await self._record(request)
        try:
            self._injected(request)
            self._check_token(request)
            try:
                query = json.loads(request.query.get("data", ""))
            except ValueError:
                raise _invalid("data") from None
            uid = str(query.get("user_id", "")) if isinstance(query, dict) else ""
            if uid not in self.users:
                raise _invalid("user_id")
        except _ZaloError as error:
            return self._error(call, error)
        user = self.users[uid]
        last = user["last_interaction_ms"]
        last_date = (
            ""
            if last is None
            else datetime.fromtimestamp(last / 1000, UTC).astimezone(VIETNAM).strftime("%d/%m/%Y")
        )
        data: JsonDict = {
            "user_id": uid,
            "user_id_by_app": user["user_id_by_app"],
            "user_external_id": "",
            "display_name": user["display_name"],
            "user_alias": "",
            "is_sensitive": False,
            "user_last_interaction_date": last_date,
            "user_is_follower": bool(user["is_follower"]),
            "avatar": user["avatar"],
            "avatars": {"120": user["avatar"], "240": user["avatar"]},
            "tags_and_notes_info": {"notes": [], "tag_names": []},
        }
        if user["shared_info"]:
            data["shared_info"] = copy.deepcopy(user["shared_info"])
        return self._answer(call, {"error": 0, "message": "Success", "data": data})

    async def _message_cs(self, request: web.Request) -> web.Response:
        call, raw = await self._record(request)
        if self._is_held(call.body):
            # Lost in transit: never delivered, never answered (the bot dies meanwhile).
            await self._unheld.wait()
            return web.Response(status=499)
        if self.send_delay:
            await asyncio.sleep(self.send_delay)
        try:
            self._injected(request)
            self._check_token(request)
            try:
                body = json.loads(raw)
            except ValueError:
                raise _invalid("user_id") from None
            out = self._parse_cs(body)
            self._check_reachable(self.users[out.user_id])
            if not out.supported or (out.kind == "buttons" and not self.buttons_supported):
                raise _ZaloError(-233)
        except _ZaloError as error:
            return self._error(call, error)
        message_id = self.new_msg_id()
        now = self.now_ms()
        message = body["message"]
        self.sent.append(
            {
                "user_id": out.user_id,
                "text": out.text,
                "buttons": copy.deepcopy(out.buttons),
                "kind": out.kind,
                "message_id": message_id,
                "at": now,
                "elements": copy.deepcopy(out.elements),
                "message": copy.deepcopy(message),
                "quote_message_id": message.get("quote_message_id"),
            }
        )
        if self.echo_webhook_url and out.kind in ("text", "buttons"):
            echo = self._echo(self.echo_webhook_url, out.user_id, out.text, message_id)
            if self.echo_first:
                await echo
            else:
                self._spawn(echo)
        data = {
            "message_id": message_id,
            "user_id": out.user_id,
            "sent_time": str(now),
            "quota": {"quota_type": "reply", "remain": "8", "total": "8"},
        }
        return self._answer(call, {"error": 0, "message": "Success", "data": data})

    def _parse_cs(self, body: Any) -> _Outgoing:
        """Step 2 of §10: shape checks (-201); unsupported types are flagged for -233."""
        recipient = body.get("recipient") if isinstance(body, dict) else None
        uid = recipient.get("user_id") if isinstance(recipient, dict) else None
        if not isinstance(uid, str) or not uid.isdigit() or uid not in self.users:
            raise _invalid("user_id")
        message = body.get("message")
        if not isinstance(message, dict):
            raise _invalid("message")
        text = message.get("text")
        if text is not None and (not isinstance(text, str) or _nfc_len(text) > TEXT_LIMIT):
            raise _invalid("text")
        quote = message.get("quote_message_id")
        if quote is not None and quote not in self._known_msg_ids:
            raise _invalid("quote_message_id")
        text = text or ""
        attachment = message.get("attachment")
        if attachment is None:
            if not text:
                raise _invalid("text")
            return _Outgoing(uid, "text", text, [], [])
        if not isinstance(attachment, dict) or not isinstance(attachment.get("payload"), dict):
            raise _invalid("attachment")
        payload = attachment["payload"]
        kind = attachment.get("type")
        if kind == "file":
            if not isinstance(payload.get("token"), str) or not payload["token"]:
                raise _invalid("token")
            return _Outgoing(uid, "file", text, [], [])
        if kind != "template":
            return _Outgoing(uid, str(kind), text, [], [], supported=False)
        template = payload.get("template_type")
        if template is None and "buttons" in payload:
            if not text:
                raise _invalid("text")
            return _Outgoing(uid, "buttons", text, self._check_buttons(payload["buttons"]), [])
        if template == "request_user_info":
            return _Outgoing(uid, template, text, [], self._check_info(payload.get("elements")))
        if template == "media":
            return _Outgoing(uid, template, text, [], self._check_media(payload.get("elements")))
        return _Outgoing(uid, str(template or "template"), text, [], [], supported=False)

    @staticmethod
    def _check_buttons(buttons: Any) -> list[JsonDict]:
        if not isinstance(buttons, list) or not 1 <= len(buttons) <= BUTTON_LIMIT:
            raise _invalid("buttons")
        for button in buttons:
            if not isinstance(button, dict):
                raise _invalid("buttons")
            title = button.get("title")
            if not isinstance(title, str) or not 1 <= _nfc_len(title) <= BUTTON_TITLE_LIMIT:
                raise _invalid("title")
            kind, payload = button.get("type"), button.get("payload")
            if kind not in BUTTON_TYPES:
                raise _invalid("type")
            if kind in ("oa.query.show", "oa.query.hide"):
                ok = isinstance(payload, str) and 1 <= len(payload) <= BUTTON_PAYLOAD_LIMIT
            elif kind == "oa.open.url":
                ok = isinstance(payload, dict) and str(payload.get("url", "")).startswith("http")
            elif kind == "oa.open.phone":
                ok = isinstance(payload, dict) and bool(payload.get("phone_code"))
            else:  # oa.open.sms
                ok = (
                    isinstance(payload, dict)
                    and bool(payload.get("phone_code"))
                    and isinstance(payload.get("content"), str)
                )
            if not ok:
                raise _invalid("payload")
        return buttons

    @staticmethod
    def _check_info(elements: Any) -> list[JsonDict]:
        if not isinstance(elements, list) or len(elements) != 1:
            raise _invalid("elements")
        element = elements[0]
        if not isinstance(element, dict):
            raise _invalid("elements")
        title, subtitle = element.get("title"), element.get("subtitle")
        if not isinstance(title, str) or not 1 <= _nfc_len(title) <= INFO_TITLE_LIMIT:
            raise _invalid("title")
        if not isinstance(subtitle, str) or not 1 <= _nfc_len(subtitle) <= INFO_SUBTITLE_LIMIT:
            raise _invalid("subtitle")
        if "image_url" in element and not isinstance(element["image_url"], str):
            raise _invalid("image_url")
        return elements

    @staticmethod
    def _check_media(elements: Any) -> list[JsonDict]:
        if not isinstance(elements, list) or len(elements) != 1:
            raise _invalid("elements")
        element = elements[0]
        if not isinstance(element, dict) or element.get("media_type") not in (
            "image",
            "gif",
            "sticker",
        ):
            raise _invalid("media_type")
        if not (element.get("url") or element.get("attachment_id")):
            raise _invalid("attachment_id")
        if element["media_type"] == "gif" and not (element.get("width") and element.get("height")):
            raise _invalid("width")
        return elements

    def _check_reachable(self, user: JsonDict) -> None:
        """Step 3 of §10 (plus the night switch)."""
        if not user["is_follower"]:
            raise _ZaloError(-213)
        last = user["last_interaction_ms"]
        if last is None or self.now_ms() - last > WINDOW_MS:
            raise _ZaloError(-230)
        if user["restricted"]:
            raise _ZaloError(-244)
        if self.night:
            raise _ZaloError(-234)

    def hold_sends(self, user_id: UserId | None = None) -> None:
        """Lose ``message/cs`` calls (to ``user_id``, if given): recorded in ``calls`` but
        never delivered (not in ``sent``) and unanswered until :meth:`release_sends` (then
        499), as a request in flight when the bot is killed. Later calls are served."""
        self._holds.append(None if user_id is None else str(user_id))
        self._unheld.clear()

    def release_sends(self) -> None:
        self._holds.clear()
        self._unheld.set()

    def _is_held(self, body: Any) -> bool:
        recipient = body.get("recipient") if isinstance(body, dict) else None
        user = recipient.get("user_id") if isinstance(recipient, dict) else None
        return any(h is None or h == str(user) for h in self._holds)

    # ------------------------------------------------------------------ inspection

    def sent_to(self, user_id: UserId | None = None) -> list[JsonDict]:
        """Delivered messages (to ``user_id``, if given)."""
        return [s for s in self.sent if user_id is None or s["user_id"] == str(user_id)]

    def sent_texts(self, user_id: UserId | None = None) -> list[str]:
        return [s["text"] for s in self.sent_to(user_id)]

    def last_buttons(self, user_id: UserId) -> list[JsonDict]:
        """Buttons of the newest message to the user that has any; [] if none."""
        for record in reversed(self.sent_to(user_id)):
            if record["buttons"]:
                return copy.deepcopy(record["buttons"])
        return []

    def button(self, user_id: UserId, title_contains: str) -> JsonDict:
        """The newest button sent to the user whose title contains ``title_contains``
        (case-insensitive). AssertionError listing the titles if none does."""
        needle = title_contains.casefold()
        seen: list[str] = []
        for record in reversed(self.sent_to(user_id)):
            for button in record["buttons"]:
                seen.append(str(button.get("title")))
                if needle in str(button.get("title", "")).casefold():
                    return copy.deepcopy(button)
        raise AssertionError(f"no button containing {title_contains!r} for {user_id}: {seen}")

    def calls_to(self, endpoint_or_path: str) -> list[ApiCall]:
        key = endpoint_or_path.strip("/")
        return [c for c in self.calls if c.path.strip("/") == key or c.path.endswith("/" + key)]

    def dump(self, last: int = 30) -> str:
        """Recent API calls and webhook deliveries as text, for failure messages."""
        rows: list[tuple[int, str]] = [
            (c.at, f"  {c.at} {c.method} {c.path} -> error {c.error} {_dumps(c.body)[:300]}")
            for c in self.calls
        ]
        rows += [
            (d.at, f"  {d.at} webhook {d.event_name} -> {d.url} {d.status} {d.error or ''}")
            for d in self.deliveries
        ]
        rows.sort(key=lambda r: r[0])
        return "\n".join(r for _, r in rows[-last:]) or "  (nothing)"

    # ------------------------------------------------------------------ waiting

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        """Poll ``predicate`` every 10 ms; AssertionError with recent traffic on timeout."""
        await wait_until(predicate, timeout, self.dump, "traffic")

    async def wait_sent(
        self, count: int, user_id: UserId | None = None, timeout: float = 5.0
    ) -> list[JsonDict]:
        """Wait until at least ``count`` messages were delivered (to ``user_id``); returns
        :meth:`sent_to`."""
        await self.wait_for(lambda: len(self.sent_to(user_id)) >= count, timeout)
        return self.sent_to(user_id)

    async def wait_refreshes(self, count: int, timeout: float = 5.0) -> list[Refresh]:
        await self.wait_for(lambda: len(self.refreshes) >= count, timeout)
        return list(self.refreshes)

    async def wait_deliveries(
        self, count: int, event_name: str | None = None, timeout: float = 5.0
    ) -> list[Delivery]:
        """Wait until ``count`` webhook POSTs (of ``event_name``) have been answered."""

        def matching() -> list[Delivery]:
            return [
                d
                for d in self.deliveries
                if (d.status or d.error) and (event_name is None or d.event_name == event_name)
            ]

        await self.wait_for(lambda: len(matching()) >= count, timeout)
        return matching()

    # ------------------------------------------------------------------ event builders

    def _stamp(self, user: JsonDict, interaction: bool = True) -> str:
        now = self.now_ms()
        if interaction:
            user["last_interaction_ms"] = now
        return str(now)

    def _user_event(self, user_id: UserId, event_name: str, **fields: Any) -> JsonDict:
        uid, user = self._user(user_id)
        event: JsonDict = {
            "app_id": self.app_id,
            "user_id_by_app": user["user_id_by_app"],
            "event_name": event_name,
            "sender": {"id": uid},
            "recipient": {"id": self.oa_id},
            **fields,
        }
        event["timestamp"] = self._stamp(user)
        return event

    def user_text(self, user_id: UserId, text: str, *, quote_msg_id: str | None = None) -> JsonDict:
        """``user_send_text`` (also what a button tap sends: ``text`` = the payload)."""
        message: JsonDict = {"msg_id": self.new_msg_id(), "text": text}
        if quote_msg_id:
            message["quote_msg_id"] = quote_msg_id
        return self._user_event(user_id, "user_send_text", message=message)

    def button_tap(self, user_id: UserId, payload: str) -> JsonDict:
        """A tap on an ``oa.query.*`` button: a ``user_send_text`` carrying the payload."""
        return self.user_text(user_id, payload)

    def tap(self, user_id: UserId, title_contains: str) -> JsonDict:
        """Tap the newest sent button whose title contains ``title_contains``."""
        button = self.button(user_id, title_contains)
        if button["type"] not in ("oa.query.show", "oa.query.hide"):
            raise AssertionError(f"button {button['title']!r} is {button['type']}, not a query")
        return self.button_tap(user_id, button["payload"])

    def user_image(
        self, user_id: UserId, url: str | None = None, caption: str | None = None
    ) -> JsonDict:
        url = url or f"https://f20-zpc.zdn.vn/jpg/{self._digits(12)}/photo.jpg"
        message: JsonDict = {"msg_id": self.new_msg_id()}
        if caption:
            message["text"] = caption
        message["attachments"] = [{"type": "image", "payload": {"url": url, "thumbnail": url}}]
        return self._user_event(user_id, "user_send_image", message=message)

    def user_sticker(self, user_id: UserId, sticker_id: str | None = None) -> JsonDict:
        sticker_id = sticker_id or self._token(8)
        url = f"https://zalo-api.zadn.vn/api/emoticon/sticker/webpc?eid={sticker_id}"
        message = {
            "msg_id": self.new_msg_id(),
            "attachments": [{"type": "sticker", "payload": {"id": sticker_id, "url": url}}],
        }
        return self._user_event(user_id, "user_send_sticker", message=message)

    def user_location(
        self, user_id: UserId, latitude: float = 20.8161, longitude: float = 106.6319
    ) -> JsonDict:
        payload = {"coordinates": {"latitude": str(latitude), "longitude": str(longitude)}}
        message = {
            "msg_id": self.new_msg_id(),
            "attachments": [{"type": "location", "payload": payload}],
        }
        return self._user_event(user_id, "user_send_location", message=message)

    def _follow_event(self, user_id: UserId, event_name: str, source: str) -> JsonDict:
        uid, user = self._user(user_id)
        user["is_follower"] = event_name == "follow"
        return {
            "oa_id": self.oa_id,
            "follower": {"id": uid},
            "user_id_by_app": user["user_id_by_app"],
            "event_name": event_name,
            "source": source,
            "app_id": self.app_id,
            "timestamp": self._stamp(user),
        }

    def follow(self, user_id: UserId, source: str = "oa_profile") -> JsonDict:
        """``follow`` (flat ``oa_id``, ``follower.id``); makes the user a follower."""
        return self._follow_event(user_id, "follow", source)

    def unfollow(self, user_id: UserId, source: str = "oa_profile") -> JsonDict:
        return self._follow_event(user_id, "unfollow", source)

    def submit_info(
        self,
        user_id: UserId,
        name: str,
        phone: str = "84912345678",
        *,
        address: str = "",
        city: str = "Hải Phòng",
        district: str = "",
        ward: str = "Phường Kiến An",
    ) -> JsonDict:
        """``user_submit_info`` (the answer to a request_user_info template); also fills the
        user's ``shared_info`` (returned by user/detail)."""
        info = {
            "name": name,
            "phone": phone,
            "address": address,
            "city": city,
            "district": district,
            "ward": ward,
        }
        event = self._user_event(user_id, "user_submit_info", info=info)
        self.users[str(user_id)]["shared_info"] = {
            k: info[k] for k in ("name", "phone", "address", "city", "district")
        }
        return event

    def chatnow(self, user_id: UserId) -> JsonDict:
        """``user_click_chatnow`` (flat ``oa_id`` and ``user_id``, no sender)."""
        uid, user = self._user(user_id)
        return {
            "app_id": self.app_id,
            "user_id_by_app": user["user_id_by_app"],
            "event_name": "user_click_chatnow",
            "oa_id": self.oa_id,
            "user_id": uid,
            "timestamp": self._stamp(user),
        }

    def seen(self, user_id: UserId, msg_ids: list[str]) -> JsonDict:
        return self._user_event(user_id, "user_seen_message", message={"msg_ids": list(msg_ids)})

    def oa_echo(self, user_id: UserId, text: str, message_id: str | None = None) -> JsonDict:
        """``oa_send_text``: the echo of an OA message (sender = OA, recipient = user). Not
        an interaction."""
        uid, user = self._user(user_id)
        return {
            "app_id": self.app_id,
            "user_id_by_app": user["user_id_by_app"],
            "event_name": "oa_send_text",
            "sender": {"id": self.oa_id},
            "recipient": {"id": uid},
            "message": {"msg_id": message_id or self.new_msg_id(), "text": text},
            "timestamp": self._stamp(user, interaction=False),
        }

    @staticmethod
    def probe() -> JsonDict:
        """The console's webhook probe: an empty object, posted unsigned."""
        return {}

    # ------------------------------------------------------------------ webhook driver

    def sign(self, body: bytes, timestamp: str | int, secret: str | None = None) -> str:
        """The ``X-ZEvent-Signature`` value for ``body``: ``mac=<hex>``."""
        return f"mac={zalo_mac(self.app_id, body, timestamp, secret or self.oa_secret_key)}"

    def webhook_request(
        self, event: Any, signature: Signature = "valid"
    ) -> tuple[bytes, dict[str, str]]:
        """The exact ``(body, headers)`` :meth:`post_webhook` would send.

        ``signature``: "valid"; "missing" (no header); "bad" (well-formed, wrong digest);
        "stale_secret" (signed with ``stale_oa_secret_key``); "app_secret" (signed with the
        App Secret: the classic mix-up); "bare" (valid, no ``mac=`` prefix); "upper" (valid,
        uppercase hex). An event without ``timestamp`` (the probe) is always unsigned."""
        body = serialise(event)
        headers = {"Content-Type": "application/json"}
        timestamp = event.get("timestamp") if isinstance(event, dict) else None
        if signature == "missing" or timestamp is None:
            return body, headers
        secrets = {
            "valid": self.oa_secret_key,
            "bare": self.oa_secret_key,
            "upper": self.oa_secret_key,
            "bad": self.oa_secret_key,
            "stale_secret": self.stale_oa_secret_key,
            "app_secret": self.app_secret,
        }
        if signature not in secrets:
            raise ValueError(f"unknown signature mode {signature!r}")
        signed = body + b" " if signature == "bad" else body
        mac = zalo_mac(self.app_id, signed, timestamp, secrets[signature])
        if signature == "upper":
            mac = mac.upper()
        headers[SIGNATURE_HEADER] = mac if signature == "bare" else f"mac={mac}"
        return body, headers

    async def _post(self, delivery: Delivery, timeout: float, raise_errors: bool) -> Delivery:
        self.deliveries.append(delivery)
        if self._session is None:
            raise RuntimeError("the stand-in is not started")
        try:
            async with self._session.post(
                delivery.url,
                data=delivery.body,
                headers=delivery.headers,
                timeout=aiohttp.ClientTimeout(total=timeout),
            ) as response:
                await response.read()
                delivery.status = response.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            delivery.error = f"{type(exc).__name__}: {exc}"
            if raise_errors:
                raise
        return delivery

    async def post_webhook(
        self,
        url: str,
        event: Any,
        signature: Signature = "valid",
        *,
        timeout: float = 5.0,
        retries: int = 0,
        retry_delay: float = 0.05,
    ) -> int:
        """POST ``event`` to the bot's webhook as Zalo would; returns the HTTP status.

        With ``retries``, re-posts the same bytes (``retry_delay`` apart) while the answer is
        not 200, like Zalo's (compressed) retry ladder. Connection errors propagate."""
        body, headers = self.webhook_request(event, signature)
        delivery = Delivery(url, event, body, headers, signature, at=self.now_ms())
        await self._post(delivery, timeout, raise_errors=True)
        for _ in range(retries):
            if delivery.status == 200:
                break
            await asyncio.sleep(retry_delay)
            delivery = await self._post(self._again(delivery, url), timeout, raise_errors=True)
        return delivery.status

    async def post_probe(self, url: str, *, timeout: float = 5.0) -> int:
        """POST the unsigned ``{}`` probe; returns the HTTP status."""
        return await self.post_webhook(url, self.probe(), "missing", timeout=timeout)

    def _again(self, original: Delivery, url: str | None) -> Delivery:
        return Delivery(
            url or original.url,
            original.event,
            original.body,
            dict(original.headers),
            original.signature,
            at=self.now_ms(),
            attempt=original.attempt + 1,
            echo=original.echo,
        )

    async def redeliver(
        self,
        what: Delivery | JsonDict | None = None,
        url: str | None = None,
        *,
        timeout: float = 5.0,
    ) -> int:
        """POST the exact bytes and headers of an earlier delivery again (at-least-once
        delivery). ``what``: a :class:`Delivery`, the event dict that was posted (newest
        delivery of it), or None for the newest delivery. Returns the HTTP status."""
        original: Delivery | None
        if isinstance(what, Delivery):
            original = what
        elif what is None:
            original = self.deliveries[-1] if self.deliveries else None
        else:
            candidates = [d for d in self.deliveries if d.event is what] or [
                d for d in self.deliveries if d.event == what
            ]
            original = candidates[-1] if candidates else None
        if original is None:
            raise AssertionError("nothing to redeliver")
        delivery = await self._post(self._again(original, url), timeout, raise_errors=True)
        return delivery.status

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _echo(self, url: str, user_id: str, text: str, message_id: str) -> None:
        await asyncio.sleep(self.echo_delay)
        event = self.oa_echo(user_id, text, message_id)
        body, headers = self.webhook_request(event, "valid")
        delivery = Delivery(url, event, body, headers, "valid", at=self.now_ms(), echo=True)
        await self._post(delivery, 5.0, raise_errors=False)

    @property
    def echoes(self) -> list[Delivery]:
        """The automatic ``oa_send_*`` echo deliveries."""
        return [d for d in self.deliveries if d.echo]
