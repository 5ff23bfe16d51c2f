"""The one settings object: every environment variable hiendien reads, with its default.

Read from the environment and from a ``.env`` file in the working directory. Nothing
else in the code reads ``os.environ``. ``.env.example`` lists the same names.

:class:`Settings` holds the service's own settings (``HIENDIEN_*``). Each channel keeps its
variables in a settings block of its own (``TELEGRAM_*`` in
:class:`bot.channels.telegram.settings.TelegramSettings`, ``ZALO_*`` …), a subclass of
:class:`Block` read through :meth:`Settings.block`, so adding a channel adds its settings
without touching this module.

May import: the standard library, pydantic and pydantic-settings only.
"""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit

from pydantic import Field, PrivateAttr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent
SOURCES = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")


class Block(BaseSettings):
    """A part's settings block: its own environment variables (a subclass sets the prefix,
    e.g. ``env_prefix="TELEGRAM_"``), read from the environment and ``.env`` as
    :class:`Settings` is."""

    model_config = SOURCES


S = TypeVar("S", bound=BaseSettings)
B = TypeVar("B", bound=Block)


class SettingError(ValueError):
    """An environment variable whose value cannot be read; the message names it."""


def read(kind: type[S]) -> S:
    """Settings of that kind from the environment and ``.env``; :class:`SettingError` names
    the variable of a value that does not fit."""
    try:
        return kind()
    except ValidationError as exc:
        problem = exc.errors()[0]
        name = kind.model_config.get("env_prefix", "") + "_".join(map(str, problem["loc"]))
        raise SettingError(f"{name.upper()}: {problem['msg']}") from exc


def dns_server(value: str) -> tuple[str, int]:
    """(address, port) of "IP", "IP:port", "IPv6" or "[IPv6]:port"; port 53 by default."""
    text = value.strip()
    host, port = text, "53"
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = rest.removeprefix(":") or "53"
    elif text.count(":") == 1:
        host, port = text.split(":")
    try:
        address = str(ipaddress.ip_address(host))
        number = int(port)
    except ValueError:
        raise ValueError(
            f"cần địa chỉ IP hoặc IP:cổng, ví dụ 8.8.8.8 hoặc 127.0.0.1:5353, không phải «{value}»"
        ) from None
    if not 0 < number < 65536:
        raise ValueError(f"cổng {number} không hợp lệ (1–65535)")
    return address, number


METRICS_TOKEN_MIN = 24  # characters of HIENDIEN_METRICS_TOKEN at least
LOCAL_HOSTS = ("localhost", "127.0.0.1", "[::1]")  # where a portal may be plain http (tests)
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_HOST = re.compile(rf"^(?:{_LABEL}\.)*{_LABEL}$")


def widget_origins(value: str) -> tuple[str, ...]:
    """The portal origins of a comma-separated list, each ``https://host[:port]`` (plain
    http only for localhost), as browsers write them: lower case, no trailing slash."""
    found: list[str] = []
    for item in value.split(","):
        text = item.strip()
        if not text:
            continue
        wrong = ValueError(
            f"«{text}» không phải một địa chỉ gốc của cổng thông tin: cần dạng "
            "https://tenmien[:cổng], ví dụ https://kienan.haiphong.gov.vn, cách nhau bằng dấu phẩy"
        )
        try:
            parts = urlsplit(text)
            port = parts.port
        except ValueError:
            raise wrong from None
        host = (parts.hostname or "").lower()
        netloc = parts.netloc.lower()
        shown = f"[{host}]" if ":" in host else host
        if (
            parts.scheme not in ("https", "http")
            or not host
            or not (_HOST.match(host) or shown == "[::1]")
            or netloc != (f"{shown}:{port}" if port is not None else shown)
            or parts.path not in ("", "/")
            or parts.query
            or parts.fragment
        ):
            raise wrong
        if parts.scheme == "http" and shown not in LOCAL_HOSTS:
            raise ValueError(f"«{text}» phải dùng https (http chỉ dành cho localhost)")
        origin = f"{parts.scheme}://{netloc}"
        if origin not in found:
            found.append(origin)
    return tuple(found)


class Settings(BaseSettings):
    model_config = SOURCES

    hiendien_database_url: str = Field(
        default="sqlite:///./data/hiendien.db",
        description="SQLAlchemy URL; SQLite by default, postgresql://… for the scale path",
    )
    hiendien_host: str = "127.0.0.1"
    hiendien_port: int = 8080
    hiendien_public_url: str | None = None
    hiendien_content_dir: Path = ROOT / "content"
    hiendien_log_level: str = "INFO"
    # The log's form: "text" (a line each) or "json" (an object each, for a log collector);
    # timestamps in Vietnam's time with its zone (+07:00) either way.
    hiendien_log_format: Literal["text", "json"] = "text"
    # The DNS resolver ``hiendien registrations verify`` asks: "IP" or "IP:port" ("[IPv6]:port");
    # unset: the system's resolver.
    hiendien_dns_server: str | None = None
    # The ward portal's origins that may frame the chat page (widget.js), comma-separated:
    # https://host[:port]. Unset: no site may frame it.
    hiendien_widget_origins: str | None = None
    # The bearer token GET /metrics asks for (Prometheus); unset: /metrics is off (404).
    hiendien_metrics_token: str | None = None

    # Only for the test suite: where the PostgreSQL test database is (set by .ci/run).
    hiendien_test_postgres_url: str | None = None

    @field_validator("hiendien_dns_server")
    @classmethod
    def _dns_server(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        dns_server(value)  # raises ValueError, worded for the person who set it
        return value.strip()

    @field_validator("hiendien_widget_origins")
    @classmethod
    def _widget_origins(cls, value: str | None) -> str | None:
        origins = widget_origins(value or "")  # raises ValueError, worded for the person
        return ",".join(origins) or None

    @field_validator("hiendien_metrics_token")
    @classmethod
    def _metrics_token(cls, value: str | None) -> str | None:
        token = (value or "").strip()
        if not token:
            return None
        if len(token) < METRICS_TOKEN_MIN or not token.isascii() or not token.isprintable():
            raise ValueError(
                f"cần ít nhất {METRICS_TOKEN_MIN} ký tự ASCII ngẫu nhiên "
                "(ví dụ: openssl rand -hex 24)"
            )
        return token

    def frame_ancestors(self) -> str:
        """Who may frame the chat page: the CSP ``frame-ancestors`` sources."""
        origins = widget_origins(self.hiendien_widget_origins or "")
        return " ".join(origins) or "'none'"

    _blocks: dict[type[Block], Block] = PrivateAttr(default_factory=dict)
    _read_environment: bool = PrivateAttr(default=True)

    @classmethod
    def defaults(cls, **values: Any) -> Settings:
        """Settings at their defaults (and ``values``), nothing read from the environment:
        every channel block unset unless :meth:`given`."""
        settings = cls.model_construct(**values)
        settings._read_environment = False
        return settings

    def block(self, kind: type[B]) -> B:
        """The settings block of that kind: the one :meth:`given`, else read once from the
        environment and ``.env`` (a wrong value raises :class:`SettingError`)."""
        found = self._blocks.get(kind)
        if found is None:
            found = read(kind) if self._read_environment else kind.model_construct()
            self._blocks[kind] = found
        assert isinstance(found, kind)
        return found

    def given(self, *blocks: Block) -> Settings:
        """These blocks in place of the environment's (tests, and a command that knows)."""
        for block in blocks:
            self._blocks[type(block)] = block
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return read(Settings)
