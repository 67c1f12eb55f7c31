"""Applying a profile to what a reader returned: the profile chosen by the partner's
identity, its defaults and unit codes put into the document (each with an info finding),
and its severities set on the findings.

Readers keep every value as sent and build the document whenever its content allows; the
severities decide whether it may be used (:attr:`~edimap.Item.ok`), so a profile that
lowers an error to a warning makes the document usable exactly as the partner sent it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import attrs

from edimap.content import DEFAULTED, defaulted
from edimap.findings import Finding, Location, Severity, register
from edimap.formats.base import Item
from edimap.model import Document, Invoice, Order, Party
from edimap.profiles import TOLERATED, Profile, ProfileSet

__all__ = ["MAPPED", "apply", "identities", "severities", "writing_defaults"]

MAPPED = register(
    "PROFILE-MAPPED", Severity.INFO,
    "A partner's code was replaced by the standard code its profile maps it to; the "
    "message names the field, both codes and the profile key.",
    "Nothing; change the profile's [units] if the mapping is wrong.",
    "QTY+21:10:GBND' with GBND = \"PK\" in the profile")
_UNIT_CODES = frozenset({"EANCOM-UNIT", "UBL-CODE", "JSON-CODE"})


def identities(item: Item) -> Iterator[tuple[str, str | None]]:
    """Who sent ``item``, in the order profiles are matched: the UNB sender, then the
    buyer's and the seller's GLN and endpoint."""
    yield "UNB sender", item.sender
    document = item.document
    if document is None:
        return
    for role in ("buyer", "seller"):
        party: Party | None = getattr(document, role)
        if party is not None:
            yield f"{role} GLN", party.gln
            yield f"{role} endpoint", party.endpoint_id


def apply(profiles: ProfileSet, item: Item, source: str | None = None) -> Item:
    """``item`` under the profile its sender's identity selects from ``profiles``."""
    profile, reason = profiles.select(identities(item))
    document, findings = item.document, list(item.findings)
    where = Location(source=source, interchange_ref=item.interchange_ref,
                     message_ref=item.reference)
    if document is not None:
        document = _currency(profile, document, findings)
        document = _units(profile, document, findings, where)
        document = _own(profile, document, findings, where)
    return attrs.evolve(item, document=document,
                        findings=tuple(_severity(profile, f) for f in findings),
                        profile=profile.name, profile_reason=reason)


def severities(profile: Profile, findings: Iterable[Finding]) -> list[Finding]:
    """``findings`` at the severities ``profile`` sets (and, for an error a profile could
    accept, the setting that would)."""
    return [_severity(profile, f) for f in findings]


def writing_defaults(profile: Profile, document: Document,
                     where: Location | None = None) -> tuple[Document, list[Finding]]:
    """``document`` (of the same class) with what the profile's ``[own]`` supplies for
    writing (the seller's identity, an invoice's payment means), and a
    ``DEFAULT-APPLIED`` finding for each."""
    findings: list[Finding] = []
    return _own(profile, document, findings, where or Location()), findings


def _severity(profile: Profile, finding: Finding) -> Finding:
    wanted = profile.severity.get(finding.code)
    if wanted is not None:
        return finding if wanted is finding.severity else attrs.evolve(finding,
                                                                       severity=wanted)
    if finding.severity is Severity.ERROR and finding.code in TOLERATED:
        return attrs.evolve(finding, message=(
            f"{finding.message} (to accept it as sent: --profile tolerant, or "
            f"{finding.code} = \"warning\" under [severity] in the partner's profile)"))
    return finding


def _currency(profile: Profile, document: Document, findings: list[Finding]) -> Document:
    """The profile's ``defaults.currency`` instead of edimap's default, where the reader
    said it applied one."""
    if profile.currency is None:
        return document
    for i, finding in enumerate(findings):
        if finding.code == DEFAULTED.code and finding.location.field == "currency":
            findings[i] = defaulted("currency", profile.currency,
                                    f"profile {profile.name}: defaults.currency",
                                    finding.location)
            return attrs.evolve(document, currency=profile.currency)
    return document


def _units(profile: Profile, document: Document, findings: list[Finding],
           where: Location) -> Document:
    """Lines' units through the profile's ``[units]``; the finding that the partner's
    code is not Rec 20 gives way to one naming the mapping."""
    if not profile.units or not isinstance(document, Order | Invoice):
        return document
    lines = list(document.lines)
    for n, line in enumerate(lines):
        code = profile.units.get(line.unit or "")
        if code is None:
            continue
        field = f"lines[{n}].unit"
        at = next((f.location for f in findings if f.location.field == field), None)
        findings[:] = [f for f in findings
                       if not (f.location.field == field and f.code in _UNIT_CODES)]
        findings.append(MAPPED(f"{field} {line.unit} read as {code} (profile "
                               f"{profile.name}: units.{line.unit})",
                               at or where.evolve(field=field)))
        lines[n] = attrs.evolve(line, unit=code)
    return attrs.evolve(document, lines=lines)


def _own(profile: Profile, document: Document, findings: list[Finding],
         where: Location) -> Document:
    """The own company (the seller) and its bank account where the document leaves them
    out: a missing seller, or the seller's missing fields when it is the own company."""
    changes: dict[str, Any] = {}
    own = profile.own
    origin = f"profile {profile.name}: own"
    if own is not None:
        seller = document.seller
        if seller is None:
            changes["seller"] = own
            findings.append(defaulted("seller", own.name or own.gln or "(own company)",
                                      origin, where))
        elif seller.gln in (None, own.gln) and seller.cvr in (None, own.cvr):
            filled = {k: getattr(own, k) for k in ("gln", "cvr", "vat_id", "name", "address",
                                                   "endpoint_id", "endpoint_scheme")
                      if getattr(seller, k) is None and getattr(own, k) is not None}
            for key, value in filled.items():
                findings.append(defaulted(f"seller.{key}", value if isinstance(value, str)
                                          else "(address)", f"{origin}.{key}", where))
            if filled:
                changes["seller"] = attrs.evolve(seller, **filled)
    if isinstance(document, Invoice) and not document.payment_means \
            and profile.payment is not None:
        changes["payment_means"] = (profile.payment,)
        findings.append(defaulted("payment_means", profile.payment.code,
                                  f"{origin}.payment", where))
    if profile.sales_location is not None and document.sales_location_id is None:
        changes["sales_location_id"] = profile.sales_location
        findings.append(defaulted("sales_location_id", profile.sales_location,
                                  f"profile {profile.name}: winfinans.sales_location",
                                  where))
    return attrs.evolve(document, **changes) if changes else document
