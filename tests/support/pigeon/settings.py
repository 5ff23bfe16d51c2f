"""The pigeon channel's settings block: ``PIGEON_LOFT`` (the channel is served when it is set)
and ``PIGEON_WEATHER`` ("storm" grounds the birds: /healthz says degraded)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from bot.settings import Block


class PigeonSettings(Block):
    model_config = SettingsConfigDict(env_prefix="PIGEON_")

    loft: str | None = None
    weather: str = "fair"
