"""Shared test support, imported by tests/ and bench/ alike (never by the product).

What lives here: the stand-ins for the platforms (``telegram_standin``: the Telegram Bot API;
``zalo_standin``: the Zalo Official Account platform) with their own tests beside them, serving
hiendien's app on loopback (``serving``), a resident driving the pure engine (``resident``),
the pigeon channel that proves adding a channel takes one package (``pigeon``), and the helpers
more than one test module uses. Test modules import helpers from here, never from each other.

May import: bot, db, handlers (the code under test) and the libraries tests use.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the repository: content/, bot/, .env.example
TODAY = date(2026, 11, 25)  # "today" in Vietnam, fixed, for every test that needs one
