"""Zalo webhook requests per second: signed, de-duplicated, answered through the stand-in.

Runs the Zalo OA stand-in (tests/support/zalo_standin.py) in this process and ``hiendien run``
(SQLite in a temporary folder) as a subprocess whose ZALO_* settings point at it. N
concurrent residents do the person flow over and over, each time as a fresh Zalo user
(``add_user``): "/start" → tap "Cá nhân" → "15/03/2005" → "co" (the verdict). Each step is a
signed ``user_send_text`` event POSTed to /webhooks/zalo. Its *HTTP answer* time is that
POST's round trip (hiendien answers 200 once the signature checks out and handles the event
after); its *end-to-end* time runs from the POST to the moment the stand-in's message/cs
records the last message of the bot's reply to that step. A request counts as handled when
that whole reply has arrived; like a person, a resident waits for it before its next step.
How many messages each step's reply has is learnt first, from one resident taking its time.

About 5 % of the events (``--redeliver``) are delivered again right after the first POST was
answered: the same bytes and signature (``redeliver``), as Zalo's at-least-once delivery
does. Once the time is up and a settling second has passed, every message beyond what the
flow's steps should have produced counts as a duplicate answered (target 0). Exits 1 on a
duplicate, a reply that never came or an answer other than 200.

    .venv/bin/python -m bench.zalo_webhook [--residents 20] [--seconds 15] [--redeliver 0.05]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from bench.measure import cpu_seconds, free_port, pct
from tests.support import ROOT
from tests.support.zalo_standin import ZaloStandIn

JsonDict = dict[str, Any]
VERDICT = "rất có thể đủ điều kiện"
WARM_UP = 2.0  # seconds of driving before the measured window, not counted
REPLY_TIMEOUT = 30.0  # a step whose reply has not come by then is a failure
QUIET = 0.5  # calibration: a reply is complete after this long without another message
SETTLE = 1.0  # after the run: time for any duplicate reply to show up


class _Recorded(list[JsonDict]):
    """The stand-in's ``sent`` list, calling back on every message it records."""

    def __init__(self, on_append: Callable[[JsonDict], None]) -> None:
        super().__init__()
        self._on_append = on_append

    def append(self, item: JsonDict) -> None:
        super().append(item)
        self._on_append(item)


class StandIn(ZaloStandIn):
    """The stand-in with its delivered messages indexed by user (so ``tap`` and ``sent_to``
    do not scan every message of the run), telling a waiting resident the moment the last
    message it waits for is recorded."""

    def __init__(self) -> None:
        super().__init__()
        self.by_user: defaultdict[str, list[JsonDict]] = defaultdict(list)
        self.waiting: dict[str, tuple[int, asyncio.Future[float]]] = {}
        self.sent = _Recorded(self._recorded)

    def _recorded(self, message: JsonDict) -> None:
        at = time.perf_counter()
        mine = self.by_user[message["user_id"]]
        mine.append(message)
        waiting = self.waiting.get(message["user_id"])
        if waiting and len(mine) >= waiting[0] and not waiting[1].done():
            waiting[1].set_result(at)

    def sent_to(self, user_id: str | int | None = None) -> list[JsonDict]:
        if user_id is None:
            return list(self.sent)
        return list(self.by_user.get(str(user_id), ()))

    def count(self, user: str) -> int:
        return len(self.by_user.get(user, ()))

    async def step(
        self, hook: str, user: str, event: JsonDict, replies: int, redeliver: bool
    ) -> tuple[float, float, float, int, int | None]:
        """POST ``event`` (``redeliver``: POST its bytes again once answered) and wait until
        ``replies`` more messages reached ``user``: (when the POST started, when it was
        answered, when the last of those messages arrived (``time.perf_counter()``; 0.0 if
        the answer was not 200), the status, the redelivery's status or None)."""
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.waiting[user] = (self.count(user) + replies, future)  # before: it may be quick
        try:
            t0 = time.perf_counter()
            status = await self.post_webhook(hook, event)
            answered = time.perf_counter()
            again = None
            if redeliver:
                original = next(d for d in reversed(self.deliveries) if d.event is event)
                again = await self.redeliver(original, url=hook)
            if status != 200:
                return t0, answered, 0.0, status, again
            arrived = await asyncio.wait_for(future, REPLY_TIMEOUT)
            return t0, answered, arrived, status, again
        finally:
            del self.waiting[user]


