"""The app's own routes, beside the channels': ``GET /api/eligibility`` (the verdict for given
facts) and ``GET /healthz`` (the database, and each running channel's health).

Every bad request gets a 4xx with ``{"error": "…"}`` saying what to fix, never a 500.

May import: bot.answers, bot.channels.base (types), db, handlers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from typing import Any

from aiohttp import web

from bot.answers import bad, reply_json
from bot.channels.base import Channel
from db.store import Store
from handlers import rules
from handlers.content import Content
from handlers.types import LANGUAGES, Eligibility

log = logging.getLogger(__name__)

CONTENT_KEY = web.AppKey("content", Content)
STORE_KEY = web.AppKey("store", Store)
TODAY_KEY: web.AppKey[Callable[[], date]] = web.AppKey("today")
CHANNELS_KEY: web.AppKey[dict[str, Channel]] = web.AppKey("channels")  # running, by name


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


async def healthz(request: web.Request) -> web.Response:
    store = request.app[STORE_KEY]
    try:
        ok = await store.run(store.ping)
    except Exception as exc:  # any database failure means unhealthy
        log.warning("health check failed: %s", type(exc).__name__)
        ok = False
    if not ok:
        return web.json_response({"status": "error", "database": "unreachable"}, status=503)
    report: dict[str, Any] = {"status": "ok", "database": "ok"}
    for name, channel in request.app[CHANNELS_KEY].items():
        health = channel.health()
        if health is None:
            continue
        report[name] = health
        if health.get("status") != "ok":
            report["status"] = "degraded"
    return web.json_response(report)


ROUTES = [web.get("/api/eligibility", api_eligibility), web.get("/healthz", healthz)]
