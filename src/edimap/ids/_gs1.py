"""The GS1 mod-10 check shared by GLN and every GTIN length."""

from __future__ import annotations

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
    return _check_digit(body)


def _check_digit(digits: str) -> str:
    """The check digit for ASCII ``digits``, without looking at them first."""
    # Sums over the ASCII codes (each digit + 48) run in C: orders check thousands of GTINs.
    codes = digits.encode()
    size = len(codes)
    # From the right: the last digit and every second one before it weigh 3.
    total = 3 * sum(codes[-1::-2]) + sum(codes[-2::-2]) - 48 * (3 * ((size + 1) // 2)
                                                              + size // 2)
    return "0123456789"[-total % 10]


def plain_valid(number: str, lengths: tuple[int, ...]) -> bool:
    """True when ``number`` is ASCII digits only, of one of ``lengths``, with its check
    digit: :func:`validate` without compacting or remembering, for a reader's fast path.

    >>> plain_valid("5701234567899", (13,)), plain_valid("5701234567898", (13,))
    (True, False)
    """
    return (len(number) in lengths and number.isdigit() and number.isascii()
            and number[-1] == _check_digit(number[:-1]))


# Orders repeat the same GLNs and GTINs, and each may be checked by a reader and again by
# the model: the valid ones already in their compact form are remembered, per kind of key
# (``name``: it says which lengths). A set, not functools.lru_cache: a key seen once costs
# it far less, and forgetting them all now and then is as good as forgetting the oldest.
_KNOWN_VALID: dict[str, set[str]] = {}
_KNOWN_MOST = 8192


def validate(value: str, lengths: tuple[int, ...], name: str) -> str:
    """Check digits, length and check digit; return the compact form."""
    known = _KNOWN_VALID.get(name)
    if known is not None and type(value) is str and value in known:
        return value
    number = _check(value, lengths, name)
    if number is value:  # a string already compact: worth remembering
        if known is None:
            known = _KNOWN_VALID[name] = set()
        elif len(known) >= _KNOWN_MOST:
            known.clear()
        known.add(value)
    return number


def _check(value: str, lengths: tuple[int, ...], name: str) -> str:
    if type(value) is str and value.isdigit() and value.isascii():
        number = value
    else:
        number = compact(value)  # (str() of anything: a wrong type is an InvalidFormat)
        if not number.isdigit() or not number.isascii():
            bad = next((ch for ch in number if not ("0" <= ch <= "9")), "")
            what = f"contains {bad!r}" if bad else "is empty"
            raise InvalidFormat(f"{name} {value!r} {what}; it must be digits only")
    if len(number) not in lengths:
        wanted = " or ".join(str(n) for n in lengths)
        raise InvalidLength(f"{name} {number} has {len(number)} digits; it must have {wanted}")
    expected = _check_digit(number[:-1])
    if number[-1] != expected:
        raise InvalidChecksum(
            f"{name} {number}: check digit should be {expected}, not {number[-1]}",
            expected=expected,
        )
    return number
