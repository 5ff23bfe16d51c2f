"""A lead left by a resident asking for a relative, end to end on the real app on loopback:
"con tôi 19 tuổi" in the web chat (``/api/chat``; the eligibility object is the relative's),
then the asker's own contact; the office shows "Hỏi cho người thân" on the leads board, on
the lead's page and in the CSV export; the resident's own lead carries none of it."""

from __future__ import annotations

import csv
import io
import re

from db.store import Store
from handlers.content import Content
from tests.support.conversations import LEAD_DIALOGUE, web_chat
from tests.support.office import browser, make_user, office_app

BADGE = "Hỏi cho người thân"


async def test_the_office_shows_a_lead_left_for_a_relative(store: Store, content: Content) -> None:
    make_user(store, "admin@phuong.vn", "admin", name="Chị Lan")
    async with office_app(store, content) as (base, _), browser(base) as b:
        asked = await web_chat(base, "w1", "/start", "con tôi 19 tuổi", "có")
        assert asked[1]["messages"][-1]["text"].startswith("Người bạn hỏi giúp")
        assert asked[-1]["eligibility"]["reason"] == "eligible_youth"
        await web_chat(base, "w1", *LEAD_DIALOGUE[4:])  # the asker's own name and phone
        own = [*LEAD_DIALOGUE[:7], "Lê Thị Lan", "0987 654 321", *LEAD_DIALOGUE[9:]]
        await web_chat(base, "w2", *own)

        await b.login("admin@phuong.vn")
        board = await b.get("/office/leads")
        assert board.status == 200
        newer, older = [int(n) for n in re.findall(r'href="/office/leads/(\d+)"', board.text)][:2]
        rows = board.text.split('<li class="lead ')
        [relative_row] = [row for row in rows if f'href="/office/leads/{older}"' in row]
        [own_row] = [row for row in rows if f'href="/office/leads/{newer}"' in row]
        assert BADGE in relative_row and BADGE not in own_row
        page = await b.get(f"/office/leads/{older}")
        assert page.status == 200 and BADGE in page.text
        assert BADGE not in (await b.get(f"/office/leads/{newer}")).text

        status, body, _ = await b.get_bytes("/office/leads/export.csv")
        assert status == 200
        table = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
        column = table[0].index(BADGE)
        by_id = {row[0]: row[column] for row in table[1:]}
        assert by_id[str(older)] == "Có" and by_id[str(newer)] == ""
