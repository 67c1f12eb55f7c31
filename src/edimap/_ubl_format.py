"""UBL / OIOUBL plugged into ``edimap.read`` (and ``edimap.write`` once writers exist)."""

from __future__ import annotations

from collections.abc import Sequence

from edimap._api import Item, register_format
from edimap.findings import Finding, UsageError
from edimap.model import Document
from edimap.ubl.reader import read_document


def _read(data: bytes, source: str | None) -> tuple[list[Item], list[Finding]]:
    document, reference, findings = read_document(data, source)
    if document is None and reference is None and not any(
            f.code.startswith("UBL-") for f in findings):
        return [], findings  # not even a document: the input's own findings
    return [Item(index=0, reference=reference, document=document,
                 findings=tuple(findings))], []


def _write(documents: Document | Sequence[Document]) -> bytes:
    from edimap.ubl.writer import to_xml

    if isinstance(documents, Document):
        return to_xml(documents)
    if len(documents) != 1:
        raise UsageError("OIOUBL holds one document per file: write them one at a time (the "
                         "CLI writes a folder with -o DIR)")
    return to_xml(documents[0])


register_format("oioubl", _read, _write)
