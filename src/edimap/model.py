"""The typed document model every format maps to and from.

The model is the hub: each format has a reader into it and a writer out of it, and a
conversion is ``writer(reader(x))``. Objects are frozen, slotted and keyword-only. Every
amount, quantity, price and percentage is a :class:`~decimal.Decimal`, never a float; every
date is a :class:`datetime.date`. Sequences are tuples (lists given to a constructor are
turned into tuples).

Invariants are checked when an object is built: what holds for every trading partner
(types, ``Decimal`` amounts, required fields, structure). A broken one raises
:class:`~edimap.ValidationError`, whose ``errors`` list every bad field with its path::

    lines[3].quantity: must be a Decimal, not float (floats lose cents; …)

Identifiers and code values (GLN and GTIN check digits, country, currency and unit codes)
are carried exactly as given: whether they meet their standards is checked by
:mod:`edimap.content`, and readers report it as findings whose severity a profile sets.

Each class documents which EANCOM segment and which OIOUBL element a field maps to, and
which Winfinans webservice field it reaches.

This module imports no format.
"""

from __future__ import annotations

import datetime as dt
import enum
import types
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import Any, TypeVar

import attrs

from edimap.findings import FieldError, ValidationError

__all__ = [
    "Address",
    "AllowanceCharge",
    "Contact",
    "Document",
    "DocumentKind",
    "DocumentReference",
    "Invoice",
    "InvoiceLine",
    "Order",
    "OrderLine",
    "OrderResponse",
    "Party",
    "PartyId",
    "PaymentMeans",
    "PaymentTerms",
    "TaxCategory",
    "TaxSubtotal",
    "Unit",
]


class DocumentKind(enum.StrEnum):
    """What a document is. EANCOM: the message type and BGM 1001; OIOUBL: the root element."""

    ORDER = "order"
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"
    ORDER_RESPONSE = "order_response"


class TaxCategory(enum.StrEnum):
    """Duty/tax category, UN/EDIFACT code list 5305 (EANCOM TAX 5305).

    OIOUBL writes these as its own category ids: S = ``StandardRated``, Z = ``ZeroRated``,
    AE = ``ReverseCharge``; K, G, O, B, L and M as themselves (taxcategoryid-1.4); E,
    which OIOUBL has no id for, as ``ZeroRated`` (:mod:`edimap.ubl.categories`).
    """

    STANDARD = "S"
    ZERO = "Z"
    EXEMPT = "E"
    REVERSE_CHARGE = "AE"
    INTRA_COMMUNITY = "K"
    EXPORT = "G"
    OUTSIDE_SCOPE = "O"
    MIXED = "A"
    LOWER_RATE = "AA"
    TRANSFERRED = "B"
    HIGHER_RATE = "H"
    CANARY = "L"
    CEUTA_MELILLA = "M"


class Unit(enum.StrEnum):
    """Common UN/ECE Recommendation 20 unit codes.

    Fields typed ``unit`` take any Rec 20 shaped code (2-3 upper-case letters or digits), so
    a partner's unit is never replaced; these names are for convenience. EANCOM's PCE
    (piece) is kept as PCE; the OIOUBL writer maps it.
    """

    EACH = "EA"
    ONE = "C62"
    PIECE = "H87"
    PCE = "PCE"
    KILOGRAM = "KGM"
    GRAM = "GRM"
    LITRE = "LTR"
    MILLILITRE = "MLT"
    METRE = "MTR"
    SQUARE_METRE = "MTK"
    CUBIC_METRE = "MTQ"
    TONNE = "TNE"
    HOUR = "HUR"
    DAY = "DAY"
    DOZEN = "DZN"
    PACKAGE = "PK"
    CARTON = "CT"
    BOX = "BX"
    PALLET = "PF"
    SET = "SET"
    PAIR = "PR"


# --- field helpers ----------------------------------------------------------------------

MAX_INTEGER_DIGITS = 18
"""Digits a number may have before the decimal point (EANCOM D.96A numbers are n..18)."""
MAX_DECIMALS = 10
"""Decimals a number may have (prices use up to 4, quantities up to 6 in practice)."""


def _tuple(value: Iterable[Any]) -> tuple[Any, ...]:
    """Converter for sequence fields: any iterable in, a tuple kept (objects stay frozen)."""
    return tuple(value)


_V = TypeVar("_V", bound="_Validated")


