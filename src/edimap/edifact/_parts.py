"""Pieces the EANCOM ORDERS and INVOIC mappers share: structure roles, parties, allowances
and charges, item numbers, prices, payment terms — read and written the same way in both."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

import attrs

from edimap._codes import REFERENCE_QUALIFIER, UNIT_CODE, ascii_digits
from edimap._notes import not_carried
from edimap.edifact._common import (
    AMBIGUOUS,
    BAD_CODE,
    BAD_GTIN,
    MISSING_VALUE,
    UNUSUAL,
    MapContext,
    date_102,
    wrap,
)
from edimap.edifact.reader import Message
from edimap.edifact.structure import definition_for, validate_structure
from edimap.edifact.syntax import Segment, SegmentPattern, match_run
from edimap.findings import (
    FieldError,
    Finding,
    Severity,
    ValidationError,
    register,
)
from edimap.ids import _gs1
from edimap.ids import gtin as _gtin
from edimap.model import (
    MAX_DECIMALS,
    MAX_INTEGER_DIGITS,
    Address,
    AllowanceCharge,
    Contact,
    DocumentReference,
    InvoiceLine,
    OrderLine,
    Party,
    PartyId,
    PaymentTerms,
    TaxCategory,
    unchecked_constructor,
)

GTIN_TYPES = frozenset({"EN", "SRV", "UP", "EU", "SRS"})
PARTY_ROLES = {"BY": "buyer", "SU": "seller", "DP": "delivery", "IV": "invoicee",
               "UC": "ultimate_consignee"}
"""NAD 3035 → the model's party, in ORDERS."""
INVOICE_PARTY_ROLES = {q: role for q, role in PARTY_ROLES.items() if q != "UC"}
"""NAD 3035 → the model's party, in INVOIC (an invoice has no ultimate consignee)."""
ROLE_QUALIFIERS = {v: k for k, v in PARTY_ROLES.items()}


SIGNED = register(
    "EANCOM-SIGN", Severity.ERROR,
    "An allowance or charge amount (MOA after ALC) is negative, although ALC 5463 already "
    "says whether it is an allowance or a charge; it is read as its magnitude.",
    "Send the amount unsigned, or accept the sender's convention with a profile.",
    "ALC+A'MOA+8:-75'")
MODEL_INVALID = register(
    "EANCOM-MODEL", Severity.ERROR,
    "A value read from the message breaks an invariant of the order or invoice model.",
    "Correct the value at the given segment.", "QTY+21:-5'  (negative ordered quantity)")
FALLBACK_DEFINITION = register(
    "EANCOM-DIRECTORY", Severity.INFO,
    "The message's directory has no definition of its own in edimap; it was read with the "
    "nearest EANCOM one (D.96A for older directories, D.01B for newer).",
    "None needed; structure findings are warnings for such messages.", "ORDERS:D:97A:UN")


def structure_roles(message: Message) -> tuple[tuple[str, ...], list[Finding]]:
    definition = definition_for(message.type, message.version, message.release)
    findings: list[Finding] = []
    fallback = False
    if definition is None:
        release = message.release.upper()
        year = release[:2]
        nearest = "01B" if ascii_digits(year) and "01" <= year < "90" else "96A"
        definition = definition_for(message.type, "D", nearest)
        fallback = True
        findings.append(FALLBACK_DEFINITION(
            f"{message.identifier} read with the {message.type} D.{nearest} definition",
            message.location(1, element=2)))
    if definition is None:
        return ("",) * len(message.segments), findings
    structure = validate_structure(message, definition)
    for f in structure.findings:
        findings.append(attrs.evolve(f, severity=Severity.WARNING) if fallback else f)
    return structure.role_paths, findings


class PartyDraft:
    def __init__(self, qualifier: str, index: int) -> None:
        self.qualifier = qualifier
        self.index = index
        self.fields: dict[str, Any] = {"ids": []}
        self.address: dict[str, Any] = {}
        self.contact: dict[str, Any] = {}


class LineDraft:
    def __init__(self, index: int) -> None:
        self.index = index
        self.fields: dict[str, Any] = {"allowance_charges": []}
        self.notes: list[str] = []
        # The kind (IMD 7077 and 7081) and index of the line's last description segment.
        self.imd: tuple[tuple[str, str], int] | None = None



# Party qualifiers some senders use for the roles EANCOM names otherwise.
PARTY_ALIASES = {"ST": ("DP", "ship to"), "SE": ("SU", "seller"), "BT": ("IV", "bill to")}


