"""A lead verified against the ward's business registry, end to end on the real app on
loopback: a resident gives its tax code in the web chat (``/api/chat``, whose eligibility
object keeps DESIGN.md's shape), asks for help, and the office shows the lead as "xác thực
theo danh sách của phường" on the leads board and on the lead's page; a lead without a
tax code carries no badge."""

from __future__ import annotations

import re
from datetime import date

from db.store import Store
from handlers.content import Content
from tests.support.businesses import ENTERPRISE_CODE, a_business
from tests.support.conversations import LEAD_DIALOGUE, web_chat
from tests.support.office import browser, make_user, office_app

BADGE = "Xác thực theo danh sách của phường"
ELIGIBILITY_KEYS = {"eligible", "domain", "reason", "message", "eligible_from", "eligible_until"}


def lead_ids(board: str) -> list[int]:
    return [int(n) for n in re.findall(r'href="/office/leads/(\d+)"', board)]


async def test_the_office_shows_a_lead_verified_by_its_tax_code(
    store: Store, content: Content
) -> None:
    a_business(
        store, ENTERPRISE_CODE, "Công ty TNHH Bánh mì Kiến An", "enterprise", date(2026, 3, 1)
    )
    make_user(store, "admin@phuong.vn", "admin", name="Chị Lan")
    async with office_app(store, content) as (base, _), browser(base) as b:
        verified = await web_chat(base, "w1", "/start", "doanh nghiep", f"mst {ENTERPRISE_CODE}")
        eligibility = verified[-1]["eligibility"]
        assert set(eligibility) == ELIGIBILITY_KEYS
        assert eligibility["reason"] == "eligible_new_enterprise"
        assert eligibility["domain"] == "biz.vn" and eligibility["eligible_until"] == "2026-12-31"
        assert "Theo danh sách của phường" in verified[-1]["messages"][0]["text"]
        await web_chat(base, "w1", *LEAD_DIALOGUE[4:])
        unverified = [*LEAD_DIALOGUE[4:8], "0987 654 321", *LEAD_DIALOGUE[9:]]
        await web_chat(base, "w2", "/start", "doanh nghiep", "01/03/2026", *unverified)

        await b.login("admin@phuong.vn")
        board = await b.get("/office/leads")
        assert board.status == 200
        newer, older = lead_ids(board.text)[:2]
        rows = board.text.split('<li class="lead ')
        [newer_row] = [row for row in rows if f'href="/office/leads/{newer}"' in row]
        [older_row] = [row for row in rows if f'href="/office/leads/{older}"' in row]
        assert BADGE in older_row and BADGE not in newer_row
        shown = await b.get(f"/office/leads/{older}")
        assert shown.status == 200 and BADGE in shown.text
        assert 'class="badge verified"' in shown.text
        other = await b.get(f"/office/leads/{newer}")
        assert other.status == 200 and BADGE not in other.text