class _Checks(list[FieldError]):
    """Collects field errors while an object validates itself: the list is the errors
    (a list subclass, so that starting one per object costs no Python call)."""

    __slots__ = ()

    def add(self, path: str, message: str) -> None:
        self.append(FieldError(path, message))

    def text(self, path: str, value: object, *, required: bool = False) -> None:
        if value is None:
            if required:
                self.add(path, "is required")
            return
        if not isinstance(value, str):
            self.add(path, f"must be a string, not {type(value).__name__}")
        elif required and not value.strip():
            self.add(path, "must not be empty")

    def texts(self, obj: object, names: tuple[str, ...]) -> None:
        """:meth:`text` for optional fields of ``obj``, in one call (most are empty)."""
        for name in names:
            value = getattr(obj, name)
            if value is not None and value.__class__ is not str:
                self.text(name, value)

    def decimal(
        self,
        path: str,
        value: object,
        *,
        required: bool = False,
        non_negative: bool = False,
        positive: bool = False,
    ) -> None:
        if value is None:
            if required:
                self.add(path, "is required")
            return
        if value.__class__ is not Decimal and (isinstance(value, bool)
                                               or not isinstance(value, Decimal)):
            hint = " (floats lose cents; pass Decimal('…') or a string)" if isinstance(
                value, float
            ) else ""
            self.add(path, f"must be a Decimal, not {type(value).__name__}{hint}")
            return
        if not value.is_finite():
            self.add(path, f"must be a finite number, not {value}")
            return
        if not value:
            if positive:
                self.add(path, f"must be greater than 0, not {value}")
            return
        # The exponent from the text (documents carry thousands of numbers, and str() is
        # some ten times cheaper than as_tuple()): in plain notation it is minus the digits
        # after the point; scientific notation (exponents above 0 or far below) is rare.
        text = str(value)
        if "E" in text:
            exponent = int(value.as_tuple().exponent)
        else:
            point = text.find(".")
            exponent = point + 1 - len(text) if point >= 0 else 0
        if exponent < -MAX_DECIMALS or value.adjusted() >= MAX_INTEGER_DIGITS:
            self.add(path, f"{value} has more than {MAX_INTEGER_DIGITS} digits before or "
                           f"{MAX_DECIMALS} after the decimal point")
        elif text[0] == "-" and positive:
            self.add(path, f"must be greater than 0, not {value}")
        elif text[0] == "-" and non_negative:
            self.add(path, f"must not be negative, not {value}")

    def date(self, path: str, value: object, *, required: bool = False) -> None:
        if value is None:
            if required:
                self.add(path, "is required")
            return
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
            self.add(path, f"must be a date, not {type(value).__name__}")

    def nested(self, path: str, value: object, kind: type[Any] | tuple[type[Any], ...]) -> None:
        if value is not None and not isinstance(value, kind):
            names = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
            self.add(path, f"must be {names}, not {type(value).__name__}")

    def items(self, path: str, values: tuple[Any, ...], kind: type[Any]) -> None:
        if set(map(type, values)) <= {kind}:  # (a document's thousand lines: one C loop)
            return
        for i, item in enumerate(values):
            if not isinstance(item, kind):
                self.nested(f"{path}[{i}]", item, kind)


class _Validated:
    """Mixin: run ``_check`` after attrs has set the fields."""

    __slots__ = ()

    def _check(self, c: _Checks) -> None:
        raise NotImplementedError

    def __attrs_post_init__(self) -> None:
        checks = _Checks()
        self._check(checks)
        if checks:
            raise ValidationError(list(checks))


def unchecked_constructor(cls: type[_V]) -> Callable[..., _V]:
    """A constructor of the model class ``cls`` that sets the fields given by keyword (the
    others to their defaults) and runs none of the checks.

    For readers only, and only with values their own grammar has already held to every rule
    the checks enforce: the EANCOM reader builds its most common order lines this way, and
    its tests hold each line built so to the checked constructor. Anyone else builds model
    objects by calling the class."""
    params: list[str] = []
    body: list[str] = []
    defaults: dict[str, Any] = {}
    namespace: dict[str, Any] = {"_new": object.__new__, "_cls": cls, "_defaults": defaults}
    for field in attrs.fields(cls):  # type: ignore[arg-type]
        name = field.name
        default = field.default
        if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
            # The model's only factory is tuple(), whose empty tuple is immutable and can
            # be shared; a mutable default would need a fresh one per object.
            if default.factory is not tuple or default.takes_self:
                raise TypeError(f"{cls.__name__}.{name}: only tuple() defaults are supported")
            default = ()
        if default is attrs.NOTHING:
            params.append(name)
        else:
            defaults[name] = default
            params.append(f"{name}=_defaults[{name!r}]")
        # Each field is a slot: its descriptor sets it straight (object.__setattr__ would
        # first look the name up, at about twice the cost).
        slot = getattr(cls, name)
        if not isinstance(slot, types.MemberDescriptorType):
            raise TypeError(f"{cls.__name__}.{name} is not a slot")
        namespace[f"_set_{name}"] = slot.__set__
        body.append(f"    _set_{name}(obj, {name})")
    source = (f"def build(*, {', '.join(params)}):\n    obj = _new(_cls)\n"
              + "\n".join(body) + "\n    return obj\n")
    # Compiled once per class from its field names (as attrs writes its own __init__): a
    # loop over the fields would cost more than the checks it saves.
    exec(compile(source, f"<edimap unchecked {cls.__name__}>", "exec"), namespace)
    build: Callable[..., _V] = namespace["build"]
    return build


