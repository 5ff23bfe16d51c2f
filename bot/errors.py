"""Errors on the HTTP surface as answers, never tracebacks to the caller, and tracebacks in
the log once per cause, never once per request.

:func:`error_answers` is the app's middleware: an HTTP error (404, 405 — ``OPTIONS``
included —, 413 …) on ``/api/*``, the webhooks and ``/healthz`` becomes JSON
``{"error": "…"}`` (elsewhere a short text), and an unexpected exception a 500 with a
request id (``X-Request-Id``, and in the JSON) that the log names. :class:`OncePerCause`
logs the first error of each cause (its type and the line that raised it) with its
traceback, and the later ones as one line with a count at most once a minute, so nobody can
flood the log by repeating a request that fails. The channels' background work (a Telegram
update, a Zalo event handled after its 200) reports through it too.

May import: bot.answers, aiohttp.
"""

from __future__ import annotations

import asyncio
import logging
import time
import traceback
import uuid
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.typedefs import Middleware

from bot.answers import reply_json

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
REQUEST_ID = "X-Request-Id"
JSON_PATHS = ("/api/", "/webhooks/")
SUMMARY_SECONDS = 60.0  # a cause seen again is summed up at most this often
MAX_CAUSES = 1000  # causes remembered; beyond that the oldest are forgotten
KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")


def wants_json(path: str) -> bool:
    return path.startswith(JSON_PATHS) or path == "/healthz"


def cause_of(exc: BaseException) -> str:
    """An exception's cause: its type and the line of our code (or the library's) that
    raised it — the same for every request that fails the same way."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "?"
    return f"{type(exc).__module__}.{type(exc).__qualname__} at {where}"


class OncePerCause:
    """Logs unexpected errors: a traceback for the first of each cause, then a line with
    how many more there were, at most once every ``every`` seconds per cause."""

    def __init__(self, every: float = SUMMARY_SECONDS, clock: Callable[[], float] = time.monotonic):
        self.every = every
        self.clock = clock
        self._seen: dict[str, tuple[float, int]] = {}  # cause → (last line written, not told)

    def report(self, logger: logging.Logger, what: str, exc: BaseException, ref: str) -> None:
        cause = cause_of(exc)
        now = self.clock()
        if cause not in self._seen:
            if len(self._seen) >= MAX_CAUSES:
                self._seen.pop(next(iter(self._seen)))
            self._seen[cause] = (now, 0)
            logger.error("%s [%s]: %s: %s", what, ref, cause, exc, exc_info=exc)
            return
        last, untold = self._seen[cause]
        if now - last < self.every:
            self._seen[cause] = (last, untold + 1)
            return
        self._seen[cause] = (now, 0)
        logger.error(
            "%s [%s]: %s again (%d more since; traceback logged the first time)",
            what,
            ref,
            cause,
            untold + 1,
        )


BACKGROUND = OncePerCause()  # for the channels' work after their answer (bot.channels)


def new_request_id() -> str:
    return uuid.uuid4().hex[:16]


def _answer(
    request: web.Request, status: int, message: str, headers: dict[str, str] | None = None
) -> web.Response:
    if wants_json(request.path):
        response = reply_json({"error": message}, status=status)
    else:
        response = web.Response(status=status, text=message)
    response.headers.update(headers or {})
    return response


def _http_error(request: web.Request, exc: web.HTTPException) -> web.Response:
    message = exc.text or exc.reason
    if message.startswith(f"{exc.status}: "):  # aiohttp's own "404: Not Found"
        message = exc.reason.lower()
    headers = {k: exc.headers[k] for k in KEPT_HEADERS if k in exc.headers}
    return _answer(request, exc.status, message, headers)


def error_answers(errors: OncePerCause | None = None) -> Middleware:
    """The middleware (see the module's docstring)."""
    logged = errors or OncePerCause()

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except web.HTTPException as exc:
            if exc.status < 400:  # redirects and the like are answers, not errors
                raise
            return _http_error(request, exc)
        except HttpProcessingError as exc:  # a body aiohttp cannot read (a broken form)
            if not 400 <= exc.code < 500:
                raise
            return _answer(request, exc.code, "the request body is malformed")
        except (asyncio.CancelledError, ConnectionResetError):
            raise  # the client went away: nothing to answer
        except Exception as exc:
            ref = new_request_id()
            logged.report(log, f"{request.method} {request.path[:200]} failed", exc, ref)
            body = {"error": "internal error", "request_id": ref}
            if wants_json(request.path):
                response = reply_json(body, status=500)
            else:
                response = web.Response(status=500, text=f"internal error {ref}")
            response.headers[REQUEST_ID] = ref
            return response

    return middleware
