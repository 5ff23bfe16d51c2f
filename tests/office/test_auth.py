"""Signing in to the ward office, against the real app on loopback: sessions kept on the
server, cookies, CSRF on every form, locks after failed sign-ins, idle expiry, sign-out,
one-time password links, the second factor, and the headers every office page carries."""

from __future__ import annotations

import pyotp
import pytest
from sqlalchemy import func, select

from bot.settings import Settings
from db import office
from db.store import Store
from db.tables import audit_t, office_session_t, office_user_t
from handlers.content import Content
from tests.support.office import PASSWORD, browser, make_user, office_app


def audit_actions(store: Store) -> list[str]:
    with store.transaction() as tx:
        return list(tx.conn.execute(select(audit_t.c.action).order_by(audit_t.c.id)).scalars())


async def test_a_stranger_is_sent_to_sign_in_and_comes_back_after(store: Store, content: Content):
    make_user(store, "lan@phuong.vn")
    async with office_app(store, content) as (base, _clock), browser(base) as b:
        first = await b.get("/office/audit?action=login")
        assert first.status == 303
        assert first.location == "/office/login?next=/office/audit?action=login"
        page = await b.get(first.location)
        assert page.status == 200 and "Đăng nhập" in page.text
        signed = await b.post(
            "/office/login",
            {"email": "Lan@Phuong.vn", "password": PASSWORD, "next": "/office/users"},
        )
        assert signed.status == 303 and signed.location == "/office/users"
        home = await b.get("/office/")
        assert home.status == 200 and "Xin chào lan!" in home.text
    assert audit_actions(store) == ["login"]


async def test_the_cookie_holds_only_a_random_id_kept_hashed_on_the_server(
    store: Store, content: Content
):
    make_user(store, "lan@phuong.vn")
    async with office_app(store, content) as (base, _clock), browser(base) as b:
        answer = await b.login("lan@phuong.vn")
        assert answer.status == 303
        cookie = b.cookie("office_session")
        set_cookie = answer.headers["Set-Cookie"]
        assert "HttpOnly" in set_cookie and "SameSite=Lax" in set_cookie
        assert "Secure" not in set_cookie  # served over http here
        assert "Path=/office" in set_cookie
    with store.transaction() as tx:
        stored = tx.conn.execute(select(office_session_t.c.id_hash)).scalars().all()
    assert stored == [office.digest(cookie.value)]
    assert cookie.value not in stored


async def test_cookies_are_secure_when_the_service_is_reached_over_https(
    store: Store, content: Content
):
    make_user(store, "lan@phuong.vn")
    settings = Settings.defaults(hiendien_public_url="https://hiendien.kienan.example")
    async with office_app(store, content, settings=settings) as (base, _), browser(base) as b:
        answer = await b.get("/office/login")
        assert "Secure" in answer.headers["Set-Cookie"]


async def test_a_wrong_password_and_an_unknown_account_get_the_same_answer(
    store: Store, content: Content
):
    make_user(store, "lan@phuong.vn")
    async with office_app(store, content) as (base, _clock), browser(base) as b:
        wrong = await b.login("lan@phuong.vn", "not the password at all")
        nobody = await b.login("ai.do@phuong.vn", "not the password at all")
        assert wrong.status == nobody.status == 401
        said = "Email, mật khẩu hoặc mã xác thực không đúng."
        assert said in wrong.text and said in nobody.text
        assert (await b.get("/office/")).status == 303
    assert audit_actions(store) == ["login_failed", "login_failed"]


async def test_five_failures_lock_the_account_for_fifteen_minutes(store: Store, content: Content):
    make_user(store, "lan@phuong.vn")
    async with office_app(store, content) as (base, clock), browser(base) as b:
        for _ in range(4):
            assert (await b.login("lan@phuong.vn", "wrong password 123")).status == 401
        fifth = await b.login("lan@phuong.vn", "wrong password 123")
        assert "Tài khoản tạm khoá 15 phút" in fifth.text
        right_but_locked = await b.login("lan@phuong.vn")
        assert right_but_locked.status == 401 and "tạm khoá" in right_but_locked.text
        clock.advance(minutes=14)
        assert (await b.login("lan@phuong.vn")).status == 401
        clock.advance(minutes=1, seconds=1)
        assert (await b.login("lan@phuong.vn")).status == 303
    assert audit_actions(store).count("login_locked") == 1


async def test_one_address_with_many_failures_waits_whatever_account_it_tries(
    store: Store, content: Content
):
    make_user(store, "lan@phuong.vn")
    async with office_app(store, content) as (base, clock), browser(base) as b:
        for n in range(office.IP_LIMIT):
            await b.login(f"thu{n}@phuong.vn", "guessing password 1")
        refused = await b.login("lan@phuong.vn")
        assert refused.status == 429 and "15 phút" in refused.text
        clock.advance(minutes=16)
        assert (await b.login("lan@phuong.vn")).status == 303


