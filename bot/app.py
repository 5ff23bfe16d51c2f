"""Building the aiohttp application: the channels of the registry that are configured (their
routes, their start and stop), the app's own routes, security headers on every answer
(errors included: :mod:`bot.errors` turns them into answers inside), the request limits
(:mod:`bot.limits`, checked by the chat API and the webhooks), the webhooks' inbox
(bot.inbox), the outbox dispatcher, the campaign scheduler, the training reminders, the
plan's dated duties and the retention schedule.

``build_app`` is used by ``hiendien run`` and by the tests (which start it on loopback).
The database is created or upgraded before the app is built (see bot.cli.run).

May import: every bot module but bot.cli; db, handlers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from datetime import date, datetime
from typing import Any

from aiohttp import web

from bot.campaigns import CampaignSender
from bot.channels.base import Channel, ConfigError, Context, Registry
from bot.channels.registry import CHANNELS, writing_first
from bot.channels.supervisor import Supervised
from bot.clock import today_in_vietnam
from bot.errors import error_answers
from bot.headers import NOT_FRAMED, page_csp
from bot.limits import LIMITS_KEY, Limits
from bot.maintenance import Writers, maintenance
from bot.metrics import Metrics, rejections
from bot.metrics import routes as metrics_routes
from bot.office.app import install as install_office
from bot.office.web import Office, office_pages
from bot.outbox import Dispatcher
from bot.routes import CHANNELS_KEY, CONTENT_KEY, ROUTES, STORE_KEY, SUPERVISED_KEY, TODAY_KEY
from bot.scheduler import CampaignScheduler, PlanDuties, TrainingReminders
from bot.settings import Settings
from bot.training_codes import ROUTES as TRAINING_ROUTES
from bot.turns import Conversations
from db.models import utcnow
from db.store import Store
from handlers.content import Content

MAX_BODY = 64 * 1024  # what a route reads with aiohttp's own reader (the office's forms);
# /api/chat and the webhooks read their bodies under their own limits (bot.limits)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
SCHEDULER_KEY: web.AppKey[CampaignScheduler] = web.AppKey("scheduler")
METRICS_KEY = web.AppKey("metrics", Metrics)
__all__ = ["CHANNELS_KEY", "METRICS_KEY", "SCHEDULER_KEY", "build_app"]


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as exc:  # a redirect (errors were answered inside)
        secure(request, exc)
        raise
    secure(request, response)
    return response


def secure(request: web.Request, response: web.StreamResponse) -> None:
    """The security headers every answer carries; only the chat page may be framed, and it
    says by whom (bot.headers)."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    if "Content-Security-Policy" not in response.headers:
        html = response.content_type == "text/html"
        response.headers["Content-Security-Policy"] = page_csp() if html else NOT_FRAMED
        response.headers["X-Frame-Options"] = "DENY"
    if request.path.startswith("/api/"):
        response.headers.setdefault("Cache-Control", "no-store")


def lifecycle(channel: Supervised) -> Callable[[web.Application], AsyncIterator[None]]:
    """An aiohttp cleanup context: the channel runs while the app does; one that cannot
    start is tried again in the background while the app serves (bot.channels.supervisor)."""

    async def ctx(_app: web.Application) -> AsyncIterator[None]:
        await channel.start()
        yield
        await channel.stop()

    return ctx


def build_app(
    store: Store,
    content: Content,
    today: Callable[[], date] = today_in_vietnam,
    settings: Settings | None = None,
    clock: Callable[[], datetime] = utcnow,
    channels: Registry = CHANNELS,
    options: Mapping[str, Mapping[str, Any]] | None = None,
    limits: Limits | None = None,
) -> web.Application:
    """The app with every channel of ``channels`` that ``settings`` configure (without
    settings: nothing read from the environment, so only the web chat). ``options``: keyword
    arguments for a channel's constructor, by name (tests). ``limits``: the request limits
    (bot.limits), made from ``settings`` unless given (a test's, on its own clock)."""
    settings = settings or Settings.defaults()
    metrics = Metrics()  # this app's own registry (bot.metrics)
    running: dict[str, Channel] = {}
    counted = rejections(metrics, lambda: running)  # webhook 4xx, by channel and why
    middlewares = [counted, security_headers, error_answers(), office_pages]
    app = web.Application(client_max_size=MAX_BODY, middlewares=middlewares)
    writes_first = writing_first(channels)
    conversations = Conversations(
        store, content, today, writes_first, clock, settings.hiendien_public_url, metrics
    )
    ctx = Context(settings, store, content, conversations, writes_first, clock)
    app[CONTENT_KEY] = content
    app[LIMITS_KEY] = limits or Limits(settings, content)
    app[STORE_KEY] = store
    app[TODAY_KEY] = today
    supervised: dict[str, Supervised] = {}
    app[METRICS_KEY] = metrics
    for kind in channels:
        if not kind.configured(settings):
            continue
        try:
            channel = kind(ctx, **(options or {}).get(kind.name, {}))
        except ConfigError as exc:
            raise ConfigError(f"{kind.title}: {exc}") from exc
        running[kind.name] = channel
        app.add_routes(channel.routes())
        kept = Supervised(channel, *settings.channel_retry())
        supervised[kind.name] = kept
        app.cleanup_ctx.append(lifecycle(kept))
    app[CHANNELS_KEY] = running
    app[SUPERVISED_KEY] = supervised
    if ctx.inbox.handlers:  # started after the channels that handle its updates
        app.cleanup_ctx.append(ctx.inbox.lifecycle())
    senders = [c.sender for c in running.values() if c.sender is not None]
    if senders:  # started after the channels it sends through, stopped before them
        # a channel's notices wait, pending, while it is not up (bot.channels.supervisor)
        up = {ch: supervised[n] for n, c in running.items() if c.sender for ch in c.sender.channels}
        dispatcher = Dispatcher(store, senders, metrics=metrics, ready=lambda ch: up[ch].up)
        conversations.on_notify.append(dispatcher.wake)
        ctx.wakers.append(dispatcher.wake)
        app.cleanup_ctx.append(dispatcher.lifecycle())
        sender = CampaignSender(store, running, clock)
        check = settings.hiendien_leader_check_seconds
        scheduler = CampaignScheduler(store, sender, content, clock, check)
        app[SCHEDULER_KEY] = scheduler
        app.cleanup_ctx.append(scheduler.lifecycle())
        writing = [n for n, c in running.items() if c.capabilities.writes_first]
        training_reminders = TrainingReminders(store, writing, clock)
        training_reminders.on_done = ctx.wakers
        app.cleanup_ctx.append(training_reminders.lifecycle())
    app.add_routes(ROUTES)
    app.add_routes(TRAINING_ROUTES)  # a check-in code's QR image
    app.add_routes(metrics_routes(metrics, settings.hiendien_metrics_token, store))
    install_office(app, Office(store, content, settings, clock, today, writes_first, ctx.wakers))
    plan_duties = PlanDuties(store, content, content.plan.reporting, clock)  # with or without chats
    plan_duties.on_done = ctx.wakers  # the dispatcher, once it is made
    app.cleanup_ctx.append(plan_duties.lifecycle())
    writers = {n: c.capabilities for n, c in running.items() if c.capabilities.writes_first}
    ask = Writers(frozenset(writers), lambda name, last: writers[name].may_write(last, clock()))
    app.cleanup_ctx.append(maintenance(store, content, today, ask, ctx.wake_outbox))
    return app
