"""UBL → the model: Invoice, CreditNote, Order and OrderResponseSimple in OIOUBL 2.01, 2.02
and 2.1, and the Peppol BIS 3 documents that share UBL 2.1.

Every element that carries data and that the model has no field for is listed in one info
finding (``UBL-NOT-CARRIED``) with its path, so nothing is lost in silence. OIOUBL's
``TaxExclusiveAmount`` means the total VAT (not the net amount as in Peppol); the reader
knows which one it reads from ``CustomizationID``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

import attrs
from lxml import etree

from edimap import content
from edimap._codes import IMPLIED_PAYMENT_CHANNEL, ascii_digits
from edimap.findings import Finding, Location, Severity, ValidationError, register
from edimap.ids import cvr as _cvr
from edimap.ids import gln as _gln
from edimap.ids import gtin as _gtin
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
    TaxSubtotal,
)
from edimap.totals import plain
from edimap.ubl.schemes import OIOUBL_TO_CATEGORY, customization
from edimap.ubl.xml import parse

__all__ = ["CAC", "CBC", "read_document"]

CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
NS = {"cac": CAC, "cbc": CBC}


UNSUPPORTED = register(
    "UBL-DOCUMENT-UNSUPPORTED", Severity.ERROR,
    "The UBL document type has no mapping to edimap's model (edimap maps Invoice, "
    "CreditNote, Order and OrderResponseSimple).", "Check the document type.",
    "<ApplicationResponse …>")
NOT_CARRIED = register(
    "UBL-NOT-CARRIED", Severity.INFO,
    "Elements with data that the model has no field for; listed so nothing is dropped in "
    "silence.", "Nothing, unless your process needs them.", "<cbc:AccountingCost>…")
BAD_VALUE = register(
    "UBL-VALUE", Severity.ERROR,
    "A value is not what its element needs: a number, a date, a GLN or GTIN with a valid "
    "check digit.", "Correct the value at the given path.",
    "<cbc:IssueDate>2026-13-01</cbc:IssueDate>")
IDENTIFIER = register(
    "UBL-IDENTIFIER", Severity.WARNING,
    "An identifier declared as a GLN, GTIN or CVR fails its check digit (the OIOUBL rules "
    "do not check them, and official examples carry such numbers); it was kept as given.",
    "Check the number with the sender.", '<cbc:ID schemeID="GTIN">5712345780111</cbc:ID>')
ENDPOINT = register(
    "UBL-ENDPOINT", Severity.ERROR,
    "The cbc:EndpointID of the seller, the buyer or the accounting customer, declared as a "
    "GLN, fails its check digit; it is kept as sent (NemHandel delivers by these "
    "endpoints, so a wrong one usually means a lost document; another party's, such as "
    "the delivery party's, is a UBL-IDENTIFIER warning).",
    "Correct the endpoint, or accept it as sent with a profile (official examples carry "
    "such numbers).", '<cbc:EndpointID schemeID="GLN">5790000000000</cbc:EndpointID>')
CODE = register(
    "UBL-CODE", Severity.ERROR,
    "A code value does not have the shape of its code list: a currency that is not ISO "
    "4217, a country that is not ISO 3166-1 alpha-2, a unit that is not UN/ECE Rec 20; "
    "the value is kept as sent.", "Correct the value, or accept it as sent with a profile.",
    "<cbc:IdentificationCode>DNK</cbc:IdentificationCode>")
DUTY_AS_CHARGE = register(
    "UBL-DUTY-AS-CHARGE", Severity.INFO,
    "A cac:TaxTotal of a duty other than VAT (the Danish registration tax, TaxScheme 0) "
    "that states its VAT treatment (TaxTypeCode ZeroRated, or StandardRated at the one "
    "standard rate of the document's VAT subtotals) is read as a document-level charge, "
    "the way EN 16931 carries excise duty: its amount counts in the payable and in the "
    "VAT base of that treatment, as the document's totals count it. The "
    "duty's own basis (taxable amount, per-unit amount) is listed as not carried.",
    "Nothing; writers write it as a charge (EANCOM ALC+C, cac:AllowanceCharge).",
    "<cac:TaxTotal><cbc:TaxAmount>78169.00</cbc:TaxAmount>… Registreringsafgift …")
PRICE_PER_UNIT = register(
    "UBL-PRICE-PER-UNIT", Severity.INFO,
    "A line priced in another unit than its quantity (cac:Price with BaseQuantity in "
    "bottles, the quantity in cases, and OrderableUnitFactorRate) is read with the price "
    "per the quantity's unit, PriceAmount × OrderableUnitFactorRate, as the OIOUBL rules "
    "compute the line amount (F-INV343); the message states the price as sent.",
    "Nothing; writers write the price per the line's unit.",
    '<cbc:BaseQuantity unitCode="BO">1</cbc:BaseQuantity>'
    "<cbc:OrderableUnitFactorRate>12</cbc:OrderableUnitFactorRate>")
MISSING = register(
    "UBL-MISSING", Severity.ERROR,
    "Something the model needs is not in the document (ID, IssueDate, a line quantity).",
    "Add it.", "<Invoice> without <cbc:ID>")
MODEL = register(
    "UBL-MODEL", Severity.ERROR,
    "A value read from the document breaks an invariant of the model.",
    "Correct the value.", "<cbc:DocumentCurrencyCode>DKX</cbc:DocumentCurrencyCode>")


class _Reader:
    def __init__(self, root: etree._Element, source: str | None) -> None:
        self.root = root
        self.source = source
        self.tree = root.getroottree()
        self.used: set[etree._Element] = set()
        self.findings: list[Finding] = []
        # The document's own and order numbers: writers use them as a contact reference.
        self.references = {self.root.findtext(p, namespaces=NS) for p in
                           ("cbc:ID", "cac:OrderReference/cbc:ID")} - {None}
        customization = self.root.findtext("cbc:CustomizationID", namespaces=NS) or ""
        self.oioubl = "OIOUBL" in customization.upper() or not customization
        # (CustomizationID, ProfileID, UBLVersionID are the document's format, which a
        # writer states anew: they are listed as not carried.)

    # -- helpers

    @property
    def peppol(self) -> bool:
        """Whether the document follows Peppol BIS 3 (EN 16931), not OIOUBL."""
        found = self.root.findtext("cbc:CustomizationID", namespaces=NS) or ""
        return customization(found) == "peppol"

    def loc(self, element: etree._Element | None) -> Location:
        if element is None:
            return Location(source=self.source)
        return Location(source=self.source, xpath=self.tree.getpath(element),
                        line=element.sourceline)

    def mark(self, element: etree._Element | None) -> etree._Element | None:
        if element is not None:
            self.used.add(element)
        return element

    def find(self, parent: etree._Element | None, path: str) -> etree._Element | None:
        if parent is None:
            return None
        return self.mark(parent.find(path, NS))

    def findall(self, parent: etree._Element | None, path: str) -> list[etree._Element]:
        if parent is None:
            return []
        found = parent.findall(path, NS)
        for element in found:
            self.mark(element)
        return found

    def text(self, parent: etree._Element | None, path: str) -> str | None:
        element = self.find(parent, path)
        if element is None or element.text is None or not element.text.strip():
            return None
        return element.text.strip()

    def decimal(self, parent: etree._Element | None, path: str) -> Decimal | None:
        element = self.find(parent, path)
        if element is None or not (element.text or "").strip():
            return None
        try:
            value = Decimal((element.text or "").strip())
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite():
            self.findings.append(BAD_VALUE(f"{element.text!r} is not a number",
                                           self.loc(element)))
            return None
        return value

    def date(self, parent: etree._Element | None, path: str) -> dt.date | None:
        element = self.find(parent, path)
        if element is None or not (element.text or "").strip():
            return None
        try:
            return dt.date.fromisoformat((element.text or "").strip()[:10])
        except ValueError:
            self.findings.append(BAD_VALUE(f"{element.text!r} is not a date (YYYY-MM-DD)",
                                           self.loc(element)))
            return None

    def build(self, cls: Any, fields: dict[str, Any], element: etree._Element | None) -> Any:
        """``cls(**fields)``, whatever the findings so far (a profile may accept them), or
        None with the broken invariants, unless an error of a document already explains
        them."""
        explained = cls in (Invoice, Order) and any(f.severity is Severity.ERROR
                                                    for f in self.findings)
        try:
            return cls(**fields)
        except ValidationError as exc:
            if not explained:
                for err in exc.errors:
                    self.findings.append(MODEL(str(err), self.loc(element)))
            return None
        except TypeError:  # a required field missing: UBL-MISSING says where
            if not any(f.severity is Severity.ERROR for f in self.findings):
                self.findings.append(MODEL(f"{cls.__name__}: a required field is missing",
                                           self.loc(element)))
            return None

    def not_carried(self) -> None:
        paths: dict[str, int] = {}
        for element in self.root.iter():
            if not isinstance(element.tag, str) or element in self.used:
                continue
            if len(element) == 0 and (element.text or "").strip():
                generic = "/".join(etree.QName(e).localname for e in reversed(list(
                    element.iterancestors())) if e is not self.root)
                name = f"{generic}/{etree.QName(element).localname}".lstrip("/")
                paths[name] = paths.get(name, 0) + 1
        if paths:
            # Every path (they are bounded by the schema), so nothing goes unlisted.
            shown = "; ".join(f"{p}" + (f" ×{n}" if n > 1 else "") for p, n in
                              sorted(paths.items()))
            self.findings.append(NOT_CARRIED(f"not carried by the model: {shown}",
                                             Location(source=self.source)))

    # -- parts

    def party(self, element: etree._Element | None, role: str) -> Party | None:
        """cac:Party: identifiers, name, address, tax scheme, legal entity, contact."""
        if element is None:
            return None
        fields: dict[str, Any] = {"ids": []}
        self._endpoint(element, role, fields)
        self._identifications(element, role, fields)
        fields["name"] = self.text(element, "cac:PartyName/cbc:Name")
        address = self.address(self.find(element, "cac:PostalAddress"))
        if address is not None:
            fields["address"] = address
        for tax in self.findall(element, "cac:PartyTaxScheme"):
            tax_id = self.text(tax, "cbc:CompanyID")
            self.find(tax, "cac:TaxScheme")
            for part in ("cac:TaxScheme/cbc:ID", "cac:TaxScheme/cbc:Name",
                         "cac:TaxScheme/cbc:TaxTypeCode"):
                self.find(tax, part)
            if tax_id and "vat_id" not in fields:
                fields["vat_id"] = tax_id
        self._legal_entity(element, role, fields)
        contact = self.find(element, "cac:Contact")
        if contact is not None:
            data = {"id": self.text(contact, "cbc:ID"), "name": self.text(contact, "cbc:Name"),
                    "phone": self.text(contact, "cbc:Telephone"),
                    "email": self.text(contact, "cbc:ElectronicMail")}
            if data["id"] is not None and data["id"] in self.references:
                data["id"] = None  # the order number standing in as the contact reference
            if data["id"] is not None and data["id"] == data["name"]:
                data["id"] = None
            if any(data.values()):
                fields["contact"] = self.build(Contact, data, contact)
        result: Party | None = self.build(Party, fields, element)
        return result

    def _endpoint(self, element: etree._Element, role: str, fields: dict[str, Any]) -> None:
        """cbc:EndpointID: a GLN or CVR endpoint is the party's GLN or CVR; only other
        endpoints are kept as endpoint fields (writers derive the endpoint from those)."""
        endpoint = self.find(element, "cbc:EndpointID")
        if endpoint is None or not (endpoint.text or "").strip():
            return
        value = (endpoint.text or "").strip()
        scheme = endpoint.get("schemeID") or ""
        if scheme:
            fields["endpoint_id"], fields["endpoint_scheme"] = value, scheme
        else:
            fields["ids"].append(PartyId(value=value, scheme=None))
        if scheme in ("GLN", "0088"):
            try:
                _gln.validate(value)
            except ValueError as exc:
                # Kept as sent. NemHandel routes by the OIOUBL GLN endpoint of the seller
                # and the buyer, so a wrong one there is an error unless a profile accepts
                # it; another party's (the delivery's) routes nothing.
                if scheme != "GLN" or role not in ("seller", "buyer", "invoicee"):
                    self.findings.append(IDENTIFIER(f"{role}: EndpointID {exc}",
                                                    self.loc(endpoint)))
                    return
                self.findings.append(ENDPOINT(f"{role}: EndpointID {exc}", self.loc(endpoint)))
            fields["gln"] = value
            fields.pop("endpoint_id"), fields.pop("endpoint_scheme")
        elif scheme in ("DK:CVR", "0184") and self.cvr(value, endpoint, role):
            fields["cvr"] = self.cvr(value, endpoint, role, warn=False)
            fields.pop("endpoint_id"), fields.pop("endpoint_scheme")

    def _identifications(self, element: etree._Element, role: str,
                         fields: dict[str, Any]) -> None:
        """cac:PartyIdentification/cbc:ID: the GLN and CVR, other identifiers as ids."""
        for ident in self.findall(element, "cac:PartyIdentification/cbc:ID"):
            value = (ident.text or "").strip()
            scheme = ident.get("schemeID") or ""
            if not value:
                continue
            if scheme in ("GLN", "0088"):
                gln = self.gln(value, ident, role)
                if gln and fields.get("gln") in (None, gln):
                    fields["gln"] = gln
                    continue
            if scheme in ("DK:CVR", "0184"):
                number = self.cvr(value, ident, role, warn=fields.get("cvr") is None)
                if number and fields.get("cvr") in (None, number):
                    fields["cvr"] = number
                    continue
            fields["ids"].append(PartyId(value=value, scheme=scheme or None))

    def _legal_entity(self, element: etree._Element, role: str,
                      fields: dict[str, Any]) -> None:
        """cac:PartyLegalEntity: the CVR number (CompanyID) and the registration name."""
        legal = self.find(element, "cac:PartyLegalEntity")
        if legal is None:
            return
        company = self.find(legal, "cbc:CompanyID")
        if company is not None and (company.text or "").strip():
            value = (company.text or "").strip()
            number = self.cvr(value, company, role, warn=fields.get("cvr") is None) \
                if company.get("schemeID") in ("DK:CVR", None, "") else None
            if number and fields.get("cvr") in (None, number):
                fields["cvr"] = number
            elif company.get("schemeID") == "ZZZ" and value in (
                    fields.get("gln"), fields.get("endpoint_id")):
                pass  # the party's own GLN or endpoint standing in for a CVR number
            else:
                fields["ids"].append(PartyId(value=value,
                                             scheme=company.get("schemeID") or None))
        registration = self.text(legal, "cbc:RegistrationName")
        if registration and not fields.get("name"):
            fields["name"] = registration
        elif registration and registration != fields.get("name"):
            self.used.discard(legal.find("cbc:RegistrationName", NS))

    def gln(self, value: str, element: etree._Element, role: str) -> str:
        """A GLN as sent (a wrong one with a warning)."""
        try:
            _gln.validate(value)
        except ValueError as exc:
            self.findings.append(IDENTIFIER(f"{role}: {exc}; kept as sent", self.loc(element)))
        return value

    def cvr(self, value: str, element: etree._Element, role: str,
            warn: bool = True) -> str | None:
        """The 8 CVR digits of a CVR-shaped value (warning when modulus 11 fails)."""
        try:
            number = _cvr.validate_format(value)
        except ValueError:
            return None
        if warn and not _cvr.is_valid(number):
            self.findings.append(IDENTIFIER(
                f"{role}: CVR {number} fails the modulus-11 check; kept as given",
                self.loc(element)))
        return number

    def address(self, element: etree._Element | None) -> Address | None:
        if element is None:
            return None
        self.find(element, "cbc:AddressFormatCode")
        data = {
            "street": self.text(element, "cbc:StreetName"),
            "additional_street": self.text(element, "cbc:AdditionalStreetName"),
            "building_number": self.text(element, "cbc:BuildingNumber"),
            "city": self.text(element, "cbc:CityName"),
            "postal_code": self.text(element, "cbc:PostalZone"),
            "region": self.text(element, "cbc:CountrySubentity"),
            "country": self.text(element, "cac:Country/cbc:IdentificationCode"),
        }
        self.find(element, "cac:Country")
        if not any(data.values()):
            return None
        result: Address | None = self.build(Address, data, element)
        return result

    def is_vat(self, category: etree._Element | None) -> bool:
        """True for VAT (OIOUBL tax scheme 63 "Moms", or VAT); other duties are not carried."""
        if category is None:
            return False
        scheme = category.findtext("cac:TaxScheme/cbc:ID", namespaces=NS)
        return scheme is None or scheme.strip() in ("63", "VAT")

    def category(self, element: etree._Element | None) -> tuple[TaxCategory, Decimal] | None:
        if element is None:
            return None
        code = self.text(element, "cbc:ID") or ""
        percent = self.decimal(element, "cbc:Percent")
        for part in ("cac:TaxScheme", "cac:TaxScheme/cbc:ID", "cac:TaxScheme/cbc:Name",
                     "cbc:Name"):
            self.find(element, part)
        category = OIOUBL_TO_CATEGORY.get(code) or (TaxCategory(code) if code in
                                                    TaxCategory._value2member_map_ else None)
        if category is None:
            self.findings.append(BAD_VALUE(f"tax category {code!r} is not an OIOUBL or UNCL "
                                           "5305 code", self.loc(element)))
            return None
        return category, percent if percent is not None else Decimal(0)

    def allowance(self, element: etree._Element) -> AllowanceCharge | None:
        indicator = (self.text(element, "cbc:ChargeIndicator") or "").lower()
        factor = self.decimal(element, "cbc:MultiplierFactorNumeric")
        sequence = self.decimal(element, "cbc:SequenceNumeric")
        category = self.category(self.find(element, "cac:TaxCategory"))
        fields = {
            "is_charge": indicator == "true",
            "amount": self.decimal(element, "cbc:Amount"),
            "reason_code": self.text(element, "cbc:AllowanceChargeReasonCode"),
            "reason": self.text(element, "cbc:AllowanceChargeReason"),
            # OIOUBL states a factor (0.05, F-LIB228: Amount = BaseAmount × factor);
            # Peppol BIS 3 a percentage (BT-94: 5 means 5 %).
            "percent": plain(factor * 100) if factor is not None and self.oioubl else factor,
            "base_amount": self.decimal(element, "cbc:BaseAmount"),
            "sequence": int(sequence) if sequence is not None else None,
            "tax_category": category[0] if category else None,
            "tax_percent": category[1] if category else None,
        }
        self.find(element, "cbc:ID")
        result: AllowanceCharge | None = self.build(AllowanceCharge, fields, element)
        return result

    def item(self, element: etree._Element | None, fields: dict[str, Any]) -> None:
        if element is None:
            return
        fields["description"] = self.text(element, "cbc:Name") or self.text(
            element, "cbc:Description")
        if element.find("cbc:Name", NS) is not None and (
                element.findtext("cbc:Description", namespaces=NS) or "").strip() == \
                fields["description"]:
            self.find(element, "cbc:Description")  # (the same text: carried as the name)
        for path, key in (("cac:SellersItemIdentification/cbc:ID", "seller_item_id"),
                          ("cac:BuyersItemIdentification/cbc:ID", "buyer_item_id"),
                          ("cac:StandardItemIdentification/cbc:ID", "gtin")):
            ident = self.find(element, path)
            if ident is None or not (ident.text or "").strip():
                continue
            value = (ident.text or "").strip()
            if key == "gtin" or ident.get("schemeID") in ("GTIN", "0160"):
                try:
                    _gtin.validate(value)
                except ValueError as exc:
                    self.findings.append(IDENTIFIER(f"{exc}; kept as sent", self.loc(ident)))
                gtin = value
                if fields.get("gtin") not in (None, gtin):
                    self.used.discard(ident)
                    continue
                fields["gtin"] = gtin
            else:
                fields[key] = value
        pack = self.decimal(element, "cbc:PackQuantity")
        if pack is not None:
            fields["units_per_package"] = pack
        classified = self.find(element, "cac:ClassifiedTaxCategory")
        if classified is not None:
            category = self.category(classified)
            if category:
                fields["_category"] = category

    def price(self, element: etree._Element | None, fields: dict[str, Any]) -> None:
        if element is None:
            return
        fields["price"] = self.decimal(element, "cbc:PriceAmount")
        change = self.find(element, "cac:AllowanceCharge")
        before = self.decimal(change, "cbc:BaseAmount")
        if before is not None:
            self.find(change, "cbc:ChargeIndicator")
            self.find(change, "cbc:Amount")
            if fields.get("allowance_charges") and not self.peppol:
                # PriceAmount is the price after the line's own allowances and charges
                # (OIOUBL's line rule); the model's price is the one before them. (In
                # Peppol BIS 3 the line's are added to quantity × price, and BaseAmount
                # is the gross price whatever the line has.)
                fields["price"] = before
            else:
                fields["gross_price"] = before
        basis = self.decimal(element, "cbc:BaseQuantity")
        if basis is not None and basis != 1:
            fields["price_basis"] = basis
        self.price_unit_factor(element, fields, change is not None)

    def price_unit_factor(self, element: etree._Element, fields: dict[str, Any],
                          price_changed: bool) -> None:
        """cbc:OrderableUnitFactorRate: a price for another unit than the quantity's (per
        bottle, the line in cases) is the price per the quantity's unit times the factor,
        as OIOUBL's rules compute the line (F-INV343, units differ; BaseQuantity does not
        count then). Read so, with the price as sent in a finding; where the units agree the
        rules ignore the factor, and so does the model (a factor not 1 listed as not
        carried), as with a price allowance."""
        factor = self.find(element, "cbc:OrderableUnitFactorRate")
        if factor is None or (factor.text or "").strip() in ("1", "1.0", "1.00", ""):
            return
        base = element.find("cbc:BaseQuantity", NS)
        base_unit = base.get("unitCode") if base is not None else None
        rate = self.decimal(element, "cbc:OrderableUnitFactorRate")
        price = fields.get("price")
        if (rate is None or price is None or price_changed or base_unit is None
                or base_unit == fields.get("unit")):
            self.used.discard(factor)
            return
        fields["price"] = price * rate
        fields.pop("price_basis", None)
        self.findings.append(PRICE_PER_UNIT(
            f"price {price} per {(base.text or '1').strip() if base is not None else 1} "
            f"{base_unit} × OrderableUnitFactorRate {rate} = {price * rate} per "
            f"{fields.get('unit')}, the line's unit: read as the line's price (F-INV343)",
            self.loc(factor)))


def read_document(data: bytes, source: str | None = None
                  ) -> tuple[Document | None, str | None, list[Finding]]:
    """Parse and map one UBL document: the document, its ID, and the findings."""
    root, findings = parse(data, source)
    if root is None:
        return None, None, findings
    name = etree.QName(root).localname
    reader = _Reader(root, source)
    doc_id = reader.text(root, "cbc:ID")
    mappers: dict[str, Callable[[_Reader, etree._Element], Document | None]] = {
        "Invoice": lambda r, e: _invoice(r, e, credit=False),
        "CreditNote": lambda r, e: _invoice(r, e, credit=True),
        "Order": _order, "OrderResponseSimple": _order_response}
    if name not in mappers:
        return None, doc_id, [*findings, UNSUPPORTED(
            f"{name} cannot be mapped to an edimap document by this edimap version",
            reader.loc(root))]
    try:
        document = mappers[name](reader, root)
    except ValidationError as exc:
        # A part built outside reader.build: still a finding, never an exception.
        document = None
        reader.findings.extend(MODEL(str(err), reader.loc(root)) for err in exc.errors)
    reader.not_carried()
    if document is not None:
        for problem in content.problems(document):
            if problem.kind in ("country", "currency", "unit"):
                reader.findings.append(CODE(problem.message,
                                            reader.loc(root).evolve(field=problem.path)))
    return document, doc_id, findings + reader.findings


def _header(r: _Reader, root: etree._Element) -> dict[str, Any]:
    currency = r.text(root, "cbc:DocumentCurrencyCode")
    if currency is None:
        currency = "DKK"
        r.findings.append(content.defaulted("currency", currency, "edimap's default (the "
                                            "document has no cbc:DocumentCurrencyCode)",
                                            r.loc(root)))
    fields: dict[str, Any] = {
        "id": r.text(root, "cbc:ID"),
        "issue_date": r.date(root, "cbc:IssueDate"),
        "currency": currency,
        "notes": [n.text.strip() for n in r.findall(root, "cbc:Note")
                  if n.text and n.text.strip()],
    }
    if root.find("cbc:ID", NS) is None:
        r.findings.append(MISSING("the document has no cbc:ID", r.loc(root)))
    if root.find("cbc:IssueDate", NS) is None:
        r.findings.append(MISSING("the document has no cbc:IssueDate", r.loc(root)))
    return fields


def _invoice(r: _Reader, root: etree._Element, credit: bool) -> Invoice | None:
    """An Invoice or CreditNote, in schema order."""
    fields = _header(r, root)
    fields["kind"] = DocumentKind.CREDIT_NOTE if credit else DocumentKind.INVOICE
    code = r.text(root, "cbc:CreditNoteTypeCode" if credit else "cbc:InvoiceTypeCode")
    fields["type_code"] = code if code not in (None, "380", "381") else None
    fields["tax_point_date"] = r.date(root, "cbc:TaxPointDate")
    _invoice_references(r, root, fields)
    _invoice_parties(r, root, fields)
    fields["payment_means"] = [m for m in (_means(r, e) for e in
                                           r.findall(root, "cac:PaymentMeans")) if m]
    fields["payment_terms"] = _terms(r, r.find(root, "cac:PaymentTerms"))
    fields["allowance_charges"] = [a for a in (r.allowance(e) for e in
                                               r.findall(root, "cac:AllowanceCharge")) if a]
    duties = _invoice_taxes(r, root, fields)
    _invoice_totals(r, root, fields, duties)
    line_tag = "cac:CreditNoteLine" if credit else "cac:InvoiceLine"
    quantity_tag = "cbc:CreditedQuantity" if credit else "cbc:InvoicedQuantity"
    lines = (_invoice_line(r, element, quantity_tag) for element in r.findall(root, line_tag))
    fields["lines"] = [line for line in lines if line is not None]
    result: Invoice | None = r.build(Invoice, fields, root)
    return result


def _invoice_references(r: _Reader, root: etree._Element, fields: dict[str, Any]) -> None:
    """cac:InvoicePeriod, OrderReference, BillingReference, DespatchDocumentReference,
    ContractDocumentReference, AdditionalDocumentReference."""
    period = r.find(root, "cac:InvoicePeriod")
    fields["period_start"] = r.date(period, "cbc:StartDate")
    fields["period_end"] = r.date(period, "cbc:EndDate")
    fields["order_id"] = r.text(root, "cac:OrderReference/cbc:ID")
    fields["seller_order_id"] = r.text(root, "cac:OrderReference/cbc:SalesOrderID")
    r.find(root, "cac:OrderReference")
    fields["corrected_invoice_id"] = r.text(
        root, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID")
    r.findall(root, "cac:BillingReference")
    r.findall(root, "cac:BillingReference/cac:InvoiceDocumentReference")
    fields["delivery_note_id"] = r.text(root, "cac:DespatchDocumentReference/cbc:ID")
    r.find(root, "cac:DespatchDocumentReference")
    fields["contract_id"] = r.text(root, "cac:ContractDocumentReference/cbc:ID")
    r.find(root, "cac:ContractDocumentReference")
    fields["references"] = _references(r, root)


def _invoice_parties(r: _Reader, root: etree._Element, fields: dict[str, Any]) -> None:
    """cac:AccountingSupplierParty, AccountingCustomerParty (the invoicee when a
    BuyerCustomerParty is there too), their SupplierAssignedAccountID, and Delivery."""
    fields["seller"] = r.party(r.find(root, "cac:AccountingSupplierParty/cac:Party"), "seller")
    r.find(root, "cac:AccountingSupplierParty")
    accounting = r.find(root, "cac:AccountingCustomerParty")
    buyer = r.find(root, "cac:BuyerCustomerParty")
    if buyer is not None:  # a separate buyer: the accounting customer is the invoicee
        fields["buyer"] = r.party(r.find(buyer, "cac:Party"), "buyer")
        fields["invoicee"] = r.party(r.find(accounting, "cac:Party"), "invoicee")
    else:
        fields["buyer"] = r.party(r.find(accounting, "cac:Party"), "buyer")
    for customer, key in ((accounting, "invoicee" if buyer is not None else "buyer"),
                          (buyer, "buyer")):
        account = r.text(customer, "cbc:SupplierAssignedAccountID")
        if account and fields.get(key) is not None:
            fields[key] = Party(**{**{f: getattr(fields[key], f) for f in
                                      ("gln", "cvr", "vat_id", "name", "address",
                                       "endpoint_id", "endpoint_scheme", "ids", "contact")},
                                   "account": account})
    delivery = r.find(root, "cac:Delivery")
    fields["delivery_date"] = r.date(delivery, "cbc:ActualDeliveryDate")
    fields["delivery"] = _delivery_party(r, delivery)


def _invoice_taxes(r: _Reader, root: etree._Element, fields: dict[str, Any]) -> Decimal:
    """cac:TaxTotal: the VAT subtotals and the TaxAmount of the first total that is VAT; a
    total of duties alone (the Danish registration tax) read as charges where it can be
    (``_duty_charges``). Returns the amount of the duties read as charges."""
    subtotals: list[TaxSubtotal] = []
    duties: list[tuple[etree._Element, list[etree._Element]]] = []
    tax_total = None
    for total in r.findall(root, "cac:TaxTotal"):
        parts = total.findall("cac:TaxSubtotal", NS)
        if parts and not any(r.is_vat(sub.find("cac:TaxCategory", NS)) for sub in parts):
            duties.append((total, parts))  # read once the VAT rates are known
            continue
        amount = r.decimal(total, "cbc:TaxAmount")
        for sub in parts:
            if not r.is_vat(sub.find("cac:TaxCategory", NS)):
                continue  # an excise duty: reported as not carried
            r.mark(sub)
            category = r.category(r.find(sub, "cac:TaxCategory"))
            taxable = r.decimal(sub, "cbc:TaxableAmount")
            tax = r.decimal(sub, "cbc:TaxAmount")
            r.find(sub, "cbc:Percent")
            if category and taxable is not None and tax is not None:
                subtotal = r.build(TaxSubtotal, {
                    "taxable_amount": taxable, "tax_amount": tax, "category": category[0],
                    "percent": category[1]}, sub)
                if subtotal is not None:
                    subtotals.append(subtotal)
        if tax_total is None:
            tax_total = amount
    fields["tax_subtotals"] = subtotals
    fields["tax_total"] = tax_total
    return sum((_duty_charges(r, total, parts, fields, subtotals) for total, parts in duties),
               Decimal(0))


def _duty_charges(r: _Reader, total: etree._Element, parts: list[etree._Element],
                  fields: dict[str, Any], vat: list[TaxSubtotal]) -> Decimal:
    """A TaxTotal of duties alone: each duty whose VAT treatment (TaxTypeCode) and rate the
    document gives becomes a document-level charge (``UBL-DUTY-AS-CHARGE``): zero rated,
    or at the one rate of its category among the VAT subtotals (``vat``). Any other is
    listed as not carried with the total."""
    charges = [c for c in (_duty_charge(r, sub, vat) for sub in parts) if c is not None]
    if len(charges) == len(parts):
        r.find(total, "cbc:TaxAmount")  # the sum of the charges
    fields["allowance_charges"] = [*fields.get("allowance_charges", ()), *charges]
    return sum((c.amount or Decimal(0) for c in charges), Decimal(0))


def _duty_charge(r: _Reader, sub: etree._Element, vat: list[TaxSubtotal]
                 ) -> AllowanceCharge | None:
    category = sub.find("cac:TaxCategory", NS)
    treatment = category.findtext("cac:TaxScheme/cbc:TaxTypeCode", namespaces=NS) \
        if category is not None else None
    vat_category = OIOUBL_TO_CATEGORY.get((treatment or "").strip())
    rates = {s.percent for s in vat if s.category is vat_category}
    if vat_category is TaxCategory.ZERO:
        rate = Decimal(0)
    elif vat_category is not None and len(rates) == 1:
        (rate,) = rates
    else:
        return None
    r.mark(sub)
    # (The duty's category and scheme ids, Excise and 0, are listed as not carried.)
    for part in ("cac:TaxCategory", "cac:TaxCategory/cac:TaxScheme",
                 "cac:TaxCategory/cac:TaxScheme/cbc:TaxTypeCode"):
        r.find(sub, part)
    name = r.text(sub, "cac:TaxCategory/cac:TaxScheme/cbc:Name")
    charge: AllowanceCharge | None = r.build(AllowanceCharge, {
        "is_charge": True, "amount": r.decimal(sub, "cbc:TaxAmount"),
        "reason": name or "duty", "tax_category": vat_category, "tax_percent": rate}, sub)
    if charge is not None:
        r.findings.append(DUTY_AS_CHARGE(
            f"the duty {name or ''} of {charge.amount} is read as a document-level charge, "
            f"{treatment} ({plain(rate)} % VAT)", r.loc(sub)))
    return charge


def _invoice_totals(r: _Reader, root: etree._Element, fields: dict[str, Any],
                    duties: Decimal = Decimal(0)) -> None:
    """cac:LegalMonetaryTotal (TaxExclusive and TaxInclusive are computed, never kept)."""
    monetary = r.find(root, "cac:LegalMonetaryTotal")
    fields["line_total"] = r.decimal(monetary, "cbc:LineExtensionAmount")
    # (TaxExclusiveAmount and TaxInclusiveAmount are listed as not carried: writers
    # compute them from the lines, and refuse a document whose stated totals disagree.)
    fields["allowance_total"] = r.decimal(monetary, "cbc:AllowanceTotalAmount")
    fields["charge_total"] = r.decimal(monetary, "cbc:ChargeTotalAmount")
    # A stated ChargeTotalAmount leaves out the duties read as charges: they count in it.
    if duties and fields["charge_total"] is not None:
        fields["charge_total"] += duties
    fields["prepaid"] = r.decimal(monetary, "cbc:PrepaidAmount")
    payments = r.findall(root, "cac:PrepaidPayment")
    paid = sum((r.decimal(p, "cbc:PaidAmount") or Decimal(0) for p in payments), Decimal(0))
    if fields["prepaid"] is None or paid != fields["prepaid"]:
        # Payments that do not add up to PrepaidAmount are not carried by it: listed.
        for payment in payments:
            r.used.discard(payment)
            for part in payment.iter():
                r.used.discard(part)
    fields["rounding"] = r.decimal(monetary, "cbc:PayableRoundingAmount")
    fields["payable"] = r.decimal(monetary, "cbc:PayableAmount")


def _invoice_line(r: _Reader, element: etree._Element, quantity_tag: str
                  ) -> InvoiceLine | None:
    fields: dict[str, Any] = {"line_id": r.text(element, "cbc:ID")}
    quantity = r.find(element, quantity_tag)
    fields["quantity"] = r.decimal(element, quantity_tag)
    if quantity is not None and quantity.get("unitCode"):
        fields["unit"] = quantity.get("unitCode")
    fields["line_amount"] = r.decimal(element, "cbc:LineExtensionAmount")
    fields["order_line_id"] = r.text(element, "cac:OrderLineReference/cbc:LineID")
    r.find(element, "cac:OrderLineReference")
    notes = [n.text.strip() for n in r.findall(element, "cbc:Note") if n.text]
    if notes:
        fields["note"] = " ".join(notes)
    fields["allowance_charges"] = [a for a in (r.allowance(e) for e in
                                               r.findall(element, "cac:AllowanceCharge")) if a]
    line_category = None
    for total in r.findall(element, "cac:TaxTotal"):
        # (A line's tax amounts are not carried: they are listed, and writers compute them.)
        for sub in total.findall("cac:TaxSubtotal", NS):
            if not r.is_vat(sub.find("cac:TaxCategory", NS)):
                continue
            r.mark(sub)
            line_category = line_category or r.category(r.find(sub, "cac:TaxCategory"))
    r.item(r.find(element, "cac:Item"), fields)
    category = fields.pop("_category", None) or line_category
    if category:
        fields["tax_category"], fields["tax_percent"] = category
    r.price(r.find(element, "cac:Price"), fields)
    for key in ("line_id", "quantity", "line_amount"):
        if fields.get(key) is None:
            r.findings.append(MISSING(f"an invoice line has no {key}", r.loc(element)))
            return None
    result: InvoiceLine | None = r.build(InvoiceLine, {k: v for k, v in fields.items()
                                                         if v is not None}, element)
    return result


def _references(r: _Reader, root: etree._Element) -> list[DocumentReference]:
    refs = []
    for ref in r.findall(root, "cac:AdditionalDocumentReference"):
        value = r.text(ref, "cbc:ID")
        kind = r.text(ref, "cbc:DocumentTypeCode") or r.text(ref, "cbc:DocumentType") or "ADR"
        if value:
            refs.append(DocumentReference(kind=kind, id=value, date=r.date(ref, "cbc:IssueDate")))
    return refs


def _delivery_party(r: _Reader, delivery: etree._Element | None) -> Party | None:
    """The delivery party: cac:DeliveryParty, with the GLN and the address of
    cac:DeliveryLocation where the party has none of its own (Peppol BIS 3 names the place
    there and the party's name beside it); else the location as a party."""
    if delivery is None:
        return None
    location = r.find(delivery, "cac:DeliveryLocation")
    before = set(r.used)
    place = _location_fields(r, location) if location is not None else {}
    location_marks = r.used - before
    party_element = r.find(delivery, "cac:DeliveryParty")
    if party_element is not None:
        party = r.party(party_element, "delivery")
        if party is None or party.gln or party.address or (party.name and place.get("name")):
            # Two places: the location stays unread, and is listed as not carried.
            r.used -= location_marks
            return party
        return attrs.evolve(party, name=party.name or place.get("name"),
                            gln=place.get("gln"), address=place.get("address"),
                            ids=(*party.ids, *place.get("ids", ())))
    if location is None or not any(place.values()):
        return None
    result: Party | None = r.build(Party, place, location)
    return result


def _location_fields(r: _Reader, location: etree._Element) -> dict[str, Any]:
    """cac:DeliveryLocation as party fields: its ID (a GLN, or another identifier), its
    description as the name, and its address."""
    ident = r.find(location, "cbc:ID")
    fields: dict[str, Any] = {}
    if ident is not None and (ident.text or "").strip():
        value = (ident.text or "").strip()
        if ident.get("schemeID") in ("GLN", "0088"):
            fields["gln"] = r.gln(value, ident, "delivery")
        else:
            fields["ids"] = [PartyId(value=value, scheme=ident.get("schemeID") or None)]
    fields["name"] = r.text(location, "cbc:Description")
    fields["address"] = r.address(r.find(location, "cac:Address"))
    return fields


_IBAN = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}")
_BIC = re.compile(r"[A-Z]{6}[A-Z0-9]{2}(?:[A-Z0-9]{3})?")


