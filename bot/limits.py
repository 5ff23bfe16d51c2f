"""Limits on what one client may ask of the HTTP surface (issue 14, D5): token buckets per
client IP and per user on ``POST /api/chat`` and the webhooks, a cap on new conversations per
IP an hour on ``/api/chat``, and the body sizes they read.

:class:`Buckets` is a map of token buckets with bounded memory. Each bucket is kept as one
number, GCRA's "theoretical arrival time" (the moment its bucket would be full again), which
is the same as a token bucket of ``burst`` tokens refilled at ``rate`` a second: a key whose
number is in the past has a full bucket and is the same as no key at all, so idle keys are
forgotten as they are met, oldest first, and the map never holds more than ``max_keys``
(when every key is busy, the one idle longest is forgotten: it gets a full bucket again,
which is the safe way to be wrong).

:class:`Limits` holds the app's maps, built from :class:`~bot.settings.Settings`
(``HIENDIEN_CHAT_*``, ``HIENDIEN_WEBHOOK_*``, ``HIENDIEN_NEW_CONVERSATIONS_PER_IP_HOUR``,
``HIENDIEN_TRUSTED_PROXIES``) with an injectable clock (monotonic seconds), and the
answers: 429 with ``Retry-After`` in whole seconds and ``{"error": "…"}`` worded in
content/ (Vietnamese), 413 for a body over the limit. The security headers are added by the
app's middleware (bot.app) like on every answer.

The client's IP is the peer's; ``X-Forwarded-For`` is read only when the peer is one of
the trusted proxies, and then the rightmost address that is not a trusted proxy is the
client. IPv6 clients are keyed by their /64 (one subscriber's network).

May import: bot.answers, bot.settings, handlers (content), aiohttp.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from aiohttp import web

from bot.answers import reply_json
from bot.settings import Settings, proxy_networks
from handlers.content import Content

log = logging.getLogger(__name__)

Clock = Callable[[], float]
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
READ_CHUNK = 16 * 1024
DROPS_LOGGED_EVERY = 60.0  # seconds: dropped webhook events are summed up at most this often


@dataclass(frozen=True)
class Rate:
    """``per_second`` requests a second after a first ``burst``; off when ``per_second`` is 0."""

    per_second: float
    burst: int

    @property
    def on(self) -> bool:
        return self.per_second > 0 and self.burst > 0


class Buckets:
    """A token bucket per key (see the module's docstring), at most ``max_keys`` kept."""

    __slots__ = ("_full_at", "_interval", "_tolerance", "clock", "max_keys", "rate")

    def __init__(self, rate: Rate, clock: Clock = time.monotonic, max_keys: int = 100_000):
        self.rate = rate
        self.clock = clock
        self.max_keys = max(1, max_keys)
        self._interval = 1.0 / rate.per_second if rate.on else 0.0
        self._tolerance = (rate.burst - 1) * self._interval
        self._full_at: dict[str, float] = {}  # key → when its bucket is full again

    def __len__(self) -> int:
        return len(self._full_at)

    def take(self, key: str) -> float:
        """Take a token from ``key``'s bucket: 0.0 when there was one, else the seconds
        until there is one (nothing is taken then)."""
        if not self.rate.on:
            return 0.0
        now = self.clock()
        kept = self._full_at.pop(key, None)  # re-inserted below: the map stays oldest first
        start = now if kept is None or kept < now else kept
        wait = start - self._tolerance - now
        if wait > 0:
            assert kept is not None
            self._full_at[key] = kept
            return wait
        self._full_at[key] = start + self._interval
        if kept is None:
            self._forget_idle(now)
        return 0.0

    def knows(self, key: str) -> bool:
        """Whether ``key`` took a token lately (it is forgotten once idle and others come)."""
        return key in self._full_at

    def _forget_idle(self, now: float) -> None:
        """Forget a few keys whose bucket is full again (the oldest first), and the oldest
        while there are more than ``max_keys``."""
        keys = self._full_at
        for _ in range(2):  # amortised: two for each key added keeps up with any arrival rate
            oldest = next(iter(keys))
            if keys[oldest] > now:
                break
            del keys[oldest]
        while len(keys) > self.max_keys:
            del keys[next(iter(keys))]


def retry_after(seconds: float) -> int:
    """``Retry-After`` in whole seconds, never 0 (a client waiting that long gets through)."""
    return max(1, math.ceil(seconds - 1e-9))


@lru_cache(maxsize=4096)  # the same few addresses again and again (a NAT, a proxy)
def ip_key(address: str) -> str:
    """The key of a client address: an IPv4 address itself, an IPv6 one by its /64."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address  # not an IP (a Unix socket, a test transport): itself
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def client_address(
    peer: str | None, forwarded_for: str | None, trusted: tuple[Network, ...]
) -> str:
    """The client's address: the peer's, or — only when the peer is a trusted proxy — the
    rightmost address of ``X-Forwarded-For`` that is not a trusted proxy."""
    address = peer or "?"
    if not trusted or not forwarded_for or not _trusted(address, trusted):
        return address
    for hop in reversed(forwarded_for.split(",")):
        text = hop.strip()
        try:
            ipaddress.ip_address(text)
        except ValueError:
            break  # a hop nobody can vouch for: the last trusted one is the client
        address = text
        if not _trusted(text, trusted):
            break
    return address


def _trusted(address: str, trusted: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)


class Limits:
    """The app's limits (see the module's docstring); ``clock`` in seconds, monotonic."""

    def __init__(self, settings: Settings, content: Content, clock: Clock = time.monotonic):
        s = settings
        keys = s.hiendien_limit_max_keys
        self.content = content
        self.trusted = proxy_networks(s.hiendien_trusted_proxies or "")
        self.chat_ip = Buckets(
            Rate(s.hiendien_chat_rate_per_ip, s.hiendien_chat_burst_per_ip), clock, keys
        )
        self.chat_user = Buckets(
            Rate(s.hiendien_chat_rate_per_user, s.hiendien_chat_burst_per_user), clock, keys
        )
        per_hour = s.hiendien_new_conversations_per_ip_hour
        self.new_conversations = Buckets(Rate(per_hour / 3600, per_hour), clock, keys)
        self.webhook_ip = Buckets(
            Rate(s.hiendien_webhook_rate_per_ip, s.hiendien_webhook_burst_per_ip), clock, keys
        )
        self.webhook_user = Buckets(
            Rate(s.hiendien_webhook_rate_per_user, s.hiendien_webhook_burst_per_user), clock, keys
        )
        self.drops = Drops(clock)
        self.chat_max_bytes = s.hiendien_chat_max_bytes
        self.webhook_max_bytes = s.hiendien_webhook_max_bytes

    def client(self, request: web.Request) -> str:
        """The key of the request's client (see :func:`client_address`, :func:`ip_key`)."""
        forwarded = request.headers.get("X-Forwarded-For") if self.trusted else None
        return ip_key(client_address(request.remote, forwarded, self.trusted))

    def too_many(self, seconds: float, key: str = "limits.too_many") -> web.Response:
        """429: wait ``seconds`` (rounded up to whole seconds in ``Retry-After``)."""
        wait = retry_after(seconds)
        message = self.content.render("vi", key, seconds=wait)
        response = reply_json({"error": message}, status=429)
        response.headers["Retry-After"] = str(wait)
        return response

    def too_large(self, limit: int) -> web.Response:
        return reply_json(
            {"error": self.content.render("vi", "limits.too_large", limit=limit)}, status=413
        )

    def webhook_refused(self, request: web.Request) -> web.Response | None:
        """A 429 when the webhook's caller (a platform's server) is over its IP's limit
        (off unless ``HIENDIEN_WEBHOOK_RATE_PER_IP`` is set), else None."""
        wait = self.webhook_ip.take(self.client(request))
        return self.too_many(wait) if wait else None

    def webhook_user_over(self, channel: str, user: str) -> bool:
        """Whether a platform user's event (its signature already checked) is over their
        limit: it is then dropped, answered 200 so the platform does not redeliver it."""
        if not self.webhook_user.take(f"{channel}:{user}"):
            return False
        self.drops.note(channel)
        return True


