from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from edimap import (
    Address,
    AllowanceCharge,
    DocumentKind,
    Invoice,
    InvoiceLine,
    Order,
    OrderLine,
    Party,
    TaxCategory,
    ValidationError,
    content,
)

D = Decimal


def line(**kw: object) -> OrderLine:
    base: dict[str, object] = {"line_id": "1", "quantity": D("2")}
    base.update(kw)
    return OrderLine(**base)  # type: ignore[arg-type]


def test_objects_are_frozen_slotted_and_keyword_only() -> None:
    ol = line()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        ol.quantity = D("3")  # type: ignore[misc]
    assert not hasattr(ol, "__dict__")
    with pytest.raises(TypeError):
        OrderLine("1", D("2"))  # type: ignore[misc]


def test_sequences_become_tuples() -> None:
    order = Order(id="1", issue_date=dt.date(2026, 1, 2), lines=[line()], notes=["a"])
    assert order.lines == (line(),)
    assert order.notes == ("a",)


def problems(document: Order) -> list[tuple[str, str, str]]:
    return [(p.path, p.kind, p.message) for p in content.problems(document)]


def test_a_bad_gln_is_carried_as_given_and_named_by_the_content_check() -> None:
    order = Order(id="1", issue_date=dt.date(2026, 1, 2), buyer=Party(gln="5790000274018"))
    assert order.buyer is not None
    assert order.buyer.gln == "5790000274018"
    assert problems(order) == [
        ("buyer.gln", "gln", "GLN 5790000274018: check digit should be 7, not 8")]


def test_a_gln_not_in_its_standard_form_is_named() -> None:
    order = Order(id="1", issue_date=dt.date(2026, 1, 2), seller=Party(gln="579 0000 274017"))
    assert problems(order) == [("seller.gln", "gln", "written '579 0000 274017'; the standard "
                                                     "form is '5790000274017'")]


def test_unknown_currency() -> None:
    order = Order(id="1", issue_date=dt.date(2026, 1, 2), currency="DKX")
    assert problems(order) == [("currency", "currency",
                                "'DKX' is not an ISO 4217 currency code")]


def test_negative_ordered_quantity() -> None:
    with pytest.raises(ValidationError, match="quantity: must not be negative, not -1"):
        line(quantity=D("-1"))


def test_float_is_refused_everywhere() -> None:
    with pytest.raises(ValidationError, match="price: must be a Decimal, not float"):
        line(price=12.5)
    with pytest.raises(ValidationError, match="amount: must be a Decimal"):
        AllowanceCharge(is_charge=True, amount=1.0)  # type: ignore[arg-type]


def test_nan_and_infinity_refused() -> None:
    with pytest.raises(ValidationError, match="finite"):
        line(price=D("NaN"))
    with pytest.raises(ValidationError, match="finite"):
        line(quantity=D("Infinity"))


def test_every_error_is_reported_at_once() -> None:
    with pytest.raises(ValidationError) as info:
        line(price=1.5, quantity=D("-2"))
    paths = sorted(e.path for e in info.value.errors)
    assert paths == ["price", "quantity"]


def test_duplicate_line_ids() -> None:
    with pytest.raises(ValidationError, match=r"lines\[1\].line_id: '1' is used by lines\[0\]"):
        Order(id="1", issue_date=dt.date(2026, 1, 2), lines=[line(), line()])


def test_endpoint_scheme_goes_with_the_id() -> None:
    Party(endpoint_id="DK13585628", endpoint_scheme="DK:CVR")
    with pytest.raises(ValidationError, match="go together"):
        Party(endpoint_id="5790000274017")
    order = Order(id="1", issue_date=dt.date(2026, 1, 2),
                  buyer=Party(endpoint_id="5790000274018", endpoint_scheme="GLN"))
    assert [p[:2] for p in problems(order)] == [("buyer.endpoint_id", "endpoint")]


def test_country_code_shape() -> None:
    for bad in ("Danmark", "DK\n"):  # a final line break is not part of a code
        order = Order(id="1", issue_date=dt.date(2026, 1, 2),
                      buyer=Party(name="X", address=Address(country=bad)))
        assert [p[:2] for p in problems(order)] == [("buyer.address.country", "country")]


def test_unit_code_shape() -> None:
    assert problems(Order(id="1", issue_date=dt.date(2026, 1, 2), lines=[
        OrderLine(line_id="1", quantity=Decimal(1), unit="KGM")])) == []
    for bad in ("kgm", "KGM\n", "K", "KGMS"):
        order = Order(id="1", issue_date=dt.date(2026, 1, 2), lines=[
            OrderLine(line_id="1", quantity=Decimal(1), unit=bad)])
        assert [p[:2] for p in problems(order)] == [("lines[0].unit", "unit")]