def read_nad(ctx: MapContext, i: int, seg: Segment, parties: dict[str, PartyDraft],
             roles: dict[str, str] = PARTY_ROLES) -> PartyDraft | None:
    q = seg.get(1)
    if q not in roles:
        alias = PARTY_ALIASES.get(q)
        if alias is not None and alias[0] in roles and alias[0] not in parties:
            ctx.add(UNUSUAL(f"NAD+{q} ({alias[1]}) read as NAD+{alias[0]} "
                            f"({roles[alias[0]]})", ctx.loc(i, 1)))
            q = alias[0]
        else:
            ctx.not_carried(i, f"NAD+{q}")
            return None
    party = PartyDraft(q, i)
    _read_nad_fields(ctx, i, seg, party)
    if q in parties:
        return _second_nad(ctx, i, parties[q], party, roles[q])
    parties[q] = party
    return party


def _second_nad(ctx: MapContext, i: int, first: PartyDraft, second: PartyDraft,
                role: str) -> PartyDraft | None:
    """A second NAD with the same qualifier: one party when the two do not contradict each
    other (a buyer given once by the supplier's code and once by its own, say): its
    identifiers together, each other field from whichever NAD gives it."""
    q = first.qualifier
    clash = [k for k in ("gln", "name") if first.fields.get(k) and second.fields.get(k)
             and first.fields[k] != second.fields[k]]
    clash += [f"address {k}" for k in second.address
              if k in first.address and first.address[k] != second.address[k]]
    if clash:
        ctx.add(AMBIGUOUS(f"NAD+{q} occurs twice with different {', '.join(clash)}; edimap "
                          f"cannot tell which is the {role}", ctx.loc(i, 1)))
        return None
    first.fields["ids"].extend(second.fields["ids"])
    for key, value in second.fields.items():
        if key != "ids" and first.fields.get(key) is None:
            first.fields[key] = value
    first.address = {**second.address, **first.address}
    ctx.add(UNUSUAL(f"NAD+{q} occurs twice; read as one {role} with the identifiers of "
                    "both", ctx.loc(i, 1)))
    return first


_AGENCY = re.compile(r"(?:[0-9]{1,3}|ZZZ)\Z")
"""UN/EDIFACT code list 3055 (code list responsible agency): numbered agencies (9 GS1,
91 assigned by the seller, 92 by the buyer …) and ZZZ, mutually defined."""


def _read_nad_fields(ctx: MapContext, i: int, seg: Segment, party: PartyDraft) -> None:
    q = party.qualifier
    ident, agency = seg.get(2, 1), seg.get(2, 3)
    if ident:
        if agency == "9":
            party.fields["gln"] = ctx.gln(i, ident, 2, 1, f"NAD+{q}",
                                          f"{PARTY_ROLES.get(q, q)}.gln")
        else:
            if agency and not _AGENCY.match(agency):
                ctx.add(BAD_CODE(
                    f"NAD+{q} C082 3055 {agency!r} is no code of the agency list (a "
                    "number, or ZZZ for mutually defined); the identifier is kept as sent "
                    f"(a partner profile's [agencies] says what it means: {agency} = \"9\" "
                    "for GLNs)",
                    ctx.loc(i, 2, 3).evolve(
                        field=f"{PARTY_ROLES.get(q, q)}.ids[{len(party.fields['ids'])}]")))
            party.fields["ids"].append(PartyId(value=ident, scheme=agency or None))
    if seg.components(3) and any(seg.components(3)):
        ctx.not_carried(i, f"NAD+{q} unstructured name and address (C058)")
    party.fields["name"] = ctx.text(seg.components(4))
    street = seg.components(5)
    address = {
        "street": street[0] if street and street[0] else None,
        "additional_street": ctx.text(street[1:]) if len(street) > 1 else None,
        "city": seg.get(6) or None,
        "region": seg.get(7) or None,
        "postal_code": seg.get(8) or None,
        "country": seg.get(9) or None,
    }
    party.address = {k: v for k, v in address.items() if v is not None}


def read_party_detail(ctx: MapContext, i: int, seg: Segment, role: str, party: PartyDraft) -> None:
    tag = seg.tag
    if role.endswith("party-references") and tag == "RFF":
        q, value = seg.get(1, 1), seg.get(1, 2)
        if q == "VA":
            party.fields["vat_id"] = value or None
        elif q == "GN" and (number := ctx.cvr(i, value)):
            party.fields["cvr"] = number
        elif q == "IT":
            party.fields["account"] = value or None
        elif value:
            party.fields["ids"].append(PartyId(value=value, scheme=f"RFF+{q}"))
    elif role.endswith("party-contacts") and tag == "CTA":
        if any(party.contact.values()):
            ctx.not_carried(i, f"second CTA for NAD+{party.qualifier}")  # one contact
            party.contact["_more"] = True  # (its COM go with it)
            return
        party.contact["name"] = seg.get(2, 2) or None
        party.contact["id"] = seg.get(2, 1) or None
    elif role.endswith("party-contacts") and party.contact.get("_more"):
        ctx.not_carried(i, f"{tag} of a second CTA for NAD+{party.qualifier}")
    elif role.endswith("party-contacts") and tag == "COM":
        channel = seg.get(1, 2)
        key = {"TE": "phone", "EM": "email"}.get(channel)
        if key:
            party.contact[key] = seg.get(1, 1) or None
        else:
            ctx.not_carried(i, f"COM {channel}")
    else:
        ctx.not_carried(i, f"{tag} for NAD+{party.qualifier}")


