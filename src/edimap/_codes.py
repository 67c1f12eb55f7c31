"""Code lists the model checks values against (data, written from the published lists)."""

from __future__ import annotations

import re

# ISO 4217 currency codes: the active list plus withdrawn codes that still occur in archived
# documents (the euro's predecessors, and HRK, SLL, ZWL, VEF, MRO, STD, CUC, BYR, LTL, …).
ISO_4217 = frozenset(
    """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL
    BSD BTN BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUP CVE CZK DJF DKK
    DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR
    ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD
    LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK
    NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD
    SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD
    USN UYI UYU UYW UZS VED VES VND VUV WST XAF XAG XAU XBA XBB XBC XBD XCD XCG XDR XOF
    XPD XPF XPT XSU XTS XUA XXX YER ZAR ZMW ZWG
    HRK SLL ZWL VEF MRO STD CUC BYR LTL LVL EEK SKK SIT CYP MTL
    DEM FRF ITL NLG BEF ESP ATS FIM IEP PTE GRD LUF
    """.split()  # noqa: SIM905 - a table reads better than a 190-item literal
)

# UN/ECE Recommendation 20 unit codes are 2-3 upper-case letters or digits. The model keeps
# any code of that shape, so a partner's unit is never replaced; the format writers decide
# what their target accepts.
UNIT_CODE = re.compile(r"[A-Z0-9]{2,3}\Z")  # (\Z: "$" would also take a final "\n")

COUNTRY_CODE = re.compile(r"[A-Z]{2}\Z")

# A UNCL 1153 reference qualifier (RFF): ON, CT, AAK … (an..3).
REFERENCE_QUALIFIER = re.compile(r"[A-Z0-9]{1,3}\Z")

# The OIOUBL PaymentChannelCode each UNCL 4461 payment means code implies (EANCOM has no
# field for the channel: only an implied one can be carried there).
IMPLIED_PAYMENT_CHANNEL = {"42": "DK:BANK", "31": "IBAN", "93": "DK:FIK", "50": "DK:GIRO",
                           "97": "DK:NEMKONTO"}


def ascii_digits(text: str) -> bool:
    """True for a non-empty run of 0-9 (``str.isdigit`` also takes '¹' and '٣').

    >>> ascii_digits("0042"), ascii_digits("4²"), ascii_digits("")
    (True, False, False)
    """
    return text.isascii() and text.isdigit()
