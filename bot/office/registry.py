"""``/office/registry``: the business registry (enterprises and household businesses from
Phòng Kinh tế, Hạ tầng và Đô thị). Admins see every business, upload a new list and download
the proposal list; leaders see, read-only, the businesses of the tổ dân phố their team
serves; members may not open it (403).

The list: search by name (without case or diacritics) or tax code, filters (kind, eligible
today — decided by handlers.rules through db.registry —, tổ dân phố, registered on biz.vn),
pages of :data:`PER_PAGE`.

The upload is a dry run first: ``POST /office/registry/check`` (multipart, at most
:data:`MAX_UPLOAD` bytes; a larger file gets a friendly answer) shows what the import would
do — rows accepted, updated and refused with their numbers and reasons — and keeps the file
in memory under a random token, bound to the staff member who sent it, for
:data:`PENDING_MINUTES` minutes. "Nhập vào danh sách" (``POST /office/registry/apply``) runs
the import on those same bytes, for real, in one transaction. Why in memory: the list holds
household owners' phone numbers, so it is never written to disk and is gone once applied,
expired or the server restarts (then the page asks for the file again); asking staff to pick
the file a second time on a phone would be clumsy and could import a different file than the
one checked. The apply step checks the file afresh (the registry may have changed since).

``GET /office/registry/proposal.xlsx?on=YYYY-MM-DD``: the proposal list (bot.registry),
recorded in the audit log as an export.

May import: bot.office.web, bot.registry, db, handlers.
"""

from __future__ import annotations

import hmac
import io
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from aiohttp import BodyPartReader, web
from sqlalchemy.exc import IntegrityError

from bot.office.web import (
    BROKEN_BODY,
    PREFIX,
    Staff,
    client_ip,
    language,
    of,
    page,
    posted,
    staff,
    whole_number,
)
from bot.registry import bad_file_words, row_notes, row_reasons, write_proposal
from db import registry, team
from db.registry_import import BadFile, ImportResult, import_table, read_table
from handlers.phones import national
from handlers.text import fold

HOME = PREFIX + "/registry"
PER_PAGE = 50
MAX_UPLOAD = 5 * 1024 * 1024  # bytes: a ward's list is far smaller
DRAIN_LIMIT = 50 * 1024 * 1024  # a larger body is not even read to the end
PENDING_MINUTES = 30
PENDING_MAX = 20  # files waiting for their confirmation, across all staff
CHUNK = 64 * 1024
YES_NO = {"yes": True, "no": False}


# --- files waiting for "Nhập vào danh sách" -------------------------------------------------


@dataclass(frozen=True)
class Pending:
    user_id: int
    filename: str
    data: bytes
    expires_at: datetime


class Uploads:
    """Checked files waiting for their confirmation, in memory only: one per staff member
    (a new upload replaces theirs), each for :data:`PENDING_MINUTES` minutes."""

    def __init__(self) -> None:
        self.files: dict[str, Pending] = {}

    def keep(self, user_id: int, filename: str, data: bytes, now: datetime) -> str:
        self.files = {
            t: p for t, p in self.files.items() if p.user_id != user_id and p.expires_at > now
        }
        while len(self.files) >= PENDING_MAX:
            self.files.pop(min(self.files, key=lambda t: self.files[t].expires_at))
        token = secrets.token_urlsafe(24)
        expires = now + timedelta(minutes=PENDING_MINUTES)
        self.files[token] = Pending(user_id, filename, data, expires)
        return token

    def take(self, token: str, user_id: int, now: datetime) -> Pending | None:
        """The file kept under ``token`` for this staff member (then forgotten), or None."""
        for known in list(self.files):
            if hmac.compare_digest(known, token):
                found = self.files[known]
                if found.user_id != user_id:
                    return None
                del self.files[known]
                return found if found.expires_at > now else None
        return None


UPLOADS = web.AppKey("registry_uploads", Uploads)


def install(app: web.Application) -> None:
    app[UPLOADS] = Uploads()


# --- the list ---------------------------------------------------------------------------------


