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


def rows() -> list[tuple[str, str, str, str, str]]:
    """(document, model field, EANCOM D.96A, EANCOM D.01B, OIOUBL 2.1) for every field."""
    order, invoice, computed = _samples()
    out = []
    for name, document in (("Order", order), ("Invoice", invoice)):
        d96a, d01b, ubl = _eancom(document, "d96a"), _eancom(document, "d01b"), \
            _oioubl(document)
        seen: set[str] = set()
        values = list(_values(document, ""))
        if isinstance(document, Invoice):
            values = [(p, v) for p, v in values if p.split(".")[0] not in computed
                      and not p.startswith("tax_subtotals")] + list(computed.items())
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

            out.append((name, path, where(d96a), where(d01b), where(ubl)))
    return out


def markdown() -> str:
    """The mapping table as Markdown (docs/mapping.md)."""
    lines = [
        "# Field mapping",
        "",
        "Where each field of edimap's model goes in EANCOM and OIOUBL, derived from the "
        "writers by `edimap mapping` (a sample document with a distinct value in every field "
        "is written in each format and each value is looked for). A test keeps this file "
        "current. EANCOM positions are `TAG+qualifier element.component (segment group)`; "
        "the readers read the same places. `—`: the format does not carry the field. The "
        "invoice totals are computed by the writers; the sample has one line, so a total "
        "equal to other amounts is found in each of their places.",
        "",
    ]
    current = None
    for document, path, d96a, d01b, ubl in rows():
        if document != current:
            current = document
            lines += ["", f"## {document}", "",
                      "| model field | EANCOM D.96A | EANCOM D.01B | OIOUBL 2.1 |",
                      "|---|---|---|---|"]
        lines.append(f"| `{path}` | {d96a} | {d01b} | {ubl} |")
    return "\n".join(lines).replace("\n\n\n", "\n\n") + "\n"