def build_party(ctx: MapContext, party: PartyDraft) -> Party | None:
    fields = dict(party.fields)
    if party.address:
        fields["address"] = build(ctx, party.index, Address, party.address, "address")
    contact = {k: v for k, v in party.contact.items() if v and k != "_more"}
    if contact:
        fields["contact"] = build(ctx, party.index, Contact, contact, "contact")
    result: Party | None = build(ctx, party.index, Party, fields, f"NAD+{party.qualifier}")
    return result


def build(ctx: MapContext, index: int, cls: Any, fields: dict[str, Any],
          what: str | Callable[[], str]) -> Any:
    """``cls(**fields)``, or None with a finding per broken invariant, named ``what`` (or
    what it returns: a name worked out only when needed)."""
    try:
        return cls(**fields)
    except ValidationError as exc:
        name = what if isinstance(what, str) else what()
        for err in exc.errors:
            ctx.add(MODEL_INVALID(f"{name}: {err}", ctx.loc(index)))
        return None


def read_terms(ctx: MapContext, i: int, seg: Segment,
                terms: dict[str, Any] | None) -> dict[str, Any] | None:
    if seg.tag == "PAT":
        if terms is not None:
            ctx.not_carried(i, "second PAT")
            return terms
        terms = {"code": seg.get(1) or None}
        if seg.get(3, 3) == "D" and ascii_digits(seg.get(3, 4)):
            terms["net_days"] = int(seg.get(3, 4))
        elif seg.get(3, 4):
            ctx.not_carried(i, f"PAT period {':'.join(seg.components(3))}")
        return terms
    if terms is None:
        return None
    if seg.tag == "DTM" and seg.get(1, 1) in ("13", "140"):
        terms["due_date"] = ctx.date(i)[0]
    elif seg.tag == "PCD" and seg.get(1, 1) == "12":
        terms["discount_percent"] = ctx.number(i, 1, 2, what="discount percentage")
    else:
        ctx.not_carried(i, f"{seg.tag} in payment terms")
    return terms


def start_alc(ctx: MapContext, i: int, seg: Segment) -> dict[str, Any]:
    kind = seg.get(1)
    if kind not in ("A", "C"):
        ctx.add(UNUSUAL(f"ALC+{kind}: neither allowance (A) nor charge (C); read as "
                        "allowance", ctx.loc(i, 1)))
    fields: dict[str, Any] = {"is_charge": kind == "C", "_index": i}
    if any(seg.components(2)) or seg.get(3):
        ctx.not_carried(i, "ALC allowance/charge number or settlement")
    if ascii_digits(seg.get(4)):
        fields["sequence"] = int(seg.get(4))
    fields["reason_code"] = seg.get(5, 1) or None
    fields["reason"] = seg.get(5, 4) or None
    return fields


def read_alc_detail(ctx: MapContext, i: int, seg: Segment, fields: dict[str, Any]) -> None:
    q = seg.get(1, 1)
    if seg.tag == "PCD" and q in ("1", "2", "3"):
        fields["percent"] = ctx.number(i, 1, 2, what="percentage")
    elif seg.tag == "MOA" and q in ("8", "204", "23", "131"):
        amount = ctx.number(i, 1, 2, what="amount")
        if amount is not None and amount < 0:
            # ALC 5463 gives the direction; some senders sign the amount as well.
            ctx.add(SIGNED(f"ALC MOA+{q} amount {amount} is negative; read as {-amount} "
                           "(ALC 5463 says allowance or charge)", ctx.loc(i, 1, 2)))
            amount = -amount
        fields["amount"] = amount
    elif seg.tag == "MOA" and q == "25":
        fields["base_amount"] = ctx.number(i, 1, 2, what="basis amount")
    elif seg.tag == "TAX":
        category = seg.get(6, 1)
        if category in TaxCategory._value2member_map_:
            fields["tax_category"] = TaxCategory(category)
        fields["tax_percent"] = ctx.number(i, 5, 4, what="tax rate")
    else:
        ctx.not_carried(i, f"{seg.tag}+{q} with ALC")


def build_alc(ctx: MapContext, fields: dict[str, Any]) -> AllowanceCharge | None:
    index = fields.pop("_index")
    if fields.get("amount") is None and fields.get("percent") is None:
        ctx.add(MISSING_VALUE("ALC has neither an amount (MOA) nor a percentage (PCD)",
                              ctx.loc(index)))
        return None
    fields = {k: v for k, v in fields.items() if v is not None}
    result: AllowanceCharge | None = build(ctx, index, AllowanceCharge, fields, "ALC")
    return result



