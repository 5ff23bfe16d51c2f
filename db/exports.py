"""Reading leads out for the ward office (``hiendien leads export``, the office's export):
each lead an actor may see, with its team's name, its source's name and the time its
consent was given; and the audit row every export writes. Imports db (audit, followup,
store, tables) and handlers.text.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from db import audit, followup
from db.followup import Actor, Filters
from db.store import Tx

CLI = "cli"  # who exports from the command line, in the audit log


def leads_for_export(
    tx: Tx, actor: Actor | None = None, filters: Filters | None = None
) -> Iterator[dict[str, Any]]:
    """The leads ``actor`` may see (None: every lead) that ``filters`` select, in id order,
    streamed; each with ``team``, ``source_name`` and ``consent_at``."""
    yield from followup.listed(tx, actor, filters or Filters())


def record_export(
    tx: Tx,
    actor: Actor | None,
    *,
    fmt: str,
    rows: int,
    filters: Filters,
    ip: str | None = None,
) -> int:
    """The audit row of an export: who (``cli`` without an actor), how many rows, the
    format and the filters — a search only as "searched", since what was typed may be a
    resident's name or phone, which the log outlives; its id."""
    described = filters.described()
    if described.pop("q", None):
        described["searched"] = True
    return audit.record(
        tx,
        "export",
        actor.who if actor else CLI,
        actor_user_id=actor.user_id if actor else None,
        detail={"rows": rows, "format": fmt, "filters": described},
        ip=ip,
    )
