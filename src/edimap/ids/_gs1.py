"""The GS1 mod-10 check shared by GLN and every GTIN length."""

from __future__ import annotations

import functools

from edimap.findings import InvalidChecksum, InvalidFormat, InvalidLength

_SEPARATORS = str.maketrans("", "", " -.\t")


def compact(value: str) -> str:
    """Strip the spaces, hyphens and dots people put in GS1 keys."""
    return str(value).translate(_SEPARATORS)


def calc_check_digit(body: str) -> str:
    """The GS1 check digit for ``body`` (the key without its last digit): weights 3 and 1
    from the right, as python-stdnum's ``ean.calc_check_digit`` computes it (the tests
    compare the two). Raises InvalidFormat unless ``body`` is ASCII digits."""
    if not body.isdigit() or not body.isascii():
        if not body:
            return "0"
        raise InvalidFormat(f"{body!r} is not a run of digits")
    # Sums over the ASCII codes (each digit + 48) run in C: orders check thousands of GTINs.
    codes = body.encode()  # (ASCII: checked above)
    size = len(codes)
    # From the right: the last digit and every second one before it weigh 3.
    total = 3 * sum(codes[-1::-2]) + sum(codes[-2::-2]) - 48 * (3 * ((size + 1) // 2)
                                                              + size // 2)
    return "0123456789"[-total % 10]


def validate(value: str, lengths: tuple[int, ...], name: str) -> str:
    """Check digits, length and check digit; return the compact form."""
    if type(value) is str:
        return _cached_check(value, lengths, name)
    return _check(value, lengths, name)  # reported as InvalidFormat, not a TypeError


def _check(value: str, lengths: tuple[int, ...], name: str) -> str:
    number = value if type(value) is str and value.isdigit() and value.isascii() \
        else compact(value)
    if not number.isdigit() or not number.isascii():
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


# Orders repeat the same GLNs and GTINs, and each is checked by the reader and again by
# the model: a bounded cache of the valid ones (a failure raises and is never cached).
_cached_check = functools.lru_cache(maxsize=4096)(_check)
