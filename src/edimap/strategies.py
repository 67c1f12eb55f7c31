"""Hypothesis strategies for edimap documents, for your own property-based tests.

Needs the ``strategies`` extra (``pip install 'edimap[strategies]'``: Hypothesis only),
which also registers them with Hypothesis, so ``st.from_type(edimap.Order)`` and
``@given`` with a type hint draw them. Every strategy draws values that pass the model's
invariants, and the document strategies keep their arithmetic consistent:
each invoice line amount is quantity × price (after line allowances and charges), the tax
subtotals and totals are those :mod:`edimap.totals` computes. Text fields stay within the
lengths EANCOM allows (names 35 characters, line numbers 6 digits) and within ISO 8859-1
(UNOC), and deliberately include EDIFACT service characters (``+ : ' ? *``) and Danish
letters, so a writer that forgets to escape is caught.

Example — your own mapping must keep every GTIN::

    from hypothesis import given
    from edimap import strategies as eds

    @given(eds.orders())
    def test_my_mapping_keeps_gtins(order):
        mapped = my_mapping(order)
        assert [l.gtin for l in mapped.lines] == [l.gtin for l in order.lines]

Strategies: :func:`glns`, :func:`gtins`, :func:`cvrs`, :func:`addresses`, :func:`parties`,
:func:`order_lines`, :func:`orders`, :func:`invoice_lines`, :func:`invoices`,
:func:`credit_notes`, :func:`documents`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import attrs
from hypothesis import strategies as st

from edimap import totals
from edimap.ids import cvr as _cvr
from edimap.ids import gln as _gln
from edimap.model import (
    Address,
    AllowanceCharge,
    Contact,
    Document,
    DocumentKind,
    DocumentReference,
    Invoice,
    InvoiceLine,
    Order,
    OrderLine,
    OrderResponse,
    Party,
    PartyId,
    PaymentMeans,
    PaymentTerms,
    TaxCategory,
)

__all__ = [
    "addresses",
    "allowance_charges",
    "credit_notes",
    "cvrs",
    "dates",
    "documents",
    "glns",
    "gtins",
    "invoice_lines",
    "invoices",
    "order_lines",
    "order_responses",
    "orders",
    "parties",
    "texts",
]

# Letters, digits, Danish letters, punctuation that occurs in names, and every EDIFACT
# service character, so escaping is always exercised.
_ALPHABET = (
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    "ÆØÅæøåÉéÜüÖö &-./,()'+:?*\"%;=!"
)
_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-/"


def texts(max_size: int = 35, *, alphabet: str = _ALPHABET) -> st.SearchStrategy[str]:
    """Non-blank text of at most ``max_size`` characters with no leading or trailing space."""
    return st.text(alphabet=alphabet, min_size=1, max_size=max_size).map(str.strip).filter(bool)


def _ids(max_size: int = 17) -> st.SearchStrategy[str]:
    return st.text(alphabet=_ID_ALPHABET, min_size=1, max_size=max_size)


@st.composite
def glns(draw: st.DrawFn, prefix: str = "57") -> str:
    """Valid 13-digit GLNs starting with ``prefix`` (Danish by default)."""
    body = prefix + draw(st.text("0123456789", min_size=12 - len(prefix),
                                 max_size=12 - len(prefix)))
    return body + _gln.calc_check_digit(body)


@st.composite
def gtins(draw: st.DrawFn, lengths: tuple[int, ...] = (13,)) -> str:
    """Valid GTINs of the given lengths (GTIN-13 by default)."""
    length = draw(st.sampled_from(lengths))
    body = draw(st.text("0123456789", min_size=length - 1, max_size=length - 1))
    return body + _gln.calc_check_digit(body)


@st.composite
def cvrs(draw: st.DrawFn) -> str:
    """Valid 8-digit CVR numbers."""
    body = draw(st.text("0123456789", min_size=7, max_size=7).filter(
        lambda b: b[0] != "0" and _cvr.calc_check_digit(b) is not None))
    digit = _cvr.calc_check_digit(body)
    assert digit is not None
    return body + digit


def dates(min_year: int = 2000, max_year: int = 2099) -> st.SearchStrategy[dt.date]:
    """Calendar dates in a range EDIFACT's CCYYMMDD and UBL's xs:date both carry."""
    return st.dates(dt.date(min_year, 1, 1), dt.date(max_year, 12, 31))


def _decimals(low: str, high: str, places: int) -> st.SearchStrategy[Decimal]:
    return st.decimals(Decimal(low), Decimal(high), places=places, allow_nan=False,
                       allow_infinity=False)


def _optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


@st.composite
def addresses(draw: st.DrawFn) -> Address:
    """Postal addresses; Danish four-digit postal codes and ISO country codes. A second
    street line only follows a first one, as addresses are written."""
    street = draw(_optional(texts(35)))
    return Address(
        street=street,
        additional_street=draw(_optional(texts(35))) if street is not None else None,
        building_number=None,  # EANCOM keeps the number in the street
        city=draw(texts(35)),
        postal_code=draw(_optional(st.text("0123456789", min_size=4, max_size=4))),
        region=None,
        country=draw(_optional(st.sampled_from(["DK", "SE", "NO", "DE", "FI"]))),
    )


@st.composite
def parties(draw: st.DrawFn, *, with_gln: bool | None = None) -> Party:
    """Trading parties with a valid GLN (always when ``with_gln`` is True); a party without
    a GLN gets an identifier assigned by the supplier (91) or the buyer (92)."""
    gln = draw(glns() if with_gln else _optional(glns()) if with_gln is None else st.none())
    ids = [] if gln else draw(st.lists(st.builds(
        PartyId, value=_ids(17), scheme=st.sampled_from(["91", "92"])), max_size=1))
    return Party(
        gln=gln,
        cvr=draw(_optional(cvrs())),
        name=draw(_optional(texts(35))),
        address=draw(_optional(addresses())),
        ids=ids,
        contact=draw(_optional(st.builds(
            Contact, name=texts(35),
            phone=_optional(st.text("0123456789", min_size=8, max_size=8))))),
    )


_UNITS = st.sampled_from(["PCE", "EA", "KGM", "LTR", "C62", "CT"])


def allowance_charges(*, with_tax: bool = True) -> st.SearchStrategy[AllowanceCharge]:
    """Allowances and charges with a positive amount (and a VAT category when asked)."""
    return st.builds(
        AllowanceCharge,
        is_charge=st.booleans(),
        amount=_decimals("0.01", "500", 2),
        reason_code=_optional(st.sampled_from(["DI", "FC", "ABH", "ADR", "SH"])),
        reason=_optional(texts(35)),
        tax_category=st.just(TaxCategory.STANDARD) if with_tax else st.none(),
        tax_percent=st.just(Decimal("25")) if with_tax else st.none(),
    )


@st.composite
def order_lines(draw: st.DrawFn, line_id: str | None = None) -> OrderLine:
    """Order lines with a GTIN or a seller's item number (or both)."""
    quantity = draw(_decimals("1", "9999", 0) | _decimals("0.001", "999", 3))
    price = draw(_optional(_decimals("0.01", "99999", 2)))
    gtin = draw(_optional(gtins(lengths=(8, 13, 14))))
    seller_item = draw(_ids(17) if gtin is None else _optional(_ids(17)))
    return OrderLine(
        line_id=line_id or str(draw(st.integers(1, 999999))),
        gtin=gtin,
        seller_item_id=seller_item,
        buyer_item_id=draw(_optional(_ids(17))),
        description=draw(_optional(texts(35))),
        quantity=quantity,
        unit=draw(_optional(_UNITS)),
        units_per_package=draw(_optional(_decimals("1", "144", 0))),
        price=price,
        line_amount=totals.money(quantity * price) if price is not None else None,
        delivery_date=draw(_optional(dates())),
    )


