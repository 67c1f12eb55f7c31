"""The EDIFACT tokenizer: bytes (all at once or from a binary file, in chunks) → segments,
following UNA, the UNB character set and line breaks, with a finding for every repair.

Decoding policy. Bytes are decoded by the syntax identifier in UNB S001 (UNOA/UNOB ASCII,
UNOC ISO 8859-1, UNOD-UNOK ISO 8859-2…9, UNOW/UNOY UTF-8). Real files break this, and the
reader repairs what it can, always with a warning saying so:

* UTF-8 bytes in a UNOA/UNOB/UNOC…UNOK interchange: a segment whose non-ASCII bytes are
  valid UTF-8 multi-byte sequences is decoded as UTF-8 (``EDI-CHARSET-MISMATCH``), since
  ISO 8859 text practically never forms valid UTF-8 sequences;
* other non-ASCII bytes in UNOA/UNOB: decoded as ISO 8859-1 (``EDI-CHARSET-MISMATCH``);
* invalid UTF-8 in UNOW/UNOY: decoded as ISO 8859-1 (``EDI-CHARSET-MISMATCH``);
* characters outside the UNOA/UNOB repertoire (lower case in UNOA): kept as they are
  (``EDI-CHARSET-REPERTOIRE``);
* an unknown syntax identifier: decoded as ISO 8859-1 (``EDI-CHARSET-UNKNOWN``).

Line breaks (CR, LF) are removed wherever they stand, since they are outside every EDIFACT
character set and some networks hard-wrap files, even inside values. A file that ends its
segments with line breaks instead of the terminator is read with the line break as
terminator (``EDI-TERMINATOR-NEWLINE``).
"""

from __future__ import annotations

import functools
import gc
import re
import sys
from collections.abc import Callable, Iterator
from typing import IO

import attrs

from edimap.edifact._codes import (
    CHARSET_MISMATCH,
    CHARSET_REPERTOIRE,
    CHARSET_SUPPRESSED,
    CHARSET_UNKNOWN,
    NO_INTERCHANGE,
    OUTSIDE_INTERCHANGE,
    PREAMBLE,
    SEGMENT_TAG,
    SEGMENT_TOO_LONG,
    TERMINATOR_NEWLINE,
    TOO_MANY_ELEMENTS,
    TRUNCATED,
    UNA_INVALID,
)
from edimap.edifact.syntax import (
    DEFAULT_V3,
    UNOA_REPERTOIRE,
    UNOB_REPERTOIRE,
    Delimiters,
    Element,
    PositionTable,
    RawSyntax,
    Segment,
    codec_for,
)
from edimap.findings import Code, Finding, Location, SourceError

__all__ = ["Limits"]

_TAG = re.compile(r"[A-Z0-9]{3}\Z")
_VALID_TAGS: set[str] = set()  # tags already seen to be well formed
# Tags well formed and not UNA/UNB/UNZ (the fast path's test), each to its interned form:
# segments get that one, so comparing and hashing a tag (mappers do it for every segment)
# is an identity test and a cached hash.
_PLAIN_TAGS: dict[str, str] = {}


_PLACEHOLDER = re.compile("[\ue000-\ue005]")
_FILLER = "\ue005"
_RESTORE: dict[int, str | None] = {0xE005: None}  # placeholder → character; filler → gone


def _protect(text: str, d: Delimiters) -> str:
    """Replace each release-escaped pair by a placeholder and a filler, keeping the length
    (offsets stay byte offsets).

    Pairs are taken left to right, so ``???'`` is an escaped ``?`` then an escaped ``'``.
    A release character before an ordinary character is dropped, as ISO 9735 readers do.
    """
    r = d.release
    services = [(d.release, "\ue000"), (d.terminator, "\ue001"), (d.element, "\ue002"),
                (d.component, "\ue003")]
    if d.has_repetition:
        services.append((d.repetition, "\ue004"))
    for char, placeholder in services:
        _RESTORE[ord(placeholder)] = char
    text = text.replace(r + r, "\ue000" + _FILLER)
    for char, placeholder in services[1:]:
        text = text.replace(r + char, placeholder + _FILLER)
    if r in text:
        text = text.replace(r, _FILLER)
    return text


