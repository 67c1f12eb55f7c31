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
from edimap.ids import gln as _gln
from edimap.model import Document, Invoice, Order, Party, PaymentMeans, iter_parties
from edimap.profiles import TOLERATED, Profile, ProfileSet

__all__ = ["MAPPED", "apply", "identities", "severities", "writing_defaults"]

MAPPED = register(
    "PROFILE-MAPPED", Severity.INFO,
    "A partner's code was replaced by the standard code its profile maps it to; the "
    "message names the field, both codes and the profile key.",
    "Nothing; change the profile's [units] if the mapping is wrong.",
    "QTY+21:10:GBND' with GBND = \"PK\" in the profile")
UNMAPPED = register(
    "PROFILE-UNMAPPED", Severity.WARNING,
    "A party identifier under an agency the profile maps to GS1 (9) was not read as the "
    "party's GLN: it is no valid GLN, or the party has a GLN already. It is kept as sent.",
    "Check the number with the partner, or the profile's [agencies].",
    "NAD+BY+12345::ZZ' with ZZ = \"9\" in the profile")
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
        document = _placeholders(profile, document, findings, where)
        document = _agencies(profile, document, findings, where)
        document = _own(profile, document, findings, where)
        document = _partner(profile, document, findings, where)
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
    document = _own(profile, document, findings, where or Location())
    return _partner(profile, document, findings, where or Location()), findings


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
        _cleared(findings, field, _UNIT_CODES)
        findings.append(MAPPED(f"{field} {line.unit} read as {code} (profile "
                               f"{profile.name}: units.{line.unit})",
                               at or where.evolve(field=field)))
        lines[n] = attrs.evolve(line, unit=code)
    return attrs.evolve(document, lines=lines)


_GLN_CODES = frozenset({"EANCOM-GLN", "EANCOM-CODE", "UBL-ENDPOINT", "UBL-IDENTIFIER",
                        "JSON-IDENTIFIER"})
"""Findings about a party's identifier that give way when the profile names its GLN."""


def _placeholders(profile: Profile, document: Document, findings: list[Finding],
                  where: Location) -> Document:
    """Parties named by a value the profile's ``[identities]`` knows (a placeholder GLN,
    a number of the partner's own) get that GLN: one in the GLN field is replaced, one
    among the identifiers becomes the GLN of a party that has none. The findings about
    the value give way to one naming the mapping."""
    if not profile.identities:
        return document
    changes: dict[str, Any] = {}
    for role, party in iter_parties(document):
        known = profile.identities.get(party.gln or "")
        sent = party.gln
        ids = list(party.ids)
        if known is None and party.gln is None:
            n, ident = next(((n, i) for n, i in enumerate(ids)
                             if i.value in profile.identities), (None, None))
            if ident is not None:
                known, sent = profile.identities[ident.value], ident.value
                ids.remove(ident)
                _cleared(findings, f"{role}.ids[{n}]")
        if known is None:
            continue
        _cleared(findings, f"{role}.gln")
        findings.append(MAPPED(f"{role} {sent} read as GLN {known} (profile {profile.name}: "
                               f"identities.{sent})", where.evolve(field=f"{role}.gln")))
        changes[role] = attrs.evolve(party, gln=known, ids=tuple(ids))
    return attrs.evolve(document, **changes) if changes else document


def _cleared(findings: list[Finding], field: str,
             codes: frozenset[str] | set[str] = _GLN_CODES) -> None:
    """Drop the findings of ``codes`` at model path ``field``: a profile setting said
    what the value means, and its own finding says so."""
    findings[:] = [f for f in findings
                   if not (f.code in codes and f.location.field == field)]


def _agencies(profile: Profile, document: Document, findings: list[Finding],
              where: Location) -> Document:
    """Parties' identifiers through the profile's ``[agencies]``: one under an agency the
    profile maps to GS1 (9) becomes the party's GLN, when it is one and the party has
    none; one mapped to another agency takes that agency as its scheme."""
    if not profile.agencies:
        return document
    changes: dict[str, Any] = {}
    for role, party in iter_parties(document):
        mapped = _mapped_party(profile, role, party, findings, where)
        if mapped is not party:
            changes[role] = mapped
    return attrs.evolve(document, **changes) if changes else document


