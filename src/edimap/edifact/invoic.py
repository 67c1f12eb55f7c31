"""EANCOM INVOIC ⇄ :class:`~edimap.model.Invoice` (invoices and credit notes), for EANCOM 97
(D.96A, EAN008) and EANCOM 2002 (D.01B, EAN010/EAN011).

Reading maps by qualifier and group role, as for ORDERS, and then reconciles the totals the
message states with what :mod:`edimap.totals` computes from its lines (errors, each naming
the segment and both values):

* line amount (MOA 203) = quantity × net price (PRI AAA) / price basis, ± line allowances
  and charges, within 0.01;
* sum of line amounts = MOA 79, within 0.01;
* taxable amount per rate (MOA 125 in the tax breakdown) = lines + charges − allowances at
  that rate, within 1.00; tax per rate (MOA 124) = taxable × rate, within 1.00 (the
  tolerance of the Danish OIOUBL rules);
* total tax MOA 176 = the sum of the tax breakdown; invoice total MOA 86 = taxable + tax,
  within 1.00.

Writing always computes the summary (MOA 79/125/176/86/9, 259/260) and the tax breakdown
from the lines and allowances, never copying stated totals.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any, ClassVar

from edimap import content
from edimap._codes import IMPLIED_PAYMENT_CHANNEL
from edimap._notes import collecting, not_carried
from edimap.edifact._common import (
    MISSING_VALUE,
    UNUSUAL,
    MapContext,
    date_102,
)
from edimap.edifact._mapper import MessageReader
from edimap.edifact._parts import (
    INVOICE_PARTY_ROLES,
    ROLE_QUALIFIERS,
    LineDraft,
    alc_segments,
    build,
    build_alc,
    description_segments,
    field_error,
    ftx_segments,
    item_segments,
    nad_segments,
    note_segments,
    price_segments,
    read_lin,
    read_line_segment,
    reference_segments,
    terms_and_charges,
)
from edimap.edifact.reader import Message
from edimap.edifact.syntax import DEFAULT_V3, Delimiters, Segment, format_decimal
from edimap.edifact.writer import MessageDraft
from edimap.findings import Finding, Severity, ValidationError, register
from edimap.model import (
    DocumentKind,
    Invoice,
    InvoiceLine,
    PaymentMeans,
    TaxCategory,
    TaxSubtotal,
)
from edimap.totals import (
    CENT,
    check_lines,
    check_stated,
    compute,
    disagreeing_amount,
    line_amount,
    plain,
)
from edimap.turning import is_negative, turned

__all__ = ["DIRECTORIES", "invoice_to_message", "read_invoice"]

DIRECTORIES: dict[str, tuple[str, ...]] = {
    "d96a": ("INVOIC", "D", "96A", "UN", "EAN008"),
    "d01b": ("INVOIC", "D", "01B", "UN", "EAN011"),
}
"""``--edifact-version`` name → UNH S009 of the INVOIC message written."""

INVOICE_TYPES = frozenset({"380", "381", "383", "384", "385", "386", "389", "390", "393",
                           "325", "82", "83", "84", "130", "382", "67", "261", "262", "308",
                           "388", "527"})
QTY_KEYS = {"47": "quantity", "46": "delivered_quantity", "59": "units_per_package",
            "192": "free_quantity"}
SUMMARY = {"79": "line_total", "176": "tax_total", "9": "payable", "113": "prepaid",
           "259": "charge_total", "260": "allowance_total", "86": "_total", "77": "_total",
           "39": "_total",
           "125": "_taxable"}


LINE_TOLERANCE = Decimal("0.01")
TAX_TOLERANCE = Decimal("1.00")

RECONCILE = register(
    "EANCOM-RECONCILE", Severity.ERROR,
    "Amounts in the invoice do not add up: a line amount against quantity × price, the "
    "line total, the taxable amount or tax of a rate, the tax total or the invoice total.",
    "Ask the sender for a corrected invoice; the finding gives both values.",
    "MOA+176:136.25'  while 25 % of 525.00 is 131.25")


def read_invoice(message: Message) -> tuple[Invoice | None, list[Finding]]:
    """Map one INVOIC message to an :class:`Invoice` and the findings about it."""
    return _InvoiceReader(message).read()


class _InvoiceReader(MessageReader):
    """INVOIC by segment-group role: the shared groups, and the header, payment, taxes,
    lines, summary and tax breakdown of an invoice."""

    ROLES: ClassVar[dict[str, str]] = {
        **MessageReader.ROLES, "currencies": "on_currency", "payment-terms": "on_payment",
        "summary-allowances": "on_summary_allowance", "taxes": "on_tax", "lines": "on_line",
        "lines/line-amounts": "on_line_amount", "lines/line-references": "on_line_reference",
        "lines/line-taxes": "on_line_tax", "summary-amounts": "on_summary_amount",
        "summary-taxes": "on_tax_breakdown"}
    DOCUMENT = "invoice"
    PARTY_ROLES = INVOICE_PARTY_ROLES
    HEADER_REFS: ClassVar[dict[str, str]] = {
        "ON": "order_id", "IV": "corrected_invoice_id", "DQ": "delivery_note_id",
        "CT": "contract_id", "VN": "seller_order_id"}

    def __init__(self, message: Message) -> None:
        super().__init__(message)
        self.lines: list[LineDraft] = []
        self.codes: dict[str, Any] = {}  # BGM 1001, kept apart from the model's fields
        self.means: dict[str, Any] = {}
        self.stated: dict[str, tuple[int, Decimal]] = {}
        self.subtotals: list[dict[str, Any]] = []
        self.header_due: dt.date | None = None
        self.summary_allowances: list[dict[str, Any]] = []
        self.header_taxes: list[dict[str, Any]] = []

    # --- header ---------------------------------------------------------------------------

    def header_BGM(self, i: int, seg: Segment) -> None:
        self.set_once("code", seg.get(1, 1) or None, i, "the document code", self.codes)
        if any(seg.components(1)[1:]):
            self.ctx.not_carried(i, "BGM C002 code list and document name")
        self.set_once("id", seg.get(2, 1) or None, i, "the invoice number")
        if seg.get(3) and seg.get(3) != "9":
            self.ctx.not_carried(i, f"BGM message function {seg.get(3)}")

    def header_DTM(self, i: int, seg: Segment) -> None:
        q = seg.get(1, 1)
        key = self.document_date(i, seg, _HEADER_DATES, (
            "3", "DTM+3 (invoice date) read as the document date; EANCOM uses DTM+137"))
        if key is None and q not in ("263", "13", "140"):
            self.ctx.not_carried(i, f"DTM+{q}")  # (its value is not read, nor checked)
            return
        start, end = self.ctx.date(i)
        if q == "263":
            self.set_once("period_start", start, i, "DTM+263 start")
            self.set_once("period_end", end, i, "DTM+263 end")
        elif q in ("13", "140"):
            self.header_due = start
        elif key is None:
            self.ctx.not_carried(i, f"DTM+{q}")
        else:
            self.set_once(key, start, i, f"DTM+{q}")

    def header_PAI(self, i: int, seg: Segment) -> None:
        if seg.get(1, 3):
            self.means["code"] = seg.get(1, 3)

    def header_UNS(self, i: int, seg: Segment) -> None:
        self.line = None

    def header_CNT(self, i: int, seg: Segment) -> None:
        self.line = None
        if seg.get(1, 1) == "2":
            counted = self.ctx.number(i, 1, 2, what="line count")
            if counted is not None and counted != len(self.lines):
                self.ctx.add(UNUSUAL(f"CNT+2 says {counted} lines but the message has "
                                     f"{len(self.lines)}", self.ctx.loc(i, 1, 2)))

    # --- header groups ----------------------------------------------------------------------

    def party_segment(self, i: int, seg: Segment) -> None:
        if seg.tag == "FII" and self.party is not None and self.party.qualifier == "SU":
            _read_fii(seg, self.means)
        else:
            super().party_segment(i, seg)

    def on_currency(self, i: int, seg: Segment) -> bool:
        """SG7: CUX+2 (or the first CUX with a currency, with a warning)."""
        if seg.tag == "CUX" and seg.get(1, 2) and (seg.get(1, 1) == "2"
                                                   or "currency" not in self.header):
            if seg.get(1, 1) != "2":
                self.ctx.add(UNUSUAL(f"CUX+{seg.get(1, 1)} read as the invoice currency "
                                     "(EANCOM: CUX+2)", self.ctx.loc(i, 1, 1)))
            self.set_once("currency", seg.get(1, 2), i, "the invoice currency (CUX+2)")
        else:
            self.ctx.not_carried(i, f"{seg.tag} in currencies")
        return True

    def on_payment(self, i: int, seg: Segment) -> bool:
        """SG8: PAT with DTM and PCD; PAI and FII, the payment means."""
        if seg.tag == "PAI":
            self.means["code"] = seg.get(1, 3) or self.means.get("code")
        elif seg.tag == "FII":
            _read_fii(seg, self.means)
        else:
            self.on_payment_terms(i, seg)
        return True

    def on_summary_allowance(self, i: int, seg: Segment) -> bool:
        """SG50/SG52 after UNS: ALC with its MOA."""
        return self._allowance(i, seg, self.summary_allowances)

    def on_tax(self, i: int, seg: Segment) -> bool:
        """SG6: TAX, the invoice's VAT rates."""
        if seg.tag == "TAX":
            self.header_taxes.append({})
            _read_tax(self.ctx, i, seg, self.header_taxes[-1], "category", "percent")
        else:
            self.ctx.not_carried(i, f"header {seg.tag} with TAX")
        return True

    # --- lines ----------------------------------------------------------------------------------

    def on_line(self, i: int, seg: Segment) -> bool:
        """SG25/SG26: LIN, PIA, IMD, QTY, DTM, FTX …"""
        if seg.tag == "LIN":
            self.line = LineDraft(i)
            self.lines.append(self.line)
            read_lin(self.ctx, i, seg, self.line)
        elif self.line is not None:
            read_line_segment(self.ctx, i, seg, self.line, QTY_KEYS, "47", ("12", "1"))
        return True

    def on_line_amount(self, i: int, seg: Segment) -> bool:
        """MOA+203, the line amount."""
        if self.line is None:
            return False
        if seg.tag == "MOA" and seg.get(1, 1) == "203":
            value = self.ctx.number(i, 1, 2, what="line amount")
            if value is not None:
                self.line.fields["line_amount"] = value
                self.line.fields["_amount_index"] = i
        else:
            self.ctx.not_carried(i, f"line {seg.tag}+{seg.get(1, 1)}")
        return True

    def on_line_reference(self, i: int, seg: Segment) -> bool:
        """RFF+LI (or RFF+ON with a line number): the order line."""
        if self.line is None:
            return False
        if seg.tag == "RFF" and seg.get(1, 1) == "LI":
            self.line.fields["order_line_id"] = seg.get(1, 2) or None
        elif seg.tag == "RFF" and seg.get(1, 1) == "ON" and seg.get(1, 3):
            self.line.fields["order_line_id"] = seg.get(1, 3)
        else:
            self.ctx.not_carried(i, f"line {seg.tag}+{seg.get(1, 1)}")
        return True

    def on_line_tax(self, i: int, seg: Segment) -> bool:
        """TAX of a line: its VAT category and rate."""
        if self.line is None:
            return False
        if seg.tag == "TAX":
            _read_tax(self.ctx, i, seg, self.line.fields, "tax_category", "tax_percent")
        else:
            self.ctx.not_carried(i, f"line {seg.tag} with TAX")
        return True

    # --- summary --------------------------------------------------------------------------

    def on_summary_amount(self, i: int, seg: Segment) -> bool:
        """SG48 after UNS: MOA 79/125/176/86/9/113/259/260, kept to reconcile and carry."""
        if seg.tag != "MOA":
            self.ctx.not_carried(i, f"summary {seg.tag}")
            return True
        q = seg.get(1, 1)
        amount = self.ctx.number(i, 1, 2, what=f"MOA+{q}")
        key = SUMMARY.get(q)
        if key is None:
            self.ctx.not_carried(i, f"summary MOA+{q}")
        elif amount is not None:
            self.stated.setdefault(key, (i, amount))
        return True

    def on_tax_breakdown(self, i: int, seg: Segment) -> bool:
        """SG50 after UNS: TAX with MOA 124/176 (tax) and 125 (taxable amount)."""
        if seg.tag == "TAX":
            self.subtotals.append({"_index": i})
            _read_tax(self.ctx, i, seg, self.subtotals[-1], "category", "percent")
        elif seg.tag == "MOA" and self.subtotals:
            q = seg.get(1, 1)
            key = {"124": "tax_amount", "176": "tax_amount", "125": "taxable_amount"}.get(q)
            if key:
                self.subtotals[-1][key] = self.ctx.number(i, 1, 2, what=f"MOA+{q}")
                self.subtotals[-1]["_" + key] = i
            else:
                self.ctx.not_carried(i, f"tax breakdown MOA+{q}")
        return True

    # --- after the walk -----------------------------------------------------------------------

    def read(self) -> tuple[Invoice | None, list[Finding]]:
        self.read_segments()
        ctx = self.ctx
        self._check_header()
        ctx.flush_not_carried()
        parties = self.built_parties()
        self._choose_allowances()
        _default_line_taxes(ctx, self.lines, self.subtotals + self.header_taxes)
        built_lines = [_build_line(ctx, ln) for ln in self.lines]
        allowance_charges = self.built_allowances()
        built_subtotals = [_build_subtotal(ctx, s) for s in self.subtotals]
        self._carry_totals_and_means()
        fields: dict[str, Any] = {**self.header, **parties}
        invoice = self.build_document(lambda: Invoice(
            notes=self.notes, references=self.refs,
            lines=[ln for ln, _ in built_lines if ln is not None],
            allowance_charges=allowance_charges,
            tax_subtotals=[s for s in built_subtotals if s is not None],
            payment_terms=self.payment_terms(),
            **fields,
        ))
        if not isinstance(invoice, Invoice):
            return None, ctx.findings
        if all(ln is not None for ln, _ in built_lines):
            # (Checked even when other findings are errors: a profile may accept those.)
            _reconcile(ctx, invoice, built_lines, self.stated, self.subtotals)
        return invoice, ctx.findings

    def _check_header(self) -> None:
        """The number and date are there; the document code says invoice or credit note;
        a due date in the header goes to the payment terms."""
        ctx, header = self.ctx, self.header
        if self.header_due is not None:
            self.terms = self.terms if self.terms is not None else {}
            self.terms.setdefault("due_date", self.header_due)
        code = self.codes.get("code")
        self.require_number_and_date()
        if code and code not in INVOICE_TYPES:
            ctx.add(UNUSUAL(f"BGM document code {code} is not an invoice code; read as an "
                            "invoice", ctx.loc(1, 1)))
        header["kind"] = DocumentKind.CREDIT_NOTE if code == "381" else DocumentKind.INVOICE
        header["type_code"] = code if code not in (None, "380", "381") else None
        self.default_currency()

    def _choose_allowances(self) -> None:
        if self.summary_allowances and not self.allowances:
            # Some senders state document allowances and charges only in the summary group.
            self.allowances = self.summary_allowances
        elif self.summary_allowances:
            self.ctx.not_carried(self.summary_allowances[0]["_index"], "summary ALC (repeats "
                                 "the header allowances and charges)")
            self.ctx.flush_not_carried()

    def _carry_totals_and_means(self) -> None:
        for key in ("line_total", "tax_total", "payable", "prepaid", "charge_total",
                    "allowance_total"):
            if key in self.stated:
                self.header[key] = self.stated[key][1]
        if "payable" not in self.stated and "_total" in self.stated:
            # No MOA+9: the amount due is the tax-inclusive total (MOA 86/77/39), less what
            # was prepaid (MOA+113).
            index, total = self.stated["_total"]
            prepaid = self.stated.get("prepaid", (0, Decimal(0)))[1]
            self.header["payable"] = total - prepaid
            self.ctx.add(content.defaulted(
                "payable", total - prepaid, f"MOA+{self.segs[index].get(1, 1)} (the "
                "tax-inclusive total" + (" less MOA+113 prepaid)" if prepaid else ")"),
                self.ctx.loc(index, 1, 2)))
        if self.means and "code" not in self.means:
            self.ctx.not_carried(0, "FII bank account without a PAI payment means code")
            self.ctx.flush_not_carried()
        elif self.means:
            payment = build(self.ctx, 0, PaymentMeans, self.means, "payment means")
            if payment is not None:
                self.header["payment_means"] = [payment]