# --- parties ----------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Address(_Validated):
    """A postal address.

    ======================  ==========================  ===================================
    field                   EANCOM NAD                  OIOUBL ``cac:PostalAddress``
    ======================  ==========================  ===================================
    street                  C059 3042 (1st)             cbc:StreetName
    additional_street       C059 3042 (2nd and later)   cbc:AdditionalStreetName
    building_number         (part of the street)        cbc:BuildingNumber
    city                    3164                        cbc:CityName
    postal_code             3251                        cbc:PostalZone
    region                  C819 3229                   cbc:CountrySubentity
    country                 3207 (ISO 3166 alpha-2)     cac:Country/cbc:IdentificationCode
    ======================  ==========================  ===================================

    Winfinans ``Address``: Address1, Address2, HouseNumber, City, PostalCode, Region,
    CountryISO3166_2.
    """

    street: str | None = None
    additional_street: str | None = None
    building_number: str | None = None
    city: str | None = None
    postal_code: str | None = None
    region: str | None = None
    country: str | None = None

    def _check(self, c: _Checks) -> None:
        c.texts(self, ("street", "additional_street", "building_number", "city", "postal_code",
                       "region", "country"))
        if (self.street is None and self.additional_street is None
                and self.building_number is None and self.city is None
                and self.postal_code is None and self.region is None and self.country is None):
            c.add("street", "an address needs at least one field")


@attrs.frozen(kw_only=True)
class Contact(_Validated):
    """A contact person. EANCOM SG5 CTA (C056 name) with COM (TE phone, EM e-mail);
    OIOUBL ``cac:Contact`` (cbc:ID, cbc:Name, cbc:Telephone, cbc:ElectronicMail)."""

    id: str | None = None
    name: str | None = None
    phone: str | None = None
    email: str | None = None

    def _check(self, c: _Checks) -> None:
        for name in ("id", "name", "phone", "email"):
            c.text(name, getattr(self, name))
        if not any((self.id, self.name, self.phone, self.email)):
            c.add("name", "a contact needs at least one of id, name, phone, email")


@attrs.frozen(kw_only=True)
class PartyId(_Validated):
    """An identifier of a party other than its GLN or CVR, with the scheme that issued it.

    EANCOM NAD C082 3039 with 3055 = 91 (assigned by the supplier) or 92 (by the buyer), or
    ZZ/ZZZ (mutually defined); OIOUBL ``cac:PartyIdentification/cbc:ID @schemeID``.
    """

    value: str
    scheme: str | None = None

    def _check(self, c: _Checks) -> None:
        c.text("value", self.value, required=True)
        c.text("scheme", self.scheme)


@attrs.frozen(kw_only=True)
class Party(_Validated):
    """A trading party: buyer, seller, delivery place, invoicee.

    ==================  ===============================  ======================================
    field               EANCOM                           OIOUBL
    ==================  ===============================  ======================================
    gln                 NAD C082 3039, 3055 = 9          cbc:EndpointID schemeID="GLN" or
                                                         cac:PartyIdentification/cbc:ID
    cvr                 RFF+GN (8 digits; the format is  cac:PartyLegalEntity/cbc:CompanyID
                        checked, readers warn when the
                        modulus-11 check fails)
                                                         schemeID="DK:CVR" (DK + 8 digits)
    vat_id              RFF+VA (foreign or DK-prefixed)  cac:PartyTaxScheme/cbc:CompanyID
    name                NAD C080 3036                    cac:PartyName/cbc:Name
    address             NAD C059 … 3207                  cac:PostalAddress
    endpoint_id/scheme  (UNB S002/S003 for the envelope) cbc:EndpointID and @schemeID
    ids                 NAD C082 with 3055 = 91/92/ZZ    cac:PartyIdentification
    contact             SG5 CTA/COM                      cac:Contact
    account             RFF+IT (internal customer no.)   —
    ==================  ===============================  ======================================

    ``account`` is the customer's account in Winfinans (``Address.Account``); ``gln`` is the
    Winfinans ``Address.ean`` that orders are matched by.
    """

    gln: str | None = None
    cvr: str | None = None
    vat_id: str | None = None
    name: str | None = None
    address: Address | None = None
    endpoint_id: str | None = None
    endpoint_scheme: str | None = None
    ids: tuple[PartyId, ...] = attrs.field(factory=tuple, converter=_tuple)
    contact: Contact | None = None
    account: str | None = None

    def _check(self, c: _Checks) -> None:
        # Identifiers are carried as given; their check digits are content (edimap.content).
        c.texts(self, ("gln", "cvr", "vat_id", "name", "account", "endpoint_id",
                       "endpoint_scheme"))
        if self.address is not None:
            c.nested("address", self.address, Address)
        if self.contact is not None:
            c.nested("contact", self.contact, Contact)
        if self.ids:
            c.items("ids", self.ids, PartyId)
        if (self.endpoint_id is None) != (self.endpoint_scheme is None):
            c.add("endpoint_scheme", "endpoint_id and endpoint_scheme go together")


# --- shared document parts --------------------------------------------------------------


@attrs.frozen(kw_only=True)
class DocumentReference(_Validated):
    """A reference to another document.

    ``kind`` is the EANCOM RFF 1153 qualifier (CT contract, DQ delivery note, AAK despatch
    advice, PD promotion deal, VN supplier's order, BO blanket order, …); OIOUBL maps the
    ones it knows to ``cac:ContractDocumentReference``, ``cac:DespatchDocumentReference``
    and ``cac:AdditionalDocumentReference``. ``date`` is the DTM+171 that follows the RFF.
    """

    kind: str
    id: str
    date: dt.date | None = None

    def _check(self, c: _Checks) -> None:
        c.text("kind", self.kind, required=True)
        c.text("id", self.id, required=True)
        c.date("date", self.date)


