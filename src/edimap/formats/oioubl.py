"""UBL: OIOUBL 2.0x/2.1 and Peppol BIS 3 read, OIOUBL 2.1 written, one document per file;
validated against the official UBL 2.1 XSD and the OIOUBL rules."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from edimap.findings import Finding, UsageError
from edimap.formats.base import Format, Item
from edimap.model import Document


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

    def validate(self, data: bytes, source: str | None, *, rules: bool = True,
                 explain: bool = False) -> list[Finding]:
        """The official UBL 2.1 XSD, then the official OIOUBL rules (or, without them,
        edimap's native subset)."""
        from lxml import etree

        from edimap.ubl import native_rules
        from edimap.ubl.rules import check
        from edimap.ubl.validate import validate_xsd
        from edimap.ubl.xml import parse

        root, _ = parse(data, source)
        if root is None:
            return []
        findings = validate_xsd(root, source, explain=explain)
        official = check(root, etree.QName(root).localname, source) if rules else []
        findings.extend(official)
        if not rules or any(f.code == "OIOUBL-RULES-UNAVAILABLE" for f in official):
            findings.extend(native_rules.check(root, source))  # the official ones cover these
        return findings