@attrs.frozen(kw_only=True)
class Limits:
    """Resource limits. A limit reached is a finding, never a MemoryError."""

    max_segment_length: int = 1_000_000
    """Bytes in one segment; a longer one is skipped with EDI-LIMIT-SEGMENT-LENGTH."""
    max_message_segments: int = 1_000_000
    """Segments in one message; more are skipped with EDI-LIMIT-MESSAGE-SEGMENTS."""
    max_segment_elements: int = 1_000
    """Data elements in one segment; a segment with more is skipped."""
    max_interchange_messages: int = 10_000_000
    """Messages handed out per interchange; more are reported with EDI-LIMIT-MESSAGES."""
    chunk_size: int = 1 << 20
    """Bytes read from a file at a time."""


_LINEBREAKS = b"\r\n"
_CHARSET_FINDINGS_PER_INTERCHANGE = 20
_REGION_BYTES = 1 << 14


class _Tokenizer:
    """Bytes → segments, following UNA, the UNB character set and line breaks."""

    def __init__(self, stream: IO[bytes] | None, data: bytes | None, limits: Limits,
                 source: str | None) -> None:
        self._stream = stream
        self._buf = data if data is not None else b""
        self._eof = stream is None
        self._base = 0  # absolute offset of _buf[0]
        self._pos = 0  # cursor in _buf
        self._line = 1
        self._line_start = 0  # absolute offset where the current line starts
        self.limits = limits
        self.source = source
        self.delimiters = DEFAULT_V3
        self.explicit_una = False
        self.codec: str | None = "latin-1"
        self.syntax_id = ""
        self.findings: list[Finding] = []
        self._term = b"'"
        self._release = b"?"
        self._newline_mode = False
        self._charset_counts: dict[str, int] = {}
        self._started = False
        self._repertoire_bad: re.Pattern[str] | None = None
        self.pending: dict[int, list[Finding]] = {}
        self._orphan_target = False

    # -- buffer management

    def _fill(self) -> bool:
        """Read one more chunk; False at the end of the input."""
        if self._eof or self._stream is None:
            return False
        try:
            chunk = self._stream.read(self.limits.chunk_size)
        except OSError as exc:
            raise SourceError(f"cannot read the input: {exc}") from None
        if not chunk:
            self._eof = True
            return False
        if self._pos:
            self._buf = self._buf[self._pos:]
            self._base += self._pos
            self._pos = 0
        self._buf += chunk
        return True

    def _loc(self, offset: int, **kw: object) -> Location:
        line, column = self._line_col(offset)
        return Location(source=self.source, offset=offset, line=line, column=column,
                        **kw)  # type: ignore[arg-type]

    def _line_col(self, offset: int) -> tuple[int, int]:
        return self._line, offset - self._line_start + 1

    def _advance_lines(self, start: int, end: int) -> None:
        """Account for line breaks in _buf[start:end]."""
        buf = self._buf
        count = buf.count(b"\n", start, end)
        if count:
            self._line += count
            self._line_start = self._base + buf.rfind(b"\n", start, end) + 1

    # -- interchange start: preamble, UNA, terminator mode

    def _start_interchange(self, first: bool) -> bool:
        """Position at the next UNA/UNB; False when the input has none left."""
        while True:
            head = self._buf[self._pos:self._pos + 8192]
            idx_a = head.find(b"UNA")
            idx_b = head.find(b"UNB")
            candidates = [i for i in (idx_a, idx_b) if i >= 0]
            if candidates or self._eof or len(head) >= 8192:
                break
            if not self._fill():
                break
        if not candidates:
            rest = self._buf[self._pos:]
            if rest.strip(b"\r\n\t \x00\x1a"):
                off = self._base + self._pos
                if first:
                    self.findings.append(NO_INTERCHANGE(
                        "no UNB interchange header found", self._loc(off)))
                else:
                    self.findings.append(OUTSIDE_INTERCHANGE(
                        f"{len(rest)} bytes after the last UNZ are not an interchange",
                        self._loc(off)))
            self._pos = len(self._buf)
            return False
        start = min(candidates)
        skipped = head[:start]
        if skipped.strip(b"\r\n\t \x00\x1a"):
            off = self._base + self._pos
            what = "a UTF-8 byte-order mark" if skipped.startswith(b"\xef\xbb\xbf") and \
                not skipped[3:].strip(b"\r\n\t ") else f"{len(skipped)} bytes"
            if first:
                self.findings.append(PREAMBLE(
                    f"skipped {what} before the interchange header", self._loc(off)))
            else:
                self.findings.append(OUTSIDE_INTERCHANGE(
                    f"skipped {len(skipped)} bytes between interchanges", self._loc(off)))
        self._advance_lines(self._pos, self._pos + start)
        self._pos += start
        self.delimiters = DEFAULT_V3
        self.explicit_una = False
        if self._buf.startswith(b"UNA", self._pos):
            self._read_una()
        self._term = self.delimiters.terminator.encode("latin-1")
        self._release = self.delimiters.release.encode("latin-1")
        self._detect_newline_mode()
        self._started = True
        return True

    def _read_una(self) -> None:
        while len(self._buf) - self._pos < 12 and self._fill():
            pass
        una = self._buf[self._pos:self._pos + 9]
        off = self._base + self._pos
        chars = una[3:9].decode("latin-1")
        rest = self._buf[self._pos + 9:self._pos + 12]
        if len(chars) == 6 and not chars[5].isalnum() and chars[5] not in "\r\n" and (
            rest[:3] in (b"UNB", b"") or rest[:1] in (b"\r", b"\n")
        ):
            c, e, d, r, rep, t = tuple(chars)
            consumed = 9
        else:
            # A five-character UNA (the reserved position left out), as some writers send.
            short = self._buf[self._pos + 3:self._pos + 8].decode("latin-1")
            if len(short) == 5 and not short[4].isalnum() and short[4] not in "\r\n":
                c, e, d, r, t = tuple(short)
                rep = " "
                consumed = 8
                self.findings.append(UNA_INVALID(
                    f"UNA has five service characters {short!r} instead of six; read as "
                    f"component {c!r}, element {e!r}, decimal {d!r}, release {r!r}, "
                    f"terminator {t!r}", self._loc(off, segment_tag="UNA")))
            else:
                self.findings.append(UNA_INVALID(
                    f"cannot read the service characters in {una!r}; using the defaults",
                    self._loc(off, segment_tag="UNA")))
                self._pos += 3
                return
        if len({c, e, r, t}) != 4 or d not in ".,":
            self.findings.append(UNA_INVALID(
                f"UNA service characters {chars!r} repeat a character or declare a decimal "
                "mark other than . or ,", self._loc(off, segment_tag="UNA")))
        self.delimiters = Delimiters(c, e, d if d in ".," else ".", r, rep, t)
        self.explicit_una = True
        self._pos += consumed

    def _detect_newline_mode(self) -> None:
        """A file with no terminator in its first segments but line breaks ends segments
        with line breaks: read it that way, and say so."""
        self._newline_mode = False
        while len(self._buf) - self._pos < 4096 and self._fill():
            pass
        head = self._buf[self._pos:self._pos + 4096]
        if self._term in head or b"\n" not in head:
            return
        nl = head.find(b"\n")
        follow = head[nl + 1:].lstrip(b"\r\n")[:3]
        if len(follow) == 3 and follow.isalnum() and follow.isupper():
            self._newline_mode = True
            self._term = b"\n"
            self.findings.append(TERMINATOR_NEWLINE(
                "no segment terminator found; line breaks are read as segment terminators",
                self._loc(self._base + self._pos)))

    # -- segments

    def segments(self) -> Iterator[Segment]:
        """Every segment of the input, in order."""
        for batch in self.batches():
            yield from batch

    def batches(self) -> Iterator[list[Segment]]:
        """The segments of the input in batches; a batch ends after every UNB and UNZ, so
        the caller can act on an interchange boundary before reading on."""
        if not self._started:
            self._fill()
            if not self._start_interchange(first=True):
                return
        while True:
            region_end = self._region_end()
            if region_end < 0:
                if self._fill():
                    continue
                tail = self._tail()
                if tail is not None:
                    yield [tail]
                return
            text = self._fast_text(region_end)
            batch = self._fast_region(region_end, text) if text is not None else \
                self._slow_region(region_end)
            if batch:
                yield batch

    def _region_end(self) -> int:
        """Index in _buf of the last unescaped terminator after the cursor, or -1."""
        buf, term, release, pos = self._buf, self._term, self._release, self._pos
        # A region of at most about _REGION_BYTES, so a batch stays small: the segments of a
        # batch are all alive at once, and every collection of the cyclic collector walks
        # them (with 1 MiB regions reading ran a third slower).
        idx = buf.rfind(term, pos, pos + _REGION_BYTES)
        if idx < 0:
            idx = buf.rfind(term, pos)
        while idx >= 0:
            if self._newline_mode:
                return idx
            n = 0
            j = idx - 1
            while j >= pos and buf[j] == release[0]:
                n += 1
                j -= 1
            if n % 2 == 0:
                return idx
            idx = buf.rfind(term, pos, idx)
        if len(buf) - pos > self.limits.max_segment_length and not self._eof:
            self._skip_overlong()
            return self._region_end()
        return -1

    def _fast_text(self, region_end: int) -> str | None:
        """The region decoded in one go, when one decoding is right for all of it."""
        if self._newline_mode:
            return None
        region = self._buf[self._pos:region_end]
        codec = self.codec
        if region.isascii():
            text = region.decode("ascii")
            if self._repertoire_bad is not None and self._repertoire_bad.search(text):
                return None
            return text
        if codec in (None, "ascii", "utf-8"):
            return None
        try:
            region.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            return None  # UTF-8 bytes under an ISO 8859 declaration: per-segment policy
        try:
            return region.decode(codec)
        except UnicodeDecodeError:
            return None

    def _fast_region(self, region_end: int, text: str) -> list[Segment]:
        """Split a decoded region whose offsets are byte offsets (single-byte decoding)."""
        enabled = gc.isenabled()
        # Segments hold only strings and tuples, never cycles: pausing the cyclic collector
        # while hundreds of thousands of them are built saves most of the time it takes.
        gc.disable()
        try:
            return self._fast_region_loop(region_end, text)
        finally:
            if enabled:
                gc.enable()

    def _fast_region_loop(self, region_end: int, text: str) -> list[Segment]:
        d = self.delimiters
        t, r, e = d.terminator, d.release, d.element
        base = self._base + self._pos
        if "\n" in text or "\r" in text:
            newlines = _positions(text, "\n")
            removed = sorted(newlines + _positions(text, "\r")) if "\r" in text else newlines
            adjusted = [p - k for k, p in enumerate(removed)]
            text = text.replace("\r", "").replace("\n", "")
        else:
            adjusted, newlines = [], []
        table = PositionTable(base, adjusted, newlines, self._line, self._line_start)
        escaped = r in text
        if escaped:
            # Escaped pairs become private-use placeholders (never produced by a single-byte
            # decoding), so plain splitting is right; values get their characters back.
            text = _protect(text, d)
        max_len = self.limits.max_segment_length
        max_elements = self.limits.max_segment_elements
        # Below this size a piece is within both limits (it has fewer elements than bytes).
        ordinary = min(max_len, max_elements)
        valid = _PLAIN_TAGS
        syntax = RawSyntax(d, dict(_RESTORE) if escaped else None, text)
        out: list[Segment] = []
        append = out.append
        new_segment = object.__new__
        # Findings waiting for a segment go with the next one found.
        orphan = self._orphan_target = self._orphan_target or bool(self.findings)
        pos = 0
        for piece in text.split(t):
            size = len(piece)
            if not 0 < size <= ordinary:
                if not size:
                    pos += 1
                    continue
                if self._over_limit(size, functools.partial(piece.count, e), functools.partial(
                        self._piece_location, table, pos, piece[:3])):
                    self._orphan_target = orphan = True
                    pos += size + 1
                    continue
            tag = piece[:3]  # (most tags have three letters)
            if size > 3 and piece[3] != e:
                tag = piece.partition(e)[0]
            plain = valid.get(tag)
            # Set up here, not through Segment(): its Python call would cost more than all
            # the rest of this loop. Raw text and its syntax instead of elements (split on
            # first access), the offset a position in the table's text (see Segment).
            seg = new_segment(Segment)
            seg.tag = plain or tag
            seg._elements = None
            seg._raw = piece
            seg._syntax = syntax
            seg._offset = pos
            seg._line = seg._column = None
            seg._table = table
            if orphan:
                self._orphan_target = orphan = False
                self._attach(seg, [])
            pos += size + 1
            if plain is not None:  # the common case: an ordinary segment seen before
                append(seg)
                continue
            if tag.startswith("UNA") and piece[3:4] != e:
                # A new interchange with its own service string advice.
                self._move_to(table, pos - size - 1)
                self._start_interchange(first=False)
                return out
            if escaped:
                seg.tag = tag = tag.translate(_RESTORE)
            if tag != "UNB" and tag != "UNZ":
                self._check_tag(seg)
            append(seg)
            if tag == "UNB" or tag == "UNZ":
                if tag == "UNB":
                    notes: list[Finding] = []
                    self._set_charset(seg, seg.offset or 0, seg.line or 0, seg.column or 0,
                                      notes)
                    if notes:
                        self._attach(seg, notes)
                self._move_to(table, pos)
                return out
        self._pos = region_end + len(self._term)
        if newlines:
            self._line = table.line + len(newlines)
            self._line_start = base + newlines[-1] + 1
        return out

    def _over_limit(self, size: int, elements: Callable[[], int],
                    where: Callable[[], Location]) -> bool:
        """Whether a segment of ``size`` bytes and ``elements()`` element separators is
        over the segment length or element limit: then it is skipped, with a finding at
        ``where()`` that goes with the next segment. (Both are worked out only when
        needed: a piece shorter than the element limit has fewer elements than bytes.)"""
        limits = self.limits
        if size > limits.max_segment_length:
            found = SEGMENT_TOO_LONG(f"segment of {size} bytes exceeds the limit of "
                                     f"{limits.max_segment_length}", where())
        elif size > limits.max_segment_elements and elements() >= limits.max_segment_elements:
            found = TOO_MANY_ELEMENTS(f"segment with more than {limits.max_segment_elements} "
                                      "data elements", where())
        else:
            return False
        self.findings.append(found)
        return True

    def _piece_location(self, table: PositionTable, pos: int, tag: str) -> Location:
        return self._at(*table.locate(pos), tag)

    def _move_to(self, table: PositionTable, pos: int) -> None:
        """Put the cursor at ``pos`` of a stripped region (see :class:`PositionTable`)."""
        relative = table.original(pos)
        self._pos = table.base - self._base + relative
        self._line, self._line_start = table.line_at(relative)

    def _slow_region(self, region_end: int) -> list[Segment]:
        """Segment by segment up to ``region_end``, deciding the decoding of each."""
        out: list[Segment] = []
        while self._pos <= region_end:
            end = self._find_terminator()
            if end < 0:
                break
            raw_start = self._pos
            raw = self._buf[raw_start:end]
            lead = len(raw) - len(raw.lstrip(_LINEBREAKS))
            if lead:
                self._advance_lines(raw_start, raw_start + lead)
            seg_start = raw_start + lead
            off = self._base + seg_start
            line, col = self._line_col(off)
            body = raw[lead:]
            if b"\n" in body or b"\r" in body:
                self._advance_lines(seg_start, end)
                body = body.replace(b"\r", b"").replace(b"\n", b"")
            self._pos = end + len(self._term)
            if self._newline_mode:
                self._line += 1
                self._line_start = self._base + self._pos
            if not body:
                continue
            if body.startswith(b"UNA") and not body.startswith(b"UNA+"):
                # A new interchange with its own service string advice.
                self._pos = seg_start
                self._start_interchange(first=False)
                break
            if self._over_limit(len(body), functools.partial(
                    body.count, self.delimiters.element.encode("latin-1")),
                    functools.partial(self._loc, off)):
                continue
            seg = self._make_segment(body, off, line, col)
            out.append(seg)
            if seg.tag in ("UNB", "UNZ"):
                break
        return out

    def _tail(self) -> Segment | None:
        """At the end of the input: what follows the last terminator."""
        tail = self._buf[self._pos:]
        stripped = tail.strip(b"\r\n\t \x00\x1a")
        if not stripped:
            self._pos = len(self._buf)
            return None
        start = self._pos + (len(tail) - len(tail.lstrip(b"\r\n\t ")))
        off = self._base + start
        self._advance_lines(self._pos, start)
        line, col = self._line_col(off)
        body = self._buf[start:].rstrip(b"\r\n\t \x00\x1a")
        self._pos = len(self._buf)
        notes: list[Finding] = []
        seg = self._make_segment(body.replace(b"\r", b"").replace(b"\n", b""), off, line, col,
                                 notes)
        if not self._newline_mode:
            # With line breaks as terminators the end of input ends the last segment;
            # otherwise the transfer was cut off.
            notes.append(TRUNCATED(
                f"the input ends inside a {seg.tag or 'segment'} segment, without the "
                f"terminator {self.delimiters.terminator!r}",
                self._loc(off, segment_tag=seg.tag or None)))
        self._attach(seg, notes)
        return seg if seg.tag else None

    def _attach(self, seg: Segment, notes: list[Finding]) -> None:
        """Findings that belong with ``seg`` (and any waiting for the next segment)."""
        found = self.findings + notes
        self.findings = []
        if found:
            self.pending.setdefault(id(seg), []).extend(found)

    def _check_tag(self, seg: Segment) -> None:
        notes: list[Finding] = []
        if _TAG.match(seg.tag):
            _VALID_TAGS.add(seg.tag)
            if seg.tag not in ("UNB", "UNZ") and not seg.tag.startswith("UNA"):
                seg.tag = _PLAIN_TAGS.setdefault(seg.tag, sys.intern(seg.tag))
        else:
            shown = seg.tag if len(seg.tag) <= 20 else seg.tag[:20] + "…"
            notes.append(SEGMENT_TAG(f"{shown!r} is not a segment tag", self._at(
                seg.offset or 0, seg.line or 0, seg.column or 0, seg.tag or None)))
        self._attach(seg, notes)

    def _find_terminator(self) -> int:
        """Index in _buf of the next unescaped terminator at or after the cursor, or -1."""
        buf, term, release = self._buf, self._term, self._release
        search = self._pos
        while True:
            idx = buf.find(term, search)
            if idx < 0:
                if len(buf) - self._pos > self.limits.max_segment_length and self._eof is False:
                    self._skip_overlong()
                    return self._find_terminator()
                return -1
            # An odd number of release characters right before it escapes it.
            n = 0
            j = idx - 1
            while j >= self._pos and buf[j:j + 1] == release:
                n += 1
                j -= 1
            if n % 2 == 0 or self._newline_mode:
                return idx
            search = idx + 1

    def _skip_overlong(self) -> None:
        off = self._base + self._pos
        self.findings.append(SEGMENT_TOO_LONG(
            f"no segment terminator within {self.limits.max_segment_length} bytes; skipped to "
            "the next terminator", self._loc(off)))
        while True:
            idx = self._buf.find(self._term, self._pos)
            if idx >= 0:
                self._advance_lines(self._pos, idx)
                self._pos = idx + len(self._term)
                return
            self._advance_lines(self._pos, len(self._buf))
            self._pos = len(self._buf)
            if not self._fill():
                return

    def _make_segment(self, body: bytes, off: int, line: int, col: int,
                      notes: list[Finding] | None = None) -> Segment:
        notes = [] if notes is None else notes
        text = self._decode(body, off, line, col, notes)
        d = self.delimiters
        if d.release in text:
            tag, elements = _split_escaped(text, d)
        else:
            parts = text.split(d.element)
            tag = parts[0]
            comp = d.component
            if d.has_repetition:
                rep = d.repetition
                elements = [tuple(tuple(o.split(comp)) for o in p.split(rep)) for p in parts[1:]]
            else:
                elements = [(tuple(p.split(comp)),) for p in parts[1:]]
        seg = Segment(tag, elements, off, line, col)
        if not _TAG.match(tag):
            shown = tag if len(tag) <= 20 else tag[:20] + "…"
            notes.append(SEGMENT_TAG(
                f"{shown!r} is not a segment tag", self._at(off, line, col, tag or None)))
        if tag == "UNB":
            self._set_charset(seg, off, line, col, notes)
        elif self._repertoire_bad is not None:
            bad = self._repertoire_bad.search(text)
            if bad:
                self._charset_finding(notes, CHARSET_REPERTOIRE, (
                    f"{bad.group()!r} is outside the {self.syntax_id} repertoire"),
                    self._at(off, line, col, tag, *_position(seg, bad.group())))
        if notes is not None:
            self._attach(seg, notes)
        return seg

    def _at(self, off: int, line: int, col: int, tag: str | None,
            element: int | None = None, component: int | None = None) -> Location:
        return Location(source=self.source, offset=off, line=line, column=col,
                        segment_tag=tag, element=element, component=component)

    def _decode(self, body: bytes, off: int, line: int, col: int,
                notes: list[Finding]) -> str:
        codec = self.codec
        if body.isascii():
            return body.decode("ascii")
        if codec == "utf-8":
            try:
                return body.decode("utf-8")
            except UnicodeDecodeError as exc:
                self._charset_finding(notes, CHARSET_MISMATCH, (
                    f"byte 0x{body[exc.start]:02X} is not valid UTF-8 although UNB declares "
                    f"{self.syntax_id}; the segment was decoded as ISO 8859-1"),
                    self._at(off + exc.start, line, col + exc.start, body[:3].decode(
                        "latin-1")))
                return body.decode("latin-1")
        try:
            as_utf8 = body.decode("utf-8")
        except UnicodeDecodeError:
            as_utf8 = None
        if as_utf8 is not None:
            first = next(i for i, b in enumerate(body) if b >= 0x80)
            self._charset_finding(notes, CHARSET_MISMATCH, (
                f"the bytes are UTF-8 although UNB declares {self.syntax_id or 'no set'}; "
                f"decoded as UTF-8 ({as_utf8[:3]}…{_first_non_ascii(as_utf8)!r})"),
                self._at(off + first, line, col + first, body[:3].decode("latin-1")))
            return as_utf8
        if codec in (None, "ascii"):
            first = next(i for i, b in enumerate(body) if b >= 0x80)
            self._charset_finding(notes, CHARSET_MISMATCH, (
                f"byte 0x{body[first]:02X} is outside {self.syntax_id or 'the declared set'}; "
                "decoded as ISO 8859-1"),
                self._at(off + first, line, col + first, body[:3].decode("latin-1")))
            return body.decode("latin-1")
        return body.decode(codec, errors="replace") if codec != "latin-1" else \
            body.decode("latin-1")

    def _charset_finding(self, notes: list[Finding], code: Code, message: str,
                         location: Location) -> None:
        count = self._charset_counts.get(code.code, 0) + 1
        self._charset_counts[code.code] = count
        if count <= _CHARSET_FINDINGS_PER_INTERCHANGE:
            notes.append(code(message, location))

    def charset_summary(self, location: Location) -> list[Finding]:
        """At the end of an interchange: how many charset findings were not listed."""
        out = []
        for key, count in sorted(self._charset_counts.items()):
            if count > _CHARSET_FINDINGS_PER_INTERCHANGE:
                hidden = count - _CHARSET_FINDINGS_PER_INTERCHANGE
                out.append(CHARSET_SUPPRESSED(
                    f"{hidden} more {key} findings in this interchange were not listed",
                    location))
        self._charset_counts = {}
        return out

    def _set_charset(self, unb: Segment, off: int, line: int, col: int,
                     notes: list[Finding]) -> None:
        syntax_id = unb.get(1, 1).upper()
        version = unb.get(1, 2)
        self.syntax_id = syntax_id
        codec = codec_for(syntax_id)
        if codec is None:
            self.codec = "latin-1"
            notes.append(CHARSET_UNKNOWN(
                f"unknown syntax identifier {syntax_id!r}; decoding as ISO 8859-1",
                self._at(off, line, col, "UNB", 1, 1)))
        else:
            self.codec = codec
        allowed = {"UNOA": UNOA_REPERTOIRE, "UNOB": UNOB_REPERTOIRE}.get(syntax_id)
        if allowed is not None:
            extra = set(self.delimiters.service_characters()) - {" "}
            chars = "".join(sorted(allowed | extra | {"\r", "\n"}))
            self._repertoire_bad = re.compile("[^" + re.escape(chars) + "]")
        else:
            self._repertoire_bad = None
        if version == "4" and not self.explicit_una:
            self.delimiters = Delimiters.for_syntax_version(4)

    def has_charset_counts(self) -> bool:
        """Whether character set findings are being counted for the open interchange."""
        return bool(self._charset_counts)

    def resume(self, stream: IO[bytes], offset: int, line: int, line_start: int) -> None:
        """Read on from ``stream``, whose first byte is at ``offset`` of the input, on line
        ``line`` that starts at ``line_start`` (a part of a split interchange, after its
        header)."""
        self._stream, self._eof = stream, False
        self._buf, self._pos, self._base = b"", 0, offset
        self._line, self._line_start = line, line_start

    def next_interchange(self) -> None:
        """Called after UNZ: the next bytes may start a new interchange with its own UNA."""
        rest = self._buf[self._pos:self._pos + 64].lstrip(b"\r\n\t ")
        if rest.startswith(b"UNA") or (rest and not rest.startswith(b"UNB")):
            self._start_interchange(first=False)
            return
        if not rest and not self._eof:
            self._fill()
            rest = self._buf[self._pos:self._pos + 64].lstrip(b"\r\n\t ")
            if rest.startswith(b"UNA") or (rest and not rest.startswith(b"UNB")):
                self._start_interchange(first=False)


