"""edimap: EANCOM EDIFACT and OIOUBL ⇄ typed Winfinans orders and invoices.

The public surface::

    import edimap

    result = edimap.read("orders.edi")          # bytes, a path or a binary file
    for item in result.items:                  # every message, converted or not
        print(item.reference, item.ok, [str(f) for f in item.findings])
    data = edimap.write(result.documents, format="json")

Readers never raise on bad content: they return findings with exact locations. Exceptions
are for bad use and for callers who ask (``result.raise_for_errors()``); every one derives
from :class:`EdimapError`.
"""

from edimap._api import FORMATS, Item, ReadResult, detect_format, read, validate, write
from edimap._notes import NotCarriedWarning
from edimap._streaming import ItemStream, iter_read
from edimap._version import __version__
from edimap.findings import (
    REGISTRY,
    ConfigurationError,
    EdimapError,
    FieldError,
    Finding,
    InputError,
    InvalidChecksum,
    InvalidFormat,
    InvalidIdentifier,
    InvalidLength,
    LimitExceeded,
    Location,
    Severity,
    SourceError,
    UsageError,
    ValidationError,
)
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
    Unit,
)
from edimap.profiles import Profile, ProfileSet

__all__ = [
    "FORMATS",
    "REGISTRY",
    "Address",
    "AllowanceCharge",
    "ConfigurationError",
    "Contact",
    "Document",
    "DocumentKind",
    "DocumentReference",
    "EdimapError",
    "FieldError",
    "Finding",
    "InputError",
    "InvalidChecksum",
    "InvalidFormat",
    "InvalidIdentifier",
    "InvalidLength",
    "Invoice",
    "InvoiceLine",
    "Item",
    "ItemStream",
    "LimitExceeded",
    "Location",
    "NotCarriedWarning",
    "Order",
    "OrderLine",
    "OrderResponse",
    "Party",
    "PartyId",
    "PaymentMeans",
    "PaymentTerms",
    "Profile",
    "ProfileSet",
    "ReadResult",
    "Severity",
    "SourceError",
    "TaxCategory",
    "TaxSubtotal",
    "Unit",
    "UsageError",
    "ValidationError",
    "__version__",
    "detect_format",
    "iter_read",
    "read",
    "validate",
    "write",
]