def read_lin(ctx: MapContext, i: int, seg: Segment, line: LineDraft) -> None:
    elements = seg.elements
    number = elements[0][0][0] if elements else ""
    line.fields["line_id"] = number or str(len(line.fields) + 1)
    if not number:
        ctx.add(MISSING_VALUE("LIN has no line number", ctx.loc(i, 1)))
    if len(elements) > 1 and elements[1][0][0]:
        ctx.not_carried(i, f"LIN action {elements[1][0][0]}")
    if len(elements) > 2:
        c212 = elements[2][0]
        if c212[0]:
            item_number(ctx, i, 3, c212[0], c212[1] if len(c212) > 1 else "", line)
    if len(elements) > 3:
        ctx.not_carried(i, "LIN sub-line information")


def item_number(ctx: MapContext, i: int, element: int, number: str, kind: str,
                 line: LineDraft) -> None:
    if kind in GTIN_TYPES:
        try:
            _gtin.validate(number)
        except ValueError as exc:
            ctx.add(BAD_GTIN(str(exc), ctx.loc(i, element, 1)))
        line.fields["gtin"] = number  # as sent, whatever its check digit
    elif kind == "SA":
        set_line(ctx, i, line, "seller_item_id", number)
    elif kind in ("IN", "BP"):
        set_line(ctx, i, line, "buyer_item_id", number)
    else:
        ctx.not_carried(i, f"item number type {kind or '(none)'}")


def set_line(ctx: MapContext, i: int, line: LineDraft, key: str, value: Any) -> None:
    if key in line.fields and line.fields[key] != value:
        ctx.add(AMBIGUOUS(f"line {line.fields.get('line_id')}: {key} given twice "
                          f"({line.fields[key]} and {value})", ctx.loc(i)))
        return
    line.fields[key] = value



def read_pri(ctx: MapContext, i: int, seg: Segment, line: LineDraft) -> None:
    c509 = seg.components(1) + ("",) * 6
    q = c509[0]
    key = PRICE_KEYS.get(q)
    if q == "INV" and "price" not in line.fields:
        ctx.add(UNUSUAL("PRI+INV (invoice price) read as the net price (PRI+AAA)",
                        ctx.loc(i, 1, 1)))
        key = "price"
    if key is None:
        ctx.not_carried(i, f"PRI+{q}")
        return
    value = ctx.number(i, 1, 2, what=f"PRI+{q} price", text=c509[1])
    if value is not None:
        set_line(ctx, i, line, key, value)
    if c509[4]:
        basis = ctx.number(i, 1, 5, what="unit price basis", text=c509[4])
        if basis is not None and key == "price":
            line.fields["price_basis"] = basis
    if c509[2] or c509[3] or c509[5]:
        ctx.not_carried(i, f"PRI+{q} price type and unit")


PRICE_KEYS = {"AAA": "price", "AAB": "gross_price"}



def field_error(path: str, message: str) -> FieldError:
    return FieldError(path, message)


FTX_MOST = 5
"""FTX segments a text may take: what a line's FTX may repeat in every message edimap
writes (INVOIC D.96A's SG26 has the fewest)."""


def ftx_segments(subject: str, text: str, path: str) -> list[Segment]:
    """FTX+``subject`` for ``text``: five C108 lines of 70 characters (4440) in each, the
    rest in the next FTX (up to :data:`FTX_MOST`), broken at spaces as readers join them.
    A text longer than that is refused at ``path``."""
    parts = wrap(text, 70)
    if len(parts) > 5 * FTX_MOST:
        raise ValidationError([field_error(path, f"longer than {FTX_MOST} FTX segments "
                                                 f"carry ({FTX_MOST} × 5 × 70 characters)")])
    return [Segment.build("FTX", subject, None, None, parts[n:n + 5])
            for n in range(0, len(parts), 5)]


def nad_segments(qualifier: str, party: Party, role: str) -> list[Segment]:
    """NAD for ``party`` in ``role``, with its RFF references and CTA/COM contact."""
    c082, refs = _nad_identity(party, role)
    name = wrap(party.name, 35) if party.name else None
    if party.address is None:
        segments = [Segment.build("NAD", qualifier, c082, None, name)]
    else:
        segments = [Segment.build("NAD", qualifier, c082, None, name,
                                  *_nad_address(party.address, role))]
    if party.endpoint_id:
        not_carried(f"{role}.endpoint_id", f"EANCOM has no electronic address; endpoint "
                    f"{party.endpoint_id} ({party.endpoint_scheme}) is left out")
        not_carried(f"{role}.endpoint_scheme", "goes with the endpoint")
    if party.vat_id:
        segments.append(Segment.build("RFF", ["VA", party.vat_id]))
    if party.cvr:
        segments.append(Segment.build("RFF", ["GN", party.cvr]))
    if party.account:
        segments.append(Segment.build("RFF", ["IT", party.account]))
    segments.extend(refs)
    if party.contact is not None:
        c = party.contact
        segments.append(Segment.build("CTA", "IC", [
            _fitting(c.id, 17, f"{role}.contact.id", "CTA C056 3413"),
            _fitting(c.name, 35, f"{role}.contact.name", "CTA C056 3412")]))
        if c.phone:
            segments.append(Segment.build("COM", [c.phone, "TE"]))
        if c.email:
            segments.append(Segment.build("COM", [c.email, "EM"]))
    return segments


