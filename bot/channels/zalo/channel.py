"""The Zalo channel: the signed webhook in, the engine, the OA API out.

``POST /webhooks/zalo`` checks the signature on the raw bytes before anything else (401),
then that the signed timestamp is within ``ZALO_MAX_EVENT_AGE_SECONDS`` of now (a replayed
old event: 401), then that the body is a JSON object (400), writes it to the inbox
(bot.inbox), answers 200 and handles the event from there, in order per resident; every
field is read as clean text (:func:`handlers.text.clean`), a field of the wrong type as
missing. A text (or a button's hidden payload) goes to the same conversation service as
every channel, de-duplicated on Zalo's msg_id.
Echoes of the OA's own messages never reach the engine; an echo of a message the bot did not
send is ward staff replying in the OA manager, and the bot keeps quiet for that resident.
A team member's "/staff CODE" and claims by number are the team's business
(:mod:`bot.channels.zalo.team`), answered before the conversation sees them.

Limits (bot.limits): the callers' IP before anything is read (off by default: Zalo sends
from a few servers), the body size (413), and after the signature each Zalo user's — an
event over it is dropped with a 200, since Zalo redelivers a non-200 for hours and then
disables the webhook. The OA's own echoes (``oa_send_*``: the bot's sends and ward staff's
replies) are never limited.

May import: bot.channels (base, notices, this package), bot.errors, bot.limits,
bot.settings, db, handlers.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import aiohttp
from aiohttp import web

from bot.channels.base import Channel, ConfigError, Context, Subcommands
from bot.channels.notices import resident_lang
from bot.channels.zalo import CHANNEL, render, signature
from bot.channels.zalo import team as zalo_team
from bot.channels.zalo.api import TokenError, ZaloApi, ZaloError
from bot.channels.zalo.commands import add_zalo_commands
from bot.channels.zalo.sender import ZaloSender
from bot.channels.zalo.settings import WEBHOOK_PATH, ZaloSettings
from bot.channels.zalo.team import StaffCommand
from bot.errors import BACKGROUND
from bot.limits import TooLarge, limits_of, read_body
from bot.settings import Settings
from db import conversations, subscribers
from db.models import utcnow
from handlers.engine import asking_for_contact
from handlers.text import clean
from handlers.types import Inbound, Message, Reply

log = logging.getLogger(__name__)

HAND_BACK = frozenset({"#bot", "/bot"})  # staff type this in the OA manager to hand back
UNTYPED = frozenset(
    {
        "user_send_image",
        "user_send_gif",
        "user_send_sticker",
        "user_send_file",
        "user_send_audio",
        "user_send_video",
        "user_send_location",
        "user_send_link",
        "user_send_business_card",
    }
)


def _object(value: Any) -> dict[str, Any]:
    """A JSON object of the event, or an empty one when the field is missing or not one."""
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str:
    """A field of the event as clean text ("" when missing or an object): ids, names, what
    a resident typed (:func:`handlers.text.clean`)."""
    if value is None or isinstance(value, dict | list):
        return ""
    return clean(str(value))


def _sender(event: dict[str, Any]) -> str:
    return _text(_object(event.get("sender")).get("id") or event.get("user_id"))


def _key(event: dict[str, Any]) -> str:
    """The event's id: its message's msg_id (a redelivery carries the same), or its kind,
    sender and time."""
    name = _text(event.get("event_name"))
    message_id = _text(_object(event.get("message")).get("msg_id"))
    return message_id or f"{name}:{_sender(event)}:{_text(event.get('timestamp'))}"


def _chat(event: dict[str, Any]) -> str | None:
    """Whose events must be handled in order: the resident's (or follower's). None for the
    echoes of the OA's own messages, which wait a moment each and keep no order."""
    if _text(event.get("event_name")).startswith("oa_send_"):
        return None
    return _text(_object(event.get("follower")).get("id")) or _sender(event) or None


