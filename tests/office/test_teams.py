"""The teams pages against the real app on loopback: admins create, rename, archive and bring
back teams (no two names alike without case and diacritics) and give them tổ dân phố; invite
codes, for an office user or anyone, with each running channel's instructions, and the chat
account they link (through db.team, and end to end through Telegram); leaders keep to their
own team, members stay out; CSRF, text shown as text, and the audit log."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from markupsafe import escape
from sqlalchemy import select

from bot.channels.telegram.settings import TelegramSettings
from bot.settings import Settings
from db import team
from db.store import Store
from db.tables import audit_t, member_t, team_t
from handlers.content import Content
from tests.support.followup import a_member, a_team
from tests.support.office import OfficeClient, browser, make_user, office_app
from tests.support.telegram_chat import say
from tests.support.telegram_standin import BotApiStandIn
from tests.support.ward_areas import listed_content

CODE = re.compile(r'<p class="code"><code>([^<]+)</code></p>')


@pytest.fixture
def ward(store: Store) -> dict[str, int]:
    """Two teams (each serving a tổ dân phố), an admin, a leader and a member of team 1, a
    leader of team 2, and a linked chat member in each team."""
    one = a_team(store, "Tổ công nghệ số 1", "Tổ dân phố 1")
    two = a_team(store, "Tổ công nghệ số 2", "Tổ dân phố 2")
    ids = {
        "team1": one,
        "team2": two,
        "admin": make_user(store, "admin@phuong.vn", "admin", name="Chị Lan"),
        "leader1": make_user(store, "nam@phuong.vn", "leader", "Tổ công nghệ số 1", name="Anh Nam"),
        "hoa": make_user(store, "hoa@phuong.vn", "member", "Tổ công nghệ số 1", name="Chị Hoa"),
        "leader2": make_user(store, "tu@phuong.vn", "leader", "Tổ công nghệ số 2", name="Anh Tú"),
    }
    ids["member1"] = a_member(store, "7001", one, "Minh trên Telegram")["id"]
    ids["member2"] = a_member(store, "7002", two, "Sơn trên Zalo", channel="zalo")["id"]
    return ids


def teams_now(store: Store) -> dict[int, dict[str, Any]]:
    with store.transaction() as tx:
        return {t["id"]: t for t in team.teams(tx)}


def team_changes(store: Store) -> list[dict[str, Any]]:
    """The audit log's team changes, oldest first, with their detail decoded."""
    with store.transaction() as tx:
        rows = tx.conn.execute(
            select(audit_t).where(audit_t.c.action == "team_changed").order_by(audit_t.c.id)
        ).mappings()
        found = [dict(r) for r in rows]
    for row in found:
        row["detail"] = json.loads(row["detail"]) if row["detail"] else {}
    return found


def said(content: Content, key: str, **params: Any) -> str:
    """The words as the page shows them (HTML-escaped)."""
    return str(escape(content.render("vi", key, **params)))


def cells(html: str) -> list[list[str]]:
    """The text of each table row's cells (those without markup inside)."""
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", html, re.S)
    return [re.findall(r"<td>([^<]*)</td>", row) for row in rows]


async def signed_in(b: OfficeClient, email: str, page: str) -> None:
    assert (await b.login(email)).status == 303
    assert (await b.get(page)).status == 200


# --- admins: teams ------------------------------------------------------------------------------


async def test_an_admin_creates_renames_archives_and_brings_back_a_team(
    store: Store, ward: dict[str, int], tmp_path: Path
):
    content = listed_content(tmp_path)  # the ward's tổ dân phố listed: "not served" shown
    async with office_app(store, content) as (base, _), browser(base) as b:
        await signed_in(b, "admin@phuong.vn", "/office/teams")
        made = await b.post("/office/teams", {"name": "  Tổ   công nghệ số 3 "})
        assert made.status == 303
        team_id = int(re.fullmatch(r"/office/teams/(\d+)\?done=created", made.location or "")[1])
        assert teams_now(store)[team_id]["name"] == "Tổ công nghệ số 3"
        shown = await b.get(made.location or "")
        assert "<h1>Tổ công nghệ số 3</h1>" in shown.text
        assert said(content, "office_teams.done.created") in shown.text

        renamed = await b.post(f"/office/teams/{team_id}/name", {"name": "Tổ công nghệ số Ba"})
        assert renamed.status == 303
        assert teams_now(store)[team_id]["name"] == "Tổ công nghệ số Ba"

        await b.get(f"/office/teams/{ward['team1']}")
        archived = await b.post(f"/office/teams/{ward['team1']}/archive", {"archived": "1"})
        assert archived.status == 303
        one = teams_now(store)[ward["team1"]]
        assert one["archived_at"] is not None and one["areas"] == []
        listing = await b.get("/office/teams")
        assert "Đã lưu trữ" in listing.text
        assert "Tổ dân phố chưa có tổ phụ trách" in listing.text  # Tổ dân phố 1 now has none
        page = await b.get(f"/office/teams/{ward['team1']}")
        assert said(content, "office_teams.invite.archived") in page.text
        assert 'action="/office/teams/{}/invite"'.format(ward["team1"]) not in page.text

        back = await b.post(f"/office/teams/{ward['team1']}/archive", {"archived": "0"})
        assert back.status == 303
        assert teams_now(store)[ward["team1"]]["archived_at"] is None