@attrs.frozen(kw_only=True)
class AllowanceCharge(_Validated):
    """An allowance (discount) or a charge (fee) on the document or on a line.

    ==============  ===================================  =======================================
    field           EANCOM (SG18/SG19, SG15/SG16, SG39)  OIOUBL ``cac:AllowanceCharge``
    ==============  ===================================  =======================================
    is_charge       ALC 5463 (A allowance, C charge)     cbc:ChargeIndicator
    amount          MOA 8 / 204 / 23                     cbc:Amount
    reason_code     ALC C214 7161 (DI, FC, …)            cbc:AllowanceChargeReasonCode
    reason          ALC C214 7160                        cbc:AllowanceChargeReason
    percent         PCD 1 / 2                            cbc:MultiplierFactorNumeric (× 100)
    base_amount     MOA 25                               cbc:BaseAmount
    sequence        ALC 1227 calculation sequence        cbc:SequenceNumeric
    tax_category    TAX 5305 in the ALC group            cac:TaxCategory/cbc:ID
    tax_percent     TAX C243 5278                        cac:TaxCategory/cbc:Percent
    ==============  ===================================  =======================================

    ``amount`` is positive for both kinds; ``is_charge`` says which way it counts (a
    corrective invoice that negates every amount, as Peppol BIS 3 allows, gives it
    negative, and it then counts the other way; EANCOM cannot write that). An
    allowance given only as a percentage (common on orders) has no amount; one of the two
    is required.
    """

    is_charge: bool
    amount: Decimal | None = None
    reason_code: str | None = None
    reason: str | None = None
    percent: Decimal | None = None
    base_amount: Decimal | None = None
    sequence: int | None = None
    tax_category: TaxCategory | None = None
    tax_percent: Decimal | None = None

    def _check(self, c: _Checks) -> None:
        if not isinstance(self.is_charge, bool):
            c.add("is_charge", "must be true or false")
        c.decimal("amount", self.amount)
        if self.amount is None and self.percent is None:
            c.add("amount", "an allowance or charge needs an amount or a percent")
        c.decimal("percent", self.percent, non_negative=True)
        c.decimal("base_amount", self.base_amount)
        c.decimal("tax_percent", self.tax_percent, non_negative=True)
        c.text("reason_code", self.reason_code)
        c.text("reason", self.reason)
        c.nested("tax_category", self.tax_category, TaxCategory)

    @property
    def effective_amount(self) -> Decimal | None:
        """The amount, or percent × base amount when only those are given."""
        if self.amount is not None:
            return self.amount
        if self.percent is not None and self.base_amount is not None:
            return self.base_amount * self.percent / 100
        return None

    @property
    def signed_amount(self) -> Decimal:
        """The amount as it counts towards a total: negative for an allowance.

        Raises :class:`~edimap.ValidationError` when the amount cannot be known."""
        amount = self.effective_amount
        if amount is None:
            raise ValidationError([FieldError("amount", "an allowance or charge given as a "
                                               "percent needs a base_amount to be totalled")])
        return amount if self.is_charge else -amount


@attrs.frozen(kw_only=True)
class PaymentTerms(_Validated):
    """Payment terms. EANCOM SG8 PAT (+ DTM 13 due date, PCD 12 discount); OIOUBL
    ``cac:PaymentTerms`` (cbc:Note, cac:SettlementPeriod, cbc:SettlementDiscountPercent).
    Winfinans ``OrderSales.TermsOfPayment`` holds the code, ``PayDate`` the due date."""

    code: str | None = None
    net_days: int | None = None
    due_date: dt.date | None = None
    discount_percent: Decimal | None = None
    discount_days: int | None = None
    note: str | None = None

    def _check(self, c: _Checks) -> None:
        c.text("code", self.code)
        c.text("note", self.note)
        c.date("due_date", self.due_date)
        c.decimal("discount_percent", self.discount_percent, non_negative=True)
        for name in ("net_days", "discount_days"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                      or value < 0):
                c.add(name, f"must be a whole number of days, not {value!r}")


@attrs.frozen(kw_only=True)
class PaymentMeans(_Validated):
    """How to pay. OIOUBL ``cac:PaymentMeans``; EANCOM FII (account) and PAI.

    ``code`` is UN/EDIFACT 4461 as OIOUBL restricts it (31 foreign transfer, 42 domestic
    transfer, 49 direct debit, 50 giro, 93 FI-kort, 97 NemKonto, 58/59 SEPA, 1/10/20/48);
    ``channel`` the OIOUBL PaymentChannelCode (DK:BANK, IBAN, DK:FIK, DK:GIRO, DK:NEMKONTO);
    None means the channel the code implies (42 → DK:BANK, 31 → IBAN, 93 → DK:FIK, …).
    Winfinans carries the seller's bank data on the sales location (``CompanySeller``).
    """

    code: str
    channel: str | None = None
    account_id: str | None = None
    bank_reg_no: str | None = None
    iban: str | None = None
    bic: str | None = None
    payment_id: str | None = None
    instruction_id: str | None = None
    creditor_account: str | None = None
    due_date: dt.date | None = None

    def _check(self, c: _Checks) -> None:
        c.text("code", self.code, required=True)
        for name in ("channel", "account_id", "bank_reg_no", "iban", "bic", "payment_id",
                     "instruction_id", "creditor_account"):
            c.text(name, getattr(self, name))
        c.date("due_date", self.due_date)


