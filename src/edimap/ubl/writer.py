"""The model → OIOUBL 2.1 (UBL 2.1): Invoice, CreditNote, Order and OrderResponseSimple.

Written to the OIOUBL generator rules: UBLVersionID 2.1, CustomizationID OIOUBL-2.1, a
ProfileID that fits the document, an EndpointID on every party (GLN with schemeAgencyID 9,
or DK:CVR), PartyLegalEntity and PartyTaxScheme, tax scheme 63 "Moms" with OIOUBL tax
category ids, OIOUBL's TaxExclusiveAmount (= the total VAT), payment means with their
channel, UN/ECE Rec 20 units (EANCOM's PCE written as EA). Totals are computed with
:mod:`edimap.totals`, never copied. The element order is the UBL 2.1 schema's.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any, NamedTuple

import attrs

from edimap._codes import IMPLIED_PAYMENT_CHANNEL
from edimap._notes import collecting, not_carried
from edimap.findings import FieldError, ValidationError
from edimap.model import (
    Address,
    AllowanceCharge,
    Document,
    DocumentKind,
    Invoice,
    InvoiceLine,
    Order,
    OrderLine,
    OrderResponse,
    Party,
    PaymentMeans,
    PaymentTerms,
    TaxCategory,
    TaxSubtotal,
)
from edimap.totals import InvoiceTotals, check_stated, compute, money
from edimap.turning import turned
from edimap.ubl.categories import with_stand_ins
from edimap.ubl.codelists import oioubl_unit, unit_codes
from edimap.ubl.reader import CAC, CBC
from edimap.ubl.schemes import (
    CATEGORY_TO_OIOUBL,
    ENDPOINT_SCHEMES,
    OIOUBL_CUSTOMIZATION,
    OIOUBL_PROFILES,
    VAT_PREFIX_COUNTRY,
    oioubl_payment_code,
    oioubl_scheme,
)
from edimap.ubl.xml import not_xml_character

__all__ = ["to_xml"]

ROOT_NS = {"Invoice": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
           "CreditNote": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
           "Order": "urn:oasis:names:specification:ubl:schema:xsd:Order-2",
           "OrderResponseSimple":
               "urn:oasis:names:specification:ubl:schema:xsd:OrderResponseSimple-2"}
_UUID_NAMESPACE = uuid.UUID("7f1d0c52-53a4-4f55-9a5b-6d8f2c1e0a11")


class _Element:
    """An element of the document being written, while it is open.

    The writer emits the document as text in document order, because building an lxml tree
    and serialising it costs several times as much per element, and a bulk conversion
    writes a few hundred elements per document. A handle is only good as a parent until
    an element outside it is written."""

    __slots__ = ("has_children", "name", "start")

    def __init__(self, name: str, start: int) -> None:
        self.name = name  # prefixed as written ("cac:Party"); the root declares the prefixes
        self.start = start  # index of its start tag in the output
        self.has_children = False


_INDENTS = tuple("  " * depth for depth in range(64))  # (the writer nests about 8 deep)

# What el() gives back for an element with text: one never gets children.
_LEAF = _Element("", -1)

_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_ATTR_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
                               "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


class _Builder:
    """Writes one document as UTF-8 XML, indented two spaces per level."""

    def __init__(self, name: str, currency: str) -> None:
        self.currency = currency
        self.root = _Element(name, 1)
        self._out = ["<?xml version='1.0' encoding='UTF-8'?>\n",
                     f'<{name} xmlns="{ROOT_NS[name]}" xmlns:cac="{CAC}" xmlns:cbc="{CBC}">\n']
        self._open = [self.root]
        self.refusals: list[FieldError] = []
        self.unit_codes = unit_codes()  # (once a document: read from the installed rules)

    def refuse(self, *errors: FieldError) -> None:
        """Refuse the document for ``errors``, after writing on to find every refusal."""
        self.refusals.extend(errors)

    def el(self, parent: _Element, name: str, text: str | None = None,
           **attrs: str) -> _Element:
        """Write element ``name`` as the next child of ``parent``."""
        open_ = self._open
        if open_[-1] is not parent:
            self._close_to(parent)
        head = _INDENTS[len(open_)] + "<" + name
        if attrs:
            for key, value in attrs.items():
                if not value.isprintable():  # (tab, CR and LF are not printable either)
                    self._check(f"{name}/@{key}", value)
                    value = value.translate(_ATTR_ESCAPES)
                elif "&" in value or "<" in value or ">" in value or '"' in value:
                    value = value.translate(_ATTR_ESCAPES)
                head += f' {key}="{value}"'
        parent.has_children = True
        if text is not None:
            # Most values need no escaping, and four substring tests cost less than one
            # translate, which looks up every character.
            if not text.isprintable():
                self._check(name, text)
                text = text.translate(_TEXT_ESCAPES)
            elif "&" in text or "<" in text or ">" in text:
                text = text.translate(_TEXT_ESCAPES)
            self._out.append(f"{head}>{text}</{name}>\n")
            return _LEAF
        child = _Element(name, len(self._out))
        self._out.append(head + ">\n")
        open_.append(child)
        return child

    def amount(self, parent: _Element, name: str, value: Decimal) -> _Element:
        rounded = money(value)
        if rounded.is_zero():
            rounded = rounded.copy_abs()  # never "-0.00": the rules compare the text
        return self.el(parent, name, format(rounded, "f"), currencyID=self.currency)

    def _close_to(self, parent: _Element) -> None:
        open_, out = self._open, self._out
        while open_[-1] is not parent:
            if len(open_) == 1:
                raise AssertionError(f"{parent.name or 'an element with text'} is not open")
            element = open_.pop()
            if element.has_children:
                out.append(f"{_INDENTS[len(open_)]}</{element.name}>\n")
            else:
                out[element.start] = out[element.start][:-2] + "/>\n"

    def _check(self, name: str, value: str) -> None:
        bad = not_xml_character(value)
        if bad:
            path = "/".join([element.name for element in self._open] + [name])
            raise ValidationError([FieldError(path, f"{bad} cannot be written in XML; remove "
                                              "it from the value")])

    def finish(self) -> bytes:
        """The document: every open element closed; or the refusals, all together."""
        if self.refusals:
            raise ValidationError(self.refusals)
        self._close_to(self.root)
        self._out.append(f"</{self.root.name}>\n")
        return "".join(self._out).encode("utf-8")


def _quantity(value: Decimal) -> str:
    """A quantity with at least two decimals (F-ORD133, as the official examples write)."""
    exponent = value.as_tuple().exponent
    short = isinstance(exponent, int) and exponent > -2
    return format(value.quantize(Decimal("0.01")) if short else value, "f")


def _plain(value: Decimal) -> str:
    return format(value.normalize() if value == value.to_integral_value() else value, "f") \
        if value != 0 else "0"


def _uuid(document: Document) -> str:
    seller = document.seller.gln or document.seller.cvr if document.seller else ""
    key = f"{type(document).__name__}|{seller}|{document.id}|{document.issue_date}"
    return str(uuid.uuid5(_UUID_NAMESPACE, key))


def _root(name: str, document: Document) -> tuple[_Element, _Builder]:
    builder = _Builder(name, document.currency)
    return builder.root, builder


def _copy_uuid_date(b: _Builder, root: _Element, document: Document) -> None:
    b.el(root, "cbc:CopyIndicator", "false")
    b.el(root, "cbc:UUID", _uuid(document))
    b.el(root, "cbc:IssueDate", document.issue_date.isoformat())


def _header(b: _Builder, root: _Element, document: Document, profile: str) -> None:
    b.el(root, "cbc:UBLVersionID", "2.1")
    b.el(root, "cbc:CustomizationID", OIOUBL_CUSTOMIZATION)
    b.el(root, "cbc:ProfileID", profile, schemeAgencyID="320",
         schemeID="urn:oioubl:id:profileid-1.2")
    b.el(root, "cbc:ID", document.id)


def _party(b: _Builder, parent: _Element, party: Party, role: str,
           customer: bool = False, tag: str = "cac:Party",
           contact_reference: str | None = None, needs_legal_entity: bool = False
           ) -> None:
    """A party; ``needs_legal_entity`` where OIOUBL requires its PartyLegalEntity (F-INV034,
    F-ORD034, F-ORD071, F-ORS016)."""
    wrapper = parent
    if customer and party.account:
        b.el(wrapper, "cbc:SupplierAssignedAccountID", party.account)
    elif party.account:
        not_carried(f"{role}.account", "OIOUBL carries an account number for customer "
                                       "parties only")
    element = b.el(wrapper, tag)
    endpoint = _endpoint(b, element, party, role)
    if party.gln:
        _gln_identification(b, element, party.gln, role)
    for n, extra in enumerate(party.ids):
        id_scheme = oioubl_scheme(extra.scheme) if extra.scheme else None
        if extra.scheme and id_scheme is None:
            not_carried(f"{role}.ids[{n}]", f"OIOUBL has no identifier scheme {extra.scheme}")
            continue
        if id_scheme is None:
            # F-LIB183: every party identifier names its scheme; ZZZ is mutually defined.
            id_scheme = "ZZZ"
        if id_scheme != extra.scheme:
            not_carried(f"{role}.ids[{n}]", f"written with OIOUBL's scheme {id_scheme}")
        ident = b.el(element, "cac:PartyIdentification")
        b.el(ident, "cbc:ID", extra.value, schemeID=id_scheme)
    if party.name:
        b.el(b.el(element, "cac:PartyName"), "cbc:Name", party.name)
    if party.address is not None:
        _address(b, b.el(element, "cac:PostalAddress"), party.address)
    if party.vat_id:
        scheme = b.el(element, "cac:PartyTaxScheme")
        company_id, company_scheme = _vat_company_id(party.vat_id)
        if company_id != party.vat_id:
            not_carried(f"{role}.vat_id", f"OIOUBL writes a Danish VAT number with its "
                                          f"country code: {company_id}")
        b.el(scheme, "cbc:CompanyID", company_id, schemeID=company_scheme)
        _tax_scheme(b, scheme)
    if party.cvr:
        legal = b.el(element, "cac:PartyLegalEntity")
        if party.name:
            b.el(legal, "cbc:RegistrationName", party.name)
        b.el(legal, "cbc:CompanyID", "DK" + party.cvr, schemeID="DK:CVR")
    elif needs_legal_entity:
        # Without a CVR number the legal entity is named by the party's GLN or endpoint
        # under the mutually agreed scheme ZZZ; readers take it back as that same GLN.
        entity = b.el(element, "cac:PartyLegalEntity")
        if party.name:
            b.el(entity, "cbc:RegistrationName", party.name)
        b.el(entity, "cbc:CompanyID", party.gln or endpoint, schemeID="ZZZ")
    _contact(b, element, party, contact_reference)


def _contact(b: _Builder, element: _Element, party: Party,
             contact_reference: str | None) -> None:
    """cac:Contact of the party, or of a customer without one its reference alone."""
    if party.contact is not None:
        contact = b.el(element, "cac:Contact")
        # OIOUBL wants the customer's contact to have an ID (F-INV051, F-ORD041).
        b.el(contact, "cbc:ID", party.contact.id or contact_reference or party.contact.name
             or "")
        for name, value in (("cbc:Name", party.contact.name),
                            ("cbc:Telephone", party.contact.phone),
                            ("cbc:ElectronicMail", party.contact.email)):
            if value:
                b.el(contact, name, value)
    elif contact_reference is not None:
        # OIOUBL requires one Contact on the customer (F-INV046, F-ORD035); without one in
        # the document, its reference is the buyer's order number, as buyers route by it.
        b.el(b.el(element, "cac:Contact"), "cbc:ID", contact_reference)


def _endpoint(b: _Builder, element: _Element, party: Party, role: str) -> str:
    """cbc:EndpointID, which OIOUBL requires of every party: the first of the party's
    identifiers that OIOUBL takes as an endpoint in the form its rules ask (see
    ``_endpoint_candidates``); one that stands in for the endpoint is noted, one skipped
    for its form too; none is a refusal. Returns the value written."""
    skipped: list[tuple[str, str]] = []
    if party.endpoint_id and party.endpoint_scheme and not oioubl_scheme(party.endpoint_scheme):
        not_carried(f"{role}.endpoint_id", f"OIOUBL has no endpoint scheme "
                                           f"{party.endpoint_scheme}")
    for candidate in _endpoint_candidates(party):
        wrong = _endpoint_form_problem(candidate.value, candidate.scheme)
        if wrong is not None:
            skipped.append((candidate.field, wrong))
            continue
        for field, why in skipped:
            not_carried(f"{role}.{field}", f"{why}; {candidate.label} stands in")
        if candidate.stands_in:
            _stand_in(role, candidate.label)
        elif candidate.field == "endpoint_id":
            _note_endpoint_scheme(party, role, candidate.scheme)
        agency = {"schemeAgencyID": "9"} if candidate.scheme == "GLN" else {}
        b.el(element, "cbc:EndpointID", candidate.value, **agency, schemeID=candidate.scheme)
        return candidate.value
    if skipped:
        b.refuse(*(FieldError(f"{role}.{field}", f"{why}, and the party has no other "
                                                 "identifier OIOUBL takes as its EndpointID: "
                                                 "correct it in the input, or name the "
                                                 "party's GLN for it under [identities] in "
                                                 "the partner's profile")
                   for field, why in skipped))
        return ""
    b.refuse(FieldError(f"{role}", "OIOUBL needs an EndpointID for every party: give it a "
                                   f"GLN, a CVR or an endpoint{_why_no_endpoint(party)}"))
    return ""


def _why_no_endpoint(party: Party) -> str:
    """What the party has that OIOUBL does not take as an endpoint, for a refusal."""
    if party.endpoint_id:
        return (f" (its endpoint's scheme {party.endpoint_scheme} has no OIOUBL "
                "equivalent)")
    if party.ids:
        held = ", ".join(f"{i.value} under {i.scheme or 'no scheme'}" for i in party.ids)
        return f" (its identifiers, {held}, are from no register OIOUBL routes by)"
    return ""


class _Candidate(NamedTuple):
    """An identifier of a party that could be its cbc:EndpointID."""

    field: str  # the model field it comes from
    value: str
    scheme: str  # OIOUBL's scheme id
    label: str  # what it is, for the notes
    stands_in: bool  # not the party's endpoint, GLN or CVR number


def _endpoint_candidates(party: Party) -> Iterator[_Candidate]:
    """The party's identifiers in order of preference as its endpoint: the endpoint, the
    GLN, the CVR number, a foreign VAT number, then an identifier from a register OIOUBL
    takes as an endpoint."""
    endpoint_scheme = oioubl_scheme(party.endpoint_scheme or "")
    if party.endpoint_id and endpoint_scheme:
        yield _Candidate("endpoint_id", party.endpoint_id, endpoint_scheme, "its endpoint",
                         False)
    if party.gln and party.gln != party.endpoint_id:
        yield _Candidate("gln", party.gln, "GLN", "its GLN", False)
    if party.cvr:
        yield _Candidate("cvr", "DK" + party.cvr, "DK:CVR", "its CVR number", False)
    prefix = (party.vat_id or "")[:2].upper()
    vat_scheme = f"{VAT_PREFIX_COUNTRY.get(prefix, prefix)}:VAT"
    if party.vat_id and oioubl_scheme(vat_scheme):
        # A foreign party's VAT number is a registered identifier OIOUBL takes as an
        # endpoint (DE:VAT, SE:VAT …).
        yield _Candidate("vat_id", party.vat_id, vat_scheme, "the VAT number", True)
    registered = _registered_id(party)
    if registered is not None:
        (n, scheme) = registered
        yield _Candidate(f"ids[{n}]", party.ids[n].value, scheme,
                         f"its {scheme} identifier (ids[{n}])", True)


def _gln_identification(b: _Builder, element: _Element, gln: str, role: str) -> None:
    """cac:PartyIdentification of the party's GLN; a partner's GLN OIOUBL would refuse
    for its length (F-LIB185, kept as sent under a tolerant profile: PARTNER1) goes under
    the mutually defined scheme ZZZ, noted."""
    ident = b.el(element, "cac:PartyIdentification")
    if len(gln) == 13:
        b.el(ident, "cbc:ID", gln, schemeAgencyID="9", schemeID="GLN")
        return
    not_carried(f"{role}.gln", f"{gln} is not a GLN OIOUBL takes ({len(gln)} characters, "
                               "not 13: F-LIB185): written under the scheme ZZZ")
    b.el(ident, "cbc:ID", gln, schemeID="ZZZ")


def _note_endpoint_scheme(party: Party, role: str, endpoint_scheme: str) -> None:
    """Note an endpoint written under OIOUBL's name for its scheme (0088 → GLN), which
    reads back as the party's GLN or CVR number."""
    if endpoint_scheme == party.endpoint_scheme:
        return
    not_carried(f"{role}.endpoint_scheme", f"written as OIOUBL's {endpoint_scheme}")
    if endpoint_scheme in ("GLN", "DK:CVR"):
        field = "gln" if endpoint_scheme == "GLN" else "cvr"
        for name in ("endpoint_id", field):
            not_carried(f"{role}.{name}", f"a {endpoint_scheme} endpoint reads back "
                                          f"as the party's {field}")


