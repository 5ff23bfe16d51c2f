"""``hiendien sources add|list|show|change|archive|qr|poster``: campaign sources — where
residents came from — with their links, QR codes, A5 poster and funnel, for ward staff (the
office's sources pages show the same). Messages in Vietnamese (content/vi/sources.yaml);
every change goes to the audit log as done by "cli".

May import: bot.cli.common, bot.channels.base (types), bot.posters, bot.qr, bot.sources, db,
handlers.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from typing import Any

from bot import qr
from bot.channels.base import Registry, Subcommands
from bot.cli.common import Command, Fail, content, day, store
from bot.posters import NoPrintableLink, poster_html
from bot.sources import SourceLink, find, links, offers_links, organisation
from db import sources
from db.sources import SourceError
from handlers.content import Content
from handlers.privacy import local_time

LANG = "vi"  # ward staff read Vietnamese
ACTOR = "cli"
CODE_HELP = "mã nguồn (viết hoa hay thường đều được)"


def add(commands: Subcommands, channels: Registry) -> None:
    group = commands.add_parser(
        "sources", help="nguồn chiến dịch: liên kết, mã QR, áp phích và kết quả (campaign sources)"
    )
    sub = group.add_subparsers(dest="sources_command", required=True)

    added = sub.add_parser("add", help="thêm một nguồn")
    added.add_argument(
        "code", help="mã nguồn trong liên kết: a–z 0–9 _ -, tối đa 64 ký tự (vd. hoiphunu-t12)"
    )
    added.add_argument("--name", required=True, help='tên nguồn, vd. "Họp chi hội tháng 12"')
    added.add_argument(
        "--organisation",
        required=True,
        help='đơn vị phát nguồn, vd. "Hội Phụ nữ" (gợi ý: content/ward.yaml, source_organisations)',
    )
    added.set_defaults(handler=run_add)

    def period(p: argparse.ArgumentParser) -> None:
        p.add_argument("--since", type=day, help="từ ngày (25/11/2026 hoặc 2026-11-25)")
        p.add_argument("--until", type=day, help="đến hết ngày (25/11/2026 hoặc 2026-11-25)")

    listed = sub.add_parser("list", help="các nguồn và kết quả của từng nguồn")
    listed.add_argument("--archived", action="store_true", help="kể cả nguồn đã lưu trữ")
    period(listed)
    listed.set_defaults(handler=run_list)

    shown = sub.add_parser("show", help="một nguồn: liên kết theo từng kênh và kết quả")
    shown.add_argument("code", help=CODE_HELP)
    period(shown)
    shown.set_defaults(handler=run_show)

    changed = sub.add_parser("change", help="đổi tên hoặc đơn vị của một nguồn (mã giữ nguyên)")
    changed.add_argument("code", help=CODE_HELP)
    changed.add_argument("--name", help="tên mới")
    changed.add_argument("--organisation", help="đơn vị mới")
    changed.set_defaults(handler=run_change)

    archived = sub.add_parser("archive", help="lưu trữ một nguồn (ẩn khỏi danh sách)")
    archived.add_argument("code", help=CODE_HELP)
    archived.add_argument("--undo", action="store_true", help="bỏ lưu trữ")
    archived.set_defaults(handler=run_archive)

    names = [c.name for c in channels if offers_links(c)]
    code = sub.add_parser("qr", help="mã QR của liên kết một nguồn (SVG hoặc PNG)")
    code.add_argument("code", help=CODE_HELP)
    code.add_argument(
        "--channel",
        default=names[0] if names else None,
        help=f"kênh: {', '.join(names)} (mặc định: {names[0] if names else '-'})",
    )
    code.add_argument("--format", choices=("svg", "png"), default="svg", help="mặc định: svg")
    code.add_argument("--scale", type=int, default=10, help="PNG: số điểm ảnh mỗi ô (mặc định 10)")
    code.add_argument("--output", type=Path, required=True, help="tệp ghi ra")
    code.set_defaults(handler=run_qr)

    poster = sub.add_parser("poster", help="áp phích A5 của một nguồn (HTML để in)")
    poster.add_argument("code", help=CODE_HELP)
    poster.add_argument(
        "--output", type=Path, required=True, help="tệp HTML ghi ra (poster.css ghi cạnh nó)"
    )
    poster.set_defaults(handler=run_poster)


# --- helpers ---------------------------------------------------------------------------------


def _say(words: Content, key: str, **params: Any) -> str:
    return words.render(LANG, "sources.cli." + key, **params)


def _fail(words: Content, error: SourceError) -> Fail:
    return Fail(words.render(LANG, "sources.error." + error.key, **error.params))


def _funnel_line(words: Content, funnel: sources.Funnel) -> str:
    return _say(words, "funnel_line", **funnel.as_dict())


def _write(words: Content, path: Path, data: bytes | str) -> None:
    try:
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
    except OSError as exc:
        raise Fail(_say(words, "cannot_write", path=path, why=exc.strerror or exc)) from exc


def _existing(words: Content, cmd: Command) -> dict[str, Any]:
    with store(cmd.settings) as db, db.transaction() as tx:
        found = sources.get(tx, cmd.args.code)
    if found is None:
        raise Fail(words.render(LANG, "sources.error.unknown", code=cmd.args.code))
    return found


# --- the commands ----------------------------------------------------------------------------


def run_add(cmd: Command) -> int:
    args, words = cmd.args, content(cmd.settings)
    typed_org = organisation(words, args.organisation)
    try:
        with store(cmd.settings) as db, db.transaction() as tx:
            source = sources.add(tx, args.code, args.name, typed_org, actor=ACTOR)
    except SourceError as exc:
        raise _fail(words, exc) from exc
    print(_say(words, "added", **source))
    if source["code"] != args.code.strip():
        print(_say(words, "code_lowered", code=source["code"]))
    for link in links(cmd.settings, cmd.channels, words, source["code"], LANG):
        print("  " + _say(words, "link_line", title=link.title, url=link.url or link.note or ""))
    return 0


def run_list(cmd: Command) -> int:
    args, words = cmd.args, content(cmd.settings)
    with store(cmd.settings) as db, db.transaction() as tx:
        rows = sources.listing(tx, archived=args.archived, since=args.since, until=args.until)
        others = sources.unlisted(tx, since=args.since, until=args.until)
    if not rows:
        print(_say(words, "none"))
        names = ", ".join(words.ward.source_organisations)
        if names:
            print(_say(words, "organisation_suggestions", names=names))
    else:
        print(_say(words, "period", since=args.since, until=args.until))
    for row in rows:
        print(_say(words, "row", archived=row["archived_at"] is not None, **row))
        print("    " + _funnel_line(words, row["funnel"]))
    if others:
        print()
        print(_say(words, "unlisted"))
        for code in sorted(others, key=lambda c: (c is None, c or "")):
            label = code if code is not None else _say(words, "no_source")
            print(f"  {label}: {_funnel_line(words, others[code])}")
    return 0


def run_show(cmd: Command) -> int:
    args, words = cmd.args, content(cmd.settings)
    source = _existing(words, cmd)
    with store(cmd.settings) as db, db.transaction() as tx:
        funnel = sources.funnel(tx, source["code"], since=args.since, until=args.until)
    print(_say(words, "show_code", code=source["code"]))
    print(_say(words, "show_name", name=source["name"]))
    print(_say(words, "show_organisation", organisation=source["organisation"]))
    print(_say(words, "show_created", created=local_time(source["created_at"])))
    if source["archived_at"] is not None:
        print(_say(words, "show_archived", archived=local_time(source["archived_at"])))
    print(_say(words, "show_links"))
    for link in links(cmd.settings, cmd.channels, words, source["code"], LANG):
        print("  " + _say(words, "link_line", title=link.title, url=link.url or "—"))
        if link.note:
            print("    " + link.note)
    print(
        _say(words, "show_funnel") + " " + _say(words, "period", since=args.since, until=args.until)
    )
    for step, count in funnel.as_dict().items():
        print(f"  {words.render(LANG, 'sources.funnel.' + step)}: {count}")
    return 0


def run_change(cmd: Command) -> int:
    args, words = cmd.args, content(cmd.settings)
    if args.name is None and args.organisation is None:
        raise Fail(_say(words, "nothing_to_change"))
    typed_org = None if args.organisation is None else organisation(words, args.organisation)
    try:
        with store(cmd.settings) as db, db.transaction() as tx:
            before = sources.get(tx, args.code)
            source = sources.change(
                tx, args.code, name=args.name, organisation=typed_org, actor=ACTOR
            )
    except SourceError as exc:
        raise _fail(words, exc) from exc
    same = before is not None and all(before[k] == source[k] for k in ("name", "organisation"))
    print(_say(words, "unchanged" if same else "changed", **source))
    return 0


def run_archive(cmd: Command) -> int:
    args, words = cmd.args, content(cmd.settings)
    try:
        with store(cmd.settings) as db, db.transaction() as tx:
            if args.undo:
                done = sources.unarchive(tx, args.code, actor=ACTOR)
            else:
                done = sources.archive(tx, args.code, actor=ACTOR)
    except SourceError as exc:
        raise _fail(words, exc) from exc
    key = (
        ("unarchived" if done else "not_archived")
        if args.undo
        else ("archived" if done else "already_archived")
    )
    print(_say(words, key, code=args.code.strip().lower()))
    return 0


def _link(cmd: Command, words: Content, code: str, channel: str) -> SourceLink:
    found = links(cmd.settings, cmd.channels, words, code, LANG)
    link = find(found, channel)
    if link is None:
        names = ", ".join(x.channel for x in found)
        raise Fail(_say(words, "qr_unknown_channel", channel=channel, names=names))
    if link.url is None:
        raise Fail(_say(words, "qr_no_link", title=link.title, why=link.note or ""))
    return link


def run_qr(cmd: Command) -> int:
    args, words = cmd.args, content(cmd.settings)
    source = _existing(words, cmd)
    link = _link(cmd, words, source["code"], args.channel)
    assert link.url is not None
    try:
        data = qr.png(link.url, args.scale) if args.format == "png" else qr.svg(link.url)
    except qr.NotAbsolute as exc:
        raise Fail(_say(words, "qr_relative", url=link.url)) from exc
    except ValueError as exc:  # a scale out of range
        raise Fail(f"--scale: {exc}") from exc
    _write(words, args.output, data)
    print(
        _say(
            words,
            "qr_written",
            title=link.title,
            format=args.format.upper(),
            code=source["code"],
            path=args.output,
            url=link.url,
        ),
        file=sys.stderr,
    )
    return 0


def run_poster(cmd: Command) -> int:
    args, words = cmd.args, content(cmd.settings)
    source = _existing(words, cmd)
    found = links(cmd.settings, cmd.channels, words, source["code"], LANG)
    css = args.output.with_name("poster.css")
    try:
        html = poster_html(words, source, found, LANG, stylesheet=css.name)
    except NoPrintableLink as exc:
        raise Fail(words.render(LANG, "sources.poster_no_link")) from exc
    _write(words, args.output, html)
    try:
        shutil.copyfile(words.root / "pages" / "office" / "poster.css", css)
    except OSError as exc:
        raise Fail(_say(words, "cannot_write", path=css, why=exc.strerror or exc)) from exc
    print(_say(words, "poster_written", code=source["code"], path=args.output, css=css.name))
    return 0