@attrs.frozen(kw_only=True)
class TaxSubtotal(_Validated):
    """VAT (or another duty) for one category and rate.

    EANCOM summary TAX + MOA 125 (taxable) + MOA 124 (tax) (INVOIC SG50 in D.96A, SG52 in
    D.01B); OIOUBL ``cac:TaxTotal/cac:TaxSubtotal`` (cbc:TaxableAmount, cbc:TaxAmount,
    cac:TaxCategory with cbc:Percent). ``scheme`` is EANCOM 5153 (VAT, or a duty code);
    OIOUBL writes VAT as tax scheme 63 "Moms".
    """

    taxable_amount: Decimal
    tax_amount: Decimal
    category: TaxCategory = TaxCategory.STANDARD
    percent: Decimal = Decimal("25")
    scheme: str = "VAT"

    def _check(self, c: _Checks) -> None:
        c.decimal("taxable_amount", self.taxable_amount, required=True)
        c.decimal("tax_amount", self.tax_amount, required=True)
        c.decimal("percent", self.percent, required=True, non_negative=True)
        c.nested("category", self.category, TaxCategory)
        c.text("scheme", self.scheme, required=True)


# --- lines ------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class _LineBase(_Validated):
    """Fields every line has; see :class:`OrderLine` and :class:`InvoiceLine`."""

    line_id: str
    gtin: str | None = None
    seller_item_id: str | None = None
    buyer_item_id: str | None = None
    description: str | None = None
    quantity: Decimal
    unit: str | None = None
    units_per_package: Decimal | None = None
    free_quantity: Decimal | None = None
    price: Decimal | None = None
    price_basis: Decimal | None = None
    gross_price: Decimal | None = None

    def _check(self, c: _Checks) -> None:
        # Documents have thousands of lines and most optional fields are empty: the None
        # tests are written out here so an empty field costs no call.
        c.text("line_id", self.line_id, required=True)
        c.texts(self, ("gtin", "seller_item_id", "buyer_item_id", "description", "unit"))
        if self.units_per_package is not None:
            c.decimal("units_per_package", self.units_per_package, positive=True)
        if self.price is not None:
            c.decimal("price", self.price)
        if self.price_basis is not None:
            c.decimal("price_basis", self.price_basis, positive=True)
        if self.gross_price is not None:
            c.decimal("gross_price", self.gross_price)
        if self.free_quantity is not None:
            c.decimal("free_quantity", self.free_quantity, non_negative=True)


@attrs.frozen(kw_only=True)
class OrderLine(_LineBase):
    """One ordered item.

    ==================  ================================  ====================================
    field               EANCOM ORDERS (SG25 / D.01B SG28)  OIOUBL ``cac:OrderLine/cac:LineItem``
    ==================  ================================  ====================================
    line_id             LIN 1082                          cbc:ID
    gtin                LIN C212 7140, 7143 = EN/SRV      cac:StandardItemIdentification
    seller_item_id      PIA 5 … :SA                       cac:SellersItemIdentification
    buyer_item_id       PIA 5 … :IN                       cac:BuyersItemIdentification
    description         IMD F 7008                        cac:Item/cbc:Name
    quantity            QTY 21                            cbc:Quantity
    unit                QTY 6411                          cbc:Quantity/@unitCode
    units_per_package   QTY 59                            cac:Item/cbc:PackQuantity
    free_quantity       QTY 192                           —
    price               PRI AAA (net)                     cac:Price/cbc:PriceAmount
    price_basis         PRI 5284                          cac:Price/cbc:BaseQuantity
    gross_price         PRI AAB                           —
    line_amount         MOA 203                           cbc:LineExtensionAmount
    delivery_date       DTM 2 in the line                 cac:Delivery/cbc:RequestedDeliveryDate
    note                FTX in the line                   cbc:Note
    ==================  ================================  ====================================

    A UBL price for another unit than the quantity's (``BaseQuantity`` in bottles, the
    quantity in cases) is the price per the quantity's unit: PriceAmount ×
    ``cbc:OrderableUnitFactorRate``, as the OIOUBL rules compute the line (F-INV343).

    Winfinans ``OrderLine``: ``EAN`` = gtin, ``ItemID`` = seller_item_id (left out when
    there is a GTIN, to let the server resolve the EAN), ``ItemDesc`` = description,
    ``Qty`` = quantity, ``SalesPrice`` = price / price_basis (per ordered unit, so
    ``QtyPackages`` is sent as 1; invoices read ``QtyPackages`` back as
    units_per_package), ``Unit`` = unit, ``AddInformation`` = note.
    A quantity may not be negative on an order.
    """

    line_amount: Decimal | None = None
    delivery_date: dt.date | None = None
    note: str | None = None
    allowance_charges: tuple[AllowanceCharge, ...] = attrs.field(factory=tuple, converter=_tuple)

    def _check(self, c: _Checks) -> None:
        _LineBase._check(self, c)  # (not super(): once per line)
        c.decimal("quantity", self.quantity, required=True, non_negative=True)
        if self.line_amount is not None:
            c.decimal("line_amount", self.line_amount)
        if self.delivery_date is not None:
            c.date("delivery_date", self.delivery_date)
        if self.note is not None:
            c.text("note", self.note)
        if self.allowance_charges:
            c.items("allowance_charges", self.allowance_charges, AllowanceCharge)


