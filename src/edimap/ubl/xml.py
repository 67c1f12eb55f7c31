"""Safe XML parsing for every UBL document edimap reads.

Entity resolution, DTD loading and network access are off, and a document that declares a
DTD at all (``<!DOCTYPE``) is refused before it reaches the parser: OIOUBL and UBL documents
never have one, and it is where XXE, billion-laughs and quadratic-blow-up attacks live.
XInclude is never processed. Input size is limited; libxml2's own limits bound the depth.
"""

from __future__ import annotations

import re

from lxml import etree

from edimap._limits import MAX_INPUT_BYTES, max_input_bytes
from edimap.findings import Finding, Location, Severity, register

__all__ = ["MAX_XML_BYTES", "MAX_XML_DEPTH", "NOT_XML", "not_xml_character", "parse"]

MAX_XML_BYTES = MAX_INPUT_BYTES
"""The default limit (the input limit in force applies: :mod:`edimap._limits`)."""
"""Largest XML document edimap parses (OIOUBL documents are kilobytes to a few megabytes)."""

NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
"""A character XML 1.0 cannot carry at all, even escaped: control characters, lone
surrogates, U+FFFE and U+FFFF. A value holding one is refused wherever edimap writes XML."""


def not_xml_character(value: str) -> str | None:
    """The first character of ``value`` XML cannot carry, as ``U+0001``, or None."""
    found = NOT_XML.search(value)
    return f"U+{ord(found.group()):04X}" if found else None

XML_SYNTAX = register(
    "XML-SYNTAX", Severity.ERROR, "The document is not well-formed XML.",
    "Fix the XML at the given line and column.", "<Invoice><cbc:ID>1</Invoice>")
XML_DOCTYPE = register(
    "XML-DOCTYPE", Severity.ERROR,
    "The document declares a DTD (<!DOCTYPE …>). UBL documents never do, and DTDs carry "
    "entity attacks (XXE, billion laughs), so edimap refuses the document unread.",
    "Remove the DOCTYPE; if the sender insists, treat the document as hostile.",
    '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>')
XML_TOO_DEEP = register(
    "XML-LIMIT-DEPTH", Severity.ERROR,
    "The XML document nests elements deeper than edimap accepts (64 levels; UBL needs about "
    "ten).", "Check the file; it is not a genuine UBL document.",
    "<a><a><a>… 10,000 levels …</a></a></a>")
MAX_XML_DEPTH = 64
XML_TOO_LARGE = register(
    "XML-LIMIT-SIZE", Severity.ERROR,
    "The XML document is larger than edimap parses: the input limit, the same for every "
    "format (256 MiB unless configured).",
    "Raise the limit (--max-input-size, EDIMAP_MAX_INPUT_BYTES) if the machine has the "
    "memory.", "a 1 GB XML file")

_DOCTYPE = re.compile(rb"<!\s*DOCTYPE", re.IGNORECASE)

def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           dtd_validation=False, huge_tree=False, remove_pis=True)


def parse(data: bytes, source: str | None = None,
          max_bytes: int | None = None) -> tuple[etree._Element | None, list[Finding]]:
    """Parse ``data`` safely: the root element, or None with the findings that say why.
    ``max_bytes`` defaults to the input limit in force."""
    where = Location(source=source)
    max_bytes = max_input_bytes() if max_bytes is None else max_bytes
    if len(data) > max_bytes:
        return None, [XML_TOO_LARGE(f"the document has {len(data)} bytes; the limit is "
                                    f"{max_bytes}", where)]
    match = _DOCTYPE.search(data)
    if match is not None:
        line = data.count(b"\n", 0, match.start()) + 1
        return None, [XML_DOCTYPE("the document declares a DTD; refused without parsing",
                                  where.evolve(line=line, offset=match.start()))]
    parser = _parser()
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (None, None)
        return None, [XML_SYNTAX(str(exc.msg), where.evolve(line=line, column=column))]
    if root is None:
        return None, [XML_SYNTAX("the document has no root element", where)]
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        # A DOCTYPE the byte search missed (UTF-16 or UTF-32 text): libxml2 read it without
        # loading or expanding anything, and the document is refused all the same.
        return None, [XML_DOCTYPE("the document declares a DTD; refused",
                                  where.evolve(line=1))]
    # libxml2 logs some errors and still returns a tree (an invalid namespace URI on a
    # nested element, whose '{' or '}' then breaks every tag name): such a document is
    # not well-formed for edimap either.
    errors = parser.error_log.filter_from_errors()
    if errors:
        first = errors[0]
        return None, [XML_SYNTAX(first.message, where.evolve(line=first.line,
                                                            column=first.column))]
    depth = 0
    for event, element in etree.iterwalk(root, events=("start", "end")):
        depth += 1 if event == "start" else -1
        if depth > MAX_XML_DEPTH:
            return None, [XML_TOO_DEEP(f"elements nest deeper than {MAX_XML_DEPTH} levels",
                                       where.evolve(line=element.sourceline))]
    return root, []