GLN_SCHEME_AGENCY = {"GLN": "9", "0088": "9"}
"""Identifier schemes of a GLN, written in NAD C082 with GS1's agency code."""


def _nad_identity(party: Party, role: str) -> tuple[list[str] | None, list[Segment]]:
    """NAD C082 (the GLN, or the one other identifier it can hold) and the RFF segments of
    identifiers given as references (scheme ``RFF+…``); any other is noted."""
    ids = list(party.ids)
    # C082 3055 is an agency code (an..3): a GLN's scheme is GS1's 9; an identifier of
    # another scheme (DK:CVR, an ISO 6523 code) has no place in it.
    agency = GLN_SCHEME_AGENCY
    placeable = [i for i in ids if i.scheme is None or i.scheme in agency or (
        len(i.scheme) <= 3 and not i.scheme.startswith("RFF+"))]
    c082: list[str] | None = None
    if party.gln:
        c082 = [party.gln, "", "9"]
    elif placeable:
        first = placeable[0]
        ids.remove(first)
        c082 = [first.value, "", agency.get(first.scheme or "", first.scheme or "")]
        if first.scheme in agency:
            not_carried(f"{role}.ids[{party.ids.index(first)}]", "written as a GLN (NAD "
                        "C082 with agency 9); it reads back as the party's GLN")
    refs: list[Segment] = []
    for extra in ids:
        n = party.ids.index(extra)
        if extra.scheme and extra.scheme.startswith("RFF+"):
            refs.append(Segment.build("RFF", [extra.scheme[4:], extra.value]))
        else:
            not_carried(f"{role}.ids[{n}]", f"NAD holds one identifier (C082); "
                        f"{extra.value} ({extra.scheme or 'no scheme'}) has no place")
    return c082, refs


def _nad_address(address: Address, role: str) -> list[Any]:
    """NAD C059 (street), 3164 city, 3229 region, 3251 postal code and 3207 country; a
    part longer than its element is left out and noted."""
    # EANCOM has no building number element: it goes after the street name, as Danish
    # addresses are written ("Vestergade 12"), and reads back as part of the street.
    first_line = " ".join(p for p in (address.street, address.building_number) if p)
    if address.building_number:
        not_carried(f"{role}.address.building_number", "EANCOM has no building number "
                    "element: it is written after the street name (NAD C059)")
        not_carried(f"{role}.address.street", "written with the building number after "
                    "it (EANCOM has no element for that)")
    street: list[str] | None = [first_line, address.additional_street or ""]
    if not first_line and address.additional_street:
        # C059's first line (3042) is mandatory: the second line moves up.
        not_carried(f"{role}.address.additional_street", "written as the street (NAD "
                    "C059's first line is mandatory), and reads back as the street")
        street = [address.additional_street]
    elif not first_line:
        street = None
    if street is not None:
        street = [_fitting(line, 35, f"{role}.address.street", "NAD C059 3042")
                  for line in street]
    return [street,
            _fitting(address.city, 35, f"{role}.address.city", "NAD 3164"),
            _fitting(address.region, 9, f"{role}.address.region", "NAD 3229"),
            _fitting(address.postal_code, 9, f"{role}.address.postal_code", "NAD 3251"),
            address.country]


def _fitting(value: str | None, most: int, path: str, element: str) -> str:
    """``value`` for a data element of at most ``most`` characters; a longer one is left
    out and noted, never cut (an e-mail address as a contact's id, say)."""
    if value and len(value) > most:
        not_carried(path, f"{element} holds {most} characters and {value!r} has "
                          f"{len(value)}: left out")
        return ""
    return value or ""


def pat_segments(terms: PaymentTerms, num: Any) -> list[Segment]:
    period = ["5", "3", "D", str(terms.net_days)] if terms.net_days is not None else None
    if not terms.code:
        not_carried("payment_terms.code", "PAT 4279 is mandatory: written as 1 (basic "
                    "payment terms)")
    out = [Segment.build("PAT", terms.code or "1", None, period)]
    if terms.due_date is not None:
        out.append(Segment.build("DTM", ["13", date_102(terms.due_date), "102"]))
    if terms.discount_percent is not None:
        out.append(Segment.build("PCD", ["12", num(terms.discount_percent)]))
    return out