@attrs.frozen(kw_only=True)
class InvoiceLine(_LineBase):
    """One invoiced item.

    As :class:`OrderLine`, with: quantity = QTY 47 (invoiced) / ``cbc:InvoicedQuantity`` or
    ``cbc:CreditedQuantity``; delivered_quantity = QTY 46; line_amount = MOA 203 /
    ``cbc:LineExtensionAmount`` (net, excluding VAT, after line allowances and charges);
    tax_category / tax_percent = line TAX (SG33 / D.01B SG34) /
    ``cac:Item/cac:ClassifiedTaxCategory``; order_line_id = RFF+LI /
    ``cac:OrderLineReference/cbc:LineID``.
    """

    line_amount: Decimal
    delivered_quantity: Decimal | None = None
    tax_category: TaxCategory = TaxCategory.STANDARD
    tax_percent: Decimal = Decimal("25")
    order_line_id: str | None = None
    note: str | None = None
    allowance_charges: tuple[AllowanceCharge, ...] = attrs.field(factory=tuple, converter=_tuple)

    def _check(self, c: _Checks) -> None:
        _LineBase._check(self, c)  # (not super(): once per line)
        c.decimal("quantity", self.quantity, required=True)
        c.decimal("line_amount", self.line_amount, required=True)
        c.decimal("delivered_quantity", self.delivered_quantity)
        c.decimal("tax_percent", self.tax_percent, required=True, non_negative=True)
        c.nested("tax_category", self.tax_category, TaxCategory)
        c.text("order_line_id", self.order_line_id)
        c.text("note", self.note)
        c.items("allowance_charges", self.allowance_charges, AllowanceCharge)


# --- documents --------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class _DocumentBase(_Validated):
    """Fields every document has; see :class:`Order` and :class:`Invoice`."""

    id: str
    issue_date: dt.date
    currency: str = "DKK"
    buyer: Party | None = None
    seller: Party | None = None
    delivery: Party | None = None
    invoicee: Party | None = None
    sales_location_id: int | None = None
    seller_order_id: str | None = None
    references: tuple[DocumentReference, ...] = attrs.field(factory=tuple, converter=_tuple)
    notes: tuple[str, ...] = attrs.field(factory=tuple, converter=_tuple)
    allowance_charges: tuple[AllowanceCharge, ...] = attrs.field(factory=tuple, converter=_tuple)
    payment_terms: PaymentTerms | None = None

    def _check(self, c: _Checks) -> None:
        c.text("id", self.id, required=True)
        c.date("issue_date", self.issue_date, required=True)
        c.text("currency", self.currency, required=True)
        for name in ("buyer", "seller", "delivery", "invoicee"):
            party = getattr(self, name)
            if party is not None and party.__class__ is not Party:
                c.nested(name, party, Party)
        if self.seller_order_id is not None:
            c.text("seller_order_id", self.seller_order_id)
        if self.references:
            c.items("references", self.references, DocumentReference)
        if self.allowance_charges:
            c.items("allowance_charges", self.allowance_charges, AllowanceCharge)
        if self.payment_terms is not None:
            c.nested("payment_terms", self.payment_terms, PaymentTerms)
        for i, note in enumerate(self.notes):
            c.text(f"notes[{i}]", note, required=True)
        if self.sales_location_id is not None and (
            isinstance(self.sales_location_id, bool) or not isinstance(self.sales_location_id, int)
        ):
            c.add("sales_location_id", "must be a whole number (Winfinans SellerID)")


def _check_line_ids(c: _Checks, lines: tuple[Any, ...]) -> None:
    try:
        ids = [line.line_id for line in lines]
        if len(set(ids)) == len(ids):  # the common case, told apart in one go
            return
    except (AttributeError, TypeError):  # not lines, or a line_id no set can hold
        pass
    seen: dict[str, int] = {}
    for i, line in enumerate(lines):
        line_id = getattr(line, "line_id", None)
        if line_id in seen:
            c.add(f"lines[{i}].line_id", f"{line_id!r} is used by lines[{seen[line_id]}] too")
        elif isinstance(line_id, str):
            seen[line_id] = i


