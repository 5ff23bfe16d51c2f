"""hiendien's Zalo settings block pointed at the Zalo stand-in (``ZALO_*`` as an operator
would set them for that OA), so every test builds it the same way.

May import: bot.channels.zalo.settings, tests.support.
"""

from __future__ import annotations

from typing import Any

from bot.channels.zalo.settings import ZaloSettings
from tests.support.zalo_standin import ZaloStandIn

FRESH = "fresh"  # a new, unused refresh token minted by the stand-in


def zalo_block(zalo: ZaloStandIn, refresh_token: str | None = FRESH, **extra: Any) -> ZaloSettings:
    """The block for ``zalo``'s OA; ``refresh_token``: the seed (a fresh one by default, None:
    none, the one in the database is used); ``extra``: more of the block."""
    seed = zalo.seed_refresh_token() if refresh_token == FRESH else refresh_token
    return ZaloSettings(
        app_id=zalo.app_id,
        app_secret=zalo.app_secret,
        oa_secret_key=zalo.oa_secret_key,
        refresh_token=seed,
        api_base_url=zalo.api_base_url,
        oauth_base_url=zalo.oauth_base_url,
        **extra,
    )
