"""XSD validation of UBL documents against the installed official UBL 2.1 schemas.

libxml2 (``lxml.etree.XMLSchema``) is the fast path: one compiled schema per document type
per process. The schemas come from the package installed with ``edimap schemas install``.
"""

from __future__ import annotations

import functools

from lxml import etree

from edimap.findings import Finding, Location, Severity, register
from edimap.ubl.schemas import schema_dir

__all__ = ["validate_xsd"]

XSD = register(
    "UBL-XSD", Severity.ERROR,
    "The document does not validate against the official UBL 2.1 XSD.",
    "Correct the element at the given path; NemHandel rejects such documents.",
    "<cbc:IssueDate>25-11-2026</cbc:IssueDate>")
SCHEMAS_MISSING = register(
    "UBL-SCHEMAS-MISSING", Severity.WARNING,
    "The official schemas are not installed, so the document was not validated against "
    "the XSD.", "Run 'edimap schemas install OIOUBL_Schematron_<date>_v<version>.zip'.",
    "edimap validate invoice.xml on a fresh machine")


@functools.cache
def _schema(document_type: str, folder: str) -> etree.XMLSchema | None:
    path = f"{folder}/maindoc/UBL-{document_type}-2.1.xsd"
    try:
        parser = etree.XMLParser(no_network=True, resolve_entities=False)
        return etree.XMLSchema(etree.parse(path, parser))
    except OSError:
        return None


def validate_xsd(root: etree._Element, source: str | None = None) -> list[Finding]:
    """XSD findings for a parsed UBL document (a warning when no schemas are installed)."""
    from edimap.findings import ConfigurationError

    document_type = etree.QName(root).localname
    try:
        folder = schema_dir()
    except ConfigurationError as exc:
        return [SCHEMAS_MISSING(str(exc), Location(source=source))]
    schema = _schema(document_type, str(folder))
    if schema is None:
        return [SCHEMAS_MISSING(f"no UBL 2.1 schema for {document_type} in {folder}",
                                Location(source=source))]
    if schema.validate(root):
        return []
    return [XSD(_short(error.message), Location(source=source, line=error.line,
                                                column=error.column or None, xpath=error.path))
            for error in schema.error_log]


_PREFIXES = {
    "{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}": "cbc:",
    "{urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2}": "cac:",
}


def _short(message: str) -> str:
    """libxml2's message with the UBL namespaces written as their usual prefixes."""
    for uri, prefix in _PREFIXES.items():
        message = message.replace(uri, prefix)
    return message
