"""The GS1 mod-10 check shared by GLN and every GTIN length."""

from __future__ import annotations

from stdnum.ean import calc_check_digit as _stdnum_check_digit

from edimap.findings import InvalidChecksum, InvalidFormat, InvalidLength


def compact(value: str) -> str:
    """Strip the spaces, hyphens and dots people put in GS1 keys."""
    return "".join(ch for ch in str(value) if ch not in " -.\t").strip()


def calc_check_digit(body: str) -> str:
    """The GS1 check digit for ``body`` (the key without its last digit)."""
    return _stdnum_check_digit(body)


def validate(value: str, lengths: tuple[int, ...], name: str) -> str:
    """Check digits, length and check digit; return the compact form."""
    number = compact(value)
    if not number.isascii() or not number.isdigit():
        bad = next((ch for ch in number if not ("0" <= ch <= "9")), "")
        what = f"contains {bad!r}" if bad else "is empty"
        raise InvalidFormat(f"{name} {value!r} {what}; it must be digits only")
    if len(number) not in lengths:
        wanted = " or ".join(str(n) for n in lengths)
        raise InvalidLength(f"{name} {number} has {len(number)} digits; it must have {wanted}")
    expected = calc_check_digit(number[:-1])
    if number[-1] != expected:
        raise InvalidChecksum(
            f"{name} {number}: check digit should be {expected}, not {number[-1]}",
            expected=expected,
        )
    return number
