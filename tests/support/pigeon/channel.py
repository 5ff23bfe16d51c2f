"""The pigeon channel: a webhook in, a loft out, the team's notices, campaigns, health and a
command group — every part of the Channel interface a platform channel uses."""

from __future__ import annotations

import argparse
from typing import Any

from aiohttp import web

from bot.channels import notices
from bot.channels.base import Channel, Context, Health, Subcommands
from bot.channels.capabilities import Capabilities
from bot.cli.common import Command, Fail
from bot.outbox import SENT, Delivery
from bot.settings import Settings
from handlers.types import Inbound, Message, Reply
from tests.support.pigeon.settings import PigeonSettings

LOFTS: dict[str, list[tuple[str, str]]] = {}  # loft → (person, text) of every bird sent


class PigeonSender:
    """The outbox's sender for pigeons: residents hear of their request by bird."""

    channels: tuple[str, ...] = ("pigeon",)

    def __init__(self, channel: PigeonChannel) -> None:
        self.channel = channel

    async def deliver(self, row: dict[str, Any]) -> Delivery:
        ctx = self.channel.ctx
        if row["kind"] != "resident_notice":
            return Delivery("dead", error=f"pigeons carry no {row['kind']}")
        notice = await notices.resident_notice(ctx.store, ctx.content, "pigeon", row)
        if notice is not None:
            self.channel.fly(row["recipient"], notice.text)
        return SENT


class PigeonChannel(Channel):
    name = "pigeon"
    title = "Pigeon"
    capabilities = Capabilities(buttons=False, url_buttons=False, max_length=500, writes_first=True)
    settings_block = PigeonSettings
    recipient = "pigeon:BIRD"
    recipient_help = '"pigeon:BIRD"'
    needs = "đặt PIGEON_LOFT"

    @classmethod
    def configured(cls, settings: Settings) -> bool:
        return bool(settings.block(PigeonSettings).loft)

    @classmethod
    def add_commands(cls, commands: Subcommands) -> None:
        pigeon = commands.add_parser("pigeon", help="the pigeon loft")
        sub = pigeon.add_subparsers(dest="pigeon_command", required=True)
        check = sub.add_parser("check", help="say whether the loft is set up")
        check.add_argument("--birds", type=int, default=1, help="how many birds to count")
        check.set_defaults(handler=check_loft)

    @classmethod
    def staff_link(cls, settings: Settings, code: str) -> str | None:
        return f"Pigeon: tie {code} to a bird's leg"

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.settings = ctx.settings.block(PigeonSettings)
        self.loft = LOFTS.setdefault(self.settings.loft or "", [])
        self.sender = PigeonSender(self)

    def routes(self) -> list[web.RouteDef]:
        return [web.post("/webhooks/pigeon", self.webhook)]

    async def webhook(self, request: web.Request) -> web.Response:
        note = await request.json()
        bird = str(note["from"])
        inbound = Inbound(self.name, bird, text=note.get("text"), payload=note.get("payload"))
        reply = await self.ctx.turns.handle(inbound)
        if reply is not None:
            await self.send(bird, reply)
        return web.json_response({"ok": True})

    def fly(self, user_ref: str, text: str) -> None:
        self.loft.append((user_ref, text))

    async def send(self, user_ref: str, reply: Reply) -> None:
        for message in self.render(reply):
            self.fly(user_ref, message.text)

    async def broadcast(self, user_ref: str, lang: str, message: Message) -> str:
        if self.settings.weather == "storm":
            return "failed:storm"
        self.fly(user_ref, self.render(Reply((message,)))[0].text)
        return "sent"

    def health(self) -> Health:
        if self.settings.weather == "storm":
            return {"status": "degraded", "why": "a storm: the birds stay in"}
        return {"status": "ok"}


def check_loft(cmd: Command) -> int:
    settings = cmd.settings.block(PigeonSettings)
    if not settings.loft:
        raise Fail("set PIGEON_LOFT first")
    args: argparse.Namespace = cmd.args
    print(f"loft {settings.loft}: {args.birds} bird(s) ready, weather {settings.weather}")
    return 0
