"""The official OIOUBL rules (schematron 1.17.2 stylesheets) run through saxonche 12.

Needs the ``rules`` extra (``pip install 'edimap[rules]'``) and the official package
installed with ``edimap schemas install``. Each stylesheet is compiled once per process
(about a second) with optimisation level 0 and only ``file`` access; a document then takes
milliseconds. The stylesheets report warnings as errors too, so severity comes from the rule
id: ``F-…`` is an error, ``W-…`` a warning. Findings carry the official rule id as their code.
"""

from __future__ import annotations

import re
import threading
from typing import Any

from lxml import etree

from edimap.findings import Finding, Location, Severity, register
from edimap.ubl.schemas import stylesheet

__all__ = ["RULES_FAILED", "RULE_ID", "available", "check"]

RULE_ID = re.compile(r"\[([FW]-[A-Z]+\d+)\]")

OFFICIAL_RULE = register(
    "OIOUBL-RULE", Severity.ERROR,
    "A finding of the official OIOUBL rules; the finding's code is the official rule id "
    "(F-… an error, W-… a warning), as listed in Dokumentation/ID_Error_List.csv of the "
    "official package.", "Correct the document as the rule text says.",
    "[F-INV133] PayableAmount does not add up")
RULES_FAILED = register(
    "OIOUBL-RULES-FAILED", Severity.ERROR,
    "The official OIOUBL rules could not be evaluated on this document (the rule engine "
    "refused it); the XSD findings still stand, but the document is not shown to pass.",
    "Read the engine's reason; it usually points at an element the rules do not expect "
    "twice, or at markup the engine's parser refuses.",
    "a document with two cbc:IssueDate elements")
RULES_UNAVAILABLE = register(
    "OIOUBL-RULES-UNAVAILABLE", Severity.INFO,
    "The official OIOUBL rules were not run: saxonche (the 'rules' extra) or the official "
    "package is not installed.",
    "pip install 'edimap[rules]' and edimap schemas install the official package.",
    "edimap validate invoice.xml without saxonche")

_LOCK = threading.Lock()
_PROCESSOR: Any = None
_COMPILED: dict[str, Any] = {}


def available() -> bool:
    """True when saxonche can be imported."""
    try:
        import saxonche  # noqa: F401
    except ImportError:
        return False
    return True


def _executable(document_type: str) -> Any:
    global _PROCESSOR
    path = stylesheet(document_type)
    if path is None:
        return None
    key = str(path)
    with _LOCK:
        if key not in _COMPILED:
            from saxonche import PySaxonProcessor

            if _PROCESSOR is None:
                _PROCESSOR = PySaxonProcessor(license=False)
                _PROCESSOR.set_configuration_property(
                    "http://saxon.sf.net/feature/optimizationLevel", "0")
                _PROCESSOR.set_configuration_property(
                    "http://saxon.sf.net/feature/allowedProtocols", "file")
            _COMPILED[key] = _PROCESSOR.new_xslt30_processor().compile_stylesheet(
                stylesheet_file=key)
        return _COMPILED[key]


def check(document: bytes | etree._Element, document_type: str,
          source: str | None = None) -> list[Finding]:
    """The official rules' findings for one UBL document: its bytes, or better the root
    that edimap's safe XML parser made of them (then the engine gets it as text, whatever
    the document's own encoding). A document the engine cannot evaluate is one
    ``OIOUBL-RULES-FAILED`` finding saying why."""
    where = Location(source=source)
    if not available():
        return [RULES_UNAVAILABLE("saxonche is not installed (pip install 'edimap[rules]')",
                                  where)]
    executable = _executable(document_type)
    if executable is None:
        return [RULES_UNAVAILABLE(f"no official rule stylesheet for {document_type} is "
                                  "installed", where)]
    if isinstance(document, bytes):
        # (A document in another encoding reaches the engine re-serialised: pass the root.)
        text = document.decode("utf-8-sig", errors="replace")  # no byte-order mark for saxon
    else:
        text = etree.tostring(document, encoding="unicode")
    try:
        with _LOCK:
            node = _PROCESSOR.parse_xml(xml_text=text)
            output = executable.transform_to_string(xdm_node=node)
    except Exception as exc:  # saxonche raises its own PySaxonApiError, and others
        reason = " ".join(str(exc).split())[:300] or type(exc).__name__
        return [RULES_FAILED(f"the official {document_type} rules could not be evaluated: "
                             f"{reason}", where)]
    findings = []
    root = etree.fromstring(output.encode("utf-8"),
                            etree.XMLParser(resolve_entities=False, no_network=True))
    for error in root.iter("Error"):
        description = (error.findtext("Description") or "").strip()
        match = RULE_ID.search(description)
        rule = match.group(1) if match else "OIOUBL-RULE"
        severity = Severity.WARNING if rule.startswith("W-") else Severity.ERROR
        message = RULE_ID.sub("", description, count=1).strip()
        findings.append(Finding(code=rule, severity=severity, message=message,
                                location=where.evolve(xpath=(error.findtext("Xpath") or "")
                                                      .strip() or None)))
    return findings
