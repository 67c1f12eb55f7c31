"""GTIN: GS1 Global Trade Item Number in its 8, 12, 13 and 14 digit forms.

GTINs identify traded items: EANCOM LIN C212 with 7143 = EN / SRV / UP, OIOUBL
``cac:StandardItemIdentification/cbc:ID schemeID="GTIN"``, the Winfinans ``EAN`` field.

>>> validate("5701234567899")
'5701234567899'
>>> validate("9638-5074")
'96385074'
>>> is_valid("5701234567898")
False
"""

from __future__ import annotations

from edimap.findings import InvalidIdentifier
from edimap.ids import _gs1

__all__ = ["LENGTHS", "calc_check_digit", "compact", "is_valid", "to_gtin14", "validate"]

LENGTHS = (8, 12, 13, 14)

compact = _gs1.compact
calc_check_digit = _gs1.calc_check_digit


def validate(value: str, *, length: int | None = None) -> str:
    """Return the compact GTIN or raise an :class:`~edimap.InvalidIdentifier` subclass.

    ``length`` restricts the accepted form (for instance 13 for GTIN-13 only).
    """
    lengths = (length,) if length else LENGTHS
    name = f"GTIN-{length}" if length else "GTIN"
    return _gs1.validate(value, lengths, name)


def is_valid(value: str, *, length: int | None = None) -> bool:
    """True when ``value`` is a valid GTIN (of ``length`` digits when given)."""
    try:
        validate(value, length=length)
    except InvalidIdentifier:
        return False
    return True


def to_gtin14(value: str) -> str:
    """The 14-digit form of a valid GTIN, padded with leading zeros."""
    return validate(value).rjust(14, "0")
