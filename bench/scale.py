"""Scale-out on PostgreSQL: one, then two ``hiendien run`` on one database, the web chat only,
behind a round-robin client (each turn goes to the next process, so one resident's turns
land on both). N concurrent residents each hold the whole conversation up to a recorded
lead through POST /api/chat, waiting for each reply before the next message. Prints
turns/s and p50/p99 latency per setup, then checks the database: every resident's
conversation ends where it should (idle, the lead done, one version per turn: no turn lost)
with exactly one lead of their own (their name and phone), and no lead twice.

Each setup gets a fresh schema of its own, dropped afterwards. PostgreSQL comes from
``--url`` or HIENDIEN_TEST_POSTGRES_URL; without one, it says so and exits 0.

    .venv/bin/python -m bench.scale [--residents 200] [--rounds 1] [--processes 1,2] [--url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import aiohttp
from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError

from bench.chat_turns import wait_up
from bench.measure import free_port, pct
from bot.settings import Settings
from db.engine import make_engine
from db.tables import conversation_t, lead_t
from tests.support import ROOT
from tests.support.conversations import LEAD_DIALOGUE
from tests.support.environment import clean_env
from tests.support.postgres import own_schema

FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi")
MIDDLE = ("Văn", "Thị", "Minh", "Thu", "Đức", "Ngọc")
GIVEN = ("An", "Bình", "Châu", "Dũng", "Hoa", "Lan", "Nam", "Phúc", "Quỳnh", "Sơn")
NAMES = [" ".join(parts) for parts in itertools.product(FAMILY, MIDDLE, GIVEN)]
WARM_UP = 20  # residents through the whole dialogue on each setup before measuring
SAMPLE_NAME, SAMPLE_PHONE = "Trần Văn Bình", "0912 345 678"  # replaced in LEAD_DIALOGUE


@dataclass
class Resident:
    user: str
    name: str
    phone: str  # as typed: 10 digits

    @property
    def e164(self) -> str:
        return "+84" + self.phone[1:]

    def script(self) -> list[str]:
        swap = {SAMPLE_NAME: self.name, SAMPLE_PHONE: self.phone}
        return [swap.get(line, line) for line in LEAD_DIALOGUE]


@dataclass
class Outcome:
    processes: int
    elapsed: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: Counter[int] = field(default_factory=Counter)  # by HTTP status (0: no answer)


@contextmanager
def fresh_schema(base_url: str) -> Iterator[str]:
    """A new schema on the server, migrated; its URL. Dropped afterwards."""
    with own_schema(base_url, prefix="bench_scale") as url:
        yield url


@contextmanager
def servers(url: str, count: int) -> Iterator[list[str]]:
    """``count`` ``hiendien run`` on the database at ``url``, web chat only (a clean
    environment, run from an empty folder so no .env is read); their /api/chat URLs."""
    ports = [free_port() for _ in range(count)]
    with tempfile.TemporaryDirectory() as folder:
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "bot", "run"],
                cwd=folder,
                env=clean_env(
                    HIENDIEN_DATABASE_URL=url,
                    HIENDIEN_PORT=str(port),
                    HIENDIEN_CONTENT_DIR=str(ROOT / "content"),
                    HIENDIEN_LOG_LEVEL="WARNING",
                ),
            )
            for port in ports
        ]
        try:
            yield [f"http://127.0.0.1:{port}/api/chat" for port in ports]
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                proc.wait(timeout=30)


async def drive(urls: list[str], residents: list[Resident], outcome: Outcome) -> None:
    """Every resident through their script at once; each turn to the next server."""
    turn = itertools.count()
    connector = aiohttp.TCPConnector(limit=len(residents))
    timeout = aiohttp.ClientTimeout(total=120)

    async def converse(http: aiohttp.ClientSession, resident: Resident) -> None:
        for line in resident.script():
            url = urls[next(turn) % len(urls)]
            started = time.perf_counter()
            try:
                async with http.post(url, json={"user": resident.user, "text": line}) as r:
                    await r.read()
                    status = r.status
            except aiohttp.ClientError:
                status = 0
            outcome.latencies.append(time.perf_counter() - started)
            if status != 200:
                outcome.errors[status] += 1

    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
        started = time.monotonic()
        await asyncio.gather(*(converse(http, r) for r in residents))
        outcome.elapsed = time.monotonic() - started


def check(url: str, residents: list[Resident]) -> dict[str, int]:
    """What the database holds for ``residents``: how many conversations ended wrong, lost
    a turn or counted one twice, how many residents have no lead or a wrong one, how many
    leads twice (for one resident, or for one phone)."""
    turns = len(LEAD_DIALOGUE)
    users = {r.user: r for r in residents}
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            chats = conn.execute(
                select(conversation_t.c.user_ref, conversation_t.c.state, conversation_t.c.version)
                .where(conversation_t.c.channel == "web")
                .where(conversation_t.c.user_ref.in_(users))
            ).all()
            leads = conn.execute(
                select(lead_t.c.user_ref, lead_t.c.name, lead_t.c.phone).where(
                    lead_t.c.channel == "web"
                )
            ).all()
    finally:
        engine.dispose()
    wrong_end = len(users) - len(chats)  # a conversation missing altogether
    lost_turns = doubled_turns = 0
    for _user, state, version in chats:
        ended = json.loads(state)
        if ended.get("step") != "idle" or not ended.get("slots", {}).get("lead_done"):
            wrong_end += 1
        lost_turns += max(0, turns - version)  # one version a turn handled
        doubled_turns += max(0, version - turns)
    per_user = Counter(user for user, _, _ in leads if user in users)
    per_phone = Counter(phone for _, _, phone in leads)
    wrong_lead = sum(
        1
        for user, name, phone in leads
        if user in users and (name != users[user].name or phone != users[user].e164)
    )
    return {
        "wrong end": wrong_end,
        "lost turns": lost_turns,
        "turns counted twice": doubled_turns,
        "no lead": sum(1 for user in users if per_user[user] == 0),
        "wrong lead": wrong_lead,
        "duplicate leads": sum(n - 1 for n in per_user.values() if n > 1)
        + sum(n - 1 for n in per_phone.values() if n > 1),
    }


def cast(count: int, rounds: int, who: str, mobile: str) -> list[list[Resident]]:
    """``rounds`` waves of ``count`` residents, each with a name and a phone of their own
    (``mobile``: the phones' first three digits)."""
    waves: list[list[Resident]] = []
    for wave in range(rounds):
        first = wave * count
        waves.append(
            [
                Resident(f"{who}-{n}", NAMES[n % len(NAMES)], f"{mobile}{n:07d}")
                for n in range(first, first + count)
            ]
        )
    return waves


async def measure(base_url: str, processes: int, residents: int, rounds: int) -> None:
    with fresh_schema(base_url) as url, servers(url, processes) as urls:
        for each in urls:
            await wait_up(each, timeout=120)
        for wave in cast(min(residents, WARM_UP), 1, "warm", "092"):  # not measured
            await drive(urls, wave, Outcome(processes))
        outcome = Outcome(processes)
        everyone: list[Resident] = []
        for wave in cast(residents, rounds, "scale", "091"):
            part = Outcome(processes)
            await drive(urls, wave, part)
            outcome.elapsed += part.elapsed
            outcome.latencies += part.latencies
            outcome.errors += part.errors
            everyone += wave
        found = await asyncio.to_thread(check, url, everyone)
    lat = outcome.latencies
    errors = sum(outcome.errors.values())
    print(
        f"{processes} process{'es' if processes > 1 else '  '}  {len(lat):>6} turns"
        f"  {len(lat) / outcome.elapsed:7.1f} turns/s   p50 {pct(lat, 50):6.1f} ms"
        f"   p99 {pct(lat, 99):7.1f} ms   errors {errors}"
        + (f" {dict(outcome.errors)}" if errors else "")
    )
    problems = ", ".join(f"{k} {v}" for k, v in found.items() if v)
    verdict = problems or "0 lost, 0 duplicated (each ended idle with its one lead, no turn lost)"
    print(f"{'':12} {len(everyone)} residents: {verdict}")


def reachable(url: str) -> str | None:
    """None if PostgreSQL at ``url`` answers, else why not."""
    try:
        engine = make_engine(url)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except SQLAlchemyError as exc:
        return str(exc).splitlines()[0]
    return None


async def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", help="PostgreSQL URL (default: HIENDIEN_TEST_POSTGRES_URL)")
    ap.add_argument("--residents", type=int, default=200, help="concurrent residents")
    ap.add_argument("--rounds", type=int, default=1, help="conversations per resident")
    ap.add_argument("--processes", default="1,2", help="setups to measure, e.g. 1,2")
    args = ap.parse_args()
    url = args.url or Settings().hiendien_test_postgres_url
    if not url:
        print(
            "bench.scale: bỏ qua — cần PostgreSQL (--url hoặc HIENDIEN_TEST_POSTGRES_URL) / "
            "skipped: needs PostgreSQL"
        )
        return 0
    problem = await asyncio.to_thread(reachable, url)
    if problem:
        print(f"bench.scale: bỏ qua — không kết nối được PostgreSQL / skipped: {problem}")
        return 0
    print(
        f"{args.residents} concurrent residents x {args.rounds}, {len(LEAD_DIALOGUE)} turns each"
        f" up to a recorded lead, web chat on PostgreSQL, round-robin client, "
        f"{os.cpu_count()} cores"
    )
    for processes in (int(p) for p in args.processes.split(",")):
        await measure(url, processes, args.residents, args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