class ZaloChannel(Channel):
    name = CHANNEL
    title = "Zalo"
    capabilities = render.ZALO_BUTTONS
    settings_block = ZaloSettings
    recipient = "zalo:USER_ID"
    recipient_help = '"zalo:USER_ID"'
    needs = "đặt ZALO_APP_ID và ZALO_APP_SECRET"
    window_advice = (
        "Zalo chỉ cho Official Account nhắn cho một người trong vòng 48 giờ sau tin nhắn gần "
        "nhất của người đó: hãy dùng tài khoản Zalo đó nhắn cho Official Account trước"
    )

    @classmethod
    def configured(cls, settings: Settings) -> bool:
        return bool(settings.block(ZaloSettings).app_id)

    @classmethod
    def add_commands(cls, commands: Subcommands) -> None:
        add_zalo_commands(commands)

    @classmethod
    def staff_link(cls, settings: Settings, code: str) -> str | None:
        if not cls.configured(settings):
            return None
        return f'Zalo: nhắn "/staff {code}" cho Official Account của phường'

    @classmethod
    def source_link(cls, settings: Settings, code: str) -> str | None:
        """The OA's page (``https://zalo.me/OA_ID``), where a resident follows the OA and
        writes to it. Zalo carries no parameter of ours through it, so residents coming
        this way are counted under no source: the same link for every source."""
        oa_id = (settings.block(ZaloSettings).oa_id or "").strip()
        return f"https://zalo.me/{quote(oa_id)}" if oa_id else None

    def __init__(self, ctx: Context, echo_delay: float = 2.0) -> None:
        super().__init__(ctx)
        settings = ctx.settings.block(ZaloSettings)
        self.app_id = settings.app_id or ""
        self.secret = settings.oa_secret_key or ""
        self.variant = settings.signature_variant
        if self.variant not in signature.VARIANTS:
            choices = ", ".join(signature.VARIANTS)
            raise ConfigError(f"ZALO_SIGNATURE_VARIANT phải là một trong: {choices}")
        self.handover = timedelta(hours=settings.handover_hours)
        self.max_age = timedelta(seconds=settings.max_event_age_seconds)
        self.store = store = ctx.store
        self.content = content = ctx.content
        self.turns = ctx.turns
        self.echo_delay = echo_delay  # an echo may arrive before our send has returned its id
        self.api = ZaloApi.from_settings(store, settings)
        self.sender = ZaloSender(self.api, store, content, self.capabilities, ctx.clock)
        ctx.inbox.register(CHANNEL, self.handle)

    def routes(self) -> list[web.RouteDef]:
        return [web.post(WEBHOOK_PATH, self.webhook)]

    def health(self) -> dict[str, str]:
        why = self.api.degraded
        return {"status": "degraded", "why": why} if why else {"status": "ok"}

    # --- inbound ----------------------------------------------------------------------------

    async def webhook(self, request: web.Request) -> web.Response:
        limits = limits_of(request)
        refused = limits.webhook_refused(request)
        if refused is not None:
            return refused
        try:
            body = await read_body(request, limits.webhook_max_bytes)
        except TooLarge:
            return limits.too_large(limits.webhook_max_bytes)
        if body.strip() in (b"{}", b""):  # Zalo's probe when the URL is saved
            return web.json_response({"ok": True})
        if not signature.verify(
            body,
            request.headers.get("X-ZEvent-Signature"),
            app_id=self.app_id,
            secret=self.secret,
            variant=self.variant,
            header_timestamp=request.headers.get("X-ZEvent-Timestamp"),
        ):
            log.warning(
                "zalo webhook: missing or wrong signature (%d bytes, not logged)", len(body)
            )
            return web.json_response({"error": "bad signature"}, status=401)
        sent = signature.sent_at(body, self.variant, request.headers.get("X-ZEvent-Timestamp"))
        if sent is None or abs(self.ctx.clock() - sent) > self.max_age:
            log.warning("zalo webhook: a signed event sent at %s refused as stale", sent)
            return web.json_response({"error": "stale event"}, status=401)
        try:
            event = json.loads(body)
        except (ValueError, RecursionError):
            return web.json_response({"error": "the body is not JSON"}, status=400)
        if not isinstance(event, dict):
            return web.json_response({"error": "not a Zalo event (a JSON object)"}, status=400)
        user = _text(_object(event.get("sender")).get("id") or event.get("user_id"))
        name = _text(event.get("event_name"))
        if user and not name.startswith("oa_send_") and limits.webhook_user_over(CHANNEL, user):
            return web.json_response({"ok": True, "dropped": "over the user's limit"})
        await self.ctx.inbox.accept(CHANNEL, _key(event), _chat(event), event)
        return web.json_response({"ok": True})

    async def handle(self, event: dict[str, Any]) -> None:
        try:
            await self._event(event)
        except Exception as exc:
            BACKGROUND.report(log, "zalo: an event could not be handled", exc, "zalo event")

    async def _event(self, event: dict[str, Any]) -> None:
        name = _text(event.get("event_name"))
        message = _object(event.get("message"))
        sender = _sender(event)
        key = _key(event)
        if name.startswith("user_send_") or name == "user_submit_info":
            text = _text(message.get("text")) if name == "user_send_text" else ""
            command = zalo_team.parse(text) if text and not render.payload_of(text) else None
            if await self._member_wrote(sender, command, key):
                return  # the team's business, answered
        if name.startswith("oa_send_"):
            await self._echo(event)
        elif name == "user_send_text":
            text = _text(message.get("text"))
            payload = render.payload_of(text)
            inbound = Inbound(
                CHANNEL,
                sender,
                text=None if payload else text,
                payload=payload,
                external_id=key,
                replay=True,  # handled again after a crash: the kept reply (bot.inbox)
            )
            await self._turn(sender, inbound)
        elif name == "follow":
            user = _text(_object(event.get("follower")).get("id")) or sender
            await self._turn(
                user, Inbound(CHANNEL, user, text="/start", external_id=key, replay=True)
            )
        elif name == "user_submit_info":
            await self._submitted(sender, _object(event.get("info")), key)
        elif name in UNTYPED:
            if await self._first_time(key) and not await self._paused(sender):
                lang = await self.store.run(resident_lang, self.store, CHANNEL, sender)
                await self.send(sender, Reply((self._say(lang, "zalo.please_type"),)))
        elif name == "unfollow":
            user = _text(_object(event.get("follower")).get("id")) or sender

            def stop_news() -> None:
                with self.store.transaction() as tx:
                    subscribers.unsubscribe(tx, CHANNEL, user)

            await self.store.run(stop_news)
        else:
            log.info("zalo: ignored event %s", name or "(none)")

    async def _member_wrote(self, user: str, command: StaffCommand | None, key: str) -> bool:
        """Someone wrote to the OA: a team member's last message time moves on (the OA may
        write to them for 48 hours), and "/staff CODE" or a member's claim by number is
        carried out and answered here. False: a resident's message, for the conversation."""
        name = ""
        if command is not None and command.kind == "link":
            name = await self._display_name(user)
        at = self.ctx.clock()

        def handle() -> tuple[zalo_team.Answer | None, bool]:
            with self.store.transaction() as tx:
                answer = zalo_team.member_wrote(
                    tx,
                    user,
                    command,
                    key=key,
                    at=at,
                    writes_first=self.ctx.writes_first,
                    display_name=name,
                )
                return answer, tx.enqueued

        answer, queued = await self.store.run(handle)
        if queued:
            self.ctx.wake_outbox()
        if answer is None:
            return False
        if answer.key:
            text = self.content.render(zalo_team.TEAM_LANG, answer.key, **answer.params)
            await self.send(user, Reply((Message(text),)))
        return True

    async def _display_name(self, user: str) -> str:
        """The name a new member is shown by (their Zalo name; the last digits of their id if
        Zalo does not say). A code made for an office user uses that user's name instead."""
        try:
            name = await self.api.user_name(user)
            name = clean(name) if name else None
        except (ZaloError, TokenError, aiohttp.ClientError, TimeoutError) as exc:
            log.info("zalo: a new member's name could not be read: %s", exc)
            name = None
        return name or f"Zalo …{user[-4:]}"

    def _say(self, lang: str, key: str) -> Message:
        return Message(self.content.render(lang, key))

    async def _turn(self, user: str, inbound: Inbound) -> Reply | None:
        reply = await self.turns.handle(inbound)
        if reply is not None:
            await self.send(user, reply)
        return reply

    async def _submitted(self, user: str, info: dict[str, Any], key: str) -> None:
        """Name and phone shared through Zalo's own card fill the lead's details, but only
        after the resident agreed in the chat (the consent step comes first)."""

        def state() -> Any:
            with self.store.transaction() as tx:
                return conversations.load(tx, CHANNEL, user).state

        asking = asking_for_contact(await self.store.run(state))
        if asking is None:
            log.info("zalo: shared info ignored (no consent in the chat, or not asked)")
            return
        name, phone = _text(info.get("name")).strip(), _text(info.get("phone")).strip()
        reply = None
        if asking == "name" and name:
            reply = await self.turns.handle(
                Inbound(CHANNEL, user, text=name, external_id=key + ":name", replay=True)
            )
        if phone:
            reply = await self.turns.handle(
                Inbound(CHANNEL, user, contact_phone=phone, external_id=key + ":phone", replay=True)
            )
        if reply is not None:
            await self.send(user, reply)

    async def _echo(self, event: dict[str, Any]) -> None:
        user = _text(_object(event.get("recipient")).get("id"))
        message = _object(event.get("message"))
        message_id = _text(message.get("msg_id"))
        hand_back = _text(message.get("text")).strip().lower() in HAND_BACK
        await asyncio.sleep(self.echo_delay)

        def staff_wrote() -> bool:
            with self.store.transaction() as tx:
                if conversations.was_sent(tx, CHANNEL, message_id):
                    return False
                until = None if hand_back else utcnow() + self.handover
                conversations.pause(tx, CHANNEL, user, until)
                return True

        if await self.store.run(staff_wrote):
            log.info(
                "zalo: ward staff %s",
                "handed back to the bot"
                if hand_back
                else "replied in the OA manager; the bot steps back",
            )

    async def _first_time(self, key: str) -> bool:
        """Record an event handled outside a conversation turn; False if seen before."""

        def mark() -> bool:
            with self.store.transaction() as tx:
                return conversations.mark_seen(tx, CHANNEL, key)

        return await self.store.run(mark)

    async def _paused(self, user: str) -> bool:
        def read() -> bool:
            with self.store.transaction() as tx:
                until = conversations.paused_until(tx, CHANNEL, user)
            return until is not None and until > utcnow()

        return await self.store.run(read)

    # --- outbound ---------------------------------------------------------------------------

    async def send(self, user_ref: str, reply: Reply) -> None:
        """A direct reply (inside the free 48-hour window the resident's message opened).
        The ids of what was sent are recorded, so their echoes are known as the bot's own."""
        sent: list[str] = []
        try:
            for rich, plain in render.messages(reply):
                try:
                    sent.append(await self.api.send(user_ref, rich))
                except ZaloError as exc:
                    if exc.kind != "buttons" or rich == plain:
                        log.warning("zalo: reply to a resident not delivered: %s", exc)
                        return
                    log.info("zalo: buttons refused (%s); sending numbered text", exc.code)
                    sent.append(await self.api.send(user_ref, plain))
        finally:
            if any(sent):
                await self.store.run(self._remember, [m for m in sent if m], user_ref)

    def _remember(self, message_ids: list[str], user: str) -> None:
        with self.store.transaction() as tx:
            conversations.record_sent(tx, CHANNEL, message_ids, user)

    async def broadcast(self, user_ref: str, _lang: str, message: Message) -> str:
        """One campaign message (bot.campaigns), only inside the free 48-hour window."""
        if not await self.may_write(user_ref):
            return "outside_window"
        try:
            message_id = await self.api.send(user_ref, render.with_buttons(message))
        except ZaloError as exc:
            return "outside_window" if exc.kind == "window" else f"failed:zalo {exc.code}"
        await self.store.run(self._remember, [message_id], user_ref)
        return "sent"

    # --- life inside hiendien run -------------------------------------------------------------

    async def connect(self) -> None:
        await self.api.start()

    async def start(self) -> None:
        """Connect and make sure Zalo takes the token (refreshed now if none is valid): a
        refused token or an unreachable Zalo fails the start, which is tried again in the
        background (bot.channels.supervisor), each time with the pair saved in the database
        (so ``hiendien zalo set-token`` from another process is picked up)."""
        await self.connect()
        await self.api.access_token()

    async def disconnect(self) -> None:
        await self.api.close()

    async def stop(self) -> None:  # the inbox, stopped first, finished what it had in hand
        await self.disconnect()
