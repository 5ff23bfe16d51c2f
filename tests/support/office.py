"""Driving the ward office as a browser would, without one: an HTTP client that keeps its
cookies, reads each form's CSRF token off the page it came with, and signs in; accounts
made straight in the database; a clock the test moves.

Page tests (tests/office/) serve the real app on loopback (tests.support.serving.serve)
and talk to it through :class:`OfficeClient`.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from sqlalchemy import select

from bot.app import build_app
from bot.office import passwords
from bot.settings import Settings
from db import office
from db.store import Store
from db.tables import team_t
from handlers.content import Content
from handlers.text import fold
from tests.support import TODAY
from tests.support.followup import a_team
from tests.support.serving import serve

PASSWORD = "mây trắng bay qua đồi 7"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class Clock:
    """The app's clock in a test: it stands still until the test moves it."""

    def __init__(self, start: datetime = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def team_id(store: Store, name: str) -> int:
    """The team of that name, made if it is new."""
    with store.transaction() as tx:
        found = tx.conn.execute(select(team_t.c.id).where(team_t.c.name_key == fold(name))).scalar()
    return int(found) if found is not None else a_team(store, name)


def make_user(
    store: Store,
    email: str,
    role: str = "admin",
    team: str | None = None,
    *,
    name: str | None = None,
    password: str = PASSWORD,
) -> int:
    """An account that has set its password."""
    team_ref = team_id(store, team) if team else None
    with store.transaction() as tx:
        user_id, _token = office.add_user(tx, email, name or email.split("@")[0], role, team_ref)
        office.set_password(tx, user_id, passwords.hash_password(password))
    return user_id


@dataclass
class Answer:
    status: int
    text: str
    headers: Any
    location: str | None


class OfficeClient:
    """One browser: its cookies, and the CSRF token of the last page that had a form."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.token = ""

    async def close(self) -> None:
        await self.session.close()

    async def get(self, path: str, follow: bool = False) -> Answer:
        async with self.session.get(self.base + path, allow_redirects=follow) as r:
            text = await r.text() if r.content_type.startswith("text/") else ""
            answer = Answer(r.status, text, r.headers, r.headers.get("Location"))
        found = _CSRF.search(answer.text)
        if found:
            self.token = found.group(1)
        return answer

    async def get_bytes(self, path: str) -> tuple[int, bytes, Any]:
        async with self.session.get(self.base + path, allow_redirects=False) as r:
            return r.status, await r.read(), r.headers

    async def post(self, path: str, data: dict[str, str], *, csrf: bool = True) -> Answer:
        """Send a form as the page would (with the token it showed, unless ``csrf`` is off)."""
        form = {**({"csrf": self.token} if csrf else {}), **data}
        async with self.session.post(self.base + path, data=form, allow_redirects=False) as r:
            text = await r.text() if r.content_type.startswith("text/") else ""
            answer = Answer(r.status, text, r.headers, r.headers.get("Location"))
        found = _CSRF.search(answer.text)
        if found:
            self.token = found.group(1)
        return answer

    async def login(self, email: str, password: str = PASSWORD, code: str = "") -> Answer:
        await self.get("/office/login")
        return await self.post(
            "/office/login", {"email": email, "password": password, "code": code}
        )

    def cookie(self, name: str) -> Any:
        for morsel in self.session.cookie_jar:
            if morsel.key == name:
                return morsel
        return None


@asynccontextmanager
async def office_app(
    store: Store,
    content: Content,
    clock: Clock | None = None,
    settings: Settings | None = None,
) -> AsyncIterator[tuple[str, Clock]]:
    """The real app (web chat and office) on loopback; (its base URL, its clock)."""
    clock = clock or Clock()
    app = build_app(store, content, today=lambda: TODAY, settings=settings, clock=clock)
    async with serve(app) as base:
        yield base, clock


@asynccontextmanager
async def browser(base: str) -> AsyncIterator[OfficeClient]:
    client = OfficeClient(base)
    try:
        yield client
    finally:
        await client.close()