def _endpoint_form_problem(value: str, scheme: str) -> str | None:
    """Why the OIOUBL rules would refuse ``value`` as an EndpointID under ``scheme``
    (F-LIB181: a GLN has 13 characters; F-LIB180: a CVR endpoint is DK and 8 digits), or
    None."""
    if scheme == "GLN" and len(value) != 13:
        return f"{value} is not a GLN OIOUBL takes: it has {len(value)} characters, not 13 " \
               "(F-LIB181)"
    if scheme == "DK:CVR" and (len(value) != 10 or not value.startswith("DK")):
        return f"{value} is not a CVR endpoint OIOUBL takes: DK and 8 digits (F-LIB180)"
    return None


def _stand_in(role: str, what: str) -> None:
    """Note that ``what`` stands in for the endpoint the party lacks, which a reader then
    finds."""
    for name in ("endpoint_id", "endpoint_scheme"):
        not_carried(f"{role}.{name}", f"OIOUBL needs an endpoint: {what} stands in, and "
                                      "reads back as the endpoint")


def _registered_id(party: Party) -> tuple[int, str] | None:
    """(index, OIOUBL scheme) of the party's first identifier from a register OIOUBL
    accepts as an endpoint (DUNS …), for a party with no GLN, CVR number or endpoint."""
    for n, extra in enumerate(party.ids):
        scheme = oioubl_scheme(extra.scheme) if extra.scheme else None
        if scheme in ENDPOINT_SCHEMES:
            return n, scheme
    return None


