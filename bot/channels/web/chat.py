"""The web channel: ``POST /api/chat`` (the widget's and any client's chat API), the chat page
at ``/`` with its ``/static/`` files, and ``/widget.js`` that frames it on the ward portal.

The chat API is a thin adapter from JSON to :class:`~handlers.types.Inbound` and back; the
reply goes out in the same request (the web cannot be written to first), and is kept with
the message's ``id`` for a week: a retry of that id gets the same reply again, with
``"duplicate": true``. Typed text is cleaned (:func:`handlers.text.clean`); every bad
request gets a 4xx with ``{"error": "…"}`` saying what to fix, never a 500.

A campaign source's link is the page with ``?source=CODE`` (the older ``?src=`` and
``?start=`` still work): the page's script sends ``/start CODE`` as the first message, and
the engine keeps the code on the conversation, its verdicts and its lead.

Every request passes the limits first (bot.limits): the client IP's, the user's, and for a
user id never seen the client IP's new conversations this hour (429 with ``Retry-After``);
a body over ``HIENDIEN_CHAT_MAX_BYTES`` gets a 413.

May import: bot.answers, bot.channels (base, capabilities), bot.headers, bot.limits,
bot.settings, db, handlers.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from bot.answers import bad, reply_json
from bot.channels.base import Channel, Context
from bot.channels.capabilities import Capabilities
from bot.headers import page_csp
from bot.limits import Limits, TooLarge, limits_of, read_body
from bot.settings import Settings
from db import conversations
from handlers.text import clean
from handlers.types import Inbound

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
MAX_USER = 64
MAX_TEXT = 4000
MAX_PAYLOAD = 64
MAX_EXTERNAL_ID = 128
CHANNEL = "web"
SOURCE_PARAM = "source"  # the chat page's query parameter with a campaign source's code


class WebChannel(Channel):
    name = CHANNEL
    title = "Web"
    capabilities = Capabilities()

    @classmethod
    def source_link(cls, settings: Settings, code: str) -> str | None:
        """The chat page with the code: ``HIENDIEN_PUBLIC_URL/?source=CODE`` (relative,
        ``/?source=CODE``, while the public address is unset). The page's script starts the
        conversation with ``/start CODE``."""
        base = (settings.hiendien_public_url or "").rstrip("/")
        return f"{base}/?{urlencode({SOURCE_PARAM: code})}"

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self._page_html: str | None = None  # rendered at the first request (see _page)

    def routes(self) -> list[web.AbstractRouteDef]:
        return [
            web.post("/api/chat", self.api_chat),
            web.get("/", self.chat_page),
            web.get("/widget.js", self.widget_js),
            web.static("/static/", STATIC, show_index=False),
        ]

    async def api_chat(self, request: web.Request) -> web.Response:
        limits = limits_of(request)
        client = limits.client(request)
        wait = limits.chat_ip.take(client)  # before anything is read
        if wait:
            return limits.too_many(wait)
        if request.content_type != "application/json":
            return bad("send JSON with Content-Type: application/json", 415)
        try:
            raw = await read_body(request, limits.chat_max_bytes)
        except TooLarge:
            return limits.too_large(limits.chat_max_bytes)
        try:
            body = json.loads(raw.decode("utf-8"))
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
        refused = await self._limited(limits, client, user)
        if refused is not None:
            return refused
        if text is not None:
            text = clean(text)  # lone surrogates, control characters: nothing a page can't show
        inbound = Inbound(
            CHANNEL, user, text=text, payload=payload, external_id=external_id, replay=True
        )
        reply = await self.ctx.turns.handle(inbound)
        if reply is None:  # the same message id again, its reply no longer kept
            return reply_json({"messages": [], "duplicate": True})
        out: dict[str, Any] = {"messages": [m.as_json() for m in self.render(reply)]}
        if reply.eligibility is not None:
            out["eligibility"] = reply.eligibility.as_json()
        if reply.duplicate:  # a retry whose first answer was lost: that answer again
            out["duplicate"] = True
        return reply_json(out)

    async def _limited(self, limits: Limits, client: str, user: str) -> web.Response | None:
        """A 429 when ``user`` is over their limit, or is new and ``client`` has begun too
        many conversations this hour (a user id without a conversation is new); else None.
        A user who passed lately is known without asking the database (the user's bucket
        is taken only once they have passed the new-conversation cap)."""
        if limits.new_conversations.rate.on and not limits.chat_user.knows(user):
            store = self.ctx.store

            def known() -> bool:
                with store.transaction() as tx:
                    return conversations.exists(tx, CHANNEL, user)

            if not await store.run(known):
                wait = limits.new_conversations.take(client)
                if wait:
                    return limits.too_many(wait, "limits.too_many_new")
        wait = limits.chat_user.take(user)
        return limits.too_many(wait) if wait else None

    def _page(self, app: web.Application) -> str:
        """The chat page's HTML: it depends on nothing but content/, so it is rendered once."""
        if self._page_html is not None:
            return self._page_html
        content = self.ctx.content
        lang = "vi"
        static = next(
            (r for r in app.router.resources() if isinstance(r, web.StaticResource)), None
        )

        def asset(name: str) -> str:  # versioned, so a new deploy is never served stale files
            if static is None:
                return "/static/" + name
            return str(static.url_for(filename=name, append_version=True))

        page = content.pages.get_template("chat.html").render(
            lang=lang,
            t=lambda key, **kw: content.render(lang, "page." + key, **kw),
            asset=asset,
            max_text=MAX_TEXT,
        )
        self._page_html = page
        return page

    async def chat_page(self, request: web.Request) -> web.Response:
        """The chat page, framed only by the ward portal's origins (HIENDIEN_WIDGET_ORIGINS)."""
        html = self._page(request.app)
        policy = page_csp(self.ctx.settings.frame_ancestors())
        return web.Response(
            text=html,
            content_type="text/html",
            charset="utf-8",
            headers={"Content-Security-Policy": policy},
        )

    async def widget_js(self, request: web.Request) -> web.Response:
        content = self.ctx.content
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
