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


def proxy_networks(value: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """The trusted proxies of a comma-separated list of addresses or networks (CIDR)."""
    found = []
    for item in value.split(","):
        text = item.strip()
        if not text:
            continue
        try:
            found.append(ipaddress.ip_network(text, strict=False))
        except ValueError:
            raise ValueError(
                f"«{text}» không phải địa chỉ IP hay dải mạng (CIDR): cần dạng 127.0.0.1, "
                "10.0.0.0/8 hoặc ::1, cách nhau bằng dấu phẩy"
            ) from None
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
    # A channel that cannot start (platform unreachable, token refused) is tried again in the
    # background: first after this many seconds, then twice as long each time, at most the max.
    hiendien_channel_retry_seconds: float = Field(default=5, gt=0)
    hiendien_channel_retry_max_seconds: float = Field(default=300, gt=0)

    # The reverse proxies whose X-Forwarded-For is believed (addresses or CIDR networks,
    # comma-separated). Unset: the client is the peer of the connection (bot.limits).
    hiendien_trusted_proxies: str | None = None
    # Limits (bot.limits): requests a second after a first burst, 0 = off. /api/chat per client
    # IP is generous because a ward hall's Wi-Fi or a mobile carrier's NAT puts many
    # residents behind one address; per user it is well above anyone typing or tapping.
    hiendien_chat_rate_per_ip: float = Field(default=10.0, ge=0)
    hiendien_chat_burst_per_ip: int = Field(default=200, ge=1)
    hiendien_chat_rate_per_user: float = Field(default=1.0, ge=0)
    hiendien_chat_burst_per_user: int = Field(default=30, ge=1)
    # New conversations (a web user id never seen) from one IP in an hour, 0 = no cap.
    hiendien_new_conversations_per_ip_hour: int = Field(default=200, ge=0)
    # Webhooks: Telegram and Zalo send every resident's messages from a few servers, so a
    # per-IP limit would hold back everyone at once (and a 429 makes them redeliver and, for
    # Zalo, disable the webhook after hours of failures): off unless set. Per platform user
    # it applies after the signature check; over it the event is dropped with a 200.
    hiendien_webhook_rate_per_ip: float = Field(default=0.0, ge=0)
    hiendien_webhook_burst_per_ip: int = Field(default=1000, ge=1)
    hiendien_webhook_rate_per_user: float = Field(default=1.0, ge=0)
    hiendien_webhook_burst_per_user: int = Field(default=30, ge=1)
    # Bodies: a chat message (its 4,000 characters are up to 24 KB as JSON, \u-escaped) and
    # a webhook's event.
    hiendien_chat_max_bytes: int = Field(default=32 * 1024, ge=1024, le=1024 * 1024)
    hiendien_webhook_max_bytes: int = Field(default=256 * 1024, ge=16 * 1024, le=16 * 1024 * 1024)
    # Keys each limit remembers at most (about 100 bytes each): the memory is bounded.
    hiendien_limit_max_keys: int = Field(default=100_000, ge=100)

    # PostgreSQL, several processes: how often (seconds) the scheduler's leader checks its lock
    # and the others stand for election (bot.scheduler); a new leader takes over within a few.
    hiendien_leader_check_seconds: float = Field(default=5.0, gt=0, le=20)

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

    @field_validator("hiendien_trusted_proxies")
    @classmethod
    def _trusted_proxies(cls, value: str | None) -> str | None:
        networks = proxy_networks(value or "")  # raises ValueError, worded for the person
        return ",".join(map(str, networks)) or None

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

    def channel_retry(self) -> tuple[float, float]:
        """(first, longest) wait in seconds between a channel's start attempts."""
        return self.hiendien_channel_retry_seconds, self.hiendien_channel_retry_max_seconds

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
