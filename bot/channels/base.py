"""The channel seam: what every channel is (:class:`Channel`), what it is given to run
(:class:`Context`), and the error it raises when its settings cannot work.

A channel is a class listed in :mod:`bot.channels.registry`. Its class says what it is —
its name, its :class:`~bot.channels.capabilities.Capabilities`, its settings block (a
:class:`~bot.settings.Block`), whether it is configured, its command-line groups, how a
team member links an account on it — and an instance runs inside ``hiendien run``: its
webhook routes, start/stop, replies, staff notices (an outbox
:class:`~bot.outbox.Sender`), broadcasts (campaigns and reminders) and health (on
``/healthz``). Everything here has a default, so a channel says only what it has.

May import: bot.settings, bot.outbox, bot.inbox, bot.channels.capabilities, db, handlers.
"""

from __future__ import annotations

import argparse
from abc import ABC
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from aiohttp import web
from aiolimiter import AsyncLimiter

from bot.channels.capabilities import Capabilities, fit
from bot.inbox import Inbox
from bot.outbox import Sender
from bot.settings import Block, Settings
from db import conversations
from db.models import utcnow
from db.store import Store
from handlers.content import Content
from handlers.types import Inbound, Message, Reply

if TYPE_CHECKING:
    Subcommands = argparse._SubParsersAction[Any]  # what ``add_subparsers`` returns
else:
    Subcommands = Any

Health = dict[str, str]  # {"status": "ok" | "degraded", "why"?: …}, shown on /healthz


class ConfigError(RuntimeError):
    """A channel is configured in a way that cannot work; the message says how to fix it."""


class Turns(Protocol):
    """Where a channel hands what a person did (bot.turns.Conversations)."""

    async def handle(self, inbound: Inbound) -> Reply | None: ...

    def handle_sync(self, inbound: Inbound) -> Reply | None: ...


@dataclass
class Context:
    """What a channel is given: the settings, the database, the content, the conversation
    service, and the facts of the registry it runs in."""

    settings: Settings
    store: Store
    content: Content
    turns: Turns
    # The channels of the registry that may write first: a resident there hears of their
    # request (db.team's notices) and may be offered news.
    writes_first: frozenset[str]
    clock: Callable[[], datetime] = utcnow
    wakers: list[Callable[[], None]] = field(default_factory=list)  # the outbox dispatcher's
    # Where a webhook writes an update before its 200; it is handled from there (bot.inbox).
    inbox: Inbox = field(init=False)

    def __post_init__(self) -> None:
        self.inbox = Inbox(self.store, self.clock)

    def wake_outbox(self) -> None:
        """Something was just written to the outbox: deliver it now, not at the next tick."""
        for wake in self.wakers:
            wake()


class Channel(ABC):
    """One way residents reach the bot. Subclasses set the class attributes and override
    what they have; the defaults are a channel that only answers."""

    REQUIRED: ClassVar[tuple[str, ...]] = ("name", "title", "capabilities")

    name: ClassVar[str]  # the channel's key in the database ("telegram")
    title: ClassVar[str]  # as people call it ("Telegram")
    capabilities: ClassVar[Capabilities]
    settings_block: ClassVar[type[Block]] = Block  # its environment variables
    # ``hiendien broadcast test --to``: how a recipient is written here (for a channel that
    # broadcasts), its help, and whether an id without "name:" is this channel's. What the
    # command line prints is read by ward staff, so these words (and ``needs``,
    # ``window_advice``, :meth:`staff_link`) are Vietnamese.
    recipient: ClassVar[str] = ""
    recipient_help: ClassVar[str] = ""
    bare_ids: ClassVar[bool] = False
    # What to set when it is not configured, e.g. "đặt ZALO_APP_ID" (printed "cần … trước").
    needs: ClassVar[str] = ""
    # Why a message could not go outside the window of its capabilities, and what to do.
    window_advice: ClassVar[str] = "ngoài khoảng thời gian nền tảng cho phép nhắn tin"

    sender: Sender | None = None  # delivers its outbox rows (staff notices)
    pace: AsyncLimiter | None = None  # its platform's limit, shared with broadcasts

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        missing = [attr for attr in Channel.REQUIRED if not hasattr(cls, attr)]
        if missing:
            raise TypeError(f"the channel {cls.__name__} does not say its {', '.join(missing)}")

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    # --- what the class says --------------------------------------------------------------

    @classmethod
    def configured(cls, settings: Settings) -> bool:
        """Whether ``hiendien run`` serves this channel."""
        return True

    @classmethod  # noqa: B027 (a hook: none by default)
    def add_commands(cls, commands: Subcommands) -> None:
        """Add this channel's command groups to ``hiendien`` (``hiendien zalo …``)."""

    @classmethod
    def staff_link(cls, settings: Settings, code: str) -> str | None:
        """How a team member links their account here with an invite code (printed by
        ``hiendien staff invite``); None if the team does not work on this channel."""
        return None

    @classmethod
    def source_link(cls, settings: Settings, code: str) -> str | None:
        """The link that brings a resident here from a campaign source (``code``, already
        checked by :func:`db.sources.normalise_code`), for its QR code and poster; None if
        this channel has none (or lacks the setting it needs). It may be relative while the
        public address is unknown (a QR code needs an absolute one, see :mod:`bot.qr`).
        Called from the command line and from the office's pages, so it should not wait on
        the network (Telegram asks for the bot's name once, unless it is configured)."""
        return None

    # --- running inside hiendien run ------------------------------------------------------

    def routes(self) -> Sequence[web.AbstractRouteDef]:
        """Its HTTP routes (webhooks, pages) on the app."""
        return ()

    async def connect(self) -> None:  # noqa: B027 (a hook: none by default)
        """Open what sending needs (HTTP sessions, tokens): for a broadcast from the CLI."""

    async def disconnect(self) -> None:  # noqa: B027 (a hook: none by default)
        """Close what :meth:`connect` opened."""

    async def start(self) -> None:
        """Connect, then begin receiving (polling, background work)."""
        await self.connect()

    async def stop(self) -> None:
        """Stop receiving, finish what was acknowledged, then disconnect."""
        await self.disconnect()

    def render(self, reply: Reply) -> list[Message]:
        """The reply as this channel can show it."""
        return fit(reply, self.capabilities)

    async def send(self, user_ref: str, reply: Reply) -> None:
        """Send a reply to a person (a channel answering within the person's own request,
        like the web chat, has no other way and does not override this)."""
        raise NotImplementedError(f"{self.title} answers only within the person's request")

    async def broadcast(self, user_ref: str, lang: str, message: Message) -> str:
        """One campaign message or reminder: a delivery status ("sent", "blocked",
        "outside_window", "unknown" or "failed:<why>")."""
        return "failed:no broadcasts on this channel"

    def health(self) -> Health | None:
        """What ``/healthz`` reports for it (None: nothing to report)."""
        return None

    async def may_write(self, user_ref: str) -> bool:
        """Whether this channel may write to the person now (see
        :meth:`Capabilities.may_write`)."""
        caps, store = self.capabilities, self.ctx.store
        if not caps.writes_first or caps.window is None:
            return caps.writes_first

        def last() -> datetime | None:
            with store.transaction() as tx:
                return conversations.last_turn_at(tx, self.name, user_ref)

        seen = await store.run(last)
        return caps.may_write(seen, self.ctx.clock())


Registry = Sequence[type[Channel]]
