"""The app's own routes on a real aiohttp server on loopback: ``/api/eligibility`` and
``/healthz``, checked against the contract in DESIGN.md."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

import pytest

from bot.app import build_app
from db.store import Store
from handlers.content import Content
from tests.support import TODAY

Client = Any  # aiohttp's TestClient


# --- /api/eligibility -----------------------------------------------------------------------

ELIGIBILITY_CASES = [
    # query, eligible, domain, reason, eligible_from, eligible_until
    ("applicant=person&birth_date=2005-03-15", True, "id.vn", "eligible_youth", None, "2026-12-31"),
    # 23 now, 24 on 10 December: eligible until the day before
    ("applicant=person&birth_date=2002-12-10", True, "id.vn", "eligible_youth", None, "2026-12-09"),
    ("applicant=person&birth_date=2008-11-25", True, "id.vn", "eligible_youth", None, "2026-12-31"),
    ("applicant=person&birth_date=2010-06-01", False, None, "too_young", "2028-06-01", None),
    ("applicant=person&birth_date=2008-11-26", False, None, "too_young", "2026-11-26", None),
    ("applicant=person&birth_date=2012-02-29", False, None, "too_young", "2030-03-01", None),
    ("applicant=person&birth_date=1990-01-01", False, None, "too_old", None, None),
    ("applicant=person&birth_date=2002-11-25", False, None, "too_old", None, None),
    (
        "applicant=person&birth_date=2005-03-15&citizen=false",
        False,
        None,
        "not_citizen",
        None,
        None,
    ),
    (
        "applicant=person&birth_date=2005-03-15&citizen=true",
        True,
        "id.vn",
        "eligible_youth",
        None,
        "2026-12-31",
    ),
    (
        "applicant=enterprise&founded_on=2025-12-01",
        True,
        "biz.vn",
        "eligible_new_enterprise",
        None,
        "2026-11-30",
    ),
    (
        "applicant=enterprise&founded_on=2025-06-10&on=2026-03-01",
        True,
        "biz.vn",
        "eligible_new_enterprise",
        None,
        "2026-06-09",
    ),
    ("applicant=enterprise&founded_on=2025-11-25", False, None, "enterprise_too_old", None, None),
    ("applicant=enterprise&founded_on=2019-05-01", False, None, "enterprise_too_old", None, None),
    (
        "applicant=household&has_certificate=true",
        True,
        "biz.vn",
        "eligible_household",
        None,
        "2026-12-31",
    ),
    (
        "applicant=household&has_certificate=false",
        False,
        None,
        "household_no_certificate",
        None,
        None,
    ),
    (
        "applicant=person&birth_date=2005-03-15&on=2027-01-01",
        False,
        None,
        "program_ended",
        None,
        "2026-12-31",
    ),
    (
        "applicant=household&has_certificate=true&on=2027-01-01",
        False,
        None,
        "program_ended",
        None,
        "2026-12-31",
    ),
]


@pytest.mark.parametrize(
    ("query", "eligible", "domain", "reason", "eligible_from", "eligible_until"),
    ELIGIBILITY_CASES,
    ids=[c[0] for c in ELIGIBILITY_CASES],
)
async def test_eligibility(
    lite_client: Client,
    query: str,
    eligible: bool,
    domain: str | None,
    reason: str,
    eligible_from: str | None,
    eligible_until: str | None,
) -> None:
    async with lite_client.get("/api/eligibility?" + query) as resp:
        assert resp.status == 200
        assert resp.content_type == "application/json"
        data = await resp.json()
    assert set(data) == {
        "eligible",
        "domain",
        "reason",
        "message",
        "eligible_from",
        "eligible_until",
    }
    assert data["eligible"] is eligible
    assert data["domain"] == domain
    assert data["reason"] == reason
    assert data["eligible_from"] == eligible_from
    assert data["eligible_until"] == eligible_until
    assert isinstance(data["message"], str) and data["message"]
    assert not data["message"].isascii()  # Vietnamese by default
    end = date(2026, 12, 31)  # content/program.yaml: the ward plan's horizon
    for day in (eligible_from, eligible_until):
        if day and reason in ("eligible_youth", "too_young", "eligible_new_enterprise"):
            shown = date.fromisoformat(day)
            if shown == end:  # the plan's horizon, never a firm deadline (facts §0, §9)
                assert shown.strftime("%d/%m/%Y") not in data["message"]
                assert "đến tháng 12/2026" in data["message"]
                assert "xác nhận ưu đãi với nhà đăng ký khi đăng ký" in data["message"]
            else:  # the resident's own date (a birthday, a founding anniversary)
                assert shown.strftime("%d/%m/%Y") in data["message"]


@pytest.mark.parametrize(
    ("query", "mentions"),
    [
        pytest.param("birth_date=2005-03-15", "applicant", id="missing applicant"),
        pytest.param("applicant=robot&birth_date=2005-03-15", "applicant", id="unknown applicant"),
        pytest.param("applicant=person", "birth_date", id="missing birth_date"),
        pytest.param("applicant=person&birth_date=", "birth_date", id="empty birth_date"),
        pytest.param("applicant=person&birth_date=2005-02-30", "birth_date", id="30 February"),
        pytest.param("applicant=person&birth_date=15/03/2005", "birth_date", id="not ISO"),
        pytest.param("applicant=person&birth_date=2026-11-26", "future", id="future birth"),
        pytest.param("applicant=enterprise&founded_on=2027-01-05", "future", id="future founding"),
        pytest.param("applicant=enterprise", "founded_on", id="missing founded_on"),
        pytest.param("applicant=household", "has_certificate", id="missing has_certificate"),
        pytest.param(
            "applicant=household&has_certificate=maybe", "has_certificate", id="maybe certificate"
        ),
        pytest.param(
            "applicant=person&birth_date=2005-03-15&citizen=perhaps", "citizen", id="bad citizen"
        ),
        pytest.param("applicant=person&birth_date=2005-03-15&on=soon", "on", id="bad on"),
        pytest.param("applicant=person&birth_date=2005-03-15&lang=fr", "lang", id="bad lang"),
    ],
)
async def test_bad_eligibility_queries_get_400_with_a_clear_error(
    lite_client: Client, query: str, mentions: str
) -> None:
    async with lite_client.get("/api/eligibility?" + query) as resp:
        assert resp.status == 400
        assert resp.content_type == "application/json"
        data = await resp.json()
    assert set(data) == {"error"}
    assert mentions in data["error"]


async def test_eligibility_in_english(lite_client: Client) -> None:
    query = "/api/eligibility?applicant=person&birth_date=2005-03-15"
    async with lite_client.get(query + "&lang=en") as resp:
        assert resp.status == 200
        en = await resp.json()
    async with lite_client.get(query) as resp:
        vi = await resp.json()
    assert en["reason"] == vi["reason"] == "eligible_youth"
    assert en["message"] != vi["message"]
    assert en["message"].isascii()
    assert "id.vn" in en["message"] and "until December 2026" in en["message"]
    assert "31/12/2026" not in en["message"]  # the plan's horizon, not a deadline


# --- /healthz --------------------------------------------------------------------------------


async def test_healthz(client: Client) -> None:
    async with client.get("/healthz") as resp:
        assert resp.status == 200
        data = await resp.json()
    assert data["status"] == "ok"


async def test_healthz_reports_a_dead_database(
    aiohttp_client: Callable[..., Awaitable[Client]], content: Content, tmp_path: Any
) -> None:
    # A file that is not a database: the server answers, but says it is unhealthy.
    broken = tmp_path / "not-a-database.db"
    broken.write_bytes(b"this is not sqlite" * 100)
    dead = Store(f"sqlite:///{broken}")
    try:
        c = await aiohttp_client(build_app(dead, content, today=lambda: TODAY))
        async with c.get("/healthz") as resp:
            assert resp.status == 503
            data = await resp.json()
        assert data["status"] == "failing" and data["database"].startswith("failing: ")
    finally:
        dead.close()
