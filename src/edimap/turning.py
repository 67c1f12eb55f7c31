"""A negative invoice as a credit note, and a negative credit note as an invoice.

OIOUBL's totals are never negative (F-LIB016), and EANCOM states allowances and charges
unsigned: money back is a credit note. Peppol BIS allows a negative invoice (its
correction example), and NemHandel's own conversion of Peppol BIS to OIOUBL writes one as
a credit note with every amount's sign turned (and a negative credit note as an invoice).
The OIOUBL writer does the same, and the EANCOM writer for an invoice it could not write
otherwise; noted: quantities, line amounts, subtotals and totals change sign; an
allowance that would become negative is the charge it amounts to, and the other way
round, so every total keeps its value. A reader gets the credit note back.
"""

from __future__ import annotations

from decimal import Decimal

import attrs

from edimap._notes import not_carried
from edimap.model import AllowanceCharge, DocumentKind, Invoice, InvoiceLine, TaxSubtotal
from edimap.totals import compute

__all__ = ["is_negative", "other_kind", "turned"]


def is_negative(invoice: Invoice) -> bool:
    """Whether the invoice's total (with VAT, as its lines and allowances give it) is below
    zero."""
    return compute(invoice.lines, invoice.allowance_charges).tax_inclusive < 0


def _negated(value: Decimal | None) -> Decimal | None:
    return None if value is None else -value


def other_kind(kind: DocumentKind) -> DocumentKind:
    """Invoice ⇄ credit note."""
    return DocumentKind.INVOICE if kind is DocumentKind.CREDIT_NOTE else DocumentKind.CREDIT_NOTE


def turned(invoice: Invoice) -> Invoice:
    """``invoice`` as the other kind (invoice ⇄ credit note), every amount's sign turned,
    noted at ``kind``."""
    other = other_kind(invoice.kind)
    not_carried("kind", f"its total is negative, which the format does not take: written "
                        f"as a {other.value.replace('_', ' ')} with every amount's sign "
                        "turned, as NemHandel's conversion of Peppol BIS does")
    if invoice.type_code:
        not_carried("type_code", f"{invoice.type_code} goes with the {invoice.kind.value}: "
                                 f"the {other.value.replace('_', ' ')}'s own is written")
    lines = tuple(_line(line) for line in invoice.lines)
    charges = tuple(_allowance(ac) for ac in invoice.allowance_charges)
    # An allowance may have become a charge: the totals of both, where the document
    # states them, follow the turn.
    computed = compute(lines, charges)
    stated = invoice.allowance_total is not None or invoice.charge_total is not None
    return attrs.evolve(
        invoice, kind=other, type_code=None, lines=lines, allowance_charges=charges,
        tax_subtotals=tuple(_subtotal(s) for s in invoice.tax_subtotals),
        line_total=_negated(invoice.line_total), tax_total=_negated(invoice.tax_total),
        payable=_negated(invoice.payable), prepaid=_negated(invoice.prepaid),
        rounding=_negated(invoice.rounding),
        allowance_total=computed.allowance_total if stated else None,
        charge_total=computed.charge_total if stated else None)


def _line(line: InvoiceLine) -> InvoiceLine:
    return attrs.evolve(line, quantity=-line.quantity, line_amount=-line.line_amount,
                        delivered_quantity=_negated(line.delivered_quantity),
                        free_quantity=_negated(line.free_quantity),
                        allowance_charges=tuple(_allowance(ac)
                                                for ac in line.allowance_charges))


def _allowance(ac: AllowanceCharge) -> AllowanceCharge:
    """An allowance or charge whose part in the totals is turned: a positive one becomes
    the other kind with the same amount, a negative one keeps its kind, made positive."""
    amount = ac.effective_amount
    if amount is None or amount == 0:
        return ac
    if amount > 0:
        return attrs.evolve(ac, is_charge=not ac.is_charge)
    return attrs.evolve(ac, amount=_negated(ac.amount), base_amount=_negated(ac.base_amount))


def _subtotal(subtotal: TaxSubtotal) -> TaxSubtotal:
    return attrs.evolve(subtotal, taxable_amount=-subtotal.taxable_amount,
                        tax_amount=-subtotal.tax_amount)