_HEADER_DATES = {"137": "issue_date", "35": "delivery_date", "131": "tax_point_date"}


def _read_fii(seg: Segment, means: dict[str, Any]) -> None:
    """FII+RB: the seller's account (C078 3194) and bank registration number (C088 3434)."""
    if seg.get(1) not in ("RB", "BF", ""):
        return
    if seg.get(2, 1):
        means["account_id"] = seg.get(2, 1)
    if seg.get(3, 4):
        means["bank_reg_no"] = seg.get(3, 4)
    if seg.get(3, 1):
        means["bic"] = seg.get(3, 1)


def _read_tax(ctx: MapContext, i: int, seg: Segment, target: dict[str, Any],
              category_key: str, percent_key: str) -> None:
    if seg.get(1) != "7" or seg.get(2, 1) not in ("VAT", ""):
        ctx.not_carried(i, f"TAX+{seg.get(1)}+{seg.get(2, 1)} (a duty other than VAT)")
        target["_other"] = True
        return
    category = seg.get(6, 1)
    if category in TaxCategory._value2member_map_:
        target[category_key] = TaxCategory(category)
    elif category:
        ctx.add(UNUSUAL(f"tax category {category!r} is not a UNCL 5305 code; read as "
                        "standard rated", ctx.loc(i, 6, 1)))
    rate = ctx.number(i, 5, 4, what="tax rate")
    if rate is not None:
        target[percent_key] = rate
    elif category in ("Z", "E", "AE", "K", "G", "O"):
        target[percent_key] = Decimal(0)


