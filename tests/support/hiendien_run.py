"""``hiendien run`` as a real process with Telegram pointed at the Bot API stand-in: started
and waited for on /healthz, stopped by a signal (SIGKILL for a crash, SIGTERM for a graceful
stop).

May import: tests.support.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp

from tests.support import ROOT
from tests.support.telegram_chat import GROUP
from tests.support.telegram_standin import BotApiStandIn


async def start(
    api: BotApiStandIn,
    db: Path,
    port: int,
    extra: dict[str, str] | None = None,
    *,
    url: str | None = None,
    healthy: bool = True,
    timeout: float = 30.0,
) -> subprocess.Popen[bytes]:
    """``hiendien run`` on ``port`` with the SQLite file ``db`` (or the database at ``url``,
    ``db`` then only placing its working folder), announcing leads to GROUP; ``extra``: more
    environment (Telegram polls unless it sets HIENDIEN_PUBLIC_URL: then webhook mode).
    Returns once /healthz answers 200 (any answer when not ``healthy``: a channel may be
    degraded), within ``timeout`` seconds."""
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
    proc = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=db.parent, env=env)
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
    proc.kill()
    raise AssertionError(f"hiendien run did not start (exit code {proc.wait()})")


async def stop(proc: subprocess.Popen[bytes], sig: signal.Signals) -> int:
    """Signal ``hiendien run`` and wait for it without blocking this loop (the stand-in
    serving the stopping process runs on it)."""
    proc.send_signal(sig)
    return await asyncio.to_thread(proc.wait, 10)