async def test_a_name_like_another_teams_is_refused_with_the_services_words(
    store: Store, content: Content, ward: dict[str, int]
):
    async with office_app(store, content) as (base, _), browser(base) as b:
        await signed_in(b, "admin@phuong.vn", "/office/teams")
        refused = await b.post("/office/teams", {"name": "to cong nghe so 1"})
        assert refused.status == 400
        assert (
            "Đã có tổ &#34;Tổ công nghệ số 1&#34; (tên trùng khi không tính chữ hoa, chữ thường"
            " và dấu). Anh/chị chọn tên khác." in refused.text
        )
        assert 'value="to cong nghe so 1"' in refused.text  # what was typed stays in the form
        empty = await b.post("/office/teams", {"name": "   "})
        assert empty.status == 400
        assert said(content, "teams.errors.empty") in empty.text
        await b.get(f"/office/teams/{ward['team2']}")
        clash = await b.post(f"/office/teams/{ward['team2']}/name", {"name": "TỔ CÔNG NGHỆ SỐ 1"})
        assert clash.status == 400
        assert said(content, "teams.errors.duplicate", existing="Tổ công nghệ số 1") in clash.text
    assert sorted(t["name"] for t in teams_now(store).values()) == [
        "Tổ công nghệ số 1",
        "Tổ công nghệ số 2",
    ]


async def test_english_pages_give_the_refusal_in_english(
    store: Store, content: Content, ward: dict[str, int]
):
    async with office_app(store, content) as (base, _), browser(base) as b:
        await b.login("admin@phuong.vn")
        await b.get("/office/lang?to=en&next=/office/teams")
        await b.get("/office/teams")
        refused = await b.post("/office/teams", {"name": "TO CONG NGHE SO 2"})
        assert refused.status == 400
        assert "There is already a team &#34;Tổ công nghệ số 2&#34;" in refused.text


async def test_tổ_dân_phố_are_assigned_moved_from_their_team_and_taken_off(
    store: Store, ward: dict[str, int], tmp_path: Path
):
    content = listed_content(tmp_path)  # the ward's tổ dân phố listed: offered as choices
    two = ward["team2"]
    async with office_app(store, content) as (base, _), browser(base) as b:
        await signed_in(b, "admin@phuong.vn", f"/office/teams/{two}")
        page = await b.get(f"/office/teams/{two}")
        assert "Tổ dân phố 1 (đang thuộc Tổ công nghệ số 1)" in page.text  # the choice says so
        moved = await b.post(f"/office/teams/{two}/areas", {"area": "Tổ dân phố 1", "other": ""})
        assert moved.status == 200
        assert (
            said(content, "office_teams.area.moved", area="Tổ dân phố 1", team="Tổ công nghệ số 1")
            in moved.text
        )
        typed = await b.post(f"/office/teams/{two}/areas", {"area": "", "other": "to dan pho 3"})
        assert said(content, "office_teams.area.assigned", area="Tổ dân phố 3") in typed.text
        assert "đã chuyển từ tổ" not in typed.text  # no team served it before
        other = await b.post(f"/office/teams/{two}/areas", {"other": "Khu tập thể Cầu Rào"})
        assert (
            said(content, "office_teams.area.not_listed", area="Khu tập thể Cầu Rào") in other.text
        )
        empty = await b.post(f"/office/teams/{two}/areas", {"area": "", "other": " "})
        assert empty.status == 400
        assert said(content, "teams.errors.area_empty") in empty.text
        with store.transaction() as tx:
            assert team.serving(tx, "Tổ dân phố 1") == two
            assert team.areas_of(tx, ward["team1"]) == []
            assert team.areas_of(tx, two) == [
                "Khu tập thể Cầu Rào",
                "Tổ dân phố 1",
                "Tổ dân phố 2",
                "Tổ dân phố 3",
            ]
        removed = await b.post(f"/office/teams/{two}/areas/remove", {"area": "Tổ dân phố 2"})
        assert removed.status == 303
        with store.transaction() as tx:
            assert team.serving(tx, "Tổ dân phố 2") is None
        again = await b.post(f"/office/teams/{two}/areas/remove", {"area": "Tổ dân phố 2"})
        assert again.status == 404