def alc_segments(ac: AllowanceCharge, num: Any, path: str = "allowance_charges"
                 ) -> list[Segment]:
    if ac.amount is not None and ac.amount < 0:
        # A reader takes MOA after ALC as a magnitude (EANCOM-SIGN): a sign would be lost.
        raise ValidationError([field_error(f"{path}.amount", (
            f"EANCOM states an allowance or charge unsigned (ALC 5463 says which), and "
            f"this one is {ac.amount}: a negative invoice cannot be written as EANCOM; "
            "issue a credit note (BGM 381) with positive amounts instead"))])
    reason = [ac.reason_code or "", "", "", ac.reason or ""] if (ac.reason_code or ac.reason) \
        else None
    out = [Segment.build("ALC", "C" if ac.is_charge else "A", None, None,
                         str(ac.sequence) if ac.sequence is not None else None, reason)]
    if ac.percent is not None:
        out.append(Segment.build("PCD", ["2" if ac.is_charge else "1", num(ac.percent)]))
    if ac.amount is not None:
        out.append(Segment.build("MOA", ["23" if ac.is_charge else "204", num(ac.amount)]))
    if ac.base_amount is not None:
        out.append(Segment.build("MOA", ["25", num(ac.base_amount)]))
    if ac.tax_category is not None or ac.tax_percent is not None:
        out.append(Segment.build(
            "TAX", "7", "VAT", None, None,
            ["", "", "", num(ac.tax_percent)] if ac.tax_percent is not None else None,
            ac.tax_category.value if ac.tax_category else None))
    return out


# --- the common ORDERS line, read from its text -------------------------------------------
#
# Orders are mostly line groups of a few shapes: LIN, then some of PIA, IMD, QTY+21 and
# PRI, each in its most common form. read_order_line reads such a run straight from the
# segments' text (match_run), without splitting each segment into elements. The pattern
# takes only segments for which the general readers (read_lin, read_line_segment,
# read_pri), one after the other, would set the very same fields and report nothing; the
# first segment it cannot take ends the run, and the general readers go on from there.
# When a value it took needs a finding after all (a bad check digit, a unit that is not a
# Rec 20 code, an empty description), it takes nothing and the general readers read the
# whole line. The tests compare the two ways on near misses, generated orders and the corpus.

# (Possessive quantifiers, *+ and ++: a value never gives characters back, as none of
# them is a separator; that makes the match some 40 % cheaper. Numbers longer than the
# model allows are left to the general readers, which report them.)
_NUMBER = f"([0-9]{{1,{MAX_INTEGER_DIGITS}}}+(?:[.,][0-9]{{1,{MAX_DECIMALS}}}+)?)"
_ORDER_LINE = SegmentPattern(
    "LIN{E}({V}++){E}{E}([0-9]++){C}(?:EN|SRV|UP|EU|SRS)(?:{C}{V}*+)*+"
    "(?:{S}PIA{E}[15]{E}({V}++){C}(SA|IN|BP)(?:{C}{V}*+)*+"
    "(?:{E}({V}++){C}(SA|IN|BP)(?:{C}{V}*+)*+)?)?"
    "(?:{S}(IMD){E}[FEAB]{E}{E}{C}{C}{C}({V}*+)(?:{C}({V}*+))?)?"
    "(?:{S}QTY{E}21{C}" + _NUMBER + "(?:{C}({V}*+))?)?"
    "(?:{S}PRI{E}AAA{C}" + _NUMBER + ")?"
    "(?:{S}PRI{E}AAB{C}" + _NUMBER + ")?")
_ITEM_KEYS = {"SA": "seller_item_id", "IN": "buyer_item_id", "BP": "buyer_item_id"}
# What may follow a whole line group: the next line, the summary or the end.
_AFTER_LINE = frozenset({"LIN", "UNS", "UNT"})
_unchecked_order_line = unchecked_constructor(OrderLine)
# The roles the structure gives such a run: PRI stands in its own group (SG28 / SG32).
_LINE_ROLES = {(plain, prices): ("lines",) * plain + ("lines/line-prices",) * prices
               for plain in range(1, 5) for prices in range(3)}


