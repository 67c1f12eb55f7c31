"""Invoice arithmetic in one place: line amounts, VAT per category and rate, document totals.

Every writer computes totals here instead of copying what a document stated, and every
reconciliation check compares what a document states with what this module computes.
Amounts are rounded half up to two decimals, as Danish invoicing practice and the OIOUBL
rules expect; tax is computed per category and rate on the summed taxable amount.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import attrs

from edimap.findings import ValidationError
from edimap.model import AllowanceCharge, Invoice, InvoiceLine, TaxCategory, TaxSubtotal

__all__ = [
    "CENT",
    "DEFAULT_VAT_PERCENT",
    "InvoiceTotals",
    "compute",
    "line_amount",
    "money",
    "plain",
    "with_computed_totals",
]

CENT = Decimal("0.01")
DEFAULT_VAT_PERCENT = Decimal("25")
"""Danish standard VAT, used for a header allowance or charge that names no tax rate."""


def money(value: Decimal) -> Decimal:
    """Round half up to two decimals."""
    try:
        return value.quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation:
        raise ValidationError(f"{value} is too large to be an amount") from None


def plain(value: Decimal) -> Decimal:
    """The same number without trailing zeros and never in exponent form: 25.00 → 25,
    12.50 → 12.5 (``normalize()`` alone would make 25 into 2.5E+1)."""
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def line_amount(
    quantity: Decimal,
    price: Decimal,
    price_basis: Decimal | None = None,
    allowance_charges: Iterable[AllowanceCharge] = (),
) -> Decimal:
    """Net line amount: quantity × price / price basis, plus charges, minus allowances."""
    basis = price_basis or Decimal(1)
    amount = quantity * price / basis
    amount += sum((ac.signed_amount for ac in allowance_charges), Decimal(0))
    return money(amount)


@attrs.frozen(kw_only=True)
class InvoiceTotals:
    """What an invoice's totals should be, computed from its lines and allowances/charges."""

    line_total: Decimal
    allowance_total: Decimal
    charge_total: Decimal
    tax_subtotals: tuple[TaxSubtotal, ...]
    tax_total: Decimal
    tax_exclusive: Decimal
    tax_inclusive: Decimal
    payable: Decimal


def _tax_key(category: TaxCategory | None, percent: Decimal | None) -> tuple[TaxCategory, Decimal]:
    rate = percent if percent is not None else DEFAULT_VAT_PERCENT
    rate = plain(rate)  # 25, 25.0 and 25.00 are one rate
    return (category or TaxCategory.STANDARD, rate)


def compute(
    lines: Iterable[InvoiceLine],
    allowance_charges: Iterable[AllowanceCharge] = (),
    *,
    prepaid: Decimal | None = None,
    rounding: Decimal | None = None,
) -> InvoiceTotals:
    """Totals for ``lines`` and the document-level ``allowance_charges``.

    A header allowance or charge that names no tax category and rate takes the lines' rate
    when all lines have one rate, else standard rated at :data:`DEFAULT_VAT_PERCENT`.
    """
    taxable: dict[tuple[TaxCategory, Decimal], Decimal] = {}
    line_total = Decimal(0)
    for line in lines:
        line_total += line.line_amount
        key = _tax_key(line.tax_category, line.tax_percent)
        taxable[key] = taxable.get(key, Decimal(0)) + line.line_amount
    allowance_total = Decimal(0)
    charge_total = Decimal(0)
    only_rate = next(iter(taxable)) if len(taxable) == 1 else None
    for ac in allowance_charges:
        if ac.is_charge:
            charge_total += ac.signed_amount
        else:
            allowance_total -= ac.signed_amount
        if ac.tax_category is None and ac.tax_percent is None and only_rate is not None:
            key = only_rate
        else:
            key = _tax_key(ac.tax_category, ac.tax_percent)
        taxable[key] = taxable.get(key, Decimal(0)) + ac.signed_amount
    subtotals = tuple(
        TaxSubtotal(
            taxable_amount=money(base),
            tax_amount=money(base * percent / 100),
            category=category,
            percent=percent,
        )
        for (category, percent), base in sorted(
            taxable.items(), key=lambda kv: (kv[0][0].value, kv[0][1])
        )
    )
    tax_total = sum((s.tax_amount for s in subtotals), Decimal(0))
    tax_exclusive = money(line_total - allowance_total + charge_total)
    tax_inclusive = tax_exclusive + tax_total + (rounding or Decimal(0))
    payable = tax_inclusive - (prepaid or Decimal(0))
    return InvoiceTotals(
        line_total=money(line_total),
        allowance_total=money(allowance_total),
        charge_total=money(charge_total),
        tax_subtotals=subtotals,
        tax_total=money(tax_total),
        tax_exclusive=tax_exclusive,
        tax_inclusive=money(tax_inclusive),
        payable=money(payable),
    )


def with_computed_totals(invoice: Invoice) -> Invoice:
    """A copy of ``invoice`` whose stated totals and tax subtotals are the computed ones."""
    totals = compute(
        invoice.lines, invoice.allowance_charges, prepaid=invoice.prepaid,
        rounding=invoice.rounding,
    )
    has_allowances = any(not ac.is_charge for ac in invoice.allowance_charges)
    has_charges = any(ac.is_charge for ac in invoice.allowance_charges)
    return attrs.evolve(
        invoice,
        tax_subtotals=totals.tax_subtotals,
        line_total=totals.line_total,
        allowance_total=totals.allowance_total if has_allowances else None,
        charge_total=totals.charge_total if has_charges else None,
        tax_total=totals.tax_total,
        payable=totals.payable,
    )
