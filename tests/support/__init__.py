"""Shared test support, imported by tests/ and bench/ alike (never by the product).

The platforms' stand-ins, each with its own tests beside it: ``telegram_standin`` (the
Telegram Bot API) and ``zalo_standin`` (the Zalo Official Account platform). ``serving``:
hiendien's app on a free loopback port. ``resident``: a resident driving the pure engine.
``pigeon``: the test channel that proves adding a channel takes one package. And the helpers
more than one test module uses: ``conversations`` (the lead dialogue, talking, subscribing),
``records`` (a table's rows, a team invite), ``telegram_chat`` (saying and tapping through
the Bot API stand-in, the team's group), ``hiendien_run`` (a real ``hiendien run`` process)
and ``environment`` (a clean environment for a ``hiendien`` command). Test modules import
helpers from here, never from each other.

May import: bot, db, handlers (the code under test) and the libraries tests use.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the repository: content/, bot/, .env.example
TODAY = date(2026, 11, 25)  # "today" in Vietnam, fixed, for every test that needs one
