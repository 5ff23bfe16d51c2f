"""Verifying Zalo's ``X-ZEvent-Signature`` on the raw bytes, before anything is parsed.

``mac=`` + sha256(app id + raw body + the body's timestamp + OA secret key), a plain
SHA-256 of the concatenation (not HMAC), compared in constant time. The variants the
platform brief lists as uncertain are a setting (``ZALO_SIGNATURE_VARIANT``).
:func:`sent_at` reads the signed timestamp (epoch milliseconds), for refusing stale events.

May import: the standard library only.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import UTC, datetime

VARIANTS = ("app_id", "oa_id", "header_timestamp")
_TIMESTAMP = re.compile(rb'"timestamp"\s*:\s*"?(\d{1,20})"?')
_OA_ID = re.compile(rb'"oa_id"\s*:\s*"?(\d{1,32})"?|"recipient"\s*:\s*\{\s*"id"\s*:\s*"(\d{1,32})"')


def mac(prefix: str, raw: bytes, timestamp: str, secret: str) -> str:
    data = prefix.encode() + raw + timestamp.encode() + secret.encode()
    return hashlib.sha256(data).hexdigest()


def _timestamp(raw: bytes, variant: str, header_timestamp: str | None) -> str:
    """The timestamp the signature covers: the body's, or the header's (that variant)."""
    if variant == "header_timestamp":
        return header_timestamp or ""
    found = _TIMESTAMP.search(raw)
    return found.group(1).decode() if found else ""


def sent_at(
    raw: bytes, variant: str = "app_id", header_timestamp: str | None = None
) -> datetime | None:
    """When Zalo says it sent the event: the signed timestamp, epoch milliseconds (None when
    there is none, or it is not a moment)."""
    stamp = _timestamp(raw, variant, header_timestamp).strip()
    if not stamp.isdecimal() or not stamp.isascii():
        return None
    try:
        return datetime.fromtimestamp(int(stamp) / 1000, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def verify(
    raw: bytes,
    header: str | None,
    *,
    app_id: str,
    secret: str,
    variant: str = "app_id",
    header_timestamp: str | None = None,
) -> bool:
    """True only for a signature made with our secret over exactly these bytes (a header
    that is not ASCII is never one)."""
    if not header or not secret or not header.isascii():
        return False
    if header_timestamp is not None and not header_timestamp.isascii():
        return False
    given = header.strip().lower().removeprefix("mac=").strip()
    timestamp = _timestamp(raw, variant, header_timestamp)
    prefix = app_id
    if variant == "oa_id":
        found = _OA_ID.search(raw)
        prefix = (found.group(1) or found.group(2)).decode() if found else ""
    if not timestamp or not prefix:
        return False
    return hmac.compare_digest(given.encode("ascii"), mac(prefix, raw, timestamp, secret).encode())
