"""How long the plan's progress numbers (db.progress.progress — ``hiendien report progress``
and the office's home page) take over a ward-sized database: 50,000 registry businesses,
200,000 conversations, 20,000 leads with their status changes, registrations of both kinds,
verdicts, schools and news.

Fills SQLite in a temporary folder (or ``--database URL``) with bulk inserts, then computes
the numbers R times for the whole ward and R times for one team. Prints the median and the
slowest run. The target (issue 12): under 1 s on SQLite.

    .venv/bin/python -m bench.progress [--businesses 50000] [--conversations 200000]
                                       [--leads 20000] [--rounds 7]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from db import migrate
from db.progress import progress
from db.store import Store
from db.tables import (
    business_t,
    campaign_t,
    conversation_t,
    delivery_t,
    event_t,
    lead_t,
    outreach_t,
    registration_t,
    school_t,
    subscriber_t,
    team_area_t,
    team_t,
    verdict_t,
    ward_figure_t,
)
from handlers.content import load_content
from tests.support import ROOT

ON = date(2026, 11, 25)
TEAMS = 8
CHUNK = 5000


def _bulk(store: Store, table: Any, rows: list[dict[str, Any]]) -> None:
    with store.transaction() as tx:
        for i in range(0, len(rows), CHUNK):
            tx.conn.execute(insert(table), rows[i : i + CHUNK])


def _moment(rng: random.Random, days: int = 365) -> datetime:
    return datetime(2026, 11, 25, 10, tzinfo=UTC) - timedelta(minutes=rng.randrange(days * 1440))


def seed(store: Store, businesses: int, conversations: int, leads: int) -> None:
    rng = random.Random(12)
    areas = [f"Tổ dân phố {n + 1}" for n in range(TEAMS * 3)]
    _bulk(store, team_t, [{"name": f"Tổ {n + 1}", "name_key": f"to {n + 1}"} for n in range(TEAMS)])
    _bulk(store, team_area_t, [{"area": a, "team_id": i % TEAMS + 1} for i, a in enumerate(areas)])
    sources = ["hoiphunu", "doanthanhnien", "loa", "tdp5", None]
    _bulk(
        store,
        business_t,
        [
            {
                "tax_code": f"{1_000_000_000 + n}",
                "name": f"Cơ sở {n}",
                "kind": "enterprise" if n % 3 else "household",
                "started_on": None if n % 97 == 0 else ON - timedelta(days=rng.randrange(2000)),
                "area": areas[n % len(areas)],
                "phone": f"+8491{n:07d}" if n % 2 else None,
            }
            for n in range(businesses)
        ],
    )
    _bulk(
        store,
        conversation_t,
        [
            {
                "channel": "web",
                "user_ref": f"u{n}",
                "state": "{}",
                "source": sources[n % 5],
                "created_at": _moment(rng),
            }
            for n in range(conversations)
        ],
    )
    reasons = ["eligible_youth", "too_old", "eligible_new_enterprise", "enterprise_too_old"]
    _bulk(
        store,
        verdict_t,
        [
            {
                "day": _moment(rng).date(),
                "channel": "web",
                "applicant": "person",
                "reason": reasons[n % 4],
                "source": sources[n % 5],
            }
            for n in range(conversations // 2)
        ],
    )
    lead_rows, events, registrations = [], [], []
    for n in range(leads):
        made = _moment(rng)
        business = rng.randrange(businesses) + 1 if n % 4 == 0 else None
        lead_rows.append(
            {
                "channel": "web",
                "user_ref": f"u{n}",
                "source": sources[n % 5],
                "applicant": "enterprise" if business else "person",
                "name": f"Người {n}",
                "phone": f"+8498{n:07d}",
                "area": areas[n % len(areas)],
                "contact_time": "sáng",
                "status": "new",
                "team_id": n % TEAMS + 1,
                "business_id": business,
                "created_at": made,
            }
        )
        events.append(
            {"lead_id": n + 1, "at": made, "actor": "web", "kind": "created", "status": None}
        )
        steps = ("claimed", "contacted", "registering", "registered")[: rng.randrange(5)]
        at = made
        for step in steps:
            at += timedelta(hours=rng.randrange(1, 72))
            events.append(
                {"lead_id": n + 1, "at": at, "actor": "Tổ", "kind": "status", "status": step}
            )
        if steps and steps[-1] == "registered":
            kind = "biz.vn" if business else "id.vn"
            registrations.append(
                {
                    "domain": f"ten{n}.{kind}",
                    "kind": kind,
                    "registered_on": at.date(),
                    "source": "staff",
                    "lead_id": n + 1,
                    "business_id": business,
                    "recorded_by": "bench",
                }
            )
    for n in range(businesses // 20):  # registrar lists: businesses never a lead
        registrations.append(
            {
                "domain": f"coso{n}.biz.vn",
                "kind": "biz.vn",
                "registered_on": _moment(rng).date(),
                "source": "registrar",
                "lead_id": None,
                "business_id": rng.randrange(businesses) + 1,
                "recorded_by": "bench",
            }
        )
    _bulk(store, lead_t, lead_rows)
    _bulk(store, event_t, events)
    _bulk(store, registration_t, registrations)
    _bulk(
        store,
        ward_figure_t,
        [
            {
                "key": "youths_18_23",
                "value": 9000,
                "source": "bench",
                "as_of": date(2026, 1, 1),
                "set_by": "bench",
            }
        ],
    )
    _bulk(
        store,
        school_t,
        [{"name": f"T{n}", "name_key": f"t{n}", "kind": "college"} for n in range(12)],
    )
    _bulk(
        store,
        outreach_t,
        [
            {
                "school_id": n % 12 + 1,
                "held_on": _moment(rng).date(),
                "activity": "x",
                "recorded_by": "bench",
            }
            for n in range(40)
        ],
    )
    _bulk(store, subscriber_t, [{"channel": "web", "user_ref": f"u{n}"} for n in range(2000)])
    _bulk(store, campaign_t, [{"text": "Tin", "every": "1,15 09:00"}])
    runs = [datetime(2026, m, d, 2, tzinfo=UTC) for m in range(1, 12) for d in (1, 15)]
    _bulk(
        store,
        delivery_t,
        [
            {"campaign_id": 1, "run_at": r, "subscriber_id": s + 1, "status": "sent", "sent_at": r}
            for r in runs
            for s in range(2000)
        ],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--businesses", type=int, default=50_000)
    parser.add_argument("--conversations", type=int, default=200_000)
    parser.add_argument("--leads", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--database", help="a database URL (default: SQLite in a temp folder)")
    args = parser.parse_args()
    content = load_content(ROOT / "content")
    with tempfile.TemporaryDirectory() as folder:
        url = args.database or f"sqlite:///{Path(folder) / 'bench.db'}"
        migrate.upgrade(url)
        with Store(url) as store:
            started = time.perf_counter()
            seed(store, args.businesses, args.conversations, args.leads)
            took = time.perf_counter() - started
            print(
                f"{args.businesses} businesses, {args.conversations} conversations, "
                f"{args.leads} leads seeded in {took:.1f} s ({url.split(':')[0]})"
            )
            for label, team_id in (("the ward", None), ("one team", 1)):
                times = []
                for _ in range(args.rounds):
                    begin = time.perf_counter()
                    with store.transaction() as tx:
                        found = progress(tx, ON, content.rules, content.plan, team_id)
                    times.append(time.perf_counter() - begin)
                median, slowest = statistics.median(times), max(times)
                print(
                    f"  progress(), {label:<9} median {median * 1000:7.1f} ms   "
                    f"slowest {slowest * 1000:7.1f} ms   ({args.rounds} runs)"
                )
            print(f"  biz.vn {found.biz_vn}, reached {found.businesses_reached}")


if __name__ == "__main__":
    main()
