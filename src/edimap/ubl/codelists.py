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

from edimap.ubl.schemas import stylesheet

__all__ = ["unit_codes"]


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
