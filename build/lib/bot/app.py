"""Building the aiohttp application: routes, security headers, the conversation service.

``build_app`` is used by ``hiendien run`` and by the tests (which start it on loopback).
The database is created or upgraded before the app is built (see bot.cli).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from aiohttp import web

from bot import web as routes
from bot.campaigns import CampaignSender
from bot.clock import today_in_vietnam
from bot.maintenance import maintenance
from bot.outbox import Dispatcher, Sender
from bot.scheduler import CampaignScheduler
from bot.settings import Settings
from bot.turns import Conversations
from db.models import utcnow
from db.store import Store
from handlers.content import Content

STATIC = Path(__file__).parent / "static"
MAX_BODY = 64 * 1024  # /api/chat bodies are small; anything bigger is refused with 413

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors *; object-src 'none'; base-uri 'none'; "
    "form-action 'self'"
)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
TELEGRAM_KEY: web.AppKey[Any] = web.AppKey("telegram")
ZALO_KEY = routes.ZALO_KEY
SCHEDULER_KEY: web.AppKey[Any] = web.AppKey("scheduler")


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    if response.content_type == "text/html":
        # the chat page is meant to be embedded (widget.js frames it on the ward portal)
        response.headers.setdefault("Content-Security-Policy", CSP)
    if request.path.startswith("/api/"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def build_app(
    store: Store,
    content: Content,
    today: Callable[[], date] = today_in_vietnam,
    settings: Settings | None = None,
    telegram_options: dict[str, float] | None = None,
    zalo_options: dict[str, float] | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> web.Application:
    """The web app; with Telegram or Zalo configured in ``settings``, those channels too."""
    app = web.Application(client_max_size=MAX_BODY, middlewares=[security_headers])
    conversations = Conversations(store, content, today)
    app[routes.CONTENT_KEY] = content
    app[routes.CONVERSATIONS_KEY] = conversations
    app[routes.TODAY_KEY] = today
    senders: list[Sender] = []
    if settings is not None and settings.telegram_bot_token:
        from bot.telegram.channel import WEBHOOK_PATH, TelegramChannel

        telegram = TelegramChannel(
            settings, store, content, conversations, **(telegram_options or {})
        )
        app[TELEGRAM_KEY] = telegram
        app.router.add_post(WEBHOOK_PATH, telegram.webhook)
        app.cleanup_ctx.append(telegram.lifecycle())
        senders.append(telegram.sender)
    if settings is not None and settings.zalo_app_id:
        from bot.zalo.channel import WEBHOOK_PATH as ZALO_PATH
        from bot.zalo.channel import ZaloChannel

        zalo = ZaloChannel(settings, store, content, conversations, **(zalo_options or {}))
        app[ZALO_KEY] = zalo
        app.router.add_post(ZALO_PATH, zalo.webhook)
        app.cleanup_ctx.append(zalo.lifecycle())
        senders.append(zalo.sender)
    if senders:  # started after the channels it sends through, stopped before them
        dispatcher = Dispatcher(store, senders)
        conversations.on_notify.append(dispatcher.wake)
        if TELEGRAM_KEY in app:
            app[TELEGRAM_KEY].wake_outbox = dispatcher.wake
        app.cleanup_ctx.append(dispatcher.lifecycle())
        channels = {
            name: app[key].broadcast
            for name, key in (("telegram", TELEGRAM_KEY), ("zalo", ZALO_KEY))
            if key in app
        }
        pace = {"telegram": app[TELEGRAM_KEY].limits.overall} if TELEGRAM_KEY in app else {}
        sender = CampaignSender(store, channels, clock, pace=pace)
        scheduler = CampaignScheduler(store, sender, content, clock)
        app[SCHEDULER_KEY] = scheduler
        app.cleanup_ctx.append(scheduler.lifecycle())
    app.router.add_post("/api/chat", routes.api_chat)
    app.router.add_get("/api/eligibility", routes.api_eligibility)
    app.router.add_get("/healthz", routes.healthz)
    app.router.add_get("/", routes.chat_page)
    app.router.add_get("/widget.js", routes.widget_js)
    app.router.add_static("/static/", STATIC, show_index=False)
    app[routes.PAGE_KEY] = routes.render_chat_page(app)
    app.cleanup_ctx.append(maintenance(store, content, today))
    return app
