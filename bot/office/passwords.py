"""Office passwords: the rules a new one must meet (at least 10 characters, not one of the
commonly used passwords in zxcvbn's list, not the account's own e-mail) and argon2 hashing.

May import: nothing of hiendien.
"""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10
MAX_LENGTH = 200  # argon2 takes any length; a bound keeps a request from costing much
_HASHER = PasswordHasher()
# verified against when the e-mail is unknown, so an unknown account costs the same time
_DUMMY = _HASHER.hash("hiendien: no such account")


@lru_cache(maxsize=1)
def _common() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def problem(password: str, email: str = "") -> str | None:
    """Why this password cannot be used ("too_short", "too_long", "common"), or None."""
    if len(password) < MIN_LENGTH:
        return "too_short"
    if len(password) > MAX_LENGTH:
        return "too_long"
    lowered = password.lower()
    local = email.split("@", 1)[0].lower()
    if lowered in _common() or (local and local in lowered and len(local) >= len(lowered) - 4):
        return "common"
    return None


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; an account without a password takes as long to refuse."""
    try:
        return _HASHER.verify(password_hash or _DUMMY, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False
