"""``/office/sources``: campaign sources, for admins only — the list with each source's
funnel (conversations → verdicts → eligible → leads → registered) over an optional period,
the codes residents came with that are no source yet and those who came with none; adding a
source, renaming it or changing its organisation, archiving it; and a source's page
``/office/sources/{code}`` with its link on every channel (bot.sources), their QR codes
(shown, and downloaded as SVG or PNG at ``/office/sources/{code}/qr.svg|png?channel=…``),
the printable A5 poster (``/office/sources/{code}/poster``, bot.posters) and its funnel.
The same as ``hiendien sources`` on the command line.

Every change goes through db.sources, which writes it to the audit log (``source_changed``)
as the signed-in staff member. A source's links are worked out off the event loop: the
Telegram link may have to ask the Bot API for the bot's username.

May import: bot.channels.registry, bot.office.web, bot.posters, bot.qr, bot.sources, db,
handlers.
"""

from __future__ import annotations

import asyncio
import base64
from datetime import date
from typing import Any

from aiohttp import web
from multidict import MultiMapping

from bot import qr
from bot.channels.registry import CHANNELS
from bot.office.web import (
    PREFIX,
    Office,
    Staff,
    client_ip,
    language,
    of,
    page,
    posted,
    staff,
)
from bot.posters import NoPrintableLink, poster_html
from bot.sources import SourceLink, find, links, organisation
from db import sources
from db.sources import SourceError

HOME = PREFIX + "/sources"
CODE = "{code:[A-Za-z0-9_-]{1,64}}"  # what db.sources takes (any case); others: no such page
FORMATS = {"svg": "image/svg+xml", "png": "image/png"}
DONE = (  # ?done=… after a change: the words office_sources.done.<key>
    "added",
    "changed",
    "unchanged",
    "archived",
    "already_archived",
    "unarchived",
    "not_archived",
)


# --- helpers -------------------------------------------------------------------------------


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def period_of(query: MultiMapping[str]) -> dict[str, Any]:
    """The period asked for (``from``/``to``, days as <input type=date> sends them; a value
    that is no day is ignored), with what to keep in links."""
    since, until = _day(query.get("from", "")), _day(query.get("to", ""))
    keep = {k: v.isoformat() for k, v in (("from", since), ("to", until)) if v is not None}
    return {"since": since, "until": until, "keep": keep}


def error_words(ctx: Office, lang: str, error: SourceError) -> str:
    return ctx.content.render(lang, "sources.error." + error.key, **error.params)


async def source_links(ctx: Office, code: str, lang: str) -> list[SourceLink]:
    """The source's links on every channel that has them. Off the event loop: without
    TELEGRAM_BOT_USERNAME the Telegram link may ask the Bot API (up to 10 seconds)."""
    return await asyncio.to_thread(links, ctx.settings, CHANNELS, ctx.content, code, lang)


def data_uri(url: str) -> str:
    """The QR code of ``url`` as an image the page shows (the office's CSP allows data:)."""
    return "data:image/svg+xml;base64," + base64.b64encode(qr.svg(url)).decode("ascii")


def _actor(request: web.Request, who: Staff) -> dict[str, Any]:
    return {"actor": who.email, "actor_user_id": who.user_id, "ip": client_ip(request)}


async def _source_or_404(ctx: Office, code: str) -> dict[str, Any]:
    def load() -> dict[str, Any] | None:
        with ctx.store.transaction() as tx:
            return sources.get(tx, code)

    found = await ctx.store.run(load)
    if found is None:
        raise web.HTTPNotFound()
    return found


def _done(request: web.Request) -> str:
    done = request.query.get("done", "")
    return done if done in DONE else ""


# --- the list --------------------------------------------------------------------------------


