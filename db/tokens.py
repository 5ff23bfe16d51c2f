"""A channel's OAuth tokens (``channel_token``): Zalo's rotate, and each refresh token
works once, so a new pair is saved here before it is used. Imports db.models, db.store
and db.tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update

from db.models import utcnow
from db.store import Tx
from db.tables import token_t

_c = token_t.c


@dataclass
class Pair:
    access_token: str
    refresh_token: str
    expires_at: datetime


def save_pair(tx: Tx, channel: str, pair: Pair, error: str | None = None) -> None:
    """Store the channel's current pair (and why it failed, if it did)."""
    now = utcnow()
    values = {
        "access_token": pair.access_token,
        "refresh_token": pair.refresh_token,
        "expires_at": pair.expires_at,
        "updated_at": now,
        "failed_at": now if error else None,
        "last_error": error,
    }
    done = tx.conn.execute(update(token_t).where(_c.channel == channel).values(**values)).rowcount
    if not done:
        tx.conn.execute(insert(token_t).values(channel=channel, **values))


def mark_failed(tx: Tx, channel: str, why: str) -> None:
    """The platform refused the stored token: say why (shown until a new one works)."""
    tx.conn.execute(
        update(token_t)
        .where(_c.channel == channel)
        .values(failed_at=utcnow(), last_error=why[:500])
    )


def load_pair(tx: Tx, channel: str) -> tuple[Pair | None, str | None]:
    """The stored pair, and the last error if the channel is degraded."""
    row = tx.conn.execute(select(token_t).where(_c.channel == channel)).first()
    if row is None:
        return None, None
    return Pair(row.access_token, row.refresh_token, row.expires_at), row.last_error
