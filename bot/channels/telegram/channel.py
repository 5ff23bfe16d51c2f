"""The Telegram channel: a python-telegram-bot Application built by hiendien, its handlers,
its life inside ``hiendien run`` (polling, or a webhook on our aiohttp app whose updates are
stored before they are acknowledged: bot.inbox), and the team workflow's buttons.

Residents talk only in private chats; what they type, tap or share becomes an
:class:`~handlers.types.Inbound` for the same conversation service as every channel
(:class:`~bot.channels.base.Turns`). In groups the bot serves only the team: lead cards,
claims and status buttons.

Everything read from an update passes through :func:`handlers.text.clean`; ids typed or
carried by a button are read by :func:`handlers.text.whole_number`.

The webhook passes the limits (bot.limits): its callers' IP (off by default: Telegram sends
from a few servers), the body size (413), and after the secret each Telegram user's
(an update over it is dropped with a 200: a non-2xx would have Telegram redeliver it).

May import: bot.channels (base, notices, this package), bot.errors, bot.inbox, bot.limits,
bot.settings, bot.outbox, db, handlers.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import re
from datetime import timedelta
from typing import Any

from aiohttp import web
from telegram import BotCommand, ReplyKeyboardRemove, Update
from telegram.constants import ChatType
from telegram.error import InvalidToken, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.channels.base import Channel, ConfigError, Context
from bot.channels.notices import resident_lang
from bot.channels.telegram import CHANNEL, links, render
from bot.channels.telegram.broadcast import Broadcaster
from bot.channels.telegram.limits import FloodLimits, PerChatUpdates
from bot.channels.telegram.links import staff_link
from bot.channels.telegram.request import AiohttpRequest
from bot.channels.telegram.sender import ESCALATE_HOURS, TelegramSender, record_blocked
from bot.channels.telegram.settings import TelegramSettings
from bot.errors import BACKGROUND
from bot.limits import TooLarge, limits_of, read_body
from bot.settings import Settings
from db import conversations, followup, team
from db.models import utcnow
from handlers.domains import programme_name
from handlers.text import clean, whole_number
from handlers.types import Inbound, Message, Reply

log = logging.getLogger(__name__)

UPDATES = ["message", "callback_query"]
WEBHOOK_PATH = "/webhooks/telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105  (a header name)
MIN_SECRET = 32  # characters of TELEGRAM_WEBHOOK_SECRET (Telegram allows 1 to 256)
_STAFF_START = re.compile(r"^/start(?:@\w+)?\s+staff-(\S+)\s*$")
_START_PAYLOAD = re.compile(r"^/start(?:@\w+)?\s+(\S+)")
_VALID_PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
COMMANDS = ("start", "menu", "hoi", "nhantin", "stop", "dulieu", "xoa", "english")
REMINDER_CHECK_SECONDS = 60
REGISTERED_COMMAND = "dangky"  # "/dangky 12 lan.id.vn": a lead registered, with its domain
ALERTS = ("not_member", "taken", "not_yours", "other_team", "no_team", "domain_needed")
__all__ = ["ConfigError", "TelegramChannel"]


class TelegramChannel(Channel):
    name = CHANNEL
    title = "Telegram"
    capabilities = render.TELEGRAM
    settings_block = TelegramSettings
    recipient = "mã cuộc trò chuyện Telegram"
    recipient_help = 'mã cuộc trò chuyện Telegram ("123456789" hoặc "telegram:123456789")'
    bare_ids = True
    needs = "đặt TELEGRAM_BOT_TOKEN"

    @classmethod
    def configured(cls, settings: Settings) -> bool:
        return bool(settings.block(TelegramSettings).bot_token)

    @classmethod
    def staff_link(cls, settings: Settings, code: str) -> str | None:
        return staff_link(settings.block(TelegramSettings), code)

    @classmethod
    def source_link(cls, settings: Settings, code: str) -> str | None:
        return links.source_link(settings.block(TelegramSettings), code)

    def __init__(
        self,
        ctx: Context,
        *,
        private_per_second: float = 1.0,
        overall_per_second: float | None = None,
    ) -> None:
        super().__init__(ctx)
        self.settings = settings = ctx.settings.block(TelegramSettings)
        if not settings.bot_token:
            raise ConfigError("chưa đặt TELEGRAM_BOT_TOKEN")
        public = ctx.settings.hiendien_public_url
        self.webhook_url = public.rstrip("/") + WEBHOOK_PATH if public else None
        self.secret = settings.webhook_secret
        if self.webhook_url and not self.secret:
            raise ConfigError(
                "HIENDIEN_PUBLIC_URL đã được đặt nên Telegram chạy theo kiểu webhook, cần thêm "
                "TELEGRAM_WEBHOOK_SECRET (từ 32 ký tự trở lên, chỉ gồm A-Z a-z 0-9 _ -)"
            )
        if self.secret and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", self.secret):
            raise ConfigError("TELEGRAM_WEBHOOK_SECRET chỉ được gồm các ký tự A-Z a-z 0-9 _ -")
        if self.secret and len(self.secret) < MIN_SECRET:
            raise ConfigError(
                f"TELEGRAM_WEBHOOK_SECRET quá ngắn ({len(self.secret)} ký tự): cần từ "
                f"{MIN_SECRET} ký tự ngẫu nhiên trở lên (A-Z a-z 0-9 _ -), ví dụ tạo bằng "
                '"openssl rand -hex 24"'
            )
        self.store = store = ctx.store
        self.content = content = ctx.content
        self.turns = ctx.turns
        self.limits = FloodLimits(overall_per_second or settings.max_per_second, private_per_second)
        self.pace = self.limits.overall  # shared with broadcasts (bot.campaigns)
        builder = (
            ApplicationBuilder()
            .token(settings.bot_token)
            .base_url(settings.base_url)
            .request(AiohttpRequest(connection_pool_size=64))
            .get_updates_request(AiohttpRequest(connection_pool_size=1))
            .rate_limiter(self.limits)
            .concurrent_updates(PerChatUpdates())
        )
        if self.webhook_url:
            builder = builder.updater(None)
        self.app: Application[Any, Any, Any, Any, Any, Any] = builder.build()
        self.sender = TelegramSender(self.app.bot, store, content, settings.leads_chat_id)
        self.broadcaster = Broadcaster(settings.base_url, settings.bot_token, self._blocked)
        self._contact_keyboard: set[int] = set()  # chats showing "share my phone number"
        self._tasks: list[asyncio.Task[None]] = []
        self.app.add_handler(CommandHandler("staff", self.on_staff))
        self.app.add_handler(CommandHandler(REGISTERED_COMMAND, self.on_registered))
        self.app.add_handler(CallbackQueryHandler(self.on_team_button, pattern=r"^l[cs]:"))
        self.app.add_handler(
            MessageHandler(
                filters.ChatType.PRIVATE & (filters.TEXT | filters.CONTACT),
                self.on_resident_message,
            )
        )
        self.app.add_handler(CallbackQueryHandler(self.on_resident_button))
        self.app.add_error_handler(self.on_error)
        ctx.inbox.register(CHANNEL, self.on_stored_update)

    # --- residents ------------------------------------------------------------------------

    async def on_resident_message(self, update: Update, _ctx: ContextTypes.DEFAULT_TYPE) -> None:
        message, user = update.effective_message, update.effective_user
        if message is None or user is None:
            return
        if message.text and (m := _STAFF_START.match(message.text)):
            await self._link_staff(update, m.group(1))
            return
        contact_phone = None
        if message.contact is not None:
            if message.contact.user_id != user.id:
                lang = await self.store.run(resident_lang, self.store, CHANNEL, str(user.id))
                await message.reply_text(self.content.render(lang, "telegram.contact_not_own"))
                return
            contact_phone = clean(message.contact.phone_number)
        text = clean(message.text) if message.text is not None else None
        if text and (m := _START_PAYLOAD.match(text)) and not _VALID_PAYLOAD.match(m.group(1)):
            log.info("telegram: ignored an invalid /start payload (%d characters)", len(m.group(1)))
        inbound = Inbound(
            CHANNEL,
            str(user.id),
            text=text,
            contact_phone=contact_phone,
            external_id=str(update.update_id),
            replay=True,  # handled again after a crash: the kept reply (bot.inbox)
        )
        reply = await self.turns.handle(inbound)
        if reply is not None:
            await self.send_reply(message.chat_id, reply)

    async def on_resident_button(self, update: Update, _ctx: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        message = query.message
        if message is None or message.chat.type != ChatType.PRIVATE:
            await query.answer()
            return

        async def acknowledge() -> None:  # stop the spinner; a tapped keyboard goes away
            with contextlib.suppress(TelegramError):
                await query.answer()
                await query.edit_message_reply_markup(None)

        ack = asyncio.create_task(acknowledge())
        data = clean(query.data) if query.data is not None else None
        inbound = Inbound(
            CHANNEL,
            str(query.from_user.id),
            payload=data,
            external_id=str(update.update_id),
            replay=True,
        )
        try:
            reply = await self.turns.handle(inbound)
        finally:
            await ack
        if reply is not None:
            await self.send_reply(message.chat.id, reply)

    async def send(self, user_ref: str, reply: Reply) -> None:
        await self.send_reply(int(user_ref), reply)

    async def send_reply(self, chat_id: int, reply: Reply) -> None:
        for message in render.merged(reply, first_alone=chat_id in self._contact_keyboard):
            markup: Any = render.keyboard(message)
            if message.share_contact:
                markup = render.share_contact(message.share_contact)
                self._contact_keyboard.add(chat_id)
            elif markup is None and chat_id in self._contact_keyboard:
                markup = ReplyKeyboardRemove()
                self._contact_keyboard.discard(chat_id)
            await self.app.bot.send_message(chat_id, message.text, reply_markup=markup)

    async def broadcast(self, user_ref: str, _lang: str, message: Message) -> str:
        """One campaign message (bot.campaigns, paced there on ``self.limits.overall``): a
        delivery status."""
        return await self.broadcaster.send(user_ref, message)

    # --- the team -------------------------------------------------------------------------

    async def on_staff(self, update: Update, ctx: ContextTypes.DEFAULT_TYPE) -> None:
        if not ctx.args:
            if update.effective_message:
                await update.effective_message.reply_text(self.content.render("vi", "team.usage"))
            return
        await self._link_staff(update, ctx.args[0])

    async def _link_staff(self, update: Update, code: str) -> None:
        user, message = update.effective_user, update.effective_message
        if user is None or message is None:
            return

        def redeem() -> tuple[str, dict[str, Any] | None]:
            with self.store.transaction() as tx:
                name = clean(user.full_name)
                return team.redeem_invite(tx, code, CHANNEL, str(user.id), name)

        outcome, member = await self.store.run(redeem)
        if outcome == "linked" and member:
            text = self.content.render(
                "vi", "team.linked", team=member["team"], role=member["role"]
            )
        else:
            text = self.content.render("vi", f"team.invite_{outcome}")
        await message.reply_text(text)

    async def on_team_button(self, update: Update, _ctx: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None or not query.data:
            return
        parts = query.data.split(":")
        account = str(query.from_user.id)

        def act() -> str | None:
            with self.store.transaction() as tx:
                if not conversations.mark_seen(tx, CHANNEL, str(update.update_id)):
                    return None
                member = team.member_for(tx, CHANNEL, account)
                if member is None:
                    return "not_member"
                actor = followup.actor_of_member(tx, member)
                lead_id = whole_number(parts[1]) if len(parts) > 1 else None
                if lead_id is None:
                    return "missing"
                tell = self.ctx.writes_first  # residents there hear of their request
                if parts[0] == "lc":
                    return followup.claim_lead(tx, lead_id, actor, writes_first=tell)
                if len(parts) == 3 and parts[2] in followup.STATUSES:
                    # "registered" needs the domain: the answer asks the member to type
                    # "/dangky ID name" (on_registered)
                    return followup.set_status(tx, lead_id, actor, parts[2], writes_first=tell)
                return "missing"

        try:
            outcome = await self.store.run(act)
        except (ValueError, IndexError):
            outcome = "missing"
        if outcome is None:  # a redelivered tap
            return
        self.ctx.wake_outbox()
        await query.answer(
            self.content.render("vi", f"team.answers.{outcome}", lead_id=parts[1]),
            show_alert=outcome in ALERTS,
        )

    async def on_registered(self, update: Update, ctx: ContextTypes.DEFAULT_TYPE) -> None:
        """ "/dangky ID tên-miền": a member records the domain a lead registered — the
        "registered" button's second half (a status that needs the name)."""
        message, user = update.effective_message, update.effective_user
        if message is None or user is None:
            return
        args = ctx.args or []
        lead_id = whole_number(args[0].lstrip("#")) if len(args) == 2 else None
        if lead_id is None:
            await message.reply_text(self.content.render("vi", "team.registered_usage"))
            return
        domain = clean(args[1])

        def act() -> str | None:
            with self.store.transaction() as tx:
                if not conversations.mark_seen(tx, CHANNEL, str(update.update_id)):
                    return None
                member = team.member_for(tx, CHANNEL, str(user.id))
                if member is None:
                    return "not_member"
                actor = followup.actor_of_member(tx, member)
                return followup.set_status(
                    tx,
                    lead_id,
                    actor,
                    "registered",
                    domain=domain,
                    writes_first=self.ctx.writes_first,
                )

        outcome = await self.store.run(act)
        if outcome is None:  # a redelivered message
            return
        self.ctx.wake_outbox()
        key = "team.registered_ok" if outcome in ("ok", "same") else f"team.answers.{outcome}"
        shown = programme_name(domain).name or domain
        await message.reply_text(self.content.render("vi", key, lead_id=lead_id, domain=shown))

    # --- life inside hiendien run ----------------------------------------------------------

    async def on_stored_update(self, body: dict[str, Any]) -> None:
        """A webhook update, from the inbox (bot.inbox): through the handlers, in order
        within its chat (the inbox sees to that)."""
        update = Update.de_json(body, self.app.bot)
        if update is not None:
            await self.app.process_update(update)

    async def on_error(self, update: object, ctx: ContextTypes.DEFAULT_TYPE) -> None:
        if ctx.error is None:
            return
        ref = f"update {update.update_id}" if isinstance(update, Update) else "telegram"
        BACKGROUND.report(log, "telegram update failed", ctx.error, ref)

    async def _reminders(self) -> None:
        hours = self.content.ward.lead_reminder_hours

        def check() -> int:
            with self.store.transaction() as tx:
                return followup.queue_reminders(
                    tx, utcnow(), timedelta(hours=hours), timedelta(hours=ESCALATE_HOURS), CHANNEL
                )

        while True:
            try:
                if await self.store.run(check):
                    self.ctx.wake_outbox()
            except Exception:
                log.exception("lead reminders failed; trying again")
            await asyncio.sleep(REMINDER_CHECK_SECONDS)

    async def _blocked(self, chat: str) -> None:
        await self.store.run(record_blocked, self.store, chat)

    def routes(self) -> list[web.RouteDef]:
        return [web.post(WEBHOOK_PATH, self.webhook)]

    async def connect(self) -> None:
        await self.broadcaster.start()

    async def disconnect(self) -> None:
        await self.broadcaster.close()

    async def start(self) -> None:
        """Begin serving; an error says why without the token (it is shown on /healthz and in
        the log, where PTB's own "token rejected" message would print it)."""
        token = self.settings.bot_token or ""
        try:
            await self._start()
        except InvalidToken:
            raise InvalidToken(
                "Telegram từ chối TELEGRAM_BOT_TOKEN / the token was refused — sửa: lấy lại "
                "token của bot từ @BotFather"
            ) from None
        except Exception as exc:
            if token and token in str(exc):
                raise RuntimeError(str(exc).replace(token, "…")) from None
            raise

    async def _start(self) -> None:
        await self.connect()
        await self.app.initialize()
        links.remember(self.settings, self.app.bot.username)  # for source links
        commands = [
            BotCommand(c, self.content.render("vi", f"telegram.commands.{c}")) for c in COMMANDS
        ]
        await self.app.bot.set_my_commands(commands)
        if self.webhook_url:
            await self.app.bot.set_webhook(
                self.webhook_url, secret_token=self.secret, allowed_updates=UPDATES
            )
        await self.app.start()
        if not self.webhook_url and self.app.updater:
            await self.app.updater.start_polling(allowed_updates=UPDATES, poll_interval=0.0)
        self._tasks = [asyncio.create_task(self._reminders())]
        mode = "webhook " + self.webhook_url if self.webhook_url else "polling"
        log.info("telegram: serving @%s by %s", self.app.bot.username, mode)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self.app.updater and self.app.updater.running:
            await self.app.updater.stop()
        if self.app.running:
            await self.app.stop()
        await self.app.shutdown()
        # after a start that failed half-way the app was never initialised and its shutdown
        # skipped the bot's HTTP sessions: closed here, so a next start (bot.channels.supervisor)
        # opens them again (a no-op when the app's shutdown did it)
        await self.app.bot.shutdown()
        await self.disconnect()

    def _secret_given(self, request: web.Request) -> bool:
        """The header holds our secret (compared in constant time, as bytes; a header that is
        not even ASCII is simply not it)."""
        given = request.headers.get(SECRET_HEADER, "")
        if not self.secret or not given.isascii():
            return False
        return hmac.compare_digest(given.encode("ascii"), self.secret.encode("ascii"))

    async def webhook(self, request: web.Request) -> web.Response:
        """POST /webhooks/telegram: the secret first (constant time; 401 when wrong), then
        the body: a JSON object that reads as an update (400 otherwise), written to the
        inbox before the 200 and handled from there (bot.inbox)."""
        limits = limits_of(request)
        refused = limits.webhook_refused(request)
        if refused is not None:
            return refused
        if not self._secret_given(request):
            log.warning("telegram webhook: wrong or missing secret token")
            return web.json_response({"error": "wrong or missing secret token"}, status=401)
        try:
            body = await read_body(request, limits.webhook_max_bytes)
        except TooLarge:
            return limits.too_large(limits.webhook_max_bytes)
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            return web.json_response({"error": "the body is not JSON"}, status=400)
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            return web.json_response({"error": "not a Telegram update"}, status=400)
        try:
            update = Update.de_json(data, self.app.bot)
        except Exception:  # a library reading odd fields: the body is not an update
            return web.json_response({"error": "not a Telegram update"}, status=400)
        if update is None:
            return web.json_response({"error": "not a Telegram update"}, status=400)
        user = update.effective_user
        if user is not None and limits.webhook_user_over(CHANNEL, str(user.id)):
            return web.json_response({"ok": True, "dropped": "over the user's limit"})
        chat = update.effective_chat
        chat_ref = str(chat.id) if chat is not None else None
        await self.ctx.inbox.accept(CHANNEL, str(update.update_id), chat_ref, data)
        return web.json_response({"ok": True})