@attrs.frozen(kw_only=True)
class Order(_DocumentBase):
    """A purchase order from a buyer to a supplier.

    =====================  ==============================  ==================================
    field                  EANCOM ORDERS                   OIOUBL ``Order``
    =====================  ==============================  ==================================
    id                     BGM C106 1004 (buyer's number)  cbc:ID
    issue_date             DTM 137                         cbc:IssueDate
    order_type             BGM C002 1001 (220, 221, 226…)  —
    message_function       BGM 1225 (9 original, 5, 1…)    —
    currency               CUX C504 6345 (default DKK)     cbc:DocumentCurrencyCode
    delivery_date          DTM 2                           cac:Delivery/cac:RequestedDeliveryPeriod
    earliest/latest        DTM 64 / DTM 63                 cac:RequestedDeliveryPeriod
    buyer                  NAD BY                          cac:BuyerCustomerParty
    seller                 NAD SU                          cac:SellerSupplierParty
    delivery               NAD DP                          cac:Delivery/cac:DeliveryLocation
    invoicee               NAD IV                          cac:AccountingCustomerParty
    ultimate_consignee     NAD UC                          —
    seller_order_id        RFF VN                          cbc:SalesOrderID
    references             other RFF (CT, PD, BO, …)       cac:*DocumentReference
    notes                  FTX                             cbc:Note
    lines                  SG25 / SG28 LIN groups          cac:OrderLine
    =====================  ==============================  ==================================

    Winfinans ``OrderSales``: the buyer's order number goes to ``requisition`` (see
    :attr:`requisition`), the delivery date to ``ShipDate``, the customer is found by the
    buyer's (or delivery) GLN, and ``seller`` is the sales location (``sales_location_id``).
    """

    order_type: str = "220"
    message_function: str = "9"
    delivery_date: dt.date | None = None
    earliest_delivery_date: dt.date | None = None
    latest_delivery_date: dt.date | None = None
    ultimate_consignee: Party | None = None
    lines: tuple[OrderLine, ...] = attrs.field(factory=tuple, converter=_tuple)

    @property
    def kind(self) -> DocumentKind:
        return DocumentKind.ORDER

    @property
    def requisition(self) -> str:
        """The buyer's PO number as Winfinans stores it (``OrderSales.requisition``)."""
        return self.id

    def _check(self, c: _Checks) -> None:
        _DocumentBase._check(self, c)
        if self.ultimate_consignee is not None:
            c.nested("ultimate_consignee", self.ultimate_consignee, Party)
        c.text("order_type", self.order_type, required=True)
        c.text("message_function", self.message_function, required=True)
        for name in ("delivery_date", "earliest_delivery_date", "latest_delivery_date"):
            value = getattr(self, name)
            if value is not None and value.__class__ is not dt.date:
                c.date(name, value)
        if (
            isinstance(self.earliest_delivery_date, dt.date)
            and isinstance(self.latest_delivery_date, dt.date)
            and self.earliest_delivery_date > self.latest_delivery_date
        ):
            c.add("latest_delivery_date", "is before earliest_delivery_date")
        c.items("lines", self.lines, OrderLine)
        _check_line_ids(c, self.lines)


@attrs.frozen(kw_only=True)
class Invoice(_DocumentBase):
    """An invoice or a credit note (``kind``).

    =====================  ==============================  ==================================
    field                  EANCOM INVOIC                   OIOUBL ``Invoice`` / ``CreditNote``
    =====================  ==============================  ==================================
    kind                   BGM 1001 (381 → credit_note)    root element
    type_code              BGM 1001 (380, 381, 383, …)     cbc:InvoiceTypeCode
    id                     BGM 1004                        cbc:ID
    issue_date             DTM 137                         cbc:IssueDate
    delivery_date          DTM 35                          cac:Delivery/cbc:ActualDeliveryDate
    tax_point_date         DTM 131                         cbc:TaxPointDate
    period_start/end       DTM 263 (format 718)            cac:InvoicePeriod
    order_id               RFF ON                          cac:OrderReference/cbc:ID
    seller_order_id        RFF VN                          cac:OrderReference/cbc:SalesOrderID
    corrected_invoice_id   RFF IV (on credit notes)        cac:BillingReference
    delivery_note_id       RFF DQ                          cac:DespatchDocumentReference
    contract_id            RFF CT                          cac:ContractDocumentReference
    seller / buyer         NAD SU / NAD BY                 AccountingSupplierParty /
                                                           AccountingCustomerParty
    delivery / invoicee    NAD DP / NAD IV                 cac:Delivery / (buyer accounting)
    payment_terms          SG8 PAT                         cac:PaymentTerms
    payment_means          FII, PAI                        cac:PaymentMeans
    lines                  SG25 / SG26 LIN groups          cac:InvoiceLine / cac:CreditNoteLine
    tax_subtotals          SG50 / SG52 TAX + MOA 124/125   cac:TaxTotal/cac:TaxSubtotal
    line_total             MOA 79                          cbc:LineExtensionAmount
    allowance_total        MOA 204 / 260 in the summary    cbc:AllowanceTotalAmount
    charge_total           MOA 23 / 259 in the summary     cbc:ChargeTotalAmount
    tax_total              MOA 176 (124)                   cac:TaxTotal/cbc:TaxAmount
    payable                MOA 9 (or 86/77)                cbc:PayableAmount
    =====================  ==============================  ==================================

    The totals are what the document *states*; :mod:`edimap.totals` computes what they
    should be, and writers always write computed totals. Winfinans ``OrderSales`` with
    ``InvoiceCreditnote`` = invoice / CreditNote: ``InvoiceNo`` = id, ``requisition`` =
    order_id, ``Total`` = line_total, ``TotalVatEx + TotalVatIn`` = tax_total.
    """

    kind: DocumentKind = DocumentKind.INVOICE
    type_code: str | None = None
    order_id: str | None = None
    corrected_invoice_id: str | None = None
    delivery_note_id: str | None = None
    contract_id: str | None = None
    delivery_date: dt.date | None = None
    tax_point_date: dt.date | None = None
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    payment_means: tuple[PaymentMeans, ...] = attrs.field(factory=tuple, converter=_tuple)
    tax_subtotals: tuple[TaxSubtotal, ...] = attrs.field(factory=tuple, converter=_tuple)
    line_total: Decimal | None = None
    allowance_total: Decimal | None = None
    charge_total: Decimal | None = None
    tax_total: Decimal | None = None
    prepaid: Decimal | None = None
    rounding: Decimal | None = None
    payable: Decimal | None = None
    lines: tuple[InvoiceLine, ...] = attrs.field(factory=tuple, converter=_tuple)

    @property
    def effective_type_code(self) -> str:
        """BGM 1001 / InvoiceTypeCode: ``type_code`` or 380 / 381 by kind."""
        if self.type_code:
            return self.type_code
        return "381" if self.kind is DocumentKind.CREDIT_NOTE else "380"

    def _check(self, c: _Checks) -> None:
        super()._check(c)
        if self.kind not in (DocumentKind.INVOICE, DocumentKind.CREDIT_NOTE):
            c.add("kind", f"must be invoice or credit_note, not {self.kind!r}")
        for name in ("type_code", "order_id", "corrected_invoice_id",
                     "delivery_note_id", "contract_id"):
            c.text(name, getattr(self, name))
        for name in ("delivery_date", "tax_point_date", "period_start", "period_end"):
            c.date(name, getattr(self, name))
        if (
            isinstance(self.period_start, dt.date)
            and isinstance(self.period_end, dt.date)
            and self.period_start > self.period_end
        ):
            c.add("period_end", "is before period_start")
        for name in ("line_total", "allowance_total", "charge_total", "tax_total", "prepaid",
                     "rounding", "payable"):
            c.decimal(name, getattr(self, name))
        c.items("lines", self.lines, InvoiceLine)
        c.items("payment_means", self.payment_means, PaymentMeans)
        c.items("tax_subtotals", self.tax_subtotals, TaxSubtotal)
        _check_line_ids(c, self.lines)


