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
from collections.abc import Callable
from decimal import Decimal
from typing import Any, ClassVar

from edimap.edifact._common import (
    MISSING_VALUE,
    UNUSUAL,
    MapContext,
    date_102,
)
from edimap.edifact._mapper import MessageReader
from edimap.edifact._parts import (
    ROLE_QUALIFIERS,
    LineDraft,
    alc_segments,
    build,
    build_alc,
    description_segments,
    ftx_segments,
    item_segments,
    nad_segments,
    note_segments,
    price_segments,
    read_lin,
    read_line_segment,
    read_order_line,
    reference_segments,
    terms_and_charges,
)
from edimap.edifact.reader import Message
from edimap.edifact.syntax import DEFAULT_V3, Delimiters, Segment, format_decimal
from edimap.edifact.writer import MessageDraft
from edimap.findings import Finding, ValidationError
from edimap.model import (
    Order,
    OrderLine,
    Party,
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
    return _OrderReader(message).read()


class _OrderReader(MessageReader):
    """ORDERS by segment-group role: the shared groups, and the header, currencies, payment
    terms and lines of an order."""

    ROLES: ClassVar[dict[str, str]] = {
        **MessageReader.ROLES, "lines": "on_line", "currencies": "on_currency",
        "payment-terms*": "on_payment_terms"}
    DOCUMENT = "order"
    HEADER_REFS: ClassVar[dict[str, str]] = {"VN": "seller_order_id"}

    def __init__(self, message: Message) -> None:
        super().__init__(message)
        self.lines: list[LineDraft | OrderLine] = []
        self.count_lines: tuple[int, Decimal] | None = None

    def on_line(self, i: int, seg: Segment) -> bool:
        """SG25: LIN, PIA, IMD, QTY, DTM, FTX … (a line of the common shapes read whole)."""
        if seg.tag == "LIN":
            taken, read = read_order_line(self.segs, self.roles, i)
            if read is None:
                self.line = LineDraft(i)
                read_lin(self.ctx, i, seg, self.line)
                self.lines.append(self.line)
            else:
                self.skip = taken - 1
                self.lines.append(read)
                # (A line read whole is followed by no segment of its own.)
                self.line = read if isinstance(read, LineDraft) else None
        elif self.line is not None:
            read_line_segment(self.ctx, i, seg, self.line, _QTY_KEYS, "21")
        return True

    def header_BGM(self, i: int, seg: Segment) -> None:
        self.set_once("order_type", seg.get(1, 1) or None, i, "BGM document code")
        if any(seg.components(1)[1:]):
            self.ctx.not_carried(i, "BGM C002 code list and document name")
        self.set_once("id", seg.get(2, 1) or None, i, "the order number")
        if seg.get(3):
            self.header["message_function"] = seg.get(3)
        if seg.get(4):
            self.ctx.not_carried(i, f"BGM response type {seg.get(4)}")

    def header_DTM(self, i: int, seg: Segment) -> None:
        key = self.document_date(i, seg, _HEADER_DATES, (
            "4", "DTM+4 (order date) read as the document date; EANCOM orders use DTM+137"))
        if key is None:
            self.ctx.not_carried(i, f"DTM+{seg.get(1, 1)}")  # (its value is not checked)
            return
        start, end = self.ctx.date(i)
        if end is not None and key == "delivery_date":
            self.set_once("earliest_delivery_date", start, i, "DTM+2 start")
            self.set_once("latest_delivery_date", end, i, "DTM+2 end")
        else:
            self.set_once(key, start, i, f"DTM+{seg.get(1, 1)}")

    def header_FTX(self, i: int, seg: Segment) -> None:
        if len(seg.components(4)) > 5:
            self.ctx.add(UNUSUAL("FTX text has more than the 5 lines of C108 (an unescaped "
                                 "':'?); all were kept", self.ctx.loc(i, 4, 6)))
        super().header_FTX(i, seg)

    def header_CNT(self, i: int, seg: Segment) -> None:
        if seg.get(1, 1) == "2":
            counted = self.ctx.number(i, 1, 2, what="line count")
            if counted is not None:
                self.count_lines = (i, counted)
        else:
            self.ctx.not_carried(i, f"CNT+{seg.get(1, 1)}")

    def header_UNS(self, i: int, seg: Segment) -> None:
        self.line = None

    def on_currency(self, i: int, seg: Segment) -> bool:
        """SG7: CUX+2, the order currency."""
        usage, code = seg.get(1, 1), seg.get(1, 2)
        if seg.tag != "CUX":
            self.ctx.not_carried(i, f"{seg.tag} in currencies")
        elif usage == "2" and code:
            self.set_once("currency", code, i, "the order currency (CUX+2)")
            if seg.get(2):
                self.ctx.not_carried(i, "second currency in CUX")
        else:
            self.ctx.not_carried(i, f"CUX+{usage}")
        return True

    def read(self) -> tuple[Order | None, list[Finding]]:
        self.read_segments()
        ctx, header = self.ctx, self.header
        self.require_number_and_date()
        if header.get("order_type") and header["order_type"] not in ORDER_TYPES:
            ctx.add(UNUSUAL(f"BGM document code {header['order_type']} is not an order code "
                            "(220, 221, 226, …); kept as the order type", ctx.loc(1, 1)))
        self.default_currency()
        if self.count_lines is not None and self.count_lines[1] != len(self.lines):
            ctx.add(UNUSUAL(f"CNT+2 says {self.count_lines[1]} lines but the message has "
                            f"{len(self.lines)}", ctx.loc(self.count_lines[0], 1, 2)))
        ctx.flush_not_carried()
        parties = self.built_parties()
        built_lines = [_build_line(ctx, ln) for ln in self.lines]
        allowance_charges = self.built_allowances()
        fields: dict[str, Any] = {**header, **parties}
        order = self.build_document(lambda: Order(
            notes=self.notes, references=self.refs,
            lines=[ln for ln in built_lines if ln is not None],
            allowance_charges=allowance_charges,
            payment_terms=self.payment_terms(),
            **fields,
        ))
        return order if isinstance(order, Order) else None, ctx.findings


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

    body = _order_header(order, num)
    for n, line in enumerate(order.lines):
        body.extend(_order_line(n, line, gtin_type, num))
    body.append(Segment.build("UNS", "S"))
    body.append(Segment.build("CNT", ["2", str(len(order.lines))]))
    return MessageDraft(reference=reference, identifier=DIRECTORIES[version], body=body)


def _order_header(order: Order, num: Callable[[Decimal], str]) -> list[Segment]:
    """BGM, DTM, FTX, SG1 references, SG2 parties, SG7 CUX, SG8 PAT, SG19 ALC."""
    body: list[Segment] = [
        Segment.build("BGM", order.order_type, order.id, order.message_function),
        Segment.build("DTM", ["137", date_102(order.issue_date), "102"]),
    ]
    for key, q in (("delivery_date", "2"), ("earliest_delivery_date", "64"),
                   ("latest_delivery_date", "63")):
        value: dt.date | None = getattr(order, key)
        if value is not None:
            body.append(Segment.build("DTM", [q, date_102(value), "102"]))
    body.extend(note_segments(order.notes, order.payment_terms))
    if order.seller_order_id:
        body.append(Segment.build("RFF", ["VN", order.seller_order_id]))
    body.extend(reference_segments(order.references))
    for role in ("buyer", "seller", "delivery", "invoicee", "ultimate_consignee"):
        party: Party | None = getattr(order, role)
        if party is not None:
            body.extend(nad_segments(ROLE_QUALIFIERS[role], party, role))
    # Always stated: a reader would otherwise have to assume it.
    body.append(Segment.build("CUX", ["2", order.currency, "9"]))
    body.extend(terms_and_charges(order.payment_terms, order.allowance_charges, num))
    return body


def _order_line(n: int, line: OrderLine, gtin_type: str,
                num: Callable[[Decimal], str]) -> list[Segment]:
    """SG25 for line ``n``: LIN, PIA, IMD, QTY 21/59/192, DTM+2, MOA+203, FTX, SG28 PRI,
    SG38 ALC."""
    body = item_segments(line, gtin_type)
    if line.description:
        body.extend(description_segments(line.description, f"lines[{n}].description"))
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
        body.extend(ftx_segments("AAI", line.note, f"lines[{n}].note"))
    body.extend(price_segments(line, num))
    for ac in line.allowance_charges:
        body.extend(alc_segments(ac, num))
    return body