async def _listing(
    request: web.Request,
    who: Staff,
    *,
    status: int = 200,
    problem: str = "",
    given: dict[str, str] | None = None,
) -> web.Response:
    ctx = of(request)
    period = period_of(request.query)
    since, until = period["since"], period["until"]
    archived = request.query.get("archived") == "1"

    def load() -> dict[str, Any]:
        with ctx.store.transaction() as tx:
            rows = sources.listing(tx, archived=archived, since=since, until=until)
            others = sources.unlisted(tx, since=since, until=until)
            total = sources.funnel(tx, None, since=since, until=until)
        unlisted = sorted((c, f) for c, f in others.items() if c is not None)
        return {"rows": rows, "unlisted": unlisted, "nocode": others.get(None), "total": total}

    found = await ctx.store.run(load)
    if given is None:
        given = {"code": request.query.get("add", "")[:64], "name": "", "organisation": ""}
    return page(
        request,
        "sources.html",
        who,
        status=status,
        **found,
        period=period,
        archived=archived,
        steps=sources.STEPS,
        organisations=ctx.content.ward.source_organisations,
        problem=problem,
        given=given,
        done=_done(request),
    )


async def list_page(request: web.Request) -> web.StreamResponse:
    who = await staff(request, "admin")
    return await _listing(request, who)


async def add_source(request: web.Request) -> web.StreamResponse:
    who, data = await posted(request, "admin")
    ctx = of(request)
    given = {k: str(data.get(k, "")) for k in ("code", "name", "organisation")}
    typed = organisation(ctx.content, given["organisation"])

    def add() -> dict[str, Any]:
        with ctx.store.transaction() as tx:
            return sources.add(tx, given["code"], given["name"], typed, **_actor(request, who))

    try:
        added = await ctx.store.run(add)
    except SourceError as exc:
        words = error_words(ctx, language(request, who), exc)
        return await _listing(request, who, status=400, problem=words, given=given)
    raise web.HTTPSeeOther(f"{HOME}/{added['code']}?done=added")


# --- one source ------------------------------------------------------------------------------


async def _source_page(
    request: web.Request,
    who: Staff,
    code: str,
    *,
    status: int = 200,
    problem: str = "",
    given: dict[str, str] | None = None,
) -> web.Response:
    ctx = of(request)
    lang = language(request, who)
    period = period_of(request.query)

    def load() -> tuple[dict[str, Any], sources.Funnel] | None:
        with ctx.store.transaction() as tx:
            source = sources.get(tx, code)
            if source is None:
                return None
            since, until = period["since"], period["until"]
            return source, sources.funnel(tx, source["code"], since=since, until=until)

    found = await ctx.store.run(load)
    if found is None:
        raise web.HTTPNotFound()
    source, funnel = found
    shown = [
        {"link": link, "qr": data_uri(link.url) if link.printable and link.url else None}
        for link in await source_links(ctx, source["code"], lang)
    ]
    return page(
        request,
        "source.html",
        who,
        status=status,
        source=source,
        funnel=funnel,
        steps=sources.STEPS,
        links=shown,
        printable=any(item["qr"] for item in shown),
        public=bool(ctx.settings.hiendien_public_url),
        period=period,
        organisations=ctx.content.ward.source_organisations,
        problem=problem,
        given=given or {"name": source["name"], "organisation": source["organisation"]},
        done=_done(request),
    )


async def source_page(request: web.Request) -> web.StreamResponse:
    who = await staff(request, "admin")
    return await _source_page(request, who, request.match_info["code"])


async def change_source(request: web.Request) -> web.StreamResponse:
    who, data = await posted(request, "admin")
    ctx = of(request)
    code = request.match_info["code"]
    given = {k: str(data.get(k, "")) for k in ("name", "organisation")}
    typed = organisation(ctx.content, given["organisation"])
    before = await _source_or_404(ctx, code)

    def change() -> dict[str, Any]:
        with ctx.store.transaction() as tx:
            return sources.change(
                tx, code, name=given["name"], organisation=typed, **_actor(request, who)
            )

    try:
        after = await ctx.store.run(change)
    except SourceError as exc:
        if exc.key == "unknown":  # archived or not, it was there a moment ago
            raise web.HTTPNotFound() from exc
        words = error_words(ctx, language(request, who), exc)
        return await _source_page(request, who, code, status=400, problem=words, given=given)
    same = all(before[k] == after[k] for k in ("name", "organisation"))
    raise web.HTTPSeeOther(f"{HOME}/{after['code']}?done={'unchanged' if same else 'changed'}")


