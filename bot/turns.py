"""Running one turn for any channel: de-duplicate, load, step, record, all in one transaction.

:class:`Conversations` is what every channel adapter calls with an
:class:`~handlers.types.Inbound`; it returns the :class:`~handlers.types.Reply` to render,
or None for a delivery already handled (a web request's retry gets its first reply again,
kept with its id: :attr:`~handlers.types.Inbound.replay`). The engine (handlers/) decides
the turn, the store records it (:mod:`db.conversations`, and :mod:`db.effects` for what the
turn caused); the new state and every effect are committed before the reply is returned,
so nothing a person said is lost. Before the engine runs, what it must read is loaded into
the :class:`~handlers.types.Inbound`: a typed tax code's registry business, the training
sessions of a turn about them. This module owns the transactions: SQLite's group commit and
PostgreSQL's retries, and the turns' metrics (bot.metrics). Imports bot.channels,
bot.metrics, bot.training_codes, db/ and handlers/.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Collection
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError, OperationalError

from bot.channels.registry import find, writing_first
from bot.metrics import Metrics
from bot.training_codes import qr_image_url
from db import conversations, effects, registry, training_chat
from db.models import utcnow
from db.store import Store, Tx
from handlers import engine
from handlers.content import Content
from handlers.privacy import my_data_message
from handlers.training import confirmation
from handlers.types import Inbound, Message, Reply, TrainingResult

log = logging.getLogger(__name__)
ATTEMPTS = 3  # a turn that collides with a concurrent one (same new user, same phone) retries
MAX_BATCH = 64  # turns sharing one SQLite transaction at most


def _settle(
    futures: list[asyncio.Future[Reply | None]], results: list[Reply | BaseException | None]
) -> None:
    for future, result in zip(futures, results, strict=True):
        if future.cancelled():
            continue
        if isinstance(result, BaseException):
            future.set_exception(result)
        else:
            future.set_result(result)


class Conversations:
    def __init__(
        self,
        store: Store,
        content: Content,
        today: Callable[[], date],
        writes_first: Collection[str] | None = None,
        clock: Callable[[], datetime] = utcnow,
        public_url: str | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        """``writes_first``: the channels that may write to a person first (default: those
        of the registry), stamped on each turn as :attr:`Inbound.push`. ``clock``: the
        moment of a turn (which training sessions are still ahead). ``public_url``: the
        server's public address (HIENDIEN_PUBLIC_URL), for links a phone opens. ``metrics``:
        where turns are counted (bot.metrics; the app's, or one of its own)."""
        self.metrics = metrics or Metrics()
        self.store = store
        self.content = content
        self.today = today
        self.clock = clock
        self.public_url = (public_url or "").rstrip("/") or None
        self.writes_first = frozenset(writing_first() if writes_first is None else writes_first)
        self.on_notify: list[Callable[[], None]] = []  # called after a turn queued notices
        self._notified = False
        self._pending: deque[tuple[Inbound, asyncio.Future[Reply | None]]] = deque()
        self._lock = threading.Lock()
        self._draining = False

    async def handle(self, inbound: Inbound) -> Reply | None:
        """One turn, off the event loop; None when there is nothing to say (a redelivered
        message, or a chat ward staff have taken over). On PostgreSQL each turn takes a
        pooled connection; on SQLite (one writer) the turns waiting at a moment share one
        transaction ("group commit"), and each reply is released only after that commit."""
        started = time.perf_counter()
        try:
            reply = await self._handle(inbound)
        except Exception:
            self.metrics.turn(inbound.channel, "failed", time.perf_counter() - started)
            raise
        outcome = "replied" if reply is not None else "silent"
        self.metrics.turn(inbound.channel, outcome, time.perf_counter() - started)
        return reply

    async def _handle(self, inbound: Inbound) -> Reply | None:
        if self.store.postgres:
            reply = await self.store.run(self.handle_sync, inbound)
            self._committed()
            return reply
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Reply | None] = loop.create_future()
        with self._lock:
            self._pending.append((inbound, future))
            start, self._draining = not self._draining, True
        if start:
            self.store.executor.submit(self._drain, loop)
        reply = await future
        self._committed()
        return reply

    def _committed(self) -> None:
        if self._notified:  # set by the database thread; a stale read only delays a wake
            self._notified = False
            for callback in self.on_notify:
                callback()

    def _drain(self, loop: asyncio.AbstractEventLoop) -> None:
        while True:
            with self._lock:
                if not self._pending:
                    self._draining = False
                    return
                size = min(len(self._pending), MAX_BATCH)
                batch = [self._pending.popleft() for _ in range(size)]
            results = self._run_batch([inbound for inbound, _ in batch])
            loop.call_soon_threadsafe(_settle, [future for _, future in batch], results)

    def _run_batch(self, inbounds: list[Inbound]) -> list[Reply | BaseException | None]:
        if len(inbounds) > 1:
            try:
                self.metrics.begin()
                with self.store.transaction() as tx:
                    replies = [self._turn(tx, inbound) for inbound in inbounds]
                self.metrics.committed()
                return list(replies)
            except Exception:  # one bad turn must not sink the others: retry one by one
                log.warning("a batch of %d turns failed; retrying each alone", len(inbounds))
        results: list[Reply | BaseException | None] = []
        for inbound in inbounds:
            try:
                results.append(self.handle_sync(inbound))
            except Exception as exc:
                results.append(exc)
        return results

    def handle_sync(self, inbound: Inbound) -> Reply | None:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                self.metrics.begin()
                with self.store.transaction() as tx:
                    reply = self._turn(tx, inbound)
                self.metrics.committed()
                return reply
            except (IntegrityError, OperationalError) as exc:
                if attempt == ATTEMPTS:
                    raise
                log.info("turn for %s retried after %s", inbound.channel, type(exc).__name__)
        return None  # unreachable

    def _turn(self, tx: Tx, inbound: Inbound) -> Reply | None:
        channel, user = inbound.channel, inbound.user_ref
        push = channel in self.writes_first
        if inbound.push != push:
            inbound = replace(inbound, push=push)
        seen = inbound.external_id
        if seen and not conversations.mark_seen(tx, channel, seen):
            kept = conversations.kept_reply(tx, channel, seen) if inbound.replay else None
            return Reply.from_stored(kept) if kept else None  # the first answer, again
        loaded = conversations.load(tx, channel, user)
        if loaded.paused_until is not None and loaded.paused_until > utcnow():
            return None  # a person has taken over this chat: the bot does not talk over them
        code = engine.tax_code_to_look_up(loaded.state, inbound)
        if code is not None:  # the registry's answer, for the engine to read
            inbound = replace(inbound, business=registry.for_chat(tx, code))
        now = self.clock()
        about_training = engine.training_to_look_up(loaded.state, inbound, self.content)
        if about_training is not None:  # the sessions, their sign-ups, for the engine to read
            view = training_chat.for_chat(tx, channel, user, about_training.audience, now)
            inbound = replace(inbound, training=view)
        today = self.today()
        out = engine.step(loaded.state, inbound, today, self.content)
        shown = effects.apply(tx, inbound, loaded, out.effects, today, self.writes_first, now)
        self.metrics.decided(channel, out.eligibility, out.effects)
        if out.state is not None:
            conversations.save(tx, channel, user, loaded, out.state)
        if tx.enqueued:
            self._notified = True
        lang = out.state.lang if out.state else loaded.state.lang
        said = tuple(self._word(inbound, lang, data) for data in shown)
        reply = Reply(said + tuple(out.messages), out.eligibility)
        if seen and inbound.replay:
            conversations.keep_reply(tx, channel, seen, user, reply.as_stored())
        return reply

    def _word(self, inbound: Inbound, lang: str, data: dict[str, Any] | TrainingResult) -> Message:
        """What the store answered, in the person's words: a training sign-up's confirmation
        (with the link to the QR code of its check-in code), or the data kept about them."""
        if not isinstance(data, TrainingResult):
            return my_data_message(self.content, lang, data)
        kind = find(inbound.channel)
        window = kind.capabilities.window if kind is not None else None
        hours = int(window.total_seconds() // 3600) if window is not None else None
        qr = None
        if data.session is not None and data.code:
            qr = qr_image_url(self.public_url, data.session.id, data.code)
        return confirmation(self.content, lang, data, inbound.push, qr, hours)