def _default_line_taxes(ctx: MapContext, lines: list[LineDraft],
                        taxes: list[dict[str, Any]]) -> None:
    """Lines without a TAX take the invoice's one VAT rate; never a guessed rate."""
    missing = [ln for ln in lines if "tax_category" not in ln.fields
               and "tax_percent" not in ln.fields and not ln.fields.get("_other")]
    if not missing:
        return
    rates = {(t.get("category", TaxCategory.STANDARD), t["percent"]) for t in taxes
             if "percent" in t and not t.get("_other")}
    if len(rates) == 1:
        category, percent = next(iter(rates))
        for ln in missing:
            ln.fields["tax_category"], ln.fields["tax_percent"] = category, percent
        ctx.add(UNUSUAL(f"{len(missing)} line(s) without TAX take the invoice's only VAT "
                        f"rate, {category.value} {percent} %", ctx.loc(missing[0].index)))
    elif not rates:
        for ln in missing:
            ln.fields["tax_category"], ln.fields["tax_percent"] = TaxCategory.OUTSIDE_SCOPE, \
                Decimal(0)
        ctx.add(UNUSUAL("the invoice has no VAT information (TAX) at all; its lines are read "
                        "as outside the scope of VAT (O, 0 %)", ctx.loc(missing[0].index)))
    else:
        for ln in missing:
            ctx.add(MISSING_VALUE(f"line {ln.fields.get('line_id')} has no TAX and the invoice "
                                  "has several VAT rates", ctx.loc(ln.index)))


