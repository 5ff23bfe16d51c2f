"""Updates per second and reply latency on Telegram (polling), against the bot a user would
otherwise build with python-telegram-bot's ConversationHandler and PicklePersistence.

Runs the Bot API stand-in (tests/telegram_standin.py) in this process and the bot under test
as a separate process polling it: first ``hiendien run`` (SQLite in a temporary folder),
then bench/reference_ptb_bot.py, each against a fresh stand-in. N simulated residents do
hiendien's person flow over and over with fresh user ids: "/start" → tap "Cá nhân" → type
"15/03/2005" → tap "Có" → the verdict. Like a person, each waits for the bot's reply before
the next action. An update counts as handled when its reply reaches the stand-in; its
latency runs from the push to that moment.

Both bots keep Telegram's flood limits (30 messages a second overall, 1 a second per private
chat: hiendien's ``FloodLimits``, an ``AIORateLimiter``), so with 20 residents the ceiling
is about 20 replies a second for either. ``--unlimited`` (the default) also measures both
without the limits (hiendien's app built with limits too high to matter, the reference bot
without a rate limiter): that is where the bots' own costs show.

    .venv/bin/python bench/telegram_turns.py [--residents 20] [--seconds 15] [--no-unlimited]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.telegram_standin import BotApiStandIn  # noqa: E402

VERDICT = "rất có thể đủ điều kiện"
TURN_TIMEOUT = 30.0
HIENDIEN_UNLIMITED = """
from aiohttp import web
from bot.app import build_app
from bot.cli import _content, _store
from bot.settings import get_settings
s = get_settings()
app = build_app(_store(s), _content(s), settings=s,
                private_per_second=1e6, overall_per_second=1e6)
