"""EDIFACT syntax (ISO 9735 v1-4 as EANCOM uses it): service characters, character sets,
segments and release escaping.

A :class:`Segment` is a tag and its data elements; each element is a tuple of its
*occurrences* (more than one only with the syntax-4 repetition separator), and each
occurrence a tuple of component strings. Values are always decoded text with release
characters removed; :func:`escape` puts them back for writing.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import attrs

__all__ = [
    "CHARSETS",
    "DEFAULT_V3",
    "DEFAULT_V4",
    "UNOA_REPERTOIRE",
    "UNOB_REPERTOIRE",
    "Delimiters",
    "Repeat",
    "Segment",
    "SegmentPattern",
    "codec_for",
    "escape",
    "format_decimal",
    "match_run",
    "parse_decimal_text",
    "repertoire_for",
]


@attrs.frozen
class Delimiters:
    """The six service characters of an interchange (UNA, or the defaults).

    ``repetition`` is the syntax-4 repetition separator; in syntax 1-3 UNA position 5 is
    reserved and holds a space, which is then not a separator.
    """

    component: str = ":"
    element: str = "+"
    decimal: str = "."
    release: str = "?"
    repetition: str = " "
    terminator: str = "'"

    @property
    def una(self) -> str:
        """The UNA service string advice for these characters."""
        return ("UNA" + self.component + self.element + self.decimal + self.release
                + self.repetition + self.terminator)

    @property
    def has_repetition(self) -> bool:
        return self.repetition != " "

    def service_characters(self) -> str:
        """The characters that need a release character in front when they are data."""
        chars = self.component + self.element + self.release + self.terminator
        return chars + self.repetition if self.has_repetition else chars

    @classmethod
    def for_syntax_version(cls, version: int) -> Delimiters:
        """The defaults when UNA is absent: syntax 4 has ``*`` as repetition separator."""
        return DEFAULT_V4 if version >= 4 else DEFAULT_V3


DEFAULT_V3 = Delimiters()
DEFAULT_V4 = Delimiters(repetition="*")

# UNB S001 0001 syntax identifier → Python codec. UNOW (syntax 4) is UTF-8 like UNOY.
CHARSETS: dict[str, str] = {
    "UNOA": "ascii",
    "UNOB": "ascii",
    "UNOC": "latin-1",
    "UNOD": "iso8859-2",
    "UNOE": "iso8859-5",
    "UNOF": "iso8859-7",
    "UNOG": "iso8859-3",
    "UNOH": "iso8859-4",
    "UNOI": "iso8859-6",
    "UNOJ": "iso8859-8",
    "UNOK": "iso8859-9",
    "UNOW": "utf-8",
    "UNOY": "utf-8",
}

# ISO 9735 level A: upper case letters, digits, space and these punctuation marks.
UNOA_REPERTOIRE = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,-()/='+:?!\"%&*;<>"
)
# Level B adds lower case letters and a few more graphic characters (the ISO 646 set).
UNOB_REPERTOIRE = UNOA_REPERTOIRE | frozenset("abcdefghijklmnopqrstuvwxyz#@[]\\{}|~^_`$")


def repertoire_for(syntax_id: str) -> frozenset[str] | None:
    """The characters syntax level ``syntax_id`` allows beyond what its codec encodes
    (UNOA and UNOB: ISO 646 subsets), or None when its codec is the whole rule.

    >>> "a" in repertoire_for("UNOA"), repertoire_for("UNOC")
    (False, None)
    """
    return _REPERTOIRES.get(syntax_id.upper())


_REPERTOIRES = {"UNOA": UNOA_REPERTOIRE, "UNOB": UNOB_REPERTOIRE}


def codec_for(syntax_id: str) -> str | None:
    """The Python codec for a syntax identifier, or None when edimap does not know it."""
    return CHARSETS.get(syntax_id.upper())


def escape(value: str, delimiters: Delimiters) -> str:
    """Put a release character before every service character in ``value``."""
    release = delimiters.release
    specials = delimiters.service_characters()
    if not any(ch in value for ch in specials):
        return value
    return "".join(release + ch if ch in specials else ch for ch in value)


Element = tuple[tuple[str, ...], ...]
"""One data element: its occurrences, each a tuple of components."""


class Segment:
    """One segment: a tag and its data elements.

    ``elements[i]`` is the (i+1)-th data element after the tag, as a tuple of occurrences;
    each occurrence is a tuple of components. Positions in the accessors are 1-based as in
    the standard and in CONTRL (element 1 is the first after the tag).

    ``offset``, ``line`` and ``column`` say where the segment starts in the input
    (0-based byte offset, 1-based line and column in bytes); they are not part of equality.
    """

    __slots__ = ("_column", "_elements", "_line", "_offset", "_raw", "_syntax", "_table", "tag")

    def __init__(
        self,
        tag: str,
        elements: Sequence[Element] = (),
        offset: int | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.tag = tag
        self._elements: tuple[Element, ...] | None = tuple(elements)
        # The reader sets up the segments it reads itself (see _Tokenizer._fast_region_loop):
        # with the raw text and its syntax instead of elements, which are then split on
        # first access (most segments of a large file never are; two slots, not a tuple:
        # one object fewer per segment for the allocator and the cyclic collector), and
        # with a table, when ``offset`` is a position in the table's line-break-free text
        # and the real position is worked out only when someone asks.
        self._raw: str | None = None
        self._syntax: RawSyntax | None = None
        self._offset = offset
        self._line = line
        self._column = column
        self._table: PositionTable | None = None

    @property
    def elements(self) -> tuple[Element, ...]:
        """The data elements after the tag: occurrences of component tuples."""
        elements = self._elements
        if elements is None:
            assert self._raw is not None
            assert self._syntax is not None
            elements = self._elements = self._syntax.split(self._raw)
            self._raw = self._syntax = None
        return elements

    def _resolve(self) -> None:
        table = self._table
        if table is not None and self._offset is not None:
            self._offset, self._line, self._column = table.locate(self._offset)
            self._table = None

    @property
    def offset(self) -> int | None:
        """0-based byte offset of the segment's first character in the input."""
        if self._table is not None:
            self._resolve()
        return self._offset

    @property
    def line(self) -> int | None:
        """1-based line of the segment's first character."""
        if self._table is not None:
            self._resolve()
        return self._line

    @property
    def column(self) -> int | None:
        """1-based column (in bytes) of the segment's first character."""
        if self._table is not None:
            self._resolve()
        return self._column

    @classmethod
    def build(cls, tag: str, *elements: str | Sequence[str | None] | Repeat | None) -> Segment:
        """Build a segment from plain values: a string is a simple element, a sequence of
        strings a composite, None an empty element, :class:`Repeat` repeated occurrences.

        >>> Segment.build("NAD", "BY", ["5790000274017", "", "9"])
        Segment('NAD', [['BY'], ['5790000274017', '', '9']])
        """
        out: list[Element] = []
        for value in elements:
            if isinstance(value, Repeat):
                out.append(tuple(_components(v) for v in value.occurrences))
            else:
                out.append((_components(value),))
        return cls(tag, out)

    def occurrences(self, element: int) -> Element:
        """All occurrences of the 1-based ``element`` (empty when absent)."""
        elements = self._elements if self._elements is not None else self.elements
        if 0 < element <= len(elements):
            return elements[element - 1]
        return ()

    def components(self, element: int) -> tuple[str, ...]:
        """The components of the first occurrence of the 1-based ``element``."""
        elements = self._elements if self._elements is not None else self.elements
        if 0 < element <= len(elements):
            occurrences = elements[element - 1]
            if occurrences:
                return occurrences[0]
        return ()

    def get(self, element: int, component: int = 1, default: str = "") -> str:
        """One value: the 1-based ``component`` of the 1-based ``element``, or ``default``."""
        elements = self._elements if self._elements is not None else self.elements
        if element > 0 and component > 0:
            try:
                return elements[element - 1][0][component - 1]
            except IndexError:  # (absent: cheaper to catch than to test each level)
                pass
        return default

    def normalized(self) -> Segment:
        """The segment without trailing empty components, occurrences and elements, as a
        conforming writer sends it."""
        elements: list[Element] = []
        for element in self.elements:
            occs = [_trim(occ) for occ in element]
            while len(occs) > 1 and occs[-1] == ("",):
                occs.pop()
            elements.append(tuple(occs))
        while elements and elements[-1] in ((("",),), ()):
            elements.pop()
        return Segment(self.tag, elements)

    def to_plain(self) -> list[list[str] | list[list[str]]]:
        """Elements as lists: a list of components, or of occurrences when repeated."""
        out: list[Any] = []
        for element in self.elements:
            if len(element) == 1:
                out.append(list(element[0]))
            else:
                out.append([list(occ) for occ in element])
        return out

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Segment):
            return NotImplemented
        return self.tag == other.tag and self.elements == other.elements

    def __hash__(self) -> int:
        return hash((self.tag, self.elements))

    def __repr__(self) -> str:
        return f"Segment({self.tag!r}, {self.to_plain()!r})"

    def __str__(self) -> str:
        return self.tag + "".join(
            "+" + "*".join(":".join(occ) for occ in element) for element in self.elements
        ) + "'"