def read_order_line(segments: tuple[Segment, ...], roles: tuple[str, ...], i: int
                    ) -> tuple[int, OrderLine | LineDraft | None]:
    """Read the line group starting with the LIN at ``i`` as far as it has the common
    shapes: how many segments were read, and the line, built when those were the whole
    group, or as a draft when more of the group follows. ``(0, None)``: nothing was read,
    the general readers take the group."""
    run = match_run(segments, i, _ORDER_LINE)
    if run is None:
        return 0, None
    (line_id, gtin, item, item_type, item2, item_type2, imd, text, text2, quantity, unit,
     price, gross_price), taken, restore = run
    prices = (price != "") + (gross_price != "")
    if roles[i:i + taken] != _LINE_ROLES[taken - prices, prices]:
        return 0, None
    if (imd and not (text or text2)) or (unit and not UNIT_CODE.match(unit)) or (
            item2 and _ITEM_KEYS[item_type2] == _ITEM_KEYS[item_type] and item2 != item):
        return 0, None
    if not _gs1.plain_valid(gtin, _gtin.LENGTHS):
        return 0, None  # (the general readers report it)
    if restore is not None:  # escaped characters (never ASCII): only in the free text
        if not line_id.isascii():
            line_id = line_id.translate(restore)
        if not item.isascii():
            item = item.translate(restore)
        if not item2.isascii():
            item2 = item2.translate(restore)
        if not text.isascii():
            text = text.translate(restore)
        if not text2.isascii():
            text2 = text2.translate(restore)
    fields: dict[str, Any] = {"line_id": line_id, "gtin": gtin}
    if item:
        fields[_ITEM_KEYS[item_type]] = item
        if item2:
            fields[_ITEM_KEYS[item_type2]] = item2
    if imd:
        fields["description"] = f"{text} {text2}" if text and text2 else text or text2
    if price:
        fields["price"] = Decimal(price.replace(",", "."))
    if gross_price:
        fields["gross_price"] = Decimal(gross_price.replace(",", "."))
    if quantity:
        fields["quantity"] = Decimal(quantity.replace(",", "."))
        if unit:
            fields["unit"] = unit
    end = i + taken
    if quantity and line_id.strip() and (
            end == len(segments) or segments[end].tag in _AFTER_LINE):
        # The whole group, and every value already held to the model's rules: the pattern
        # (digits, no sign, numbers within the model's digits, free text without
        # separators), the checks above and a line number that is not blank.
        return taken, _unchecked_order_line(**fields)
    line = LineDraft(i)
    line.fields.update(fields)
    if imd:  # (LIN, a PIA, then the IMD: a description the next IMD may go on with)
        at = i + 1 + bool(item)
        line.imd = ((segments[at].get(1), segments[at].get(2)), at)
    return taken, line


def read_line_segment(ctx: MapContext, i: int, seg: Segment, line: LineDraft,
                      qty_keys: dict[str, str], primary: str,
                      fallbacks: tuple[str, ...] = ("1",)) -> None:
    """A segment of the line group itself (LIN's own segments), for ORDERS and INVOIC:
    ``qty_keys`` maps QTY qualifiers to line fields, ``primary`` is the main quantity's."""
    tag = seg.tag
    if tag == "QTY":
        _read_qty(ctx, i, seg, line, qty_keys, primary, fallbacks)
    elif tag == "PIA":
        for element in range(2, len(seg.elements) + 1):
            c212 = seg.components(element)
            if c212 and c212[0]:
                item_number(ctx, i, element, c212[0], c212[1] if len(c212) > 1 else "", line)
        if seg.get(1) not in ("1", "5"):
            ctx.not_carried(i, f"PIA+{seg.get(1)}")
    elif tag == "IMD":
        _read_imd(ctx, i, seg, line)
    elif tag == "DTM":
        q = seg.get(1, 1)
        if q == "2":
            set_line(ctx, i, line, "delivery_date", ctx.date(i)[0])
        else:
            ctx.not_carried(i, f"line DTM+{q}")
    elif tag == "MOA":
        q = seg.get(1, 1)
        if q == "203":
            set_line(ctx, i, line, "line_amount", ctx.number(i, 1, 2, what="line amount"))
        else:
            ctx.not_carried(i, f"line MOA+{q}")
    elif tag == "FTX":
        text = ctx.text(seg.components(4))
        if text:
            line.notes.append(text)
    else:
        ctx.not_carried(i, f"line {tag}")


def _read_qty(ctx: MapContext, i: int, seg: Segment, line: LineDraft,
              qty_keys: dict[str, str], primary: str, fallbacks: tuple[str, ...]) -> None:
    """QTY (C186 6063:6060:6411): a quantity by its qualifier, the unit with the main one;
    a fallback qualifier stands in for a missing main quantity, with a warning."""
    c506 = seg.components(1)
    q = c506[0] if c506 else ""
    key = qty_keys.get(q)
    if q in fallbacks and "quantity" not in line.fields and not any(
            s.tag == "QTY" and s.get(1, 1) == primary
            for s in ctx.message.segments[line.index:]):
        ctx.add(UNUSUAL(f"QTY+{q} read as the main quantity (the line has no "
                        f"QTY+{primary})", ctx.loc(i, 1, 1)))
        key = "quantity"
    if key is None:
        ctx.not_carried(i, f"QTY+{q}")
        return
    value = ctx.number(i, 1, 2, what=f"QTY+{q} quantity", text=c506[1] if len(c506) > 1 else "")
    if value is not None:
        set_line(ctx, i, line, key, value)
    unit = c506[2] if len(c506) > 2 else ""
    if key == "quantity" and unit:
        line.fields["unit"] = unit  # as sent: a unit that is not Rec 20 is reported later