def _vat_company_id(vat_id: str) -> tuple[str, str]:
    """PartyTaxScheme/CompanyID text and schemeID: a Danish SE number is DK + 8 digits
    under DK:SE (F-LIB196; EANCOM's RFF+VA often has the 8 digits alone); any other VAT
    number goes under the mutually agreed scheme ZZZ."""
    if len(vat_id) == 8 and vat_id.isdigit() and vat_id.isascii():
        return "DK" + vat_id, "DK:SE"
    if len(vat_id) == 10 and vat_id.startswith("DK") and vat_id[2:].isdigit():
        return vat_id, "DK:SE"
    return vat_id, "ZZZ"


def _address(b: _Builder, element: _Element, address: Address) -> None:
    # StructuredDK needs a building number (F-LIB035); EANCOM addresses keep it in the street.
    b.el(element, "cbc:AddressFormatCode",
         "StructuredDK" if address.building_number else "StructuredLax", listAgencyID="320",
         listID="urn:oioubl:codelist:addressformatcode-1.1")
    for name, value in (("cbc:StreetName", address.street),
                        ("cbc:AdditionalStreetName", address.additional_street),
                        ("cbc:BuildingNumber", address.building_number),
                        ("cbc:CityName", address.city), ("cbc:PostalZone", address.postal_code),
                        ("cbc:CountrySubentity", address.region)):
        if value:
            b.el(element, name, value)
    if address.country:
        b.el(b.el(element, "cac:Country"), "cbc:IdentificationCode", address.country)


def _tax_scheme(b: _Builder, parent: _Element) -> None:
    scheme = b.el(parent, "cac:TaxScheme")
    b.el(scheme, "cbc:ID", "63", schemeAgencyID="320", schemeID="urn:oioubl:id:taxschemeid-1.1")
    b.el(scheme, "cbc:Name", "Moms")


def _category(b: _Builder, parent: _Element, category: TaxCategory, percent: Decimal,
              name: str = "cac:TaxCategory") -> None:
    element = b.el(parent, name)
    code = CATEGORY_TO_OIOUBL.get(category)
    if code is None:
        b.el(element, "cbc:ID", category.value, schemeAgencyID="320",
             schemeID="urn:oioubl:id:taxcategoryid-1.4")
    else:
        b.el(element, "cbc:ID", code, schemeAgencyID="320",
             schemeID="urn:oioubl:id:taxcategoryid-1.1")
    b.el(element, "cbc:Percent", _plain(percent))
    _tax_scheme(b, element)


_OIOUBL_CATEGORIES = frozenset({TaxCategory.STANDARD, TaxCategory.ZERO,
                                 TaxCategory.REVERSE_CHARGE, TaxCategory.INTRA_COMMUNITY,
                                 TaxCategory.EXPORT, TaxCategory.OUTSIDE_SCOPE,
                                 TaxCategory.TRANSFERRED, TaxCategory.CANARY,
                                 TaxCategory.CEUTA_MELILLA})
"""The UNCL 5305 categories OIOUBL has a tax category id for (taxcategoryid-1.1 and 1.4,
F-LIB309); exempt (E), mixed (A) and the lower and higher rates (AA, H) have none."""


def _categories_or_refuse(b: _Builder, invoice: Invoice,
                          subtotals: Sequence[TaxSubtotal]) -> None:
    """Refuse an invoice whose VAT OIOUBL cannot state: a line or an allowance or charge
    in a category without an OIOUBL id (F-LIB309), or one category at two rates, as
    OIOUBL has one TaxSubtotal per category (F-LIB315)."""
    kinds: list[tuple[str, TaxCategory | None]] = [
        (f"lines[{n}]", line.tax_category) for n, line in enumerate(invoice.lines)]
    kinds += [(f"allowance_charges[{n}]", ac.tax_category)
              for n, ac in enumerate(invoice.allowance_charges)]
    b.refuse(*(FieldError(f"{path}.tax_category", f"OIOUBL has no tax category for UNCL "
                                                  f"5305 {category.value} (F-LIB309); it "
                                                  "cannot be written as OIOUBL")
               for path, category in kinds
               if category is not None and category not in _OIOUBL_CATEGORIES))
    rates: dict[TaxCategory, list[str]] = {}
    for subtotal in subtotals:
        rates.setdefault(subtotal.category, []).append(f"{_plain(subtotal.percent)} %")
    b.refuse(*(FieldError("tax_subtotals", f"OIOUBL states one TaxSubtotal per tax category "
                                           f"(F-LIB315), and this invoice has "
                                           f"{category.value} at {' and '.join(found)}; it "
                                           "cannot be written as OIOUBL")
               for category, found in rates.items() if len(found) > 1))


