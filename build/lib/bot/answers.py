"""JSON answers on the HTTP surface, UTF-8 as written (not \\u-escaped): a reply, or a 4xx
``{"error": "…"}`` saying what to fix.

May import: aiohttp only.
"""

from __future__ import annotations

import json
from functools import partial
from typing import Any

from aiohttp import web

dumps = partial(json.dumps, ensure_ascii=False)


def reply_json(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=dumps)


def bad(message: str, status: int = 400) -> web.Response:
    return reply_json({"error": message}, status=status)