def _means(r: _Reader, element: etree._Element) -> PaymentMeans | None:
    account = r.find(element, "cac:PayeeFinancialAccount")
    branch = r.find(account, "cac:FinancialInstitutionBranch")
    r.find(element, "cbc:ID")
    channel = r.text(element, "cbc:PaymentChannelCode")
    account_id = r.text(account, "cbc:ID")
    code = r.text(element, "cbc:PaymentMeansCode")
    implied = IMPLIED_PAYMENT_CHANNEL.get(code or "")
    # Peppol BIS 3 (EN 16931) gives no channel: an IBAN is told by its shape, and the
    # payment service provider (BT-86, a BIC) stands in FinancialInstitutionBranch/cbc:ID,
    # where OIOUBL has the Danish bank registration number.
    iban = channel == "IBAN" or (channel is None and _IBAN.fullmatch(account_id or ""))
    branch_id = r.text(branch, "cbc:ID")
    bic = r.text(branch, "cac:FinancialInstitution/cbc:ID")
    peppol = r.peppol
    if bic is None and branch_id is not None and (peppol or _BIC.fullmatch(branch_id)):
        bic, branch_id = branch_id, None
    fields = {
        "code": code,
        "channel": channel if channel != implied else None,  # None: the code's own
        "account_id": None if iban else account_id,
        "iban": account_id if iban else None,
        "bank_reg_no": branch_id,
        "bic": bic,
        "payment_id": r.text(element, "cbc:PaymentID"),
        "instruction_id": r.text(element, "cbc:InstructionID"),
        "creditor_account": r.text(element, "cac:CreditAccount/cbc:AccountID"),
        "due_date": r.date(element, "cbc:PaymentDueDate"),
    }
    r.find(branch, "cac:FinancialInstitution")
    r.find(element, "cac:CreditAccount")
    if account is not None and r.root.findtext("cbc:ID", namespaces=NS) == account.findtext(
            "cbc:PaymentNote", namespaces=NS):
        r.find(account, "cbc:PaymentNote")  # the invoice number: implied by the document
    if not fields["code"]:
        r.findings.append(MISSING("PaymentMeans has no PaymentMeansCode", r.loc(element)))
        return None
    result: PaymentMeans | None = r.build(PaymentMeans, fields, element)
    return result


