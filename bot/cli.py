"""The ``hiendien`` command line: run, chat, leads export, db upgrade.

Every command reads the one settings object, checks content/ (a broken file stops with
its file, line and problem) and creates or upgrades the database before doing its work.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from bot.settings import Settings, get_settings
from db import migrate
from db.store import Store
from handlers.content import Content, load_content
from handlers.yamlfile import ContentError

log = logging.getLogger("hiendien")


def _content(settings: Settings) -> Content:
    try:
        return load_content(settings.hiendien_content_dir)
    except ContentError as exc:
        print(f"hiendien: content error: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc


def _store(settings: Settings) -> Store:
    url = settings.hiendien_database_url
    migrate.upgrade(url)
    return Store(url)


def cmd_run(settings: Settings, _args: argparse.Namespace) -> int:
    from aiohttp import web

    from bot.app import build_app

    content = _content(settings)
    store = _store(settings)
    app = build_app(store, content)

    async def close_store(_app: web.Application) -> None:
        store.close()

    app.on_cleanup.append(close_store)
    host, port = settings.hiendien_host, settings.hiendien_port
    log.info("hiendien serving the web chat on http://%s:%s/", host, port)
    web.run_app(app, host=host, port=port, print=None, access_log=None)
    return 0


def cmd_chat(settings: Settings, _args: argparse.Namespace) -> int:
    from bot.clock import today_in_vietnam
    from bot.console import chat
    from bot.turns import Conversations

    content = _content(settings)
    store = _store(settings)
    try:
        chat(Conversations(store, content, today_in_vietnam))
    except KeyboardInterrupt:
        print()
    finally:
        store.close()
    return 0


def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    from bot.export import write_csv, write_xlsx

    store = _store(settings)
    try:
        with store.transaction() as tx:
            leads = tx.leads_for_export()
            if args.format == "xlsx":
                if args.output:
                    with open(args.output, "wb") as out:
                        count = write_xlsx(leads, out)
                else:
                    count = write_xlsx(leads, sys.stdout.buffer)
            elif args.output:
                with open(args.output, "w", encoding="utf-8-sig", newline="") as f:
                    count = write_csv(leads, f)
            else:
                count = write_csv(leads, sys.stdout)
    finally:
        store.close()
    if args.output:
        print(f"{count} leads written to {args.output}", file=sys.stderr)
    return 0


def cmd_db_upgrade(settings: Settings, _args: argparse.Namespace) -> int:
    migrate.upgrade(settings.hiendien_database_url)
    print("database is up to date", file=sys.stderr)
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="hiendien", description="The ward's .vn domain assistant")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="serve the web chat, the API and the configured channels")
    sub.add_parser("chat", help="the conversation in this terminal")
    leads = sub.add_parser("leads", help="the leads the community digital team follows up")
    leads_sub = leads.add_subparsers(dest="leads_command", required=True)
    export = leads_sub.add_parser("export", help="export leads as CSV or XLSX")
    export.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    export.add_argument("--output", type=Path, help="file to write (default: standard output)")
    dbp = sub.add_parser("db", help="database maintenance")
    db_sub = dbp.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="create or migrate the database to the latest schema")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    settings = get_settings()
    logging.basicConfig(
        level=settings.hiendien_log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    if args.command == "run":
        return cmd_run(settings, args)
    if args.command == "chat":
        return cmd_chat(settings, args)
    if args.command == "leads":
        return cmd_export(settings, args)
    return cmd_db_upgrade(settings, args)
