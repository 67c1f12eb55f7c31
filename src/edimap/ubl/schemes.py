"""OIOUBL and Peppol BIS 3 / EN 16931 side by side, one table each: identifier schemes
(OIOUBL's scheme ids and the ISO 6523 ICD codes of the EAS list), tax categories (UNCL
5305, which Peppol and the model use, and OIOUBL's own category ids), payment means codes
(UNCL 4461 and the part of it OIOUBL accepts), and the CustomizationID and ProfileID that
tell the two apart.

    >>> oioubl_scheme("0088"), oioubl_scheme("DK:CVR"), oioubl_scheme("16")
    ('GLN', 'DK:CVR', 'DUNS')
"""

from __future__ import annotations

from edimap.model import TaxCategory

__all__ = ["AGENCY_TO_OIOUBL", "CATEGORY_TO_OIOUBL", "EAS_TO_OIOUBL", "ENDPOINT_SCHEMES",
           "OIOUBL_CUSTOMIZATION", "OIOUBL_PAYMENT_MEANS", "OIOUBL_PROFILES",
           "OIOUBL_SCHEMES", "OIOUBL_TO_CATEGORY", "PAYMENT_MEANS_TO_OIOUBL",
           "PEPPOL_CUSTOMIZATIONS", "PEPPOL_PROFILES", "VAT_PREFIX_COUNTRY", "customization",
           "oioubl_payment_code",
           "oioubl_scheme"]

OIOUBL_SCHEMES = frozenset(
    """
    GLN DUNS DK:P DK:CVR DK:CPR DK:SE FR:SIRET ZZZ DK:TELEFON FI:ORGNR IS:VSKNR NO:EFO
    NO:NOBB NO:NODI NO:ORGNR NO:VAT SE:VAT SE:ORGNR FI:OVT FI:VAT IT:FTI IT:SIA IT:SECETI
    IT:VAT IT:CF HU:VAT EU:VAT EU:REID AT:VAT AT:GOV AT:CID IS:KT IBAN AT:KUR ES:VAT IT:IPA
    AD:VAT AL:VAT BA:VAT BE:VAT BG:VAT CH:VAT CY:VAT CZ:VAT DE:VAT EE:VAT GB:VAT GR:VAT
    HR:VAT IE:VAT LI:VAT LT:VAT LU:VAT LV:VAT MC:VAT ME:VAT MK:VAT MT:VAT NL:VAT PL:VAT
    PT:VAT RO:VAT RS:VAT SI:VAT SK:VAT SM:VAT TR:VAT VA:VAT SEPA
    """.split()  # noqa: SIM905 - a table reads better than a 70-item literal
)
"""The schemeID values the OIOUBL 1.17 rules accept for a party identifier (F-LIB183)."""

_VAT_EAS = {"9910": "HU", "9914": "AT", "9922": "AD", "9923": "AL", "9924": "BA",
            "9925": "BE", "9926": "BG", "9927": "CH", "9928": "CY", "9929": "CZ",
            "9930": "DE", "9931": "EE", "9932": "GB", "9933": "GR", "9934": "HR",
            "9935": "IE", "9936": "LI", "9937": "LT", "9938": "LU", "9939": "LV",
            "9940": "MC", "9941": "ME", "9942": "MK", "9943": "MT", "9944": "NL",
            "9945": "PL", "9946": "PT", "9947": "RO", "9948": "RS", "9949": "SI",
            "9950": "SK", "9951": "SM", "9952": "TR", "9953": "VA"}
"""The EAS codes of national VAT registers → their country (the EAS list names each "…
VAT number")."""

EAS_TO_OIOUBL = {"0088": "GLN", "0184": "DK:CVR", "0198": "DK:SE", "0096": "DK:P",
                 "0060": "DUNS", "0009": "FR:SIRET", "0007": "SE:ORGNR", "0192": "NO:ORGNR",
                 "0037": "FI:ORGNR", "0213": "FI:VAT", "0216": "FI:OVT", "0196": "IS:KT",
                 "0097": "IT:FTI", "0135": "IT:SIA", "0142": "IT:SECETI", "0201": "IT:IPA",
                 "0210": "IT:CF", "0211": "IT:VAT", "9913": "EU:REID", "9915": "AT:GOV",
                 **{eas: f"{country}:VAT" for eas, country in _VAT_EAS.items()}}
"""Peppol EAS (ISO 6523 ICD) → the OIOUBL scheme of the same register."""

VAT_PREFIX_COUNTRY = {"EL": "GR"}
"""VAT number prefixes that are not the ISO country code OIOUBL names the register by
(Greece: EL in VIES, GR:VAT in OIOUBL)."""


AGENCY_TO_OIOUBL = {"16": "DUNS"}
"""EDIFACT code list agencies (NAD C082 3055) → the OIOUBL scheme of the same register."""