async def test_every_form_needs_its_csrf_token(store: Store, content: Content):
    make_user(store, "lan@phuong.vn")
    async with office_app(store, content) as (base, _clock), browser(base) as b:
        await b.get("/office/login")
        no_token = await b.post(
            "/office/login", {"email": "lan@phuong.vn", "password": PASSWORD}, csrf=False
        )
        assert no_token.status == 403
        wrong = await b.post(
            "/office/login", {"csrf": "x" * 43, "email": "lan@phuong.vn", "password": PASSWORD}
        )
        assert wrong.status == 403
        assert (await b.login("lan@phuong.vn")).status == 303
        await b.get("/office/users")
        form = {"email": "hoa@phuong.vn", "name": "Hoa", "role": "admin", "team": ""}
        assert (await b.post("/office/users", form, csrf=False)).status == 403
        assert (await b.post("/office/logout", {}, csrf=False)).status == 403
        assert (await b.get("/office/")).status == 200  # still signed in
        assert (await b.post("/office/users", form)).status == 200


async def test_sign_out_deletes_the_session(store: Store, content: Content):
    make_user(store, "lan@phuong.vn")
    async with office_app(store, content) as (base, _clock), browser(base) as b:
        await b.login("lan@phuong.vn")
        kept = b.cookie("office_session").value
        await b.get("/office/")
        out = await b.post("/office/logout", {})
        assert out.status == 303 and out.location == "/office/login?ok=logged_out"
        assert "Bạn đã đăng xuất." in (await b.get(out.location)).text
        b.session.cookie_jar.update_cookies({"office_session": kept})
        assert (await b.get("/office/")).status == 303  # the old id opens nothing
    with store.transaction() as tx:
        assert tx.conn.execute(select(func.count()).select_from(office_session_t)).scalar() == 0


async def test_a_session_idle_for_eight_hours_ends_and_use_keeps_it_alive(
    store: Store, content: Content
):
    make_user(store, "lan@phuong.vn")
    async with office_app(store, content) as (base, clock), browser(base) as b:
        await b.login("lan@phuong.vn")
        clock.advance(hours=7, minutes=59)
        assert (await b.get("/office/")).status == 200
        clock.advance(hours=7, minutes=59)
        assert (await b.get("/office/")).status == 200
        clock.advance(hours=8)
        assert (await b.get("/office/")).status == 303