_PLACEHOLDERS = re.compile("[\ue000-\ue005]")


class RawSyntax:
    """How to split the raw text of segments read in one go (shared by all of them), and
    the text they were read from."""

    __slots__ = ("component", "element", "repetition", "restore", "signature", "terminator",
                 "text")

    def __init__(self, delimiters: Delimiters, restore: dict[int, str | None] | None,
                 text: str) -> None:
        self.element = delimiters.element
        self.component = delimiters.component
        self.repetition = delimiters.repetition if delimiters.has_repetition else None
        self.terminator = delimiters.terminator
        self.restore = restore  # placeholder → character, when the text had escapes
        # The stretch of input the segments were read from, without its line breaks and
        # with escapes replaced (a segment's offset, until it is resolved, is its start in
        # it): mappers match their common runs of segments on it (see match_run).
        self.text = text
        # The separators, as the key of a SegmentPattern's compiled forms.
        self.signature = (self.element + self.component + (self.repetition or "")
                          + self.terminator)

    def split(self, text: str) -> tuple[Element, ...]:
        c = self.component
        parts = text.split(self.element)
        del parts[0]
        rep = self.repetition
        elements: tuple[Element, ...]
        if rep is None:
            elements = tuple([(tuple(p.split(c)),) for p in parts])
        else:
            elements = tuple([tuple([tuple(o.split(c)) for o in p.split(rep)]) for p in parts])
        restore = self.restore
        if restore is not None and not text.isascii() and _PLACEHOLDERS.search(text):
            elements = tuple([tuple([tuple([v.translate(restore) for v in occ]) for occ in el])
                              for el in elements])
        return elements


