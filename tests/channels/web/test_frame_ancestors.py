"""Who may frame the chat page (issue 14, D13): only the ward portal's origins in
``HIENDIEN_WIDGET_ORIGINS`` (CSP ``frame-ancestors`` on the chat page), nobody when it is
unset, and nobody anywhere else — the office, the API (errors and OPTIONS included), the
webhooks, the scripts. A wrong value stops the start with one line naming the setting.
Headers read over loopback from hiendien's real app."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest

from bot.app import build_app
from bot.settings import SettingError, Settings, read
from db.store import Store
from handlers.content import Content
from tests.support import TODAY
from tests.support.environment import configured
from tests.support.serving import free_port, serve

PORTALS = "https://kienan.haiphong.gov.vn, https://Cong.Example.vn:8443/"
ALLOWED = "frame-ancestors https://kienan.haiphong.gov.vn https://cong.example.vn:8443;"
NOBODY = "frame-ancestors 'none'"

ELSEWHERE = [
    ("GET", "/widget.js"),
    ("GET", "/healthz"),
    ("GET", "/api/eligibility?applicant=person&birth_date=2005-03-15"),
    ("GET", "/api/eligibility"),  # a 400
    ("POST", "/api/chat"),  # a 400 without a body
    ("OPTIONS", "/api/chat"),
    ("GET", "/api/nothing-here"),  # a 404
    ("GET", "/office/"),
    ("GET", "/office/login"),
    ("GET", "/no-such-page"),
]


@asynccontextmanager
async def served(store: Store, content: Content, origins: str | None) -> AsyncIterator[str]:
    config = Settings.defaults(hiendien_widget_origins=origins)
    async with serve(build_app(store, content, lambda: TODAY, settings=config)) as url:
        yield url


@pytest.fixture
async def portal_allowed(sqlite_store: Store, content: Content) -> AsyncIterator[str]:
    async with served(sqlite_store, content, PORTALS) as url:
        yield url


@pytest.fixture
async def unset(sqlite_store: Store, content: Content) -> AsyncIterator[str]:
    async with served(sqlite_store, content, None) as url:
        yield url


async def policy(url: str, method: str = "GET") -> tuple[str, str | None]:
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, url, allow_redirects=False) as answer,
    ):
        return answer.headers.get("Content-Security-Policy", ""), answer.headers.get(
            "X-Frame-Options"
        )


@pytest.mark.parametrize("path", ["/", "/?source=portal"])
async def test_the_chat_page_is_framed_only_by_the_portal_origins(
    portal_allowed: str, path: str
) -> None:
    csp, frame_options = await policy(portal_allowed + path)
    assert ALLOWED in csp and NOBODY not in csp
    assert "script-src 'self'" in csp
    assert frame_options is None  # it would forbid the portal too


async def test_unset_nobody_frames_the_chat_page(unset: str) -> None:
    csp, _ = await policy(unset + "/")
    assert NOBODY in csp and "https://" not in csp


@pytest.mark.parametrize(("method", "path"), ELSEWHERE)
async def test_nothing_else_may_be_framed(portal_allowed: str, method: str, path: str) -> None:
    csp, frame_options = await policy(portal_allowed + path, method)
    assert NOBODY in csp and "kienan" not in csp
    assert frame_options == "DENY"


def test_the_setting_is_read_and_written_as_browsers_write_origins(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HIENDIEN_WIDGET_ORIGINS", PORTALS)
    settings = read(Settings)
    assert settings.hiendien_widget_origins == (
        "https://kienan.haiphong.gov.vn,https://cong.example.vn:8443"
    )
    assert (
        settings.frame_ancestors() == "https://kienan.haiphong.gov.vn https://cong.example.vn:8443"
    )
    monkeypatch.setenv("HIENDIEN_WIDGET_ORIGINS", "http://localhost:3000")
    assert read(Settings).frame_ancestors() == "http://localhost:3000"
    monkeypatch.setenv("HIENDIEN_WIDGET_ORIGINS", "")
    assert read(Settings).frame_ancestors() == "'none'"


@pytest.mark.parametrize(
    "value",
    [
        "http://kienan.haiphong.gov.vn",  # plain http off localhost
        "kienan.haiphong.gov.vn",  # no scheme
        "https://kienan.haiphong.gov.vn/tin-tuc",  # a path, not an origin
        "https://kienan.haiphong.gov.vn; script-src *",  # smuggling a directive
        "https://*.gov.vn",
        "https://kienan.haiphong.gov.vn:99999",
        "https://user@kienan.haiphong.gov.vn",
    ],
)
def test_a_wrong_origin_is_refused_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("HIENDIEN_WIDGET_ORIGINS", f"https://ok.example.vn,{value}")
    with pytest.raises(SettingError, match=r"^HIENDIEN_WIDGET_ORIGINS: ") as refused:
        read(Settings)
    assert value.split(";")[0] in str(refused.value)


def test_hiendien_run_with_a_wrong_origin_says_so_in_one_line(tmp_path: Path) -> None:
    env = configured(
        tmp_path,
        HIENDIEN_PORT=str(free_port()),
        HIENDIEN_WIDGET_ORIGINS="http://kienan.haiphong.gov.vn",
    )
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )
    err = done.stderr.decode()
    assert done.returncode == 2, err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "HIENDIEN_WIDGET_ORIGINS" in err and "https" in err