class Drops:
    """Counts webhook events dropped over a user's limit; logs one line per channel at most
    every :data:`DROPS_LOGGED_EVERY` seconds, so a flood cannot flood the log."""

    def __init__(self, clock: Clock = time.monotonic, every: float = DROPS_LOGGED_EVERY):
        self.clock = clock
        self.every = every
        self.total: dict[str, int] = {}
        self._told: dict[str, tuple[float, int]] = {}  # channel → (last line, total then)

    def note(self, channel: str) -> None:
        self.total[channel] = count = self.total.get(channel, 0) + 1
        now = self.clock()
        last, told = self._told.get(channel, (-math.inf, 0))
        if now - last >= self.every:
            self._told[channel] = (now, count)
            log.warning(
                "%s: bỏ %d sự kiện của người gửi quá nhanh (giới hạn mỗi người dùng) / "
                "dropped %d events over a user's limit",
                channel,
                count - told,
                count - told,
            )


LIMITS_KEY = web.AppKey("limits", Limits)


def limits_of(request: web.Request) -> Limits:
    return request.app[LIMITS_KEY]


class TooLarge(Exception):
    """The body is over the limit."""


async def read_body(request: web.Request, limit: int) -> bytes:
    """The body, at most ``limit`` bytes: :class:`TooLarge` as soon as it is more (a declared
    ``Content-Length`` over the limit is refused before anything is read)."""
    if request.content_length is not None and request.content_length > limit:
        raise TooLarge
    body = bytearray()
    async for chunk in request.content.iter_chunked(READ_CHUNK):
        body += chunk
        if len(body) > limit:
            raise TooLarge
    return bytes(body)
