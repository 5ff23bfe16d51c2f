"""Updates per second and reply latency on Telegram (polling), against the bot a user would
otherwise build with python-telegram-bot's ConversationHandler and PicklePersistence.

Runs the Bot API stand-in (tests/support/telegram_standin.py) in this process and the bot
under test as a separate process polling it: first ``hiendien run`` (SQLite in a temporary
folder), then bench/reference_ptb_bot.py, each against a fresh stand-in. N simulated
residents do hiendien's person flow over and over with fresh user ids: "/start" → tap
"Cá nhân" → type "15/03/2005" → tap "Có" → the verdict. Like a person, each waits for the
bot's reply before the next action. An update counts as handled when its reply reaches the
stand-in; its latency runs from the push to that moment.

The headline is the bot's CPU time per handled update (user + system seconds of its process
while driven, over the updates whose reply arrived): what each bot costs, whatever its
limits let through. Updates per second and latency follow, and they are not a fair
comparison under limits: hiendien keeps Telegram's 1 message a second per private chat
(``FloodLimits``), while the reference bot has what a user would add, python-telegram-bot's
stock ``AIORateLimiter()`` (30 a second overall, 20 a minute per group, no per-chat wait).
Residents who answer at once (the default ``--think 0``) meet hiendien's per-chat wait on
every reply but a flow's first, so its ceiling is about residents x 4/3 replies a second.
Concurrency: the reference Application handles one update at a time (python-telegram-bot's
default; ``--reference-concurrency N`` changes it), hiendien different chats at once (256).
With ``--unlimited`` (the default) both are measured again without limits (hiendien's app
built with limits too high to matter, the reference bot without a rate limiter). Exits 1
unless every resident reached the verdict in every run, without timeouts.

    .venv/bin/python -m bench.telegram_turns [--residents 20] [--seconds 15] [--think 0]
                                             [--no-unlimited] [--reference-concurrency 1]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from bench.measure import cpu_seconds, free_port, pct
from tests.support import ROOT
from tests.support.telegram_standin import BotApiStandIn

VERDICT = "rất có thể đủ điều kiện"
TURN_TIMEOUT = 60.0
HIENDIEN_UNLIMITED = """
# hiendien run, with flood limits too high to matter
import functools
import bot.channels.telegram.channel as channel
from bot.cli.main import main
channel.TelegramChannel.__init__ = functools.partialmethod(
    channel.TelegramChannel.__init__, private_per_second=1e6, overall_per_second=1e6
)
raise SystemExit(main(["run"]))
"""

Predicate = Callable[[dict[str, Any]], bool]
Arrival = tuple[float, dict[str, Any]]


def has_button(title: str) -> Predicate:
    def check(message: dict[str, Any]) -> bool:
        rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
        return any(title.casefold() in str(b.get("text", "")).casefold() for r in rows for b in r)

    return check


def anything(_message: dict[str, Any]) -> bool:
    return True


class StandIn(BotApiStandIn):
    """The stand-in, telling a waiting resident the moment its reply arrives."""

    def __init__(self) -> None:
        super().__init__(token="123:ABC")  # noqa: S106 - the stand-in's fake token
        self.expecting: dict[int, tuple[Predicate, asyncio.Future[Arrival]]] = {}

    async def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        message = await super()._send_message(params)
        waiting = self.expecting.get(message["chat"]["id"])
        if waiting and not waiting[1].done() and waiting[0](message):
            waiting[1].set_result((time.perf_counter(), message))
        return message

    async def turn(
        self, user: int, update: dict[str, Any], reply: Predicate
    ) -> tuple[float, float, dict[str, Any]]:
        """Push ``update``, wait for the reply matching ``reply``: (its arrival
        (``time.perf_counter()``), latency in s, the reply)."""
        future: asyncio.Future[Arrival] = asyncio.get_running_loop().create_future()
        self.expecting[user] = (reply, future)
        try:
            t0 = time.perf_counter()
            self.push(update)
            arrived, message = await asyncio.wait_for(future, TURN_TIMEOUT)
            return arrived, arrived - t0, message
        finally:
            del self.expecting[user]


@dataclass
class Figures:
    latencies: list[float] = field(default_factory=list)
    in_window: int = 0  # replies that arrived before the time was up
    flows: int = 0
    verdicts: int = 0
    timeouts: int = 0
    residents_with_verdict: int = 0
    elapsed: float = 0.0
    sends: int = 0
    api_calls: int = 0
    cpu: float | None = None  # the bot process's CPU seconds (user + system) while driven


async def flow(api: StandIn, user: int, fig: Figures, stop: float, think: float) -> bool:
    """One person flow for ``user`` (``stop``: the end of the window, a ``perf_counter``
    time), reading each reply for ``think`` seconds before answering; False on a timeout."""

    def tap(title: str) -> Callable[[], dict[str, Any]]:
        def update() -> dict[str, Any]:
            message, data = api.button(user, title)
            return api.callback(user, data, message)

        return update

    steps: list[tuple[Callable[[], dict[str, Any]], Predicate]] = [
        (lambda: api.message(user, "/start"), has_button("Cá nhân")),
        (tap("Cá nhân"), anything),  # the date-of-birth question
        (lambda: api.message(user, "15/03/2005"), has_button("Có")),
        (tap("Có"), anything),  # the verdict
    ]
    for i, (update, reply) in enumerate(steps):
        if think and i:
            await asyncio.sleep(think)
        try:
            arrived, latency, message = await api.turn(user, update(), reply)
        except TimeoutError:
            fig.timeouts += 1
            return False
        fig.latencies.append(latency)
        fig.in_window += arrived <= stop
    fig.flows += 1
    fig.verdicts += VERDICT in message.get("text", "")
    return True


async def drive(
    api: StandIn, residents: int, seconds: float, think: float, ids: Iterator[int]
) -> Figures:
    fig = Figures()
    calls_before = len(api.calls)
    sends_before = len(api.sent())
    t0 = time.perf_counter()
    stop = t0 + seconds

    async def resident(i: int) -> None:
        """Starts flows until the time is up, and finishes the one it is in."""
        await asyncio.sleep(i / residents)  # not all in the same instant
        reached = False
        while time.perf_counter() < stop:
            if not await flow(api, next(ids), fig, stop, think):
                break
            reached = True
        fig.residents_with_verdict += reached

    await asyncio.gather(*(resident(i) for i in range(residents)))
    fig.elapsed = time.perf_counter() - t0
    fig.sends = len(api.sent()) - sends_before
    fig.api_calls = sum(1 for c in api.calls[calls_before:] if c.method.lower() != "getupdates")
    return fig


def report(name: str, residents: int, seconds: float, fig: Figures) -> float:
    n = len(fig.latencies)
    rate = fig.in_window / seconds
    cpu = "?" if fig.cpu is None else f"{fig.cpu * 1000 / max(n, 1):.1f}"
    print(
        f"{name:<28} {rate:7.1f} updates/s   p50 {pct(fig.latencies, 50):7.1f} ms"
        f"   p95 {pct(fig.latencies, 95):7.1f} ms\n{'':<28} {n} updates, {fig.flows} flows, "
        f"{fig.verdicts} verdicts, {fig.residents_with_verdict}/{residents} residents reached "
        f"the verdict, {fig.timeouts} timeouts, last reply {fig.elapsed:.1f} s after the start;"
        f"\n{'':<28} per update: {fig.sends / max(n, 1):.2f} messages sent, "
        f"{fig.api_calls / max(n, 1):.2f} Bot API calls, {cpu} ms of the bot's CPU",
        flush=True,
    )
    return rate


Launcher = Callable[[StandIn], tuple[list[str], dict[str, str]]]


async def measure(name: str, launch: Launcher, args: argparse.Namespace) -> Figures:
    """Start the bot with ``launch(stand_in)`` (its command and environment), check that it
    answers /start, then drive the residents; stop the bot."""
    async with StandIn() as api:
        command, env = launch(api)
        proc = await asyncio.create_subprocess_exec(*command, cwd=ROOT, env=env)
        try:
            deadline = time.monotonic() + 60
            while not api.calls_to("getUpdates"):  # polling has started
                if proc.returncode is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{name} did not start polling (exit {proc.returncode})")
                await asyncio.sleep(0.05)
            ids = itertools.count(1_000_001)
            try:  # the bot is up and answers
                user = next(ids)
                await api.turn(user, api.message(user, "/start"), has_button("Cá nhân"))
            except TimeoutError:
                raise RuntimeError(f"{name} did not answer /start:\n{api.dump()}") from None
            cpu = cpu_seconds(proc.pid)
            fig = await drive(api, args.residents, args.seconds, args.think, ids)
            if cpu is not None and (now := cpu_seconds(proc.pid)) is not None:
                fig.cpu = now - cpu
            return fig
        finally:  # the stand-in keeps answering while the bot shuts down
            if proc.returncode is None:
                proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), 15)
            except TimeoutError:
                proc.kill()
                await proc.wait()


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--residents", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=15, help="per bot (default 15)")
    ap.add_argument(
        "--think", type=float, default=0, help="seconds a resident reads a reply (default 0)"
    )
    ap.add_argument(
        "--unlimited",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also measure both bots without flood limits (default: yes)",
    )
    ap.add_argument(
        "--reference-concurrency",
        type=int,
        default=1,
        help="updates the reference bot handles at once (default 1, python-telegram-bot's)",
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
                options = ["--token", api.token, "--base-url", api.base_url]
                options += ["--pickle", f"{tmp}/{pickle}", "--limits", limits]
                options += ["--concurrent-updates", str(args.reference_concurrency)]
                return [sys.executable, "-m", "bench.reference_ptb_bot", *options], base

            return launch

        print(
            f"{args.residents} residents, {args.seconds:g} s per bot, person flow (4 updates), "
            f"think {args.think:g} s, polling, SQLite, {os.cpu_count()} cores; reference bot "
            f"handles {args.reference_concurrency} update(s) at a time, hiendien 256 chats",
            flush=True,
        )
        runs = [
            ("hiendien (flood limits)", hiendien("bench.db")),
            ("reference PTB (stock limiter)", reference("ref.pickle", "stock")),
        ]
        pairs = [(0, 1)]
        if args.unlimited:
            runs += [
                ("hiendien (no limits)", hiendien("bench2.db", unlimited=True)),
                ("reference PTB (no limiter)", reference("ref2.pickle", "none")),
            ]
            pairs.append((2, 3))
        results: list[tuple[float, float, float | None]] = []
        complete = True
        for name, launch in runs:
            fig = await measure(name, launch, args)
            rate = report(name, args.residents, args.seconds, fig)
            cpu = None if fig.cpu is None else fig.cpu * 1000 / max(len(fig.latencies), 1)
            results.append((rate, pct(fig.latencies, 95), cpu))
            complete &= (
                fig.verdicts == fig.flows
                and fig.residents_with_verdict == args.residents
                and not fig.timeouts
            )
        for ours, theirs in pairs:
            (rate, p95, cpu), (ref_rate, ref_p95, ref_cpu) = results[ours], results[theirs]
            if cpu is not None and ref_cpu:
                print(
                    f"HEADLINE CPU per handled update: {runs[ours][0]} {cpu:.1f} ms, "
                    f"{runs[theirs][0]} {ref_cpu:.1f} ms, ratio {cpu / ref_cpu:.2f} "
                    "(below 1: hiendien costs less)"
                )
            caveat = (
                " (under limits hiendien alone keeps 1 a second per chat: not like for like)"
                if ours == 0
                else ""
            )
            print(f"  then updates/s {rate / ref_rate:.2f}, p95 {p95 / ref_p95:.2f}{caveat}")
        print(
            "every resident reached the verdict in every run"
            if complete
            else "NOT every resident reached the verdict (see the figures above)"
        )
    if not complete:
        raise SystemExit(1)


if __name__ == "__main__":
    asyncio.run(main())