STEPS: list[Callable[[StandIn, str], JsonDict]] = [
    lambda api, user: api.user_text(user, "/start"),
    lambda api, user: api.tap(user, "Cá nhân"),
    lambda api, user: api.user_text(user, "15/03/2005"),
    lambda api, user: api.user_text(user, "co"),
]


@dataclass
class Figures:
    http: list[float] = field(default_factory=list)
    e2e: list[float] = field(default_factory=list)
    handled: int = 0  # replies complete before the time was up
    flows: int = 0
    verdicts: int = 0
    timeouts: int = 0
    errors: list[str] = field(default_factory=list)  # non-200 answers, connection errors
    redeliveries: int = 0
    redelivery_errors: int = 0
    expected: dict[str, int] = field(default_factory=dict)  # user -> messages it should have
    redelivered: set[str] = field(default_factory=set)
    unknown: set[str] = field(default_factory=set)  # users a reply may still come to
    elapsed: float = 0.0
    cpu: float | None = None  # hiendien's CPU seconds while driven
    own_cpu: float = 0.0  # this process's (stand-in + residents)


async def calibrate(api: StandIn, hook: str) -> list[int]:
    """How many messages each step's reply has: one resident, waiting for silence."""
    user = api.add_user()
    counts = []
    for build in STEPS:
        before = api.count(user)
        status = await api.post_webhook(hook, build(api, user))
        if status != 200:
            raise RuntimeError(f"the webhook answered {status}:\n{api.dump()}")
        await api.wait_sent(before + 1, user_id=user, timeout=REPLY_TIMEOUT)
        seen = api.count(user)
        while True:
            await asyncio.sleep(QUIET)
            if api.count(user) == seen:
                break
            seen = api.count(user)
        counts.append(seen - before)
    if VERDICT not in "\n".join(m["text"] for m in api.sent_to(user)[-counts[-1] :]):
        raise RuntimeError(f"the person flow did not reach the verdict:\n{api.dump()}")
    return counts


async def drive(
    api: StandIn, hook: str, replies: list[int], residents: int, seconds: float, share: float
) -> Figures:
    fig = Figures()
    rng = random.Random(2005)
    t0 = time.perf_counter()
    stop = t0 + seconds

    async def flow(user: str) -> None:
        for build, want in zip(STEPS, replies, strict=True):
            try:
                event = build(api, user)
            except AssertionError as exc:  # no "Cá nhân" button: the replies got mixed up
                fig.errors.append(str(exc))
                return
            redeliver = rng.random() < share
            try:
                posted, answered, arrived, status, again = await api.step(
                    hook, user, event, want, redeliver
                )
            except TimeoutError:
                fig.timeouts += 1
                fig.unknown.add(user)
                return
            except aiohttp.ClientError as exc:
                fig.errors.append(f"{type(exc).__name__}: {exc}")
                fig.unknown.add(user)
                return
            fig.http.append(answered - posted)
            if again is not None:
                fig.redeliveries += 1
                fig.redelivered.add(user)
                fig.redelivery_errors += again != 200
            if status != 200:
                fig.errors.append(f"HTTP {status}")
                return
            fig.e2e.append(arrived - posted)
            fig.handled += arrived <= stop
            fig.expected[user] += want
        fig.flows += 1
        fig.verdicts += VERDICT in "\n".join(m["text"] for m in api.sent_to(user)[-want:])

    async def resident(i: int) -> None:
        """Starts flows until the time is up, and finishes the one it is in."""
        await asyncio.sleep(0.05 * i / residents)  # not all in the same instant
        while time.perf_counter() < stop:
            user = api.add_user()
            fig.expected[user] = api.count(user)
            await flow(user)

    await asyncio.gather(*(resident(i) for i in range(residents)))
    fig.elapsed = time.perf_counter() - t0
    return fig


def spread(values: list[float]) -> str:
    return "   ".join(f"p{p} {pct(values, p):7.1f} ms" for p in (50, 95, 99))


