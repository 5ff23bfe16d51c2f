"""How long the ward's quarterly report takes to make, as a download or ``hiendien report
quarterly`` makes it: the numbers gathered from the database (db.progress, the plan tracker,
the teams' words) and the .docx written (python-docx); the .xlsx too. Target: a ward .docx
in under 3 s.

Seeds a SQLite database in a temporary folder (or ``--database URL``): T teams, each with a
leader's report for the quarter, N leads across them (some contacted, some registered),
plan evidence; then makes each document R times. Prints p50/p95.

    .venv/bin/python -m bench.report_docx [--leads 5000] [--teams 6] [--rounds 5]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import update

from bench.measure import pct
from bot.reports import document, workbook
from bot.reports.gather import gather
from db import migrate
from db import plan as records
from db.store import Store
from db.tables import lead_t
from handlers.content import load_content
from handlers.quarters import Quarter
from tests.support import ROOT
from tests.support.followup import a_lead, a_team

QUARTER = Quarter(2026, 4)
TODAY = date(2026, 12, 11)


def seed(store: Store, leads: int, teams: int) -> None:
    ids = [
        a_team(store, f"Tổ công nghệ số cộng đồng số {n + 1}", f"Tổ dân phố {n + 1}")
        for n in range(teams)
    ]
    names = ("Nguyễn Thị Hương", "Trần Văn Bình", "Lê Minh Anh", "Phạm Quốc Huy")
    for i in range(leads):
        a_lead(store, f"0912{i:06d}", f"{names[i % 4]} {i}", f"Tổ dân phố {i % teams + 1}")
    now = datetime(2026, 12, 8, 3, tzinfo=UTC)
    with store.transaction() as tx:
        tx.conn.execute(update(lead_t).where(lead_t.c.id % 3 == 0).values(status="contacted"))
        tx.conn.execute(update(lead_t).where(lead_t.c.id % 7 == 0).values(status="registered"))
        for n, team_id in enumerate(ids):
            records.save_report(
                tx,
                str(QUARTER),
                records.team_scope(team_id),
                team_id,
                difficulties=f"Khó khăn của tổ {n + 1}: nhiều hộ kinh doanh chưa có thư điện tử.",
                proposals=f"Đề xuất của tổ {n + 1}: thêm buổi hướng dẫn tại tổ dân phố.",
                by="bench",
                now=now,
                submit=n % 2 == 0,
            )
        for day in (3, 10, 17, 24):
            records.add_evidence(tx, "I.6", date(2026, 11, day), "Phát chuyên đề trên loa", "bench")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=5000)
    parser.add_argument("--teams", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--database", help="a database URL (default: SQLite in a temp folder)")
    args = parser.parse_args()
    content = load_content(ROOT / "content")
    with tempfile.TemporaryDirectory() as folder:
        url = args.database or f"sqlite:///{Path(folder) / 'bench.db'}"
        migrate.upgrade(url)
        with Store(url) as store:
            started = time.perf_counter()
            seed(store, args.leads, args.teams)
            took = time.perf_counter() - started
            kind = url.split(":")[0]
            print(f"{args.leads} leads, {args.teams} teams seeded in {took:.1f} s ({kind})")
            for level, fmt in (("ward", "docx"), ("ward", "xlsx"), ("final", "docx")):
                times = []
                size = 0
                for _ in range(args.rounds):
                    start = time.perf_counter()
                    with store.transaction() as tx:
                        data = gather(
                            tx,
                            content,
                            content.plan,
                            level=level,
                            quarter=None if level == "final" else QUARTER,
                            today=TODAY,
                        )
                    build = document.docx_bytes if fmt == "docx" else workbook.xlsx_bytes
                    size = len(build(data, content))
                    times.append(time.perf_counter() - start)
                print(
                    f"{level:5} .{fmt}: p50 {pct(times, 50):7.1f} ms  "
                    f"p95 {pct(times, 95):7.1f} ms  ({size // 1024} KiB; target < 3 s)"
                )


if __name__ == "__main__":
    main()
