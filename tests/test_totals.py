from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given

from edimap import AllowanceCharge, Invoice, InvoiceLine, TaxCategory, totals
from edimap import strategies as eds

D = Decimal


def test_line_amount_rounds_half_up_and_applies_price_basis() -> None:
    assert totals.line_amount(D("3"), D("0.335")) == D("1.01")
    assert totals.line_amount(D("250"), D("3630.1724"), D("100")) == D("9075.43")
    discount = AllowanceCharge(is_charge=False, amount=D("5.00"))
    assert totals.line_amount(D("10"), D("2.50"), None, [discount]) == D("20.00")


def test_vat_per_category_and_header_allowance() -> None:
    lines = [
        InvoiceLine(line_id="1", quantity=D("24"), price=D("12.50"), line_amount=D("300.00")),
        InvoiceLine(line_id="2", quantity=D("12"), price=D("18.75"), line_amount=D("225.00")),
        InvoiceLine(line_id="3", quantity=D("1"), price=D("40"), line_amount=D("40.00"),
                    tax_category=TaxCategory.ZERO, tax_percent=D("0")),
    ]
    freight = AllowanceCharge(is_charge=True, amount=D("50.00"), reason_code="FC")
    result = totals.compute(lines, [freight])
    assert result.line_total == D("565.00")
    assert result.charge_total == D("50.00")
    assert [(s.category, s.percent, s.taxable_amount, s.tax_amount)
            for s in result.tax_subtotals] == [
        (TaxCategory.STANDARD, D("25"), D("575.00"), D("143.75")),
        (TaxCategory.ZERO, D("0"), D("40.00"), D("0.00")),
    ]
    assert result.tax_total == D("143.75")
    assert result.tax_exclusive == D("615.00")
    assert result.payable == D("758.75")


def test_rates_written_differently_are_one_rate() -> None:
    lines = [
        InvoiceLine(line_id="1", quantity=D("1"), line_amount=D("10.00"), tax_percent=D("25.00")),
        InvoiceLine(line_id="2", quantity=D("1"), line_amount=D("10.00"), tax_percent=D("25")),
        InvoiceLine(line_id="3", quantity=D("1"), line_amount=D("10.00"), tax_percent=D("20.0")),
    ]
    subtotals = totals.compute(lines).tax_subtotals
    assert [str(s.percent) for s in subtotals] == ["20", "25"]


def test_with_computed_totals_replaces_stale_totals() -> None:
    inv = Invoice(id="1", issue_date=dt.date(2026, 1, 2), line_total=D("1"), payable=D("1"),
                  lines=[InvoiceLine(line_id="1", quantity=D("2"), price=D("5"),
                                     line_amount=D("10.00"))])
    fixed = totals.with_computed_totals(inv)
    assert (fixed.line_total, fixed.tax_total, fixed.payable) == (D("10.00"), D("2.50"),
                                                                   D("12.50"))


@given(eds.invoices())
def test_generated_invoices_are_consistent(inv: Invoice) -> None:
    for ln in inv.lines:
        assert ln.price is not None
        assert ln.line_amount == totals.line_amount(ln.quantity, ln.price, ln.price_basis,
                                                    ln.allowance_charges)
    assert inv.line_total == sum((ln.line_amount for ln in inv.lines), D(0))
    assert inv.tax_total == sum((s.tax_amount for s in inv.tax_subtotals), D(0))
    net = inv.line_total - (inv.allowance_total or 0) + (inv.charge_total or 0)
    assert inv.payable == net + inv.tax_total
    for sub in inv.tax_subtotals:
        assert abs(sub.taxable_amount * sub.percent / 100 - sub.tax_amount) <= D("0.005")
