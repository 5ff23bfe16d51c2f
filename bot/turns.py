"""Running one turn for any channel: de-duplicate, load, step, record, all in one transaction.

:class:`Conversations` is what every channel adapter calls with an
:class:`~handlers.types.Inbound`; it returns the :class:`~handlers.types.Reply` to render,
or None for a delivery already handled. The new state and every effect are committed
before the reply is returned, so nothing a person said is lost.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date

from sqlalchemy.exc import IntegrityError, OperationalError

from db.store import Store, Tx
from handlers import engine
from handlers.content import Content
from handlers.privacy import my_data_message
from handlers.steps import LEAD_PURPOSE
from handlers.types import (
    CountVerdict,
    DeleteMyData,
    Inbound,
    Message,
    RecordConsent,
    RecordLead,
    Reply,
    ShowMyData,
)

log = logging.getLogger(__name__)
ATTEMPTS = 3  # a turn that collides with a concurrent one (same new user, same phone) retries


class Conversations:
    def __init__(self, store: Store, content: Content, today: Callable[[], date]) -> None:
        self.store = store
        self.content = content
        self.today = today

    async def handle(self, inbound: Inbound) -> Reply | None:
        return await self.store.run(self.handle_sync, inbound)

    def handle_sync(self, inbound: Inbound) -> Reply | None:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                with self.store.transaction() as tx:
                    return self._turn(tx, inbound)
            except (IntegrityError, OperationalError) as exc:
                if attempt == ATTEMPTS:
                    raise
                log.info("turn for %s retried after %s", inbound.channel, type(exc).__name__)
        return None  # unreachable

    def _turn(self, tx: Tx, inbound: Inbound) -> Reply | None:
        channel, user = inbound.channel, inbound.user_ref
        if inbound.external_id and not tx.mark_seen(channel, inbound.external_id):
            return None
        loaded = tx.load_conversation(channel, user)
        today = self.today()
        out = engine.step(loaded.state, inbound, today, self.content)
        lang = out.state.lang if out.state else loaded.state.lang
        shown: list[Message] = []
        for effect in out.effects:
            match effect:
                case RecordConsent():
                    tx.record_consent(channel, user, effect, inbound.external_id)
                case RecordLead():
                    consent = tx.latest_consent(channel, user, LEAD_PURPOSE)
                    loaded.lead_id, _ = tx.record_lead(channel, user, effect, consent)
                case CountVerdict():
                    tx.count_verdict(today, channel, effect.applicant, effect.reason, effect.source)
                case ShowMyData():
                    data = tx.my_data(channel, user, loaded.lead_id)
                    shown.append(my_data_message(self.content, lang, data))
                case DeleteMyData():
                    tx.erase(channel, user, loaded.lead_id)
        if out.state is not None:
            tx.save_conversation(channel, user, loaded, out.state)
        return Reply(tuple(shown + out.messages), out.eligibility)
