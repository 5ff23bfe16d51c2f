"""Two chats that left the same phone number (issue 14, D1): each has its own request, and
the board and each lead's page say "cùng số điện thoại với hồ sơ N", against the real app
on loopback."""

from __future__ import annotations

from db.store import Store
from handlers.content import Content
from tests.support.followup import a_lead, a_team
from tests.support.office import browser, make_user, office_app


async def test_the_board_and_the_lead_page_name_the_lead_with_the_same_phone(
    store: Store, content: Content
) -> None:
    a_team(store, "Tổ công nghệ số 1", "Tổ dân phố 1")
    make_user(store, "admin@phuong.vn", "admin", name="Chị Lan")
    first = a_lead(store, "0912345678", "Trần Văn Bình", user_ref="web-a")
    second = a_lead(store, "0912 345 678", "Kẻ Mạo Danh", user_ref="web-b")
    alone = a_lead(store, "0987654321", "Lê Văn Sơn", user_ref="web-c")
    async with office_app(store, content) as (base, _), browser(base) as b:
        await b.login("admin@phuong.vn")
        board = await b.get("/office/leads")
        assert board.text.count("cùng số điện thoại với hồ sơ") == 2
        assert f"cùng số điện thoại với hồ sơ #{first}<" in board.text
        assert f"cùng số điện thoại với hồ sơ #{second}<" in board.text
        page = await b.get(f"/office/leads/{first}")
        assert "Cùng số điện thoại với hồ sơ" in page.text
        assert f'<a href="/office/leads/{second}">#{second}</a>' in page.text
        assert "Trần Văn Bình" in page.text and "Kẻ Mạo Danh" not in page.text
        page = await b.get(f"/office/leads/{alone}")
        assert "Cùng số điện thoại" not in page.text
