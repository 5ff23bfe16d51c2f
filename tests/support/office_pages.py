"""Driving the ward office in a real Chromium (the page tests' shared steps): watching a
page's console for errors, signing in through the form as staff do, and checking that a
page fits the screen (nothing runs off sideways on a phone).

May import: tests.support.
"""

from __future__ import annotations

from playwright.async_api import Page

from tests.support.office import PASSWORD

TIMEOUT_MS = 15_000


def watch(page: Page) -> list[str]:
    """The page's console errors and uncaught exceptions, as they come."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_default_timeout(TIMEOUT_MS)
    return errors


async def sign_in(page: Page, base: str, email: str, then: str) -> None:
    """Open ``then``, land on the sign-in form, and sign in with the tests' password."""
    await page.goto(base + then)
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Mật khẩu").fill(PASSWORD)
    await page.get_by_role("button", name="Đăng nhập").click()


async def fits_the_screen(page: Page) -> None:
    overflow = await page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
