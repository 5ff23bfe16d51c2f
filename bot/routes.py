"""The app's own routes, beside the channels': ``GET /api/eligibility`` (the verdict for given
facts) and ``GET /healthz`` (a heartbeat written to the database, and each running channel's
health: 503 naming what fails).

Every bad request gets a 4xx with ``{"error": "…"}`` saying what to fix, never a 500.

May import: bot.answers, bot.channels.base (types), bot.channels.supervisor, db, handlers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from typing import Any

from aiohttp import web

from bot.answers import bad, reply_json
from bot.channels.base import Channel
from bot.channels.supervisor import Supervised
from db import heartbeat
from db.models import utcnow
from db.store import Store
from handlers import rules
from handlers.content import Content
from handlers.types import LANGUAGES, Eligibility

log = logging.getLogger(__name__)

CONTENT_KEY = web.AppKey("content", Content)
STORE_KEY = web.AppKey("store", Store)
TODAY_KEY: web.AppKey[Callable[[], date]] = web.AppKey("today")
CHANNELS_KEY: web.AppKey[dict[str, Channel]] = web.AppKey("channels")  # running, by name
SUPERVISED_KEY: web.AppKey[dict[str, Supervised]] = web.AppKey("supervised")  # their health


def _date_param(query: Any, name: str) -> date:
    raw = query.get(name)
    if not raw:
        raise ValueError(f'"{name}" is required (YYYY-MM-DD)')
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValueError(f'"{name}" must be a real date written YYYY-MM-DD') from None


def _bool_param(query: Any, name: str, default: bool | None = None) -> bool:
    raw = query.get(name)
    if raw is None:
        if default is None:
            raise ValueError(f'"{name}" is required (true or false)')
        return default
    if raw.lower() in ("true", "1", "yes"):
        return True
    if raw.lower() in ("false", "0", "no"):
        return False
    raise ValueError(f'"{name}" must be true or false')


def eligibility_for(query: Any, today: date, content: Content) -> Eligibility:
    """The verdict the query asks for; ValueError (with the reason) for bad input."""
    on = _date_param(query, "on") if query.get("on") else today
    applicant = query.get("applicant")
    ruleset = content.rules
    try:
        if applicant == "person":
            citizen = _bool_param(query, "citizen", default=True)
            return rules.check_person(_date_param(query, "birth_date"), on, ruleset, citizen)
        if applicant == "enterprise":
            return rules.check_enterprise(_date_param(query, "founded_on"), on, ruleset)
        if applicant == "household":
            return rules.check_household(_bool_param(query, "has_certificate"), on, ruleset)
    except rules.BadDate as exc:
        problem = "in the future" if str(exc) == "future" else "too far in the past"
        raise ValueError(f"the date is {problem} (relative to {on.isoformat()})") from None
    raise ValueError('"applicant" must be person, enterprise or household')


async def api_eligibility(request: web.Request) -> web.Response:
    content = request.app[CONTENT_KEY]
    lang = request.query.get("lang", "vi")
    if lang not in LANGUAGES:
        return bad('"lang" must be vi or en')
    today = request.app[TODAY_KEY]()
    try:
        e = eligibility_for(request.query, today, content)
    except ValueError as exc:
        return bad(str(exc))
    message = content.render(lang, "verdict." + e.reason, e=e, today=today)
    return reply_json(Eligibility(**{**e.__dict__, "message": message}).as_json())


def _beat(store: Store) -> None:
    with store.transaction() as tx:
        heartbeat.beat(tx, utcnow())


async def healthz(request: web.Request) -> web.Response:
    """The database takes a write (a heartbeat, in a transaction) and every channel is up:
    200 ``"ok"``; otherwise 503 naming the failing part — ``"failing"`` when the database
    does not (nothing works), ``"degraded"`` when a channel is not up (the rest serves)."""
    store = request.app[STORE_KEY]
    report: dict[str, Any] = {"status": "ok", "database": "ok", "channels": {}}
    try:
        await store.run(_beat, store)
    except Exception as exc:  # any database failure means failing
        cause = getattr(exc, "orig", None) or exc
        why = " ".join(str(cause).split())[:300]
        log.warning("health check: the database failed: %s: %s", type(cause).__name__, why)
        # the kind of error only: its text may name hosts and accounts (it is in the log)
        report["database"] = f"failing: {type(cause).__name__}"
        report["status"] = "failing"
    for name, kept in request.app[SUPERVISED_KEY].items():
        health = kept.health()
        report["channels"][name] = health
        if health.get("status") != "ok" and report["status"] == "ok":
            report["status"] = "degraded"
    return web.json_response(report, status=200 if report["status"] == "ok" else 503)


ROUTES = [web.get("/api/eligibility", api_eligibility), web.get("/healthz", healthz)]