def _positions(text: str, char: str) -> list[int]:
    """Every position of ``char`` in ``text`` (str.find is a memchr, unlike a regex scan)."""
    found: list[int] = []
    at = text.find(char)
    while at >= 0:
        found.append(at)
        at = text.find(char, at + 1)
    return found


def _first_non_ascii(text: str) -> str:
    return next((ch for ch in text if ord(ch) > 127), "")


def _position(seg: Segment, char: str) -> tuple[int | None, int | None]:
    """1-based element and component of the first value containing ``char``."""
    for e, element in enumerate(seg.elements, start=1):
        for occ in element:
            for c, value in enumerate(occ, start=1):
                if char in value:
                    return e, c
    return None, None


def _split_escaped(text: str, d: Delimiters) -> tuple[str, list[Element]]:
    """Split a segment that contains release characters, removing them."""
    release, esep, csep = d.release, d.element, d.component
    rsep = d.repetition if d.has_repetition else None
    elements: list[list[list[str]]] = []
    occ: list[str] = []
    element: list[list[str]] = [occ]
    value: list[str] = []
    tag: str | None = None
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == release and i + 1 < n:
            value.append(text[i + 1])
            i += 2
            continue
        if ch == release:
            i += 1  # a release at the very end escapes the terminator that was consumed
            continue
        if ch == esep:
            occ.append("".join(value))
            value = []
            if tag is None:
                tag = occ[0]
            else:
                elements.append(element)
            occ = []
            element = [occ]
        elif ch == csep and tag is not None:
            occ.append("".join(value))
            value = []
        elif rsep is not None and ch == rsep and tag is not None:
            occ.append("".join(value))
            value = []
            occ = []
            element.append(occ)
        else:
            value.append(ch)
        i += 1
    occ.append("".join(value))
    if tag is None:
        return occ[0], []
    elements.append(element)
    return tag, [tuple(tuple(o) for o in el) for el in elements]
