"""Native checks of the OIOUBL rules that matter most, with the official rule ids.

Always on, fast, no Java or Saxon: they run on the parsed document. A differential test
holds them to the official schematron (1.17.2) on every corpus document and on generated
and mutated ones, rule by rule. They are a subset: the official rules (the ``rules`` extra)
remain the authority, and when they run their findings are the ones reported.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from lxml import etree

from edimap.findings import Finding, Location, Severity
from edimap.ubl.reader import CAC, CBC

__all__ = ["RULES", "check"]

RULES = ("F-INV012", "F-INV013", "F-INV014", "F-INV126", "F-INV127", "F-LIB128", "F-LIB180",
         "F-LIB181", "F-LIB382", "F-LIB401")
"""The rule ids these checks cover."""

NS = {"cac": CAC, "cbc": CBC}


def _decimal(text: str | None) -> Decimal | None:
    """The amount in ``text``; None for no number, and for one no amount can be (NaN,
    infinite, beyond 10^18 or below 10^-18), which the XSD and reader already report and
    the rules' arithmetic could not hold."""
    try:
        value = Decimal((text or "").strip())
    except InvalidOperation:
        return None
    if not value.is_finite() or (value and not -18 <= value.adjusted() <= 18):
        return None
    return value


def _money(value: Decimal) -> str:
    return format(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), "f")


def check(root: etree._Element, source: str | None = None) -> list[Finding]:
    """Findings of the covered rules for one OIOUBL document."""
    tree = root.getroottree()
    findings: list[Finding] = []
    kind = etree.QName(root).localname

    def add(rule: str, element: etree._Element, message: str) -> None:
        findings.append(Finding(code=rule, severity=Severity.ERROR, message=message,
                                location=Location(source=source, xpath=tree.getpath(element),
                                                  line=element.sourceline)))

    currency = root.find("cbc:DocumentCurrencyCode", NS)
    if kind == "Invoice" and currency is not None:
        code = currency.text or ""
        for rule, path in (("F-INV012", "cac:InvoiceLine/cbc:LineExtensionAmount"),
                           ("F-INV013", "cac:LegalMonetaryTotal/cbc:LineExtensionAmount"),
                           ("F-INV014", "cac:LegalMonetaryTotal/cbc:PayableAmount")):
            others = sorted({e.get("currencyID", "") for e in root.findall(path, NS)
                             if e.get("currencyID") is not None and e.get("currencyID") != code})
            if others:
                add(rule, currency, f"{path.split('/')[-1]} in {', '.join(others)}, not in the "
                    f"document currency {code}")
    if kind == "Invoice":
        monetary = root.find("cac:LegalMonetaryTotal", NS)
        if monetary is not None:
            stated = _decimal(monetary.findtext("cbc:TaxExclusiveAmount", namespaces=NS))
            taxes = [_decimal(t.text) for t in root.findall(
                "cac:TaxTotal/cac:TaxSubtotal/cbc:TaxAmount", NS)]
            if stated is not None and None not in taxes:
                total = sum((t for t in taxes if t is not None), Decimal(0))
                if _money(stated) != _money(total):
                    add("F-INV127", monetary, f"TaxExclusiveAmount {stated} must equal the sum "
                        f"of the TaxSubtotal tax amounts, {total} (OIOUBL: the total VAT)")
            line_total = _decimal(monetary.findtext("cbc:LineExtensionAmount", namespaces=NS))
            amounts = [_decimal(line.findtext("cbc:LineExtensionAmount", namespaces=NS))
                       for line in root.findall("cac:InvoiceLine", NS)
                       if (line.findtext("cbc:FreeOfChargeIndicator", namespaces=NS)
                           or "false") == "false"]
            if line_total is not None and None not in amounts:
                lines_sum = sum((a for a in amounts if a is not None), Decimal(0))
                if abs(line_total - lines_sum) > Decimal("0.0055"):
                    add("F-INV126", monetary, f"LineExtensionAmount {line_total} must equal "
                        f"the sum of the line amounts, {lines_sum}")
    for means in root.iter(f"{{{CAC}}}PaymentMeans"):
        code = (means.findtext("cbc:PaymentMeansCode", namespaces=NS) or "").strip()
        channel = means.findtext("cbc:PaymentChannelCode", namespaces=NS)
        if code == "42" and channel is not None and channel.strip() != "DK:BANK":
            add("F-LIB128", means, "PaymentMeansCode 42 needs PaymentChannelCode DK:BANK")
    for endpoint in root.iter(f"{{{CBC}}}EndpointID"):
        value = endpoint.text or ""
        scheme = endpoint.get("schemeID")
        party = endpoint.getparent()
        if party is None:
            continue
        if scheme == "DK:CVR" and (len(value) != 10 or not value.startswith("DK")):
            add("F-LIB180", party, f"a DK:CVR EndpointID is DK + 8 characters, not {value!r}")
        if scheme == "GLN" and len(value) != 13:
            add("F-LIB181", party, f"a GLN EndpointID has 13 characters, not {value!r}")
    for category in root.iter(f"{{{CAC}}}TaxCategory"):
        if (category.findtext("cbc:ID", namespaces=NS) or "").strip() != "StandardRated":
            continue
        percent_text = category.findtext("cbc:Percent", namespaces=NS)
        percent = _decimal(percent_text)
        if percent_text is None or not percent_text.strip() or percent == 0:
            add("F-LIB382", category, "StandardRated needs a Percent greater than 0")
        parent = category.getparent()
        tax_total = parent.getparent() if parent is not None else None
        line = tax_total.getparent() if tax_total is not None else None
        # F-LIB401 is checked on line tax subtotals (InvoiceLine/CreditNoteLine TaxTotal).
        if parent is None or line is None or etree.QName(parent).localname != "TaxSubtotal" \
                or etree.QName(line).localname not in ("InvoiceLine", "CreditNoteLine"):
            continue
        tax = _decimal(parent.findtext("cbc:TaxAmount", namespaces=NS))
        taxable = _decimal(parent.findtext("cbc:TaxableAmount", namespaces=NS))
        if percent is None or tax is None or taxable is None:
            continue
        if percent == 0 and tax == 0:
            continue
        expected = (taxable * percent / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        if percent < 0 or (percent > 0 and abs(tax - expected) > 1) or (
                percent == 0 and tax != 0):
            add("F-LIB401", category, f"TaxAmount {tax} must be {percent} % of {taxable}, "
                f"{expected}, within 1.00")
    return findings
