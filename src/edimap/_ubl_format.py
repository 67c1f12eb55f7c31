"""UBL / OIOUBL plugged into ``edimap.read`` (and ``edimap.write`` once writers exist)."""

from __future__ import annotations

from edimap._api import Item, register_format
from edimap.findings import Finding
from edimap.ubl.reader import read_document


def _read(data: bytes, source: str | None) -> tuple[list[Item], list[Finding]]:
    document, reference, findings = read_document(data, source)
    if document is None and reference is None and not any(
            f.code.startswith("UBL-") for f in findings):
        return [], findings  # not even a document: the input's own findings
    return [Item(index=0, reference=reference, document=document,
                 findings=tuple(findings))], []


register_format("oioubl", _read, None)