async def wait_up(url: str, proc: asyncio.subprocess.Process, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            if proc.returncode is not None:
                raise RuntimeError(f"hiendien exited with {proc.returncode}")
            try:
                async with http.get(url) as r:
                    if r.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError(f"hiendien at {url} did not come up")


async def measure(args: argparse.Namespace, tmp: str) -> tuple[list[int], Figures, int, int]:
    """Start hiendien against a fresh stand-in, calibrate, warm up, drive; then count the
    messages nobody asked for (duplicates answered, others). Stops hiendien."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("HIENDIEN_", "ZALO_"))}
    async with StandIn() as api:
        port = free_port()
        env = {
            **base,
            "HIENDIEN_DATABASE_URL": f"sqlite:///{tmp}/bench.db",
            "HIENDIEN_HOST": "127.0.0.1",
            "HIENDIEN_PORT": str(port),
            "HIENDIEN_LOG_LEVEL": "WARNING",
            "TELEGRAM_BOT_TOKEN": "",  # Zalo only, whatever a .env says
            "ZALO_APP_ID": api.app_id,
            "ZALO_APP_SECRET": api.app_secret,
            "ZALO_OA_SECRET_KEY": api.oa_secret_key,
            "ZALO_REFRESH_TOKEN": api.seed_refresh_token(),
            "ZALO_API_BASE_URL": api.api_base_url,
            "ZALO_OAUTH_BASE_URL": api.oauth_base_url,
            "ZALO_SIGNATURE_VARIANT": "app_id",
        }
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=ROOT, env=env
        )
        try:
            url = f"http://127.0.0.1:{port}"
            hook = url + "/webhooks/zalo"
            await wait_up(url + "/healthz", proc)
            replies = await calibrate(api, hook)
            await drive(api, hook, replies, args.residents, WARM_UP, 0.0)
            cpu, own = cpu_seconds(proc.pid), time.process_time()
            fig = await drive(api, hook, replies, args.residents, args.seconds, args.redeliver)
            fig.own_cpu = time.process_time() - own
            if cpu is not None and (now := cpu_seconds(proc.pid)) is not None:
                fig.cpu = now - cpu
            await asyncio.sleep(SETTLE)
            duplicates = others = 0
            for user, want in fig.expected.items():
                if user in fig.unknown:
                    continue
                extra = api.count(user) - want
                if user in fig.redelivered:
                    duplicates += extra
                else:
                    others += extra
            return replies, fig, duplicates, others
        finally:  # the stand-in keeps answering while hiendien shuts down
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
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument(
        "--redeliver", type=float, default=0.05, help="share of events posted twice (0.05)"
    )
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        replies, fig, duplicates, others = await measure(args, tmp)
    n = len(fig.e2e)
    ok = (
        not duplicates
        and not others
        and not fig.timeouts
        and not fig.errors
        and not fig.redelivery_errors
        and fig.verdicts == fig.flows
    )
    per = "?" if fig.cpu is None else f"{fig.cpu * 1000 / max(n, 1):.2f}"
    print(
        f"{args.residents} concurrent residents, {args.seconds:g} s after a {WARM_UP:g} s "
        f"warm-up, person flow ({len(replies)} webhook requests; replies of "
        f"{'+'.join(map(str, replies))} messages), SQLite, {os.cpu_count()} cores\n"
        f"webhook requests handled   {fig.handled} in {args.seconds:g} s ({n} in all, the "
        f"last {fig.elapsed:.1f} s after the start; {fig.flows} flows, {fig.verdicts} verdicts)"
        f"\nrequests/s                 {fig.handled / args.seconds:.1f}\n"
        f"webhook HTTP answer        {spread(fig.http)}\n"
        f"end to end (POST → reply)  {spread(fig.e2e)}\n"
        f"redeliveries sent          {fig.redeliveries} ({fig.redelivery_errors} not answered "
        f"200); duplicates answered {duplicates} (target 0)\n"
        f"problems                   {fig.timeouts} timeouts (answer or reply), "
        f"{len(fig.errors)} failed steps, {others} unexpected messages\n"
        f"CPU per request            hiendien {per} ms, this process (stand-in + residents) "
        f"{fig.own_cpu * 1000 / max(n, 1):.2f} ms",
        flush=True,
    )
    if fig.errors:
        print("first failures: " + "; ".join(fig.errors[:3]), flush=True)
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    asyncio.run(main())