def _written(charges: Sequence[AllowanceCharge], charge: bool) -> bool:
    """Whether an allowance (or a charge) of these is written: one not of amount zero,
    which is left out (see ``_allowance``), and then so is its total (F-LIB013/14)."""
    return any(ac.is_charge is charge and ac.effective_amount != 0 for ac in charges)


def _allowance(b: _Builder, parent: _Element, ac: AllowanceCharge,
               default: tuple[TaxCategory, Decimal], path: str | None = None, *,
               at: str | None = None) -> None:
    """cac:AllowanceCharge; without a tax category of its own it takes ``default`` (the
    line's, or the document's only one), noted at ``path`` for a document's. One of
    amount zero, which changes no total and which OIOUBL refuses (F-LIB019), is left out
    and noted at ``at`` (its model path)."""
    if ac.effective_amount == 0:
        not_carried(at or path or "allowance_charges", "an allowance or charge of 0 "
                    "changes no total, and OIOUBL refuses a zero amount (F-LIB019): left out")
        return
    element = b.el(parent, "cac:AllowanceCharge")
    b.el(element, "cbc:ChargeIndicator", "true" if ac.is_charge else "false")
    if ac.reason_code:
        b.el(element, "cbc:AllowanceChargeReasonCode", ac.reason_code)
    if ac.reason:
        b.el(element, "cbc:AllowanceChargeReason", ac.reason)
    if ac.percent is not None:
        # A factor, not a percentage: F-LIB228 holds Amount to BaseAmount × factor.
        b.el(element, "cbc:MultiplierFactorNumeric", _plain(ac.percent / 100))
    if ac.sequence is not None:
        b.el(element, "cbc:SequenceNumeric", str(ac.sequence))
    amount = ac.effective_amount
    if amount is None:
        b.refuse(FieldError(path or "allowance_charges", "OIOUBL needs the amount of an "
                                                         "allowance or charge"))
        return
    b.amount(element, "cbc:Amount", amount)
    if ac.base_amount is not None:
        b.amount(element, "cbc:BaseAmount", ac.base_amount)
    category = ac.tax_category or default[0]
    percent = ac.tax_percent if ac.tax_percent is not None else default[1]
    if path is not None and (ac.tax_category is None or ac.tax_percent is None):
        for name in ("tax_category", "tax_percent"):
            not_carried(f"{path}.{name}", f"OIOUBL needs the tax category of an allowance "
                                          f"or charge: {category.value} {percent} % stands "
                                          "in, and reads back")
    _category(b, element, category, percent)


def _units_or_refuse(b: _Builder, lines: Sequence[Any]) -> None:
    """Refuse the lines whose unit OIOUBL has no code for (F-LIB318: the installed rules'
    list, else the code's shape; see :func:`edimap.ubl.codelists.oioubl_unit`), naming
    the profile setting that maps a partner's own unit."""
    b.refuse(*(FieldError(f"lines[{n}].unit",
                          f"OIOUBL needs a UN/ECE Rec 20 unit (F-LIB318), and {line.unit!r} "
                          f"is none: map it in the partner's profile ([units] "
                          f"{line.unit} = \"EA\", or the Rec 20 code it stands for)")
               for n, line in enumerate(lines) if oioubl_unit(line.unit, b.unit_codes) is None))


def _note_stand_ins(b: _Builder, n: int, line: Any) -> None:
    """Note what OIOUBL needs and line ``n`` gives otherwise: a unit, an item name."""
    unit = oioubl_unit(line.unit, b.unit_codes)
    if unit is not None and unit[1] is not None:
        not_carried(f"lines[{n}].unit", unit[1])
    if not line.description:
        not_carried(f"lines[{n}].description", "OIOUBL needs an item name (cac:Item/"
                                               "cbc:Name): the item number stands in")
    if line.price_basis == 1:
        not_carried(f"lines[{n}].price_basis", "a base quantity of 1 is OIOUBL's default and "
                                               "reads back as none")


def _unit(b: _Builder, unit: str | None) -> str:
    """The unit code written (a refused one as it is: the writer raises before finishing)."""
    written = oioubl_unit(unit, b.unit_codes)
    return written[0] if written is not None else unit or "EA"


def _item(b: _Builder, parent: _Element, line: Any) -> None:
    """cac:Item. An item without any identification is described (F-ORD239)."""
    item = b.el(parent, "cac:Item")
    identified = line.gtin or line.seller_item_id or line.buyer_item_id
    if not identified and line.description:
        b.el(item, "cbc:Description", line.description)
    if line.units_per_package is not None:
        b.el(item, "cbc:PackQuantity", _plain(line.units_per_package), unitCode="EA")
    b.el(item, "cbc:Name", line.description or line.gtin or line.seller_item_id or
         line.line_id)
    if line.buyer_item_id:
        b.el(b.el(item, "cac:BuyersItemIdentification"), "cbc:ID", line.buyer_item_id)
    if line.seller_item_id:
        b.el(b.el(item, "cac:SellersItemIdentification"), "cbc:ID", line.seller_item_id)
    elif line.gtin:  # OIOUBL wants the seller's item id (F-ORD185); the GTIN serves
        b.el(b.el(item, "cac:SellersItemIdentification"), "cbc:ID", line.gtin,
             schemeAgencyID="9", schemeID="GTIN")
    if line.gtin:
        b.el(b.el(item, "cac:StandardItemIdentification"), "cbc:ID", line.gtin,
             schemeAgencyID="9", schemeID="GTIN")


def _net_price(line: Any) -> Decimal:
    """The price OIOUBL wants on a line with its own allowances or charges: the line amount
    is held to PriceAmount × quantity ± 1.00 (F-INV340, F-CRN210), so the price after them,
    to six decimals (exact enough for any quantity below two million)."""
    basis: Decimal = line.price_basis or Decimal(1)
    amount: Decimal = line.line_amount
    quantity: Decimal = line.quantity
    return (amount * basis / quantity).quantize(Decimal("0.000001")).normalize()


def _price(b: _Builder, parent: _Element, line: Any, path: str) -> None:
    """cac:Price: the price after the line's allowances and charges (OIOUBL's line rule),
    with the one before them as a price allowance's BaseAmount; without them, the gross
    price (PRI+AAB) there instead."""
    price = b.el(parent, "cac:Price")
    net = line.price
    if line.allowance_charges and line.line_amount is not None and line.quantity:
        net = _net_price(line)
    # At least two decimals, as for quantities (F-ORD169).
    b.el(price, "cbc:PriceAmount", _quantity(net), currencyID=b.currency)
    b.el(price, "cbc:BaseQuantity", _plain(line.price_basis or Decimal(1)),
         unitCode=_unit(b, line.unit))
    base = line.price if net != line.price else line.gross_price
    if net != line.price and line.gross_price is not None:
        not_carried(f"{path}.gross_price", "OIOUBL has one price before allowances: with "
                                           "the line's own, the price before them")
    if base is not None and base != net:
        # The price before the line's allowances and charges (or the gross price) is the
        # BaseAmount of a price allowance (or charge), so a reader gets it back exactly.
        change = b.el(price, "cac:AllowanceCharge")
        b.el(change, "cbc:ChargeIndicator", "true" if net > base else "false")
        b.el(change, "cbc:Amount", _quantity(abs(net - base)), currencyID=b.currency)
        b.el(change, "cbc:BaseAmount", _quantity(base), currencyID=b.currency)


