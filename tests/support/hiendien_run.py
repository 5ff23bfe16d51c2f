"""``hiendien run`` as a real process with Telegram pointed at the Bot API stand-in: started
and waited for on /healthz, stopped by a signal (SIGKILL for a crash, SIGTERM for a graceful
stop). By default the process lives on TODAY (time-machine, the clock ticking from 10:00 in
Vietnam), so what residents are told means the same whatever day the tests run.

May import: tests.support.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from datetime import date
from pathlib import Path

import aiohttp

from tests.support import ROOT, TODAY
from tests.support.telegram_chat import GROUP
from tests.support.telegram_standin import BotApiStandIn

STARTS_WITHIN = 30.0  # seconds, on a loaded machine

# ``hiendien run`` with the date frozen at TODAY (time flows on from there)
RUN_ON = """
import sys
from datetime import date, datetime, time

import time_machine

from handlers.privacy import VIETNAM

today = date.fromisoformat(sys.argv[1])
time_machine.travel(datetime.combine(today, time(10), VIETNAM), tick=True).start()

from bot.cli.main import main

raise SystemExit(main(["run"]))
"""


async def start(
    api: BotApiStandIn,
    db: Path,
    port: int,
    extra: dict[str, str] | None = None,
    *,
    url: str | None = None,
    healthy: bool = True,
    timeout: float = STARTS_WITHIN,
    today: date | None = TODAY,
) -> subprocess.Popen[bytes]:
    """``hiendien run`` on ``port`` with the SQLite file ``db`` (or the database at ``url``,
    ``db`` then only placing its working folder), announcing leads to GROUP; ``extra``: more
    environment (Telegram polls unless it sets HIENDIEN_PUBLIC_URL: then webhook mode);
    ``today``: the day it lives on (None: the real clock, for a test whose rows were written
    on it). Returns once /healthz answers 200 (any answer when not ``healthy``: a channel may
    be degraded), within ``timeout`` seconds."""
    env = {
        **{k: v for k, v in os.environ.items() if k != "HIENDIEN_PUBLIC_URL"},
        **(extra or {}),
        "HIENDIEN_DATABASE_URL": url or f"sqlite:///{db}",
        "HIENDIEN_PORT": str(port),
        "HIENDIEN_CONTENT_DIR": str(ROOT / "content"),
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_BASE_URL": api.base_url,
        "TELEGRAM_LEADS_CHAT_ID": str(GROUP),
        "PYTHONPATH": str(ROOT),  # this tree's hiendien, not the one the venv installed
    }
    if today is None:
        command = [sys.executable, "-m", "bot", "run"]
    else:
        command = [sys.executable, "-c", RUN_ON, today.isoformat()]
    proc = subprocess.Popen(command, cwd=db.parent, env=env)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    async with aiohttp.ClientSession() as http:
        while loop.time() < deadline and proc.poll() is None:
            try:
                async with http.get(f"http://127.0.0.1:{port}/healthz") as r:
                    if r.status == 200 or not healthy:
                        return proc
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)
    code = proc.poll()
    proc.kill()
    raise AssertionError(f"hiendien run did not start (exit code {code})")


async def stop(proc: subprocess.Popen[bytes], sig: signal.Signals) -> int:
    """Signal ``hiendien run`` and wait for it without blocking this loop (the stand-in
    serving the stopping process runs on it)."""
    proc.send_signal(sig)
    return await asyncio.to_thread(proc.wait, 10)