def _mapped_party(profile: Profile, role: str, party: Party, findings: list[Finding],
                  where: Location) -> Party:
    gln, ids = party.gln, list(party.ids)
    for n, ident in enumerate(party.ids):
        agency = profile.agencies.get(ident.scheme or "")
        if agency is None:
            continue
        origin = f"profile {profile.name}: agencies.{ident.scheme}"
        # The profile says what the partner's agency code means: the finding that it is
        # no code of the agency list gives way to the mapping's.
        _cleared(findings, f"{role}.ids[{n}]", {"EANCOM-CODE"})
        if agency == "9" and gln is None and _gln.is_valid(ident.value):
            gln = ident.value
            ids.remove(ident)
            findings.append(MAPPED(f"{role}.ids[{n}] {ident.value} ({ident.scheme}) read as "
                                   f"the party's GLN ({origin})",
                                   where.evolve(field=f"{role}.gln")))
        elif agency == "9":
            why = "the party has a GLN" if gln is not None else "it is no valid GLN"
            findings.append(UNMAPPED(f"{role}.ids[{n}] {ident.value} ({ident.scheme}) is "
                                     f"not read as a GLN: {why} ({origin})",
                                     where.evolve(field=f"{role}.ids[{n}]")))
        else:
            ids[ids.index(ident)] = attrs.evolve(ident, scheme=agency)
            findings.append(MAPPED(f"{role}.ids[{n}] {ident.value}: agency {ident.scheme} "
                                   f"read as {agency} ({origin})",
                                   where.evolve(field=f"{role}.ids[{n}]")))
    if gln is party.gln and ids == list(party.ids):
        return party
    return attrs.evolve(party, gln=gln, ids=tuple(ids))


def _own_payment(payment: PaymentMeans, sent: tuple[PaymentMeans, ...]
                 ) -> tuple[PaymentMeans, ...]:
    """The own company's payment means where the document has none, and its account where
    the document names the same means code without any account."""
    if not sent:
        return (payment,)
    accounts = ("account_id", "bank_reg_no", "iban", "bic")
    return tuple(attrs.evolve(means, **{k: getattr(payment, k) for k in accounts})
                 if means.code == payment.code and not any(getattr(means, k) for k in accounts)
                 else means for means in sent)


_IDENTITY = ("gln", "cvr", "vat_id", "endpoint_id")


def _contradicts(known: Party, party: Party) -> bool:
    """Whether ``party`` names an identifier ``known`` has otherwise."""
    return any(getattr(party, k) and getattr(known, k) and getattr(party, k) !=
               getattr(known, k) for k in _IDENTITY)


def _is_own(own: Party, seller: Party) -> bool:
    """Whether ``seller`` is the own company: an identifier in common and none that differs,
    or no identifier at all and no other name."""
    if _contradicts(own, seller):
        return False
    if any(getattr(seller, k) and getattr(seller, k) == getattr(own, k) for k in _IDENTITY):
        return True
    return not any(getattr(seller, k) for k in _IDENTITY) and not seller.ids \
        and seller.name in (None, own.name)


def _filled(known: Party, party: Party, path: str, origin: str, findings: list[Finding],
            where: Location, keys: tuple[str, ...]) -> Party:
    """``party`` with the ``keys`` it leaves out taken from ``known`` (one
    ``DEFAULT-APPLIED`` finding each)."""
    filled = {k: getattr(known, k) for k in keys
              if getattr(party, k) is None and getattr(known, k) is not None}
    for key, value in filled.items():
        findings.append(defaulted(f"{path}.{key}", value if isinstance(value, str)
                                  else "(address)", f"{origin}.{key}", where))
    return attrs.evolve(party, **filled) if filled else party


def _partner(profile: Profile, document: Document, findings: list[Finding],
             where: Location) -> Document:
    """The buyer's identity from the partner's ``[partner]``, where the buyer's documents
    leave it out and name nothing that differs."""
    partner, buyer = profile.partner, document.buyer
    if partner is None or buyer is None or _contradicts(partner, buyer):
        return document
    keys: tuple[str, ...] = ("gln", "cvr", "vat_id", "endpoint_id", "endpoint_scheme")
    if buyer.endpoint_id is not None:  # an endpoint comes with its own scheme
        keys = keys[:3]
    filled = _filled(partner, buyer, "buyer", f"profile {profile.name}: partner", findings,
                     where, keys)
    return document if filled is buyer else attrs.evolve(document, buyer=filled)


def _own(profile: Profile, document: Document, findings: list[Finding],
         where: Location) -> Document:
    """The own company (the seller) and its bank account where the document leaves them
    out: a missing seller, or the seller's missing fields when it is the own company."""
    changes: dict[str, Any] = {}
    own = profile.own
    origin = f"profile {profile.name}: own"
    seller = document.seller
    if own is not None and seller is None:
        changes["seller"] = own
        findings.append(defaulted("seller", own.name or own.gln or "(own company)",
                                  origin, where))
    elif own is not None and seller is not None and _is_own(own, seller):
        filled = _filled(own, seller, "seller", origin, findings, where, (
            "gln", "cvr", "vat_id", "name", "address", "endpoint_id", "endpoint_scheme"))
        if filled is not seller:
            changes["seller"] = filled
    elif own is not None:
        return document  # another company's document: none of ours goes into it
    if isinstance(document, Invoice) and profile.payment is not None:
        means = _own_payment(profile.payment, document.payment_means)
        if means != document.payment_means:
            changes["payment_means"] = means
            findings.append(defaulted("payment_means", profile.payment.code,
                                      f"{origin}.payment", where))
    if profile.sales_location is not None and document.sales_location_id is None:
        changes["sales_location_id"] = profile.sales_location
        findings.append(defaulted("sales_location_id", profile.sales_location,
                                  f"profile {profile.name}: winfinans.sales_location",
                                  where))
    return attrs.evolve(document, **changes) if changes else document
