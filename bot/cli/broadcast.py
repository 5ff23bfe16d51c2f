"""``hiendien broadcast create|list|show|cancel|test``: campaigns to the subscribers of
programme news (sent by ``hiendien run``'s scheduler, see bot.campaigns).

``test`` sends a campaign's message once to one chat through its channel's own broadcast
path, on any channel of the registry that broadcasts; it is not recorded as a delivery.

May import: bot.cli.common, bot.campaigns, bot.channels, bot.clock, bot.turns, db.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.campaigns import Monthly, ScheduleError, campaign_message, parse_at
from bot.channels.base import Channel, ConfigError, Context, Registry, Subcommands
from bot.channels.registry import writing_first
from bot.cli.common import Command, Fail, content, store
from bot.clock import VIETNAM, today_in_vietnam
from bot.turns import Conversations
from db import campaigns
from db.models import utcnow
from db.store import Store
from handlers.types import LANGUAGES

TEST_OUTCOMES = {
    "blocked": "that chat has blocked the bot",
    "unknown": "no answer from the platform; it may have arrived",
}


def add(commands: Subcommands, channels: Registry) -> None:
    broadcast = commands.add_parser("broadcast", help="campaigns to subscribers of programme news")
    b_sub = broadcast.add_subparsers(dest="broadcast_command", required=True)
    create = b_sub.add_parser("create", help="a broadcast, now, at a time, or monthly")
    create.add_argument("--text-file", required=True, help="the message (UTF-8 text)")
    create.add_argument(
        "--text-file-en", help="the message in English, for subscribers who chose English"
    )
    create.add_argument("--button", help='"Title=https://…" a link button')
    create.add_argument("--button-en", help="the button's title in English (same link)")
    create.add_argument(
        "--segment",
        choices=tuple(campaigns.SEGMENTS),
        default="all",
        help="eligible: found eligible and not yet registered",
    )
    create.add_argument("--source", help="only subscribers who came from this campaign code")
    create.add_argument("--area", help='only this tổ dân phố, e.g. "Tổ dân phố 5"')
    create.add_argument("--at", help='Vietnam time, "2026-12-01 09:00" (default: now)')
    create.add_argument("--every", help='monthly: days and time, "1,15 09:00"')
    create.add_argument("--ignore-quiet-hours", action="store_true", help="also send 21:00–07:00")
    create.set_defaults(handler=run_create)
    b_sub.add_parser("list", help="all campaigns").set_defaults(handler=run_list)
    for name, what, handler in (
        ("show", "a campaign and its delivery figures", run_show),
        ("cancel", "stop it", run_cancel),
    ):
        one = b_sub.add_parser(name, help=what)
        one.add_argument("campaign_id", type=int, help="the id shown by 'hiendien broadcast list'")
        one.set_defaults(handler=handler)
    test = b_sub.add_parser("test", help="send the message to one chat to see how it looks")
    test.add_argument("campaign_id", type=int, help="the id shown by 'hiendien broadcast list'")
    broadcasting = [c for c in channels if c.recipient_help]
    test.add_argument(
        "--to",
        required=True,
        help=" or ".join(c.recipient_help for c in broadcasting),
    )
    test.add_argument("--lang", choices=LANGUAGES, default="vi", help="which text")
    test.set_defaults(handler=run_test)


def run_create(cmd: Command) -> int:
    try:
        fields = campaign_fields(cmd.args, utcnow(), cmd.channels)
    except (ScheduleError, ValueError, OSError) as exc:
        raise Fail(str(exc)) from exc
    with store(cmd.settings) as db, db.transaction() as tx:
        campaign_id = campaigns.create(tx, **fields)
        campaign = campaigns.get(tx, campaign_id)
        assert campaign is not None
        size = campaigns.audience_size(tx, campaign)
    print(f"campaign {campaign_id} created for {size} subscribers now in its audience")
    return 0


def run_list(cmd: Command) -> int:
    with store(cmd.settings) as db, db.transaction() as tx:
        for c in campaigns.all_campaigns(tx):
            print(
                f"{c['id']:>4}  {c['status']:<9}  {c['segment']:<9}  {_when(c)}  "
                f"{campaigns.audience_size(tx, c)} subscribers"
            )
    return 0


def run_show(cmd: Command) -> int:
    with store(cmd.settings) as db, db.transaction() as tx:
        campaign = campaigns.get(tx, cmd.args.campaign_id)
        if campaign is None:
            return _missing(cmd.args.campaign_id)
        figures = campaigns.figures(tx, cmd.args.campaign_id)
    print(
        f"campaign {campaign['id']}: {campaign['status']}, segment {campaign['segment']}, "
        f"source {campaign['source'] or '-'}, area {campaign['area'] or '-'}, {_when(campaign)}"
    )
    print(campaign["text"])
    if campaign["text_en"]:
        print(f"--- English ---\n{campaign['text_en']}")
    for key, value in figures.items():
        print(f"  {key}: {value}")
    return 0


def run_cancel(cmd: Command) -> int:
    campaign_id = cmd.args.campaign_id
    with store(cmd.settings) as db, db.transaction() as tx:
        if campaigns.get(tx, campaign_id) is None:
            return _missing(campaign_id)
        if not campaigns.set_status(tx, campaign_id, "cancelled", unless=("done",)):
            print("hiendien: that campaign is already done", file=sys.stderr)
            return 1
    print(f"campaign {campaign_id} cancelled")
    return 0


def run_test(cmd: Command) -> int:
    """The campaign's message to one chat, through the channel's broadcast path; no
    delivery is recorded."""
    args, settings = cmd.args, cmd.settings
    kind, ref = _recipient(cmd.channels, args.to)
    with store(settings) as db:
        with db.transaction() as tx:
            campaign = campaigns.get(tx, args.campaign_id)
        if campaign is None:
            return _missing(args.campaign_id)
        if kind is not None and not kind.configured(settings):
            raise Fail(f"{kind.needs} first")
        if kind is None or not ref.strip():
            written = " or ".join(c.recipient for c in cmd.channels if c.recipient)
            raise Fail(f'--to "{args.to}": write {written}')
        status = asyncio.run(_send(cmd, db, kind, ref, campaign_message(campaign, args.lang)))
    if status == "sent":
        print(f"test message of campaign {campaign['id']} ({args.lang}) sent to {kind.name} {ref}")
        return 0
    outcomes = {**TEST_OUTCOMES, "outside_window": kind.window_advice}
    why = outcomes.get(status, status.removeprefix("failed:"))
    print(f"hiendien: not sent to {kind.name} {ref}: {why}", file=sys.stderr)
    return 1


def _recipient(channels: Registry, to: str) -> tuple[type[Channel] | None, str]:
    """The channel and the id ``--to`` names: "name:ID", or a bare id of the channel that
    takes them."""
    name, sep, ref = to.partition(":")
    broadcasting = [c for c in channels if c.recipient]
    if not sep:
        return next((c for c in broadcasting if c.bare_ids), None), to
    return next((c for c in broadcasting if c.name == name), None), ref


async def _send(cmd: Command, db: Store, kind: type[Channel], ref: str, message: Any) -> str:
    texts = content(cmd.settings)
    writes_first = writing_first(cmd.channels)
    turns = Conversations(db, texts, today_in_vietnam, writes_first)
    try:
        channel = kind(Context(cmd.settings, db, texts, turns, writes_first))
    except ConfigError as exc:
        raise Fail(f"{kind.title}: {exc}") from exc
    await channel.connect()
    try:
        return await channel.broadcast(ref, cmd.args.lang, message)
    finally:
        await channel.disconnect()


def _missing(campaign_id: int) -> int:
    print(f"hiendien: no campaign {campaign_id}", file=sys.stderr)
    return 1


def _when(campaign: dict[str, Any]) -> str:
    at: datetime | None = campaign["first_at"]
    return str(campaign["every"] or (at and _local(at)) or "now")


def _local(at: datetime) -> str:
    return at.astimezone(VIETNAM).strftime("%Y-%m-%d %H:%M")


def campaign_fields(args: argparse.Namespace, now: datetime, channels: Registry) -> dict[str, Any]:
    """The campaign's columns from ``broadcast create``'s options; ValueError (saying what to
    write), ScheduleError or OSError (a text file that cannot be read) for bad input."""
    # as long as the shortest message a channel that broadcasts takes
    tightest = min(
        (c for c in channels if c.capabilities.writes_first),
        key=lambda c: c.capabilities.max_length,
        default=None,
    )
    text = _campaign_text(args.text_file, tightest)
    text_en = _campaign_text(args.text_file_en, tightest) if args.text_file_en else None
    if args.button_en and not args.button:
        raise ValueError("--button-en is the English title of --button: give --button too")
    title = url = None
    if args.button:
        title, sep, url = args.button.partition("=")
        if not sep or not title.strip() or not url.strip().startswith("https://"):
            raise ValueError(
                '--button must look like "Đăng ký ngay=https://hiendienonline.tenmien.vn"'
            )
        title, url = title.strip(), url.strip()
    first_at = parse_at(args.at) if args.at else None
    if first_at is not None and first_at < now:
        raise ValueError(f"--at {args.at} is in the past")
    if args.every:
        Monthly.parse(args.every)
    return {
        "text": text,
        "text_en": text_en,
        "button_title": title,
        "button_title_en": args.button_en.strip() if args.button_en else None,
        "button_url": url,
        "segment": args.segment,
        "source": args.source,
        "area": args.area,
        "first_at": first_at,
        "every": args.every,
        "quiet_hours": not args.ignore_quiet_hours,
        "status": "scheduled",
    }


def _campaign_text(path: str, tightest: type[Channel] | None) -> str:
    text = Path(path).read_text(encoding="utf-8").strip()
    if not text:
        raise ValueError(f"{path} is empty")
    if tightest is None:
        return text
    limit = tightest.capabilities.max_length
    if len(text) > limit:
        raise ValueError(
            f"{path}: {len(text)} characters; {tightest.title} takes at most {limit:,}"
        )
    return text
