"""``hiendien broadcast create|list|show|cancel|test``: campaigns to the subscribers of
programme news (sent by ``hiendien run``'s scheduler, see bot.campaigns).

``test`` sends a campaign's message once to one chat through its channel's own broadcast
path, on any channel of the registry that broadcasts; it is not recorded as a delivery.

Ward staff read Vietnamese: what the commands say is in content/vi/broadcast.yaml
(``broadcast.*``), the options' help here.

May import: bot.cli.common, bot.campaigns, bot.channels, bot.clock, bot.turns, db, handlers,
jinja2 (a word the catalogue lacks).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import TemplateNotFound

from bot.campaigns import Monthly, ScheduleError, campaign_message, parse_at
from bot.channels.base import Channel, ConfigError, Context, Registry, Subcommands
from bot.channels.registry import writing_first
from bot.cli.common import Command, Fail, content, store
from bot.clock import today_in_vietnam
from bot.turns import Conversations
from db import campaigns
from db.models import utcnow
from db.store import Store
from handlers.content import Content
from handlers.privacy import local_time
from handlers.types import LANGUAGES

LANG = "vi"  # ward staff read Vietnamese
CAMPAIGN_ID_HELP = "mã chiến dịch, xem bằng 'hiendien broadcast list'"
TEST_OUTCOMES = ("blocked", "unknown")  # said in broadcast.cli.<status>


def add(commands: Subcommands, channels: Registry) -> None:
    broadcast = commands.add_parser(
        "broadcast", help="chiến dịch gửi tin cho người đăng ký nhận tin về chương trình"
    )
    b_sub = broadcast.add_subparsers(dest="broadcast_command", required=True)
    create = b_sub.add_parser(
        "create", help="tạo chiến dịch: gửi ngay, vào một thời điểm, hoặc hằng tháng"
    )
    create.add_argument("--text-file", required=True, help="tệp nội dung tin (văn bản UTF-8)")
    create.add_argument(
        "--text-file-en", help="nội dung tin bằng tiếng Anh, cho người đăng ký đã chọn tiếng Anh"
    )
    create.add_argument("--button", help='nút mở liên kết: "Tiêu đề=https://…"')
    create.add_argument("--button-en", help="tiêu đề của nút bằng tiếng Anh (cùng liên kết)")
    create.add_argument(
        "--segment",
        choices=tuple(campaigns.SEGMENTS),
        default="all",
        help="đối tượng nhận tin (mặc định: all, mọi người đăng ký nhận tin): youth thanh niên, "
        "business doanh nghiệp, household hộ kinh doanh, eligible người đủ điều kiện "
        "nhưng chưa đăng ký tên miền",
    )
    create.add_argument("--source", help="chỉ người đăng ký đến từ mã nguồn chiến dịch này")
    create.add_argument("--area", help='chỉ tổ dân phố này, ví dụ "Tổ dân phố 5"')
    create.add_argument("--at", help='giờ Việt Nam, "2026-12-01 09:00" (mặc định: gửi ngay)')
    create.add_argument("--every", help='hằng tháng: các ngày và giờ gửi, "1,15 09:00"')
    create.add_argument(
        "--ignore-quiet-hours", action="store_true", help="gửi cả trong khung giờ 21:00–07:00"
    )
    create.set_defaults(handler=run_create)
    b_sub.add_parser("list", help="các chiến dịch").set_defaults(handler=run_list)
    for name, what, handler in (
        ("show", "một chiến dịch và số liệu gửi tin", run_show),
        ("cancel", "hủy một chiến dịch", run_cancel),
    ):
        one = b_sub.add_parser(name, help=what)
        one.add_argument("campaign_id", type=int, help=CAMPAIGN_ID_HELP)
        one.set_defaults(handler=handler)
    test = b_sub.add_parser(
        "test", help="gửi thử tin cho một cuộc trò chuyện để xem tin hiển thị thế nào"
    )
    test.add_argument("campaign_id", type=int, help=CAMPAIGN_ID_HELP)
    broadcasting = [c for c in channels if c.recipient_help]
    test.add_argument(
        "--to",
        required=True,
        help="người nhận tin thử: " + " hoặc ".join(c.recipient_help for c in broadcasting),
    )
    test.add_argument(
        "--lang",
        choices=LANGUAGES,
        default="vi",
        help="gửi bản nào: vi tiếng Việt, en tiếng Anh (mặc định: vi)",
    )
    test.set_defaults(handler=run_test)


def _say(words: Content, key: str, **params: Any) -> str:
    return words.render(LANG, "broadcast.cli." + key, **params)


def run_create(cmd: Command) -> int:
    words = content(cmd.settings)
    try:
        fields = campaign_fields(cmd.args, utcnow(), cmd.channels, words)
    except ValueError as exc:  # a ScheduleError too
        raise Fail(str(exc)) from exc
    with store(cmd.settings) as db, db.transaction() as tx:
        campaign_id = campaigns.create(tx, **fields)
        campaign = campaigns.get(tx, campaign_id)
        assert campaign is not None
        size = campaigns.audience_size(tx, campaign)
    print(_say(words, "created", id=campaign_id, size=size))
    return 0


def run_list(cmd: Command) -> int:
    words = content(cmd.settings)
    with store(cmd.settings) as db, db.transaction() as tx:
        rows = [(c, campaigns.audience_size(tx, c)) for c in campaigns.all_campaigns(tx)]
    if not rows:
        print(_say(words, "none"))
        return 0
    status = {c["status"]: _label(words, "status", c["status"]) for c, _ in rows}
    segment = {c["segment"]: _label(words, "segment", c["segment"]) for c, _ in rows}
    when = {c["id"]: _when(words, c) for c, _ in rows}
    widths = [max(len(x) for x in column.values()) for column in (status, segment, when)]
    for c, size in rows:
        print(
            f"{c['id']:>4}  {status[c['status']]:<{widths[0]}}  "
            f"{segment[c['segment']]:<{widths[1]}}  {when[c['id']]:<{widths[2]}}  "
            + _say(words, "audience", size=size)
        )
    return 0


def run_show(cmd: Command) -> int:
    words = content(cmd.settings)
    with store(cmd.settings) as db, db.transaction() as tx:
        campaign = campaigns.get(tx, cmd.args.campaign_id)
        if campaign is None:
            return _missing(words, cmd.args.campaign_id)
        figures = campaigns.figures(tx, cmd.args.campaign_id)
    print(
        _say(
            words,
            "show",
            id=campaign["id"],
            status=_label(words, "status", campaign["status"]),
            segment=_label(words, "segment", campaign["segment"]),
            source=campaign["source"],
            area=campaign["area"],
            when=_when(words, campaign),
        )
    )
    print(campaign["text"])
    if campaign["text_en"]:
        print(_say(words, "english"))
        print(campaign["text_en"])
    for key, value in figures.items():
        label = _label(words, "figures", key)
        if isinstance(value, dict):  # failed: how many for each reason
            reasons = ", ".join(f"{why or '?'}: {n}" for why, n in sorted(value.items(), key=str))
            value = f"{sum(value.values())} ({reasons})" if reasons else 0
        print(f"  {label}: {value}")
    return 0


def run_cancel(cmd: Command) -> int:
    words = content(cmd.settings)
    campaign_id = cmd.args.campaign_id
    with store(cmd.settings) as db, db.transaction() as tx:
        if campaigns.get(tx, campaign_id) is None:
            return _missing(words, campaign_id)
        if not campaigns.set_status(tx, campaign_id, "cancelled", unless=("done",)):
            print("hiendien: " + _say(words, "already_done", id=campaign_id), file=sys.stderr)
            return 1
    print(_say(words, "cancelled", id=campaign_id))
    return 0


def run_test(cmd: Command) -> int:
    """The campaign's message to one chat, through the channel's broadcast path; no
    delivery is recorded."""
    args, settings = cmd.args, cmd.settings
    words = content(settings)
    kind, ref = _recipient(cmd.channels, args.to)
    with store(settings) as db:
        with db.transaction() as tx:
            campaign = campaigns.get(tx, args.campaign_id)
        if campaign is None:
            return _missing(words, args.campaign_id)
        if kind is not None and not kind.configured(settings):
            raise Fail(_say(words, "needs", needs=kind.needs))
        if kind is None or not ref.strip():
            either = " " + _say(words, "or") + " "
            written = either.join(c.recipient for c in cmd.channels if c.recipient)
            raise Fail(_say(words, "bad_recipient", to=args.to, written=written))
        status = asyncio.run(_send(cmd, db, kind, ref, campaign_message(campaign, args.lang)))
    where = {"channel": kind.title, "ref": ref}
    if status == "sent":
        version = words.render(LANG, "broadcast.lang." + args.lang)
        print(_say(words, "test_sent", id=campaign["id"], version=version, **where))
        return 0
    if status in TEST_OUTCOMES:
        why = _say(words, status)
    elif status == "outside_window":
        why = kind.window_advice
    else:
        why = status.removeprefix("failed:")
    print("hiendien: " + _say(words, "not_sent", why=why, **where), file=sys.stderr)
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


def _missing(words: Content, campaign_id: int) -> int:
    print("hiendien: " + _say(words, "missing", id=campaign_id), file=sys.stderr)
    return 1


def _label(words: Content, group: str, value: str) -> str:
    """A status, segment or figure in words (as stored, if the catalogue has no word)."""
    try:
        return words.render(LANG, f"broadcast.{group}.{value}")
    except TemplateNotFound:
        return value


def _when(words: Content, campaign: dict[str, Any]) -> str:
    at: datetime | None = campaign["first_at"]
    if campaign["every"]:
        try:
            rule = Monthly.parse(campaign["every"])
        except ScheduleError:
            return str(campaign["every"])
        days = ", ".join(str(d) for d in rule.days)
        return words.render(LANG, "broadcast.when.monthly", days=days, time=f"{rule.at:%H:%M}")
    if at is not None:
        return words.render(LANG, "broadcast.when.at", at=local_time(at))
    return words.render(LANG, "broadcast.when.now")


def campaign_fields(
    args: argparse.Namespace, now: datetime, channels: Registry, words: Content
) -> dict[str, Any]:
    """The campaign's columns from ``broadcast create``'s options; ValueError saying what to
    write (a ScheduleError for a time, or a text file that cannot be read) for bad input."""
    # as long as the shortest message a channel that broadcasts takes
    tightest = min(
        (c for c in channels if c.capabilities.writes_first),
        key=lambda c: c.capabilities.max_length,
        default=None,
    )
    text = _campaign_text(words, args.text_file, tightest)
    text_en = _campaign_text(words, args.text_file_en, tightest) if args.text_file_en else None
    if args.button_en and not args.button:
        raise ValueError(_say(words, "button_en_alone"))
    title = url = None
    if args.button:
        title, sep, url = args.button.partition("=")
        if not sep or not title.strip() or not url.strip().startswith("https://"):
            raise ValueError(_say(words, "bad_button"))
        title, url = title.strip(), url.strip()
    first_at = parse_at(args.at) if args.at else None
    if first_at is not None and first_at < now:
        raise ValueError(_say(words, "at_past", at=args.at))
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


def _campaign_text(words: Content, path: str, tightest: type[Channel] | None) -> str:
    try:
        text = Path(path).read_text(encoding="utf-8").strip()
    except UnicodeDecodeError as exc:
        raise ValueError(_say(words, "not_utf8", path=path)) from exc
    except OSError as exc:
        why = exc.strerror or str(exc)
        raise ValueError(_say(words, "cannot_read", path=path, why=why)) from exc
    if not text:
        raise ValueError(_say(words, "empty_file", path=path))
    if tightest is None:
        return text
    limit = tightest.capabilities.max_length
    if len(text) > limit:
        raise ValueError(
            _say(
                words, "too_long", path=path, length=len(text), channel=tightest.title, limit=limit
            )
        )
    return text