class SegmentPattern:
    """A regular expression for one shape of a run of segments (see :func:`match_run`),
    written with ``{S}`` between two segments, ``{E}`` for the data element separator,
    ``{C}`` for the component separator and ``{V}`` for one value character (anything but a
    separator or the terminator; an escaped one is a value character). It always ends at
    the end of a segment. It is compiled for each set of delimiters it meets.

    >>> SegmentPattern("QTY{E}21{C}([0-9]+)").template
    'QTY{E}21{C}([0-9]+)'
    """

    __slots__ = ("compiled", "template")

    def __init__(self, template: str) -> None:
        self.template = template
        self.compiled: dict[str, re.Pattern[str]] = {}

    def compile(self, syntax: RawSyntax) -> re.Pattern[str]:
        separators = syntax.signature
        terminator = re.escape(syntax.terminator)
        value = "[^" + re.escape(separators) + "]"
        text = (self.template.replace("{S}", terminator)
                .replace("{E}", re.escape(syntax.element))
                .replace("{C}", re.escape(syntax.component)).replace("{V}", value))
        compiled = self.compiled[separators] = re.compile(
            f"(?:{text})(?={terminator}|\\Z)")
        return compiled


def match_run(segments: Sequence[Segment], start: int, pattern: SegmentPattern
              ) -> tuple[tuple[str, ...], int, dict[int, str | None] | None] | None:
    """Match ``pattern`` against the segments from ``start`` on, in the text they were read
    from: the groups (a group that took no part is ``""``), the number of whole segments
    the match took, and when some character in them was escaped, the table that gives
    groups their escaped characters back (``group.translate(table)``; None when no
    character was escaped).

    None when it does not match, or when the segments are not the ones in that text in a
    row (built, split, or with one the reader left out in between). Mappers read their
    most common runs of segments this way, without splitting each into elements."""
    first = segments[start]
    syntax = first._syntax
    table = first._table
    pos = first._offset
    if syntax is None or table is None or pos is None:
        return None  # built or split, or its offset already resolved
    compiled = pattern.compiled.get(syntax.signature) or pattern.compile(syntax)
    text = syntax.text
    found = compiled.match(text, pos)
    if found is None:
        return None
    end = found.end()
    terminator = syntax.terminator
    taken = text.count(terminator, pos, end) + 1
    if taken > 1:
        # The segments in the match must be the next ones in the list: the last of them
        # starts where the last piece of the match does (a segment the reader left out,
        # too long, would shift it).
        if start + taken > len(segments):
            return None
        last = segments[start + taken - 1]
        if last._table is not table or last._offset != text.rfind(terminator, pos, end) + 1:
            return None
    restore = syntax.restore
    # (Placeholders stand only where a character was escaped.)
    if restore is not None and not _PLACEHOLDERS.search(text, pos, end):
        restore = None
    return found.groups(""), taken, restore


