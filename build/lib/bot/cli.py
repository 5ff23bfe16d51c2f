"""The ``hiendien`` command line: run, chat, leads export, db upgrade.

Every command reads the one settings object, checks content/ (a broken file stops with
its file, line and problem) and creates or upgrades the database before doing its work.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

from bot.settings import Settings, get_settings
from db import migrate
from db.store import Store
from handlers.content import Content, load_content
from handlers.yamlfile import ContentError

log = logging.getLogger("hiendien")


def _content(settings: Settings) -> Content:
    try:
        return load_content(settings.hiendien_content_dir)
    except ContentError as exc:
        print(f"hiendien: content error: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc


def _store(settings: Settings) -> Store:
    url = settings.hiendien_database_url
    migrate.upgrade(url)
    return Store(url)


def cmd_run(settings: Settings, _args: argparse.Namespace) -> int:
    from aiohttp import web

    from bot.app import build_app
    from bot.telegram.channel import ConfigError

    content = _content(settings)
    store = _store(settings)
    try:
        app = build_app(store, content, settings=settings)
    except ConfigError as exc:
        print(f"hiendien: Telegram: {exc}", file=sys.stderr)
        return 2

    async def close_store(_app: web.Application) -> None:
        store.close()

    app.on_cleanup.append(close_store)
    host, port = settings.hiendien_host, settings.hiendien_port
    log.info("hiendien serving the web chat on http://%s:%s/", host, port)
    web.run_app(app, host=host, port=port, print=None, access_log=None)
    return 0


def cmd_chat(settings: Settings, _args: argparse.Namespace) -> int:
    from bot.clock import today_in_vietnam
    from bot.console import chat
    from bot.turns import Conversations

    content = _content(settings)
    store = _store(settings)
    try:
        chat(Conversations(store, content, today_in_vietnam))
    except KeyboardInterrupt:
        print()
    finally:
        store.close()
    return 0


def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    from bot.export import write_csv, write_xlsx

    store = _store(settings)
    try:
        with store.transaction() as tx:
            leads = tx.leads_for_export()
            if args.format == "xlsx":
                if args.output:
                    with open(args.output, "wb") as out:
                        count = write_xlsx(leads, out)
                else:
                    count = write_xlsx(leads, sys.stdout.buffer)
            elif args.output:
                with open(args.output, "w", encoding="utf-8-sig", newline="") as f:
                    count = write_csv(leads, f)
            else:
                count = write_csv(leads, sys.stdout)
    finally:
        store.close()
    if args.output:
        print(f"{count} leads written to {args.output}", file=sys.stderr)
    return 0


def cmd_staff(settings: Settings, args: argparse.Namespace) -> int:
    from db import team

    store = _store(settings)
    try:
        with store.transaction() as tx:
            if args.staff_command == "invite":
                code = team.create_invite(tx, args.team, args.role)
            elif args.staff_command == "list":
                rows = team.members(tx)
            else:
                removed = team.remove_member(tx, args.member_id)
    finally:
        store.close()
    if args.staff_command == "invite":
        bot = _bot_username(settings)
        print(f"Invite code for {args.team} ({args.role}), valid {team.INVITE_DAYS} days: {code}")
        print(
            f"Telegram: send /staff {code} to the bot, or open https://t.me/{bot}?start=staff-{code}"
        )
    elif args.staff_command == "list":
        if not rows:
            print("No team members yet: hiendien staff invite --team NAME")
        for m in rows:
            state = "active" if m["active"] else "removed"
            print(
                f"{m['id']:>4}  {m['team']}  {m['display_name']}  {m['channel']}:{m['account']}"
                f"  {m['role']}  {state}"
            )
    else:
        print("removed" if removed else f"no active member with id {args.member_id}")
        return 0 if removed else 1
    return 0


def cmd_zalo(settings: Settings, args: argparse.Namespace) -> int:
    import asyncio

    from bot.zalo.api import TokenError, ZaloApi, ZaloError

    if not settings.zalo_app_id or not settings.zalo_app_secret:
        print("hiendien: set ZALO_APP_ID and ZALO_APP_SECRET first", file=sys.stderr)
        return 2
    store = _store(settings)
    api = ZaloApi(
        store,
        app_id=settings.zalo_app_id,
        app_secret=settings.zalo_app_secret,
        seed_refresh_token=settings.zalo_refresh_token,
        api_base_url=settings.zalo_api_base_url,
        oauth_base_url=settings.zalo_oauth_base_url,
    )

    token = ""
    if args.zalo_command == "set-token":
        token = args.refresh_token or _read_secret("Zalo refresh token: ")
        if not token:
            print("hiendien: no refresh token given", file=sys.stderr)
            return 2

    async def work() -> int:
        await api.start()
        try:
            if args.zalo_command == "set-token":
                pair = await api.set_refresh_token(token)
                print(f"Zalo token saved; valid until {pair.expires_at:%Y-%m-%d %H:%M} UTC")
                return 0
            info = await api.oa_info()
            assert api.pair is not None
            print(f"Official Account: {info.get('name')} (id {info.get('oa_id')})")
            print(f"Access token valid until {api.pair.expires_at:%Y-%m-%d %H:%M} UTC")
            public = settings.hiendien_public_url or "https://YOUR-SERVER"
            print(f"Webhook URL to set in Zalo's console: {public.rstrip('/')}/webhooks/zalo")
            return 0
        except (TokenError, ZaloError) as exc:
            print(f"hiendien: Zalo: {exc}", file=sys.stderr)
            return 1
        finally:
            await api.close()

    try:
        return asyncio.run(work())
    finally:
        store.close()


def _read_secret(prompt: str) -> str:
    """A secret typed (not echoed) or piped in: kept out of the shell's history, and a value
    starting with "-" (which a command line would take for an option) comes through."""
    if sys.stdin.isatty():
        import getpass

        return getpass.getpass(prompt).strip()
    return sys.stdin.readline().strip()


def cmd_broadcast(settings: Settings, args: argparse.Namespace) -> int:
    from bot.campaigns import Monthly, ScheduleError, parse_at
    from db import campaigns
    from db.models import utcnow

    store = _store(settings)
    try:
        with store.transaction() as tx:
            if args.broadcast_command == "create":
                try:
                    fields = _campaign_fields(args, parse_at, Monthly, utcnow())
                except (ScheduleError, ValueError, OSError) as exc:
                    print(f"hiendien: {exc}", file=sys.stderr)
                    return 2
                campaign_id = campaigns.create(tx, **fields)
                size = campaigns.audience_size(tx, campaigns.get(tx, campaign_id))
                print(f"campaign {campaign_id} created for {size} subscribers now in its audience")
                return 0
            if args.broadcast_command == "list":
                for c in campaigns.all_campaigns(tx):
                    when = c["every"] or (c["first_at"] and _local(c["first_at"])) or "now"
                    print(
                        f"{c['id']:>4}  {c['status']:<9}  {c['segment']:<9}  {when}  "
                        f"{campaigns.audience_size(tx, c)} subscribers"
                    )
                return 0
            campaign = campaigns.get(tx, args.campaign_id)
            if campaign is None:
                print(f"hiendien: no campaign {args.campaign_id}", file=sys.stderr)
                return 1
            if args.broadcast_command == "cancel":
                if not campaigns.set_status(tx, args.campaign_id, "cancelled", unless=("done",)):
                    print("hiendien: that campaign is already done", file=sys.stderr)
                    return 1
                print(f"campaign {args.campaign_id} cancelled")
                return 0
            figures = campaigns.figures(tx, args.campaign_id)
        if args.broadcast_command == "test":  # outside the transaction: the send takes time
            return _send_test(settings, store, campaign, args.to, args.lang)
    finally:
        store.close()
    when = campaign["every"] or (campaign["first_at"] and _local(campaign["first_at"])) or "now"
    print(
        f"campaign {campaign['id']}: {campaign['status']}, segment {campaign['segment']}, "
        f"source {campaign['source'] or '-'}, area {campaign['area'] or '-'}, {when}"
    )
    print(campaign["text"])
    if campaign["text_en"]:
        print(f"--- English ---\n{campaign['text_en']}")
    for key, value in figures.items():
        print(f"  {key}: {value}")
    return 0


TEST_OUTCOMES = {
    "blocked": "that chat has blocked the bot",
    "outside_window": "Zalo lets the OA write only within 48 hours of the person's last "
    "message: send the OA a message from that account first",
    "unknown": "no answer from the platform; it may have arrived",
}


def _send_test(
    settings: Settings, store: Store, campaign: dict[str, Any], to: str, lang: str
) -> int:
    """The campaign's message to one chat, through the channel's broadcast path; no
    delivery is recorded."""
    import asyncio

    from bot.campaigns import campaign_message

    channel, sep, ref = to.partition(":")
    if not sep:
        channel, ref = "telegram", to
    message = campaign_message(campaign, lang)

    async def telegram() -> str:
        from bot.telegram.broadcast import Broadcaster
        from bot.telegram.sender import record_blocked

        async def blocked(chat: str) -> None:
            await store.run(record_blocked, store, chat)

        sender = Broadcaster(settings.telegram_base_url, settings.telegram_bot_token, blocked)
        await sender.start()
        try:
            return await sender.send(ref, message)
        finally:
            await sender.close()

    async def zalo() -> str:
        from bot.clock import today_in_vietnam
        from bot.turns import Conversations
        from bot.zalo.channel import ZaloChannel

        content = _content(settings)
        conversations = Conversations(store, content, today_in_vietnam)
        zalo = ZaloChannel(settings, store, content, conversations)
        await zalo.api.start()
        try:
            return await zalo.broadcast(ref, lang, message)
        finally:
            await zalo.api.close()

    if channel == "telegram" and not settings.telegram_bot_token:
        print("hiendien: set TELEGRAM_BOT_TOKEN first", file=sys.stderr)
        return 2
    if channel == "zalo" and not settings.zalo_app_id:
        print("hiendien: set ZALO_APP_ID and ZALO_APP_SECRET first", file=sys.stderr)
        return 2
    if channel not in ("telegram", "zalo") or not ref.strip():
        print(f'hiendien: --to "{to}": write a Telegram chat id or zalo:USER_ID', file=sys.stderr)
        return 2
    status = asyncio.run(telegram() if channel == "telegram" else zalo())
    if status == "sent":
        print(f"test message of campaign {campaign['id']} ({lang}) sent to {channel} {ref}")
        return 0
    why = TEST_OUTCOMES.get(status, status.removeprefix("failed:"))
    print(f"hiendien: not sent to {channel} {ref}: {why}", file=sys.stderr)
    return 1


def _local(at: Any) -> str:
    from bot.clock import VIETNAM

    return at.astimezone(VIETNAM).strftime("%Y-%m-%d %H:%M")


def _campaign_fields(
    args: argparse.Namespace, parse_at: Any, monthly: Any, now: Any
) -> dict[str, Any]:
    text = _campaign_text(args.text_file)
    text_en = _campaign_text(args.text_file_en) if args.text_file_en else None
    if args.button_en and not args.button:
        raise ValueError("--button-en is the English title of --button: give --button too")
    title = url = None
    if args.button:
        title, sep, url = args.button.partition("=")
        if not sep or not title.strip() or not url.strip().startswith("https://"):
            raise ValueError(
                '--button must look like "Đăng ký ngay=https://hiendienonline.tenmien.vn"'
            )
        title, url = title.strip(), url.strip()
    first_at = parse_at(args.at) if args.at else None
    if first_at is not None and first_at < now:
        raise ValueError(f"--at {args.at} is in the past")
    if args.every:
        monthly.parse(args.every)
    return {
        "text": text,
        "text_en": text_en,
        "button_title": title,
        "button_title_en": args.button_en.strip() if args.button_en else None,
        "button_url": url,
        "segment": args.segment,
        "source": args.source,
        "area": args.area,
        "first_at": first_at,
        "every": args.every,
        "quiet_hours": not args.ignore_quiet_hours,
        "status": "scheduled",
    }


def _campaign_text(path: str) -> str:
    text = Path(path).read_text(encoding="utf-8").strip()
    if not text:
        raise ValueError(f"{path} is empty")
    if len(text) > 2000:
        raise ValueError(f"{path}: {len(text)} characters; Zalo takes at most 2,000")
    return text


def _bot_username(settings: Settings) -> str:
    """The bot's @username for deep links, asked from the Bot API; "<bot>" if unreachable."""
    if not settings.telegram_bot_token:
        return "<bot>"
    import asyncio

    from telegram import Bot
    from telegram.error import TelegramError

    async def ask() -> str:
        async with Bot(settings.telegram_bot_token, base_url=settings.telegram_base_url) as bot:
            return bot.username

    try:
        return asyncio.run(ask())
    except (TelegramError, OSError):
        return "<bot>"


