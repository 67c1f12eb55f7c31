"""GLNs and GTINs that fail their check digit, on their way into EANCOM.

EANCOM's readers refuse such a number (``EANCOM-GLN`` at NAD C082, ``EANCOM-GTIN`` at LIN
C212: errors under the strict profile), and OIOUBL and Peppol documents carry them often:
their rules do not check digits, and their official examples hold placeholders. An
interchange edimap writes is read back without errors under the profile the document was
read with, so the writer leaves such a number out, noted at its model path, unless that
profile tolerates the finding, and then writes it as sent.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

import attrs

from edimap._notes import not_carried
from edimap.edifact._parts import GLN_SCHEME_AGENCY
from edimap.ids import gln as _gln
from edimap.ids import gtin as _gtin
from edimap.model import Document, Party, iter_parties

__all__ = ["with_checked_numbers"]


def with_checked_numbers(document: Document, tolerated: Collection[str] = ()) -> Document:
    """``document`` without the GLNs (``EANCOM-GLN`` not in ``tolerated``) and GTINs
    (``EANCOM-GTIN`` not in it) that fail their check digit, each left out noted."""
    changes: dict[str, Any] = {}
    if "EANCOM-GLN" not in tolerated:
        for role, party in iter_parties(document):
            if (checked := _checked_party(party, role)) is not party:
                changes[role] = checked
    lines = getattr(document, "lines", ())
    failing = set() if "EANCOM-GTIN" in tolerated else {
        n for n, line in enumerate(lines)
        if line.gtin and _fails(_gtin.validate, line.gtin, f"lines[{n}].gtin", "GTIN")}
    if failing:
        changes["lines"] = tuple(attrs.evolve(line, gtin=None) if n in failing else line
                                 for n, line in enumerate(lines))
    return attrs.evolve(document, **changes) if changes else document


def _checked_party(party: Party, role: str) -> Party:
    """``party`` without a GLN that fails its check digit: its own, or one among its
    identifiers (scheme ``GLN``/``0088``, written as a GLN in NAD C082)."""
    gln = None if party.gln and _fails(_gln.validate, party.gln, f"{role}.gln", "GLN") \
        else party.gln
    ids = tuple(i for n, i in enumerate(party.ids)
                if not (i.scheme in GLN_SCHEME_AGENCY
                        and _fails(_gln.validate, i.value, f"{role}.ids[{n}]", "GLN")))
    if gln == party.gln and len(ids) == len(party.ids):
        return party
    return attrs.evolve(party, gln=gln, ids=ids)


def _fails(validate: Callable[[str], str], number: str, path: str, code: str) -> bool:
    """Whether ``number`` fails ``validate``; noted at ``path`` when it does."""
    try:
        validate(number)
    except ValueError as exc:
        not_carried(path, f"{exc}: EANCOM readers refuse it (EANCOM-{code}), so it is left "
                          f"out; to write it as sent, tolerate EANCOM-{code} in the "
                          f"document's profile ([severity] EANCOM-{code} = \"warning\")")
        return True
    return False
