"""EANCOM ORDERS ⇄ :class:`~edimap.model.Order`, for EANCOM 97 (D.96A, EAN008) and EANCOM
2002 (D.01B, EAN010).

Reading is driven by qualifiers and by the *role* of the segment group a segment stands
in (``lines/line-prices``), never by position alone: a DTM is the document date only with
qualifier 137 in the header. A missing required value, an ambiguous qualifier or a broken
GLN/GTIN is an error finding; whatever the model has no field for is listed in one info
finding (``EANCOM-NOT-CARRIED``), so nothing is dropped in silence.

Writing builds the message from the model in the directory asked for; the envelope
(UNB/UNH/UNT/UNZ) comes from :mod:`edimap.edifact.writer`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import attrs

from edimap._codes import UNIT_CODE
from edimap.edifact._common import (
    AMBIGUOUS,
    BAD_GTIN,
    MISSING_VALUE,
    UNUSUAL,
    MapContext,
    date_102,
    wrap,
)
from edimap.edifact.reader import Message
from edimap.edifact.structure import definition_for, validate_structure
from edimap.edifact.syntax import DEFAULT_V3, Delimiters, Segment, format_decimal
from edimap.edifact.writer import MessageDraft
from edimap.findings import FieldError, Finding, Severity, ValidationError, register
from edimap.ids import gtin as _gtin
from edimap.model import (
    Address,
    AllowanceCharge,
    Contact,
    DocumentReference,
    Order,
    OrderLine,
    Party,
    PartyId,
    PaymentTerms,
    TaxCategory,
)

__all__ = ["DIRECTORIES", "order_to_message", "read_order"]

DIRECTORIES: dict[str, tuple[str, ...]] = {
    "d96a": ("ORDERS", "D", "96A", "UN", "EAN008"),
    "d01b": ("ORDERS", "D", "01B", "UN", "EAN010"),
}
"""``--edifact-version`` name → UNH S009 of the ORDERS message written."""

GTIN_TYPES = frozenset({"EN", "SRV", "UP", "EU", "SRS"})
PARTY_ROLES = {"BY": "buyer", "SU": "seller", "DP": "delivery", "IV": "invoicee",
               "UC": "ultimate_consignee"}
ROLE_QUALIFIERS = {v: k for k, v in PARTY_ROLES.items()}
ORDER_TYPES = frozenset({"220", "221", "224", "226", "227", "22E", "105", "402", "50E"})

MODEL_INVALID = register(
    "EANCOM-MODEL", Severity.ERROR,
    "A value read from the message breaks an invariant of the order or invoice model.",
    "Correct the value at the given segment.", "QTY+21:-5'  (negative ordered quantity)")
FALLBACK_DEFINITION = register(
    "EANCOM-DIRECTORY", Severity.INFO,
    "The message's directory has no definition of its own in edimap; it was read with the "
    "nearest EANCOM one (D.96A for older directories, D.01B for newer).",
    "None needed; structure findings are warnings for such messages.", "ORDERS:D:97A:UN")


def _structure(message: Message) -> tuple[tuple[str, ...], list[Finding]]:
    definition = definition_for(message.type, message.version, message.release)
    findings: list[Finding] = []
    fallback = False
    if definition is None:
        release = message.release.upper()
        nearest = "01B" if release[:2].isdigit() and "01" <= release[:2] < "90" else "96A"
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


class _Party:
    def __init__(self, qualifier: str, index: int) -> None:
        self.qualifier = qualifier
        self.index = index
        self.fields: dict[str, Any] = {"ids": []}
        self.address: dict[str, Any] = {}
        self.contact: dict[str, Any] = {}


class _Line:
    def __init__(self, index: int) -> None:
        self.index = index
        self.fields: dict[str, Any] = {"allowance_charges": []}
        self.notes: list[str] = []


def read_order(message: Message) -> tuple[Order | None, list[Finding]]:
    """Map one ORDERS message to an :class:`Order` and the findings about it."""
    roles, findings = _structure(message)
    ctx = MapContext(message, roles)
    ctx.findings.extend(findings)
    segs = message.segments
    header: dict[str, Any] = {}
    notes: list[str] = []
    refs: list[DocumentReference] = []
    parties: dict[str, _Party] = {}
    party: _Party | None = None
    lines: list[_Line] = []
    line: _Line | None = None
    allowances: list[dict[str, Any]] = []
    allowance: dict[str, Any] | None = None
    terms: dict[str, Any] | None = None
    last_ref: DocumentReference | None = None
    count_lines: tuple[int, Decimal] | None = None

    def set_once(target: dict[str, Any], key: str, value: Any, index: int, what: str) -> None:
        if value is None:
            return
        if key in target and target[key] != value:
            ctx.add(AMBIGUOUS(f"{what} is given twice: {target[key]!s} and {value!s}",
                              ctx.loc(index)))
            return
        target[key] = value

    for i, seg in enumerate(segs):
        tag = seg.tag
        role = roles[i] if i < len(roles) else ""
        if tag in ("UNH", "UNT"):
            continue
        if role == "":
            if tag == "BGM":
                set_once(header, "order_type", seg.get(1, 1) or None, i, "BGM document code")
                set_once(header, "id", seg.get(2, 1) or None, i, "the order number")
                if seg.get(3):
                    header["message_function"] = seg.get(3)
                if seg.get(4):
                    ctx.not_carried(i, f"BGM response type {seg.get(4)}")
            elif tag == "DTM":
                q = seg.get(1, 1)
                start, end = ctx.date(i)
                key = {"137": "issue_date", "2": "delivery_date", "64": "earliest_delivery_date",
                       "63": "latest_delivery_date"}.get(q)
                if q == "4" and not any(s.tag == "DTM" and s.get(1, 1) == "137" for s in segs):
                    ctx.add(UNUSUAL("DTM+4 (order date) read as the document date; EANCOM "
                                    "orders use DTM+137", ctx.loc(i, 1, 1)))
                    key = "issue_date"
                if key is None:
                    ctx.not_carried(i, f"DTM+{q}")
                elif end is not None and key == "delivery_date":
                    set_once(header, "earliest_delivery_date", start, i, "DTM+2 start")
                    set_once(header, "latest_delivery_date", end, i, "DTM+2 end")
                else:
                    set_once(header, key, start, i, f"DTM+{q}")
            elif tag == "FTX":
                if len(seg.components(4)) > 5:
                    ctx.add(UNUSUAL("FTX text has more than the 5 lines of C108 (an unescaped "
                                    "':'?); all were kept", ctx.loc(i, 4, 6)))
                text = ctx.text(seg.components(4))
                if text:
                    notes.append(text)
                if seg.get(1) not in ("AAI", "ZZZ", "PUR", "DEL", "GEN", ""):
                    ctx.not_carried(i, f"FTX subject {seg.get(1)}")
            elif tag == "CNT":
                if seg.get(1, 1) == "2":
                    counted = ctx.number(i, 1, 2, what="line count")
                    if counted is not None:
                        count_lines = (i, counted)
                else:
                    ctx.not_carried(i, f"CNT+{seg.get(1, 1)}")
            elif tag == "UNS":
                line = None
            else:
                ctx.not_carried(i)
        elif role == "references":
            if tag == "RFF":
                q, value = seg.get(1, 1), seg.get(1, 2)
                if q == "VN":
                    set_once(header, "seller_order_id", value or None, i, "RFF+VN")
                    last_ref = None
                elif value:
                    last_ref = DocumentReference(kind=q, id=value)
                    refs.append(last_ref)
            elif tag == "DTM" and seg.get(1, 1) == "171" and last_ref is not None:
                start, _ = ctx.date(i)
                if start:
                    refs[-1] = last_ref = attrs.evolve(last_ref, date=start)
            else:
                ctx.not_carried(i, f"{tag} in references")
        elif role == "parties":
            if tag == "NAD":
                party = _read_nad(ctx, i, seg, parties)
            else:
                ctx.not_carried(i, f"{tag} after NAD")
        elif role.startswith("parties/") and party is not None:
            _read_party_detail(ctx, i, seg, role, party)
        elif role == "currencies":
            if tag == "CUX":
                usage, code = seg.get(1, 1), seg.get(1, 2)
                if usage == "2" and code:
                    set_once(header, "currency", code, i, "the order currency (CUX+2)")
                    if seg.get(2):
                        ctx.not_carried(i, "second currency in CUX")
                else:
                    ctx.not_carried(i, f"CUX+{usage}")
            else:
                ctx.not_carried(i, f"{tag} in currencies")
        elif role.startswith("payment-terms"):
            terms = _read_terms(ctx, i, seg, terms)
        elif role.startswith("allowances"):
            if tag == "ALC":
                allowance = _start_alc(ctx, i, seg)
                allowances.append(allowance)
            elif allowance is not None:
                _read_alc_detail(ctx, i, seg, allowance)
        elif role == "lines":
            if tag == "LIN":
                line = _Line(i)
                lines.append(line)
                _read_lin(ctx, i, seg, line)
            elif line is not None:
                _read_line_segment(ctx, i, seg, line)
        elif role == "lines/line-prices" and line is not None:
            if tag == "PRI":
                _read_pri(ctx, i, seg, line)
            else:
                ctx.not_carried(i, f"{tag} with PRI")
        elif role.startswith("lines/line-allowances") and line is not None:
            if tag == "ALC":
                allowance = _start_alc(ctx, i, seg)
                line.fields["allowance_charges"].append(allowance)
            elif line.fields["allowance_charges"]:
                _read_alc_detail(ctx, i, seg, line.fields["allowance_charges"][-1])
        else:
            ctx.not_carried(i, f"{tag} ({role or 'header'})")

    if "id" not in header:
        ctx.add(MISSING_VALUE("the order has no number (BGM C106 1004)", ctx.loc(0)))
    if "issue_date" not in header:
        ctx.add(MISSING_VALUE("the order has no document date (DTM+137)", ctx.loc(0)))
    if header.get("order_type") and header["order_type"] not in ORDER_TYPES:
        ctx.add(UNUSUAL(f"BGM document code {header['order_type']} is not an order code "
                        "(220, 221, 226, …); kept as the order type", ctx.loc(1, 1)))
    if "currency" not in header:
        header["currency"] = "DKK"
    if count_lines is not None and count_lines[1] != len(lines):
        ctx.add(UNUSUAL(f"CNT+2 says {count_lines[1]} lines but the message has {len(lines)}",
                        ctx.loc(count_lines[0], 1, 2)))
    ctx.flush_not_carried()
    built_parties = {PARTY_ROLES[q]: p for q, p in ((q, _build_party(ctx, p))
                                                   for q, p in parties.items()) if p}
    built_lines = [_build_line(ctx, ln) for ln in lines]
    built_acs = [_build_alc(ctx, a) for a in allowances]
    if any(f.severity is Severity.ERROR for f in ctx.findings):
        return None, ctx.findings
    try:
        fields: dict[str, Any] = {**header, **built_parties}
        order = Order(
            notes=notes, references=refs,
            lines=[ln for ln in built_lines if ln is not None],
            allowance_charges=[a for a in built_acs if a is not None],
            payment_terms=PaymentTerms(**terms) if terms else None,
            **fields,
        )
    except ValidationError as exc:
        for err in exc.errors:
            ctx.add(MODEL_INVALID(str(err), ctx.loc(0)))
        return None, ctx.findings
    return order, ctx.findings


def _read_nad(ctx: MapContext, i: int, seg: Segment, parties: dict[str, _Party]) -> _Party | None:
    q = seg.get(1)
    if q not in PARTY_ROLES:
        if q == "ST" and "DP" not in parties:
            ctx.add(UNUSUAL("NAD+ST (ship to) read as the delivery party (NAD+DP)",
                            ctx.loc(i, 1)))
            q = "DP"
        else:
            ctx.not_carried(i, f"NAD+{q}")
            return None
    if q in parties:
        ctx.add(AMBIGUOUS(f"NAD+{q} occurs twice; edimap cannot tell which is the "
                          f"{PARTY_ROLES[q]}", ctx.loc(i, 1)))
        return None
    party = _Party(q, i)
    parties[q] = party
    ident, agency = seg.get(2, 1), seg.get(2, 3)
    if ident:
        if agency == "9":
            party.fields["gln"] = ctx.gln(i, ident, 2, 1, f"NAD+{q}")
        else:
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
    return party


def _read_party_detail(ctx: MapContext, i: int, seg: Segment, role: str, party: _Party) -> None:
    tag = seg.tag
    if role.endswith("party-references") and tag == "RFF":
        q, value = seg.get(1, 1), seg.get(1, 2)
        if q == "VA":
            party.fields["vat_id"] = value or None
        elif q == "GN" and ctx.cvr(value):
            party.fields["cvr"] = ctx.cvr(value)
        elif q == "IT":
            party.fields["account"] = value or None
        elif value:
            party.fields["ids"].append(PartyId(value=value, scheme=f"RFF+{q}"))
    elif role.endswith("party-contacts") and tag == "CTA":
        party.contact["name"] = seg.get(2, 2) or None
        party.contact["id"] = seg.get(2, 1) or None
    elif role.endswith("party-contacts") and tag == "COM":
        channel = seg.get(1, 2)
        key = {"TE": "phone", "EM": "email"}.get(channel)
        if key:
            party.contact[key] = seg.get(1, 1) or None
        else:
            ctx.not_carried(i, f"COM {channel}")
    else:
        ctx.not_carried(i, f"{tag} for NAD+{party.qualifier}")


def _build_party(ctx: MapContext, party: _Party) -> Party | None:
    fields = dict(party.fields)
    if party.address:
        fields["address"] = _safe(ctx, party.index, Address, party.address, "address")
    contact = {k: v for k, v in party.contact.items() if v}
    if contact:
        fields["contact"] = _safe(ctx, party.index, Contact, contact, "contact")
    result: Party | None = _safe(ctx, party.index, Party, fields, f"NAD+{party.qualifier}")
    return result


def _safe(ctx: MapContext, index: int, cls: Any, fields: dict[str, Any], what: str) -> Any:
    try:
        return cls(**fields)
    except ValidationError as exc:
        for err in exc.errors:
            ctx.add(MODEL_INVALID(f"{what}: {err}", ctx.loc(index)))
        return None


def _read_terms(ctx: MapContext, i: int, seg: Segment,
                terms: dict[str, Any] | None) -> dict[str, Any] | None:
    if seg.tag == "PAT":
        if terms is not None:
            ctx.not_carried(i, "second PAT")
            return terms
        terms = {"code": seg.get(1) or None}
        if seg.get(3, 3) == "D" and seg.get(3, 4).isdigit():
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


def _start_alc(ctx: MapContext, i: int, seg: Segment) -> dict[str, Any]:
    kind = seg.get(1)
    if kind not in ("A", "C"):
        ctx.add(UNUSUAL(f"ALC+{kind}: neither allowance (A) nor charge (C); read as "
                        "allowance", ctx.loc(i, 1)))
    fields: dict[str, Any] = {"is_charge": kind == "C", "_index": i}
    if seg.get(4).isdigit():
        fields["sequence"] = int(seg.get(4))
    fields["reason_code"] = seg.get(5, 1) or None
    fields["reason"] = seg.get(5, 4) or None
    return fields


def _read_alc_detail(ctx: MapContext, i: int, seg: Segment, fields: dict[str, Any]) -> None:
    q = seg.get(1, 1)
    if seg.tag == "PCD" and q in ("1", "2", "3"):
        fields["percent"] = ctx.number(i, 1, 2, what="percentage")
    elif seg.tag == "MOA" and q in ("8", "204", "23", "131"):
        fields["amount"] = ctx.number(i, 1, 2, what="amount")
    elif seg.tag == "MOA" and q == "25":
        fields["base_amount"] = ctx.number(i, 1, 2, what="basis amount")
    elif seg.tag == "TAX":
        category = seg.get(6, 1)
        if category in TaxCategory._value2member_map_:
            fields["tax_category"] = TaxCategory(category)
        fields["tax_percent"] = ctx.number(i, 5, 4, what="tax rate")
    else:
        ctx.not_carried(i, f"{seg.tag}+{q} with ALC")


def _build_alc(ctx: MapContext, fields: dict[str, Any]) -> AllowanceCharge | None:
    index = fields.pop("_index")
    if fields.get("amount") is None and fields.get("percent") is None:
        ctx.add(MISSING_VALUE("ALC has neither an amount (MOA) nor a percentage (PCD)",
                              ctx.loc(index)))
        return None
    fields = {k: v for k, v in fields.items() if v is not None}
    result: AllowanceCharge | None = _safe(ctx, index, AllowanceCharge, fields, "ALC")
    return result


def _read_lin(ctx: MapContext, i: int, seg: Segment, line: _Line) -> None:
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
            _item_number(ctx, i, 3, c212[0], c212[1] if len(c212) > 1 else "", line)
    if len(elements) > 3:
        ctx.not_carried(i, "LIN sub-line information")


def _item_number(ctx: MapContext, i: int, element: int, number: str, kind: str,
                 line: _Line) -> None:
    if kind in GTIN_TYPES:
        try:
            line.fields["gtin"] = _gtin.validate(number)
        except ValueError as exc:
            ctx.add(BAD_GTIN(str(exc), ctx.loc(i, element, 1)))
    elif kind == "SA":
        _set_line(ctx, i, line, "seller_item_id", number)
    elif kind in ("IN", "BP"):
        _set_line(ctx, i, line, "buyer_item_id", number)
    else:
        ctx.not_carried(i, f"item number type {kind or '(none)'}")


def _set_line(ctx: MapContext, i: int, line: _Line, key: str, value: Any) -> None:
    if key in line.fields and line.fields[key] != value:
        ctx.add(AMBIGUOUS(f"line {line.fields.get('line_id')}: {key} given twice "
                          f"({line.fields[key]} and {value})", ctx.loc(i)))
        return
    line.fields[key] = value


def _read_line_segment(ctx: MapContext, i: int, seg: Segment, line: _Line) -> None:
    tag = seg.tag
    if tag == "QTY":
        c506 = seg.components(1)
        q = c506[0] if c506 else ""
        key = _QTY_KEYS.get(q)
        if q == "1" and "quantity" not in line.fields:
            ctx.add(UNUSUAL("QTY+1 (discrete quantity) read as the ordered quantity; EANCOM "
                            "orders use QTY+21", ctx.loc(i, 1, 1)))
            key = "quantity"
        if key is None:
            ctx.not_carried(i, f"QTY+{q}")
            return
        value = ctx.number(i, 1, 2, what=f"QTY+{q} quantity",
                           text=c506[1] if len(c506) > 1 else "")
        if value is not None:
            _set_line(ctx, i, line, key, value)
        unit = c506[2] if len(c506) > 2 else ""
        if key == "quantity" and unit:
            if UNIT_CODE.match(unit):
                line.fields["unit"] = unit
            else:
                ctx.add(UNUSUAL(f"unit {unit!r} is not a UN/ECE Rec 20 code; left out",
                                ctx.loc(i, 1, 3)))
    elif tag == "PIA":
        for element in range(2, len(seg.elements) + 1):
            c212 = seg.components(element)
            if c212 and c212[0]:
                _item_number(ctx, i, element, c212[0], c212[1] if len(c212) > 1 else "", line)
        if seg.get(1) not in ("1", "5"):
            ctx.not_carried(i, f"PIA+{seg.get(1)}")
    elif tag == "IMD":
        c273 = seg.components(3)
        if len(c273) > 5:
            ctx.add(UNUSUAL("IMD item description has more than the 5 components of C273 (an "
                            "unescaped ':' in the text?); the extra ones were left out",
                            ctx.loc(i, 3, 6)))
        if seg.get(1) in ("F", "E", "A", "B") and any(c273[3:5]):
            text = ctx.text(c273[3:5])
            if "description" in line.fields:
                ctx.not_carried(i, "second item description (IMD)")
            else:
                line.fields["description"] = text
        else:
            ctx.not_carried(i, f"IMD+{seg.get(1)} {':'.join(c273)}".strip())
    elif tag == "DTM":
        q = seg.get(1, 1)
        if q == "2":
            _set_line(ctx, i, line, "delivery_date", ctx.date(i)[0])
        else:
            ctx.not_carried(i, f"line DTM+{q}")
    elif tag == "MOA":
        q = seg.get(1, 1)
        if q == "203":
            _set_line(ctx, i, line, "line_amount", ctx.number(i, 1, 2, what="line amount"))
        else:
            ctx.not_carried(i, f"line MOA+{q}")
    elif tag == "FTX":
        text = ctx.text(seg.components(4))
        if text:
            line.notes.append(text)
    else:
        ctx.not_carried(i, f"line {tag}")


_QTY_KEYS = {"21": "quantity", "59": "units_per_package", "192": "free_quantity"}


def _read_pri(ctx: MapContext, i: int, seg: Segment, line: _Line) -> None:
    c509 = seg.components(1) + ("",) * 6
    q = c509[0]
    key = _PRICE_KEYS.get(q)
    if key is None:
        ctx.not_carried(i, f"PRI+{q}")
        return
    value = ctx.number(i, 1, 2, what=f"PRI+{q} price", text=c509[1])
    if value is not None:
        _set_line(ctx, i, line, key, value)
    if c509[4]:
        basis = ctx.number(i, 1, 5, what="unit price basis", text=c509[4])
        if basis is not None and key == "price":
            line.fields["price_basis"] = basis
    if c509[2] or c509[3] or c509[5]:
        ctx.not_carried(i, f"PRI+{q} price type and unit")


_PRICE_KEYS = {"AAA": "price", "AAB": "gross_price"}


def _build_line(ctx: MapContext, line: _Line) -> OrderLine | None:
    fields = dict(line.fields)
    if "quantity" not in fields:
        ctx.add(MISSING_VALUE(f"line {fields.get('line_id')} has no ordered quantity "
                              "(QTY+21)", ctx.loc(line.index)))
        return None
    acs = [_build_alc(ctx, a) for a in fields.pop("allowance_charges")]
    fields["allowance_charges"] = [a for a in acs if a is not None]
    if line.notes:
        fields["note"] = " ".join(line.notes)
    result: OrderLine | None = _safe(ctx, line.index, OrderLine, fields,
                                     f"line {fields.get('line_id')}")
    return result


# --- writer ---------------------------------------------------------------------------------


def order_to_message(order: Order, *, reference: str, version: str = "d96a",
                     delimiters: Delimiters = DEFAULT_V3) -> MessageDraft:
    """The ORDERS message for ``order`` in the directory ``version`` (d96a or d01b).

    Raises :class:`~edimap.ValidationError` for data ORDERS cannot carry (a note longer
    than one FTX, a party with two identifiers and no place for the second)."""
    if version not in DIRECTORIES:
        raise ValidationError(f"unknown EDIFACT version {version!r}; use d96a or d01b")
    gtin_type = "EN" if version == "d96a" else "SRV"

    def num(value: Decimal) -> str:
        return format_decimal(value, delimiters)

    body: list[Segment] = [
        Segment.build("BGM", order.order_type, order.id, order.message_function),
        Segment.build("DTM", ["137", date_102(order.issue_date), "102"]),
    ]
    for key, q in (("delivery_date", "2"), ("earliest_delivery_date", "64"),
                   ("latest_delivery_date", "63")):
        value: dt.date | None = getattr(order, key)
        if value is not None:
            body.append(Segment.build("DTM", [q, date_102(value), "102"]))
    for i, note in enumerate(order.notes):
        body.append(Segment.build("FTX", "AAI", None, None, _ftx(note, f"notes[{i}]")))
    if order.seller_order_id:
        body.append(Segment.build("RFF", ["VN", order.seller_order_id]))
    for ref in order.references:
        body.append(Segment.build("RFF", [ref.kind, ref.id]))
        if ref.date:
            body.append(Segment.build("DTM", ["171", date_102(ref.date), "102"]))
    for role in ("buyer", "seller", "delivery", "invoicee", "ultimate_consignee"):
        party: Party | None = getattr(order, role)
        if party is not None:
            body.extend(_nad(ROLE_QUALIFIERS[role], party, role))
    if order.currency != "DKK":
        body.append(Segment.build("CUX", ["2", order.currency, "9"]))
    if order.payment_terms is not None:
        body.extend(_pat(order.payment_terms, num))
    for ac in order.allowance_charges:
        body.extend(_alc(ac, num))
    for line in order.lines:
        body.append(Segment.build("LIN", line.line_id, None,
                                  [line.gtin, gtin_type] if line.gtin else None))
        ids = [[v, k] for v, k in ((line.seller_item_id, "SA"), (line.buyer_item_id, "IN")) if v]
        if ids:
            body.append(Segment.build("PIA", "5", *ids))
        if line.description:
            parts = wrap(line.description, 35)
            if len(parts) > 2:
                raise ValidationError([_field(f"lines[{line.line_id}].description",
                                              "longer than one IMD carries (70 characters)")])
            body.append(Segment.build("IMD", "F", None, ["", "", "", *parts]))
        body.append(Segment.build("QTY", ["21", num(line.quantity), line.unit or None]))
        if line.units_per_package is not None:
            body.append(Segment.build("QTY", ["59", num(line.units_per_package)]))
        if line.free_quantity is not None:
            body.append(Segment.build("QTY", ["192", num(line.free_quantity)]))
        if line.delivery_date is not None:
            body.append(Segment.build("DTM", ["2", date_102(line.delivery_date), "102"]))
        if line.line_amount is not None:
            body.append(Segment.build("MOA", ["203", num(line.line_amount)]))
        if line.note:
            body.append(Segment.build("FTX", "AAI", None, None, _ftx(line.note, "note")))
        if line.price is not None:
            basis = num(line.price_basis) if line.price_basis is not None else None
            body.append(Segment.build("PRI", ["AAA", num(line.price), None, None, basis]))
        if line.gross_price is not None:
            body.append(Segment.build("PRI", ["AAB", num(line.gross_price)]))
        for ac in line.allowance_charges:
            body.extend(_alc(ac, num))
    body.append(Segment.build("UNS", "S"))
    body.append(Segment.build("CNT", ["2", str(len(order.lines))]))
    return MessageDraft(reference=reference, identifier=DIRECTORIES[version], body=body)


def _field(path: str, message: str) -> FieldError:
    return FieldError(path, message)


def _ftx(text: str, path: str) -> list[str]:
    parts = wrap(text, 70)
    if len(parts) > 5:
        raise ValidationError([_field(path, "longer than one FTX carries (5 × 70 characters)")])
    return parts


def _nad(qualifier: str, party: Party, role: str) -> list[Segment]:
    ids = list(party.ids)
    if party.gln:
        c082: list[str] | None = [party.gln, "", "9"]
    elif ids:
        first = ids.pop(0)
        c082 = [first.value, "", first.scheme or ""]
    else:
        c082 = None
    refs: list[Segment] = []
    for extra in ids:
        if extra.scheme and extra.scheme.startswith("RFF+"):
            refs.append(Segment.build("RFF", [extra.scheme[4:], extra.value]))
        else:
            raise ValidationError([_field(f"{role}.ids", (
                "NAD holds one identifier; write the others with scheme RFF+<qualifier> "
                "or leave them out"))])
    address = party.address
    name = wrap(party.name, 35) if party.name else None
    if address is None:
        segments = [Segment.build("NAD", qualifier, c082, None, name)]
    else:
        # EANCOM has no building number element: it goes after the street name, as Danish
        # addresses are written ("Vestergade 12"), and reads back as part of the street.
        first_line = " ".join(p for p in (address.street, address.building_number) if p)
        street = [first_line, address.additional_street or ""]
        segments = [Segment.build(
            "NAD", qualifier, c082, None, name, street, address.city, address.region,
            address.postal_code, address.country)]
    if party.vat_id:
        segments.append(Segment.build("RFF", ["VA", party.vat_id]))
    if party.cvr:
        segments.append(Segment.build("RFF", ["GN", party.cvr]))
    if party.account:
        segments.append(Segment.build("RFF", ["IT", party.account]))
    segments.extend(refs)
    if party.contact is not None:
        c = party.contact
        segments.append(Segment.build("CTA", "IC", [c.id or "", c.name or ""]))
        if c.phone:
            segments.append(Segment.build("COM", [c.phone, "TE"]))
        if c.email:
            segments.append(Segment.build("COM", [c.email, "EM"]))
    return segments


def _pat(terms: PaymentTerms, num: Any) -> list[Segment]:
    period = ["5", "3", "D", str(terms.net_days)] if terms.net_days is not None else None
    out = [Segment.build("PAT", terms.code or "1", None, period)]
    if terms.due_date is not None:
        out.append(Segment.build("DTM", ["13", date_102(terms.due_date), "102"]))
    if terms.discount_percent is not None:
        out.append(Segment.build("PCD", ["12", num(terms.discount_percent)]))
    return out


def _alc(ac: AllowanceCharge, num: Any) -> list[Segment]:
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