async def test_an_archived_team_gets_no_tổ_dân_phố(
    store: Store, content: Content, ward: dict[str, int]
):
    gone = a_team(store, "Tổ đã giải thể", archived=True)
    async with office_app(store, content) as (base, _), browser(base) as b:
        await signed_in(b, "admin@phuong.vn", f"/office/teams/{gone}")
        refused = await b.post(f"/office/teams/{gone}/areas", {"area": "Tổ dân phố 5"})
        assert refused.status == 400
        assert said(content, "teams.errors.archived", name="Tổ đã giải thể") in refused.text


# --- invites and members --------------------------------------------------------------------------


async def test_an_invite_for_an_office_user_links_the_chat_account_to_that_user(
    store: Store, content: Content, ward: dict[str, int]
):
    one = ward["team1"]
    async with office_app(store, content) as (base, _), browser(base) as b:
        await signed_in(b, "admin@phuong.vn", f"/office/teams/{one}")
        made = await b.post(f"/office/teams/{one}/invite", {"user": str(ward["hoa"])})
        assert made.status == 200
        code = CODE.search(made.text)[1]
        assert f'value="/staff {code}"' in made.text
        assert said(content, "office_teams.made.for", user="Chị Hoa") in made.text
        # no chat channel runs in this app: the page says so rather than give a dead link
        assert said(content, "office_teams.made.no_channel") in made.text
        waiting = await b.get(f"/office/teams/{one}")
        assert f"<code>{code}</code>" in waiting.text  # among the unused codes, for Chị Hoa
        with store.transaction() as tx:
            [pending] = team.pending_invites(tx, one)
            assert pending["office_user_id"] == ward["hoa"]
            outcome, member = team.redeem_invite(tx, code, "zalo", "zalo-hoa", "hoa.nguyen")
        assert outcome == "linked" and member is not None
        assert (member["office_user_id"], member["display_name"]) == (ward["hoa"], "Chị Hoa")
        page = await b.get(f"/office/teams/{one}")
        assert ["Chị Hoa", "Zalo", "Chị Hoa", "Thành viên"] in [r[:4] for r in cells(page.text)]
        assert '<span class="kv">Zalo: Chị Hoa</span>' in page.text  # her office account's chats
        anyone = await b.post(f"/office/teams/{one}/invite", {"user": "", "role": "admin"})
        code2 = CODE.search(anyone.text)[1]
        with store.transaction() as tx:
            [pending] = team.pending_invites(tx, one)
        assert (pending["code"], pending["role"], pending["office_user_id"]) == (
            code2,
            "admin",
            None,
        )


async def test_the_invite_gives_each_running_channels_instructions_and_telegram_links_the_user(
    sqlite_store: Store, content: Content
):
    """End to end: Telegram runs (against the Bot API stand-in); the code made on the page,
    sent to the bot as /staff CODE, links the Telegram chat to the office user it was for."""
    store = sqlite_store
    one = a_team(store, "Tổ công nghệ số 1", "Tổ dân phố 1")
    make_user(store, "admin@phuong.vn", "admin", name="Chị Lan")
    hoa = make_user(store, "hoa@phuong.vn", "member", "Tổ công nghệ số 1", name="Chị Hoa")
    async with BotApiStandIn(token="88:TEAMS", bot_username="kienan_team_bot") as api:
        config = Settings.defaults().given(
            TelegramSettings(bot_token=api.token, base_url=api.base_url)
        )
        async with office_app(store, content, settings=config) as (base, _), browser(base) as b:
            await api.wait_call("setMyCommands")
            await signed_in(b, "admin@phuong.vn", f"/office/teams/{one}")
            made = await b.post(f"/office/teams/{one}/invite", {"user": str(hoa)})
            code = CODE.search(made.text)[1]
            assert f"https://t.me/kienan_team_bot?start=staff-{code}" in made.text
            assert "Zalo" not in made.text.split("made-title")[1].split("</section>")[0]
            assert "Đã liên kết" in await say(api, 9001, f"/staff {code}")
            page = await b.get(f"/office/teams/{one}")
            assert '<span class="kv">Telegram: Chị Hoa</span>' in page.text
    with store.transaction() as tx:
        [member] = team.members(tx, office_user_id=hoa)
    assert (member["channel"], member["account"], member["team_id"]) == ("telegram", "9001", one)