def _build_line(ctx: MapContext, line: LineDraft) -> tuple[InvoiceLine | None, int | None]:
    fields = dict(line.fields)
    amount_index = fields.pop("_amount_index", None)
    fields.pop("_other", None)
    if "quantity" not in fields:
        ctx.add(MISSING_VALUE(f"line {fields.get('line_id')} has no invoiced quantity "
                              "(QTY+47)", ctx.loc(line.index)))
        return None, None
    acs = [build_alc(ctx, a) for a in fields.pop("allowance_charges")]
    fields["allowance_charges"] = [a for a in acs if a is not None]
    if "line_amount" not in fields:
        if fields.get("price") is None:
            ctx.add(MISSING_VALUE(f"line {fields.get('line_id')} has neither a line amount "
                                  "(MOA+203) nor a net price (PRI+AAA)", ctx.loc(line.index)))
            return None, None
        fields["line_amount"] = line_amount(fields["quantity"], fields["price"],
                                            fields.get("price_basis"),
                                            fields["allowance_charges"])
        ctx.add(UNUSUAL(f"line {fields.get('line_id')} has no line amount (MOA+203); "
                        f"computed {fields['line_amount']} from quantity and net price",
                        ctx.loc(line.index)))
    if line.notes:
        fields["note"] = " ".join(line.notes)
    result: InvoiceLine | None = build(ctx, line.index, InvoiceLine, fields,
                                       f"line {fields.get('line_id')}")
    return result, amount_index


