"""The HTTP surface: ``POST /api/chat``, ``GET /api/eligibility``, ``GET /healthz``, the chat
page at ``/`` and ``/widget.js``.

Every bad request gets a 4xx with ``{"error": "…"}`` saying what to fix, never a 500.
The chat API is the web channel: a thin adapter from JSON to
:class:`~handlers.types.Inbound` and back.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import date
from functools import partial
from typing import Any

from aiohttp import web

from bot.channels import WEB, fit
from bot.turns import Conversations
from handlers import rules
from handlers.content import Content
from handlers.types import LANGUAGES, Eligibility, Inbound

log = logging.getLogger(__name__)

MAX_USER = 64
MAX_TEXT = 4000
MAX_PAYLOAD = 64
MAX_EXTERNAL_ID = 128
CHANNEL = "web"

CONTENT_KEY = web.AppKey("content", Content)
CONVERSATIONS_KEY = web.AppKey("conversations", Conversations)
TODAY_KEY: web.AppKey[Any] = web.AppKey("today")
PAGE_KEY = web.AppKey("chat_page", str)
ZALO_KEY: web.AppKey[Any] = web.AppKey("zalo")


dumps = partial(json.dumps, ensure_ascii=False)


def reply_json(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=dumps)


def bad(message: str, status: int = 400) -> web.Response:
    return reply_json({"error": message}, status=status)


async def api_chat(request: web.Request) -> web.Response:
    if request.content_type != "application/json":
        return bad("send JSON with Content-Type: application/json", 415)
    try:
        body = await request.json(loads=json.loads)
    except web.HTTPRequestEntityTooLarge:
        return bad(f"the body is larger than {request.client_max_size} bytes", 413)
    except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested absurdly deep
        return bad("the body is not valid JSON")
    if not isinstance(body, dict):
        return bad('expected a JSON object: {"user": ID, "text": "…"}')
    user, text, payload = body.get("user"), body.get("text"), body.get("payload")
    external_id = body.get("id")
    if not isinstance(user, str) or not user.strip() or not user.isprintable():
        return bad('"user" is required: an opaque string of at most 64 printable characters')
    if len(user) > MAX_USER:
        return bad(f'"user" is longer than {MAX_USER} characters')
    if (text is None) == (payload is None):
        return bad('send exactly one of "text" (what was typed) or "payload" (a button)')
    if text is not None and (not isinstance(text, str) or len(text) > MAX_TEXT):
        return bad(f'"text" must be a string of at most {MAX_TEXT} characters')
    if payload is not None and (not isinstance(payload, str) or len(payload) > MAX_PAYLOAD):
        return bad(f'"payload" must be a string of at most {MAX_PAYLOAD} characters')
    if external_id is not None and (
        not isinstance(external_id, str)
        or not 0 < len(external_id) <= MAX_EXTERNAL_ID
        or not external_id.isprintable()
    ):
        return bad(f'"id" must be a printable string of at most {MAX_EXTERNAL_ID} characters')
    if payload is not None and not payload.isprintable():
        return bad('"payload" must be printable')
    if external_id is not None:  # ids are chosen by each browser: they are unique per user
        external_id = hashlib.sha256(f"{user}\n{external_id}".encode()).hexdigest()
    inbound = Inbound(CHANNEL, user, text=text, payload=payload, external_id=external_id)
    reply = await request.app[CONVERSATIONS_KEY].handle(inbound)
    if reply is None:  # the same message id again: already answered
        return reply_json({"messages": [], "duplicate": True})
    out: dict[str, Any] = {"messages": [m.as_json() for m in fit(reply, WEB)]}
    if reply.eligibility is not None:
        out["eligibility"] = reply.eligibility.as_json()
    return reply_json(out)


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
    store = request.app[CONVERSATIONS_KEY].store
    try:
        ok = await store.run(store.ping)
    except Exception as exc:  # any database failure means unhealthy
        log.warning("health check failed: %s", type(exc).__name__)
        ok = False
    if not ok:
        return web.json_response({"status": "error", "database": "unreachable"}, status=503)
    report: dict[str, Any] = {"status": "ok", "database": "ok"}
    zalo = request.app.get(ZALO_KEY)
    if zalo is not None:
        why = zalo.api.degraded
        report["zalo"] = {"status": "degraded", "why": why} if why else {"status": "ok"}
        if why:
            report["status"] = "degraded"
    return web.json_response(report)


def render_chat_page(app: web.Application) -> str:
    """The chat page's HTML: it depends on nothing but content/, so it is rendered once."""
    content = app[CONTENT_KEY]
    lang = "vi"
    static = next((r for r in app.router.resources() if isinstance(r, web.StaticResource)), None)

    def asset(name: str) -> str:  # versioned, so a new deploy is never served stale files
        if static is None:
            return "/static/" + name
        return str(static.url_for(filename=name, append_version=True))

    return content.pages.get_template("chat.html").render(
        lang=lang,
        t=lambda key, **kw: content.render(lang, "page." + key, **kw),
        asset=asset,
        max_text=MAX_TEXT,
    )


async def chat_page(request: web.Request) -> web.Response:
    html = request.app[PAGE_KEY]
    return web.Response(text=html, content_type="text/html", charset="utf-8")


async def widget_js(request: web.Request) -> web.Response:
    content = request.app[CONTENT_KEY]
    lang = "vi"
    script = content.pages.get_template("widget.js").render(
        lang=lang, t=lambda key, **kw: content.render(lang, "page." + key, **kw)
    )
    return web.Response(
        text=script,
        content_type="application/javascript",
        charset="utf-8",
        headers={"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"},
    )