async def test_a_member_is_unlinked(store: Store, content: Content, ward: dict[str, int]):
    one = ward["team1"]
    async with office_app(store, content) as (base, _), browser(base) as b:
        await signed_in(b, "admin@phuong.vn", f"/office/teams/{one}")
        gone = await b.post(f"/office/teams/{one}/members/{ward['member1']}/remove", {})
        assert gone.status == 303
        page = await b.get(gone.location or "")
        assert said(content, "office_teams.done.removed") in page.text
        assert "Đã gỡ" in page.text.split("Minh trên Telegram")[1].split("</tr>")[0]
        twice = await b.post(f"/office/teams/{one}/members/{ward['member1']}/remove", {})
        assert twice.status == 404
        elsewhere = await b.post(f"/office/teams/{one}/members/{ward['member2']}/remove", {})
        assert elsewhere.status == 404  # not this team's member
    with store.transaction() as tx:
        active = dict(tx.conn.execute(select(member_t.c.id, member_t.c.active)).all())
    assert active == {ward["member1"]: False, ward["member2"]: True}


# --- leaders and members -----------------------------------------------------------------------


async def test_a_leader_sees_only_their_own_team(
    store: Store, content: Content, ward: dict[str, int]
):
    with store.transaction() as tx:
        team.invite(tx, ward["team1"])
        other_code = team.invite(tx, ward["team2"])
    async with office_app(store, content) as (base, _), browser(base) as b:
        await b.login("nam@phuong.vn")
        listing = await b.get("/office/teams")
        assert (listing.status, listing.location) == (303, f"/office/teams/{ward['team1']}")
        own = await b.get(f"/office/teams/{ward['team1']}")
        assert own.status == 200
        assert "Minh trên Telegram" in own.text and "Tổ dân phố 1" in own.text
        assert "Chị Hoa" in own.text  # the team's office accounts
        assert "Ai có mã cũng dùng được" in own.text  # its unused code
        assert other_code not in own.text and "Sơn trên Zalo" not in own.text
        for admins_only in ("/name", "/archive", "/areas", "/areas/remove"):
            assert f'action="/office/teams/{ward["team1"]}{admins_only}"' not in own.text
        assert 'href="/office/teams"' not in own.text.split("<main>")[1]  # no list of all teams
        other = await b.get(f"/office/teams/{ward['team2']}")
        assert other.status == 404


@pytest.mark.parametrize(
    ("path", "form"),
    [
        ("/office/teams", {"name": "Tổ công nghệ số 9"}),
        ("/office/teams/{own}/name", {"name": "Tổ của Nam"}),
        ("/office/teams/{own}/archive", {"archived": "1"}),
        ("/office/teams/{own}/areas", {"area": "Tổ dân phố 2"}),
        ("/office/teams/{own}/areas/remove", {"area": "Tổ dân phố 1"}),
        ("/office/teams/{other}/name", {"name": "Tổ của Nam"}),
        ("/office/teams/{own}/invite", {"role": "admin"}),
    ],
)
async def test_a_leader_may_not_change_teams(
    store: Store, content: Content, ward: dict[str, int], path: str, form: dict[str, str]
):
    before = teams_now(store)
    async with office_app(store, content) as (base, _), browser(base) as b:
        await signed_in(b, "nam@phuong.vn", f"/office/teams/{ward['team1']}")
        url = path.format(own=ward["team1"], other=ward["team2"])
        refused = await b.post(url, form)
        assert refused.status == 403
    assert teams_now(store) == before
    with store.transaction() as tx:
        assert team.pending_invites(tx) == []


