"""How fast the ward office's leads board answers with many leads, signed in as an admin
(who sees every lead) and as a team member (their team's unclaimed leads), with and
without a search (names are compared without diacritics in Python, so a search reads every
lead the person may see).

Serves the real app on loopback (SQLite in a temporary folder, or ``--database URL``),
seeds N leads across 4 teams through db.leads.record, and asks each page R times one after
another. Prints p50/p95 per page.

    .venv/bin/python -m bench.office_board [--leads 5000] [--rounds 40]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from bench.measure import pct
from db import migrate
from db.store import Store
from handlers.content import load_content
from tests.support import ROOT
from tests.support.followup import a_lead, a_team
from tests.support.office import browser, make_user, office_app

PAGES = {
    "board": "/office/leads",
    "board, page 20": "/office/leads?page=20",
    "board, status filter": "/office/leads?status=new",
    "search by name": "/office/leads?q=huong",
    "search by phone": "/office/leads?q=0912+000+123",
    "a lead": "/office/leads/123",
}


def seed(store: Store, leads: int) -> None:
    for n in range(4):
        a_team(store, f"Tổ công nghệ số {n + 1}", f"Tổ dân phố {n + 1}")
    make_user(store, "admin@bench.vn", "admin")
    make_user(store, "member@bench.vn", "member", "Tổ công nghệ số 1")
    names = ("Nguyễn Thị Hương", "Trần Văn Bình", "Lê Minh Anh", "Phạm Quốc Huy")
    for i in range(leads):
        a_lead(store, f"0912{i:06d}", f"{names[i % 4]} {i}", f"Tổ dân phố {i % 4 + 1}")


async def measure(base: str, email: str, rounds: int) -> dict[str, list[float]]:
    found: dict[str, list[float]] = {name: [] for name in PAGES}
    async with browser(base) as b:
        await b.login(email)
        for name, path in PAGES.items():
            for _ in range(rounds):
                start = time.perf_counter()
                answer = await b.get(path)
                found[name].append(time.perf_counter() - start)
                assert answer.status in (200, 404), (path, answer.status)
    return found


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--database", help="a database URL (default: SQLite in a temp folder)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database or f"sqlite:///{Path(folder) / 'bench.db'}"
        migrate.upgrade(url)
        with Store(url) as store:
            started = time.perf_counter()
            seed(store, args.leads)
            took = time.perf_counter() - started
            print(f"{args.leads} leads seeded in {took:.1f} s ({url.split(':')[0]})")
            content = load_content(ROOT / "content")
            async with office_app(store, content) as (base, _clock):
                for who in ("admin@bench.vn", "member@bench.vn"):
                    times = await measure(base, who, args.rounds)
                    print(f"\n{who}")
                    for name, values in times.items():
                        p50, p95 = pct(values, 50), pct(values, 95)
                        print(f"  {name:<22} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms")


if __name__ == "__main__":
    asyncio.run(main())
