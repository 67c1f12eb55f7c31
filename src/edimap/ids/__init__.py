"""Identifier checks in the python-stdnum style: GLN, GTIN and CVR.

Each module has ``compact``, ``calc_check_digit``, ``validate`` (returns the compact form or
raises an :class:`~edimap.InvalidIdentifier` subclass whose message says what is wrong and
what the check digit should be) and ``is_valid``. :func:`identify` tells which kinds a value
could be, for tools that are handed an unlabelled number.
"""

from __future__ import annotations

import attrs

from edimap.findings import InvalidIdentifier
from edimap.ids import cvr, gln, gtin

__all__ = ["Verdict", "cvr", "gln", "gtin", "identify"]


@attrs.frozen
class Verdict:
    """What one candidate kind says about a value."""

    kind: str
    valid: bool
    compact: str
    reason: str = ""


def identify(value: str) -> list[Verdict]:
    """Check ``value`` as every kind its shape allows.

    A 13-digit number is both a GLN and a GTIN-13 (the same check), an 8-digit number may be
    a GTIN-8 or a CVR, and ``DK`` followed by 8 digits is a CVR. An empty list means the
    value has the shape of none of them.
    """
    text = str(value).strip()
    digits = gln.compact(text)
    verdicts: list[Verdict] = []

    def check(kind: str, fn: object) -> None:
        try:
            compacted = fn(text)  # type: ignore[operator]
        except InvalidIdentifier as exc:
            verdicts.append(Verdict(kind, False, digits, str(exc)))
        else:
            verdicts.append(Verdict(kind, True, str(compacted)))

    if text.upper().startswith("DK"):
        check("CVR", cvr.validate)
        return verdicts
    if not digits.isascii() or not digits.isdigit():
        return verdicts
    if len(digits) == 13:
        check("GLN/GTIN-13", gln.validate)
    elif len(digits) in (12, 14):
        check(f"GTIN-{len(digits)}", lambda v: gtin.validate(v, length=len(digits)))
    elif len(digits) == 8:
        check("GTIN-8", lambda v: gtin.validate(v, length=8))
        check("CVR", cvr.validate)
    return verdicts