def _numbered(draw: st.DrawFn, strategy: Any, max_lines: int) -> list[Any]:
    count = draw(st.integers(1, max_lines))
    return [draw(strategy(line_id=str(i))) for i in range(1, count + 1)]


@st.composite
def orders(draw: st.DrawFn, max_lines: int = 5) -> Order:
    """Orders with a buyer, a supplier and a delivery place identified by GLN."""
    issue = draw(dates())
    return Order(
        id=draw(_ids(17)),
        issue_date=issue,
        currency=draw(st.sampled_from(["DKK", "DKK", "EUR", "SEK"])),
        delivery_date=draw(_optional(dates())),
        buyer=draw(parties(with_gln=True)),
        seller=draw(parties(with_gln=True)),
        delivery=draw(_optional(parties(with_gln=True))),
        invoicee=draw(_optional(parties(with_gln=True))),
        references=draw(st.lists(st.builds(DocumentReference, kind=st.sampled_from(["CT", "PD"]),
                                           id=_ids(17), date=_optional(dates())),
                                 max_size=2)),
        notes=draw(st.lists(texts(70), max_size=2)),
        lines=_numbered(draw, order_lines, max_lines),
    )


@st.composite
def invoice_lines(draw: st.DrawFn, line_id: str | None = None) -> InvoiceLine:
    """Invoice lines whose amount is quantity × price after line allowances and charges."""
    quantity = draw(_decimals("1", "9999", 0) | _decimals("0.001", "999", 3))
    price = draw(_decimals("0.01", "99999", 2))
    acs = draw(st.lists(allowance_charges(with_tax=False), max_size=1))
    category, percent = draw(st.sampled_from([
        (TaxCategory.STANDARD, Decimal("25")),
        (TaxCategory.STANDARD, Decimal("25")),
        (TaxCategory.ZERO, Decimal("0")),
    ]))
    gross = quantity * price
    # An allowance larger than the line would make it negative, which no invoice line is.
    acs = [ac for ac in acs if ac.is_charge or (ac.amount or Decimal(0)) < gross]
    amount = totals.line_amount(quantity, price, None, acs)
    gtin = draw(_optional(gtins(lengths=(8, 13, 14))))
    return InvoiceLine(
        line_id=line_id or str(draw(st.integers(1, 999999))),
        gtin=gtin,
        seller_item_id=draw(_ids(17) if gtin is None else _optional(_ids(17))),
        description=draw(_optional(texts(35))),
        quantity=quantity,
        unit=draw(_optional(_UNITS)),
        price=price,
        line_amount=amount,
        tax_category=category,
        tax_percent=percent,
        allowance_charges=acs,
    )


