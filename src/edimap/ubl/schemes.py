"""OIOUBL and Peppol BIS 3 / EN 16931 side by side, one table each: identifier schemes
(OIOUBL's scheme ids and the ISO 6523 ICD codes of the EAS list) and tax categories
(UNCL 5305, which Peppol and the model use, and OIOUBL's own category ids).

    >>> oioubl_scheme("0088"), oioubl_scheme("DK:CVR"), oioubl_scheme("16")
    ('GLN', 'DK:CVR', 'DUNS')
"""

from __future__ import annotations

from edimap.model import TaxCategory

__all__ = ["AGENCY_TO_OIOUBL", "CATEGORY_TO_OIOUBL", "EAS_TO_OIOUBL", "ENDPOINT_SCHEMES",
           "OIOUBL_SCHEMES", "OIOUBL_TO_CATEGORY", "oioubl_scheme"]

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

EAS_TO_OIOUBL = {"0088": "GLN", "0184": "DK:CVR", "0198": "DK:SE", "0096": "DK:P",
                 "0060": "DUNS", "0009": "FR:SIRET", "0007": "SE:ORGNR", "0192": "NO:ORGNR"}
"""Peppol EAS (ISO 6523 ICD) → the OIOUBL scheme of the same register."""


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
