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

from edimap.edifact._common import (
    AMBIGUOUS,
    MISSING_VALUE,
    UNUSUAL,
    MapContext,
    date_102,
    wrap,
)
from edimap.edifact._parts import (
    MODEL_INVALID,
    PARTY_ROLES,
    ROLE_QUALIFIERS,
    LineDraft,
    PartyDraft,
    alc_segments,
    build,
    build_alc,
    build_party,
    field_error,
    ftx_lines,
    nad_segments,
    pat_segments,
    read_alc_detail,
    read_lin,
    read_line_segment,
    read_nad,
    read_order_line,
    read_party_detail,
    read_pri,
    read_terms,
    start_alc,
    structure_roles,
)
from edimap.edifact.reader import Message
from edimap.edifact.syntax import DEFAULT_V3, Delimiters, Segment, format_decimal
from edimap.edifact.writer import MessageDraft
from edimap.findings import Finding, Severity, ValidationError
from edimap.model import (
    DocumentReference,
    Order,
    OrderLine,
    Party,
    PaymentTerms,
)

__all__ = ["DIRECTORIES", "order_to_message", "read_order"]

DIRECTORIES: dict[str, tuple[str, ...]] = {
    "d96a": ("ORDERS", "D", "96A", "UN", "EAN008"),
    "d01b": ("ORDERS", "D", "01B", "UN", "EAN010"),
}
"""``--edifact-version`` name → UNH S009 of the ORDERS message written."""

ORDER_TYPES = frozenset({"220", "221", "224", "226", "227", "22E", "105", "402", "50E"})

def read_order(message: Message) -> tuple[Order | None, list[Finding]]:
    """Map one ORDERS message to an :class:`Order` and the findings about it."""
    roles, findings = structure_roles(message)
    ctx = MapContext(message, roles)
    ctx.findings.extend(findings)
    segs = message.segments
    header: dict[str, Any] = {}
    notes: list[str] = []
    refs: list[DocumentReference] = []
    parties: dict[str, PartyDraft] = {}
    party: PartyDraft | None = None
    lines: list[LineDraft | OrderLine] = []
    line: LineDraft | None = None
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

    skip = 0  # segments read_order_line has read already
    for i, seg in enumerate(segs):
        if skip:
            skip -= 1
            continue
        tag = seg.tag
        role = roles[i] if i < len(roles) else ""
        if role == "lines":  # most segments: tested first
            if tag == "LIN":
                taken, read = read_order_line(segs, roles, i)
                if read is None:
                    line = LineDraft(i)
                    read_lin(ctx, i, seg, line)
                    lines.append(line)
                else:
                    skip = taken - 1
                    lines.append(read)
                    # (A line read whole is followed by no segment of its own.)
                    line = read if isinstance(read, LineDraft) else None
            elif line is not None:
                read_line_segment(ctx, i, seg, line, _QTY_KEYS, "21")
            continue
        if role == "lines/line-prices" and line is not None:
            if tag == "PRI":
                read_pri(ctx, i, seg, line)
            else:
                ctx.not_carried(i, f"{tag} with PRI")
            continue
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
                key = _HEADER_DATES.get(q)
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
                party = read_nad(ctx, i, seg, parties)
            else:
                ctx.not_carried(i, f"{tag} after NAD")
        elif role.startswith("parties/") and party is not None:
            read_party_detail(ctx, i, seg, role, party)
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
            terms = read_terms(ctx, i, seg, terms)
        elif role.startswith("allowances"):
            if tag == "ALC":
                allowance = start_alc(ctx, i, seg)
                allowances.append(allowance)
            elif allowance is not None:
                read_alc_detail(ctx, i, seg, allowance)
        elif role.startswith("lines/line-allowances") and line is not None:
            if tag == "ALC":
                allowance = start_alc(ctx, i, seg)
                line.fields["allowance_charges"].append(allowance)
            elif line.fields["allowance_charges"]:
                read_alc_detail(ctx, i, seg, line.fields["allowance_charges"][-1])
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
    built_parties = {PARTY_ROLES[q]: p for q, p in ((q, build_party(ctx, p))
                                                   for q, p in parties.items()) if p}
    built_lines = [_build_line(ctx, ln) for ln in lines]
    built_acs = [build_alc(ctx, a) for a in allowances]
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


_HEADER_DATES = {"137": "issue_date", "2": "delivery_date", "64": "earliest_delivery_date",
                 "63": "latest_delivery_date"}
_QTY_KEYS = {"21": "quantity", "59": "units_per_package", "192": "free_quantity"}


def _build_line(ctx: MapContext, line: LineDraft | OrderLine) -> OrderLine | None:
    if isinstance(line, OrderLine):
        return line
    fields = line.fields  # (the draft is not used again)
    if "quantity" not in fields:
        ctx.add(MISSING_VALUE(f"line {fields.get('line_id')} has no ordered quantity "
                              "(QTY+21)", ctx.loc(line.index)))
        return None
    if fields["allowance_charges"]:
        acs = [build_alc(ctx, a) for a in fields["allowance_charges"]]
        fields["allowance_charges"] = [a for a in acs if a is not None]
    if line.notes:
        fields["note"] = " ".join(line.notes)
    result: OrderLine | None = build(ctx, line.index, OrderLine, fields,
                                     lambda: f"line {fields.get('line_id')}")
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
        body.append(Segment.build("FTX", "AAI", None, None, ftx_lines(note, f"notes[{i}]")))
    if order.seller_order_id:
        body.append(Segment.build("RFF", ["VN", order.seller_order_id]))
    for ref in order.references:
        body.append(Segment.build("RFF", [ref.kind, ref.id]))
        if ref.date:
            body.append(Segment.build("DTM", ["171", date_102(ref.date), "102"]))
    for role in ("buyer", "seller", "delivery", "invoicee", "ultimate_consignee"):
        party: Party | None = getattr(order, role)
        if party is not None:
            body.extend(nad_segments(ROLE_QUALIFIERS[role], party, role))
    if order.currency != "DKK":
        body.append(Segment.build("CUX", ["2", order.currency, "9"]))
    if order.payment_terms is not None:
        body.extend(pat_segments(order.payment_terms, num))
    for ac in order.allowance_charges:
        body.extend(alc_segments(ac, num))
    for line in order.lines:
        body.append(Segment.build("LIN", line.line_id, None,
                                  [line.gtin, gtin_type] if line.gtin else None))
        ids = [[v, k] for v, k in ((line.seller_item_id, "SA"), (line.buyer_item_id, "IN")) if v]
        if ids:
            body.append(Segment.build("PIA", "5", *ids))
        if line.description:
            parts = wrap(line.description, 35)
            if len(parts) > 2:
                raise ValidationError([field_error(f"lines[{line.line_id}].description",
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
            body.append(Segment.build("FTX", "AAI", None, None, ftx_lines(line.note, "note")))
        if line.price is not None:
            basis = num(line.price_basis) if line.price_basis is not None else None
            body.append(Segment.build("PRI", ["AAA", num(line.price), None, None, basis]))
        if line.gross_price is not None:
            body.append(Segment.build("PRI", ["AAB", num(line.gross_price)]))
        for ac in line.allowance_charges:
            body.extend(alc_segments(ac, num))
    body.append(Segment.build("UNS", "S"))
    body.append(Segment.build("CNT", ["2", str(len(order.lines))]))
    return MessageDraft(reference=reference, identifier=DIRECTORIES[version], body=body)




