"""A training sign-up's check-in code as a QR image, and where that image is served.

The QR holds the address of the office's check-in page with the code in it —
``{HIENDIEN_PUBLIC_URL}/office/training/{session}/checkin?code={code}`` — so a staff
member's phone camera opens the page with the code filled in (they sign in first if they
are not); the page asks them to confirm (a GET changes nothing; the POST checks in).

The image is served to anyone at ``/training/qr/{session}/{code}.png`` (a chat sends that
link, or the picture itself — :func:`qr_png`). It is drawn from the address alone, without
looking anything up: the picture holds exactly what its own address says, and its answer
is the same whether such a sign-up exists or not, so nobody can probe for codes through
it. That is why the code can stay short — six characters easy to read out and type
(db.training: 32⁶ ≈ 10⁹ of them) — rather than long enough to be a secret in a URL: a code
only ever lets its bearer be checked in, by staff who see the name it belongs to.

Without ``HIENDIEN_PUBLIC_URL`` there is no address a phone could open: no QR (None / 404),
and the code is typed.

May import: bot.qr, bot.office.web (the settings), db.training.
"""

from __future__ import annotations

from urllib.parse import quote

from aiohttp import web

from bot import qr
from bot.office.web import OFFICE_KEY
from db.training import is_code, normal_code

QR_PATH = "/training/qr/{session}/{code}.png"
CHECKIN_PATH = "/office/training/{session}/checkin"


def _base(public_url: str | None) -> str | None:
    base = (public_url or "").strip().rstrip("/")
    return base if base.startswith(("https://", "http://")) else None


def checkin_url(public_url: str | None, session_id: int, code: str) -> str | None:
    """The check-in page's address with the code (what the QR holds); None without a
    public address."""
    base = _base(public_url)
    if base is None:
        return None
    path = CHECKIN_PATH.format(session=int(session_id))
    return f"{base}{path}?code={quote(normal_code(code))}"


def qr_image_url(public_url: str | None, session_id: int, code: str) -> str | None:
    """Where the QR image of this code is served (to send in a chat); None without a
    public address."""
    base = _base(public_url)
    if base is None:
        return None
    return base + QR_PATH.format(session=int(session_id), code=quote(normal_code(code)))


def qr_png(public_url: str | None, session_id: int, code: str, scale: int = 10) -> bytes:
    """The QR image (PNG) of the code's check-in address. qr.NotAbsolute without a public
    address."""
    url = checkin_url(public_url, session_id, code)
    if url is None:
        raise qr.NotAbsolute(str(public_url))
    return qr.png(url, scale)


async def qr_image(request: web.Request) -> web.StreamResponse:
    """``GET /training/qr/{session}/{code}.png`` (see the module: nothing is looked up)."""
    session, code = request.match_info["session"], request.match_info["code"]
    if not (session.isascii() and session.isdigit() and len(session) < 10 and is_code(code)):
        raise web.HTTPNotFound()
    settings = request.app[OFFICE_KEY].settings
    try:
        body = qr_png(settings.hiendien_public_url, int(session), code, scale=8)
    except qr.NotAbsolute:
        raise web.HTTPNotFound() from None
    return web.Response(
        body=body,
        content_type="image/png",
        headers={"Cache-Control": "public, max-age=86400"},
    )


ROUTES = [web.get(QR_PATH, qr_image)]
