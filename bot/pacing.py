"""An even pace under a platform's rate limit, shared by whoever sends on that platform.

95% of the limit, in small buckets: no burst at the start, no one-second window over the
limit (a bucket as large as the limit would let a whole second's worth out at once).
"""

from __future__ import annotations

from aiolimiter import AsyncLimiter

HEADROOM = 0.95
BUCKET = 10


def pacer(per_second: float) -> AsyncLimiter:
    """Lets at most ``0.95 × per_second`` through a second, evenly."""
    return AsyncLimiter(BUCKET, BUCKET / (HEADROOM * per_second))
