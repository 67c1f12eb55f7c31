"""The field mapping table, derived from the writers themselves.

A sample order and a sample invoice carry a distinct value in every field; each is written
as EANCOM (D.96A and D.01B) and as OIOUBL 2.1, and the table says where each value landed:
segment, qualifier, element/component position and segment group in EANCOM, element path in
OIOUBL. Nothing here is written by hand, so the table cannot drift from the code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import attrs
from lxml import etree

from edimap.edifact.invoic import invoice_to_message
from edimap.edifact.orders import order_to_message
from edimap.edifact.reader import EdifactReader
from edimap.edifact.structure import validate_structure
from edimap.edifact.writer import write_interchange
from edimap.model import (
    Address,
    Contact,
    Document,
    DocumentReference,
    Invoice,
    InvoiceLine,
    Order,
    OrderLine,
    Party,
    PaymentMeans,
    PaymentTerms,
)
from edimap.totals import compute, with_computed_totals
from edimap.ubl.writer import to_xml
from edimap.winfinans.mapping import UNITS, invoice_from_winfinans, order_sales

__all__ = ["markdown", "rows"]

QUALIFIED = {"NAD", "DTM", "RFF", "QTY", "PRI", "MOA", "CUX", "FTX", "PIA", "IMD", "ALC",
             "TAX", "PCD", "CTA", "PAT", "PAI", "FII"}


def _party(n: int, gln: str) -> Party:
    return Party(gln=gln, name=f"Name{n}", cvr=None if n != 1 else "13585628",
                 vat_id="DK24681357" if n == 1 else None,  # a Danish SE number
                 address=Address(street=f"Street{n}", city=f"City{n}", postal_code=f"{n}111",
                                 country=("SE", "NO", "FI", "DE", "IS")[n - 1]),
                 contact=Contact(name=f"Contact{n}", phone=f"{n}2345678",
                                 email=f"c{n}@example.dk") if n == 1 else None)


def _samples() -> tuple[Order, Invoice, dict[str, str]]:
    order = Order(
        id="ORD-1", issue_date=dt.date(2031, 1, 2), currency="EUR",
        delivery_date=dt.date(2031, 1, 3), seller_order_id="SO-1", notes=["Note-1"],
        references=[DocumentReference(kind="CT", id="CONTRACT-1", date=dt.date(2031, 1, 4))],
        buyer=_party(1, "5790000274017"), seller=_party(2, "5798000000001"),
        delivery=_party(3, "5790000100019"), invoicee=_party(4, "5790000000012"),
        lines=[OrderLine(line_id="7", gtin="5701234567899", seller_item_id="SELLER-1",
                         buyer_item_id="BUYER-1", description="Description-1",
                         quantity=Decimal("13.57"), unit="KGM",
                         units_per_package=Decimal("17"), price=Decimal("24.68"),
                         line_amount=Decimal("334.91"), delivery_date=dt.date(2031, 1, 5),
                         note="LineNote-1")])
    invoice = with_computed_totals(Invoice(
        id="INV-1", issue_date=dt.date(2032, 2, 2), currency="EUR", order_id="ORD-2",
        delivery_note_id="DN-1", contract_id="CT-2", delivery_date=dt.date(2032, 2, 3),
        tax_point_date=dt.date(2032, 2, 4), notes=["Note-2"],
        seller=_party(1, "5798000000001"), buyer=_party(2, "5790000274017"),
        delivery=_party(3, "5790000100019"),
        payment_terms=PaymentTerms(code="1", due_date=dt.date(2032, 3, 3)),
        payment_means=[PaymentMeans(code="42", account_id="ACCOUNT-1", bank_reg_no="4321")],
        lines=[InvoiceLine(line_id="8", gtin="5790000100026", seller_item_id="SELLER-2",
                           description="Description-2", quantity=Decimal("11.13"),
                           unit="LTR", price=Decimal("35.79"), line_amount=Decimal("398.34"),
                           order_line_id="OL-1", tax_percent=Decimal("25"))]))
    totals = compute(invoice.lines)
    computed = {"line_total": format(totals.line_total, "f"),
                "tax_total": format(totals.tax_total, "f"),
                "payable": format(totals.payable, "f")}
    return order, invoice, computed


def _values(obj: Any, path: str) -> Iterator[tuple[str, str]]:
    """(model path, written form) of every scalar field of a sample."""
    import attrs

    if attrs.has(type(obj)):
        for field in attrs.fields(type(obj)):
            value = getattr(obj, field.name)
            yield from _values(value, f"{path}.{field.name}" if path else field.name)
    elif isinstance(obj, tuple):
        for item in obj:
            yield from _values(item, f"{path}[]")
    elif isinstance(obj, dt.date):
        yield path, obj.strftime("%Y%m%d")
    elif isinstance(obj, Decimal):
        yield path, format(obj, "f")
    elif isinstance(obj, str) and path not in ("order_type", "message_function") and \
            not path.endswith((".kind", "tax_category", "category", "scheme")):
        yield path, obj


def _eancom(document: Order | Invoice, version: str) -> dict[str, list[str]]:
    draft = order_to_message(document, reference="1", version=version) if isinstance(
        document, Order) else invoice_to_message(document, reference="1", version=version)
    data = write_interchange([draft], sender="1", recipient="2", control_ref="1",
                             syntax_id="UNOC", prepared=dt.datetime(2030, 1, 1))
    (message,) = EdifactReader(data)
    groups = validate_structure(message).group_paths
    found: dict[str, list[str]] = {}
    for index, segment in enumerate(message.segments):
        qualifier = segment.get(1, 1) if segment.tag in QUALIFIED else (
            segment.get(1, 2) if segment.tag == "COM" else "")  # COM: the channel
        for e, element in enumerate(segment.elements, start=1):
            for c, value in enumerate(element[0], start=1):
                if not value:
                    continue
                where = f"{segment.tag}{'+' + qualifier if qualifier else ''} {e}.{c}"
                if groups[index]:
                    where += f" ({groups[index]})"
                for key in {value, value.replace("-", "")}:
                    found.setdefault(key, [])
                    if where not in found[key]:
                        found[key].append(where)
    return found


def _oioubl(document: Document) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    if isinstance(document, Order) and any(line.delivery_date for line in document.lines):
        # OIOUBL has line delivery dates only without the order's own (F-ORD250): look for
        # the line dates in a copy without the header dates.
        _found_in(to_xml(attrs.evolve(document, delivery_date=None, earliest_delivery_date=None,
                                      latest_delivery_date=None)), found)
        document = attrs.evolve(document, lines=[attrs.evolve(line, delivery_date=None)
                                                 for line in document.lines])
    _found_in(to_xml(document), found)
    return found


def _found_in(data: bytes, found: dict[str, list[str]]) -> None:
    root = etree.fromstring(data)
    for element in root.iter():
        text = (element.text or "").strip()
        if len(element):
            continue
        parts = []
        node: Any = element
        while node is not None and node is not root:
            qname = etree.QName(node)
            prefix = "cbc" if qname.namespace and qname.namespace.endswith("Basic"
                                                                          "Components-2") \
                else "cac"
            parts.append(f"{prefix}:{qname.localname}")
            node = node.getparent()
        path = "/".join(reversed(parts))
        unit = element.get("unitCode")
        if unit:
            found.setdefault(unit, [])
            if f"{path}/@unitCode" not in found[unit]:
                found[unit].append(f"{path}/@unitCode")
        scheme = element.get("schemeID")
        if scheme:
            path += f"[@schemeID={scheme}]"
        for key in {text, text.replace("-", ""), text[2:] if text.startswith("DK") else text}:
            if not key:
                continue
            found.setdefault(key, [])
            if path not in found[key]:
                found[key].append(path)


def _wire_text(value: Any) -> str | None:
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%Y%m%d")
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, bool) or value is None:
        return None
    return str(value)


def _index(found: dict[str, list[str]], record: dict[str, Any], name: str) -> None:
    for member, value in record.items():
        if isinstance(value, list):
            for item in value:
                _index(found, item, "OrderLine")
            continue
        text = _wire_text(value)
        if text:
            for key in {text, UNITS.get(text.lower(), text)}:
                found.setdefault(key, [])
                if f"{name}.{member}" not in found[key]:
                    found[key].append(f"{name}.{member}")


def _winfinans_order(order: Order) -> dict[str, list[str]]:
    """Where ``order_sales`` puts each value of the order (orders go into Winfinans)."""
    header, _ = order_sales(order, bill_to=1, ship_to=2, trace="edimap sample")
    found: dict[str, list[str]] = {}
    # The parties' GLNs find the customer (push-orders: bill-to by the buyer's GLN, else
    # the invoicee's, else the delivery place's; ship-to by the delivery place's).
    for role, target in (("buyer", "BillTo"), ("invoicee", "BillTo"), ("delivery", "ShipTo")):
        party = getattr(order, role)
        if party is not None and party.gln:
            found.setdefault(party.gln, []).append(f"Address.ean → OrderSales.{target}")
    _index(found, header, "OrderSales")
    return found


def _winfinans_invoice() -> tuple[Invoice, dict[str, list[str]]]:
    """A Winfinans document with a distinct value in every field read, the invoice
    ``invoice_from_winfinans`` makes of it, and where each value came from (invoices come
    out of Winfinans)."""
    def address(n: int, gln: str) -> dict[str, Any]:
        return {"AddressID": n, "Account": f"ACC-{n}", "CompanyName": f"Customer{n}",
                "Address1": f"Street{n}", "Address2": f"Floor{n}", "HouseNumber": f"{n}A",
                "City": f"City{n}", "PostalCode": f"{n}222", "Region": f"Region{n}",
                "CountryISO3166_2": ("SE", "NO", "FI")[n - 1], "ean": gln,
                "VATNumber": ("DK13585628", "SE556677889901", "FI12345678")[n - 1]}

    header = {"SaleID": 901, "InvoiceNo": 700001, "OrderNo": 600001, "DeliveryNoteNo": 500001,
              "InvoiceCreditnote": "invoice", "InvoiceDate": dt.datetime(2033, 3, 2),
              "ShipDate": dt.datetime(2033, 3, 3), "PayDate": dt.datetime(2033, 4, 4),
              "TermsOfPayment": "TERMS-1", "Currency": "EUR", "requisition": "REQ-1",
              "text_1": "Text-1", "text_2": "Text-2", "BillTo": 1, "ShipTo": 2, "Buyer": 3,
              "seller": 4, "PaymentRef": "PAYREF-1", "Total": Decimal("398.34"),
              "TotalVatEx": Decimal("99.59"), "TotalVatIn": Decimal(0)}
    line = {"Liid": 5, "ItemID": "ITEM-1", "EAN": "5790000100026", "ItemDesc": "Desc-1",
            "AddInformation": "Info-1", "Unit": "l", "Qty": Decimal("11.13"),
            "QtyPackages": Decimal(1), "SalesPrice": Decimal("35.79"),
            "OrderAmount": Decimal("398.34"), "vat_perc": Decimal("25")}
    company = {"CompanyName": "Company-1", "CompanyNo": "24681357", "ean": "5798000000001",
               "Street": "CStreet", "HouseNumber": "77C", "CityName": "CCity",
               "PostalZone": "9999", "Country": "DK"}
    seller = {"SellerID": 4, "PaymentType": "bb", "RegistrationNo": "1234",
              "AccountNo": "0098765432"}
    invoice, findings = invoice_from_winfinans(
        header, [line], bill_to=address(1, "5790000274017"),
        ship_to=address(2, "5790000100019"), buyer=address(3, "5790000000012"),
        company=company, seller=seller)
    assert invoice is not None, findings
    found: dict[str, list[str]] = {}
    _index(found, header, "OrderSales")
    _index(found, line, "OrderLine")
    for name, record in (("Address (BillTo)", address(1, "5790000274017")),
                         ("Address (ShipTo)", address(2, "5790000100019")),
                         ("Address (Buyer)", address(3, "5790000000012")),
                         ("CompanyInf", company), ("CompanySeller", seller)):
        _index(found, {k: v for k, v in record.items() if k != "AddressID"}, name)
    for key in list(found):  # CVR numbers are read without their DK
        if key.startswith("DK") and key[2:].isdigit():
            found.setdefault(key[2:], found[key])
    return invoice, found


def rows() -> list[tuple[str, str, str, str, str, str]]:
    """(document, model field, EANCOM D.96A, EANCOM D.01B, OIOUBL 2.1, Winfinans) for every
    field."""
    order, invoice, computed = _samples()
    from_winfinans, winfinans_fields = _winfinans_invoice()
    out = []
    for name, document in (("Order", order), ("Invoice", invoice),
                           ("Invoice from Winfinans", from_winfinans)):
        if name == "Invoice from Winfinans":
            d96a = d01b = ubl = {}
            wf = winfinans_fields
        else:
            d96a, d01b, ubl = _eancom(document, "d96a"), _eancom(document, "d01b"), \
                _oioubl(document)
            wf = _winfinans_order(document) if isinstance(document, Order) else {}
        seen: set[str] = set()
        values = list(_values(document, ""))
        if name == "Invoice":
            values = [(p, v) for p, v in values if p.split(".")[0] not in computed
                      and not p.startswith("tax_subtotals")] + list(computed.items())
        elif name == "Invoice from Winfinans":
            values = [(p, v) for p, v in values if not p.startswith("tax_subtotals")]
        for path, value in values:
            if path in seen:
                continue
            seen.add(path)
            keys = [value, value.replace("-", "")]
            if len(value) == 8 and value.isdigit():  # a date: OIOUBL writes YYYY-MM-DD
                keys.append(f"{value[:4]}-{value[4:6]}-{value[6:]}")

            def where(found: dict[str, list[str]], keys: list[str] = keys) -> str:
                for key in keys:
                    if key in found:
                        return "; ".join(found[key])
                return "—"

            if name == "Invoice from Winfinans":
                if path == "lines[].line_id":  # not read: a value would match by chance
                    out.append((name, path, "", "", "", "numbered 1, 2, … by edimap"))
                elif where(wf) != "—":
                    out.append((name, path, "", "", "", where(wf)))
                continue
            out.append((name, path, where(d96a), where(d01b), where(ubl),
                        where(wf) if name == "Order" else ""))
    return out


def markdown() -> str:
    """The mapping table as Markdown (docs/mapping.md)."""
    lines = [
        "# Field mapping",
        "",
        "Where each field of edimap's model goes in EANCOM, OIOUBL and Winfinans, derived "
        "from the writers and mappers by `edimap mapping` (a sample document with a distinct "
        "value in every field is written in each format and each value is looked for). A "
        "test keeps this file current. EANCOM positions are `TAG+qualifier "
        "element.component (segment group)`; the readers read the same places. `—`: the "
        "format does not carry the field. The invoice totals are computed by the writers; "
        "the sample has one line, so a total equal to other amounts is found in each of "
        "their places.",
        "",
        "Orders go into Winfinans (`SalesOrderAdd`): the Winfinans column says which "
        "`OrderSales` / `OrderLine` member each value is sent in; the customer is found by "
        "GLN (`Address.ean`) and sent as the `BillTo` / `ShipTo` AddressIDs. Invoices come "
        "out of Winfinans: the last table says which Winfinans field each invoice field is "
        "read from (`SalesOrderLoad`, `SalesOrderLoadItems`, `AddressLookup`, "
        "`CompanyLoad`, `CompanySellerLookup`).",
        "",
    ]
    current = None
    for document, path, d96a, d01b, ubl, wf in rows():
        if document != current:
            current = document
            if document == "Invoice from Winfinans":
                lines += ["", f"## {document}", "", "| model field | Winfinans |", "|---|---|"]
            else:
                lines += ["", f"## {document}", "",
                          "| model field | EANCOM D.96A | EANCOM D.01B | OIOUBL 2.1 |"
                          + (" Winfinans |" if document == "Order" else ""),
                          "|---|---|---|---|" + ("---|" if document == "Order" else "")]
        if document == "Invoice from Winfinans":
            lines.append(f"| `{path}` | {wf} |")
        elif document == "Order":
            lines.append(f"| `{path}` | {d96a} | {d01b} | {ubl} | {wf} |")
        else:
            lines.append(f"| `{path}` | {d96a} | {d01b} | {ubl} |")
    return "\n".join(lines).replace("\n\n\n", "\n\n") + "\n"