def cmd_db_upgrade(settings: Settings, _args: argparse.Namespace) -> int:
    migrate.upgrade(settings.hiendien_database_url)
    print("database is up to date", file=sys.stderr)
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="hiendien", description="The ward's .vn domain assistant")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="serve the web chat, the API and the configured channels")
    sub.add_parser("chat", help="the conversation in this terminal")
    leads = sub.add_parser("leads", help="the leads the community digital team follows up")
    leads_sub = leads.add_subparsers(dest="leads_command", required=True)
    export = leads_sub.add_parser("export", help="export leads as CSV or XLSX")
    export.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    export.add_argument("--output", type=Path, help="file to write (default: standard output)")
    staff = sub.add_parser("staff", help="community digital team members")
    staff_sub = staff.add_subparsers(dest="staff_command", required=True)
    invite = staff_sub.add_parser("invite", help="a one-time code that links a chat account")
    invite.add_argument("--team", required=True, help='e.g. "Tổ công nghệ số 1"')
    invite.add_argument("--role", choices=("member", "admin"), default="member")
    staff_sub.add_parser("list", help="teams and their linked members")
    remove = staff_sub.add_parser("remove", help="unlink a member")
    remove.add_argument("member_id", type=int, help="the id shown by 'hiendien staff list'")
    zalo = sub.add_parser("zalo", help="the Zalo Official Account")
    zalo_sub = zalo.add_subparsers(dest="zalo_command", required=True)
    zalo_sub.add_parser("check", help="show the OA, the token's expiry and the webhook URL")
    set_token = zalo_sub.add_parser("set-token", help="start again from a new refresh token")
    set_token.add_argument(
        "refresh_token",
        nargs="?",
        help="the new token; leave it out to paste it when asked (or pipe it in), which keeps "
        "it out of the shell's history and works for a token starting with '-'",
    )
    broadcast = sub.add_parser("broadcast", help="campaigns to subscribers of programme news")
    b_sub = broadcast.add_subparsers(dest="broadcast_command", required=True)
    create = b_sub.add_parser("create", help="a broadcast, now, at a time, or monthly")
    create.add_argument("--text-file", required=True, help="the message (UTF-8 text)")
    create.add_argument(
        "--text-file-en", help="the message in English, for subscribers who chose English"
    )
    create.add_argument("--button", help='"Title=https://…" a link button')
    create.add_argument("--button-en", help="the button's title in English (same link)")
    create.add_argument(
        "--segment",
        choices=("youth", "business", "household", "eligible", "all"),
        default="all",
        help="eligible: found eligible and not yet registered",
    )
    create.add_argument("--source", help="only subscribers who came from this campaign code")
    create.add_argument("--area", help='only this tổ dân phố, e.g. "Tổ dân phố 5"')
    create.add_argument("--at", help='Vietnam time, "2026-12-01 09:00" (default: now)')
    create.add_argument("--every", help='monthly: days and time, "1,15 09:00"')
    create.add_argument("--ignore-quiet-hours", action="store_true", help="also send 21:00–07:00")
    b_sub.add_parser("list", help="all campaigns")
    for name, what in (("show", "a campaign and its delivery figures"), ("cancel", "stop it")):
        one = b_sub.add_parser(name, help=what)
        one.add_argument("campaign_id", type=int)
    test = b_sub.add_parser("test", help="send the message to one chat to see how it looks")
    test.add_argument("campaign_id", type=int)
    test.add_argument(
        "--to",
        required=True,
        help='a Telegram chat id ("123456789" or "telegram:123456789") or "zalo:USER_ID"',
    )
    test.add_argument("--lang", choices=("vi", "en"), default="vi", help="which text")
    dbp = sub.add_parser("db", help="database maintenance")
    db_sub = dbp.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="create or migrate the database to the latest schema")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    settings = get_settings()
    logging.basicConfig(
        level=settings.hiendien_log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    if args.command == "run":
        return cmd_run(settings, args)
    if args.command == "chat":
        return cmd_chat(settings, args)
    if args.command == "leads":
        return cmd_export(settings, args)
    if args.command == "staff":
        return cmd_staff(settings, args)
    if args.command == "zalo":
        return cmd_zalo(settings, args)
    if args.command == "broadcast":
        return cmd_broadcast(settings, args)
    return cmd_db_upgrade(settings, args)
