"""``hiendien report …``: the ward plan's numbers for ward staff. ``report progress [--on DATE]
[--format text|json]`` prints the progress against the plan's targets (db.progress; the JSON
is DESIGN.md's object, key for key; the text is Vietnamese, with the words in
content/vi/office_progress.yaml, shared with the office's home page); ``report quarterly``
is in bot.cli.quarterly. Each subcommand is one function adding its parser, and its
``run_…`` handler.

May import: bot.cli.common, bot.cli.quarterly, bot.clock, bot.channels.base (types), db, handlers.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from bot.channels.base import Registry, Subcommands
from bot.cli.common import Command, content, day, store
from bot.cli.quarterly import add_quarterly
from bot.clock import today_in_vietnam
from db.progress import Named, Progress, Ratio, progress
from handlers.content import Content

LANG = "vi"  # ward staff read Vietnamese
TARGETS = ("id_vn", "biz_vn", "businesses_reached", "schools_reached")


def add(commands: Subcommands, channels: Registry) -> None:
    group = commands.add_parser(
        "report",
        help="báo cáo: tiến độ so với chỉ tiêu của kế hoạch, báo cáo quý và báo cáo tổng kết",
    )
    sub = group.add_subparsers(dest="report_command", required=True)
    _add_progress(sub)
    add_quarterly(sub)


# --- report progress ---------------------------------------------------------------------------


def _add_progress(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "progress", help="tiến độ so với chỉ tiêu của kế hoạch (cả phường)"
    )
    p.add_argument(
        "--on",
        type=day,
        help="số liệu đến hết ngày này (25/11/2026 hoặc 2026-11-25; mặc định: hôm nay)",
    )
    p.add_argument(
        "--format", choices=("text", "json"), default="text", help="mặc định: text (chữ)"
    )
    p.set_defaults(handler=run_progress)


def run_progress(cmd: Command) -> int:
    words = content(cmd.settings)
    on = cmd.args.on or today_in_vietnam()
    with store(cmd.settings) as db, db.transaction() as tx:
        found = progress(tx, on, words.rules, words.plan)
    if cmd.args.format == "json":
        print(json.dumps(found.as_json(), ensure_ascii=False, indent=2))
    else:
        print("\n".join(progress_lines(words, found)))
    return 0


def _say(words: Content, key: str, **params: Any) -> str:
    return words.render(LANG, "office_progress." + key, **params)


def ratio_line(words: Content, key: str, ratio: Ratio, **params: Any) -> str:
    """One target: its numbers, the percent against the target and where it stands."""
    percent = None if ratio.percent is None else _say(words, "percent", value=ratio.percent)
    return _say(
        words,
        "line",
        label=_say(words, "targets." + key, **params),
        numbers=_say(words, "of." + key, n=ratio.numerator, d=ratio.denominator or 0),
        percent=percent,
        target=_say(words, "target_band", target=ratio.target),
        band=_say(words, "band." + (ratio.band or "none")),
    )


def _funnel_line(words: Content, row: Named, leads_only: bool) -> str:
    if leads_only:
        return _say(words, "funnel_team_line", **row.funnel.as_dict())
    return words.render(LANG, "sources.cli.funnel_line", **row.funnel.as_dict())


def progress_lines(words: Content, found: Progress) -> list[str]:
    """The numbers as text for staff: each target, a line for each denominator not set, the
    funnels by source and by team, and the weekly trend."""
    out = [f"{_say(words, 'title')} — {_say(words, 'as_of', on=found.on)}"]
    for key in TARGETS:
        ratio: Ratio = getattr(found, key)
        out.append("- " + ratio_line(words, key, ratio))
        if not ratio.denominator and key != "businesses_reached":
            out.append("  " + _say(words, "unset." + key))
    month = f"{found.on:%m/%Y}"
    out.append(
        "- "
        + _say(
            words,
            "news_line",
            label=_say(words, "targets.news", month=month),
            numbers=_say(words, "of.news", n=found.news_sent, target=found.news_target),
            band=_say(words, "band." + (found.news_band or "none")),
        )
    )
    leads_only = found.team_id is not None
    out += ["", _say(words, "by_source") + ":"]
    if not found.by_source:
        out.append("  " + _say(words, "nothing"))
    for row in found.by_source:
        name = row.key if row.key is not None else _say(words, "no_source")
        out.append(f"  {name}: {_funnel_line(words, row, leads_only)}")
    out += ["", _say(words, "by_team") + ":"]
    if not found.by_team:
        out.append("  " + _say(words, "nothing"))
    for row in found.by_team:
        name = row.name if row.key is not None else _say(words, "no_team")
        out.append(f"  {name}: {_funnel_line(words, row, True)}")
    out += ["", _say(words, "weekly") + ":"]
    for week in found.weekly:
        label = _say(words, "week_of", monday=week.monday, sunday=week.sunday)
        out.append(
            "  "
            + _say(
                words,
                "week_line",
                week=label,
                leads=week.leads,
                registrations=week.registrations,
            )
        )
    return out