async def test_a_leader_invites_and_unlinks_members_of_their_own_team(
    store: Store, content: Content, ward: dict[str, int]
):
    one, two = ward["team1"], ward["team2"]
    async with office_app(store, content) as (base, _), browser(base) as b:
        await signed_in(b, "nam@phuong.vn", f"/office/teams/{one}")
        page = await b.get(f"/office/teams/{one}")
        assert 'name="role" value="member"' in page.text  # no choice of the chat's admin role
        made = await b.post(f"/office/teams/{one}/invite", {"user": str(ward["hoa"])})
        assert made.status == 200
        code = CODE.search(made.text)[1]
        not_theirs = await b.post(f"/office/teams/{one}/invite", {"user": str(ward["leader2"])})
        assert not_theirs.status == 400  # an office user of another team
        elsewhere = await b.post(f"/office/teams/{two}/invite", {})
        assert elsewhere.status == 404
        gone = await b.post(f"/office/teams/{one}/members/{ward['member1']}/remove", {})
        assert gone.status == 303
        for path in (f"/office/teams/{two}", f"/office/teams/{one}"):
            refused = await b.post(f"{path}/members/{ward['member2']}/remove", {})
            assert refused.status == 404
    with store.transaction() as tx:
        [pending] = team.pending_invites(tx)
        active = dict(tx.conn.execute(select(member_t.c.id, member_t.c.active)).all())
    assert (pending["code"], pending["team_id"], pending["office_user_id"]) == (
        code,
        one,
        ward["hoa"],
    )
    assert active == {ward["member1"]: False, ward["member2"]: True}


async def test_a_member_may_not_open_the_teams_pages(
    store: Store, content: Content, ward: dict[str, int]
):
    async with office_app(store, content) as (base, _), browser(base) as b:
        await b.login("hoa@phuong.vn")
        home = await b.get("/office/")
        assert 'href="/office/teams"' not in home.text
        for path in ("/office/teams", f"/office/teams/{ward['team1']}"):
            assert (await b.get(path)).status == 403
        for path, form in (
            (f"/office/teams/{ward['team1']}/invite", {}),
            (f"/office/teams/{ward['team1']}/members/{ward['member1']}/remove", {}),
            ("/office/teams", {"name": "Tổ của Hoa"}),
        ):
            assert (await b.post(path, form)).status == 403
    with store.transaction() as tx:
        assert team.pending_invites(tx) == []
        assert len(team.teams(tx)) == 2


async def test_a_stranger_is_sent_to_sign_in(store: Store, content: Content, ward: dict[str, int]):
    async with office_app(store, content) as (base, _), browser(base) as b:
        answer = await b.get(f"/office/teams/{ward['team1']}")
        assert answer.status == 303
        assert (answer.location or "").startswith("/office/login?next=/office/teams/")


# --- linking one's own chat account ---------------------------------------------------------------


async def test_a_member_links_their_own_chat_account_from_their_account_page(
    store: Store, content: Content, ward: dict[str, int]
):
    async with office_app(store, content) as (base, _), browser(base) as b:
        await b.login("hoa@phuong.vn")
        account = await b.get("/office/account")
        assert '<a href="/office/account/link">Liên kết tài khoản chat của tôi</a>' in account.text
        page = await b.get("/office/account/link")
        assert said(content, "office_teams.link.none") in page.text
        made = await b.post("/office/account/link", {})
        assert made.status == 200
        code = CODE.search(made.text)[1]
        with store.transaction() as tx:
            outcome, _member = team.redeem_invite(tx, code, "telegram", "8123", "hoa_tg")
        assert outcome == "linked"
        again = await b.get("/office/account/link")
        assert "Telegram: Chị Hoa · Tổ công nghệ số 1" in again.text
    with store.transaction() as tx:
        [member] = team.members(tx, office_user_id=ward["hoa"])
    assert (member["team_id"], member["role"]) == (ward["team1"], "member")
    [change] = team_changes(store)
    assert change["actor_user_id"] == ward["hoa"]
    assert change["detail"] == {
        "change": "invited",
        "role": "member",
        "office_user_id": ward["hoa"],
    }


async def test_an_admin_without_a_team_is_told_how_to_link_instead(
    store: Store, content: Content, ward: dict[str, int]
):
    async with office_app(store, content) as (base, _), browser(base) as b:
        await signed_in(b, "admin@phuong.vn", "/office/account/link")
        refused = await b.post("/office/account/link", {})
        assert refused.status == 400
        assert said(content, "office_teams.link.no_team") in refused.text
        assert CODE.search(refused.text) is None
    with store.transaction() as tx:
        assert team.pending_invites(tx) == []