def _terms(r: _Reader, element: etree._Element | None) -> PaymentTerms | None:
    if element is None:
        return None
    for path in ("cbc:PaymentMeansID", "cbc:Amount"):
        r.find(element, path)
    period = r.find(element, "cac:SettlementPeriod")
    duration = r.find(period, "cbc:DurationMeasure")
    days = (duration.text or "").strip() if duration is not None else ""
    fields = {
        "code": r.text(element, "cbc:ID"),
        "note": r.text(element, "cbc:Note"),
        "discount_percent": r.decimal(element, "cbc:SettlementDiscountPercent"),
        "due_date": r.date(element, "cbc:PaymentDueDate") or r.date(period, "cbc:EndDate"),
        "net_days": int(days) if ascii_digits(days) and duration is not None
        and duration.get("unitCode") == "DAY" else None,
    }
    if duration is not None and fields["net_days"] is None:
        r.used.discard(duration)
    if not any(v is not None for v in fields.values()):
        return None
    result: PaymentTerms | None = r.build(PaymentTerms, fields, element)
    return result


def _order_line(r: _Reader, element: etree._Element) -> OrderLine | None:
    """cac:OrderLine/cac:LineItem: quantity, amount, delivery date, allowances and
    charges, item and price."""
    item = r.find(element, "cac:LineItem")
    notes = [n.text.strip() for n in r.findall(element, "cbc:Note") + r.findall(
        item, "cbc:Note") if n.text]
    line: dict[str, Any] = {"line_id": r.text(item, "cbc:ID")}
    quantity = r.find(item, "cbc:Quantity")
    line["quantity"] = r.decimal(item, "cbc:Quantity")
    if quantity is not None and quantity.get("unitCode"):
        line["unit"] = quantity.get("unitCode")
    line["line_amount"] = r.decimal(item, "cbc:LineExtensionAmount")
    dates: dict[str, Any] = {}
    line_delivery = r.find(item, "cac:Delivery")
    _delivery_dates(r, line_delivery, dates)
    line["delivery_date"] = dates.get("delivery_date")
    if "earliest_delivery_date" in dates and line_delivery is not None:
        # A line has one delivery date: a period is listed as not carried.
        for date in line_delivery.iterfind("cac:RequestedDeliveryPeriod/*", NS):
            r.used.discard(date)
    line["allowance_charges"] = [a for a in (r.allowance(e) for e in
                                             r.findall(item, "cac:AllowanceCharge")) if a]
    r.item(r.find(item, "cac:Item"), line)
    line.pop("_category", None)
    r.price(r.find(item, "cac:Price"), line)
    if notes:
        line["note"] = " ".join(notes)
    if line.get("line_id") is None or line.get("quantity") is None:
        r.findings.append(MISSING("an order line has no ID or Quantity", r.loc(element)))
        return None
    built: OrderLine | None = r.build(OrderLine, {k: v for k, v in line.items()
                                                  if v is not None}, element)
    return built


