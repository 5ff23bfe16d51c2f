"""Signing in and out of the ward office, setting a password through a one-time link, the
optional second factor (TOTP) and the language of the pages.

Five failed sign-ins in a row lock an account for 15 minutes; an address with twenty failed
sign-ins within 15 minutes is refused for a while whatever account it tries. Every sign-in,
good or bad, goes to the audit log. An unknown e-mail is answered exactly like a wrong
password (and takes as long), so the page does not tell who has an account.

May import: bot.office (web, passwords), db, handlers.
"""

from __future__ import annotations

from typing import Any

import pyotp
import segno
from aiohttp import web

from bot.office import passwords
from bot.office.web import (
    COOKIE,
    LANG_COOKIE,
    PREFIX,
    anonymous_form,
    client_ip,
    of,
    page,
    posted,
    record,
    safe_next,
    set_cookie,
    signed_in,
    staff,
)
from db import audit, office
from handlers.types import LANGUAGES

TOTP_ISSUER = "hiendien"


def totp_ok(secret: str | None, code: str) -> bool:
    code = "".join(ch for ch in code if ch.isdigit())
    return bool(secret) and len(code) == 6 and pyotp.TOTP(str(secret)).verify(code, valid_window=1)


async def login_page(request: web.Request) -> web.StreamResponse:
    who = await signed_in(request)
    target = safe_next(request.query.get("next"))
    if who is not None:
        raise web.HTTPSeeOther(target)
    return page(request, "login.html", next=target, email="", problem="")


async def login(request: web.Request) -> web.StreamResponse:
    data = await anonymous_form(request)
    ctx = of(request)
    email = str(data.get("email", "")).strip().lower()[:254]
    password = str(data.get("password", ""))[: passwords.MAX_LENGTH + 1]
    code = str(data.get("code", ""))
    target = safe_next(str(data.get("next", "")))
    ip = client_ip(request)
    now = ctx.clock()

    def check_address() -> bool:
        with ctx.store.transaction() as tx:
            return ip is not None and office.failures_from(tx, ip, now) >= office.IP_LIMIT

    if await ctx.store.run(check_address):
        return page(request, "login.html", status=429, next=target, email=email, problem="busy")

    def find() -> dict[str, Any] | None:
        with ctx.store.transaction() as tx:
            return office.user_by_email(tx, email)

    user = await ctx.store.run(find)
    # the hash is checked whatever happens, so every answer takes as long
    good = passwords.verify(user["password_hash"] if user else None, password)
    usable = user is not None and user["active"]
    is_locked = usable and user is not None and office.locked(user, now)
    if usable and good and not is_locked and user is not None and user["totp_secret"]:
        good = totp_ok(user["totp_secret"], code)

    if not usable or not good or is_locked:

        def fail() -> bool:
            with ctx.store.transaction() as tx:
                locks = False
                if usable and user is not None and not is_locked:
                    locks = office.failed_login(tx, user["id"], now)
                audit.record(
                    tx,
                    "login_failed",
                    email if usable else "?",
                    actor_user_id=user["id"] if usable and user else None,
                    detail={"locked": True} if is_locked else None,
                    ip=ip,
                    at=now,
                )
                if locks and user is not None:
                    audit.record(tx, "login_locked", email, actor_user_id=user["id"], ip=ip, at=now)
                return locks

        now_locked = await ctx.store.run(fail)
        problem = "locked" if (is_locked or now_locked) else "wrong"
        return page(request, "login.html", status=401, next=target, email=email, problem=problem)

    assert user is not None

    def open_() -> str:
        with ctx.store.transaction() as tx:
            session_id, _csrf = office.open_session(tx, user["id"], ip, now)
            audit.record(tx, "login", email, actor_user_id=user["id"], ip=ip, at=now)
            return session_id

    session_id = await ctx.store.run(open_)
    response = web.HTTPSeeOther(target)
    set_cookie(response, ctx, COOKIE, session_id)
    raise response


async def logout(request: web.Request) -> web.StreamResponse:
    who, _data = await posted(request)
    ctx = of(request)
    session_id = request.cookies.get(COOKIE, "")

    def close() -> None:
        with ctx.store.transaction() as tx:
            office.close_session(tx, session_id)
            record(tx, request, who, "logout")

    await ctx.store.run(close)
    response = web.HTTPSeeOther(f"{PREFIX}/login?ok=logged_out")
    response.del_cookie(COOKIE, path=PREFIX)
    raise response


