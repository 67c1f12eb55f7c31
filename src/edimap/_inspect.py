"""``edimap inspect``: what a partner sent, as a tree a person can read."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import click
from lxml import etree

from edimap._api import detect_format
from edimap.edifact._names import QUALIFIERS, SEGMENTS
from edimap.edifact.reader import EdifactReader, Message
from edimap.edifact.structure import validate_structure
from edimap.edifact.syntax import Segment
from edimap.findings import Finding, Location, Severity, has_errors, register
from edimap.formats.base import Item
from edimap.formats.eancom import MAPPERS
from edimap.profiles import ProfileSet
from edimap.profiles.apply import apply
from edimap.ubl.xml import parse

__all__ = ["lines"]

NEITHER = register(
    "INSPECT-FORMAT", Severity.ERROR, "edimap inspect shows EDIFACT and XML; the input is "
    "neither.", "Give inspect an EDIFACT interchange or a UBL document (read JSON as it is).",
    "a PDF")


def _finding(f: Finding, indent: str, shown: list[Finding]) -> str:
    shown.append(f)
    colour = {"error": "red", "warning": "yellow", "info": "blue"}[f.severity.value]
    return indent + click.style(f"{f.severity.value} {f.code}: {f.message}", fg=colour)


def _edifact(data: bytes, name: str | None, shown: list[Finding],
             profiles: ProfileSet) -> Iterator[str]:
    reader = EdifactReader(data, source_name=name)
    seen_interchanges: set[int] = set()
    for message in reader:
        header = message.interchange
        if id(header) not in seen_interchanges:
            seen_interchanges.add(id(header))
            yield click.style(
                f"Interchange {header.control_ref}  {header.syntax_id}:{header.syntax_version}"
                f"  from {header.sender} ({header.sender_qualifier}) to {header.recipient} "
                f"({header.recipient_qualifier})  {header.date} {header.time}"
                + ("  TEST" if header.is_test else ""), bold=True)
        yield "  " + click.style(f"Message {message.reference}  {message.identifier}",
                                 bold=True)
        structure = validate_structure(message)
        by_segment: dict[int, list[Finding]] = {}
        for f in _mapped(message, structure.findings, profiles):
            by_segment.setdefault(f.location.segment_index or 0, []).append(f)
        triggers: dict[str, str] = {}  # group path → the tag that starts it
        for index, segment in enumerate(message.segments, start=1):
            group, role = structure.group_paths[index - 1], structure.role_paths[index - 1]
            depth = group.count("/") + 1 if group else 0
            if group and triggers.setdefault(group, segment.tag) == segment.tag:
                yield "    " + "  " * (depth - 1) + click.style(
                    f"{group.rsplit('/', 1)[-1]} {role.rsplit('/', 1)[-1]}", fg="cyan")
            indent = "    " + "  " * depth
            yield indent + _segment_line(segment)
            for f in by_segment.get(index, []):
                yield _finding(f, indent + "  ", shown)
        for f in by_segment.get(0, []):
            yield _finding(f, "    ", shown)
    for f in reader.findings:
        yield _finding(f, "  ", shown)


def _mapped(message: Message, structure: Sequence[Finding],
            profiles: ProfileSet) -> Sequence[Finding]:
    """The message's own findings and what mapping it finds (identifiers, values,
    structure: the mappers check the structure themselves), or the structure alone for a
    type edimap does not map or a message whose envelope is broken; at the severities of
    the message's profile."""
    mapper = MAPPERS.get(message.type)
    if mapper is None or has_errors(message.findings):
        document, found = None, [*message.findings, *structure]
    else:
        document, mapped = mapper(message)
        found = [*message.findings, *mapped]
    item = Item(index=0, reference=message.reference, document=document,
                findings=tuple(found), sender=message.interchange.sender)
    return apply(profiles, item).findings


def _segment_line(segment: Segment) -> str:
    tag, elements = segment.tag, segment.elements
    parts = [click.style(tag, bold=True), click.style(SEGMENTS.get(tag, ""), dim=True)]
    names = QUALIFIERS.get(tag, {})
    for e, element in enumerate(elements, start=1):
        shown = "*".join(":".join(occ) for occ in element)
        if not shown.strip(":*"):
            continue
        text = f"{e}={shown}"
        first = element[0][0] if element and element[0] else ""
        if tag == "COM" and len(element[0]) > 1:
            first = element[0][1]
        meaning = names.get(first) if (e == 1 or tag == "COM") else None
        if meaning:
            text += " " + click.style(f"({meaning})", fg="green")
        parts.append(text)
    return "  ".join(p for p in parts if p)


def _ubl(data: bytes, name: str | None, shown: list[Finding]) -> Iterator[str]:
    root, findings = parse(data, name)
    for f in findings:
        yield _finding(f, "", shown)
    if root is None:
        return

    def walk(element: etree._Element, depth: int) -> Iterator[str]:
        qname = etree.QName(element)
        prefix = "cbc" if (qname.namespace or "").endswith("BasicComponents-2") else (
            "cac" if (qname.namespace or "").endswith("AggregateComponents-2") else "")
        label = f"{prefix}:{qname.localname}" if prefix else qname.localname
        attrs = "  ".join(f"@{k}={v}" for k, v in element.attrib.items())
        text = (element.text or "").strip()
        line = "  " * depth + click.style(label, bold=not text)
        if text:
            line += " = " + click.style(text, fg="green")
        if attrs:
            line += "  " + click.style(attrs, dim=True)
        yield line
        for child in element:
            if isinstance(child.tag, str):
                yield from walk(child, depth + 1)

    yield from walk(root, 0)


def lines(data: bytes, name: str | None = None, shown: list[Finding] | None = None,
          profiles: ProfileSet | None = None) -> Iterator[str]:
    """The tree of ``data`` (EDIFACT or UBL), one line at a time; the findings shown go to
    ``shown`` (and a finding that the input is neither, when it is). EDIFACT findings have
    the severities of each message's profile in ``profiles``."""
    shown = [] if shown is None else shown
    kind = detect_format(data)
    if kind == "eancom":
        yield from _edifact(data, name, shown, profiles or ProfileSet())
    elif kind == "oioubl":
        yield from _ubl(data, name, shown)
    else:
        shown.append(NEITHER(f"{name or 'the input'} is neither EDIFACT nor XML",
                             Location(source=name)))
        yield click.style(f"{name or 'the input'} is neither EDIFACT nor XML"
                          + (" (JSON: read it as it is)" if kind == "json" else ""),
                          fg="red")