def _build_subtotal(ctx: MapContext, fields: dict[str, Any]) -> TaxSubtotal | None:
    data = {k: v for k, v in fields.items() if not k.startswith("_")}
    if fields.get("_other"):
        return None
    if data.get("tax_amount") is None or data.get("taxable_amount") is None:
        if "tax_amount" in data and "taxable_amount" not in data:
            ctx.not_carried(fields["_index"], "tax breakdown without taxable amount")
        return None
    result: TaxSubtotal | None = build(ctx, fields["_index"], TaxSubtotal, data,
                                       "tax breakdown")
    return result


def _reconcile(ctx: MapContext, invoice: Invoice,
               lines: list[tuple[InvoiceLine | None, int | None]],
               stated: dict[str, tuple[int, Decimal]],
               subtotals: list[dict[str, Any]]) -> None:
    def differ(a: Decimal, b: Decimal, tolerance: Decimal) -> bool:
        return abs(a - b) > tolerance

    for ln, index in lines:
        if ln is not None and (expected := disagreeing_amount(ln, LINE_TOLERANCE)) is not None:
            ctx.add(RECONCILE(
                f"line {ln.line_id}: MOA+203 line amount {ln.line_amount} but quantity "
                f"{ln.quantity} × net price {ln.price}"
                + (f" / {ln.price_basis}" if ln.price_basis not in (None, 1) else "")
                + (" ± line allowances/charges" if ln.allowance_charges else "")
                + f" = {expected}", ctx.loc(index if index is not None else 0)))
    totals = compute(invoice.lines, invoice.allowance_charges, prepaid=invoice.prepaid)
    if "line_total" in stated and differ(stated["line_total"][1], totals.line_total,
                                         LINE_TOLERANCE):
        i, value = stated["line_total"]
        ctx.add(RECONCILE(f"MOA+79 line total {value} but the line amounts sum to "
                          f"{totals.line_total}", ctx.loc(i, 1, 2)))
    computed = {(s.category, s.percent): s for s in totals.tax_subtotals}
    for fields in subtotals:
        if fields.get("_other") or fields.get("tax_amount") is None:
            continue
        category = fields.get("category", TaxCategory.STANDARD)
        percent = fields.get("percent", Decimal(0))
        rate = plain(percent)
        match = computed.get((category, rate))
        taxable = fields.get("taxable_amount")
        if taxable is not None and match is not None and differ(
                taxable, match.taxable_amount, TAX_TOLERANCE):
            ctx.add(RECONCILE(
                f"taxable amount at {rate} % (MOA+125) is {taxable} but lines and "
                f"allowances/charges at that rate come to {match.taxable_amount}",
                ctx.loc(fields.get("_taxable_amount", fields["_index"]), 1, 2)))
        base = taxable if taxable is not None else (match.taxable_amount if match else None)
        if base is not None:
            expected_tax = (base * rate / 100).quantize(CENT)
            if differ(fields["tax_amount"], expected_tax, TAX_TOLERANCE):
                ctx.add(RECONCILE(
                    f"tax at {rate} % (MOA+124) is {fields['tax_amount']} but {rate} % of "
                    f"{base} is {expected_tax}",
                    ctx.loc(fields.get("_tax_amount", fields["_index"]), 1, 2)))
    tax_sum = sum((s.tax_amount for s in invoice.tax_subtotals), Decimal(0)) \
        if invoice.tax_subtotals else totals.tax_total
    if "tax_total" in stated and differ(stated["tax_total"][1], tax_sum, TAX_TOLERANCE):
        i, value = stated["tax_total"]
        ctx.add(RECONCILE(f"MOA+176 tax total {value} but the tax breakdown sums to "
                          f"{tax_sum}", ctx.loc(i, 1, 2)))
    if "_total" in stated:
        i, value = stated["_total"]
        expected_total = totals.tax_exclusive + tax_sum
        if differ(value, expected_total, TAX_TOLERANCE):
            ctx.add(RECONCILE(f"invoice total {value} but taxable amount "
                              f"{totals.tax_exclusive} + tax {tax_sum} = {expected_total}",
                              ctx.loc(i, 1, 2)))


