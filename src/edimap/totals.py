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

from edimap._notes import not_carried
from edimap.findings import FieldError, ValidationError
from edimap.model import AllowanceCharge, Invoice, InvoiceLine, TaxCategory, TaxSubtotal

__all__ = [
    "CENT",
    "DEFAULT_VAT_PERCENT",
    "InvoiceTotals",
    "check_lines",
    "check_stated",
    "compute",
    "disagreeing_amount",
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


_RULES = {"line_total": "BR-CO-10", "allowance_total": "BR-CO-11",
          "charge_total": "BR-CO-12", "tax_total": "BR-CO-14", "payable": "BR-CO-16"}
"""The EN 16931 rule each stated total is held to."""


def disagreeing_amount(line: InvoiceLine, tolerance: Decimal) -> Decimal | None:
    """Quantity × net price / price basis ± the line's allowances and charges, when the
    priced ``line`` states an amount further than ``tolerance`` from it (PEPPOL-EN16931-R120,
    EANCOM-RECONCILE); None when it agrees, or has no price."""
    if line.price is None:
        return None
    expected = line_amount(line.quantity, line.price, line.price_basis, line.allowance_charges)
    return expected if abs(line.line_amount - expected) > tolerance else None


def check_lines(lines: Iterable[InvoiceLine], tolerance: Decimal) -> list[FieldError]:
    """The refusals for the lines :func:`disagreeing_amount` finds: the line amount a
    target's readers hold to its price, which no writer may repair."""
    refusals = []
    for n, line in enumerate(lines):
        if (expected := disagreeing_amount(line, tolerance)) is not None:
            basis = f" / {line.price_basis}" if line.price_basis not in (None, 1) else ""
            refusals.append(FieldError(f"lines[{n}].line_amount", (
                f"states {line.line_amount}, but quantity {line.quantity} × net price "
                f"{line.price}{basis}" + (" ± its allowances and charges"
                                          if line.allowance_charges else "")
                + f" gives {expected} (PEPPOL-EN16931-R120); correct the document")))
    return refusals


def check_stated(invoice: Invoice, totals: InvoiceTotals, *,
                 zero_left_out: bool = False) -> list[FieldError]:
    """Writing is strict: the refusals for totals ``invoice`` states that are not the ones
    its lines and allowances give (``totals``), each naming the rule; a total the document
    does not state is written as computed and noted (:func:`edimap._notes.not_carried`).
    ``zero_left_out``: the target leaves out an allowance or charge of amount 0, and with
    it a total that only such ones would make (OIOUBL); there is nothing to note then."""
    refusals = []
    written = {"line_total", "tax_total", "payable"}
    counted = [ac for ac in invoice.allowance_charges
               if not (zero_left_out and ac.effective_amount == 0)]
    if any(not ac.is_charge for ac in counted):
        written.add("allowance_total")
    if any(ac.is_charge for ac in counted):
        written.add("charge_total")
    for name, rule in _RULES.items():
        stated: Decimal | None = getattr(invoice, name)
        computed: Decimal = getattr(totals, name)
        if stated is None:
            if name in written:
                not_carried(name, f"not stated in the document; written as computed "
                                  f"({computed})")
        elif stated != computed:
            refusals.append(FieldError(name, f"states {stated}, but the lines and "
                                             f"allowances give {computed} ({rule}); "
                                             "correct the document"))
    computed_subtotals = {(s.category, s.percent): s for s in totals.tax_subtotals}
    if not invoice.tax_subtotals and computed_subtotals:
        not_carried("tax_subtotals", "not stated in the document; written as computed")
    for i, sub in enumerate(invoice.tax_subtotals):
        match = computed_subtotals.get((sub.category, sub.percent))
        if match is None or (match.taxable_amount, match.tax_amount) != (
                sub.taxable_amount, sub.tax_amount):
            what = (f"{match.taxable_amount} taxable, {match.tax_amount} tax" if match
                    else "no such category and rate")
            refusals.append(FieldError(f"tax_subtotals[{i}]", (
                f"states {sub.taxable_amount} taxable, {sub.tax_amount} tax at "
                f"{sub.category.value} {sub.percent} %, but the lines give {what} "
                "(BR-CO-17); correct the document")))
    return [*_zero_standard_rated(invoice), *refusals] if refusals else refusals


def _zero_standard_rated(invoice: Invoice) -> list[FieldError]:
    """Lines and allowances or charges standard rated at 0 %, which EN 16931 forbids
    (BR-S-05, BR-S-06, BR-S-07): named first when the stated totals do not add up, as the
    likely cause (a rate left out, which a reader takes as 0)."""
    found: list[tuple[str, str, TaxCategory | None, Decimal | None]] = [
        (f"lines[{n}]", "BR-S-05", line.tax_category, line.tax_percent)
             for n, line in enumerate(invoice.lines)]
    found += [(f"allowance_charges[{n}]", "BR-S-07" if ac.is_charge else "BR-S-06",
               ac.tax_category, ac.tax_percent)
              for n, ac in enumerate(invoice.allowance_charges)]
    return [FieldError(path, f"is standard rated (S) at 0 %, which {rule} forbids: its tax "
                             "rate is missing or wrong, and the stated totals are computed "
                             "with another; correct the document")
            for path, rule, category, percent in found
            if category is TaxCategory.STANDARD and percent is not None and percent == 0]
