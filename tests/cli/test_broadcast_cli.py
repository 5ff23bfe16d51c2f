"""``hiendien broadcast create|list|show|cancel|test`` as ward staff type them: a real
subprocess on a real SQLite database, with the Telegram and Zalo stand-ins for ``test``."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.turns import Conversations
from db import campaigns, migrate
from db.store import Store
from handlers.content import Content
from tests.support import TODAY
from tests.support.conversations import subscribe
from tests.support.environment import configured, db_path
from tests.support.telegram_standin import BotApiStandIn
from tests.support.zalo_standin import ZaloStandIn

VI = "Phường Kiến An hướng dẫn đăng ký tên miền id.vn miễn phí vào sáng Chủ nhật."
EN = "Kien An ward helps you register your free id.vn domain on Sunday morning."
SITE = "https://hiendienonline.tenmien.vn"


async def hiendien(tmp_path: Path, *args: str, **env: str) -> tuple[int, str, str]:
    """Run the CLI without blocking this loop (a stand-in on it may have to answer)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=tmp_path,
        env=configured(tmp_path, **env),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


def bilingual(texts: dict[str, Path]) -> list[str]:
    """``broadcast create`` with both texts and the button in both languages."""
    button = f"Đăng ký ngay={SITE}"
    files = ["--text-file", str(texts["vi"]), "--text-file-en", str(texts["en"])]
    return ["broadcast", "create", *files, "--button", button, "--button-en", "Register now"]


@pytest.fixture
def texts(tmp_path: Path) -> dict[str, Path]:
    files = {"vi": tmp_path / "vi.txt", "en": tmp_path / "en.txt", "empty": tmp_path / "e.txt"}
    files["vi"].write_text(VI + "\n", encoding="utf-8")
    files["en"].write_text(EN, encoding="utf-8")
    files["empty"].write_text("  \n", encoding="utf-8")
    (tmp_path / "long.txt").write_text("x" * 2001, encoding="utf-8")
    files["long"] = tmp_path / "long.txt"
    files["latin1"] = tmp_path / "latin1.txt"
    files["latin1"].write_bytes("Phường Kiến An".encode("utf-16"))
    return files


@pytest.fixture
async def subscribers(tmp_path: Path, content: Content) -> dict[str, str]:
    """Two Telegram subscribers in the CLI's database: one reads Vietnamese, one English."""
    url = f"sqlite:///{db_path(tmp_path)}"
    migrate.upgrade(url)
    store = Store(url)
    conv = Conversations(store, content, lambda: TODAY)
    people = {"vi": "5001", "en": "5002"}
    try:
        for lang, user in people.items():
            english = ("/english",) if lang == "en" else ()
            await subscribe(conv, user, *english, "ca nhan", "20", "co", "bo qua", "khong")
        with store.transaction() as tx:
            assert campaigns.audience_size(tx, {"segment": "all"}) == 2
    finally:
        store.close()
    return people


async def test_create_refuses_what_cannot_be_sent_and_says_how(
    tmp_path: Path, texts: dict[str, Path], subscribers: dict[str, str]
) -> None:
    bad = {
        "e.txt không có nội dung": ["--text-file", str(texts["empty"])],
        "2.001 ký tự; Zalo chỉ nhận tối đa 2.000 ký tự": ["--text-file", str(texts["long"])],
        "--button phải có dạng": ["--text-file", str(texts["vi"]), "--button", "Đăng ký"],
        "http://": ["--text-file", str(texts["vi"]), "--button", "Đăng ký=http://x.vn"],
        "thời điểm này đã qua": ["--text-file", str(texts["vi"]), "--at", "2020-01-01 09:00"],
        "1,15 09:00": ["--text-file", str(texts["vi"]), "--every", "mỗi tháng"],
        "hãy ghi cả --button": ["--text-file", str(texts["vi"]), "--button-en", "Register"],
        "không đọc được": ["--text-file", str(tmp_path / "missing.txt")],
        "No such file": ["--text-file", str(tmp_path / "missing.txt")],
        "không phải văn bản UTF-8": ["--text-file", str(texts["latin1"])],
    }
    for expected, args in bad.items():
        code, out, err = await hiendien(tmp_path, "broadcast", "create", *args)
        assert code == 2 and out == "", (expected, err)
        assert expected in err or (expected == "http://" and "--button phải" in err), err
    code, out, _ = await hiendien(tmp_path, "broadcast", "list")
    assert code == 0 and out.startswith("Chưa có chiến dịch nào.")  # nothing was created
    assert out.count("\n") == 1