def _read_imd(ctx: MapContext, i: int, seg: Segment, line: LineDraft) -> None:
    """IMD (C273 7008, two lines of 35): the item description."""
    c273 = seg.components(3)
    if len(c273) > 5:
        ctx.add(UNUSUAL("IMD item description has more than the 5 components of C273 (an "
                        "unescaped ':' in the text?); the extra ones were left out",
                        ctx.loc(i, 3, 6)))
        ctx.not_carried(i, "IMD C273 components past the fifth")
    if seg.get(1) in ("F", "E", "A", "B") and any(c273[3:5]):
        text = ctx.text(c273[3:5])
        key = (seg.get(1), seg.get(2))
        if "description" not in line.fields:
            line.fields["description"] = text
        elif line.imd == (key, i - 1):
            # The description goes on in the next IMD of its kind (as writers wrap it).
            line.fields["description"] = f"{line.fields['description']} {text}"
        else:
            ctx.not_carried(i, "second item description (IMD)")
        line.imd = (key, i)
    else:
        ctx.not_carried(i, f"IMD+{seg.get(1)} {':'.join(c273)}".strip())



# --- writing: segments ORDERS and INVOIC write alike ------------------------------------------


def note_segments(notes: Sequence[str], terms: PaymentTerms | None = None) -> list[Segment]:
    """FTX+AAI for each of the document's notes, and FTX+AAB for the payment terms'
    text."""
    out = []
    for i, note in enumerate(notes):
        segments = ftx_segments("AAI", note, f"notes[{i}]")
        if len(segments) > 1:
            not_carried(f"notes[{i}]", f"longer than one FTX carries (5 × 70 characters): "
                                       f"written across {len(segments)} FTX+AAI, which read "
                                       f"back as {len(segments)} notes")
        out.extend(segments)
    if terms is not None and terms.note:
        out.extend(ftx_segments("AAB", terms.note, "payment_terms.note"))
    return out


def reference_segments(references: Sequence[DocumentReference]) -> list[Segment]:
    """SG1: RFF with its DTM+171 for each document reference."""
    body = []
    for n, ref in enumerate(references):
        if not REFERENCE_QUALIFIER.match(ref.kind):
            # A UBL document type ("Timesheet") is no RFF 1153 qualifier (an..3).
            not_carried(f"references[{n}]", f"RFF needs a UNCL 1153 qualifier, and "
                                            f"{ref.kind!r} is none")
            continue
        body.append(Segment.build("RFF", [ref.kind, ref.id]))
        if ref.date:
            body.append(Segment.build("DTM", ["171", date_102(ref.date), "102"]))
    return body


def terms_and_charges(terms: PaymentTerms | None, charges: Sequence[AllowanceCharge],
                      num: Callable[[Decimal], str]) -> list[Segment]:
    """SG8 PAT and SG19/SG16 ALC of the document."""
    body = pat_segments(terms, num) if terms is not None else []
    for n, ac in enumerate(charges):
        body.extend(alc_segments(ac, num, f"allowance_charges[{n}]"))
    return body


def item_segments(line: OrderLine | InvoiceLine, gtin_type: str) -> list[Segment]:
    """LIN with the GTIN, and PIA with the seller's and buyer's item numbers."""
    body = [Segment.build("LIN", line.line_id, None,
                          [line.gtin, gtin_type] if line.gtin else None)]
    ids = [[v, k] for v, k in ((line.seller_item_id, "SA"), (line.buyer_item_id, "IN")) if v]
    if ids:
        body.append(Segment.build("PIA", "5", *ids))
    return body


IMD_MOST = 10
"""IMD segments a line may have in every directory edimap writes (INVOIC D.96A: 10)."""


def description_segments(description: str, path: str) -> list[Segment]:
    """IMD+F with the description in lines of 35 (C273 7008), two to a segment; a longer
    one goes on in the next IMD+F, as a reader joins them (up to :data:`IMD_MOST`)."""
    parts = wrap(description, 35)
    if len(parts) > 2 * IMD_MOST:
        raise ValidationError([field_error(path, f"longer than {IMD_MOST} IMD segments carry "
                                                 f"({IMD_MOST * 70} characters)")])
    return [Segment.build("IMD", "F", None, ["", "", "", *parts[n:n + 2]])
            for n in range(0, len(parts), 2)]


def price_segments(line: OrderLine | InvoiceLine,
                   num: Callable[[Decimal], str]) -> list[Segment]:
    """SG28/SG32: PRI+AAA (net, with its basis) and PRI+AAB (gross)."""
    body = []
    if line.price is not None:
        basis = num(line.price_basis) if line.price_basis is not None else None
        body.append(Segment.build("PRI", ["AAA", num(line.price), None, None, basis]))
    if line.gross_price is not None:
        body.append(Segment.build("PRI", ["AAB", num(line.gross_price)]))
    return body