def _as_oioubl_can_state(invoice: Invoice) -> Invoice:
    """``invoice`` with its VAT in categories OIOUBL has ids for, and turned into the
    other kind when its total is negative (F-LIB016: OIOUBL totals are never negative);
    totals that do not add up are refused as the document states them."""
    invoice = with_stand_ins(invoice)
    sent = compute(invoice.lines, invoice.allowance_charges, prepaid=invoice.prepaid,
                   rounding=invoice.rounding)
    if sent.tax_inclusive >= 0:
        return invoice
    with collecting():  # (the notes come again from the turned document)
        disagreements = check_stated(invoice, sent, zero_left_out=True)
    if disagreements:
        raise ValidationError(disagreements)
    return turned(invoice)


def _invoice(invoice: Invoice) -> _Builder:
    """An OIOUBL Invoice or CreditNote, element by element in schema order; VAT of a
    category OIOUBL has no id for in its stand-in's (:mod:`edimap.ubl.categories`), a
    negative invoice as a credit note (:mod:`edimap.turning`)."""
    invoice = _as_oioubl_can_state(invoice)
    credit = invoice.kind is DocumentKind.CREDIT_NOTE
    root, b = _root("CreditNote" if credit else "Invoice", invoice)
    _header(b, root, invoice, OIOUBL_PROFILES["invoice"])
    _copy_uuid_date(b, root, invoice)
    # A credit note has its TaxPointDate before its notes, an invoice after them.
    tax_point = invoice.tax_point_date.isoformat() if invoice.tax_point_date else None
    if credit and tax_point:
        b.el(root, "cbc:TaxPointDate", tax_point)
    if not credit:
        b.el(root, "cbc:InvoiceTypeCode", invoice.effective_type_code, listAgencyID="320",
             listID="urn:oioubl:codelist:invoicetypecode-1.1")
    for note in invoice.notes:
        b.el(root, "cbc:Note", note)
    if not credit and tax_point:
        b.el(root, "cbc:TaxPointDate", tax_point)
    b.el(root, "cbc:DocumentCurrencyCode", invoice.currency)
    _invoice_references(b, root, invoice)
    _invoice_parties(b, root, invoice)
    _require_lines(b, invoice, "credit note" if credit else "invoice",
                   "cac:CreditNoteLine" if credit else "cac:InvoiceLine")
    totals = compute(invoice.lines, invoice.allowance_charges, prepaid=invoice.prepaid,
                     rounding=invoice.rounding)
    disagreements = check_stated(invoice, totals, zero_left_out=True)
    if disagreements:
        raise ValidationError(disagreements)
    _categories_or_refuse(b, invoice, totals.tax_subtotals)
    for n, means in enumerate(_oioubl_payment_means(invoice.payment_means), start=1):
        _payment_means(b, root, n, means)
    if invoice.payment_terms is not None:
        _invoice_terms(b, root, invoice, invoice.payment_terms, totals.payable)
    if invoice.prepaid and not credit:
        # F-INV131: the prepaid amount is the sum of the payments made. (A credit note
        # has no PrepaidPayment: its PrepaidAmount stands alone.)
        b.amount(b.el(root, "cac:PrepaidPayment"), "cbc:PaidAmount", invoice.prepaid)
    default = (totals.tax_subtotals[0].category, totals.tax_subtotals[0].percent) \
        if len(totals.tax_subtotals) == 1 else (TaxCategory.STANDARD, Decimal(25))
    for n, ac in enumerate(invoice.allowance_charges):
        _allowance(b, root, ac, default, f"allowance_charges[{n}]")
    _invoice_totals(b, root, invoice, totals)
    _units_or_refuse(b, invoice.lines)
    for n, line in enumerate(invoice.lines):
        _note_stand_ins(b, n, line)
        line = _priced(n, line)
        if line.order_line_id and not invoice.order_id:
            # F-INV142: an order line reference needs the order's.
            not_carried(f"lines[{n}].order_line_id", "OIOUBL refers to an order line only "
                                                      "with the order (order_id)")
            line = attrs.evolve(line, order_line_id=None)
        _invoice_line(b, root, n, line, credit)
    return b


def _invoice_references(b: _Builder, root: _Element, invoice: Invoice) -> None:
    """cac:InvoicePeriod, OrderReference, BillingReference, DespatchDocumentReference,
    ContractDocumentReference and AdditionalDocumentReference."""
    if invoice.period_start or invoice.period_end:
        period = b.el(root, "cac:InvoicePeriod")
        if invoice.period_start:
            b.el(period, "cbc:StartDate", invoice.period_start.isoformat())
        if invoice.period_end:
            b.el(period, "cbc:EndDate", invoice.period_end.isoformat())
    if invoice.order_id:
        order = b.el(root, "cac:OrderReference")
        b.el(order, "cbc:ID", invoice.order_id)
        if invoice.seller_order_id:
            b.el(order, "cbc:SalesOrderID", invoice.seller_order_id)
    elif invoice.seller_order_id:
        not_carried("seller_order_id", "OIOUBL carries the seller's order number only with "
                                       "the buyer's (order_id)")
    if invoice.corrected_invoice_id:
        billing = b.el(b.el(root, "cac:BillingReference"), "cac:InvoiceDocumentReference")
        b.el(billing, "cbc:ID", invoice.corrected_invoice_id)
    if invoice.delivery_note_id:
        b.el(b.el(root, "cac:DespatchDocumentReference"), "cbc:ID", invoice.delivery_note_id)
    if invoice.contract_id:
        b.el(b.el(root, "cac:ContractDocumentReference"), "cbc:ID", invoice.contract_id)
    _additional_references(b, root, invoice)


def _invoice_parties(b: _Builder, root: _Element, invoice: Invoice) -> None:
    """cac:AccountingSupplierParty, AccountingCustomerParty, BuyerCustomerParty and
    Delivery."""
    seller, buyer = _require_parties(invoice, "invoice")
    _party(b, b.el(root, "cac:AccountingSupplierParty"), seller, "seller",
           needs_legal_entity=True)
    # The accounting customer receives the invoice: the invoicee when there is one, and
    # then the buyer goes in BuyerCustomerParty.
    _party(b, b.el(root, "cac:AccountingCustomerParty"), invoice.invoicee or buyer,
           "invoicee" if invoice.invoicee else "buyer", customer=True,
           contact_reference=invoice.order_id or invoice.id)
    if invoice.invoicee is not None:
        _party(b, b.el(root, "cac:BuyerCustomerParty"), buyer, "buyer", customer=True)
    if invoice.delivery_date or invoice.delivery:
        delivery = b.el(root, "cac:Delivery")
        if invoice.delivery_date:
            b.el(delivery, "cbc:ActualDeliveryDate", invoice.delivery_date.isoformat())
        if invoice.delivery:
            _delivery(b, delivery, invoice.delivery)


PAYMENT_CONTENT = {
    "31": (("account_id", "iban"), "the payee's account or IBAN", "F-LIB107"),
    "31 ": (("bic",), "the bank's BIC (to an IBAN)", "F-LIB113"),
    "42": (("account_id",), "the payee's account", "F-LIB125, F-LIB126"),
    "42 ": (("bank_reg_no",), "the bank registration number", "F-LIB124"),
    "50": (("account_id",), "the giro account", "F-LIB319, F-LIB320"),
    "50 ": (("payment_id",), "the payment id (01, 04 or 15)", "F-LIB144"),
    "58": (("account_id", "iban"), "the payee's IBAN", "F-LIB377"),
    "93": (("payment_id",), "the payment id (71, 73 or 75)", "F-LIB152"),
}
"""Payment means code (a trailing space: a second requirement) → the model fields one of
which OIOUBL requires, what they are, and the OIOUBL rules that require them."""