# --- CSRF, escaping, the audit log --------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/office/teams",
        "/office/teams/{one}/invite",
        "/office/teams/{one}/name",
        "/office/account/link",
    ],
)
async def test_a_form_without_its_csrf_token_is_refused(
    store: Store, content: Content, ward: dict[str, int], path: str
):
    async with office_app(store, content) as (base, _), browser(base) as b:
        await signed_in(b, "nam@phuong.vn" if "account" in path else "admin@phuong.vn", "/office/")
        url = path.format(one=ward["team1"])
        refused = await b.post(url, {"name": "Tổ công nghệ số 9"}, csrf=False)
        assert refused.status == 403
        forged = await b.post(
            url, {"name": "Tổ công nghệ số 9", "csrf": "not-the-token"}, csrf=False
        )
        assert forged.status == 403
    assert sorted(t["name"] for t in teams_now(store).values()) == [
        "Tổ công nghệ số 1",
        "Tổ công nghệ số 2",
    ]
    with store.transaction() as tx:
        assert team.pending_invites(tx) == []


async def test_a_teams_name_is_shown_as_text(store: Store, content: Content, ward: dict[str, int]):
    async with office_app(store, content) as (base, _), browser(base) as b:
        await signed_in(b, "admin@phuong.vn", "/office/teams")
        made = await b.post("/office/teams", {"name": "<script>alert(1)</script> Tổ"})
        assert made.status == 303
        for path in ("/office/teams", made.location or ""):
            page = await b.get(path)
            assert "&lt;script&gt;alert(1)&lt;/script&gt; Tổ" in page.text
            assert "<script>alert" not in page.text
        await b.get(f"/office/teams/{ward['team2']}")
        moved = await b.post(f"/office/teams/{ward['team2']}/areas", {"other": "<b>Khu</b>"})
        assert "&lt;b&gt;Khu&lt;/b&gt;" in moved.text and "<b>Khu</b>" not in moved.text


async def test_every_change_goes_to_the_audit_log(
    store: Store, content: Content, ward: dict[str, int]
):
    one, two = ward["team1"], ward["team2"]
    async with office_app(store, content) as (base, _), browser(base) as b:
        await signed_in(b, "admin@phuong.vn", "/office/teams")
        made = await b.post("/office/teams", {"name": "Tổ công nghệ số 3"})
        three = int((made.location or "").split("/")[-1].split("?")[0])
        await b.get(f"/office/teams/{three}")
        await b.post(f"/office/teams/{three}/name", {"name": "Tổ công nghệ số Ba"})
        await b.post(f"/office/teams/{three}/areas", {"area": "Tổ dân phố 1"})
        await b.post(f"/office/teams/{three}/areas/remove", {"area": "Tổ dân phố 1"})
        await b.post(f"/office/teams/{three}/invite", {"user": str(ward["admin"]), "role": "admin"})
        await b.post(f"/office/teams/{one}/members/{ward['member1']}/remove", {})
        await b.post(f"/office/teams/{three}/archive", {"archived": "1"})
        await b.post(f"/office/teams/{three}/archive", {"archived": "0"})
        log = await b.get("/office/audit?action=team_changed")
        assert log.text.count("<td>Sửa tổ</td>") == 8
    changes = team_changes(store)
    assert {c["actor"] for c in changes} == {"admin@phuong.vn"}
    assert all(c["ip"] == "127.0.0.1" for c in changes)
    assert [(c["target"], c["detail"]) for c in changes] == [
        (f"team:{three}", {"change": "created", "name": "Tổ công nghệ số 3"}),
        (
            f"team:{three}",
            {"change": "renamed", "before": "Tổ công nghệ số 3", "name": "Tổ công nghệ số Ba"},
        ),
        (
            f"team:{three}",
            {"change": "area_assigned", "area": "Tổ dân phố 1", "from": "Tổ công nghệ số 1"},
        ),
        (f"team:{three}", {"change": "area_removed", "area": "Tổ dân phố 1"}),
        (
            f"team:{three}",
            {"change": "invited", "role": "admin", "office_user_id": ward["admin"]},
        ),
        (
            f"team:{one}",
            {
                "change": "member_removed",
                "member_id": ward["member1"],
                "channel": "telegram",
                "name": "Minh trên Telegram",
            },
        ),
        (f"team:{three}", {"change": "archived", "areas": []}),
        (f"team:{three}", {"change": "unarchived"}),
    ]
    assert two not in {int(c["target"].split(":")[1]) for c in changes}
    with store.transaction() as tx:
        names = [r.name for r in tx.conn.execute(select(team_t.c.name))]
    assert "Tổ công nghệ số Ba" in names
