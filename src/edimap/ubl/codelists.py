"""Code lists as the installed official OIOUBL rules hold them, read from their stylesheets
(the rules check a code against a comma-separated list in a variable of the stylesheet), so
that a writer can refuse a code at its model path before the rules refuse the output.

    >>> codes = unit_codes()
    >>> codes is None or ("EA" in codes and "BTL" not in codes)
    True
"""

from __future__ import annotations

import functools
import re

from edimap._codes import UNIT_CODE
from edimap.ubl.schemas import stylesheet

__all__ = ["STAND_IN_UNITS", "oioubl_unit", "unit_codes"]

STAND_IN_UNITS = {"PCE": "EA", "H87": "EA"}
"""Piece codes OIOUBL's list lacks → its "each": EANCOM's PCE, and H87, the piece of newer
Rec 20 revisions (Peppol's); written only when the list does not have them itself."""


def unit_codes() -> frozenset[str] | None:
    """The unit codes the OIOUBL rules take for a quantity (F-LIB318, UN/ECE Rec 20), or
    None when the rules are not installed (asked each time: they may be installed later
    in the process)."""
    path = stylesheet("Order")
    return None if path is None else _listed(str(path), "Quantity_unitCode")


@functools.lru_cache(maxsize=8)
def _listed(path: str, variable: str) -> frozenset[str] | None:
    """The codes of the list ``variable`` in the stylesheet at ``path`` (read once)."""
    with open(path, encoding="utf-8", errors="replace") as text:
        found = re.search(rf'name="{variable}"\s+select="\'([^\']*)\'', text.read())
    return frozenset(found.group(1).strip(",").split(",")) if found else None


_ASK = frozenset({"?"})


def oioubl_unit(unit: str | None, codes: frozenset[str] | None = _ASK
                ) -> tuple[str, str | None] | None:
    """The unit written for ``unit`` in OIOUBL and why, when it is not the unit itself;
    None when OIOUBL has none for it (F-LIB318). No unit, or a piece code the list lacks,
    is EA; a Rec 21 package code (Peppol's ``XBX``) is its Rec 20 code (``BX``) when the
    list has that, as NemHandel's conversion of Peppol invoices writes it. Without the
    rules installed a code of Rec 20's shape is taken as it is. ``codes``: the rules'
    list as :func:`unit_codes` gave it (asked when not given).

    >>> oioubl_unit(None)
    ('EA', 'OIOUBL needs a UN/ECE Rec 20 unit: written as EA')
    """
    if codes is _ASK:
        codes = unit_codes()
    if unit is None:
        return "EA", "OIOUBL needs a UN/ECE Rec 20 unit: written as EA"
    if codes is not None and unit in codes:
        return unit, None
    if unit in STAND_IN_UNITS:
        code = STAND_IN_UNITS[unit]
        return code, f"OIOUBL's units have no {unit} (piece): written as {code} (each)"
    if codes is None and UNIT_CODE.match(unit):
        return unit, None
    if codes is not None and len(unit) == 3 and unit[0] == "X" and unit[1:] in codes:
        return unit[1:], (f"{unit} is a UN/ECE Rec 21 package code OIOUBL's units lack: "
                          f"written as {unit[1:]}, its Rec 20 code")
    return None
