"""A channel kept trying: inside ``hiendien run`` a channel that cannot start (its platform
unreachable, a token refused, a webhook address refused) does not stop the process — the web
chat, the API and the office serve, and the channel is started again in the background with
exponential backoff (:data:`FIRST_DELAY` doubling up to :data:`MAX_DELAY`) until it comes up.
Until then ``/healthz`` reports it ``degraded`` with the reason (issue 14, D4).

The first attempt is made while the app starts (bounded by :data:`ATTEMPT_TIMEOUT`), so a
platform that answers is up before the first request, as before; only a failure moves the
retries to the background. The log says each change of state once (Vietnamese first): the
first failure and each new reason, and the moment the channel comes up — not every attempt.

A channel's own settings checked when it is built (:class:`~bot.channels.base.ConfigError`,
e.g. a webhook secret too short) still stop the start: no retry can fix them.

May import: bot.channels.base.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from bot.channels.base import Channel, Health

log = logging.getLogger(__name__)

FIRST_DELAY = 5.0  # seconds before the second attempt; doubled after each failure
MAX_DELAY = 300.0  # the longest wait between two attempts
ATTEMPT_TIMEOUT = 30.0  # an attempt that has not finished by then has failed
STARTING = "đang khởi động / starting"


def reason(exc: BaseException, timeout: float = ATTEMPT_TIMEOUT) -> str:
    """One line saying why an attempt failed (the exception's own words, else its type)."""
    if isinstance(exc, TimeoutError) and not str(exc):
        return f"không trả lời sau {timeout:g} giây / no answer within {timeout:g} s"
    words = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {words}" if words else type(exc).__name__


class Supervised:
    """A channel started with retries; :meth:`health` is what ``/healthz`` shows for it."""

    def __init__(
        self,
        channel: Channel,
        first_delay: float = FIRST_DELAY,
        max_delay: float = MAX_DELAY,
        attempt_timeout: float = ATTEMPT_TIMEOUT,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.channel = channel
        self.sleep = sleep  # how it waits between attempts (a test records the delays)
        self.first_delay = first_delay
        self.max_delay = max(max_delay, first_delay)
        self.attempt_timeout = attempt_timeout
        self.up = False
        self.why: str | None = STARTING  # while not up: why
        self.attempts = 0
        self._task: asyncio.Task[None] | None = None

    def health(self) -> Health:
        if not self.up:
            return {"status": "degraded", "why": self.why or STARTING}
        return self.channel.health() or {"status": "ok"}

    async def start(self) -> None:
        """The first attempt now; after a failure, the next ones in the background."""
        if not await self._attempt():
            self._task = asyncio.create_task(self._keep_trying(), name=f"{self.channel.name}-up")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self.up:
            self.up = False
            await self.channel.stop()
        else:  # undone after its last failure, but a reply since may have opened a session
            await self._undo()

    async def _keep_trying(self) -> None:
        delay = self.first_delay
        while True:
            await self.sleep(delay)
            if await self._attempt():
                return
            delay = min(delay * 2, self.max_delay)

    async def _attempt(self) -> bool:
        """One start; True when the channel is up. A failed start is undone (its sessions
        closed) so the next one begins clean."""
        self.attempts += 1
        title = self.channel.title
        try:
            await asyncio.wait_for(self.channel.start(), self.attempt_timeout)
        except Exception as exc:  # whatever the platform did: not up, try again later
            why = reason(exc, self.attempt_timeout)
            if why != self.why:
                log.warning(
                    "kênh %s chưa chạy được, sẽ thử lại (lần %d): %s / channel %s is not up, "
                    "retrying in the background",
                    title,
                    self.attempts,
                    why,
                    title,
                )
            else:
                log.debug("channel %s: attempt %d failed again: %s", title, self.attempts, why)
            self.why = why
            await self._undo()
            return False
        if self.attempts > 1:
            log.info(
                "kênh %s đã chạy sau %d lần thử / channel %s is up after %d attempts",
                title,
                self.attempts,
                title,
                self.attempts,
            )
        self.up, self.why = True, None
        return True

    async def _undo(self) -> None:
        try:
            await self.channel.stop()
        except Exception as exc:  # what was half started may not stop cleanly
            log.debug("channel %s: undoing a failed start: %s", self.channel.title, reason(exc))
