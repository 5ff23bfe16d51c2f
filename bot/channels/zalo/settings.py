"""Zalo's settings block: the ``ZALO_*`` environment variables (listed with comments in
.env.example).

May import: bot.settings and pydantic.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from bot.settings import Block

# Where hiendien serves Zalo's webhook: HIENDIEN_PUBLIC_URL + this goes in Zalo's console.
WEBHOOK_PATH = "/webhooks/zalo"


class ZaloSettings(Block):
    model_config = SettingsConfigDict(env_prefix="ZALO_")

    app_id: str | None = None
    app_secret: str | None = None
    oa_secret_key: str | None = None
    refresh_token: str | None = None
    # The OA's id (digits, shown in the OA manager): its public page https://zalo.me/OA_ID is
    # the Zalo link and QR code of campaign sources. Unset: no Zalo link.
    oa_id: str | None = None
    api_base_url: str = "https://openapi.zalo.me"
    oauth_base_url: str = "https://oauth.zaloapp.com"
    # How Zalo signs webhooks: "app_id" (the documented recipe), "oa_id" (the OA id in place
    # of the app id) or "header_timestamp" (the timestamp from X-ZEvent-Timestamp).
    signature_variant: str = "app_id"
    # A signed event whose timestamp is further than this from now is refused (401): a
    # replayed old event. Inbound de-duplication is kept a week, far longer.
    max_event_age_seconds: float = Field(default=900, gt=0)
    # Hours the bot stays quiet for a resident after ward staff replied in the OA manager.
    handover_hours: float = 12
