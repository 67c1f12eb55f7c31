"""Content checks: whether the values a document carries meet their standards.

The model's invariants hold for every trading partner: types, ``Decimal`` amounts, required
fields, structure. Whether a GLN has the right check digit, a country code two letters or a
unit the shape of a UN/ECE Rec 20 code is a property of the *content* that real partners
get wrong in test files and in production alike. The model carries such values exactly as
given; readers report each one as a finding, whose severity a profile sets
(:mod:`edimap.profiles`), and writers write the value back unchanged.

>>> from edimap.model import Party
>>> [str(p) for p in problems_of_party("buyer", Party(gln="5790000274018"))]
['buyer.gln: GLN 5790000274018: check digit should be 7, not 8']
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import attrs

from edimap._codes import COUNTRY_CODE, ISO_4217, UNIT_CODE
from edimap.findings import Finding, InvalidIdentifier, Location, Severity, register
from edimap.ids import cvr as _cvr
from edimap.ids import gln as _gln
from edimap.ids import gtin as _gtin
from edimap.model import Document, Invoice, Order, Party, iter_parties

__all__ = ["DEFAULTED", "Kind", "Problem", "defaulted", "problems", "problems_of_party"]

Kind = Literal["gln", "gtin", "cvr", "endpoint", "country", "currency", "unit"]
"""What a problem is about: an identifier (``gln``, ``gtin``, ``cvr``, ``endpoint``) or a
code value (``country``, ``currency``, ``unit``)."""


@attrs.frozen
class Problem:
    """One value that does not meet its standard, by its model path (``lines[3].gtin``)."""

    path: str
    kind: Kind
    value: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def _identifier(path: str, kind: Kind, value: str, validate: object) -> Iterator[Problem]:
    try:
        compacted = validate(value)  # type: ignore[operator]
    except InvalidIdentifier as exc:
        yield Problem(path, kind, value, str(exc))
        return
    if compacted != value:
        yield Problem(path, kind, value, f"written {value!r}; the standard form is "
                                         f"{compacted!r}")


def problems_of_party(role: str, party: Party, gs1: bool = True) -> Iterator[Problem]:
    """The identifiers and the country code of ``party``, checked; ``role`` prefixes the
    paths (``buyer``, ``seller`` …); ``gs1=False`` leaves out the GLNs (a reader that
    checked them where it read them)."""
    if gs1 and party.gln is not None:
        yield from _identifier(f"{role}.gln", "gln", party.gln, _gln.validate)
    if party.cvr is not None:
        yield from _identifier(f"{role}.cvr", "cvr", party.cvr, _cvr.validate_format)
    # A GLN endpoint: OIOUBL's scheme GLN, or Peppol's EAS 0088.
    if gs1 and party.endpoint_id is not None and party.endpoint_scheme in ("GLN", "0088"):
        yield from _identifier(f"{role}.endpoint_id", "endpoint", party.endpoint_id,
                               _gln.validate)
    country = party.address.country if party.address is not None else None
    if country is not None and not COUNTRY_CODE.match(country):
        yield Problem(f"{role}.address.country", "country", country,
                      f"{country!r} is not an ISO 3166-1 alpha-2 code like 'DK'")


def problems(document: Document, gs1: bool = True) -> Iterator[Problem]:
    """Every value of ``document`` that does not meet its standard, in document order:
    the currency, the parties' identifiers and countries, the lines' GTINs and units
    (``gs1=False``: not the GLNs and GTINs, for a reader that checked them already)."""
    if document.currency not in ISO_4217:
        yield Problem("currency", "currency", document.currency,
                      f"{document.currency!r} is not an ISO 4217 currency code")
    for role, party in iter_parties(document):
        yield from problems_of_party(role, party, gs1)
    lines = document.lines if isinstance(document, Order | Invoice) else ()
    for i, line in enumerate(lines):
        if gs1 and line.gtin is not None:
            yield from _identifier(f"lines[{i}].gtin", "gtin", line.gtin, _gtin.validate)
        if line.unit is not None and not UNIT_CODE.match(line.unit):
            yield Problem(f"lines[{i}].unit", "unit", line.unit,
                          f"{line.unit!r} is not a UN/ECE Rec 20 code like 'EA' or 'KGM'")


DEFAULTED = register(
    "DEFAULT-APPLIED", Severity.INFO,
    "A value the document does not give was supplied by a default; the message names the "
    "field, the value and where the default came from (a profile's key, or edimap's own).",
    "Nothing if the default is right; otherwise set it in the partner's profile.",
    "an ORDERS message without CUX: currency DKK")


def defaulted(field: str, value: object, origin: str, location: Location) -> Finding:
    """The info finding for a default: ``field`` (a model path) got ``value`` from
    ``origin`` (``profile salling: defaults.currency``)."""
    return DEFAULTED(f"{field} {value}: not in the document; from {origin}",
                     location.evolve(field=field))