ENDPOINT_SCHEMES = frozenset(
    """
    GLN DUNS DK:P DK:CVR DK:CPR DK:SE DK:VANS FR:SIRET SE:ORGNR SE:VAT FI:OVT FI:ORGNR
    FI:VAT NO:ORGNR NO:VAT EU:VAT
    """.split()  # noqa: SIM905 - a table reads better than a literal
)
"""The OIOUBL schemes a party identifier of which can be its ``cbc:EndpointID`` (the
rules' endpoint list, less the national ones edimap never derives)."""


def oioubl_scheme(scheme: str) -> str | None:
    """The OIOUBL scheme id for ``scheme`` (an OIOUBL id, a Peppol EAS code or an EDIFACT
    agency code), or None when OIOUBL has none."""
    if scheme in OIOUBL_SCHEMES:
        return scheme
    return EAS_TO_OIOUBL.get(scheme) or AGENCY_TO_OIOUBL.get(scheme)


CATEGORY_TO_OIOUBL = {TaxCategory.STANDARD: "StandardRated", TaxCategory.ZERO: "ZeroRated",
                      TaxCategory.REVERSE_CHARGE: "ReverseCharge"}
"""UNCL 5305 → the OIOUBL tax category id (other categories are written as their 5305
code)."""
OIOUBL_TO_CATEGORY = {oioubl: category for category, oioubl in CATEGORY_TO_OIOUBL.items()}
"""The OIOUBL tax category id → UNCL 5305."""


OIOUBL_PAYMENT_MEANS = frozenset({"1", "10", "20", "31", "42", "48", "49", "50", "58", "59",
                                  "93", "97"})
"""The UNCL 4461 payment means codes OIOUBL accepts (F-LIB100)."""

PAYMENT_MEANS_TO_OIOUBL = {"30": ("31", "42"), "54": ("48", "48"), "55": ("48", "48")}
"""Peppol's UNCL 4461 codes OIOUBL does not accept → the OIOUBL code (to an IBAN or a
foreign account, to a Danish account with a bank registration number): credit transfer
30 → 31 or 42, credit and debit card 54, 55 → bank card 48."""


def oioubl_payment_code(code: str, domestic: bool) -> str | None:
    """The OIOUBL payment means code for UNCL 4461 ``code`` (``domestic``: paid to a
    Danish account with its bank registration number), or None when OIOUBL has none.

    >>> oioubl_payment_code("30", domestic=True), oioubl_payment_code("57", domestic=False)
    ('42', None)
    """
    if code in OIOUBL_PAYMENT_MEANS:
        return code
    choices = PAYMENT_MEANS_TO_OIOUBL.get(code)
    return None if choices is None else choices[1 if domestic else 0]


OIOUBL_CUSTOMIZATION = "OIOUBL-2.1"
OIOUBL_PROFILES = {"invoice": "urn:www.nesubl.eu:profiles:profile5:ver2.0",
                   "order": "Procurement-OrdSim-BilSim-1.0",
                   "order_by_buyer_items": "Procurement-OrdAdv-BilSim-1.0",
                   "order_response": "Procurement-OrdSimR-BilSim-1.0"}
"""The CustomizationID and the ProfileID (by document kind; a credit note is billed as an
invoice) edimap writes; an order whose lines are not all named by the seller's number or a
GTIN goes under advanced ordering, which does not ask for it."""

PEPPOL_CUSTOMIZATIONS = {
    "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0":
        "Peppol BIS Billing 3.0",
    "urn:fdc:peppol.eu:poacc:trns:order:3": "Peppol BIS Ordering 3.0",
    "urn:fdc:peppol.eu:poacc:trns:order_response:3": "Peppol BIS Ordering 3.0 (response)",
}
PEPPOL_PROFILES = {"urn:fdc:peppol.eu:2017:poacc:billing:01:1.0": "billing",
                   "urn:fdc:peppol.eu:poacc:bis:ordering:3": "ordering",
                   "urn:fdc:peppol.eu:poacc:bis:order_only:3": "order only"}
"""The Peppol BIS 3 CustomizationIDs and ProfileIDs: documents of these are judged by the
Peppol rules, never by OIOUBL's."""


def customization(customization_id: str) -> str:
    """``oioubl``, ``peppol`` or ``other``: whose rules judge a document with this
    CustomizationID (an EN 16931 CIUS other than Peppol counts as Peppol's family).

    >>> customization("OIOUBL-2.02"), customization(next(iter(PEPPOL_CUSTOMIZATIONS)))
    ('oioubl', 'peppol')
    """
    text = customization_id.strip()
    if "OIOUBL" in text.upper():
        return "oioubl"
    if text in PEPPOL_CUSTOMIZATIONS or "peppol" in text.lower() or "en16931" in text.lower():
        return "peppol"
    return "other"
