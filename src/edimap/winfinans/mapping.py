"""The model ⇄ Winfinans ``OrderSales`` / ``OrderLine`` / ``Address`` / ``CompanyInf``.

Orders go in: :func:`order_sales` builds the ``SalesOrderAdd`` request for an
:class:`~edimap.model.Order` once its customer is resolved. Invoices come out:
:func:`invoice_from_winfinans` builds an :class:`~edimap.model.Invoice` (or credit note) from
what ``SalesOrderLoad``, ``SalesOrderLoadItems``, ``AddressLookup``, ``CompanyLoad`` and
``CompanySellerLookup`` return. Both report, never repair: a value longer than the
Winfinans field is refused (Winfinans would cut it without a word), as is a quantity or price
with more decimals than Winfinans stores, a line Winfinans would drop, or totals that do not
add up.

Prices: the order's net price (PRI AAA / ``cac:Price``) is sent as ``SalesPrice`` per
ordered unit, with ``QtyPackages`` 1, so Winfinans's line amount is quantity × price. A line
without a price is refused, since Winfinans would store 0.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from edimap import totals
from edimap.findings import (
    Finding,
    InvalidIdentifier,
    Location,
    Severity,
    ValidationError,
    register,
)
from edimap.ids import cvr as _cvr
from edimap.ids import gln as _gln
from edimap.ids import gtin as _gtin
from edimap.model import (
    Address,
    AllowanceCharge,
    DocumentKind,
    Invoice,
    InvoiceLine,
    Order,
    OrderLine,
    Party,
    PaymentMeans,
    PaymentTerms,
    TaxCategory,
)
from edimap.ubl.xml import not_xml_character
from edimap.winfinans._contract import contract, limit

__all__ = [
    "UNITS",
    "invoice_from_winfinans",
    "order_from_winfinans",
    "order_sales",
    "party_from_address",
]

FIELD_LENGTH = register(
    "WF-FIELD-LENGTH", Severity.ERROR,
    "A value is longer than the Winfinans field that stores it; Winfinans would cut it "
    "without a word, so edimap does not send the order.",
    "Shorten the value at its source (the partner's message), or agree a shorter one.",
    "a buyer's order number of 25 characters (OrderSales.requisition holds 20)")
NOT_XML_CHARACTER = register(
    "WF-CHARACTER", Severity.ERROR,
    "A value holds a character the webservice's XML cannot carry (a control character such "
    "as U+0001); edimap does not send the order rather than drop the character.",
    "Remove the character at the source (the partner's message).",
    "IMD+F++:::Kaffe\\x01bønner")
PRECISION = register(
    "WF-PRECISION", Severity.ERROR,
    "A quantity or price has more decimals than Winfinans stores (4); it would be rounded.",
    "Ask the partner for the price per a larger price basis, or agree the rounding.",
    "PRI+AAA:1.23456")
PRICE_MISSING = register(
    "WF-PRICE-MISSING", Severity.ERROR,
    "An order line has no price; Winfinans always writes the price it is sent, so the line "
    "would be stored at 0.", "Have the partner send PRI, or enter the order by hand.",
    "a LIN group without PRI")
NO_ITEM = register(
    "WF-LINE-NO-ITEM", Severity.ERROR,
    "An order line has neither a GTIN nor a seller's item number; Winfinans drops such a "
    "line.", "Have the partner send the GTIN (LIN 7140).", "LIN+1'QTY+21:5'")
CUSTOMER_UNKNOWN = register(
    "WF-CUSTOMER-UNKNOWN", Severity.ERROR,
    "No Winfinans customer has the order's buyer, invoicee or delivery GLN (Address.ean), "
    "nor the buyer's or invoicee's CVR number (Address.VATNumber).",
    "Create the customer in Winfinans with that GLN (or fix the GLN there), then push again.",
    "NAD+BY+5790000274017::9 with no such customer")
CUSTOMER_AMBIGUOUS = register(
    "WF-CUSTOMER-AMBIGUOUS", Severity.ERROR,
    "Several Winfinans customers have the same GLN, so the order's customer is not certain.",
    "Keep the GLN on one customer only.", "two addresses with ean 5790000274017")
ITEM_UNKNOWN = register(
    "WF-ITEM-UNKNOWN", Severity.ERROR,
    "No Winfinans item has the line's GTIN, so Winfinans cannot resolve the line.",
    "Put the GTIN on the item card (EAN) in Winfinans, then push again.",
    "LIN+1++5701234567899:EN with no such item")
NOT_CARRIED = register(
    "WF-NOT-CARRIED", Severity.INFO,
    "Data of the document that Winfinans has no field for; it is not sent.",
    "Nothing, unless the listed data matters to you: then handle it by hand.",
    "header allowances on an order")
UNIT_UNKNOWN = register(
    "WF-UNIT", Severity.ERROR,
    "A Winfinans unit is not one edimap can name as a UN/ECE Rec 20 code.",
    "Use a unit edimap knows in Winfinans (stk, kg, l, m, time, …) or a Rec 20 code, or "
    "pass a unit map.", "Unit 'spand'")
TOTALS = register(
    "WF-TOTALS", Severity.ERROR,
    "The totals Winfinans states for an invoice differ from the sum of its lines and VAT.",
    "Recalculate the invoice in Winfinans; it stays in the queue until it adds up.",
    "Total 1000.00 + VAT 250.00, lines sum to 1010.00")
NOT_A_DOCUMENT = register(
    "WF-DOCUMENT", Severity.ERROR,
    "A Winfinans document lacks what an invoice or order needs (a date, valid values).",
    "Complete the document in Winfinans; it stays in the queue until then.",
    "an invoice without InvoiceDate")
WF_IDENTIFIER = register(
    "WF-IDENTIFIER", Severity.ERROR,
    "A GLN or GTIN stored in Winfinans fails its check digit (Winfinans never checks).",
    "Correct the customer's or item's GLN/GTIN in Winfinans.", "Address.ean 5790000274018")

# Winfinans units are free text; these are the ones in use, by their Rec 20 code.
UNITS: Mapping[str, str] = {
    "": "EA", "stk": "EA", "stk.": "EA", "st": "EA", "styk": "EA", "pcs": "EA", "ea": "EA",
    "kg": "KGM", "g": "GRM", "l": "LTR", "ltr": "LTR", "liter": "LTR", "ml": "MLT",
    "m": "MTR", "m2": "MTK", "m3": "MTQ", "t": "HUR", "time": "HUR", "timer": "HUR",
    "dag": "DAY", "dage": "DAY", "ks": "CT", "kasse": "CT", "krt": "CT", "karton": "CT",
    "pk": "PK", "pakke": "PK", "pal": "PF", "palle": "PF", "sæt": "SET", "par": "PR",
}
_REC20 = re.compile(r"[A-Z0-9]{2,3}")
_FOUR_DECIMALS = 4
SQL_DATE_MIN = dt.date(1753, 1, 1)
SQL_DATE_MAX = dt.date(9999, 1, 1)
BUNDRABAT = "Bundrabat"
BUNDRABAT_LIID = 999999999


def _decimals(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _check_strings(type_name: str, record: Mapping[str, Any], fields: Mapping[str, str],
                   where: Location, findings: list[Finding]) -> None:
    """A WF-FIELD-LENGTH finding for every string longer than its Winfinans member, and a
    WF-CHARACTER finding for every string XML cannot carry."""
    members = contract().types[type_name]
    for name, value in record.items():
        if not isinstance(value, str):
            continue
        size = limit(members.get(name, ""))
        if size is not None and len(value) > size:
            findings.append(FIELD_LENGTH(
                f"{type_name}.{name} holds {size} characters; {fields.get(name, name)} has "
                f"{len(value)} ({value[:30]!r}…)", where.evolve(field=fields.get(name, name))))
        bad = not_xml_character(value)
        if bad:
            findings.append(NOT_XML_CHARACTER(
                f"{fields.get(name, name)} holds {bad}, which {type_name}.{name} cannot be "
                "sent", where.evolve(field=fields.get(name, name))))


def _datetime(value: dt.date | None, fallback: dt.date) -> dt.datetime:
    day = value or fallback
    return dt.datetime(day.year, day.month, day.day)


def order_sales(order: Order, *, bill_to: int, ship_to: int, trace: str,
                customer: Mapping[str, Any] | None = None,
                where: Location | None = None) -> tuple[dict[str, Any], list[Finding]]:
    """The ``SalesOrderAdd`` request (``OrderSales`` with its ``OrderLines``) for ``order``.

    ``bill_to`` and ``ship_to`` are the resolved customer AddressIDs; ``trace`` goes to
    ``OrderSales.Trace`` (the EDI references, so a delivered order can be recognised).
    Every header field is sent (Winfinans writes unsent ones as 0, null or 1753-01-01,
    over the customer's defaults), so the bill-to ``customer`` record (``Address``) gives
    the payment terms, language and sales location the order does not name.
    Findings with errors mean the request must not be sent.
    """
    where = where or Location()
    findings: list[Finding] = []
    delivery_gln = (order.delivery.gln if order.delivery else None) or (
        order.buyer.gln if order.buyer else None)
    contact = order.buyer.contact if order.buyer and order.buyer.contact else None
    header: dict[str, Any] = {
        "SaleID": 0, "OrderNo": 0, "OrderType": "Order", "InvoiceCreditnote": "invoice",
        "BillTo": bill_to, "ShipTo": ship_to, "Currency": order.currency,
        "OrderDate": _datetime(order.issue_date, order.issue_date),
        "InvoiceDate": _datetime(order.issue_date, order.issue_date),
        "ShipDate": _datetime(order.delivery_date, order.issue_date),
        "StartDate": _datetime(order.earliest_delivery_date or order.delivery_date,
                               order.issue_date),
        "EndDate": _datetime(order.latest_delivery_date or order.delivery_date,
                             order.issue_date),
        "PayDate": _datetime(order.issue_date, order.issue_date),
        "requisition": order.id, "Trace": trace, "EAN": delivery_gln,
        "ContactPerson": contact.name if contact else None,
        "seller": order.sales_location_id or (customer or {}).get("SellerID") or 0,
        "TermsOfPayment": (customer or {}).get("TermsOfPaymentDeb"),
        "Language": (customer or {}).get("Language"),
        "text_1": "\n".join(order.notes) or None,
    }
    _check_strings("OrderSales", header, {
        "requisition": "id (the buyer's order number)", "Trace": "the EDI references",
        "EAN": "delivery.gln", "ContactPerson": "buyer.contact.name",
        "text_1": "notes", "Currency": "currency"},
        where, findings)
    lines: list[dict[str, Any]] = []
    for i, line in enumerate(order.lines):
        lines.append(_order_line(line, f"lines[{i}]", where, findings))
    header["OrderLines"] = lines
    not_carried = _not_sent(order)
    if not_carried:
        findings.append(NOT_CARRIED("not sent to Winfinans: " + "; ".join(not_carried), where))
    return header, findings


def _not_sent(order: Order) -> list[str]:
    """What of ``order`` SalesOrderAdd has no place for (for the WF-NOT-CARRIED finding)."""
    not_carried = []
    if order.seller_order_id:
        not_carried.append("seller_order_id (Winfinans numbers the order itself)")
    described = [role for role in ("buyer", "seller", "delivery", "invoicee")
                 if (party := getattr(order, role)) is not None
                 and (party.name or party.address or party.cvr or party.vat_id or party.ids
                      or (party.contact and (party.contact.phone or party.contact.email)))]
    if described:
        not_carried.append(f"names, addresses and numbers of {', '.join(described)} "
                           "(Winfinans uses its own customer records, found by GLN)")
    if order.allowance_charges:
        not_carried.append("allowance_charges (order-level allowances and charges)")
    if order.ultimate_consignee is not None:
        not_carried.append("ultimate_consignee")
    if order.references:
        not_carried.append("references (" + ", ".join(r.kind for r in order.references) + ")")
    for i, line in enumerate(order.lines):
        if line.allowance_charges:
            not_carried.append(f"lines[{i}].allowance_charges (the net price is sent)")
        if line.units_per_package is not None:
            not_carried.append(f"lines[{i}].units_per_package (QtyPackages is sent as 1: "
                               "the price is per ordered unit)")
        if line.free_quantity:
            not_carried.append(f"lines[{i}].free_quantity")
        if line.delivery_date is not None:
            not_carried.append(f"lines[{i}].delivery_date")
    return not_carried


def _order_line(line: OrderLine, path: str, where: Location,
                findings: list[Finding]) -> dict[str, Any]:
    at = where.evolve(field=path)
    if line.gtin is None and not line.seller_item_id:
        findings.append(NO_ITEM(f"line {line.line_id} has no GTIN and no seller's item number",
                                at.evolve(field=f"{path}.gtin")))
    if line.price is None:
        findings.append(PRICE_MISSING(f"line {line.line_id} has no price",
                                      at.evolve(field=f"{path}.price")))
        price = Decimal(0)
    else:
        price = line.price / (line.price_basis or Decimal(1))
    for name, value in (("quantity", line.quantity), ("price", price)):
        if _decimals(value) > _FOUR_DECIMALS:
            findings.append(PRECISION(
                f"line {line.line_id}: {name} {value} has more than {_FOUR_DECIMALS} decimals; "
                "Winfinans stores 4", at.evolve(field=f"{path}.{name}")))
    record: dict[str, Any] = {
        # Left out (nil) when there is a GTIN, so the server resolves the EAN: an empty
        # ItemID would make Winfinans drop the line.
        "ItemID": None if line.gtin else line.seller_item_id,
        "EAN": line.gtin, "ItemDesc": line.description, "Qty": line.quantity,
        "QtyPackages": Decimal(1), "SalesPrice": price, "DiscountProc": Decimal(0),
        "Unit": line.unit, "AddInformation": line.note,
    }
    _check_strings("OrderLine", record, {
        "ItemID": f"{path}.seller_item_id", "EAN": f"{path}.gtin",
        "ItemDesc": f"{path}.description", "Unit": f"{path}.unit",
        "AddInformation": f"{path}.note"}, where, findings)
    return record


# --- out of Winfinans -----------------------------------------------------------------


def _cvr_digits(value: Any) -> str | None:
    """The 8 digits of a CVR-shaped VAT number (``12345678``, ``DK 12345678``), or None."""
    text = _text(value)
    if text is None:
        return None
    try:
        return _cvr.validate_format(text)
    except InvalidIdentifier:
        return None


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime) and SQL_DATE_MIN < value.date() < SQL_DATE_MAX:
        return value.date()
    return None


def _gln_of(value: Any, what: str, where: Location, findings: list[Finding]) -> str | None:
    text = _text(value)
    if text is None:
        return None
    text = text.replace(" ", "")
    if not _gln.is_valid(text):
        findings.append(WF_IDENTIFIER(f"{what} GLN {text!r} is not a valid GLN", where))
        return None
    return text


def party_from_address(address: Mapping[str, Any] | None, what: str, where: Location,
                       findings: list[Finding], *, customer: bool = True) -> Party | None:
    """A :class:`Party` from a Winfinans ``Address`` (``ean`` → gln, ``VATNumber`` → cvr or
    vat_id, ``Account`` → account for a ``customer`` party, not for a delivery place,
    ``CountryISO3166_2`` → country)."""
    if not address:
        return None
    vat = _text(address.get("VATNumber"))
    cvr = _cvr_digits(vat)
    country = _text(address.get("CountryISO3166_2"))
    fields = {"street": _text(address.get("Address1")),
              "additional_street": _text(address.get("Address2")),
              "building_number": _text(address.get("HouseNumber")),
              "city": _text(address.get("City")),
              "postal_code": _text(address.get("PostalCode")),
              "region": _text(address.get("Region")),
              "country": country if country and len(country) == 2 else None}
    return Party(
        gln=_gln_of(address.get("ean"), what, where, findings),
        cvr=cvr, vat_id=vat if cvr is None else None,
        name=_text(address.get("CompanyName")),
        address=Address(**fields) if any(fields.values()) else None,
        account=_text(address.get("Account")) if customer else None)


def _company_party(company: Mapping[str, Any], where: Location,
                   findings: list[Finding]) -> Party:
    country = _text(company.get("Country"))
    fields = {"street": _text(company.get("Street")),
              "building_number": _text(company.get("HouseNumber")),
              "city": _text(company.get("CityName")),
              "postal_code": _text(company.get("PostalZone")),
              "country": country if country and len(country) == 2 else None}
    return Party(gln=_gln_of(company.get("ean"), "the company's", where, findings),
                 cvr=_cvr_digits(company.get("CompanyNo")),
                 name=_text(company.get("CompanyName")),
                 address=Address(**fields) if any(fields.values()) else None)


def _payment_means(seller: Mapping[str, Any] | None,
                   header: Mapping[str, Any]) -> list[PaymentMeans]:
    """The sales location's bank data: "bb" domestic bank (42), "fb" IBAN (31), "71" FIK."""
    if not seller:
        return []
    # The due date is the payment terms' (OrderSales.PayDate), not repeated here.
    kind = (_text(seller.get("PaymentType")) or "").lower()
    if kind == "bb" and _text(seller.get("AccountNo")):
        return [PaymentMeans(code="42", bank_reg_no=_text(seller.get("RegistrationNo")),
                             account_id=_text(seller.get("AccountNo")))]
    if kind == "fb" and _text(seller.get("IBAN")):
        return [PaymentMeans(code="31", iban=_text(seller.get("IBAN")),
                             bic=_text(seller.get("BIC")))]
    if kind == "71" and _text(seller.get("CreditAccount")):
        return [PaymentMeans(code="93", payment_id="71",
                             creditor_account=_text(seller.get("CreditAccount")),
                             instruction_id=_text(header.get("PaymentRef")))]
    return []


def _unit(value: Any, unit_map: Mapping[str, str], where: Location,
          findings: list[Finding]) -> str | None:
    text = (value or "").strip() if isinstance(value, str) else ""
    code = unit_map.get(text.lower()) or (text if _REC20.fullmatch(text) else None)
    if code is None:
        findings.append(UNIT_UNKNOWN(f"unit {text!r} has no UN/ECE Rec 20 code", where))
    return code


def _tax(percent: Decimal) -> tuple[TaxCategory, Decimal]:
    return (TaxCategory.STANDARD if percent > 0 else TaxCategory.ZERO), percent


def _lines(records: Sequence[Mapping[str, Any]], unit_map: Mapping[str, str],
           where: Location, findings: list[Finding],
           ) -> tuple[list[dict[str, Any]], list[AllowanceCharge]]:
    """Line fields for the model, and the allowance/charge lines (Bundrabat and fee lines)
    as document-level allowances and charges (never goods)."""
    lines: list[dict[str, Any]] = []
    header_acs: list[AllowanceCharge] = []
    for record in records:
        at = where.evolve(field=f"OrderLine[Liid={record.get('Liid')}]")
        vat = record.get("vat_perc") or Decimal(0)
        category, percent = _tax(vat)
        if record.get("AllowanceCharge"):
            if record.get("Liid") == BUNDRABAT_LIID and record.get("ItemID") == BUNDRABAT:
                amount = record.get("LineAmount") or Decimal(0)  # + discount, − fee
                is_charge = amount < 0
            else:
                amount = record.get("OrderAmount") or Decimal(0)  # + fee, − discount
                is_charge = amount > 0
            header_acs.append(AllowanceCharge(
                is_charge=is_charge, amount=abs(amount),
                reason=_text(record.get("ItemDesc")), tax_category=category,
                tax_percent=percent))
            continue
        gtin = _text(record.get("EAN"))
        if gtin is not None and not _gtin.is_valid(gtin):
            findings.append(WF_IDENTIFIER(f"item {record.get('ItemID')!r}: EAN {gtin!r} is "
                                          "not a valid GTIN", at))
            gtin = None
        packages = record.get("QtyPackages") or Decimal(1)
        quantity = record.get("Qty") or Decimal(0)
        price = (record.get("SalesPrice") or Decimal(0)) * packages
        amount = record.get("OrderAmount") or Decimal(0)
        gross = totals.money(quantity * price)
        acs = []
        if record.get("DiscountProc"):
            acs.append(AllowanceCharge(is_charge=False, amount=gross - amount,
                                       percent=record["DiscountProc"], base_amount=gross))
        lines.append({
            "line_id": str(len(lines) + 1), "gtin": gtin,
            "seller_item_id": _text(record.get("ItemID")),
            "description": _text(record.get("ItemDesc")), "quantity": totals.plain(quantity),
            "unit": _unit(record.get("Unit"), unit_map, at, findings),
            "units_per_package": totals.plain(packages) if packages != 1 else None,
            "price": price.normalize() if _decimals(price) > 2 else price.quantize(
                Decimal("0.01")),
            "line_amount": amount, "tax_category": category, "tax_percent": percent,
            "allowance_charges": acs, "note": _text(record.get("AddInformation")),
        })
    return lines, header_acs


def invoice_from_winfinans(
    header: Mapping[str, Any], lines: Sequence[Mapping[str, Any]], *,
    bill_to: Mapping[str, Any] | None, ship_to: Mapping[str, Any] | None,
    buyer: Mapping[str, Any] | None, company: Mapping[str, Any],
    seller: Mapping[str, Any] | None = None, unit_map: Mapping[str, str] = UNITS,
    where: Location | None = None,
) -> tuple[Invoice | None, list[Finding]]:
    """The invoice or credit note a closed Winfinans document is, with computed totals, or
    None with the findings that say why not (the totals Winfinans states must add up)."""
    where = where or Location()
    findings: list[Finding] = []
    credit = header.get("InvoiceCreditnote") == "CreditNote"
    line_fields, header_acs = _lines(lines, unit_map, where, findings)
    seller_party = _company_party(company, where, findings)
    invoicee = party_from_address(bill_to, "the bill-to customer's", where, findings)
    buyer_party = party_from_address(buyer, "the buyer's", where, findings) or invoicee
    delivery = party_from_address(ship_to, "the ship-to customer's", where, findings,
                                  customer=False)
    if any(f.is_error for f in findings):
        return None, findings
    issue = _date(header.get("InvoiceDate")) or _date(header.get("OrderDate"))
    if issue is None:
        findings.append(NOT_A_DOCUMENT("the invoice has no invoice date",
                                       where.evolve(field="OrderSales.InvoiceDate")))
        return None, findings
    due = _date(header.get("PayDate"))
    notes = [t for t in (_text(header.get("text_1")), _text(header.get("text_2"))) if t]
    settle = header.get("SettleNo") or 0
    try:
        invoice = Invoice(
            kind=DocumentKind.CREDIT_NOTE if credit else DocumentKind.INVOICE,
            id=str(header.get("InvoiceNo")), issue_date=issue,
            currency=_text(header.get("Currency")) or "DKK",
            buyer=buyer_party, seller=seller_party, invoicee=invoicee, delivery=delivery,
            sales_location_id=(seller or {}).get("SellerID") or None,
            seller_order_id=str(header["OrderNo"]) if header.get("OrderNo") else None,
            order_id=_text(header.get("requisition")),
            corrected_invoice_id=str(settle) if credit and settle else None,
            delivery_note_id=(str(header["DeliveryNoteNo"])
                              if header.get("DeliveryNoteNo") else None),
            delivery_date=_date(header.get("ShipDate")), notes=notes,
            # TermsOfPayment is Winfinans's text ("30 dage"), not a UN/EDIFACT 4279 code.
            payment_terms=PaymentTerms(note=_text(header.get("TermsOfPayment")), due_date=due)
            if due or _text(header.get("TermsOfPayment")) else None,
            payment_means=_payment_means(seller, header),
            allowance_charges=header_acs,
            lines=[InvoiceLine(**fields) for fields in line_fields],
        )
    except ValidationError as exc:
        findings.extend(NOT_A_DOCUMENT(f"the Winfinans document is not a valid invoice: {e}",
                                       where.evolve(field=e.path or None)) for e in exc.errors)
        return None, findings
    computed = totals.compute(invoice.lines, invoice.allowance_charges)
    stated_net = header.get("Total") or Decimal(0)
    stated_tax = (header.get("TotalVatEx") or Decimal(0)) + (header.get("TotalVatIn")
                                                            or Decimal(0))
    if abs(stated_net - computed.tax_exclusive) > Decimal("0.01"):
        findings.append(TOTALS(f"OrderSales.Total {stated_net} but the lines and allowances "
                               f"sum to {computed.tax_exclusive}",
                               where.evolve(field="OrderSales.Total")))
    if abs(stated_tax - computed.tax_total) > Decimal("1.00"):
        findings.append(TOTALS(f"OrderSales VAT {stated_tax} but VAT per rate sums to "
                               f"{computed.tax_total}",
                               where.evolve(field="OrderSales.TotalVatEx")))
    if any(f.is_error for f in findings):
        return None, findings
    return totals.with_computed_totals(invoice), findings


def order_from_winfinans(header: Mapping[str, Any], lines: Sequence[Mapping[str, Any]], *,
                         bill_to: Mapping[str, Any] | None,
                         ship_to: Mapping[str, Any] | None,
                         company: Mapping[str, Any] | None = None,
                         unit_map: Mapping[str, str] = UNITS,
                         where: Location | None = None) -> tuple[Order | None, list[Finding]]:
    """The order as Winfinans stores it (``requisition`` as its id), for ``show-order``."""
    where = where or Location()
    findings: list[Finding] = []
    line_fields, allowance_charges = _lines(lines, unit_map, where, findings)
    buyer = party_from_address(bill_to, "the bill-to customer's", where, findings)
    delivery = party_from_address(ship_to, "the ship-to customer's", where, findings,
                                  customer=False)
    issue = _date(header.get("OrderDate")) or _date(header.get("InvoiceDate"))
    if issue is None or any(f.is_error for f in findings):
        return None, findings
    order_lines = []
    for fields in line_fields:
        for name in ("tax_category", "tax_percent"):
            fields.pop(name)
        order_lines.append(OrderLine(**fields))
    notes = [t for t in (_text(header.get("text_1")),) if t]
    order = Order(id=_text(header.get("requisition")) or str(header.get("OrderNo")),
                  issue_date=issue, currency=_text(header.get("Currency")) or "DKK",
                  buyer=buyer, delivery=delivery,
                  seller=_company_party(company, where, findings) if company else None,
                  seller_order_id=str(header.get("OrderNo")),
                  sales_location_id=header.get("seller") or None,
                  delivery_date=_date(header.get("ShipDate")), notes=notes,
                  allowance_charges=allowance_charges, lines=order_lines)
    return order, findings