def _order(r: _Reader, root: etree._Element) -> Order | None:
    fields = _header(r, root)
    fields["seller_order_id"] = r.text(root, "cbc:SalesOrderID")
    fields["buyer"] = r.party(r.find(root, "cac:BuyerCustomerParty/cac:Party"), "buyer")
    fields["seller"] = r.party(r.find(root, "cac:SellerSupplierParty/cac:Party"), "seller")
    fields["invoicee"] = r.party(r.find(root, "cac:AccountingCustomerParty/cac:Party"),
                                 "invoicee")
    _customer_accounts(r, root, fields)
    r.find(root, "cac:SellerSupplierParty")
    delivery = r.find(root, "cac:Delivery")
    fields["delivery"] = _delivery_party(r, delivery)
    _delivery_dates(r, delivery, fields)
    fields["references"] = _references(r, root)
    fields["allowance_charges"] = [a for a in (r.allowance(e) for e in
                                               r.findall(root, "cac:AllowanceCharge")) if a]
    lines = (_order_line(r, element) for element in r.findall(root, "cac:OrderLine"))
    fields["lines"] = [line for line in lines if line is not None]
    result: Order | None = r.build(Order, {k: v for k, v in fields.items()
                                           if v is not None}, root)
    return result


def _customer_accounts(r: _Reader, root: etree._Element, fields: dict[str, Any]) -> None:
    """The supplier's account number of the customer parties (SupplierAssignedAccountID)."""
    for path, key in (("cac:BuyerCustomerParty", "buyer"),
                      ("cac:AccountingCustomerParty", "invoicee")):
        account = r.text(r.find(root, path), "cbc:SupplierAssignedAccountID")
        if account and fields.get(key) is not None:
            fields[key] = attrs.evolve(fields[key], account=account)


