"""VAT categories OIOUBL has no id for, and the ones written in their place.

OIOUBL's tax category lists (taxcategoryid-1.1 to 1.4, rule F-LIB309) have no id for
UNCL 5305 ``E`` (exempt). NemHandel's own conversion of Peppol BIS Billing invoices to
OIOUBL writes an exempt line as ``ZeroRated``: both are VAT at 0 %, so every amount and
total stays as it was. The OIOUBL writer does the same, and notes each value it changes;
a reader of the OIOUBL gets category ``Z`` back. Exempt at a rate other than 0 % (which
EN 16931 forbids, BR-E-05) is left as it is, and refused by the writer.

>>> STAND_INS[TaxCategory.EXEMPT].value
'Z'
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs

from edimap._notes import not_carried
from edimap.model import Invoice, TaxCategory, TaxSubtotal

__all__ = ["STAND_INS", "with_stand_ins"]

STAND_INS = {TaxCategory.EXEMPT: TaxCategory.ZERO}
"""UNCL 5305 category OIOUBL has no id for → the one written in its place (at 0 %)."""

_WHY = ("has no OIOUBL tax category (F-LIB309): written as ZeroRated at 0 %, as "
        "NemHandel's conversion of Peppol BIS invoices does; it reads back as Z")


def with_stand_ins(invoice: Invoice) -> Invoice:
    """``invoice`` with each line, allowance or charge and stated subtotal of a category
    in :data:`STAND_INS` at 0 % moved to its stand-in, each noted at its model path; a
    stated subtotal joins the stand-in's subtotal at 0 % when there is one."""
    lines = [_moved(line, f"lines[{n}]") for n, line in enumerate(invoice.lines)]
    charges = [_moved(ac, f"allowance_charges[{n}]")
               for n, ac in enumerate(invoice.allowance_charges)]
    subtotals = _subtotals(invoice.tax_subtotals)
    if (lines, charges, subtotals) == (list(invoice.lines), list(invoice.allowance_charges),
                                       list(invoice.tax_subtotals)):
        return invoice
    return attrs.evolve(invoice, lines=tuple(lines), allowance_charges=tuple(charges),
                        tax_subtotals=tuple(subtotals))


def _moved(item: Any, path: str) -> Any:
    """A line or an allowance or charge, in its category's stand-in when it has one."""
    stand_in = STAND_INS.get(item.tax_category)
    if stand_in is None or (item.tax_percent or 0) != 0:
        return item
    not_carried(f"{path}.tax_category", f"{item.tax_category.value} {_WHY}")
    return attrs.evolve(item, tax_category=stand_in)


def _subtotals(subtotals: tuple[TaxSubtotal, ...]) -> list[TaxSubtotal]:
    """The stated subtotals, those of a category with a stand-in at 0 % moved to it and
    joined with the stand-in's own at 0 %, wherever that stands."""
    moved: list[TaxSubtotal] = []
    kept: list[TaxSubtotal] = []
    for n, subtotal in enumerate(subtotals):
        stand_in = STAND_INS.get(subtotal.category)
        if stand_in is None or subtotal.percent != 0:
            kept.append(subtotal)
            continue
        not_carried(f"tax_subtotals[{n}].category", f"{subtotal.category.value} {_WHY}")
        moved.append(attrs.evolve(subtotal, category=stand_in))
    for subtotal in moved:
        key = (subtotal.category, Decimal(0), subtotal.scheme)
        joined = next((i for i, s in enumerate(kept)
                       if (s.category, s.percent, s.scheme) == key), None)
        if joined is None:
            kept.append(subtotal)
        else:
            kept[joined] = attrs.evolve(
                kept[joined], taxable_amount=kept[joined].taxable_amount +
                subtotal.taxable_amount,
                tax_amount=kept[joined].tax_amount + subtotal.tax_amount)
    return kept