PAYMENT_IDS = {"50": (("01", "04", "15"), "F-LIB147"), "93": (("71", "73", "75"), "F-LIB155")}
"""Payment means code → the payment ids (card types) OIOUBL takes for it and the rule: a
Danish giro (FI) card, an FI/FIK payment; a foreign postgiro reference is none of them."""


def _oioubl_payment_means(sent: Sequence[PaymentMeans]) -> list[PaymentMeans]:
    """The payment means under OIOUBL's codes (Peppol's credit transfer 30 as 31 or 42 …,
    noted). OIOUBL does not require payment means: one that has no OIOUBL code, or lacks
    what OIOUBL requires for its code, is left out and noted, naming what would carry it."""
    out = []
    for n, means in enumerate(sent):
        domestic = bool(means.bank_reg_no) and not means.iban
        code = oioubl_payment_code(means.code, domestic)
        if code is None:
            not_carried(f"payment_means[{n}]", f"UNCL 4461 payment means code {means.code} "
                                               "has no OIOUBL equivalent (F-LIB100)")
            continue
        missing = _missing_payment_content(attrs.evolve(means, code=code))
        if missing:
            not_carried(f"payment_means[{n}]", f"OIOUBL needs {missing} for payment means "
                                               f"code {code}: add it to the document "
                                               "(EANCOM FII), or, for the own company's "
                                               "invoices, give [own.payment] in the profile")
            continue
        if code != means.code:
            not_carried(f"payment_means[{n}].code", f"OIOUBL has no payment means code "
                                                    f"{means.code}: written as {code}")
        channel = means.channel or IMPLIED_PAYMENT_CHANNEL.get(code)
        if channel == "IBAN" and means.account_id and not means.iban:
            for name in ("account_id", "iban"):
                not_carried(f"payment_means[{n}].{name}", "the account is written on payment "
                                                          "channel IBAN: reads back as iban")
        out.append(attrs.evolve(means, code=code))
    return out


def _missing_payment_content(means: PaymentMeans) -> str | None:
    """What OIOUBL requires for the payment means' code and it lacks (with the rules that
    require it), or None."""
    missing = []
    for code, (fields, what, rule) in PAYMENT_CONTENT.items():
        if code == "31 " and means.channel not in (None, "IBAN"):
            continue  # the BIC is required on the IBAN channel only
        if code.strip() == means.code and not any(getattr(means, f) for f in fields):
            missing.append(f"{what} ({rule})")
    taken = PAYMENT_IDS.get(means.code)
    if taken is not None and means.payment_id and means.payment_id not in taken[0]:
        missing.append(f"a payment id of {', '.join(taken[0])}, not {means.payment_id!r} "
                       f"({taken[1]})")
    if means.code == "48":  # edimap's model has no card account
        missing.append("the card's account (cac:CardAccount, F-LIB342)")
    return " and ".join(missing) or None


def _payment_means(b: _Builder, root: _Element, n: int, means: PaymentMeans) -> None:
    """cac:PaymentMeans with its channel (OIOUBL's, implied by the code when not given)
    and the payee's account."""
    element = b.el(root, "cac:PaymentMeans")
    b.el(element, "cbc:ID", str(n))
    b.el(element, "cbc:PaymentMeansCode", means.code)
    if means.due_date:
        b.el(element, "cbc:PaymentDueDate", means.due_date.isoformat())
    channel = means.channel or IMPLIED_PAYMENT_CHANNEL.get(means.code)
    if channel:
        b.el(element, "cbc:PaymentChannelCode", channel, listAgencyID="320",
             listID="urn:oioubl:codelist:paymentchannelcode-1.1")
    if means.instruction_id:
        b.el(element, "cbc:InstructionID", means.instruction_id)
    if means.payment_id:
        b.el(element, "cbc:PaymentID", means.payment_id)
    account = means.iban or means.account_id
    if account or means.bank_reg_no or means.bic:
        payee = b.el(element, "cac:PayeeFinancialAccount")
        b.el(payee, "cbc:ID", account or "")
        if means.bank_reg_no or means.bic:
            branch = b.el(payee, "cac:FinancialInstitutionBranch")
            if means.bank_reg_no:  # an empty one breaks F-LIB311 (digits only)
                b.el(branch, "cbc:ID", means.bank_reg_no)
            if means.bic:
                b.el(b.el(branch, "cac:FinancialInstitution"), "cbc:ID", means.bic)
    if means.creditor_account:
        b.el(b.el(element, "cac:CreditAccount"), "cbc:AccountID", means.creditor_account)


def _invoice_terms(b: _Builder, root: _Element, invoice: Invoice, terms: PaymentTerms,
                   payable: Decimal) -> None:
    """cac:PaymentTerms; net days become the due date (OIOUBL has no day count)."""
    element = b.el(root, "cac:PaymentTerms")
    if terms.code:
        b.el(element, "cbc:ID", terms.code)
    if terms.note:
        b.el(element, "cbc:Note", terms.note)
    if terms.discount_percent is not None:
        b.el(element, "cbc:SettlementDiscountPercent", _plain(terms.discount_percent))
    b.amount(element, "cbc:Amount", payable)
    # OIOUBL has no payment period in days (F-LIB076): net days become the due date.
    due = terms.due_date or (invoice.issue_date + dt.timedelta(days=terms.net_days)
                             if terms.net_days is not None else None)
    if due:
        b.el(element, "cbc:PaymentDueDate", due.isoformat())
    if terms.discount_days is not None:
        not_carried("payment_terms.discount_days", "OIOUBL payment terms have no discount "
                                                   "period")


def _invoice_totals(b: _Builder, root: _Element, invoice: Invoice, totals: InvoiceTotals) -> None:
    """cac:TaxTotal with a TaxSubtotal per category and rate, and cac:LegalMonetaryTotal
    (TaxExclusiveAmount holds the total VAT, as OIOUBL has it)."""
    tax_total = b.el(root, "cac:TaxTotal")
    b.amount(tax_total, "cbc:TaxAmount", totals.tax_total)
    for sub in totals.tax_subtotals:
        element = b.el(tax_total, "cac:TaxSubtotal")
        b.amount(element, "cbc:TaxableAmount", sub.taxable_amount)
        b.amount(element, "cbc:TaxAmount", sub.tax_amount)
        _category(b, element, sub.category, sub.percent)
    monetary = b.el(root, "cac:LegalMonetaryTotal")
    b.amount(monetary, "cbc:LineExtensionAmount", totals.line_total)
    b.amount(monetary, "cbc:TaxExclusiveAmount", totals.tax_total)  # OIOUBL: the total VAT
    b.amount(monetary, "cbc:TaxInclusiveAmount", totals.tax_inclusive)
    if _written(invoice.allowance_charges, charge=False):
        b.amount(monetary, "cbc:AllowanceTotalAmount", totals.allowance_total)
    if _written(invoice.allowance_charges, charge=True):
        b.amount(monetary, "cbc:ChargeTotalAmount", totals.charge_total)
    if invoice.prepaid:
        b.amount(monetary, "cbc:PrepaidAmount", invoice.prepaid)
    if invoice.rounding:
        b.amount(monetary, "cbc:PayableRoundingAmount", invoice.rounding)
    b.amount(monetary, "cbc:PayableAmount", totals.payable)


