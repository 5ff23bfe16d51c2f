"""``hiendien training create|list|show|cancel|announce``: the ward's training sessions (tập
huấn) for staff — the office's /office/training pages do the same. Times are Vietnam's
("2026-12-10 08:00"); a school is named as in the ward's list (any case or diacritics).
``cancel`` tells every registrant on a channel that may write first (the running bot's
outbox sends it); ``announce`` makes a broadcast campaign to the subscribers whose segment
matches the session's audience (the community digital teams' sessions are not announced:
teams are not subscribers). Messages in Vietnamese (content/vi/training.yaml,
``training.cli.*``); every change goes to the audit log as done by "cli".

May import: bot.cli.common, bot.campaigns, bot.channels.registry, db, handlers.
"""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import Any

from bot.campaigns import ScheduleError, parse_at
from bot.channels.base import Registry, Subcommands
from bot.channels.registry import writing_first
from bot.cli.common import Command, Fail, content, store
from db import campaigns, schools, training
from db.models import utcnow
from db.training import TrainingError
from handlers.content import Content, vn_date
from handlers.phones import national
from handlers.privacy import VIETNAM, local_time

LANG = "vi"  # ward staff read Vietnamese
ACTOR = "cli"
ID_HELP = "số của buổi tập huấn, xem bằng 'hiendien training list'"
# a session's audience → the broadcast segment of its subscribers (team: none)
SEGMENT_OF = {"youth": "youth", "business": "business", "household": "household", "all": "all"}


def _seats(value: str) -> int:
    text = value.strip()
    if not (text.isascii() and text.isdigit() and len(text) < 7):
        raise argparse.ArgumentTypeError(f"số chỗ chưa đúng '{value}': ghi một số, ví dụ 80")
    return int(text)


def add(commands: Subcommands, channels: Registry) -> None:
    group = commands.add_parser(
        "training", help="các buổi tập huấn: tạo, xem người đăng ký, hủy, thông báo"
    )
    sub = group.add_subparsers(dest="training_command", required=True)

    created = sub.add_parser("create", help="tạo một buổi tập huấn")
    created.add_argument("--title", required=True, help='tên buổi, vd. "Đăng ký tên miền .vn"')
    created.add_argument("--at", required=True, help='giờ Việt Nam, vd. "2026-12-10 08:00"')
    created.add_argument("--place", required=True, help='địa điểm, vd. "Hội trường UBND phường"')
    created.add_argument("--capacity", required=True, type=_seats, help="số chỗ, vd. 80")
    created.add_argument(
        "--audience",
        required=True,
        choices=training.AUDIENCES,
        help="đối tượng: youth thanh niên, business doanh nghiệp, household hộ kinh doanh, "
        "team tổ công nghệ số cộng đồng, all mọi người",
    )
    created.add_argument("--school", help="tổ chức tại trường này (tên trong danh sách trường)")
    created.add_argument("--map-url", help="đường dẫn bản đồ (https://…)")
    created.set_defaults(handler=run_create)

    sub.add_parser("list", help="các buổi sắp tới và đã qua, với số người").set_defaults(
        handler=run_list
    )

    shown = sub.add_parser("show", help="một buổi: thông tin và danh sách người đăng ký")
    shown.add_argument("session_id", type=int, help=ID_HELP)
    shown.set_defaults(handler=run_show)

    cancelled = sub.add_parser("cancel", help="hủy một buổi (báo cho người đã đăng ký)")
    cancelled.add_argument("session_id", type=int, help=ID_HELP)
    cancelled.add_argument("--reason", help='lý do, gửi kèm cho người đăng ký, vd. "mưa bão"')
    cancelled.set_defaults(handler=run_cancel)

    announced = sub.add_parser(
        "announce", help="thông báo buổi tập huấn cho người đăng ký nhận tin (một chiến dịch)"
    )
    announced.add_argument("session_id", type=int, help=ID_HELP)
    announced.add_argument(
        "--at", help='gửi lúc (giờ Việt Nam), vd. "2026-12-01 09:00" (mặc định: gửi ngay)'
    )
    announced.set_defaults(handler=run_announce)


# --- helpers ---------------------------------------------------------------------------------


def _say(words: Content, key: str, **params: Any) -> str:
    return words.render(LANG, "training.cli." + key, **params)


def _fail(words: Content, error: TrainingError) -> Fail:
    return Fail(words.render(LANG, "training.error." + error.key, **error.params))


def _when(at: datetime) -> str:
    local = at.astimezone(VIETNAM)
    return f"{local:%H:%M} {vn_date(local.date())}"


def _school_id(words: Content, cmd: Command, name: str | None) -> int | None:
    if not name:
        return None
    with store(cmd.settings) as db, db.transaction() as tx:
        found = schools.by_name(tx, name)
    if found is None:
        raise Fail(_say(words, "no_school", name=name))
    return int(found["id"])


def _missing(words: Content, session_id: int) -> Fail:
    return Fail(_say(words, "missing", id=session_id))


def session_line(words: Content, s: dict[str, Any]) -> str:
    """A session in one line: number, time, title, place, audience, its people."""
    audience = words.render(LANG, "training.audience." + s["audience"])
    line = _say(
        words,
        "line",
        id=s["id"],
        when=_when(s["starts_at"]),
        title=s["title"],
        place=s["place"],
        audience=audience,
        school=s.get("school"),
        registered=s["registered"],
        capacity=s["capacity"],
        waiting=s["waiting"],
        attended=s["attended"],
    )
    return line + (" " + _say(words, "cancelled_mark") if s["cancelled_at"] else "")


