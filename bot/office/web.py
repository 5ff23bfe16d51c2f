"""The ward office's request plumbing, used by every office page: who is signed in
(:func:`staff`, which sends a stranger to the sign-in page and refuses a role that may not
come in), forms with their CSRF token checked (:func:`posted`), pages rendered from
content/pages/office/ in the staff member's language (:func:`page`), the audit helper, and
the middleware that gives every /office/ answer its headers and its error pages.

Roles are checked here, on the server, for every page and action: a page names the roles it
admits; an action on a record checks it through db.followup / db.team. 403 is a page a
role may not open; 404 is a record that does not exist *for this person* (another team's
lead looks exactly like a missing one).

May import: bot.settings, bot.clock, bot.headers, db, handlers.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from multidict import MultiDictProxy

from bot.headers import page_csp
from bot.settings import Settings
from db import audit, office
from db.store import Store, Tx
from handlers.content import Content, vn_date
from handlers.privacy import local_time
from handlers.text import whole_number as read_number
from handlers.types import DEFAULT_LANGUAGE, LANGUAGES

COOKIE = "office_session"  # the session's random id; nothing else
FORM_COOKIE = "office_form"  # the CSRF token of forms shown before signing in
LANG_COOKIE = "office_lang"
PREFIX = "/office"

CSP = page_csp()  # framed by nobody

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class Office:
    """What office pages work with: the database, the words, the settings, the clock, the
    channels that may write to a person first, and who to wake when a change queued
    notifications (the outbox dispatcher)."""

    store: Store
    content: Content
    settings: Settings
    clock: Callable[[], datetime]
    today: Callable[[], date]
    writes_first: frozenset[str] = frozenset()
    wakers: list[Callable[[], None]] = field(default_factory=list)

    @property
    def secure(self) -> bool:
        """Cookies only over https when the service is reached over https."""
        return (self.settings.hiendien_public_url or "").startswith("https://")

    def wake(self) -> None:
        for wake in self.wakers:
            wake()


OFFICE_KEY = web.AppKey("office", Office)


@dataclass(frozen=True)
class Staff:
    """The signed-in staff member of a request."""

    user_id: int
    email: str
    name: str
    role: str  # admin | leader | member
    team_id: int | None
    team: str | None
    lang: str
    csrf: str
    totp: bool  # a second factor is on

    @property
    def admin(self) -> bool:
        return self.role == "admin"


STAFF_KEY: web.RequestKey[Staff | None] = web.RequestKey("staff")
NEW_FORM_TOKEN = web.RequestKey("form_token", str)  # made for this answer: its cookie is set


def of(request: web.Request) -> Office:
    return request.app[OFFICE_KEY]


def client_ip(request: web.Request) -> str | None:
    return request.remote


def language(request: web.Request, staff: Staff | None = None) -> str:
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return staff.lang if staff and staff.lang in LANGUAGES else DEFAULT_LANGUAGE


async def signed_in(request: web.Request) -> Staff | None:
    """The staff member whose session cookie came with the request (checked once)."""
    if STAFF_KEY in request:
        return request[STAFF_KEY]
    session_id = request.cookies.get(COOKIE)
    found = None
    if session_id:
        ctx = of(request)

        def load() -> dict[str, Any] | None:
            with ctx.store.transaction() as tx:
                return office.session_user(tx, session_id, ctx.clock())

        user = await ctx.store.run(load)
        if user is not None:
            found = Staff(
                user["id"],
                user["email"],
                user["name"],
                user["role"],
                user["team_id"],
                user["team"],
                user["lang"],
                user["csrf"],
                bool(user["totp_secret"]),
            )
    request[STAFF_KEY] = found
    return found


async def staff(request: web.Request, *roles: str) -> Staff:
    """The signed-in staff member; a stranger goes to the sign-in page (and comes back
    after), a role not in ``roles`` (when given) gets 403."""
    who = await signed_in(request)
    if who is None:
        target = quote(request.path_qs, safe="/?=&")
        raise web.HTTPSeeOther(f"{PREFIX}/login?next={target}")
    if roles and who.role not in roles:
        raise web.HTTPForbidden()
    return who


BROKEN_BODY = (ValueError, UnicodeError, AssertionError, KeyError, HttpProcessingError)


async def form(request: web.Request) -> MultiDictProxy[Any]:
    """The form a request sent; 400 when its body cannot be read as one (a broken multipart
    body, a boundary that is not ASCII …)."""
    try:
        return await request.post()
    except BROKEN_BODY as exc:
        raise web.HTTPBadRequest(text="the form could not be read") from exc


async def posted(request: web.Request, *roles: str) -> tuple[Staff, MultiDictProxy[Any]]:
    """A form sent by a signed-in staff member, its CSRF token checked (403 without it)."""
    who = await staff(request, *roles)
    data = await form(request)
    if not hmac.compare_digest(str(data.get("csrf", "")), who.csrf):
        raise web.HTTPForbidden()
    return who, data


def form_token(request: web.Request) -> str:
    """The CSRF token for a form shown before signing in (kept in a cookie: the form must
    send back the same value). :func:`page` sets the cookie when it is new."""
    token = request.cookies.get(FORM_COOKIE) or request.get(NEW_FORM_TOKEN)
    if not token:
        token = request[NEW_FORM_TOKEN] = secrets.token_urlsafe(32)
    return token


async def anonymous_form(request: web.Request) -> MultiDictProxy[Any]:
    """A form sent before signing in, its CSRF token checked against the cookie (403)."""
    data = await form(request)
    cookie = request.cookies.get(FORM_COOKIE, "")
    if not cookie or not hmac.compare_digest(str(data.get("csrf", "")), cookie):
        raise web.HTTPForbidden()
    return data


def typed(data: Mapping[str, Any], *names: str) -> dict[str, str]:
    """The named fields of a form, as typed (stripped; "" when absent): to show back."""
    return {name: str(data.get(name, "")).strip() for name in names}


def whole_number(value: Any) -> int | None:
    """A form's or a query's whole number (an id, a page), or None for anything else."""
    return read_number(str(value or ""))


def safe_next(value: str | None) -> str:
    """Where to go after signing in: only a page of the office."""
    unsafe = not value or any(ch in value for ch in "\\\r\n") or value.startswith("//")
    return PREFIX + "/" if unsafe or not str(value).startswith(PREFIX + "/") else str(value)


def translator(content: Content, lang: str) -> Callable[..., str]:
    def t(key: str, **params: Any) -> str:
        return content.render(lang, key, **params)

    return t


def has_text(content: Content, lang: str, key: str) -> bool:
    env = content.chat.get(lang) or content.chat[DEFAULT_LANGUAGE]
    try:
        env.get_template(key)
    except Exception:  # jinja2.TemplateNotFound
        return False
    return True


NAV = (  # (path, words, roles that see it)
    ("/office/", "office.nav.home", ("admin", "leader", "member")),
    ("/office/leads", "office.nav.leads", ("admin", "leader", "member")),
    ("/office/teams", "office.nav.teams", ("admin", "leader")),
    ("/office/sources", "office.nav.sources", ("admin",)),
    ("/office/plan", "office.nav.plan", ("admin", "leader")),
    ("/office/reports", "office.nav.reports", ("admin", "leader")),
    ("/office/registry", "office.nav.registry", ("admin", "leader")),
    ("/office/schools", "office.nav.schools", ("admin", "leader")),
    ("/office/registrations", "office.nav.registrations", ("admin", "leader")),
    ("/office/training", "office.nav.training", ("admin", "leader", "member")),
    ("/office/users", "office.nav.users", ("admin",)),
    ("/office/audit", "office.nav.audit", ("admin",)),
)


def page(
    request: web.Request,
    template: str,
    staff: Staff | None = None,
    *,
    status: int = 200,
    **params: Any,
) -> web.Response:
    """The page ``office/<template>`` in the staff member's language. Every template sees
    ``t`` (the words), ``csrf``, ``staff``, ``nav``, ``lang``, ``path``, ``flash`` (a
    known ``?ok=`` message) and the filters ``vndate`` and ``vntime``."""
    ctx = of(request)
    lang = language(request, staff)
    env = ctx.content.pages
    t = translator(ctx.content, lang)
    flash_key = "office.flash." + request.query.get("ok", "")
    flash = (
        t(flash_key) if request.query.get("ok") and has_text(ctx.content, lang, flash_key) else ""
    )
    nav = [(path, t(words)) for path, words, roles in NAV if staff and staff.role in roles]
    html = env.get_template(f"office/{template}").render(
        t=t,
        csrf=staff.csrf if staff else form_token(request),
        staff=staff,
        nav=nav,
        lang=lang,
        path=request.path,
        flash=flash,
        vndate=vn_date,
        vntime=local_time,
        **params,
    )
    response = web.Response(text=html, content_type="text/html", charset="utf-8", status=status)
    if NEW_FORM_TOKEN in request:
        set_cookie(response, ctx, FORM_COOKIE, request[NEW_FORM_TOKEN])
    return response


def set_cookie(response: web.StreamResponse, ctx: Office, name: str, value: str, **kw: Any) -> None:
    response.set_cookie(
        name, value, httponly=True, samesite="Lax", secure=ctx.secure, **{"path": PREFIX, **kw}
    )


def record(
    tx: Tx,
    request: web.Request,
    who: Staff | None,
    action: str,
    *,
    actor: str | None = None,
    target: str | None = None,
    detail: Mapping[str, Any] | None = None,
) -> None:
    """Append to the audit log, as the signed-in staff member (or ``actor``), with the
    request's address."""
    audit.record(
        tx,
        action,
        actor or (who.email if who else "?"),
        actor_user_id=who.user_id if who else None,
        target=target,
        detail=detail,
        ip=client_ip(request),
    )


ERRORS = {403: "forbidden", 404: "not_found", 429: "too_many"}


@web.middleware
async def office_pages(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every /office/ answer: its security headers, and 403/404/429 as pages in the staff
    member's language."""
    if not request.path.startswith(PREFIX):
        return await handler(request)
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        if exc.status not in ERRORS:
            raise
        who = await signed_in(request)
        response = page(request, "error.html", who, status=exc.status, problem=ERRORS[exc.status])
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers.setdefault("Cache-Control", "no-store")
    return response
