"""``hiendien zalo check|set-token``: the Zalo Official Account's command group, added to the
command line by the channel (:meth:`ZaloChannel.add_commands`).

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
    zalo = commands.add_parser("zalo", help="the Zalo Official Account")
    zalo_sub = zalo.add_subparsers(dest="zalo_command", required=True)
    check = zalo_sub.add_parser("check", help="show the OA, the token's expiry and the webhook URL")
    check.set_defaults(handler=run_check)
    set_token = zalo_sub.add_parser("set-token", help="start again from a new refresh token")
    set_token.add_argument(
        "refresh_token",
        nargs="?",
        help="the new token; leave it out to paste it when asked (or pipe it in), which keeps "
        "it out of the shell's history and works for a token starting with '-'",
    )
    set_token.set_defaults(handler=run_set_token)


def run_check(cmd: Command) -> int:
    db, api = _api(cmd)

    async def check() -> None:
        info = await api.oa_info()
        assert api.pair is not None
        print(f"Official Account: {info.get('name')} (id {info.get('oa_id')})")
        print(f"Access token valid until {api.pair.expires_at:%Y-%m-%d %H:%M} UTC")
        public = cmd.settings.hiendien_public_url or "https://YOUR-SERVER"
        print(f"Webhook URL to set in Zalo's console: {public.rstrip('/')}{WEBHOOK_PATH}")

    return _run(db, api, check)


def run_set_token(cmd: Command) -> int:
    db, api = _api(cmd)
    token = cmd.args.refresh_token or read_secret("Zalo refresh token: ")
    if not token:
        db.close()
        raise Fail("no refresh token given")

    async def set_token() -> None:
        pair = await api.set_refresh_token(token)
        print(f"Zalo token saved; valid until {pair.expires_at:%Y-%m-%d %H:%M} UTC")

    return _run(db, api, set_token)


def _api(cmd: Command) -> tuple[Store, ZaloApi]:
    """The database and the one Zalo API client (as the channel builds it)."""
    settings = cmd.settings.block(ZaloSettings)
    if not settings.app_id or not settings.app_secret:
        raise Fail("set ZALO_APP_ID and ZALO_APP_SECRET first")
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