def _invoice_line(b: _Builder, root: _Element, n: int, line: InvoiceLine, credit: bool
                  ) -> None:
    """cac:InvoiceLine or cac:CreditNoteLine (line ``n``) with its tax total, item and
    price."""
    element = b.el(root, "cac:CreditNoteLine" if credit else "cac:InvoiceLine")
    b.el(element, "cbc:ID", line.line_id)
    if line.note:
        b.el(element, "cbc:Note", line.note)
    b.el(element, "cbc:CreditedQuantity" if credit else "cbc:InvoicedQuantity",
         _quantity(line.quantity), unitCode=_unit(b, line.unit))
    b.amount(element, "cbc:LineExtensionAmount", line.line_amount)
    if line.order_line_id:
        b.el(b.el(element, "cac:OrderLineReference"), "cbc:LineID", line.order_line_id)
    if not credit:  # UBL 2.1: invoice lines put allowances before the tax total …
        for k, ac in enumerate(line.allowance_charges):
            _allowance(b, element, ac, (line.tax_category, line.tax_percent),
                       at=f"lines[{n}].allowance_charges[{k}]")
    line_tax = b.el(element, "cac:TaxTotal")
    tax = money(line.line_amount * line.tax_percent / 100)
    b.amount(line_tax, "cbc:TaxAmount", tax)
    line_sub = b.el(line_tax, "cac:TaxSubtotal")
    b.amount(line_sub, "cbc:TaxableAmount", line.line_amount)
    b.amount(line_sub, "cbc:TaxAmount", tax)
    _category(b, line_sub, line.tax_category, line.tax_percent)
    if credit:  # … and credit note lines after it
        for k, ac in enumerate(line.allowance_charges):
            _allowance(b, element, ac, (line.tax_category, line.tax_percent),
                       at=f"lines[{n}].allowance_charges[{k}]")
    _item(b, element, line)
    _price(b, element, line, f"lines[{n}]")


def _priced(n: int, line: InvoiceLine) -> InvoiceLine:
    """Line ``n`` with the price OIOUBL requires on every invoice line: as sent; for a line
    with allowances or charges, the price after them (``_price``), noted; for one without,
    its amount divided by its quantity when that division is exact (noted); otherwise a
    refusal. A percentage allowance with no amount gets the line's gross amount as its
    base (``_based``)."""
    line = _based(n, line)
    if line.price is not None:
        return line
    if line.quantity and line.allowance_charges:
        not_carried(f"lines[{n}].price", "OIOUBL needs a price on every line: the price "
                                         "after the line's allowances and charges (the line "
                                         "amount divided by the quantity) stands in, and "
                                         "reads back as the price")
        return line
    if line.quantity and not line.allowance_charges:
        price = line.line_amount / line.quantity
        exponent = price.as_tuple().exponent
        if price * line.quantity == line.line_amount and isinstance(exponent, int) \
                and exponent >= -6:
            not_carried(f"lines[{n}].price", f"OIOUBL needs a price on every line: the line "
                                             f"amount divided by the quantity ({price}) "
                                             "stands in, and reads back as the price")
            return attrs.evolve(line, price=price)
    raise ValidationError([FieldError(f"lines[{n}].price", "OIOUBL needs a price on every "
                                      "line, and the line amount divided by the quantity "
                                      "gives none exactly: add the price (PRI)")])


def _based(n: int, line: InvoiceLine) -> InvoiceLine:
    """Line ``n`` whose one allowance or charge given only as a percentage (EANCOM ALC with
    PCD and no MOA) gets the line's gross amount (quantity × gross price) as its base, as
    EANCOM computes it, so that OIOUBL can state its amount (noted)."""
    gross = line.gross_price if line.gross_price is not None else line.price
    unknown = [k for k, ac in enumerate(line.allowance_charges) if ac.effective_amount is None]
    if gross is None or not line.quantity or len(unknown) != 1:
        return line
    (k,) = unknown
    base = money(line.quantity * gross / (line.price_basis or Decimal(1)))
    for name in ("base_amount", "amount"):
        not_carried(f"lines[{n}].allowance_charges[{k}].{name}", f"OIOUBL needs the amount "
                    f"of an allowance or charge: the line's gross amount ({base}, quantity × "
                    "price) is its base, and reads back with the amount")
    charges = list(line.allowance_charges)
    charges[k] = attrs.evolve(charges[k], base_amount=base)
    return attrs.evolve(line, allowance_charges=tuple(charges))


def _additional_references(b: _Builder, root: _Element, document: Document) -> None:
    for ref in document.references:
        element = b.el(root, "cac:AdditionalDocumentReference")
        b.el(element, "cbc:ID", ref.id)
        if ref.date:
            b.el(element, "cbc:IssueDate", ref.date.isoformat())
        b.el(element, "cbc:DocumentTypeCode", ref.kind)


def _require_parties(document: Document, what: str) -> tuple[Party, Party]:
    """The seller and the buyer, which every OIOUBL document names."""
    if document.seller is None or document.buyer is None:
        missing = "seller" if document.seller is None else "buyer"
        raise ValidationError([FieldError(missing, f"an OIOUBL {what} needs the seller and "
                                          "the buyer")])
    return document.seller, document.buyer


def _require_lines(b: _Builder, document: Order | Invoice, what: str, element: str) -> None:
    """Refuses a document without lines: OIOUBL's schema wants one ``element`` at least."""
    if not document.lines:
        b.refuse(FieldError("lines", f"an OIOUBL {what} needs at least one line ({element}, "
                                     f"UBL 2.1 schema), and this {what} has none"))


def _simple_place(party: Party) -> bool:
    """True when the party is only a place (GLN, name, address): a DeliveryLocation."""
    return not (party.cvr or party.vat_id or party.ids or party.contact or party.account
                or party.endpoint_id)


def _has_endpoint(party: Party) -> bool:
    """Whether one of the party's identifiers can be its OIOUBL EndpointID."""
    return any(_endpoint_form_problem(c.value, c.scheme) is None
               for c in _endpoint_candidates(party))


def _delivery(b: _Builder, delivery: _Element, party: Party,
              after_location: Any = None) -> None:
    """The delivery: a place (DeliveryLocation) for a party that is only one, or that has
    no identifier OIOUBL takes as an endpoint (what the place has no room for noted);
    else a DeliveryParty."""
    if _simple_place(party) or not _has_endpoint(party):
        for name in ("cvr", "vat_id", "ids", "contact", "account", "endpoint_id",
                     "endpoint_scheme"):
            if getattr(party, name):
                not_carried(f"delivery.{name}", "the delivery party has no endpoint OIOUBL "
                            "takes: it is written as a DeliveryLocation (GLN, name, "
                            "address), which has no room for it")
        _delivery_location(b, delivery, party)
        if after_location:
            after_location()
    else:
        if after_location:
            after_location()
        _party(b, delivery, party, "delivery", tag="cac:DeliveryParty")


def _delivery_location(b: _Builder, delivery: _Element, party: Party) -> None:
    location = b.el(delivery, "cac:DeliveryLocation")
    if party.gln:
        b.el(location, "cbc:ID", party.gln, schemeAgencyID="9", schemeID="GLN")
    if party.name:
        b.el(location, "cbc:Description", party.name)
    if party.address is not None:
        _address(b, b.el(location, "cac:Address"), party.address)


def _order_profile(order: Order) -> str:
    """The simple ordering profile, whose lines name the item by the seller's number (a
    GTIN serves; F-ORD185); an order with a line named otherwise (the buyer's number, a name)
    goes under advanced ordering, which asks for no seller's number, with a note."""
    unnamed = [n for n, line in enumerate(order.lines)
               if not (line.gtin or line.seller_item_id)]
    if not unnamed:
        return OIOUBL_PROFILES["order"]
    profile = OIOUBL_PROFILES["order_by_buyer_items"]
    not_carried(f"lines[{unnamed[0]}].seller_item_id",
                f"{len(unnamed)} line(s) name the item without the seller's number or a "
                f"GTIN, which the simple ordering profile needs (F-ORD185): written under "
                f"the advanced ordering profile {profile}")
    return profile


