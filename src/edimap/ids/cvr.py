"""CVR: the Danish central business register number, 8 digits with a mod-11 check.

The last digit makes the weighted sum (weights 2, 7, 6, 5, 4, 3, 2, 1) divisible by 11.
Written with or without the ``DK`` prefix; edimap keeps the 8 digits. OIOUBL writes it as
``DK`` + CVR under schemeID ``DK:CVR``; EANCOM carries it in RFF+VA or RFF+GN.

>>> validate("DK 13585628")
'13585628'
>>> is_valid("13585627")
False
>>> format("13585628")
'DK13585628'
"""

from __future__ import annotations

from stdnum.dk import cvr as _stdnum_cvr

from edimap.findings import InvalidChecksum, InvalidFormat, InvalidIdentifier, InvalidLength

__all__ = ["LENGTH", "calc_check_digit", "compact", "format", "is_valid", "validate",
           "validate_format"]

LENGTH = 8
_WEIGHTS = (2, 7, 6, 5, 4, 3, 2)


def compact(value: str) -> str:
    """Strip separators and the ``DK`` prefix."""
    return str(_stdnum_cvr.compact(str(value)))


def calc_check_digit(body: str) -> str | None:
    """The last digit that makes ``body`` (7 digits) a valid CVR, or None if none can."""
    remainder = sum(w * int(d) for w, d in zip(_WEIGHTS, body, strict=True)) % 11
    digit = (11 - remainder) % 11
    return None if digit == 10 else str(digit)


def validate(value: str) -> str:
    """Return the 8 CVR digits or raise an :class:`~edimap.InvalidIdentifier` subclass."""
    number = compact(value)
    if not number.isascii() or not number.isdigit():
        bad = next((ch for ch in number if not ("0" <= ch <= "9")), "")
        what = f"contains {bad!r}" if bad else "is empty"
        raise InvalidFormat(f"CVR {value!r} {what}; it must be 8 digits, optionally after DK")
    if len(number) != LENGTH:
        raise InvalidLength(f"CVR {number} has {len(number)} digits; it must have 8")
    if number[0] == "0":
        raise InvalidFormat(f"CVR {number} starts with 0; CVR numbers never do")
    if _stdnum_cvr.checksum(number) != 0:
        expected = calc_check_digit(number[:-1])
        if expected is None:
            raise InvalidChecksum(
                f"CVR {number}: mod-11 check fails and no last digit can make "
                f"{number[:-1]} valid",
                expected=None,
            )
        raise InvalidChecksum(
            f"CVR {number}: check digit should be {expected}, not {number[-1]}",
            expected=expected,
        )
    return number


def validate_format(value: str) -> str:
    """The 8 digits of a CVR-shaped number, without the modulus-11 check.

    Documents in circulation (the official OIOUBL examples among them) carry CVR numbers
    that fail the check, and the OIOUBL rules do not apply it; readers keep such numbers
    and warn."""
    number = compact(value)
    if not number.isascii() or not number.isdigit() or len(number) != LENGTH or \
            number[0] == "0":
        raise InvalidFormat(f"CVR {value!r} is not 8 digits (optionally after DK)")
    return number


def is_valid(value: str) -> bool:
    """True when ``value`` is a valid CVR number (with or without ``DK``)."""
    try:
        validate(value)
    except InvalidIdentifier:
        return False
    return True


def format(value: str) -> str:  # the python-stdnum name
    """The CVR as OIOUBL writes it under ``DK:CVR``: ``DK`` + 8 digits."""
    return "DK" + validate(value)
