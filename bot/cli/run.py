"""``hiendien run``: serve the web chat, the API, every configured channel, the outbox and the
scheduler, until SIGTERM or SIGINT. It says where it serves in Vietnamese (for ward staff);
the log's other lines are the operators'.

May import: bot.cli.common, bot.app, bot.channels.base, bot.settings.
"""

from __future__ import annotations

import gc
import logging

from aiohttp import web

from bot.channels.base import ConfigError, Registry, Subcommands
from bot.cli.common import Command, Fail, content, store

log = logging.getLogger("hiendien")


def add(commands: Subcommands, channels: Registry) -> None:
    run = commands.add_parser(
        "run", help="chạy trợ lý: trò chuyện trên web, API, trang làm việc và các kênh đã cấu hình"
    )
    run.set_defaults(handler=serve)


def serve(cmd: Command) -> int:
    from bot.app import build_app

    settings = cmd.settings
    texts = content(settings)
    db = store(settings)
    try:
        app = build_app(db, texts, settings=settings, channels=cmd.channels)
    except ConfigError as exc:
        db.close()
        raise Fail(str(exc)) from exc

    async def close_store(_app: web.Application) -> None:
        db.close()

    app.on_cleanup.append(close_store)
    # What start-up loaded (content, templates, libraries) lives as long as the process:
    # kept out of the collector's full passes, which otherwise walk it all and pause every
    # request in flight for tens of milliseconds (bench/chat_turns.py's p99).
    gc.collect()
    gc.freeze()
    host, port = settings.hiendien_host, settings.hiendien_port
    log.info("hiendien đang chạy: trò chuyện trên web tại http://%s:%s/", host, port)
    web.run_app(app, host=host, port=port, print=None, access_log=None)
    return 0