@st.composite
def invoices(
    draw: st.DrawFn, kind: DocumentKind = DocumentKind.INVOICE, max_lines: int = 5
) -> Invoice:
    """Invoices (or credit notes) whose tax subtotals and totals are consistent and never
    negative."""
    issue = draw(dates())
    invoice = Invoice(
        id=draw(_ids(17)),
        issue_date=issue,
        kind=kind,
        currency=draw(st.sampled_from(["DKK", "DKK", "EUR"])),
        order_id=draw(_optional(_ids(17))),
        corrected_invoice_id=draw(_ids(17)) if kind is DocumentKind.CREDIT_NOTE else None,
        delivery_date=draw(_optional(dates())),
        buyer=draw(parties(with_gln=True)),
        seller=draw(parties(with_gln=True)),
        delivery=draw(_optional(parties(with_gln=True))),
        invoicee=draw(_optional(parties(with_gln=True))),
        allowance_charges=draw(st.lists(allowance_charges(), max_size=2)),
        payment_terms=draw(_optional(st.builds(
            PaymentTerms, code=st.just("1"), net_days=st.integers(0, 90),
            due_date=st.just(issue + dt.timedelta(days=30))))),
        payment_means=draw(st.lists(st.builds(
            PaymentMeans, code=st.just("42"),
            account_id=st.text("0123456789", min_size=10, max_size=10),
            # "0000" is no registration number, and the OIOUBL rules read it as zero.
            bank_reg_no=st.integers(1, 9999).map("{:04d}".format)), max_size=1)),
        lines=_numbered(draw, invoice_lines, max_lines),
    )
    computed = totals.with_computed_totals(invoice)
    if computed.payable is not None and computed.payable < 0:
        # Allowances larger than the goods: no invoice is negative (money back is a credit
        # note), so these allowances go.
        computed = totals.with_computed_totals(attrs.evolve(invoice, allowance_charges=[
            ac for ac in invoice.allowance_charges if ac.is_charge]))
    return computed


def credit_notes(max_lines: int = 5) -> st.SearchStrategy[Invoice]:
    """Credit notes (kind credit_note, referring to the invoice they correct)."""
    return invoices(kind=DocumentKind.CREDIT_NOTE, max_lines=max_lines)


@st.composite
def order_responses(draw: st.DrawFn) -> OrderResponse:
    """Order responses accepting or rejecting a whole order (rejections carry a note)."""
    accepted = draw(st.booleans())
    return OrderResponse(
        id=draw(_ids(17)),
        issue_date=draw(dates()),
        accepted=accepted,
        rejection_note=draw(_optional(texts(70)) if accepted else texts(70)),
        order_id=draw(_ids(17)),
        order_issue_date=draw(_optional(dates())),
        seller=draw(parties(with_gln=True)),
        buyer=draw(parties(with_gln=True)),
        notes=draw(st.lists(texts(70), max_size=2)),
    )


def documents() -> st.SearchStrategy[Document]:
    """Any document: an order, an invoice, a credit note or an order response."""
    return st.one_of(orders(), invoices(), credit_notes(), order_responses())
