"""Data element checks: each value of a segment against its directory's definition — its
representation (``a``, ``n``, ``an``), its maximum length, and the mandatory composites
and components.

The definitions are data (``schemas/eancom/SEGMENTS_D96A.def``, ``SEGMENTS_D01B.def``)
for the segments edimap reads and writes; other segments are not checked. ``edimap
validate`` runs these checks, and every interchange edimap writes is held to them.

>>> from edimap.edifact.syntax import Segment
>>> [f.message for f in check(Segment.build("PAT", "30 dage"), "96A", lambda e, c: None)]
["PAT 4279 is an..3: '30 dage' has 7 characters"]
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator

import attrs

from edimap._home import bundled_schemas
from edimap.edifact.syntax import Segment
from edimap.findings import Finding, Location, Severity, register

__all__ = ["ELEMENT_LENGTH", "ELEMENT_MISSING", "ELEMENT_REPRESENTATION", "check",
           "definitions"]

ELEMENT_LENGTH = register(
    "EANCOM-ELEMENT-LENGTH", Severity.ERROR,
    "A data element's value is longer than its directory allows (numbers are counted "
    "without the decimal mark and the minus sign).",
    "Shorten the value, or carry it where the message has room for it (FTX for a text).",
    "PAT+30 dage'  (4279 is an..3)")
ELEMENT_REPRESENTATION = register(
    "EANCOM-ELEMENT-REPRESENTATION", Severity.ERROR,
    "A data element's value is not of its representation: a numeric element (n) holds "
    "other characters than digits, one decimal mark and a leading minus, or an "
    "alphabetic one (a) holds digits.", "Correct the value.", "QTY+21:12 stk'")
ELEMENT_MISSING = register(
    "EANCOM-ELEMENT-MISSING", Severity.ERROR,
    "A mandatory data element, composite or component is empty or missing.",
    "Add it.", "MOA+:12.50'  (C516 5025 is mandatory)")

_REPRESENTATION = re.compile(r"(an|a|n)(\.\.)?(\d+)\Z")
_NUMBER = re.compile(r"-?(\d*)[.,]?(\d*)\Z")


@attrs.frozen
class Component:
    """One simple data element: its id, representation and whether it is mandatory."""

    id: str
    kind: str  # "a", "n" or "an"
    length: int
    exact: bool
    mandatory: bool


@attrs.frozen
class ElementDef:
    """A segment's data element at ``position`` (1-based after the tag): a simple one
    (one component, ``composite`` None) or a composite."""

    position: int
    mandatory: bool
    composite: str | None
    components: tuple[Component, ...]


def _component(text: str, default_id: str = "") -> Component:
    parts = text.split(":")
    ident, rep = (parts[0], parts[1]) if len(parts) > 1 else (default_id, parts[0])
    match = _REPRESENTATION.match(rep)
    if match is None:
        raise ValueError(f"bad representation {rep!r}")
    return Component(ident, match.group(1), int(match.group(3)), match.group(2) is None,
                     parts[2:3] == ["M"])


@functools.cache
def definitions(release: str) -> dict[str, tuple[ElementDef, ...]]:
    """The element definitions by segment tag for directory ``release`` (``96A``,
    ``01B``; others get the nearest: D.96A for older directories, D.01B for newer)."""
    year = release[:2]
    name = "01B" if year.isdigit() and "01" <= year < "90" else "96A"
    text = bundled_schemas().joinpath("eancom").joinpath(f"SEGMENTS_D{name}.def").read_text(
        "utf-8")
    table: dict[str, list[ElementDef]] = {}
    for line in text.splitlines():
        fields = line.split("#", 1)[0].split()
        if not fields:
            continue
        tag, position, status, ident, *rest = fields
        if len(rest) == 1 and ":" not in rest[0]:
            element = ElementDef(int(position), status == "M", None,
                                 (_component(rest[0], ident),))
        else:
            element = ElementDef(int(position), status == "M", ident,
                                 tuple(_component(c) for c in rest))
        table.setdefault(tag, []).append(element)
    return {tag: tuple(elements) for tag, elements in table.items()}


def check(segment: Segment, release: str,
          locate: Callable[[int, int | None], Location | None]) -> list[Finding]:
    """The findings about ``segment``'s data elements; ``locate(element, component)``
    gives the location of one (None: a location with just those positions)."""
    elements = definitions(release).get(segment.tag)
    if not elements:
        return []
    return list(_check(segment, elements, locate))


def _check(segment: Segment, elements: tuple[ElementDef, ...],
           locate: Callable[[int, int | None], Location | None]) -> Iterator[Finding]:
    tag, given = segment.tag, segment.elements

    def where(e: int, c: int | None) -> Location:
        return locate(e, c) or Location(segment_tag=tag, element=e, component=c)

    for element in elements:
        occurrences = given[element.position - 1] if element.position <= len(given) else ()
        values = occurrences[0] if occurrences else ()
        if not any(values):
            if element.mandatory:
                name = element.composite or element.components[0].id
                yield ELEMENT_MISSING(f"{tag} {name} is mandatory", where(element.position, None))
            continue
        for n, component in enumerate(element.components, start=1):
            value = values[n - 1] if n <= len(values) else ""
            c = n if element.composite else None
            if not value:
                if component.mandatory:
                    yield ELEMENT_MISSING(f"{tag} {element.composite} {component.id} is "
                                          "mandatory", where(element.position, c))
                continue
            yield from _value(tag, component, value, where(element.position, c))


def _value(tag: str, component: Component, value: str, location: Location) -> Iterator[Finding]:
    rep = f"{component.kind}{'' if component.exact else '..'}{component.length}"
    length = len(value)
    if component.kind == "n":
        number = _NUMBER.match(value)
        if number is None or not (number.group(1) or number.group(2)):
            yield ELEMENT_REPRESENTATION(f"{tag} {component.id} is {rep}: {value!r} is not a "
                                         "number", location)
            return
        length = len(number.group(1)) + len(number.group(2))
    elif component.kind == "a" and any(ch.isdigit() for ch in value):
        yield ELEMENT_REPRESENTATION(f"{tag} {component.id} is {rep}: {value!r} has digits",
                                     location)
    if length > component.length or (component.exact and length != component.length):
        yield ELEMENT_LENGTH(f"{tag} {component.id} is {rep}: {value!r} has {length} "
                             f"{'digits' if component.kind == 'n' else 'characters'}",
                             location)