async def test_the_one_time_link_sets_a_password_once(store: Store, content: Content):
    with store.transaction() as tx:
        _user, token = office.add_user(tx, "hoa@phuong.vn", "Trần Thị Hoa", "admin", None)
    async with office_app(store, content) as (base, _clock), browser(base) as b:
        form = await b.get(f"/office/password/{token}")
        assert form.status == 200 and "Trần Thị Hoa" in form.text
        short = await b.post(f"/office/password/{token}", {"password": "ngan", "again": "ngan"})
        assert short.status == 400 and "ít nhất 10 ký tự" in short.text
        common = await b.post(
            f"/office/password/{token}", {"password": "1234567890", "again": "1234567890"}
        )
        assert "quá phổ biến" in common.text
        differ = await b.post(
            f"/office/password/{token}", {"password": PASSWORD, "again": PASSWORD + "!"}
        )
        assert "không giống nhau" in differ.text
        done = await b.post(f"/office/password/{token}", {"password": PASSWORD, "again": PASSWORD})
        assert done.status == 303 and done.location == "/office/login?ok=password_set"
        again = await b.get(f"/office/password/{token}")
        assert again.status == 404 and "đã hết hạn hoặc đã được dùng" in again.text
        assert (await b.login("hoa@phuong.vn")).status == 303
    with store.transaction() as tx:
        stored = tx.conn.execute(select(office_user_t.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2") and PASSWORD not in stored


async def test_a_link_expires_after_a_day(store: Store, content: Content):
    async with office_app(store, content) as (base, clock), browser(base) as b:
        with store.transaction() as tx:
            _user, token = office.add_user(tx, "hoa@phuong.vn", "Hoa", "admin", None, clock())
        clock.advance(hours=23, minutes=59)
        assert (await b.get(f"/office/password/{token}")).status == 200
        clock.advance(minutes=2)
        assert (await b.get(f"/office/password/{token}")).status == 404


async def test_an_admin_turns_on_a_second_factor_and_then_needs_it(store: Store, content: Content):
    make_user(store, "lan@phuong.vn")
    async with office_app(store, content) as (base, _clock), browser(base) as b:
        await b.login("lan@phuong.vn")
        page = await b.get("/office/account")
        secret = page.text.split('name="secret" value="')[1].split('"')[0]
        wrong = await b.post(
            "/office/account/totp", {"action": "on", "secret": secret, "code": "000000"}
        )
        assert wrong.location == "/office/account?problem=code"
        code = pyotp.TOTP(secret).now()
        on = await b.post("/office/account/totp", {"action": "on", "secret": secret, "code": code})
        assert on.location == "/office/account?ok=totp_on"
        await b.get("/office/")
        await b.post("/office/logout", {})
        assert (await b.login("lan@phuong.vn")).status == 401  # the password alone
        assert (await b.login("lan@phuong.vn", code=pyotp.TOTP(secret).now())).status == 303
    assert "totp_on" in audit_actions(store)


@pytest.mark.parametrize(
    ("role", "page", "status"),
    [
        ("member", "/office/users", 403),
        ("member", "/office/audit", 403),
        ("leader", "/office/users", 403),
        ("leader", "/office/audit", 403),
        ("admin", "/office/users", 200),
        ("admin", "/office/audit", 200),
        ("member", "/office/", 200),
        ("member", "/office/account", 200),
    ],
)
async def test_pages_admit_only_their_roles(
    store: Store, content: Content, role: str, page: str, status: int
):
    make_user(store, "x@phuong.vn", role, None if role == "admin" else "Tổ 1")
    async with office_app(store, content) as (base, _clock), browser(base) as b:
        await b.login("x@phuong.vn")
        answer = await b.get(page)
        assert answer.status == status
        if status == 403:
            assert "Không có quyền" in answer.text


async def test_a_member_cannot_add_an_account_even_with_a_valid_token(
    store: Store, content: Content
):
    make_user(store, "x@phuong.vn", "member", "Tổ 1")
    async with office_app(store, content) as (base, _clock), browser(base) as b:
        await b.login("x@phuong.vn")
        await b.get("/office/")
        form = {"email": "y@phuong.vn", "name": "Y", "role": "admin", "team": ""}
        assert (await b.post("/office/users", form)).status == 403
    with store.transaction() as tx:
        assert office.user_by_email(tx, "y@phuong.vn") is None


async def test_after_sign_in_only_an_office_page_is_a_destination(store: Store, content: Content):
    make_user(store, "lan@phuong.vn")
    async with office_app(store, content) as (base, _clock), browser(base) as b:
        await b.get("/office/login")
        for target in (
            "https://evil.example/",
            "//evil.example/office/",
            "/api/chat",
            "/office\\x",
        ):
            answer = await b.post(
                "/office/login", {"email": "lan@phuong.vn", "password": PASSWORD, "next": target}
            )
            assert answer.location == "/office/"
            await b.get("/office/")
            await b.post("/office/logout", {})
            await b.get("/office/login")


async def test_office_pages_carry_their_headers(store: Store, content: Content):
    async with office_app(store, content) as (base, _clock), browser(base) as b:
        for path in ("/office/login", "/office/nothing-here"):
            answer = await b.get(path)
            csp = answer.headers["Content-Security-Policy"]
            assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
            assert "unsafe-inline" not in csp
            assert answer.headers["X-Content-Type-Options"] == "nosniff"
            assert answer.headers["X-Frame-Options"] == "DENY"
            assert answer.headers["Referrer-Policy"]
        assert (await b.get("/office/nothing-here")).status == 404
        css = await b.get_bytes("/office/static/office.css")
        assert css[0] == 200 and css[2]["Content-Type"].startswith("text/css")
        assert (await b.get_bytes("/office/static/login.html"))[0] == 404


async def test_text_people_typed_is_shown_as_text(store: Store, content: Content):
    make_user(store, "lan@phuong.vn")
    make_user(store, "x@phuong.vn", name="<script>alert(1)</script>")
    async with office_app(store, content) as (base, _clock), browser(base) as b:
        await b.login("lan@phuong.vn")
        page = await b.get("/office/users")
        assert "<script>alert(1)</script>" not in page.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


async def test_the_pages_speak_english_when_asked(store: Store, content: Content):
    async with office_app(store, content) as (base, _clock), browser(base) as b:
        switched = await b.get("/office/lang?to=en&next=/office/login")
        assert switched.location == "/office/login"
        assert "Sign in" in (await b.get("/office/login")).text


async def test_the_retention_schedule_forgets_idle_sessions(store: Store, content: Content):
    from bot.maintenance import purge_once
    from tests.support import TODAY

    make_user(store, "lan@phuong.vn")
    async with office_app(store, content) as (base, clock), browser(base) as b:
        await b.login("lan@phuong.vn")
    with store.transaction() as tx:
        assert office.prune_sessions(tx, clock() + office.IDLE_TIMEOUT / 2) == 0
    with store.transaction() as tx:
        tx.conn.execute(
            office_session_t.update().values(last_seen_at=clock() - office.IDLE_TIMEOUT)
        )
    assert purge_once(store, content, TODAY)["office_sessions"] == 1
