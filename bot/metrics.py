"""Prometheus metrics at ``GET /metrics`` (prometheus-client), one
:class:`~prometheus_client.CollectorRegistry` per app (several apps in one process — the
tests — never share a counter).

What is counted, and where: turns by channel and outcome, with their latency, and the
verdicts and leads they committed (bot.turns: a turn counts once, after its transaction
commits, never for a retried or replayed one); outbox deliveries by channel and status
(bot.outbox); webhook requests refused, by channel and why (:func:`rejections`, a
middleware: a 4xx on ``/webhooks/…``); the outbox backlog and campaign deliveries by status
(gauges read from the database at each scrape).

``/metrics`` is off (404 JSON) unless ``HIENDIEN_METRICS_TOKEN`` is set; then it needs
``Authorization: Bearer <token>`` (401 JSON otherwise, compared in constant time).

May import: bot.answers, db, handlers.types, prometheus_client, aiohttp.
"""

from __future__ import annotations

import hmac
import threading
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime

from aiohttp import web
from aiohttp.typedefs import Middleware
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

from bot.answers import reply_json
from db import operations
from db.models import utcnow
from db.store import Store
from handlers.types import Effect, Eligibility, RecordLead

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# Why a webhook request was refused, by its status (a bounded set of label values).
WHY = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


class Metrics:
    def __init__(self) -> None:
        r = self.registry = CollectorRegistry()
        self.turns = Counter(
            "hiendien_turns",
            "Turns handled, by channel and outcome (replied, silent: a duplicate or a chat "
            "staff took over, failed)",
            ["channel", "outcome"],
            registry=r,
        )
        self.turn_seconds = Histogram(
            "hiendien_turn_seconds",
            "Seconds from a turn's arrival to its committed reply, by channel",
            ["channel"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.verdicts = Counter(
            "hiendien_verdicts",
            "Eligibility verdicts reached, by reason code",
            ["reason"],
            registry=r,
        )
        self.leads = Counter(
            "hiendien_leads_recorded",
            "Leads recorded by turns (new, or updated by the chat that gave them), by channel",
            ["channel"],
            registry=r,
        )
        self.deliveries = Counter(
            "hiendien_outbox_deliveries",
            "Outbox delivery attempts, by channel and status (sent, retry, dead)",
            ["channel", "status"],
            registry=r,
        )
        self.rejections = Counter(
            "hiendien_webhook_rejections",
            "Webhook requests refused (4xx), by channel and why",
            ["channel", "why"],
            registry=r,
        )
        self.outbox_pending = Gauge(
            "hiendien_outbox_pending", "Outbox notifications waiting (read at scrape)", registry=r
        )
        self.outbox_due = Gauge(
            "hiendien_outbox_due", "Outbox notifications due now (read at scrape)", registry=r
        )
        self.outbox_oldest_due = Gauge(
            "hiendien_outbox_oldest_due_seconds",
            "How long the oldest due outbox notification has waited (0: none; read at scrape)",
            registry=r,
        )
        self.campaign_deliveries = Gauge(
            "hiendien_campaign_deliveries",
            "Campaign deliveries by status (read at scrape)",
            ["status"],
            registry=r,
        )
        self._tally = threading.local()  # a transaction's turns, counted once it commits

    # --- turns (bot.turns) ----------------------------------------------------------------

    def turn(self, channel: str, outcome: str, seconds: float) -> None:
        self.turns.labels(channel, outcome).inc()
        self.turn_seconds.labels(channel).observe(seconds)

    def begin(self) -> None:
        """A transaction of turns begins on this thread."""
        self._tally.decided = []

    def decided(
        self, channel: str, eligibility: Eligibility | None, effects: Iterable[Effect]
    ) -> None:
        """What a turn of the open transaction decided (counted by :meth:`committed`)."""
        leads = sum(isinstance(e, RecordLead) for e in effects)
        reason = eligibility.reason if eligibility is not None else None
        getattr(self._tally, "decided", []).append((channel, reason, leads))

    def committed(self) -> None:
        """The transaction committed: its turns' verdicts and leads count."""
        for channel, reason, leads in getattr(self._tally, "decided", []):
            if reason is not None:
                self.verdicts.labels(reason).inc()
            if leads:
                self.leads.labels(channel).inc(leads)
        self._tally.decided = []

    # --- the outbox (bot.outbox) ----------------------------------------------------------

    def delivered(self, channel: str, status: str) -> None:
        self.deliveries.labels(channel, "retry" if status == "pending" else status).inc()

    # --- a scrape -------------------------------------------------------------------------

    def read_database(self, store: Store, now: datetime) -> None:
        with store.transaction() as tx:
            backlog = operations.outbox_backlog(tx, now)
            campaigns = operations.deliveries_by_status(tx)
        self.outbox_pending.set(backlog.pending)
        self.outbox_due.set(backlog.due)
        oldest = backlog.oldest_due.total_seconds() if backlog.oldest_due is not None else 0.0
        self.outbox_oldest_due.set(max(0.0, oldest))
        self.campaign_deliveries.clear()
        for status, n in campaigns.items():
            self.campaign_deliveries.labels(status).set(n)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


def rejections(metrics: Metrics, channels: Callable[[], Iterable[str]]) -> Middleware:
    """A middleware counting webhook requests answered 4xx (``/webhooks/NAME…``), by the
    running channel's name (anything else: "other") and why (:data:`WHY`)."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            _count(request, exc.status)
            raise
        _count(request, response.status)
        return response

    def _count(request: web.Request, status: int) -> None:
        if not request.path.startswith("/webhooks/") or not 400 <= status < 500:
            return
        name = request.path.split("/")[2]
        channel = name if name in set(channels()) else "other"
        metrics.rejections.labels(channel, WHY.get(status, f"http_{status}")).inc()

    return middleware


def routes(metrics: Metrics, token: str | None, store: Store) -> list[web.RouteDef]:
    """``GET /metrics``: off (404) without a token; the token as a bearer otherwise."""
    expected = f"Bearer {token}".encode() if token else None

    async def scrape(request: web.Request) -> web.Response:
        if expected is None:
            return reply_json({"error": "metrics are off"}, status=404)
        given = request.headers.get("Authorization", "").encode("utf-8", "replace")
        if not hmac.compare_digest(given, expected):
            response = reply_json({"error": "a bearer token is needed"}, status=401)
            response.headers["WWW-Authenticate"] = 'Bearer realm="hiendien metrics"'
            return response
        await store.run(metrics.read_database, store, utcnow())
        body = metrics.exposition()
        response = web.Response(body=body)
        response.headers["Content-Type"] = CONTENT_TYPE_LATEST
        response.headers["Cache-Control"] = "no-store"
        return response

    return [web.get("/metrics", scrape)]
