"""Data for the test double: a demo company, and the customers and items that real messages
refer to (``edimap sandbox --seed-demo --seed-from INPUT...``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from edimap import _api
from edimap.model import Invoice, Order, Party
from edimap.winfinans.sandbox import Sandbox

__all__ = ["B2B_BACKBONE", "DEMO_CUSTOMERS", "seed_demo", "seed_from"]

B2B_BACKBONE = "B2B Backbone"
B2B_LIST = 1
# GLNs with valid check digits; the chain and store match fixtures/orders-d96a.edi.
DEMO_COMPANY = {"CompanyName": "Grøn Grossist ApS", "ean": "5798000000001",
                "CompanyNo": "13585628", "Street": "Industrivej", "HouseNumber": "12",
                "CityName": "Odense", "PostalZone": "5000", "Country": "DK",
                "Email": "ordre@example.dk", "endpointtype": "GLN"}
DEMO_CUSTOMERS = [
    {"CompanyName": "Købmand Hansen A/S", "ean": "5790000274017", "VATNumber": "DK12345674",
     "Address1": "Torvet", "HouseNumber": "1", "City": "Vejle", "PostalCode": "7100",
     "CountryID": "DK", "CountryISO3166_2": "DK", "TermsOfPaymentDeb": "14 dage",
     "Language": "DAN", "Currency": "DKK"},
    {"CompanyName": "Købmand Hansen, lager", "ean": "5790000100019",
     "Address1": "Lagervej", "HouseNumber": "8", "City": "Vejle", "PostalCode": "7100",
     "CountryID": "DK", "CountryISO3166_2": "DK"},
]
DEMO_ITEMS = [
    {"ItemID": "RUG500", "EAN": "5701234567899", "ItemDesc": "Rugbrød 500 g", "unit": "stk",
     "SalesPrice": Decimal("12.50")},
    {"ItemID": "MOST1L", "EAN": "5790000100026", "ItemDesc": "Æblemost 1 l", "unit": "stk",
     "SalesPrice": Decimal("18.75")},
]


def _line(item: dict[str, Any], qty: str, **extra: Any) -> dict[str, Any]:
    return {"ItemID": item["ItemID"], "EAN": item["EAN"], "ItemDesc": item["ItemDesc"],
            "Unit": item["unit"], "Qty": Decimal(qty), "SalesPrice": item["SalesPrice"],
            "vat_perc": Decimal(25), **extra}


def seed_demo(sandbox: Sandbox, db_guid: str, api_guid: str) -> dict[str, int]:
    """A company with its sales location (B2B Backbone as invoice intermediary), the demo
    customers and items, and four closed documents in the B2B Backbone queue: two invoices,
    one with a header discount ("Bundrabat") and one with a line discount, a credit note,
    and an invoice with 12.5 kg of loose goods. A company with these GUIDs is reused.
    Returns the ids made."""
    comp_id = sandbox.company_id(db_guid, api_guid) or sandbox.add_company(
        db_guid, api_guid, DEMO_COMPANY)
    seller_id = sandbox.add_seller(comp_id, {
        "Description": "EDI", "SellerName": "Grøn Grossist ApS, EDI", "SellerNo": "1",
        "SellerEAN": "5798000000001", "PaymentType": "bb", "RegistrationNo": "1234",
        "AccountNo": "0012345678", "CompanyNo": "13585628"}, intermediary=B2B_BACKBONE)
    address_ids = [sandbox.add_address(comp_id, {**c, "SellerID": seller_id})
                   for c in DEMO_CUSTOMERS]
    chain, store = address_ids
    for item in DEMO_ITEMS:
        sandbox.add_item(comp_id, item)
    rye, juice = DEMO_ITEMS
    day = dt.datetime(2026, 11, 30)
    header = {"BillTo": chain, "ShipTo": store, "Buyer": chain, "Currency": "DKK",
              "InvoiceDate": day, "OrderDate": day - dt.timedelta(days=2),
              "ShipDate": day - dt.timedelta(days=1), "PayDate": day + dt.timedelta(days=30),
              "TermsOfPayment": "30 dage", "seller": seller_id,
              "InvoiceCreditnote": "invoice"}
    sale_ids = [
        sandbox.add_invoice(comp_id, {**header, "requisition": "4500012345"},
                            [_line(rye, "24"), _line(juice, "12")], queue_list=B2B_LIST),
        sandbox.add_invoice(comp_id, {**header, "requisition": "4500012350",
                                      "TotalInvDiscount": Decimal("10.00")},
                            [_line(rye, "10", DiscountProc=Decimal(5)), _line(juice, "4")],
                            queue_list=B2B_LIST),
        sandbox.add_invoice(comp_id, {**header, "requisition": "4500012345",
                                      "InvoiceCreditnote": "CreditNote"},
                            [_line(juice, "2")], queue_list=B2B_LIST),
        sandbox.add_invoice(comp_id, {**header, "requisition": "4500012351"},
                            [{"ItemID": "LOSE", "ItemDesc": "Løse æbler", "Unit": "kg",
                              "Qty": Decimal("12.5"), "SalesPrice": Decimal("9.95"),
                              "vat_perc": Decimal(25)}], queue_list=B2B_LIST),
    ]
    return {"company": comp_id, "seller": seller_id, "chain": chain, "store": store,
            "invoices": len(sale_ids)}


def _party_record(party: Party) -> dict[str, Any]:
    record: dict[str, Any] = {"CompanyName": party.name or f"GLN {party.gln}",
                              "ean": party.gln}
    if party.cvr:
        record["VATNumber"] = "DK" + party.cvr
    if party.address is not None:
        a = party.address
        record.update({k: v for k, v in (
            ("Address1", a.street), ("HouseNumber", a.building_number), ("City", a.city),
            ("PostalCode", a.postal_code), ("CountryISO3166_2", a.country),
            ("CountryID", a.country)) if v})
    return record


def seed_from(sandbox: Sandbox, comp_id: int, inputs: Sequence[str | Path]) -> dict[str, int]:
    """Customers (by GLN) and items (by GTIN, else by the seller's item number) for every
    order and invoice in ``inputs``
    that the sandbox does not have yet, so a partner's real file can be pushed end to end.
    Returns how many of each were made. The inputs are read under ``tolerant``: a
    document pushed under a partner's profile finds its customers and items too."""
    known_glns = sandbox.glns(comp_id)
    known_items = sandbox.gtins(comp_id) | sandbox.item_ids(comp_id)
    made = {"customers": 0, "items": 0}
    for source in inputs:
        result = _api.read(Path(source), profile="tolerant")
        for document in result.documents:
            if not isinstance(document, Order | Invoice):
                continue
            for role in ("buyer", "invoicee", "delivery"):
                party = getattr(document, role)
                if party is not None and party.gln and party.gln not in known_glns:
                    sandbox.add_address(comp_id, _party_record(party))
                    known_glns.add(party.gln)
                    made["customers"] += 1
            for line in document.lines:
                key = line.gtin or line.seller_item_id
                if not key or key in known_items:
                    continue
                item_id = (line.seller_item_id or f"EAN{line.gtin}")[:20]
                sandbox.add_item(comp_id, {
                    "ItemID": item_id, "EAN": line.gtin,
                    "ItemDesc": line.description or f"item {key}",
                    "unit": "stk", "SalesPrice": line.price or Decimal("10.00")})
                known_items.add(key)
                made["items"] += 1
    return made