def _order(order: Order) -> _Builder:
    root, b = _root("Order", order)
    _header(b, root, order, _order_profile(order))
    if order.seller_order_id:
        not_carried("seller_order_id", "OIOUBL orders have no SalesOrderID (F-ORD002)")
    _copy_uuid_date(b, root, order)
    for note in order.notes:
        b.el(root, "cbc:Note", note)
    b.el(root, "cbc:DocumentCurrencyCode", order.currency)
    _additional_references(b, root, order)
    seller, buyer = _require_parties(order, "order")
    _require_lines(b, order, "order", "cac:OrderLine")
    _party(b, b.el(root, "cac:BuyerCustomerParty"), buyer, "buyer", customer=True,
           contact_reference=order.id, needs_legal_entity=True)
    _party(b, b.el(root, "cac:SellerSupplierParty"), seller, "seller")
    if order.invoicee is not None:
        _party(b, b.el(root, "cac:AccountingCustomerParty"), order.invoicee, "invoicee",
               customer=True, contact_reference=order.id, needs_legal_entity=True)
    if order.ultimate_consignee is not None:
        not_carried("ultimate_consignee", "OIOUBL orders have no place for the ultimate "
                                          "consignee")
    if order.delivery_date and (order.earliest_delivery_date or order.latest_delivery_date):
        not_carried("delivery_date", "OIOUBL has one requested delivery period: the "
                                     "earliest/latest dates are written")
    if order.earliest_delivery_date and \
            order.earliest_delivery_date == order.latest_delivery_date:
        for name in ("earliest_delivery_date", "latest_delivery_date", "delivery_date"):
            not_carried(name, "a period of one day is written as the requested delivery "
                              "date, and reads back as delivery_date")
    if order.message_function != "9":
        not_carried("message_function", f"OIOUBL orders have no message function "
                                        f"({order.message_function}); one reads back as 9 "
                                        "(original)")
    if order.order_type != "220":
        not_carried("order_type", f"OIOUBL orders have no order type code ({order.order_type}"
                                  "); an OIOUBL order reads back as 220")
    header_period = order.delivery_date or order.earliest_delivery_date or \
        order.latest_delivery_date
    for n, line in enumerate(order.lines):
        if header_period and line.delivery_date:
            not_carried(f"lines[{n}].delivery_date", "OIOUBL allows a delivery date on a "
                                                      "line only when the order has none "
                                                      "(F-ORD250)")
    if order.delivery or header_period:
        delivery = b.el(root, "cac:Delivery")

        def requested() -> None:
            _requested(b, delivery, order.earliest_delivery_date or order.delivery_date,
                       order.latest_delivery_date or order.delivery_date)

        if order.delivery:
            _delivery(b, delivery, order.delivery, requested)
        else:
            requested()
    if order.payment_terms is not None:
        not_carried("payment_terms", "OIOUBL orders have no payment terms")
    for n, ac in enumerate(order.allowance_charges):
        _allowance(b, root, ac, (TaxCategory.STANDARD, Decimal(25)), f"allowance_charges[{n}]")
    if all(line.line_amount is not None for line in order.lines):
        _anticipated_total(b, root, order)
    _units_or_refuse(b, order.lines)
    for n, line in enumerate(order.lines):
        _order_line(b, root, n, line, with_date=not header_period)
    return b


def _order_line(b: _Builder, root: _Element, n: int, line: OrderLine, with_date: bool
                ) -> None:
    """cac:OrderLine/cac:LineItem for line ``n`` (its delivery date ``with_date``)."""
    _note_stand_ins(b, n, line)
    item = b.el(b.el(root, "cac:OrderLine"), "cac:LineItem")
    b.el(item, "cbc:ID", line.line_id)
    if line.note:
        b.el(item, "cbc:Note", line.note)
    b.el(item, "cbc:Quantity", _quantity(line.quantity), unitCode=_unit(b, line.unit))
    if line.line_amount is not None:
        b.amount(item, "cbc:LineExtensionAmount", line.line_amount)
    if line.delivery_date and with_date:
        _requested(b, b.el(item, "cac:Delivery"), line.delivery_date, line.delivery_date)
    if len(line.allowance_charges) > 1:
        # The official Order rules fail to evaluate a line with two (F-ORD253 reads one
        # amount): the net price carries their sum, and it reads back as the price.
        for m in range(len(line.allowance_charges)):
            not_carried(f"lines[{n}].allowance_charges[{m}]", "OIOUBL order lines hold one "
                        "allowance or charge: the net price carries them all")
        for name in ("price", "gross_price"):
            not_carried(f"lines[{n}].{name}", "with the line's allowances and charges left "
                                              "out, the net price is written as the price")
        line = attrs.evolve(line, price=_net_price(line), gross_price=None,
                            allowance_charges=())
    for k, ac in enumerate(line.allowance_charges):
        _allowance(b, item, ac, (TaxCategory.STANDARD, Decimal(25)),
                   at=f"lines[{n}].allowance_charges[{k}]")
    if line.price is not None:
        _price(b, item, line, f"lines[{n}]")
    _item(b, item, line)


def _anticipated_total(b: _Builder, root: _Element, order: Order) -> None:
    """cac:AnticipatedMonetaryTotal: the lines' sum, the allowances' and the charges'
    (F-ORD112, F-ORD113), and what is payable before VAT."""
    total = b.el(root, "cac:AnticipatedMonetaryTotal")
    line_total = sum((line.line_amount or Decimal(0) for line in order.lines), Decimal(0))
    sums = {charge: sum((ac.effective_amount or Decimal(0) for ac in order.allowance_charges
                         if ac.is_charge is charge), Decimal(0)) for charge in (False, True)}
    b.amount(total, "cbc:LineExtensionAmount", line_total)
    if _written(order.allowance_charges, charge=False):
        b.amount(total, "cbc:AllowanceTotalAmount", sums[False])
    if _written(order.allowance_charges, charge=True):
        b.amount(total, "cbc:ChargeTotalAmount", sums[True])
    b.amount(total, "cbc:PayableAmount", line_total - sums[False] + sums[True])


def _requested(b: _Builder, delivery: _Element, start: Any, end: Any) -> None:
    if start is None and end is None:
        return
    period = b.el(delivery, "cac:RequestedDeliveryPeriod")
    if start:
        b.el(period, "cbc:StartDate", start.isoformat())
    if end:
        b.el(period, "cbc:EndDate", end.isoformat())


def _order_response(response: OrderResponse) -> _Builder:
    root, b = _root("OrderResponseSimple", response)
    _header(b, root, response, OIOUBL_PROFILES["order_response"])
    _copy_uuid_date(b, root, response)
    for note in response.notes:
        b.el(root, "cbc:Note", note)
    b.el(root, "cbc:AcceptedIndicator", "true" if response.accepted else "false")
    if response.rejection_note:
        b.el(root, "cbc:RejectionNote", response.rejection_note)
    reference = b.el(root, "cac:OrderReference")
    b.el(reference, "cbc:ID", response.order_id)
    if response.order_issue_date:
        b.el(reference, "cbc:IssueDate", response.order_issue_date.isoformat())
    _additional_references(b, root, response)
    seller, buyer = _require_parties(response, "order response")
    _party(b, b.el(root, "cac:SellerSupplierParty"), seller, "seller", needs_legal_entity=True)
    _party(b, b.el(root, "cac:BuyerCustomerParty"), buyer, "buyer", customer=True)
    for name in ("delivery", "invoicee", "sales_location_id", "seller_order_id",
                 "payment_terms"):
        if getattr(response, name) is not None:
            not_carried(name, "OIOUBL order responses have no place for it")
    if response.allowance_charges:
        not_carried("allowance_charges", "OIOUBL order responses have no place for them")
    return b


def to_xml(document: Document) -> bytes:
    """One document as OIOUBL 2.1 XML (UTF-8, with an XML declaration)."""
    if isinstance(document, OrderResponse):
        builder = _order_response(document)
    elif isinstance(document, Order):
        builder = _order(document)
    else:
        builder = _invoice(document)
    return builder.finish()
