"""GLN: GS1 Global Location Number, 13 digits with a mod-10 check digit.

GLNs identify parties and places: UNB S002/S003 with qualifier 14, NAD C082 with code
list 9, and OIOUBL ``cbc:EndpointID schemeID="GLN"``. Danish GLNs start with 57.

>>> validate("579 0000 274017")
'5790000274017'
>>> is_valid("5790000274018")
False
>>> calc_check_digit("579000027401")
'7'
"""

from __future__ import annotations

from edimap.findings import InvalidIdentifier
from edimap.ids import _gs1

__all__ = ["LENGTH", "calc_check_digit", "compact", "is_valid", "validate"]

LENGTH = 13

compact = _gs1.compact
calc_check_digit = _gs1.calc_check_digit


def validate(value: str) -> str:
    """Return the compact GLN or raise an :class:`~edimap.InvalidIdentifier` subclass."""
    return _gs1.validate(value, (LENGTH,), "GLN")


def is_valid(value: str) -> bool:
    """True when ``value`` is a valid GLN."""
    try:
        validate(value)
    except InvalidIdentifier:
        return False
    return True