async def password_page(request: web.Request) -> web.StreamResponse:
    ctx = of(request)
    token = request.match_info["token"]

    def find() -> dict[str, Any] | None:
        with ctx.store.transaction() as tx:
            return office.user_for_link(tx, token, ctx.clock())

    user = await ctx.store.run(find)
    if user is None:
        return page(request, "password.html", status=404, user=None, problem="link")
    return page(request, "password.html", user=user, problem="")


async def set_password(request: web.Request) -> web.StreamResponse:
    data = await anonymous_form(request)
    ctx = of(request)
    token = request.match_info["token"]
    now = ctx.clock()
    password = str(data.get("password", ""))
    again = str(data.get("again", ""))

    def find() -> dict[str, Any] | None:
        with ctx.store.transaction() as tx:
            return office.user_for_link(tx, token, now)

    user = await ctx.store.run(find)
    if user is None:
        return page(request, "password.html", status=404, user=None, problem="link")
    problem = passwords.problem(password, user["email"])
    if problem is None and password != again:
        problem = "mismatch"
    if problem:
        return page(request, "password.html", status=400, user=user, problem=problem)
    hashed = passwords.hash_password(password)

    def store_it() -> bool:
        with ctx.store.transaction() as tx:
            if office.user_for_link(tx, token, now) is None:  # used meanwhile
                return False
            office.set_password(tx, user["id"], hashed)
            audit.record(
                tx, "password_set", user["email"], actor_user_id=user["id"], ip=client_ip(request)
            )
            return True

    if not await ctx.store.run(store_it):
        return page(request, "password.html", status=404, user=None, problem="link")
    raise web.HTTPSeeOther(f"{PREFIX}/login?ok=password_set")


def _totp_qr(uri: str) -> str:
    return str(segno.make(uri, error="m").svg_data_uri(scale=4))


async def account(request: web.Request) -> web.StreamResponse:
    who = await staff(request)
    params: dict[str, Any] = {"problem": request.query.get("problem", "")}
    if who.admin and not who.totp:
        secret = pyotp.random_base32()
        uri = pyotp.TOTP(secret).provisioning_uri(name=who.email, issuer_name=TOTP_ISSUER)
        params.update(secret=secret, qr=_totp_qr(uri))
    return page(request, "account.html", who, **params)


async def totp(request: web.Request) -> web.StreamResponse:
    who, data = await posted(request, "admin")
    ctx = of(request)
    code = str(data.get("code", ""))
    turn_on = data.get("action") == "on"
    if turn_on:
        secret = str(data.get("secret", ""))
        if not totp_ok(secret, code):
            raise web.HTTPSeeOther(f"{PREFIX}/account?problem=code")
    else:

        def current() -> str | None:
            with ctx.store.transaction() as tx:
                user = office.user_by_id(tx, who.user_id)
                return user["totp_secret"] if user else None

        if not totp_ok(await ctx.store.run(current), code):
            raise web.HTTPSeeOther(f"{PREFIX}/account?problem=code")
        secret = ""

    def save() -> None:
        with ctx.store.transaction() as tx:
            office.set_totp(tx, who.user_id, secret or None)
            record(tx, request, who, "totp_on" if turn_on else "totp_off")

    await ctx.store.run(save)
    raise web.HTTPSeeOther(f"{PREFIX}/account?ok={'totp_on' if turn_on else 'totp_off'}")


async def choose_language(request: web.Request) -> web.StreamResponse:
    """``/office/lang?to=en&next=…``: the pages in that language (kept in a cookie)."""
    lang = request.query.get("to", "")
    target = safe_next(request.query.get("next"))
    response = web.HTTPSeeOther(target)
    if lang in LANGUAGES:
        set_cookie(response, of(request), LANG_COOKIE, lang, max_age=365 * 24 * 3600)
    raise response


ROUTES = [
    web.get(f"{PREFIX}/login", login_page),
    web.post(f"{PREFIX}/login", login),
    web.post(f"{PREFIX}/logout", logout),
    web.get(PREFIX + "/password/{token}", password_page),
    web.post(PREFIX + "/password/{token}", set_password),
    web.get(f"{PREFIX}/account", account),
    web.post(f"{PREFIX}/account/totp", totp),
    web.get(f"{PREFIX}/lang", choose_language),
]