# --- the commands ----------------------------------------------------------------------------


def run_create(cmd: Command) -> int:
    args, words = cmd.args, content(cmd.settings)
    try:
        starts_at = parse_at(args.at)
    except ScheduleError as exc:
        raise Fail(str(exc)) from exc
    school_id = _school_id(words, cmd, args.school)
    try:
        with store(cmd.settings) as db, db.transaction() as tx:
            created = training.create(
                tx,
                title=args.title,
                starts_at=starts_at,
                place=args.place,
                capacity=args.capacity,
                audience=args.audience,
                school_id=school_id,
                map_url=args.map_url,
                now=utcnow(),
                actor=ACTOR,
            )
    except TrainingError as exc:
        raise _fail(words, exc) from exc
    print(_say(words, "created", id=created["id"]))
    print(session_line(words, created))
    return 0


def run_list(cmd: Command) -> int:
    words = content(cmd.settings)
    with store(cmd.settings) as db, db.transaction() as tx:
        ahead, past = training.listing(tx, utcnow())
    if not ahead and not past:
        print(_say(words, "none"))
        return 0
    for heading, found in (("upcoming", ahead), ("past", past)):
        if found:
            print(_say(words, heading))
            for s in found:
                print("  " + session_line(words, s))
    return 0


def run_show(cmd: Command) -> int:
    words = content(cmd.settings)
    with store(cmd.settings) as db, db.transaction() as tx:
        found = training.get(tx, cmd.args.session_id)
        people = training.signups(tx, cmd.args.session_id) if found else []
    if found is None:
        raise _missing(words, cmd.args.session_id)
    print(session_line(words, found))
    if found["map_url"]:
        print(_say(words, "map", url=found["map_url"]))
    if found["cancelled_at"]:
        print(_say(words, "cancelled_at", at=local_time(found["cancelled_at"])))
    if found["campaign_id"]:
        print(_say(words, "announced", campaign=found["campaign_id"]))
    if not people:
        print(_say(words, "nobody"))
        return 0
    for n, p in enumerate(people, start=1):
        print(
            "  "
            + _say(
                words,
                "person",
                n=n,
                name=p["name"] or "—",
                phone=national(p["phone"]) if p["phone"] else "—",
                status=words.render(LANG, "training.status." + p["status"]),
                code=p["code"],
                walk_in=p["walk_in"],
                channel=p["channel"],
                checked_in=local_time(p["checked_in_at"]) if p["checked_in_at"] else None,
            )
        )
    return 0


def run_cancel(cmd: Command) -> int:
    words = content(cmd.settings)
    try:
        with store(cmd.settings) as db, db.transaction() as tx:
            people = training.cancel(
                tx,
                cmd.args.session_id,
                now=utcnow(),
                actor=ACTOR,
                reason=cmd.args.reason,
                writes_first=writing_first(cmd.channels),
            )
    except TrainingError as exc:
        raise _fail(words, exc) from exc
    if people is None:
        raise _missing(words, cmd.args.session_id)
    writers = writing_first(cmd.channels)
    told = sum(1 for p in people if p["channel"] in writers)
    print(_say(words, "cancelled", id=cmd.args.session_id, told=told, untold=len(people) - told))
    return 0


def announcement(words: Content, lang: str, s: dict[str, Any]) -> str:
    """The broadcast's text in ``lang``: the session's day, time, place and map link, and
    how to sign up in the chat."""
    local = s["starts_at"].astimezone(VIETNAM)
    return words.render(
        lang,
        "training.announce",
        title=s["title"],
        time=f"{local:%H:%M}",
        day=vn_date(local.date()),
        place=s["place"],
        map_url=s["map_url"],
        seats=s["capacity"],
    )


def run_announce(cmd: Command) -> int:
    words = content(cmd.settings)
    now = utcnow()
    try:
        first_at = parse_at(cmd.args.at) if cmd.args.at else None
    except ScheduleError as exc:
        raise Fail(str(exc)) from exc
    with store(cmd.settings) as db, db.transaction() as tx:
        found = training.get(tx, cmd.args.session_id)
        if found is None:
            raise _missing(words, cmd.args.session_id)
        segment = SEGMENT_OF.get(found["audience"])
        if segment is None:
            raise Fail(_say(words, "announce_team"))
        if found["cancelled_at"] is not None or found["starts_at"] <= now:
            raise Fail(_say(words, "announce_closed", id=found["id"]))
        if first_at is not None and not now <= first_at < found["starts_at"]:
            raise Fail(_say(words, "announce_at", at=cmd.args.at))
        before = campaigns.get(tx, found["campaign_id"]) if found["campaign_id"] else None
        if before is not None and before["status"] != "cancelled":
            raise Fail(_say(words, "announce_again", campaign=before["id"]))
        campaign_id = campaigns.create(
            tx,
            text=announcement(words, "vi", found),
            text_en=announcement(words, "en", found),
            button_title=None,
            button_title_en=None,
            button_url=None,
            segment=segment,
            source=None,
            area=None,
            first_at=first_at,
            every=None,
            quiet_hours=True,
            status="scheduled",
        )
        training.set_campaign(tx, found["id"], campaign_id)
        campaign = campaigns.get(tx, campaign_id)
        assert campaign is not None
        size = campaigns.audience_size(tx, campaign)
    print(_say(words, "announced_now", campaign=campaign_id, size=size, segment=segment))
    return 0
