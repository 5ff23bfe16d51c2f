"""What the limits cost and what they stop (issue 14, D5).

1. The check per request, in microseconds: the token buckets a ``POST /api/chat`` passes
   (client IP, then user) over 20,000 distinct users, and the look-up that tells a new user
   id from a known one (``db.conversations.exists`` on SQLite, run for every request while
   the new-conversation cap is on).
2. The memory the limits hold for 20,000 distinct users (tracemalloc: the user map and the
   IP map, keys included), and the bound that ``HIENDIEN_LIMIT_MAX_KEYS`` puts on it.
3. The report's attack again: ``--users`` new user ids (20,000) each sending one message from
   one address to hiendien's real app on loopback (SQLite), with the default limits — how
   many got through, how many conversations were stored, how long it took, the database's
   size.

    .venv/bin/python -m bench.limits [--users 20000] [--concurrency 50]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import tempfile
import time
import tracemalloc
import uuid
from pathlib import Path

import aiohttp
from sqlalchemy import insert

from bot.app import build_app
from bot.limits import Buckets, Limits, Rate, client_address, ip_key
from bot.settings import Settings
from db import conversations, migrate
from db.store import Store
from db.tables import conversation_t
from handlers.content import load_content
from tests.support import ROOT, TODAY
from tests.support.serving import serve


def check_cost(users: list[str]) -> tuple[float, float]:
    """Microseconds per request for the IP's and the user's buckets; and for the new-user
    look-up in a SQLite database holding a conversation for each user."""
    settings = Settings.defaults(
        hiendien_chat_rate_per_ip=1e9, hiendien_chat_burst_per_ip=10**9
    )  # the check's cost, not its refusals
    limits = Limits(settings, load_content(ROOT / "content"))
    rounds = 5
    t0 = time.perf_counter()
    for _ in range(rounds):
        for user in users:
            limits.chat_ip.take(ip_key(client_address("203.0.113.7", None, limits.trusted)))
            limits.chat_user.take(user)
    buckets_us = (time.perf_counter() - t0) / (rounds * len(users)) * 1e6
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/limits.db"
        migrate.upgrade(url)
        store = Store(url)
        rows = [{"channel": "web", "user_ref": u, "state": "{}"} for u in users]
        with store.transaction() as tx:
            tx.conn.execute(insert(conversation_t), rows)
        lookups = users[::4] + [uuid.uuid4().hex for _ in range(len(users) // 4)]  # both kinds
        t0 = time.perf_counter()
        for user in lookups:
            with store.transaction() as tx:
                conversations.exists(tx, "web", user)
        lookup_us = (time.perf_counter() - t0) / len(lookups) * 1e6
        store.engine.dispose()
    return buckets_us, lookup_us


def memory(users: list[str]) -> tuple[int, int]:
    """Bytes held by the user map and the IP map after 20,000 distinct users, each from an
    address of its own (the worst case); and by a map capped at 1,000 keys after as many."""
    gc.collect()
    tracemalloc.start()
    rate = Rate(per_second=1.0, burst=30)
    by_user, by_ip = Buckets(rate, lambda: 0.0), Buckets(rate, lambda: 0.0)
    gc.collect()
    start = tracemalloc.get_traced_memory()[0]
    for n, user in enumerate(users):  # keys made here, as a request's body makes them
        by_user.take(bytes(user, "ascii").decode())
        by_ip.take(f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}")
    held = tracemalloc.get_traced_memory()[0] - start
    capped = Buckets(rate, lambda: 0.0, max_keys=1000)
    start = tracemalloc.get_traced_memory()[0]
    for user in users:
        capped.take(bytes(user, "ascii").decode())
    capped_held = tracemalloc.get_traced_memory()[0] - start
    tracemalloc.stop()
    return held, capped_held


async def attack(users: int, concurrency: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "attack.db"
        url = f"sqlite:///{db}"
        migrate.upgrade(url)
        store = Store(url)
        content = load_content(ROOT / "content")
        size_before = db.stat().st_size
        app = build_app(store, content, lambda: TODAY, settings=Settings.defaults())
        statuses: dict[int | str, int] = {}
        queue = [uuid.uuid4().hex for _ in range(users)]
        async with serve(app) as base, aiohttp.ClientSession() as http:

            async def sender() -> None:
                while queue:
                    user = queue.pop()
                    async with http.post(
                        base + "/api/chat", json={"user": user, "text": "xin chào"}
                    ) as r:
                        answer = await r.json()
                        why = r.status
                        if r.status == 429:  # which limit: the IP's rate or its new ones
                            new = "cuộc trò chuyện mới" in answer["error"]
                            why = "429 new conversations" if new else "429 rate"
                        statuses[why] = statuses.get(why, 0) + 1

            t0 = time.perf_counter()
            await asyncio.gather(*(sender() for _ in range(concurrency)))
            elapsed = time.perf_counter() - t0
        with store.transaction() as tx:
            stored = tx.conn.exec_driver_sql("SELECT count(*) FROM conversation").scalar()
        store.engine.dispose()
        grown = (db.stat().st_size - size_before) / 1e6
        print(
            f"attack: {users} new user ids, one message each, one address, default limits: "
            f"{elapsed:.1f} s, answers {statuses}, "
            f"{stored} conversations stored, database +{grown:.2f} MB"
        )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=20_000)
    ap.add_argument("--concurrency", type=int, default=50)
    args = ap.parse_args()
    users = [uuid.uuid4().hex for _ in range(args.users)]
    buckets_us, lookup_us = check_cost(users)
    print(f"check per request: client address, IP and user buckets {buckets_us:.2f} µs")
    print(f"new-user look-up (SQLite, one transaction each): {lookup_us:.1f} µs")
    held, capped = memory(users)
    print(
        f"memory for {args.users} distinct users and addresses: {held / 1e6:.2f} MB "
        f"({held / args.users / 2:.0f} B a key); a map capped at 1,000 keys: {capped / 1e3:.0f} kB"
    )
    asyncio.run(attack(args.users, args.concurrency))


if __name__ == "__main__":
    main()