async def test_create_list_show_and_cancel(
    tmp_path: Path, texts: dict[str, Path], subscribers: dict[str, str]
) -> None:
    code, out, err = await hiendien(
        tmp_path,
        *bilingual(texts),
        "--segment",
        "youth",
        "--every",
        "1,15 09:00",
    )
    assert code == 0, err
    assert out.strip() == (
        "Đã tạo chiến dịch 1: hiện có 2 người đăng ký nhận tin thuộc đối tượng của chiến dịch."
    )
    code, out, _ = await hiendien(tmp_path, "broadcast", "list")
    assert code == 0 and out.startswith("   1  đã lên lịch  thanh niên  ")
    assert "hằng tháng, ngày 1, 15 lúc 09:00" in out and "2 người đăng ký nhận tin" in out
    code, out, _ = await hiendien(tmp_path, "broadcast", "show", "1")
    assert code == 0 and VI in out and EN in out
    assert "Chiến dịch 1: đã lên lịch; đối tượng: thanh niên" in out
    assert "Người nhận: 0" in out and "Đã gửi: 0" in out
    code, out, _ = await hiendien(tmp_path, "broadcast", "cancel", "1")
    assert code == 0 and out.strip() == "Đã hủy chiến dịch 1."
    code, out, _ = await hiendien(tmp_path, "broadcast", "show", "1")
    assert "Chiến dịch 1: đã hủy;" in out
    store = Store(f"sqlite:///{db_path(tmp_path)}")
    try:
        with store.transaction() as tx:
            assert campaigns.set_status(tx, 1, "done")
    finally:
        store.close()
    code, out, err = await hiendien(tmp_path, "broadcast", "cancel", "1")
    assert code == 1 and out == ""
    assert err == "hiendien: chiến dịch 1 đã gửi xong, không hủy được nữa\n"
    code, _, err = await hiendien(tmp_path, "broadcast", "show", "9")
    assert code == 1 and "không có chiến dịch 9" in err


@pytest.fixture
async def telegram() -> AsyncIterator[BotApiStandIn]:
    async with BotApiStandIn(token="777:TEST") as api:
        yield api


async def test_a_test_message_shows_staff_the_campaign_in_their_chat(
    tmp_path: Path,
    texts: dict[str, Path],
    subscribers: dict[str, str],
    telegram: BotApiStandIn,
) -> None:
    env = {"TELEGRAM_BOT_TOKEN": telegram.token, "TELEGRAM_BASE_URL": telegram.base_url}
    await hiendien(
        tmp_path,
        *bilingual(texts),
        "--at",
        "2030-01-01 09:00",
    )
    code, out, err = await hiendien(tmp_path, "broadcast", "test", "1", "--to", "9001", **env)
    assert code == 0, err
    assert "Đã gửi thử tin của chiến dịch 1 (bản tiếng Việt) tới Telegram 9001." in out
    code, _, err = await hiendien(
        tmp_path, "broadcast", "test", "1", "--to", "telegram:9002", "--lang", "en", **env
    )
    assert code == 0, err
    vi, en = telegram.sent("9001"), telegram.sent("9002")
    assert [m["text"] for m in vi] == [VI] and [m["text"] for m in en] == [EN]
    assert vi[0]["reply_markup"]["inline_keyboard"][0][0] == {"text": "Đăng ký ngay", "url": SITE}
    assert en[0]["reply_markup"]["inline_keyboard"][0][0]["text"] == "Register now"

    telegram.fail_next("sendMessage", 403)
    code, _, err = await hiendien(tmp_path, "broadcast", "test", "1", "--to", "9003", **env)
    assert code == 1 and "chưa gửi được tới Telegram 9003: người này đã chặn bot" in err
    code, _, err = await hiendien(tmp_path, "broadcast", "test", "1", "--to", "viber:1", **env)
    assert code == 2 and "zalo:USER_ID" in err
    code, _, err = await hiendien(tmp_path, "broadcast", "test", "1", "--to", "9001")
    assert code == 2 and "cần đặt TELEGRAM_BOT_TOKEN trước" in err

    code, out, _ = await hiendien(tmp_path, "broadcast", "show", "1")
    assert "Người nhận: 0" in out  # a test is not a delivery
    assert all(str(m["chat_id"]) not in subscribers.values() for m in telegram.sent())


async def test_a_zalo_test_outside_the_free_window_says_why(
    tmp_path: Path, texts: dict[str, Path], subscribers: dict[str, str]
) -> None:
    async with ZaloStandIn() as zalo:
        staff = zalo.add_user()
        env = {
            "ZALO_APP_ID": zalo.app_id,
            "ZALO_APP_SECRET": zalo.app_secret,
            "ZALO_OA_SECRET_KEY": "oa-secret",
            "ZALO_REFRESH_TOKEN": zalo.seed_refresh_token(),
            "ZALO_API_BASE_URL": zalo.api_base_url,
            "ZALO_OAUTH_BASE_URL": zalo.oauth_base_url,
        }
        await hiendien(tmp_path, "broadcast", "create", "--text-file", str(texts["vi"]))
        code, _, err = await hiendien(
            tmp_path, "broadcast", "test", "1", "--to", f"zalo:{staff}", **env
        )
    assert code == 1 and "trong vòng 48 giờ" in err
