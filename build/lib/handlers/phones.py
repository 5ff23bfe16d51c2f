"""Vietnamese phone numbers typed by people: understood, stored as E.164, shown masked.

Numbers are read with ``phonenumbers`` (default region VN), so ``0912 345 678``,
``0912.345.678``, ``+84912345678``, ``84-912-345-678`` and ``(+84) 912 345 678`` all become
``+84912345678``. Only runs of digits (with spaces, dots, dashes, brackets and ``+``) are
read, never letters: ``phonenumbers`` would otherwise turn "0912 abc 678" into a keypad
number. Nothing here raises on any string given to :func:`parse_phone`. Imports only the
standard library and phonenumbers.
"""

from __future__ import annotations

import enum
import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumber, PhoneNumberFormat

__all__ = ["PhoneProblem", "mask_phone", "national", "parse_phone"]

REGION = "VN"
_CANDIDATE = re.compile(r"[+(]*\d[\d\s().+-]*")  # a run of digits and phone punctuation
_KEEP = 3  # digits left visible at each end of a masked number


class PhoneProblem(enum.Enum):
    NOT_A_NUMBER = "not_a_number"  # no digits in the text
    INVALID = "invalid"  # digits, but not a valid number (wrong length, bad prefix)
    NOT_VIETNAMESE = "not_vietnamese"  # a valid number of another country


def _read(candidate: str) -> PhoneNumber | None:
    """The valid number ``candidate`` spells, or None."""
    try:
        number = phonenumbers.parse(candidate.strip(" .-("), REGION)
    except NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def parse_phone(text: str) -> str | PhoneProblem:
    """The Vietnamese number in ``text`` as E.164 (``+84912345678``), or why there is none."""
    if not isinstance(text, str):
        return PhoneProblem.NOT_A_NUMBER
    runs = _CANDIDATE.findall(text)
    if not runs:
        return PhoneProblem.NOT_A_NUMBER
    # Whole runs first ("0912 345 678"), then their pieces ("0912345678 0987654321").
    candidates = runs + [piece for run in runs for piece in run.split()]
    numbers = [n for n in map(_read, candidates) if n is not None]
    for number in numbers:
        if phonenumbers.region_code_for_number(number) == REGION:
            return phonenumbers.format_number(number, PhoneNumberFormat.E164)
    return PhoneProblem.NOT_VIETNAMESE if numbers else PhoneProblem.INVALID


def _parse_e164(e164: str) -> PhoneNumber:
    try:
        return phonenumbers.parse(e164, REGION)
    except NumberParseException as exc:
        raise ValueError(f"not a phone number: {e164!r}") from exc


def national(e164: str) -> str:
    """The number as people write it at home: ``+84912345678`` → ``0912 345 678``."""
    return phonenumbers.format_number(_parse_e164(e164), PhoneNumberFormat.NATIONAL)


def mask_phone(e164: str) -> str:
    """The national digits with the middle hidden: ``+84912345678`` → ``091****678``."""
    digits = re.sub(r"\D", "", national(e164))
    keep = min(_KEEP, max(0, (len(digits) - 1) // 2))
    hidden = len(digits) - 2 * keep
    return digits[:keep] + "*" * hidden + digits[len(digits) - keep :]