# --- writer ---------------------------------------------------------------------------------


def invoice_to_message(invoice: Invoice, *, reference: str, version: str = "d96a",
                       delimiters: Delimiters = DEFAULT_V3) -> MessageDraft:
    """The INVOIC message for ``invoice`` in ``version`` (d96a or d01b); summary and tax
    breakdown are computed from the lines and allowances/charges."""
    if version not in DIRECTORIES:
        raise ValidationError(f"unknown EDIFACT version {version!r}; use d96a or d01b")
    if turns(invoice):
        invoice = _turned_as_stated(invoice)
    if invoice.rounding:
        not_carried("rounding", "INVOIC has no rounding amount (MOA+9 includes it)")
    for n in range(1, len(invoice.payment_means)):
        not_carried(f"payment_means[{n}]", "INVOIC carries one payment means (PAI + FII)")
    gtin_type = "EN" if version == "d96a" else "SRV"

    def num(value: Decimal) -> str:
        return format_decimal(value, delimiters)

    body = _invoice_header(invoice, num)
    for n, line in enumerate(invoice.lines):
        body.extend(_invoice_line(n, line, gtin_type, num))
    body.extend(_summary(invoice, num))
    return MessageDraft(reference=reference, identifier=DIRECTORIES[version], body=body)


def turns(invoice: Invoice) -> bool:
    """Whether the invoice is written as the other kind: it has a negative allowance or
    charge, which ALC cannot state (amounts are unsigned), and a negative total, so as
    the other kind it has none (:mod:`edimap.turning`)."""
    signed = any(ac.amount is not None and ac.amount < 0 for ac in (
        *invoice.allowance_charges, *(ac for ln in invoice.lines
                                      for ac in ln.allowance_charges)))
    return signed and is_negative(invoice)


