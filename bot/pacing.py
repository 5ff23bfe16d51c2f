"""An even pace under a platform's rate limit, shared by whoever sends on that platform.

95% of the limit, in a bucket small enough that no one-second window goes over the limit
even after a pause: from a standing start a leaky bucket lets its capacity through at once,
then one every 1/pace seconds, so the capacity is kept to half the 5% headroom (1 at
Telegram's 30 a second, 25 at 1,000); tests/bot/test_campaigns.py checks the bound.

May import: aiolimiter only.
"""

from __future__ import annotations

from aiolimiter import AsyncLimiter

HEADROOM = 0.95


def pacer(per_second: float) -> AsyncLimiter:
    """Lets at most ``0.95 × per_second`` through a second, evenly; never ``per_second``
    in any one-second window."""
    bucket = max(1, int(per_second * (1 - HEADROOM) / 2))
    return AsyncLimiter(bucket, bucket / (HEADROOM * per_second))
