"""python-telegram-bot's HTTP transport on aiohttp (the HTTP stack hiendien already serves
with), in place of its default httpx one.

Measured on this project's 2-core machine (bench/broadcast.py, py-spy): a Bot API POST
through httpx costs ~1.1 ms of CPU, through aiohttp ~0.25 ms — the difference decides whether
every reply and team notice pays. Status codes and the JSON answer are PTB's business;
timeouts become :class:`~telegram.error.TimedOut` and other transport errors
:class:`~telegram.error.NetworkError`, as PTB expects of a transport.
"""

from __future__ import annotations

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

DEFAULT_TIMEOUT = 5.0


class AiohttpRequest(BaseRequest):
    def __init__(
        self,
        connection_pool_size: int = 8,
        read_timeout: float | None = DEFAULT_TIMEOUT,
        write_timeout: float | None = DEFAULT_TIMEOUT,
        connect_timeout: float | None = DEFAULT_TIMEOUT,
        pool_timeout: float | None = 1.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized")
        read = _given(read_timeout, self._read_timeout)
        write = _given(write_timeout, self._write_timeout)
        connect = _given(connect_timeout, self._connect_timeout)
        pool = _given(pool_timeout, self._pool_timeout)
        # aiohttp has no write timeout of its own; only uploads (which hiendien does not
        # make) would need one: they get the write timeout on top of the read one.
        files = request_data is not None and request_data.contains_files
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=_seconds(pool, connect),
            sock_connect=_seconds(connect),
            sock_read=_seconds(read, write) if files else _seconds(read),
        )
        data: aiohttp.FormData | dict[str, str] | None = None
        if request_data is not None:
            data = request_data.json_parameters
            if request_data.contains_files:
                form = aiohttp.FormData(data)
                for name, (filename, content, mimetype) in request_data.multipart_data.items():
                    form.add_field(name, content, filename=filename, content_type=mimetype)
                data = form
        try:
            async with self._session.request(method, url, data=data, timeout=timeout) as res:
                return res.status, await res.read()
        except TimeoutError as err:
            raise TimedOut from err
        except aiohttp.ClientError as err:
            raise NetworkError(f"aiohttp.{type(err).__name__}: {err}") from err


def _given(value: object, default: float | None) -> object:
    """A timeout passed to a call, or this transport's default if none was."""
    return default if value is BaseRequest.DEFAULT_NONE else value


def _seconds(*parts: object) -> float | None:
    """The sum of the timeouts given, or None (no limit) if any of them is None."""
    total = 0.0
    for part in parts:
        if part is None:
            return None
        total += float(part)  # type: ignore[arg-type]
    return total