async def _archiving(request: web.Request, archived: bool) -> web.StreamResponse:
    who, data = await posted(request, "admin")
    ctx = of(request)
    code = request.match_info["code"]

    def act() -> bool:
        with ctx.store.transaction() as tx:
            if archived:
                return sources.archive(tx, code, **_actor(request, who))
            return sources.unarchive(tx, code, **_actor(request, who))

    try:
        done = await ctx.store.run(act)
    except SourceError as exc:
        raise web.HTTPNotFound() from exc
    if archived:
        key = "archived" if done else "already_archived"
    else:
        key = "unarchived" if done else "not_archived"
    back = HOME if data.get("back") == "list" else f"{HOME}/{code.lower()}"
    raise web.HTTPSeeOther(f"{back}?done={key}")


async def archive(request: web.Request) -> web.StreamResponse:
    return await _archiving(request, True)


async def unarchive(request: web.Request) -> web.StreamResponse:
    return await _archiving(request, False)


# --- QR codes and the poster -----------------------------------------------------------------


async def qr_file(request: web.Request) -> web.StreamResponse:
    """``/office/sources/{code}/qr.svg|png?channel=web|telegram|zalo`` (the first channel's,
    the web chat's, when none is named), as a file to save. 404 for a channel without a
    link a phone can open (none set, or the web chat's while HIENDIEN_PUBLIC_URL is unset)."""
    who = await staff(request, "admin")
    ctx = of(request)
    fmt = request.match_info["fmt"]
    source = await _source_or_404(ctx, request.match_info["code"])
    found = await source_links(ctx, source["code"], language(request, who))
    channel = request.query.get("channel")
    link = find(found, channel) if channel else next(iter(found), None)  # the registry's first
    if link is None or link.url is None or not link.printable:
        raise web.HTTPNotFound()
    body = qr.png(link.url) if fmt == "png" else qr.svg(link.url)
    name = f"qr-{source['code']}-{link.channel}.{fmt}"
    return web.Response(
        body=body,
        headers={
            "Content-Type": FORMATS[fmt],
            "Content-Disposition": f'attachment; filename="{name}"',
        },
    )


async def poster(request: web.Request) -> web.StreamResponse:
    """The A5 poster to print (its own page: no office header; poster.css is served at
    /office/static/poster.css). Without a link a phone can open, the source's page says
    what to set."""
    who = await staff(request, "admin")
    ctx = of(request)
    lang = language(request, who)
    source = await _source_or_404(ctx, request.match_info["code"])
    found = await source_links(ctx, source["code"], lang)
    try:
        html = poster_html(ctx.content, source, found, lang)
    except NoPrintableLink:
        words = ctx.content.render(lang, "sources.poster_no_link")
        return await _source_page(request, who, source["code"], status=409, problem=words)
    return web.Response(text=html, content_type="text/html", charset="utf-8")


ROUTES = [
    web.get(HOME, list_page),
    web.post(HOME, add_source),
    web.get(f"{HOME}/{CODE}", source_page),
    web.post(f"{HOME}/{CODE}", change_source),
    web.post(f"{HOME}/{CODE}/archive", archive),
    web.post(f"{HOME}/{CODE}/unarchive", unarchive),
    web.get(HOME + "/" + CODE + "/qr.{fmt:svg|png}", qr_file),
    web.get(f"{HOME}/{CODE}/poster", poster),
]