def test_invoice_kind_and_type_code() -> None:
    inv = Invoice(id="1", issue_date=dt.date(2026, 1, 2), kind=DocumentKind.CREDIT_NOTE)
    assert inv.effective_type_code == "381"
    assert Invoice(id="1", issue_date=dt.date(2026, 1, 2)).effective_type_code == "380"
    with pytest.raises(ValidationError, match="kind: must be invoice or credit_note"):
        Invoice(id="1", issue_date=dt.date(2026, 1, 2), kind=DocumentKind.ORDER)


def test_invoice_line_defaults_to_danish_standard_vat() -> None:
    il = InvoiceLine(line_id="1", quantity=D("1"), line_amount=D("10.00"))
    assert il.tax_category is TaxCategory.STANDARD
    assert il.tax_percent == D("25")


def test_order_requisition_is_the_buyers_order_number() -> None:
    assert Order(id="4500012345", issue_date=dt.date(2026, 1, 2)).requisition == "4500012345"


def test_delivery_window_order() -> None:
    with pytest.raises(ValidationError, match="latest_delivery_date: is before"):
        Order(id="1", issue_date=dt.date(2026, 1, 2),
              earliest_delivery_date=dt.date(2026, 2, 2),
              latest_delivery_date=dt.date(2026, 2, 1))


def test_datetime_is_not_a_date() -> None:
    with pytest.raises(ValidationError, match="issue_date: must be a date, not datetime"):
        Order(id="1", issue_date=dt.datetime(2026, 1, 2, 10, 0))


@given(st.decimals(allow_nan=True, allow_infinity=True) | st.builds(
    lambda digits, exponent: Decimal(f"{digits}E{exponent}"),
    st.integers(-10**25, 10**25), st.integers(-30, 30)))
def test_number_limits_follow_the_exponent_and_the_integer_digits(value: Decimal) -> None:
    from edimap.model import MAX_DECIMALS, MAX_INTEGER_DIGITS, _Checks

    for flags in ({}, {"positive": True}, {"non_negative": True}):
        checks = _Checks()
        checks.decimal("x", value, **flags)
        messages = [e.message for e in checks]
        if not value.is_finite():
            expected = [f"must be a finite number, not {value}"]
        elif value and (value.adjusted() >= MAX_INTEGER_DIGITS
                        or -int(value.as_tuple().exponent) > MAX_DECIMALS):
            expected = [f"{value} has more than {MAX_INTEGER_DIGITS} digits before or "
                        f"{MAX_DECIMALS} after the decimal point"]
        elif flags.get("positive") and value <= 0:
            expected = [f"must be greater than 0, not {value}"]
        elif flags.get("non_negative") and value < 0:
            expected = [f"must not be negative, not {value}"]
        else:
            expected = []
        assert messages == expected


def test_unchecked_constructor_sets_the_given_fields_and_the_defaults() -> None:
    from edimap.model import OrderLine, Party, unchecked_constructor

    build = unchecked_constructor(OrderLine)
    fields = {"line_id": "3", "gtin": "5701234567899", "quantity": Decimal("2.5"),
              "unit": "KGM", "price": Decimal("10.00")}
    line = build(**fields)
    assert line == OrderLine(**fields)
    assert line.allowance_charges == ()
    assert line.note is None
    assert line.price_basis is None
    assert hash(line) == hash(OrderLine(**fields))
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        line.quantity = Decimal(1)  # type: ignore[misc]
    with pytest.raises(TypeError):
        build(line_id="3")  # quantity is required
    with pytest.raises(TypeError):
        build(line_id="3", quantity=Decimal(1), colour="red")
    # No checks: that is what the caller vouches for.
    assert build(line_id="", quantity=Decimal(1)).line_id == ""
    assert unchecked_constructor(Party)(name="A").ids == ()


def test_documents_report_wrong_members_and_duplicate_line_ids_by_path() -> None:
    from edimap.model import OrderLine

    good = OrderLine(line_id="1", quantity=Decimal(1))
    with pytest.raises(ValidationError) as caught:
        Order(id="1", issue_date=dt.date(2026, 1, 2), buyer="5790000274017",  # type: ignore[arg-type]
              lines=[good, {"line_id": "2"}, OrderLine(line_id="1", quantity=Decimal(2))],
              earliest_delivery_date="2026-01-05")  # type: ignore[arg-type]
    assert [str(e) for e in caught.value.errors] == [
        "buyer: must be Party, not str",
        "earliest_delivery_date: must be a date, not str",
        "lines[1]: must be OrderLine, not dict",
        "lines[2].line_id: '1' is used by lines[0] too",
    ]
    # A subclass of a line is a line.
    sub = attrs.make_class("SubLine", [], bases=(OrderLine,), frozen=True, slots=True)
    Order(id="1", issue_date=dt.date(2026, 1, 2), lines=[sub(line_id="9", quantity=Decimal(1))])
