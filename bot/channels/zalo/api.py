"""Talking to the Zalo OA API: OAuth v4 tokens that rotate, and sending messages.

Tokens: ``ZALO_REFRESH_TOKEN`` seeds the very first start only; every new pair is saved in
the database *before* it is used (a refresh token works once), refreshes are single-flight,
and happen ahead of expiry. A refused refresh token marks the channel degraded, says so in
the log and on /healthz, with the command that fixes it.

Errors come in HTTP 200 bodies as ``{"error": code}``; :class:`ZaloError` classifies them.
The one client is built from the settings block by :meth:`ZaloApi.from_settings`, for the
channel and for ``hiendien zalo``.

May import: bot.channels.zalo.settings, db.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import timedelta
from typing import Any

import aiohttp

from bot.channels.zalo import CHANNEL
from bot.channels.zalo.settings import ZaloSettings
from db import tokens
from db.models import utcnow
from db.store import Store
from db.tokens import Pair

log = logging.getLogger(__name__)
REFRESH_AHEAD = timedelta(minutes=5)
AUTH_ERRORS = frozenset({-216, -220})
RETRY_ERRORS = frozenset({-32})
WINDOW_ERRORS = frozenset({-213, -217, -227, -230, -232, -234, -244})
BUTTON_ERRORS = frozenset({-201, -233})
FIX = "hiendien zalo set-token REFRESH_TOKEN"


class ZaloError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"Zalo error {code}: {message}")
        self.code = code
        self.message = message

    @property
    def kind(self) -> str:
        if self.code in AUTH_ERRORS:
            return "auth"
        if self.code in RETRY_ERRORS:
            return "retry"
        if self.code in WINDOW_ERRORS:
            return "window"
        if self.code in BUTTON_ERRORS:
            return "buttons"
        return "permanent"


class TokenError(RuntimeError):
    """No usable token: a person must give a new refresh token (see FIX)."""


def save_pair(store: Store, pair: Pair, error: str | None = None) -> None:
    with store.transaction() as tx:
        tokens.save_pair(tx, CHANNEL, pair, error)


def mark_failed(store: Store, why: str) -> None:
    with store.transaction() as tx:
        tokens.mark_failed(tx, CHANNEL, why)


def load_pair(store: Store) -> tuple[Pair | None, str | None]:
    with store.transaction() as tx:
        return tokens.load_pair(tx, CHANNEL)


class ZaloApi:
    def __init__(
        self,
        store: Store,
        *,
        app_id: str,
        app_secret: str,
        seed_refresh_token: str | None,
        api_base_url: str,
        oauth_base_url: str,
    ) -> None:
        self.store = store
        self.app_id = app_id
        self.app_secret = app_secret
        self.seed = seed_refresh_token
        self.api = api_base_url.rstrip("/")
        self.oauth = oauth_base_url.rstrip("/")
        self.http: aiohttp.ClientSession | None = None
        self.pair: Pair | None = None
        self.degraded: str | None = None  # why the channel cannot send, if it cannot
        self._lock = asyncio.Lock()

    @classmethod
    def from_settings(cls, store: Store, settings: ZaloSettings) -> ZaloApi:
        return cls(
            store,
            app_id=settings.app_id or "",
            app_secret=settings.app_secret or "",
            seed_refresh_token=settings.refresh_token,
            api_base_url=settings.api_base_url,
            oauth_base_url=settings.oauth_base_url,
        )

    async def start(self) -> None:
        self.session()
        self.pair, self.degraded = await self.store.run(load_pair, self.store)

    def session(self) -> aiohttp.ClientSession:
        """The HTTP session, opened again if a failed start closed it (a webhook's reply
        may come before the channel's next start attempt)."""
        if self.http is None or self.http.closed:
            self.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20))
        return self.http

    async def close(self) -> None:
        if self.http:
            await self.http.close()

    # --- tokens ---------------------------------------------------------------------------

    async def access_token(self) -> str:
        pair = self.pair
        if pair is None or pair.expires_at - REFRESH_AHEAD <= utcnow():
            pair = await self.refresh(stale=pair.access_token if pair else None)
        return pair.access_token

    async def refresh(self, stale: str | None) -> Pair:
        """Single-flight: whoever waited while another refreshed uses that result."""
        async with self._lock:
            current = self.pair
            if (
                current is not None
                and current.access_token != stale
                and current.expires_at - REFRESH_AHEAD > utcnow()
            ):
                return current
            refresh_token = self.pair.refresh_token if self.pair else self.seed
            if not refresh_token:
                raise self._fail("no refresh token: set ZALO_REFRESH_TOKEN or run " + FIX)
            async with self.session().post(
                f"{self.oauth}/v4/oa/access_token",
                data={
                    "app_id": self.app_id,
                    "grant_type": "refresh_token",
                    "refresh_token": refresh_token,
                },
                headers={"secret_key": self.app_secret},
            ) as response:
                body = await response.json(content_type=None)
            if not isinstance(body, dict) or not body.get("access_token"):
                code = body.get("error") if isinstance(body, dict) else None
                why = f"Zalo refused the refresh token (error {code}); run {FIX}"
                await self.store.run(mark_failed, self.store, why)  # said again after a restart
                raise self._fail(why)
            pair = Pair(
                body["access_token"],
                body["refresh_token"],
                utcnow() + timedelta(seconds=int(body.get("expires_in", 90000))),
            )
            await self.store.run(save_pair, self.store, pair)  # saved before it is used
            self.pair, self.degraded = pair, None
            log.info("zalo: access token refreshed, valid until %s", pair.expires_at)
            return pair

    def _fail(self, why: str) -> TokenError:
        self.degraded = why
        log.error("ZALO CHANNEL DEGRADED: %s", why)
        return TokenError(why)

    async def set_refresh_token(self, refresh_token: str) -> Pair:
        """``hiendien zalo set-token``: start again from a new refresh token."""
        self.pair, self.seed = None, refresh_token
        return await self.refresh(stale=None)

    # --- the OA API -------------------------------------------------------------------------

    async def call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """One API call; an expired token is refreshed once and the call retried once;
        Zalo's rate limit (-32) is retried with a short backoff."""
        refreshed = False
        for attempt in range(4):
            token = await self.access_token()
            async with self.session().request(
                method, f"{self.api}{path}", headers={"access_token": token}, **kwargs
            ) as response:
                body = await response.json(content_type=None)
            code = int(body.get("error", 0)) if isinstance(body, dict) else -1
            if code == 0:
                return body.get("data") or {}
            error = ZaloError(code, str(body.get("message", "")))
            if error.kind == "auth" and not refreshed:
                refreshed = True
                await self.refresh(stale=token)
                continue
            if error.kind == "retry" and attempt < 3:
                await asyncio.sleep(0.5 * 2**attempt)
                continue
            raise error
        raise ZaloError(-32, "rate limited")

    async def send(self, user_id: str, message: dict[str, Any]) -> str:
        """Send a consultation message; the Zalo message id."""
        data = await self.call(
            "POST",
            "/v3.0/oa/message/cs",
            json={"recipient": {"user_id": user_id}, "message": message},
        )
        return str(data.get("message_id", ""))

    async def user_name(self, user_id: str) -> str | None:
        """The person's display name on Zalo (None if Zalo does not say)."""
        data = await self.call(
            "GET", "/v3.0/oa/user/detail", params={"data": json.dumps({"user_id": user_id})}
        )
        name = data.get("display_name")
        return str(name) if name else None

    async def oa_info(self) -> dict[str, Any]:
        return await self.call("GET", "/v2.0/oa/getoa")
