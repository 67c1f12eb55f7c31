"""pydifact interoperability: convert segments to and from ``pydifact.segments.Segment``.

pydifact writes a one-component element as a string and a composite as a list; edimap keeps
occurrences too (syntax 4 repetition), which pydifact has no place for.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydifact.segments import Segment as PydifactSegment

from edimap.edifact.syntax import Element, Segment
from edimap.findings import UsageError

__all__ = ["from_pydifact", "to_pydifact"]


def to_pydifact(segment: Segment) -> PydifactSegment:
    """The pydifact Segment for ``segment`` (refused if an element repeats)."""
    elements: list[Any] = []
    for element in segment.elements:
        if len(element) != 1:
            raise UsageError(f"{segment.tag} repeats a data element; pydifact cannot hold that")
        occ = element[0]
        elements.append(occ[0] if len(occ) == 1 else list(occ))
    return PydifactSegment(segment.tag, *elements)


def from_pydifact(segment: PydifactSegment) -> Segment:
    """The edimap Segment for a pydifact one."""
    elements: list[Element] = []
    for element in segment.elements:
        if isinstance(element, str):
            elements.append(((element,),))
        elif isinstance(element, Iterable):
            elements.append((tuple("" if v is None else str(v) for v in element),))
        else:
            elements.append((("" if element is None else str(element),),))
    return Segment(segment.tag, elements)
