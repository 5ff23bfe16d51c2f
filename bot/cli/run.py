"""``hiendien run``: serve the web chat, the API, every configured channel, the outbox and the
scheduler, until SIGTERM or SIGINT. It says where it serves in Vietnamese (for ward staff);
the log's other lines are the operators'.

Everything that would stop it is found before it says it serves, each as one line naming the
setting or file and the fix (:class:`~bot.cli.common.Fail`, exit code 2; ``hiendien --debug
run`` adds the traceback): the settings, the content and its pages, the database (unreachable,
missing, read-only, in memory), the port (busy). A channel whose platform does not answer does
not stop it (bot.channels.supervisor).

May import: bot.cli.common, bot.app, bot.channels.base, bot.settings, handlers.content.
"""

from __future__ import annotations

import gc
import logging
import socket

from aiohttp import web

from bot.channels.base import ConfigError, Registry, Subcommands
from bot.cli.common import Command, Fail, content, store
from handlers.content import check_pages
from handlers.yamlfile import ContentError

log = logging.getLogger("hiendien")


def add(commands: Subcommands, channels: Registry) -> None:
    run = commands.add_parser(
        "run", help="chạy trợ lý: trò chuyện trên web, API, trang làm việc và các kênh đã cấu hình"
    )
    run.set_defaults(handler=serve)


def listen(host: str, port: int) -> socket.socket:
    """The listening socket, bound now: a busy port is said before anything is served."""
    try:
        family, kind, proto, _name, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        sock = socket.socket(family, kind, proto)
    except OSError as exc:
        raise Fail(
            f"Lỗi: HIENDIEN_HOST={host} không dùng được ({exc.strerror or exc}) — sửa: đặt "
            "HIENDIEN_HOST là 127.0.0.1 (sau reverse proxy) hoặc 0.0.0.0"
        ) from exc
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise Fail(
            f"Lỗi: HIENDIEN_PORT={port} trên {host}: không mở được ({exc.strerror or exc}) — "
            "sửa: dừng chương trình đang dùng cổng này hoặc đặt HIENDIEN_PORT một cổng khác"
        ) from exc
    return sock


def serve(cmd: Command) -> int:
    from bot.app import build_app

    settings = cmd.settings
    texts = content(settings)
    try:
        check_pages(texts)
    except ContentError as exc:
        raise Fail(
            f"Lỗi: trang {exc} — sửa: sửa mẫu trang ở dòng đó (cú pháp Jinja2) rồi chạy lại"
        ) from exc
    db = store(settings)
    try:
        app = build_app(db, texts, settings=settings, channels=cmd.channels)
        sock = listen(settings.hiendien_host, settings.hiendien_port)
    except ConfigError as exc:
        db.close()
        raise Fail(str(exc)) from exc
    except Fail:
        db.close()
        raise

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
    web.run_app(app, sock=sock, print=None, access_log=None)
    return 0
