"""Tax codes (mã số thuế / mã số doanh nghiệp): the one reading every part shares — the chat,
the registry import (:mod:`db.registry`), the registrars' lists — and finding one in what a
resident typed.

A tax code is 10 digits with a check digit, or 13 for a branch ("0101234565-001");
:func:`tax_code` reads one written with spaces, dots or a dash and checks it with
``python-stdnum`` (``stdnum.vn.mst``); it is kept as digits only. :func:`typed` tells, for a
chat message, whether it gives a tax code at all ("mst 0101234565", "ma so thue: 0101 234
565", or a long run of digits alone), and if so the code or that it is not a valid one.
Nothing here raises on any string. Imports only the standard library, stdnum and
``handlers.text``.
"""

from __future__ import annotations

import enum
import re

from stdnum import exceptions as stdnum_errors
from stdnum.vn import mst

from handlers.text import fold

__all__ = ["TaxCodeProblem", "shown", "tax_code", "typed"]

# Words that announce a tax code, on folded text ("mã số thuế" → "ma so thue").
_WORDS = re.compile(
    r"\b(?:mst|msdn|ma ?so ?thue|ma ?so ?doanh ?nghiep|ma ?doanh ?nghiep|ma ?thue"
    r"|ma ?so ?dn|tax ?(?:code|id|number)|enterprise ?code)\b"
)
_RUN = re.compile(r"\d(?:[\d .-]*\d)?")  # digits, with the spaces, dots and dashes people use
# Alone (without the words above), this many digits in one run are read as a tax code: a
# date written "10.01.2026" has 8, so dates are never taken for one.
_LONE_DIGITS = 9


class TaxCodeProblem(enum.Enum):
    INVALID = "invalid"  # the message gives a tax code, but not a valid one (length, check digit)


def tax_code(text: str) -> str | None:
    """The tax code written in ``text`` as digits only (10 or 13), or None when it is not a
    valid one (wrong length, wrong check digit, letters)."""
    try:
        return str(mst.validate(text.strip()))
    except (stdnum_errors.ValidationError, AttributeError, TypeError):
        return None


def shown(code: str) -> str:
    """A stored tax code as people write it: "0101234565" or "0101234565-001"."""
    return f"{code[:10]}-{code[10:]}" if len(code) == 13 else code


def typed(text: str) -> str | TaxCodeProblem | None:
    """What a chat message says of a tax code: None when it gives none; the code (digits
    only) when it gives a valid one; :attr:`TaxCodeProblem.INVALID` when it tries to."""
    folded = fold(text)
    runs = [run.strip(" .-") for run in _RUN.findall(folded)]
    long_runs = [run for run in runs if sum(c.isdigit() for c in run) >= _LONE_DIGITS]
    announced = _WORDS.search(folded) is not None
    if not long_runs and not (announced and runs):
        return None
    for run in long_runs or runs:
        code = tax_code(run)
        if code is not None:
            return code
    return TaxCodeProblem.INVALID