class PositionTable:
    """Maps positions in a stretch of input with its line breaks removed back to the input:
    byte offset, line and column."""

    __slots__ = ("adjusted", "base", "line", "line_start", "newlines")

    def __init__(self, base: int, adjusted: list[int], newlines: list[int], line: int,
                 line_start: int) -> None:
        self.base = base  # absolute offset of the stretch
        self.adjusted = adjusted  # for the k-th removed character: its position minus k
        self.newlines = newlines  # positions of LF in the stretch (relative)
        self.line = line  # line number at the start of the stretch
        self.line_start = line_start  # absolute offset where that line starts

    def original(self, pos: int) -> int:
        """The position in the stretch (with line breaks) of ``pos`` in the stripped text."""
        return pos + bisect.bisect_right(self.adjusted, pos)

    def line_at(self, relative: int) -> tuple[int, int]:
        """Line number and absolute line start at a position of the stretch."""
        n = bisect.bisect_left(self.newlines, relative)
        if n:
            return self.line + n, self.base + self.newlines[n - 1] + 1
        return self.line, self.line_start

    def locate(self, pos: int) -> tuple[int, int, int]:
        """Absolute offset, line and column of ``pos`` in the stripped text."""
        relative = self.original(pos)
        line, start = self.line_at(relative)
        absolute = self.base + relative
        return absolute, line, absolute - start + 1


@attrs.frozen
class Repeat:
    """Repeated occurrences of one data element (syntax 4), for :meth:`Segment.build`."""

    occurrences: tuple[str | Sequence[str | None] | None, ...]

    def __init__(self, *occurrences: str | Sequence[str | None] | None) -> None:
        self.__attrs_init__(tuple(occurrences))  # type: ignore[attr-defined]


def _components(value: str | Sequence[str | None] | None) -> tuple[str, ...]:
    if value is None:
        return ("",)
    if isinstance(value, str):
        return (value,)
    return tuple("" if v is None else str(v) for v in value) or ("",)


def _trim(occ: tuple[str, ...]) -> tuple[str, ...]:
    end = len(occ)
    while end > 1 and occ[end - 1] == "":
        end -= 1
    return occ[:end]


_NUMBER = re.compile(r"([-+]?)([0-9]*)(?:[.,]([0-9]*))?")


def parse_decimal_text(text: str, decimal_mark: str = ".") -> str | None:
    """Normalise an EDIFACT numeric value to Python ``Decimal`` syntax.

    Accepts ``.`` and ``,`` whatever UNA declares (readers should), a leading minus sign and
    no thousands separators. Returns None when ``text`` is not such a number.
    """
    match = _NUMBER.fullmatch(text.strip())
    if match is None:
        return None
    sign, whole, fraction = match.groups()
    if not whole and not fraction:
        return None
    # CONTRL 38 (no digit before the mark) is about writers; readers take .5 as 0.5.
    number = (whole or "0") + ("." + fraction if fraction else "")
    return ("-" if sign == "-" else "") + number


def format_decimal(value: Decimal, delimiters: Delimiters = DEFAULT_V3) -> str:
    """A Decimal as EDIFACT writes it: plain notation, the declared decimal mark, no
    thousands separators, a leading minus sign, at least one digit before the mark."""
    text = format(value, "f")
    if text.startswith("-") and text.strip("-0.") == "":
        text = text[1:]  # no negative zero
    return text.replace(".", delimiters.decimal) if delimiters.decimal != "." else text