@attrs.frozen(kw_only=True)
class OrderResponse(_DocumentBase):
    """The supplier's answer to a whole order: accepted or rejected (no line changes).

    =====================  ==================================================================
    field                  OIOUBL ``OrderResponseSimple``
    =====================  ==================================================================
    id                     cbc:ID (the response's own number)
    issue_date             cbc:IssueDate
    accepted               cbc:AcceptedIndicator
    rejection_note         cbc:RejectionNote (needed when the order is rejected)
    order_id               cac:OrderReference/cbc:ID (the buyer's order number)
    order_issue_date       cac:OrderReference/cbc:IssueDate
    seller                 cac:SellerSupplierParty
    buyer                  cac:BuyerCustomerParty
    notes                  cbc:Note
    =====================  ==================================================================

    EANCOM's ORDRSP is not mapped; an order response is read from and written to OIOUBL and
    JSON. Winfinans: ``order_id`` is the ``requisition`` of the order it answers.
    """

    accepted: bool
    order_id: str
    order_issue_date: dt.date | None = None
    rejection_note: str | None = None

    @property
    def kind(self) -> DocumentKind:
        return DocumentKind.ORDER_RESPONSE

    def _check(self, c: _Checks) -> None:
        super()._check(c)
        if not isinstance(self.accepted, bool):
            c.add("accepted", f"must be true or false, not {self.accepted!r}")
        c.text("order_id", self.order_id, required=True)
        c.date("order_issue_date", self.order_issue_date)
        c.text("rejection_note", self.rejection_note)
        if self.accepted is False and not self.rejection_note:
            c.add("rejection_note", "is required when the order is rejected")


Document = Order | Invoice | OrderResponse
"""Any document edimap reads or writes."""


def iter_parties(doc: Document) -> Iterator[tuple[str, Party]]:
    """The parties a document names, with their role field names."""
    roles = ["buyer", "seller", "delivery", "invoicee"]
    if isinstance(doc, Order):
        roles.append("ultimate_consignee")
    for role in roles:
        party = getattr(doc, role)
        if party is not None:
            yield role, party


def paths_holding(value: str, obj: object, path: str = "") -> Iterator[str]:
    """The model paths under ``obj`` whose text is ``value`` (``seller.gln``,
    ``lines[0].description``), to tell which field an output's value came from."""
    if isinstance(obj, str):
        if obj == value:
            yield path
    elif attrs.has(cls := type(obj)):
        for field in attrs.fields(cls):
            yield from paths_holding(value, getattr(obj, field.name),
                                     f"{path}.{field.name}" if path else field.name)
    elif isinstance(obj, tuple | list):
        for i, item in enumerate(obj):
            yield from paths_holding(value, item, f"{path}[{i}]")
