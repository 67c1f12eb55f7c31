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


@functools.lru_cache(maxsize=1)
def unit_codes() -> frozenset[str] | None:
    """The unit codes the OIOUBL rules take for a quantity (F-LIB318, UN/ECE Rec 20), or
    None when the rules are not installed."""
    path = stylesheet("Order")
    if path is None:
        return None
    found = re.search(r'name="Quantity_unitCode"\s+select="\'([^\']*)\'',
                      path.read_text("utf-8", errors="replace"))
    return frozenset(found.group(1).strip(",").split(",")) if found else None
