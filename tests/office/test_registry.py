"""The registry page (``/office/registry``) against the real app on loopback: members are
kept out, leaders read their team's tổ dân phố only, admins search and filter, upload a list
(checked first, applied on confirmation, the file kept for its uploader only and for a
limited time; too large, broken or unauthenticated uploads answered in Vietnamese, nothing
changed) and download the proposal list, read back with openpyxl."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, insert, select

from db import audit
from db.store import Store
from db.tables import business_t, registration_t
from handlers.content import Content
from tests.support import TODAY
from tests.support.followup import a_team
from tests.support.office import Answer, OfficeClient, browser, make_user, office_app

ADMIN = "admin@phuong.vn"
GOOD, GOOD2, GOOD3 = "0100233488", "0101245486", "0100109106"
HEADER = ["Mã số thuế", "Tên doanh nghiệp", "Loại hình", "Ngày thành lập", "Tổ dân phố"]


def workbook_bytes(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["DANH SÁCH"])
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


LIST = [
    [GOOD, "Công ty TNHH Hải Âu", "Công ty", "01/10/2026", "Tổ dân phố 1"],
    [GOOD2, "Hộ kinh doanh Bánh đa", "HKD", "01/01/2019", "Tổ dân phố 2"],
    [GOOD3, "Công ty Cũ", "DN", "01/01/2024", "Tổ dân phố 1"],
    ["0100233489", "Sai mã", "DN", "01/01/2026", "Tổ dân phố 1"],
]


async def upload(b: OfficeClient, data: bytes, name: str = "ds.xlsx", csrf: bool = True) -> Answer:
    form = aiohttp.FormData()
    if csrf:
        form.add_field("csrf", b.token)
    form.add_field("file", data, filename=name, content_type="application/octet-stream")
    async with b.session.post(
        b.base + "/office/registry/check", data=form, allow_redirects=False
    ) as r:
        answer = Answer(r.status, await r.text(), r.headers, r.headers.get("Location"))
    found = re.search(r'name="csrf" value="([^"]+)"', answer.text)
    if found:
        b.token = found.group(1)
    return answer


def token_of(html: str) -> str:
    found = re.search(r'name="token" value="([^"]+)"', html)
    assert found is not None, "no confirm form"
    return found.group(1)


def count(store: Store) -> int:
    with store.transaction() as tx:
        return int(tx.conn.execute(select(func.count()).select_from(business_t)).scalar_one())


def alert(html: str) -> str:
    found = re.search(r'<p class="problem" role="alert">(.*?)</p>', html, re.S)
    assert found is not None, "no problem shown"
    return found.group(1)


def listed(html: str) -> list[str]:
    return re.findall(r'<tr data-tax-code="(\d+)"', html)


@asynccontextmanager
async def signed_in(store: Store, content: Content, email: str = ADMIN) -> AsyncIterator[Any]:
    async with office_app(store, content) as (base, clock), browser(base) as b:
        await b.login(email)
        yield b, clock


async def imported(b: OfficeClient, rows: list[list[Any]] = LIST) -> Answer:
    await b.get("/office/registry")
    checked = await upload(b, workbook_bytes(rows))
    assert checked.status == 200, checked.text
    return await b.post("/office/registry/apply", {"token": token_of(checked.text)})


# --- who may come in -----------------------------------------------------------------------------


async def test_members_may_not_open_the_registry(store: Store, content: Content) -> None:
    make_user(store, "hoa@phuong.vn", "member", "Tổ công nghệ số 1")
    async with signed_in(store, content, "hoa@phuong.vn") as (b, _):
        for path in ("/office/registry", "/office/registry/proposal.xlsx"):
            assert (await b.get(path)).status == 403, path
        await b.get("/office/")
        assert (await upload(b, workbook_bytes(LIST))).status == 403
        assert (await b.post("/office/registry/apply", {"token": "x"})).status == 403
        assert "Doanh nghiệp, hộ kinh doanh" not in (await b.get("/office/")).text  # not in NAV
    assert count(store) == 0


async def test_a_leader_reads_the_businesses_of_the_team_s_areas_only(
    store: Store, content: Content
) -> None:
    a_team(store, "Tổ công nghệ số 1", "Tổ dân phố 1")
    a_team(store, "Tổ công nghệ số 2", "Tổ dân phố 2")
    make_user(store, ADMIN, "admin")
    make_user(store, "nam@phuong.vn", "leader", "Tổ công nghệ số 1")
    async with signed_in(store, content) as (b, _):
        await imported(b)
    async with signed_in(store, content, "nam@phuong.vn") as (b, _):
        page = await b.get("/office/registry")
        assert page.status == 200
        assert sorted(listed(page.text)) == sorted([GOOD, GOOD3])  # not Tổ dân phố 2's
        assert "Tổ công nghệ số 1" in page.text
        assert 'action="/office/registry/check"' not in page.text  # read only
        assert "proposal.xlsx" not in page.text
        assert (await b.get("/office/registry?area=Tổ dân phố 2")).text.count("data-tax-code") == 0
        assert (await b.get("/office/registry/proposal.xlsx")).status == 403
        assert (await upload(b, workbook_bytes(LIST[:1]))).status == 403


# --- the upload ----------------------------------------------------------------------------------


async def test_an_upload_is_checked_first_then_applied_once(store: Store, content: Content) -> None:
    make_user(store, ADMIN, "admin")
    async with signed_in(store, content) as (b, _):
        await b.get("/office/registry")
        checked = await upload(b, workbook_bytes(LIST))
        assert checked.status == 200
        assert "Kiểm tra tệp ds.xlsx: chưa ghi gì vào danh sách." in checked.text
        assert re.search(r'data-outcome="accepted"><strong>3</strong>', checked.text)
        assert re.search(r'data-outcome="rejected"><strong>1</strong>', checked.text)
        assert re.search(
            r'<tr data-row="6"><td class="num">6</td><td>Sai mã</td>'
            r"<td>mã số thuế 0100233489 sai chữ số kiểm tra",
            checked.text,
        )
        assert count(store) == 0  # a dry run
        token = token_of(checked.text)
        applied = await b.post("/office/registry/apply", {"token": token})
        assert applied.status == 200
        assert "Đã nhập tệp ds.xlsx vào danh sách." in applied.text
        assert count(store) == 3
        again = await b.post("/office/registry/apply", {"token": token})
        assert again.status == 409
        assert "không còn được giữ" in alert(again.text)
        assert count(store) == 3
        page = await b.get("/office/registry")
        assert sorted(listed(page.text)) == sorted([GOOD, GOOD2, GOOD3])
    with store.transaction() as tx:
        (event,) = audit.events(tx, action="registry_imported")
    assert event["actor"] == ADMIN
    assert event["detail"] == {"accepted": 3, "updated": 0, "unchanged": 0, "rejected": 1}


async def test_a_checked_file_is_kept_for_its_uploader_and_for_half_an_hour(
    store: Store, content: Content
) -> None:
    make_user(store, ADMIN, "admin")
    make_user(store, "khac@phuong.vn", "admin")
    async with signed_in(store, content) as (b, clock):
        await b.get("/office/registry")
        token = token_of((await upload(b, workbook_bytes(LIST))).text)
        async with browser(b.base) as other:
            await other.login("khac@phuong.vn")
            await other.get("/office/registry")
            taken = await other.post("/office/registry/apply", {"token": token})
            assert taken.status == 409
        token = token_of((await upload(b, workbook_bytes(LIST))).text)
        clock.advance(minutes=31)
        late = await b.post("/office/registry/apply", {"token": token})
        assert late.status == 409 and "30 phút" in alert(late.text)
    assert count(store) == 0


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("trong.csv", b"", "Tệp trống"),
        ("hong.xlsx", b"PK\x03\x04 broken", "Không đọc được tệp này như một tệp Excel"),
        ("cu.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "tệp Excel kiểu cũ (.xls)"),
        ("thieu.csv", "Mã số thuế,Tên\n0100233488,A\n".encode(), "thiếu cột: Loại hình"),
    ],
)
async def test_a_bad_file_is_answered_in_words_and_changes_nothing(
    store: Store, content: Content, name: str, data: bytes, words: str
) -> None:
    make_user(store, ADMIN, "admin")
    async with signed_in(store, content) as (b, _):
        await imported(b, LIST[:1])
        answer = await upload(b, data, name)
        assert answer.status == 400
        assert words in alert(answer.text)
        assert 'name="token"' not in answer.text
    assert count(store) == 1


async def test_a_file_too_large_or_without_the_form_s_token_is_refused(
    store: Store, content: Content, tmp_path: Path
) -> None:
    make_user(store, ADMIN, "admin")
    async with signed_in(store, content) as (b, _):
        await b.get("/office/registry")
        big = await upload(b, b"x" * (5 * 1024 * 1024 + 1), "lon.csv")
        assert big.status == 413
        assert "Tệp lớn hơn 5 MB nên không nhận." in alert(big.text)
        forged = await upload(b, workbook_bytes(LIST), csrf=False)
        assert forged.status == 403
        missing = await b.post("/office/registry/check", {})  # no file at all
        assert missing.status in (400, 403)
    assert count(store) == 0


# --- the list and the proposal -------------------------------------------------------------------


async def test_search_filters_and_pages(store: Store, content: Content) -> None:
    make_user(store, ADMIN, "admin")
    async with signed_in(store, content) as (b, _):
        await imported(b)
        with store.transaction() as tx:
            biz = tx.conn.execute(select(business_t.c.id).where(business_t.c.tax_code == GOOD))
            tx.conn.execute(
                insert(registration_t),
                {
                    "domain": "haiau.biz.vn",
                    "kind": "biz.vn",
                    "registered_on": TODAY,
                    "source": "registrar",
                    "business_id": biz.scalar_one(),
                    "recorded_by": "cli",
                },
            )

        async def codes(query: str) -> list[str]:
            answer = await b.get("/office/registry?" + query)
            assert answer.status == 200
            return sorted(listed(answer.text))

        assert await codes("q=hai au") == [GOOD]  # folded
        assert await codes("q=0101") == [GOOD2]  # the start of a tax code
        assert await codes("kind=household") == [GOOD2]
        assert await codes("eligible=yes") == sorted([GOOD, GOOD2])
        assert await codes("eligible=no") == [GOOD3]
        assert await codes("registered=yes") == [GOOD]
        assert await codes("eligible=yes&registered=no") == [GOOD2]
        assert await codes("area=T%E1%BB%95+d%C3%A2n+ph%E1%BB%91+2") == [GOOD2]
        assert await codes("kind=nonsense&eligible=maybe&page=abc") == sorted([GOOD, GOOD2, GOOD3])
        many = [
            [code, f"Công ty {i:03}", "DN", "01/10/2026", "Tổ dân phố 3"]
            for i, code in enumerate(VALID_CODES)
        ]
        await imported(b, many)
        first = await b.get("/office/registry?area=T%E1%BB%95+d%C3%A2n+ph%E1%BB%91+3")
        assert len(listed(first.text)) == 50 and "Trang 1/2" in first.text
        second = await b.get("/office/registry?area=T%E1%BB%95+d%C3%A2n+ph%E1%BB%91+3&page=2")
        assert len(listed(second.text)) == len(VALID_CODES) - 50


def _valid_codes(n: int) -> list[str]:
    from stdnum.vn import mst

    out, base = [], 200_100_000
    while len(out) < n:
        base += 1
        candidate = f"0{base}"
        if mst.is_valid(candidate):
            out.append(candidate)
    return out


VALID_CODES = _valid_codes(55)


async def test_the_proposal_list_downloads_and_is_audited(store: Store, content: Content) -> None:
    a_team(store, "Tổ công nghệ số 1", "Tổ dân phố 1")
    make_user(store, ADMIN, "admin")
    async with signed_in(store, content) as (b, _):
        await imported(b)
        page = await b.get("/office/registry")
        assert 'href="/office/registry/proposal.xlsx"' in page.text or "proposal.xlsx" in page.text
        status, body, headers = await b.get_bytes("/office/registry/proposal.xlsx?on=2026-11-25")
    assert status == 200
    assert "de-xuat-tham-gia-chuong-trinh-2026-11-25.xlsx" in headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(body)).active
    assert sheet is not None
    rows = [r for r in sheet.iter_rows(min_row=6, values_only=True) if r[0] is not None]
    assert [(r[1], r[2], r[3]) for r in rows] == [
        ("Tổ dân phố 1", "Tổ công nghệ số 1", GOOD),
        ("Tổ dân phố 2", "(chưa có tổ phụ trách)", GOOD2),
    ]
    with store.transaction() as tx:
        (event,) = audit.events(tx, action="export")
    assert event["actor"] == ADMIN
    assert event["detail"] == {
        "rows": 2,
        "format": "xlsx",
        "list": "registry_proposal",
        "on": "2026-11-25",
    }
