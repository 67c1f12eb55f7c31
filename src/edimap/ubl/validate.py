"""XSD validation of UBL documents against the installed official UBL 2.1 schemas.

libxml2 (``lxml.etree.XMLSchema``) is the fast path: one compiled schema per document type
per process. xmlschema explains a failure on request (``explain=True``): the element path
and the reason, in its own words; it is about twenty times slower and takes seconds to
compile a UBL schema, so it never runs on a valid document. The schemas come from the
package installed with ``edimap schemas install``.
"""

from __future__ import annotations

import functools
from typing import Any

from lxml import etree

from edimap.findings import Finding, Location, Severity, register
from edimap.ubl.schemas import schema_dir

__all__ = ["explain_xsd", "validate_xsd"]

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
XSD_EXPLAINED = register(
    "UBL-XSD-EXPLAIN", Severity.INFO,
    "xmlschema's explanation of why the document fails the XSD: the element path and the "
    "reason (asked for with explain=True / --explain).",
    "Read it with the UBL-XSD error at the same place.",
    "Unexpected child with tag 'cbc:Bogus' at position 7. Tag 'cbc:IssueDate' expected.")


@functools.cache
def _schema(document_type: str, folder: str) -> etree.XMLSchema | None:
    path = f"{folder}/maindoc/UBL-{document_type}-2.1.xsd"
    try:
        parser = etree.XMLParser(no_network=True, resolve_entities=False)
        return etree.XMLSchema(etree.parse(path, parser))
    except OSError:
        return None


def validate_xsd(root: etree._Element, source: str | None = None, *,
                 explain: bool = False) -> list[Finding]:
    """XSD findings for a parsed UBL document (a warning when no schemas are installed);
    with ``explain``, a failing document also gets xmlschema's explanations."""
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
    findings = [XSD(_short(error.message), Location(source=source, line=error.line,
                                                    column=error.column or None,
                                                    xpath=error.path))
                for error in schema.error_log]
    if explain:
        findings.extend(explain_xsd(root, source))
    return findings


@functools.cache
def _explainer(document_type: str, folder: str) -> Any:
    import xmlschema

    # Local files only (the UBL schemas import their siblings), never the network; the
    # schema documents are read with XML's dangerous features defused.
    return xmlschema.XMLSchema(f"{folder}/maindoc/UBL-{document_type}-2.1.xsd",
                               allow="local", defuse="always")


def explain_xsd(root: etree._Element, source: str | None = None) -> list[Finding]:
    """xmlschema's reading of the XSD errors of a parsed UBL document, one info finding
    each with the element path and line (none when the schemas are not installed)."""
    import xmlschema

    from edimap.findings import ConfigurationError

    try:
        explainer = _explainer(etree.QName(root).localname, str(schema_dir()))
    except (ConfigurationError, OSError, xmlschema.XMLSchemaException):
        return []
    return [XSD_EXPLAINED(_short(str(error.reason or error.message)),
                          Location(source=source, xpath=error.path, line=error.sourceline))
            for error in explainer.iter_errors(root)]


_PREFIXES = {
    "{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}": "cbc:",
    "{urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2}": "cac:",
}


def _short(message: str) -> str:
    """libxml2's message with the UBL namespaces written as their usual prefixes."""
    for uri, prefix in _PREFIXES.items():
        message = message.replace(uri, prefix)
    return message