_ACCEPTED = {"true": True, "1": True, "false": False, "0": False}


def _order_response(r: _Reader, root: etree._Element) -> OrderResponse | None:
    fields = _header(r, root)
    accepted = r.find(root, "cbc:AcceptedIndicator")
    text = (accepted.text or "").strip() if accepted is not None else ""
    if accepted is None:
        r.findings.append(MISSING("the order response has no cbc:AcceptedIndicator",
                                  r.loc(root)))
    elif text not in _ACCEPTED:
        r.findings.append(BAD_VALUE(f"{text!r} is not true or false", r.loc(accepted)))
    fields["accepted"] = _ACCEPTED.get(text)
    fields["rejection_note"] = r.text(root, "cbc:RejectionNote")
    reference = r.find(root, "cac:OrderReference")
    fields["order_id"] = r.text(reference, "cbc:ID")
    fields["order_issue_date"] = r.date(reference, "cbc:IssueDate")
    if fields["order_id"] is None:
        r.findings.append(MISSING("the order response has no cac:OrderReference/cbc:ID",
                                  r.loc(reference if reference is not None else root)))
    fields["seller"] = r.party(r.find(root, "cac:SellerSupplierParty/cac:Party"), "seller")
    fields["buyer"] = r.party(r.find(root, "cac:BuyerCustomerParty/cac:Party"), "buyer")
    _customer_accounts(r, root, fields)
    fields["references"] = _references(r, root)
    if any(f.severity is Severity.ERROR for f in r.findings):
        return None
    result: OrderResponse | None = r.build(OrderResponse, {k: v for k, v in fields.items()
                                                           if v is not None}, root)
    return result


def _delivery_dates(r: _Reader, delivery: etree._Element | None, fields: dict[str, Any]) -> None:
    if delivery is None:
        return
    period = r.find(delivery, "cac:RequestedDeliveryPeriod")
    start = r.date(period, "cbc:StartDate")
    end = r.date(period, "cbc:EndDate")
    if start and end and start != end:
        fields["earliest_delivery_date"], fields["latest_delivery_date"] = start, end
    elif start or end:
        fields["delivery_date"] = start or end

