"""Turns per second and latency of the web chat, against the floor of a bare aiohttp route.

Starts ``hiendien run`` (SQLite in a temporary folder) and, separately, a bare aiohttp
server with one JSON route; drives N concurrent scripted residents through the whole
person flow via POST /api/chat (each waits for the reply before its next message), then
the same client against the bare route. Prints turns/s, p50/p95/p99 and the ratio.

A turn counts only when it was answered 200 with the reply that step must give (checked
on its text: the greeting, the birth-date question, ..., the bare route's echo of the
user); anything else is an error, and its time is not among the latencies. hiendien runs
on the tests' fixed day (time-machine, tests.support.hiendien_run), so the person flow's
verdict is the same whatever day the benchmark runs.

    .venv/bin/python -m bench.chat_turns [--residents 50] [--seconds 15]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid

import aiohttp

from bench.measure import free_port, pct
from tests.support import ROOT, TODAY
from tests.support.hiendien_run import RUN_ON

# each turn, and a phrase its reply must contain
SCRIPT: list[tuple[dict[str, str], str]] = [
    ({"text": "/start bench"}, "Xin chào!"),
    ({"payload": "kind:person"}, "Bạn sinh ngày nào?"),
    ({"text": "15/03/2005"}, "công dân Việt Nam"),
    ({"payload": "yes"}, "rất có thể đủ điều kiện"),
    ({"text": "Nguyễn Văn An"}, "nguyenvanan.id.vn"),
    ({"payload": "no"}, "nhờ hỗ trợ"),
]
BARE = "ok "  # the bare route answers "ok <user>"
BARE_SERVER = """
import sys
from aiohttp import web
async def chat(request):
    body = await request.json()
    return web.json_response({"messages": [{"text": "ok " + str(body.get("user")), "buttons": []}]})
app = web.Application()
app.router.add_post("/api/chat", chat)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
"""


async def wait_up(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            try:
                async with http.post(url, json={"user": "probe", "text": "/start"}) as r:
                    if r.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError(f"server at {url} did not come up")


def replied(body: bytes, expected: str) -> bool:
    """The reply's messages contain ``expected``."""
    try:
        answer = json.loads(body)
        return any(expected in str(m.get("text", "")) for m in answer["messages"])
    except (ValueError, KeyError, TypeError, AttributeError):
        return False


async def drive(
    url: str, residents: int, seconds: float, bare: bool = False
) -> tuple[int, list[float], int]:
    latencies: list[float] = []
    errors = 0
    stop = time.monotonic() + seconds
    connector = aiohttp.TCPConnector(limit=residents)

    async def resident(http: aiohttp.ClientSession) -> None:
        nonlocal errors
        while time.monotonic() < stop:
            user = uuid.uuid4().hex
            for turn, expected in SCRIPT:
                t0 = time.perf_counter()
                async with http.post(url, json={"user": user, **turn}) as r:
                    body = await r.read()
                    ok = r.status == 200 and replied(body, BARE + user if bare else expected)
                if ok:  # only a right answer is a turn
                    latencies.append(time.perf_counter() - t0)
                else:
                    errors += 1

    async with aiohttp.ClientSession(connector=connector) as http:
        t0 = time.monotonic()
        await asyncio.gather(*(resident(http) for _ in range(residents)))
        elapsed = time.monotonic() - t0
    return round(len(latencies) / elapsed), latencies, errors


def report(name: str, rate: int, lat: list[float], errors: int) -> None:
    print(
        f"{name:<22} {rate:>7} turns/s   p50 {pct(lat, 50):6.1f} ms   p95 {pct(lat, 95):6.1f} ms"
        f"   p99 {pct(lat, 99):6.1f} ms   errors {errors}"
    )


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--residents", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=15)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        port, bare_port = free_port(), free_port()
        env = {
            **os.environ,
            "HIENDIEN_DATABASE_URL": f"sqlite:///{tmp}/bench.db",
            "HIENDIEN_PORT": str(port),
            "HIENDIEN_LOG_LEVEL": "WARNING",
            # one machine plays every resident from one address: the per-IP limits are set
            # out of the way (still checked on every request; bench.limits measures that)
            "HIENDIEN_CHAT_RATE_PER_IP": "1000000",
            "HIENDIEN_CHAT_BURST_PER_IP": "1000000",
            "HIENDIEN_NEW_CONVERSATIONS_PER_IP_HOUR": "1000000000",
        }
        hiendien = [sys.executable, "-c", RUN_ON, TODAY.isoformat()]  # on the fixed day
        procs = [
            subprocess.Popen(hiendien, cwd=ROOT, env=env),
            subprocess.Popen([sys.executable, "-c", BARE_SERVER, str(bare_port)]),
        ]
        try:
            url = f"http://127.0.0.1:{port}/api/chat"
            bare = f"http://127.0.0.1:{bare_port}/api/chat"
            await wait_up(url)
            await wait_up(bare)
            print(
                f"{args.residents} concurrent residents, {args.seconds:.0f} s each, "
                f"{len(SCRIPT)} turns per resident, SQLite, {os.cpu_count()} cores"
            )
            await drive(url, args.residents, 2)  # warm-up
            rate, lat, errors = await drive(url, args.residents, args.seconds)
            report("hiendien /api/chat", rate, lat, errors)
            floor, flat, ferrors = await drive(bare, args.residents, args.seconds, bare=True)
            report("bare aiohttp route", floor, flat, ferrors)
            print(f"ratio hiendien / bare: {rate / floor:.2f} (right answers only)")
            if errors or ferrors:
                raise SystemExit(1)
        finally:
            for p in procs:
                p.terminate()
                p.wait(timeout=10)


if __name__ == "__main__":
    asyncio.run(main())