def _turned_as_stated(invoice: Invoice) -> Invoice:
    """``invoice`` turned, once the totals it states are held to its lines as it states
    them (a refusal names the document's own values)."""
    with collecting():  # (the notes come again from the turned document)
        disagreements = check_stated(invoice, compute(
            invoice.lines, invoice.allowance_charges, prepaid=invoice.prepaid,
            rounding=invoice.rounding))
    if disagreements:
        raise ValidationError(disagreements)
    return turned(invoice)


def _invoice_header(invoice: Invoice, num: Callable[[Decimal], str]) -> list[Segment]:
    """BGM, DTM, PAI, FTX, SG1 references, SG2 parties (the seller's account in FII), SG7
    CUX, SG8 PAT, SG15 ALC."""
    body: list[Segment] = [
        Segment.build("BGM", invoice.effective_type_code, invoice.id, "9"),
        Segment.build("DTM", ["137", date_102(invoice.issue_date), "102"]),
    ]
    for key, q in (("delivery_date", "35"), ("tax_point_date", "131")):
        value: dt.date | None = getattr(invoice, key)
        if value is not None:
            body.append(Segment.build("DTM", [q, date_102(value), "102"]))
    if invoice.period_start and invoice.period_end:
        body.append(Segment.build("DTM", ["263", f"{date_102(invoice.period_start)}-"
                                                 f"{date_102(invoice.period_end)}", "718"]))
    elif invoice.period_start or invoice.period_end:
        raise ValidationError([field_error("period_end", "DTM+263 needs both period dates")])
    means = invoice.payment_means[0] if invoice.payment_means else None
    if means is not None:
        body.append(Segment.build("PAI", ["", "", means.code]))
    body.extend(note_segments(invoice.notes, invoice.payment_terms))
    for q, key in (("ON", "order_id"), ("VN", "seller_order_id"), ("IV", "corrected_invoice_id"),
                   ("DQ", "delivery_note_id"), ("CT", "contract_id")):
        ref: str | None = getattr(invoice, key)
        if ref:
            body.append(Segment.build("RFF", [q, ref]))
    body.extend(reference_segments(invoice.references))
    body.extend(_party_segments(invoice, means))
    # Always stated: a reader would otherwise have to assume it.
    body.append(Segment.build("CUX", ["2", invoice.currency, "4"]))
    body.extend(terms_and_charges(invoice.payment_terms, invoice.allowance_charges, num))
    return body


