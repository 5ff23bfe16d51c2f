"""``hiendien zalo check|set-token``: the Zalo Official Account's command group, added to the
command line by the channel (:meth:`ZaloChannel.add_commands`). Said in Vietnamese, for ward
staff; what Zalo itself answers (an error of the API) is passed on as it comes.

May import: bot.cli.common, bot.channels.base (types), this package's api and settings.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable

from bot.channels.base import Subcommands
from bot.channels.zalo.api import TokenError, ZaloApi, ZaloError
from bot.channels.zalo.settings import WEBHOOK_PATH, ZaloSettings
from bot.cli.common import Command, Fail, read_secret, store
from db.store import Store


def add_zalo_commands(commands: Subcommands) -> None:
    zalo = commands.add_parser("zalo", help="Official Account (OA) Zalo của phường")
    zalo_sub = zalo.add_subparsers(dest="zalo_command", required=True)
    check = zalo_sub.add_parser(
        "check", help="xem OA, hạn dùng của access token và địa chỉ webhook cần đặt"
    )
    check.set_defaults(handler=run_check)
    set_token = zalo_sub.add_parser("set-token", help="bắt đầu lại từ một refresh token mới")
    set_token.add_argument(
        "refresh_token",
        nargs="?",
        help="refresh token mới; bỏ trống để dán vào khi được hỏi (hoặc chuyển vào qua đầu vào "
        "chuẩn): token không nằm lại trong lịch sử lệnh, và token bắt đầu bằng '-' vẫn dùng được",
    )
    set_token.set_defaults(handler=run_set_token)


def run_check(cmd: Command) -> int:
    db, api = _api(cmd)

    async def check() -> None:
        info = await api.oa_info()
        assert api.pair is not None
        print(f"Official Account: {info.get('name')} (mã {info.get('oa_id')})")
        print(f"Access token dùng được đến {api.pair.expires_at:%H:%M %d/%m/%Y} UTC")
        public = cmd.settings.hiendien_public_url or "https://ĐỊA-CHỈ-MÁY-CHỦ"
        print(
            f"Địa chỉ webhook cần đặt trong trang quản trị của Zalo: "
            f"{public.rstrip('/')}{WEBHOOK_PATH}"
        )
        if not cmd.settings.hiendien_public_url:
            print("(Đặt HIENDIEN_PUBLIC_URL là địa chỉ https:// công khai của máy chủ.)")

    return _run(db, api, check)


def run_set_token(cmd: Command) -> int:
    db, api = _api(cmd)
    token = cmd.args.refresh_token or read_secret("Refresh token của Zalo: ")
    if not token:
        db.close()
        raise Fail("chưa có refresh token nào được nhập")

    async def set_token() -> None:
        pair = await api.set_refresh_token(token)
        print(f"Đã lưu token Zalo; access token dùng được đến {pair.expires_at:%H:%M %d/%m/%Y} UTC")

    return _run(db, api, set_token)


def _api(cmd: Command) -> tuple[Store, ZaloApi]:
    """The database and the one Zalo API client (as the channel builds it)."""
    settings = cmd.settings.block(ZaloSettings)
    if not settings.app_id or not settings.app_secret:
        raise Fail("cần đặt ZALO_APP_ID và ZALO_APP_SECRET trước")
    db = store(cmd.settings)
    return db, ZaloApi.from_settings(db, settings)


def _run(db: Store, api: ZaloApi, work: Callable[[], Awaitable[None]]) -> int:
    """``work`` with the client started; Zalo refusing is exit code 1, said in one line."""

    async def main() -> int:
        await api.start()
        try:
            await work()
            return 0
        except (TokenError, ZaloError) as exc:
            print(f"hiendien: Zalo: {exc}", file=sys.stderr)
            return 1
        finally:
            await api.close()

    try:
        return asyncio.run(main())
    finally:
        db.close()