web.run_app(app, host=s.hiendien_host, port=s.hiendien_port, print=None, access_log=None)
"""

Predicate = Callable[[dict[str, Any]], bool]


def has_button(title: str) -> Predicate:
    def check(message: dict[str, Any]) -> bool:
        rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
        return any(title.casefold() in str(b.get("text", "")).casefold() for r in rows for b in r)

    return check


def says(text: str) -> Predicate:
    return lambda message: text in message.get("text", "")


def anything(_message: dict[str, Any]) -> bool:
    return True


class StandIn(BotApiStandIn):
    """The stand-in, telling a waiting resident the moment its reply arrives."""

    def __init__(self) -> None:
        super().__init__(token="123:ABC")  # noqa: S106 - the stand-in's fake token
        self.expecting: dict[int, tuple[Predicate, asyncio.Future[float]]] = {}

    async def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        message = await super()._send_message(params)
        waiting = self.expecting.get(message["chat"]["id"])
        if waiting and not waiting[1].done() and waiting[0](message):
            waiting[1].set_result(time.perf_counter())
        return message

    async def turn(self, user: int, update: dict[str, Any], reply: Predicate) -> float:
        """Push ``update`` and wait for the reply matching ``reply``; the latency in s."""
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.expecting[user] = (reply, future)
        try:
            t0 = time.perf_counter()
            self.push(update)
            return await asyncio.wait_for(future, TURN_TIMEOUT) - t0
        finally:
            del self.expecting[user]


@dataclass
class Figures:
    latencies: list[float] = field(default_factory=list)
    flows: int = 0
    verdicts: int = 0
    timeouts: int = 0
    residents_with_verdict: int = 0
    elapsed: float = 0.0
    sends: int = 0
    api_calls: int = 0


async def flow(api: StandIn, user: int, fig: Figures, stop: float) -> bool:
    """One person flow for ``user``; False when stopped (time up) or timed out."""

    def tap(title: str) -> Callable[[], dict[str, Any]]:
        def update() -> dict[str, Any]:
            message, data = api.button(user, title)
            return api.callback(user, data, message)

        return update

    steps: list[tuple[Callable[[], dict[str, Any]], Predicate]] = [
        (lambda: api.message(user, "/start"), has_button("Cá nhân")),
        (tap("Cá nhân"), anything),  # the date-of-birth question
        (lambda: api.message(user, "15/03/2005"), has_button("Có")),
        (tap("Có"), says(VERDICT)),
    ]
    for update, reply in steps:
        if time.monotonic() >= stop:
            return False
        try:
            fig.latencies.append(await api.turn(user, update(), reply))
        except TimeoutError:
            fig.timeouts += 1
            return False
    fig.flows += 1
    fig.verdicts += VERDICT in api.sent_texts(user)[-1]
    return True


async def drive(api: StandIn, residents: int, seconds: float, ids: Iterator[int]) -> Figures:
    fig = Figures()
    calls_before = len(api.calls)
    sends_before = len(api.sent())
    stop = time.monotonic() + seconds

    async def resident() -> None:
        reached = False
        while time.monotonic() < stop:
            if not await flow(api, next(ids), fig, stop):
                break
            reached = True
        fig.residents_with_verdict += reached

    t0 = time.monotonic()
    await asyncio.gather(*(resident() for _ in range(residents)))
    fig.elapsed = time.monotonic() - t0
    fig.sends = len(api.sent()) - sends_before
    fig.api_calls = sum(1 for c in api.calls[calls_before:] if c.method.lower() != "getupdates")
    return fig


def pct(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=1000)[int(p * 10) - 1] * 1000


def report(name: str, residents: int, fig: Figures) -> float:
    n = len(fig.latencies)
    rate = n / fig.elapsed
    calls = fig.api_calls / max(n, 1)
    print(
        f"{name:<28} {n:>6} updates {rate:7.1f} updates/s   p50 {pct(fig.latencies, 50):6.1f} ms"
        f"   p95 {pct(fig.latencies, 95):6.1f} ms\n{'':<28} {fig.flows} flows, {fig.verdicts} "
        f"verdicts, {fig.residents_with_verdict}/{residents} residents reached the verdict, "
        f"{calls:.1f} Bot API calls/update, {fig.timeouts} timeouts",
        flush=True,
    )
    return rate


Launcher = Callable[[StandIn], tuple[list[str], dict[str, str]]]


async def measure(name: str, launch: Launcher, residents: int, seconds: float) -> Figures:
    """Start the bot with ``launch(stand_in)`` (its command and environment), warm it up
    with one flow, then drive ``residents`` for ``seconds``."""
    async with StandIn() as api:
        command, env = launch(api)
        proc = await asyncio.create_subprocess_exec(*command, cwd=ROOT, env=env)
        try:
            await api.wait_call("getUpdates", timeout=60)
            ids = itertools.count(1_000_001)
            warm = Figures()  # one flow: the bot is up and answers right
            if not await flow(api, next(ids), warm, stop=float("inf")) or warm.verdicts != 1:
                raise RuntimeError(f"{name}: the warm-up flow reached no verdict:\n{api.dump()}")
            await asyncio.sleep(1.1)  # let the per-chat limiters forget the warm-up
            return await drive(api, residents, seconds, ids)
        finally:  # the stand-in keeps answering while the bot shuts down
            if proc.returncode is None:
                proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), 15)
            except TimeoutError:
                proc.kill()
                await proc.wait()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--residents", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument(
        "--unlimited",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also measure both bots without flood limits (default: yes)",
    )
    args = ap.parse_args()
    base = {k: v for k, v in os.environ.items() if not k.startswith(("HIENDIEN_", "TELEGRAM_"))}
    with tempfile.TemporaryDirectory() as tmp:

        def hiendien(db: str, unlimited: bool = False) -> Launcher:
            def launch(api: StandIn) -> tuple[list[str], dict[str, str]]:
                env = {
                    **base,
                    "HIENDIEN_DATABASE_URL": f"sqlite:///{tmp}/{db}",
                    "HIENDIEN_PORT": str(free_port()),
                    "HIENDIEN_LOG_LEVEL": "WARNING",
                    "HIENDIEN_PUBLIC_URL": "",  # polling, whatever a .env says
                    "TELEGRAM_WEBHOOK_SECRET": "",
                    "TELEGRAM_LEADS_CHAT_ID": "",
                    "TELEGRAM_BOT_TOKEN": api.token,
                    "TELEGRAM_BASE_URL": api.base_url,
                }
                args = ["-c", HIENDIEN_UNLIMITED] if unlimited else ["-m", "bot", "run"]
                return [sys.executable, *args], env

            return launch

        def reference(pickle: str, limits: str) -> Launcher:
            def launch(api: StandIn) -> tuple[list[str], dict[str, str]]:
                script = str(ROOT / "bench" / "reference_ptb_bot.py")
                options = ["--token", api.token, "--base-url", api.base_url]
                options += ["--pickle", f"{tmp}/{pickle}", "--limits", limits]
                return [sys.executable, script, *options], base

            return launch

        print(
            f"{args.residents} residents, {args.seconds:g} s per bot, person flow (4 updates), "
            f"polling, SQLite, {os.cpu_count()} cores",
            flush=True,
        )
        runs = [
            ("hiendien (flood limits)", hiendien("bench.db")),
            ("reference PTB (same limits)", reference("ref.pickle", "flood")),
        ]
        pairs = [(0, 1)]
        if args.unlimited:
            runs += [
                ("hiendien (no limits)", hiendien("bench2.db", unlimited=True)),
                ("reference PTB (no limiter)", reference("ref2.pickle", "none")),
            ]
            pairs.append((2, 3))
        results: list[tuple[float, float]] = []
        for name, launch in runs:
            fig = await measure(name, launch, args.residents, args.seconds)
            results.append((report(name, args.residents, fig), pct(fig.latencies, 95)))
        for ours, theirs in pairs:
            (rate, p95), (ref_rate, ref_p95) = results[ours], results[theirs]
            print(
                f"ratio {runs[ours][0]} / {runs[theirs][0]}: updates/s {rate / ref_rate:.2f}"
                f" (target >= 1.0), p95 {p95 / ref_p95:.2f} (below 1: hiendien answers sooner)"
            )


if __name__ == "__main__":
    asyncio.run(main())