def _party_segments(invoice: Invoice, means: PaymentMeans | None) -> list[Segment]:
    """SG2: NAD of each party; the payment account goes with the seller (FII+RB). Refuses
    payment means details INVOIC has no place for."""
    account = means is not None and bool(means.account_id or means.bank_reg_no or means.bic)
    body: list[Segment] = []
    for role in ("seller", "buyer", "delivery", "invoicee"):
        party = getattr(invoice, role)
        if party is None:
            continue
        segments = nad_segments(ROLE_QUALIFIERS[role], party, role)
        if role == "seller" and means is not None and account:
            segments.insert(1, Segment.build(
                "FII", "RB", [means.account_id or ""],
                [means.bic or "", "", "", means.bank_reg_no or ""]))
        body.extend(segments)
    if account and invoice.seller is None:
        raise ValidationError([field_error("payment_means", "the account goes with the seller "
                                           "(NAD+SU FII); the invoice has no seller")])
    implied = means is not None and IMPLIED_PAYMENT_CHANNEL.get(means.code) == means.channel
    if means is not None:
        for name in ("channel", "iban", "payment_id", "instruction_id", "creditor_account",
                     "due_date"):
            if getattr(means, name) and not (name == "channel" and implied):
                not_carried(f"payment_means[0].{name}", "INVOIC carries the means code, "
                            "account, bank registration number and BIC only")
    return body


def _invoice_line(n: int, line: InvoiceLine, gtin_type: str,
                  num: Callable[[Decimal], str]) -> list[Segment]:
    """SG26 for line ``n``: LIN, PIA, IMD, QTY 47/46/59/192, FTX, MOA+203, SG29 PRI, SG30
    RFF+LI, SG34 TAX, SG39 ALC."""
    body = item_segments(line, gtin_type)
    if line.description:
        body.extend(description_segments(line.description, f"lines[{n}].description"))
    body.append(Segment.build("QTY", ["47", num(line.quantity), line.unit or None]))
    for q, qty in (("46", line.delivered_quantity), ("59", line.units_per_package),
                   ("192", line.free_quantity)):
        if qty is not None:
            body.append(Segment.build("QTY", [q, num(qty)]))
    if line.note:
        body.extend(ftx_segments("AAI", line.note, f"lines[{n}].note"))
    body.append(Segment.build("MOA", ["203", num(line.line_amount)]))
    body.extend(price_segments(line, num))
    if line.order_line_id:
        body.append(Segment.build("RFF", ["LI", line.order_line_id]))
    body.append(_tax(line.tax_category, line.tax_percent, num))
    for k, ac in enumerate(line.allowance_charges):
        body.extend(alc_segments(ac, num, f"lines[{n}].allowance_charges[{k}]"))
    return body


def _summary(invoice: Invoice, num: Callable[[Decimal], str]) -> list[Segment]:
    """UNS, CNT, SG48 MOA 79/260/259/125/176/86/113/9 and SG50 the tax breakdown, all
    computed from the lines and allowances/charges (stated totals must agree)."""
    totals = compute(invoice.lines, invoice.allowance_charges, prepaid=invoice.prepaid,
                     rounding=invoice.rounding)
    # The lines are held to their prices as this module's reader holds them (RECONCILE).
    disagreements = check_lines(invoice.lines, LINE_TOLERANCE) + check_stated(invoice, totals)
    if disagreements:
        raise ValidationError(disagreements)
    body = [Segment.build("UNS", "S"), Segment.build("CNT", ["2", str(len(invoice.lines))]),
            Segment.build("MOA", ["79", num(totals.line_total)])]
    if any(not ac.is_charge for ac in invoice.allowance_charges):
        body.append(Segment.build("MOA", ["260", num(totals.allowance_total)]))
    if any(ac.is_charge for ac in invoice.allowance_charges):
        body.append(Segment.build("MOA", ["259", num(totals.charge_total)]))
    body.append(Segment.build("MOA", ["125", num(totals.tax_exclusive)]))
    body.append(Segment.build("MOA", ["176", num(totals.tax_total)]))
    body.append(Segment.build("MOA", ["86", num(totals.tax_inclusive)]))
    if invoice.prepaid:
        body.append(Segment.build("MOA", ["113", num(invoice.prepaid)]))
    body.append(Segment.build("MOA", ["9", num(totals.payable)]))
    for sub in totals.tax_subtotals:
        body.append(_tax(sub.category, sub.percent, num))
        body.append(Segment.build("MOA", ["124", num(sub.tax_amount)]))
        body.append(Segment.build("MOA", ["125", num(sub.taxable_amount)]))
    return body


def _tax(category: TaxCategory, percent: Decimal, num: Any) -> Segment:
    return Segment.build("TAX", "7", "VAT", None, None, ["", "", "", num(percent)],
                         category.value)