def _filters(request: web.Request, who: Staff) -> tuple[registry.Filters, dict[str, str]]:
    query = request.query
    kind = query.get("kind") if query.get("kind") in registry.KINDS else None
    eligible = YES_NO.get(query.get("eligible", ""))
    registered = YES_NO.get(query.get("registered", ""))
    area = query.get("area", "").strip()[:100] or None
    text = query.get("q", "").strip()[:100]
    team_id = None if who.admin else (who.team_id if who.team_id is not None else -1)
    chosen = registry.Filters(text, kind, eligible, area, registered, team_id)
    keep = {k: query[k] for k in ("q", "kind", "eligible", "area", "registered") if query.get(k)}
    return chosen, keep


async def _listing(
    request: web.Request, who: Staff, *, problem: str = "", status: int = 200
) -> web.Response:
    ctx = of(request)
    chosen, keep = _filters(request, who)
    on = ctx.today()
    known = tuple(ctx.content.ward.areas)

    def load() -> tuple[list[dict[str, Any]], list[str]]:
        with ctx.store.transaction() as tx:
            rows = registry.listing(tx, on, ctx.content.rules, chosen, known)
            if not who.admin:
                return rows, team.areas_of(tx, who.team_id) if who.team_id is not None else []
            present = registry.areas(tx)
        listed = {fold(a) for a in known}
        others = [a for a in present if fold(a) not in listed]
        return rows, [*known, *sorted(others, key=registry.area_order)]

    rows, areas = await ctx.store.run(load)
    pages = max(1, -(-len(rows) // PER_PAGE))
    number = min(max(1, whole_number(request.query.get("page")) or 1), pages)
    shown = rows[(number - 1) * PER_PAGE : number * PER_PAGE]
    for row in shown:
        row["phone_shown"] = national(row["phone"]) if row["phone"] else ""
        row["tax_code_shown"] = registry.shown(row["tax_code"])
    return page(
        request,
        "registry.html",
        who,
        rows=shown,
        total=len(rows),
        number=number,
        pages=pages,
        keep=keep,
        chosen=chosen,
        areas=areas,
        kinds=registry.KINDS,
        today=on,
        max_mb=MAX_UPLOAD // (1024 * 1024),
        problem=problem,
        status=status,
    )


async def list_page(request: web.Request) -> web.StreamResponse:
    who = await staff(request, "admin", "leader")
    return await _listing(request, who)


# --- the upload -------------------------------------------------------------------------------


class TooLarge(Exception):
    pass


async def _upload(request: web.Request, who: Staff) -> tuple[str, bytes]:
    """The file of the upload form (its CSRF token checked first: 403 without it), read in
    pieces up to :data:`MAX_UPLOAD` bytes. TooLarge beyond (the rest is read and dropped, so
    the browser gets the answer)."""
    if (request.content_length or 0) > DRAIN_LIMIT:
        raise TooLarge()
    try:
        reader = await request.multipart()
    except BROKEN_BODY as exc:  # not a multipart form
        raise web.HTTPBadRequest() from exc
    token_ok = False
    filename, data, too_large = "", bytearray(), False
    while True:
        try:
            part = await reader.next()
        except BROKEN_BODY as exc:  # a part that cannot be read
            raise web.HTTPBadRequest() from exc
        if part is None:
            break
        if not isinstance(part, BodyPartReader):
            continue
        name = part.name
        if name == "csrf":
            value = (await part.read(decode=True)).decode("utf-8", "replace")
            token_ok = hmac.compare_digest(value, who.csrf)
        elif name == "file":
            if not token_ok:
                raise web.HTTPForbidden()
            filename = part.filename or ""
            while chunk := await part.read_chunk(CHUNK):
                if len(data) + len(chunk) > MAX_UPLOAD:
                    too_large = True
                    data.clear()
                    continue  # read on, keep nothing
                if not too_large:
                    data.extend(chunk)
    if not token_ok:
        raise web.HTTPForbidden()
    if too_large:
        raise TooLarge()
    return filename, bytes(data)


def _shown(request: web.Request, who: Staff, result: ImportResult) -> dict[str, Any]:
    ctx = of(request)
    lang = language(request, who)
    rejected = [
        {"row": r.row, "name": r.name, "reasons": row_reasons(ctx.content, lang, r)}
        for r in result.rejected
    ]
    noted = [
        {"row": r.row, "name": r.name, "notes": row_notes(ctx.content, lang, r)}
        for r in result.noted
    ]
    changed = [
        {"row": r.row, "name": r.name, "outcome": r.outcome, "tax_code": r.tax_code}
        for r in result.rows
        if r.outcome in ("accepted", "updated")
    ]
    return {
        "counts": result.counts,
        "rejected": rejected,
        "noted": noted,
        "changed": changed,
        "table": result.table,
    }


def _today_and_areas(request: web.Request) -> dict[str, Any]:
    ctx = of(request)
    return {"today": ctx.today(), "areas": ctx.content.ward.areas}


async def check_upload(request: web.Request) -> web.StreamResponse:
    who = await staff(request, "admin")
    ctx = of(request)
    lang = language(request, who)
    try:
        filename, data = await _upload(request, who)
    except TooLarge:
        words = ctx.content.render(lang, "office_registry.too_large", mb=MAX_UPLOAD // 1024**2)
        return await _listing(request, who, problem=words, status=413)
    if not filename and not data:
        words = ctx.content.render(lang, "office_registry.no_file")
        return await _listing(request, who, problem=words, status=400)

    def dry_run() -> ImportResult:
        table = read_table(data, filename)
        with ctx.store.transaction() as tx:
            return import_table(tx, table, dry_run=True, **_today_and_areas(request))

    try:
        result = await ctx.store.run(dry_run)
    except BadFile as exc:
        problem = bad_file_words(ctx.content, lang, exc)
        return await _listing(request, who, problem=problem, status=400)
    token = request.app[UPLOADS].keep(who.user_id, filename, data, ctx.clock())
    return page(
        request,
        "registry_check.html",
        who,
        filename=filename,
        token=token,
        applied=False,
        minutes=PENDING_MINUTES,
        **_shown(request, who, result),
    )


async def apply_upload(request: web.Request) -> web.StreamResponse:
    who, data = await posted(request, "admin")
    ctx = of(request)
    lang = language(request, who)
    kept = request.app[UPLOADS].take(str(data.get("token", "")), who.user_id, ctx.clock())
    if kept is None:
        words = ctx.content.render(lang, "office_registry.expired", minutes=PENDING_MINUTES)
        return await _listing(request, who, problem=words, status=409)

    def apply() -> ImportResult:
        table = read_table(kept.data, kept.filename)
        with ctx.store.transaction() as tx:
            return import_table(
                tx,
                table,
                actor=who.email,
                actor_user_id=who.user_id,
                ip=client_ip(request),
                now=ctx.clock(),
                **_today_and_areas(request),
            )

    try:
        result = await ctx.store.run(apply)
    except BadFile as exc:
        problem = bad_file_words(ctx.content, lang, exc)
        return await _listing(request, who, problem=problem, status=400)
    except IntegrityError:
        problem = bad_file_words(ctx.content, lang, BadFile("conflict"))
        return await _listing(request, who, problem=problem, status=409)
    return page(
        request,
        "registry_check.html",
        who,
        filename=kept.filename,
        token="",
        applied=True,
        minutes=PENDING_MINUTES,
        **_shown(request, who, result),
    )


# --- the proposal list --------------------------------------------------------------------------


async def proposal(request: web.Request) -> web.StreamResponse:
    who = await staff(request, "admin")
    ctx = of(request)
    try:
        on = date.fromisoformat(request.query.get("on", "").strip())
    except ValueError:
        on = ctx.today()
    out = io.BytesIO()

    def write() -> int:
        with ctx.store.transaction() as tx:
            return write_proposal(
                tx,
                out,
                ctx.content,
                on,
                actor=who.email,
                actor_user_id=who.user_id,
                ip=client_ip(request),
                lang=language(request, who),
            )

    await ctx.store.run(write)
    name = f"de-xuat-tham-gia-chuong-trinh-{on.isoformat()}.xlsx"
    return web.Response(
        body=out.getvalue(),
        headers={
            "Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "Content-Disposition": f'attachment; filename="{name}"',
        },
    )


ROUTES = [
    web.get(HOME, list_page),
    web.post(HOME + "/check", check_upload),
    web.post(HOME + "/apply", apply_upload),
    web.get(HOME + "/proposal.xlsx", proposal),
]
