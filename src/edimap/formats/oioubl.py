"""UBL: OIOUBL 2.0x/2.1 and Peppol BIS 3 read, OIOUBL 2.1 written, one document per file;
validated against the official UBL 2.1 XSD and the OIOUBL rules."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from edimap.findings import Finding, Location, Severity, UsageError, register
from edimap.formats.base import Format, Item
from edimap.model import Document, Invoice

RULES_NOT_RUN = register(
    "UBL-RULES-NOT-RUN", Severity.INFO,
    "The document follows another customization than OIOUBL (Peppol BIS 3, say): the "
    "official OIOUBL rules do not apply to it, and edimap has none of its own rule sets; "
    "only the UBL 2.1 XSD was checked.",
    "Validate it with the rules of its customization (the Peppol validator) if needed.",
    "<cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:"
    "billing:3.0</cbc:CustomizationID>")

_LINE_STEP = re.compile(r"/cac:(?:Order|Invoice|CreditNote)Line\[(\d+)\]")
"""A document line's element in the rules' paths."""


class OioublFormat(Format):
    """UBL XML documents (``Invoice``, ``CreditNote``, ``Order``, ``OrderResponseSimple``)."""

    name = "oioubl"
    extension = "xml"
    one_document_per_file = True

    def detect(self, head: bytes) -> bool:
        return head[:1] == b"<"

    def read(self, data: bytes, source: str | None) -> tuple[list[Item], list[Finding]]:
        from edimap.ubl.reader import read_document

        document, reference, findings = read_document(data, source)
        if document is None and reference is None and not any(
                f.code.startswith("UBL-") for f in findings):
            return [], findings  # not even a document: the input's own findings
        return [Item(index=0, reference=reference, document=document,
                     findings=tuple(findings))], []

    def write(self, documents: Document | Sequence[Document], **options: Any) -> bytes:
        from edimap.ubl.writer import to_xml

        if isinstance(documents, Document):
            return to_xml(documents)
        if len(documents) != 1:
            raise UsageError("OIOUBL holds one document per file: write them one at a time "
                             "(the CLI writes a folder with -o DIR)")
        return to_xml(documents[0])

    def written_as_other_kind(self, document: Document) -> bool:
        """A negative invoice is written as a credit note, and a negative credit note as
        an invoice (:mod:`edimap.turning`)."""
        from edimap.turning import is_negative

        return isinstance(document, Invoice) and is_negative(document)

    def line_at(self, location: Location) -> int | None:
        """The line of a rule's path (``/Order[1]/cac:OrderLine[2]/…`` → 1): the writer
        writes one line element per document line, in order.

        >>> OioublFormat().line_at(Location(xpath="/Order[1]/cac:OrderLine[2]/cac:LineItem[1]"))
        1
        """
        found = _LINE_STEP.search(location.xpath or "")
        return int(found.group(1)) - 1 if found else None

    def value_at(self, data: bytes, location: Location) -> str | None:
        """The text of the element (or the attribute) the XPath of a finding names."""
        from lxml import etree

        from edimap.ubl.reader import NS
        from edimap.ubl.xml import parse

        root, _ = parse(data)
        if root is None or not location.xpath:
            return None
        # The rules' paths name the root by its name and elements with positions; both
        # read as XPath once the root is the context ("/Invoice[1]/cac:X[2]" → "cac:X[2]").
        steps = location.xpath.strip("/").split("/")[1:]
        try:
            found = root.xpath("/".join(steps), namespaces=NS) if steps else [root]
        except etree.XPathError:
            return None
        if len(found) != 1:
            return None
        value = found[0] if isinstance(found[0], str) else found[0].text
        return value.strip() if value and value.strip() else None

    def validate(self, data: bytes, source: str | None, *, rules: bool = True,
                 explain: bool = False) -> list[Finding]:
        """The official UBL 2.1 XSD, then the official OIOUBL rules (or, without them,
        edimap's native subset)."""
        from lxml import etree

        from edimap.ubl import native_rules, schemes
        from edimap.ubl.rules import check
        from edimap.ubl.validate import validate_xsd
        from edimap.ubl.xml import parse

        root, _ = parse(data, source)
        if root is None:
            return []
        findings = validate_xsd(root, source, explain=explain)
        customization = (root.findtext(
            "{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}"
            "CustomizationID") or "").strip()
        family = schemes.customization(customization) if customization else "oioubl"
        if family != "oioubl":
            # The OIOUBL rules judge OIOUBL documents only (on Peppol BIS 3 they report
            # errors that are none); edimap holds no other rule set.
            findings.append(RULES_NOT_RUN(
                f"CustomizationID {customization}: "
                + ("the Peppol BIS 3 rules (EN 16931 and PEPPOL) were not run"
                   if family == "peppol" else "no rules for this customization were run")
                + "; the UBL 2.1 XSD was", Location(source=source)))
            return findings
        official = check(root, etree.QName(root).localname, source) if rules else []
        findings.extend(official)
        if not rules or any(f.code == "OIOUBL-RULES-UNAVAILABLE" for f in official):
            findings.extend(native_rules.check(root, source))  # the official ones cover these
        return findings
