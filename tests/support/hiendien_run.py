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
    url: str | None = None,
    timeout: float = 10.0,
) -> subprocess.Popen[bytes]:
    """``hiendien run`` on ``port`` with the SQLite file ``db`` (or the database at ``url``,
    ``db`` then only placing its working folder), announcing leads to GROUP; ``extra``: more
    environment. Returns once /healthz answers (within ``timeout`` seconds)."""
    env = {
        **os.environ,
        **(extra or {}),
        "HIENDIEN_DATABASE_URL": url or f"sqlite:///{db}",
        "HIENDIEN_PORT": str(port),
        "HIENDIEN_CONTENT_DIR": str(ROOT / "content"),
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_BASE_URL": api.base_url,
        "TELEGRAM_LEADS_CHAT_ID": str(GROUP),
        "PYTHONPATH": str(ROOT),  # this tree's hiendien, not the one the venv installed
    }
    env.pop("HIENDIEN_PUBLIC_URL", None)
    proc = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=db.parent, env=env)
    async with aiohttp.ClientSession() as http:
        deadline = asyncio.get_running_loop().time() + timeout
        while asyncio.get_running_loop().time() < deadline:
            try:
                async with http.get(f"http://127.0.0.1:{port}/healthz") as r:
                    if r.status == 200:
                        return proc
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)
    proc.kill()
    raise AssertionError("hiendien run did not start")


async def stop(proc: subprocess.Popen[bytes], sig: signal.Signals) -> int:
    """Signal ``hiendien run`` and wait for it without blocking this loop (the stand-in
    serving the stopping process runs on it)."""
    proc.send_signal(sig)
    return await asyncio.to_thread(proc.wait, 10)
