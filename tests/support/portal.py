"""A stand-in for the ward portal: its own aiohttp server on another loopback port (another
origin), whose home page carries hiendien's ``widget.js`` as the README tells the ward to.

May import: tests.support.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from aiohttp import web

from tests.support.serving import serve

HOME = """<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>Cổng thông tin phường</title>
<link rel="icon" href="data:,"></head>
<body><h1>Cổng thông tin điện tử phường Kiến An</h1>
<p>Nội dung của trang chủ.</p>
<script src="{chat}/widget.js" data-source="portal" async></script>
</body></html>"""


@dataclass
class Portal:
    url: str = ""  # the portal's origin, once it serves
    chat: str = ""  # hiendien's base URL, set by the test once hiendien serves

    async def home(self, _request: web.Request) -> web.Response:
        return web.Response(text=HOME.format(chat=self.chat), content_type="text/html")


@asynccontextmanager
async def portal() -> AsyncIterator[Portal]:
    """Serve a portal; its ``url`` is known before hiendien is built (for the allowed
    origins), hiendien's address is given to it after (``portal.chat = …``)."""
    site = Portal()
    app = web.Application()
    app.router.add_get("/", site.home)
    async with serve(app) as url:
        site.url = url
        yield site
