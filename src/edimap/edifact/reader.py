"""Streaming EDIFACT reader: bytes or a binary file → interchanges → groups → messages.

Memory stays bounded: input is read in chunks, and :meth:`EdifactReader.messages` hands out
one message at a time. Nothing in the input raises; every problem is a :class:`Finding`
with the interchange and message reference, the segment number within the message (UNH =
1), the tag, the element and component, and line, column (in bytes) and byte offset.

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

import bisect
import functools
import gc
import os
import re
import sys
from collections.abc import Callable, Iterator
from typing import IO

import attrs

from edimap._codes import ascii_digits
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
from edimap.edifact.writer import MessageDraft
from edimap.findings import (
    Code,
    Finding,
    Location,
    Severity,
    SourceError,
    UsageError,
    register,
)

__all__ = [
    "EdifactReader",
    "GroupHeader",
    "Interchange",
    "InterchangeHeader",
    "Limits",
    "Message",
    "iter_messages",
    "read_interchanges",
]

# --- finding codes ------------------------------------------------------------------------

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO

PREAMBLE = register(
    "EDI-PREAMBLE", W, "Bytes before UNA/UNB (a byte-order mark, a mail header, junk) were "
    "skipped.", "Usually harmless; ask the sender to send the interchange alone.",
    "###@@@\\r\\nUNB+UNOA:2+…")
NO_INTERCHANGE = register(
    "EDI-NO-INTERCHANGE", E, "No UNB interchange header was found.",
    "Check that the file is an EDIFACT interchange.", "hello world")
UNA_INVALID = register(
    "EDI-UNA-INVALID", E, "The UNA service string advice is malformed (it must be UNA plus "
    "exactly six characters).", "Correct the UNA; edimap used the characters it could read.",
    "UNA:+.?'UNB+…")
TERMINATOR_NEWLINE = register(
    "EDI-TERMINATOR-NEWLINE", W, "Segments end with line breaks instead of the segment "
    "terminator; edimap read each line as a segment.",
    "Ask the sender to end each segment with the declared terminator (default ').",
    "UNB+UNOC:3+…\\nUNH+1+ORDERS:D:96A:UN\\n")
TRUNCATED = register(
    "EDI-TRUNCATED", E, "The input ends inside a segment: the last segment has no "
    "terminator (the transfer was probably cut off).",
    "Ask for the file again.", "…UNT+12+1'UNZ+1+42")
SEGMENT_TAG = register(
    "EDI-SEGMENT-TAG", E, "A segment tag is not three upper-case letters or digits.",
    "Look for a stray segment terminator or an unescaped ' in the data before it.",
    "…'Rugbrød'…")
SEGMENT_TOO_LONG = register(
    "EDI-LIMIT-SEGMENT-LENGTH", E, "A segment is longer than the configured limit; it was "
    "skipped.", "Raise Limits.max_segment_length if the file is genuine.",
    "FTX+AAI+++…  (two megabytes without a segment terminator)")
TOO_MANY_SEGMENTS = register(
    "EDI-LIMIT-MESSAGE-SEGMENTS", E, "A message has more segments than the configured limit; "
    "the rest up to its UNT was skipped.", "Raise Limits.max_message_segments if genuine.",
    "UNH+1+ORDERS…'  followed by two million LIN segments")
TOO_MANY_ELEMENTS = register(
    "EDI-LIMIT-SEGMENT-ELEMENTS", E, "A segment has more data elements than the configured "
    "limit; it was skipped.", "Raise Limits.max_segment_elements if the file is genuine.",
    "FTX" + "+" * 20000 + "'")
TOO_MANY_MESSAGES = register(
    "EDI-LIMIT-MESSAGES", E, "An interchange has more messages than the configured limit; the "
    "rest were not handed out.", "Raise Limits.max_interchange_messages, or stream the file "
    "with EdifactReader and a higher limit.", "one interchange of ten million messages")
CHARSET_MISMATCH = register(
    "EDI-CHARSET-MISMATCH", W, "The bytes are not in the character set UNB declares; edimap "
    "decoded them by its documented policy (UTF-8 if they are valid UTF-8, else ISO 8859-1).",
    "Check the decoded text; ask the sender to declare the set they use (UNOC for ISO "
    "8859-1, UNOY for UTF-8).", "UNB+UNOC:3… with 'é' as the UTF-8 bytes C3 A9")
CHARSET_REPERTOIRE = register(
    "EDI-CHARSET-REPERTOIRE", W, "A character is outside the repertoire of the declared "
    "syntax level (for example lower case in UNOA).",
    "Usually harmless; partners with strict translators may reject it.",
    "UNB+UNOA:2… NAD+BY+++Købmand")
CHARSET_UNKNOWN = register(
    "EDI-CHARSET-UNKNOWN", W, "The UNB syntax identifier is not one edimap knows; the data "
    "was decoded as ISO 8859-1.", "Check the syntax identifier in UNB S001.", "UNB+UNOQ:3+…")
CHARSET_SUPPRESSED = register(
    "EDI-CHARSET-MORE", INFO, "More character-set findings of one kind in an interchange were "
    "summarised.", "See the first findings of that code.",
    "a UNOC interchange whose every segment holds UTF-8 letters")
UNB_INVALID = register(
    "EDI-UNB-INVALID", E, "The UNB interchange header lacks a mandatory element (syntax "
    "identifier, sender, recipient, date/time or control reference).",
    "Correct the UNB.", "UNB+UNOC:3+5790000274017:14'")
UNB_DATE = register(
    "EDI-UNB-DATE", W, "The UNB date does not fit the syntax version (YYMMDD in 1-3, "
    "CCYYMMDD in 4) or is not a date.", "Correct UNB S004.", "UNB+UNOA:4+…+260101:1200+…")
SYNTAX_VERSION = register(
    "EDI-SYNTAX-VERSION", W, "The UNB syntax version number is not 1, 2, 3 or 4.",
    "Check UNB S001 0002.", "UNB+UNOC:9+…")
UNZ_MISSING = register(
    "EDI-UNZ-MISSING", E, "The interchange has no UNZ trailer (truncated file, or a second "
    "UNB before the first UNZ).", "Ask for the complete interchange.", "UNB+…'UNH+…'UNT+…'")
UNZ_COUNT = register(
    "EDI-UNZ-COUNT", E, "UNZ 0036 does not equal the number of messages (or of functional "
    "groups, when UNG is used) in the interchange.", "Ask the sender to correct the count.",
    "UNB+…+42'UNH…UNT…UNZ+3+42'  (one message)")
UNZ_REF = register(
    "EDI-UNZ-REF", E, "UNZ 0020 does not equal the UNB interchange control reference.",
    "Ask the sender to correct the reference.", "UNB+…+42'…UNZ+1+43'")
UNG_MISSING = register(
    "EDI-UNE-MISSING", E, "A functional group has no UNE trailer.",
    "Ask the sender to close the group.", "UNG+…'UNH…UNT…'UNZ+1+42'")
UNE_COUNT = register(
    "EDI-UNE-COUNT", E, "UNE 0060 does not equal the number of messages in the group.",
    "Ask the sender to correct the count.", "UNG…+7+…'UNH…UNT…'UNE+2+7'")
UNE_REF = register(
    "EDI-UNE-REF", E, "UNE 0048 does not equal the UNG group reference.",
    "Ask the sender to correct the reference.", "UNG…+7+…'…UNE+1+8'")
UNE_UNEXPECTED = register(
    "EDI-UNE-UNEXPECTED", E, "A UNE trailer without an open functional group.",
    "Ask the sender to correct the envelope.", "UNB…'UNH…UNT…'UNE+1+1'")
GROUPS_MIXED = register(
    "EDI-GROUPS-MIXED", E, "An interchange mixes functional groups and messages outside "
    "groups.", "Ask the sender to use groups for all messages or for none.",
    "UNB…'UNG…'UNH…UNT…'UNE…'UNH…UNT…'UNZ…'")
UNT_MISSING = register(
    "EDI-UNT-MISSING", E, "A message has no UNT trailer: the next UNH, UNZ or the end of the "
    "input came first.", "Ask for the message again.", "UNH+1+ORDERS…'BGM…'UNH+2+…")
UNT_COUNT = register(
    "EDI-UNT-COUNT", E, "UNT 0074 does not equal the number of segments in the message "
    "(UNH and UNT included).", "Ask the sender to correct the count; the content may be "
    "incomplete.", "UNH+1+ORDERS…'BGM…'UNT+267+1'  (3 segments)")
UNT_REF = register(
    "EDI-UNT-REF", E, "UNT 0062 does not equal the UNH message reference.",
    "Ask the sender to correct the reference.", "UNH+1+…'…UNT+3+2'")
UNH_INVALID = register(
    "EDI-UNH-INVALID", E, "UNH lacks the message reference or the message identifier "
    "(type, version, release, agency).", "Correct the UNH.", "UNH+1+ORDERS'")
DUPLICATE_REF = register(
    "EDI-UNH-DUPLICATE-REF", E, "Two messages in one interchange have the same message "
    "reference (UNH 0062).", "Ask the sender for unique references.",
    "UNH+111425+INVOIC…'…UNH+111425+INVOIC…'")
OUTSIDE_MESSAGE = register(
    "EDI-SEGMENT-OUTSIDE", E, "A segment stands outside any message (between UNB/UNG and "
    "UNH, or after UNT).", "Look for a missing UNH.", "UNB…'BGM+220+1'UNH…")
OUTSIDE_INTERCHANGE = register(
    "EDI-TRAILING-DATA", W, "Data stands after the UNZ that closes an interchange and is not "
    "another interchange.", "Usually harmless padding; check that nothing is missing.",
    "…UNZ+1+42'garbage")

_TAG = re.compile(r"[A-Z0-9]{3}\Z")
_VALID_TAGS: set[str] = set()  # tags already seen to be well formed
# Tags well formed and not UNA/UNB/UNZ (the fast path's test), each to its interned form:
# segments get that one, so comparing and hashing a tag (mappers do it for every segment)
# is an identity test and a cached hash.
_PLAIN_TAGS: dict[str, str] = {}
_ENVELOPE_TAGS = frozenset({"UNB", "UNZ", "UNG", "UNE", "UNH", "UNT"})
# Findings about a segment the tokenizer skipped (it still counts in UNT 0074).
_SKIPPING_CODES = frozenset({SEGMENT_TOO_LONG.code, TOO_MANY_ELEMENTS.code})


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


@attrs.frozen(kw_only=True)
class InterchangeHeader:
    """UNB, with the service characters and character set in force for the interchange."""

    syntax_id: str
    syntax_version: str
    sender: str
    sender_qualifier: str
    recipient: str
    recipient_qualifier: str
    date: str
    time: str
    control_ref: str
    application_ref: str
    priority: str
    ack_request: str
    agreement_id: str
    test_indicator: str
    delimiters: Delimiters
    explicit_una: bool
    segment: Segment = attrs.field(eq=False)

    @property
    def is_test(self) -> bool:
        """UNB 0035 = 1 (or 5, a service provider's test)."""
        return self.test_indicator in ("1", "5")

    @property
    def syntax_version_number(self) -> int:
        return int(self.syntax_version) if ascii_digits(self.syntax_version) else 3


@attrs.frozen(kw_only=True)
class GroupHeader:
    """UNG: a functional group."""

    message_type: str
    sender: str
    recipient: str
    reference: str
    version: str
    release: str
    segment: Segment = attrs.field(eq=False)


@attrs.frozen(kw_only=True)
class Message:
    """One message, UNH to UNT, with what enveloped it and what was found in it."""

    reference: str
    type: str
    version: str
    release: str
    agency: str
    association: str
    segments: tuple[Segment, ...]
    interchange: InterchangeHeader
    group: GroupHeader | None = None
    index: int = 1
    findings: tuple[Finding, ...] = ()
    source: str | None = None

    @property
    def identifier(self) -> str:
        """UNH S009 as written: ``ORDERS:D:96A:UN:EAN008``."""
        return ":".join(self.draft().identifier)

    @property
    def body(self) -> tuple[Segment, ...]:
        """The segments between UNH and UNT."""
        segs = self.segments
        start = 1 if segs and segs[0].tag == "UNH" else 0
        end = len(segs) - 1 if len(segs) > start and segs[-1].tag == "UNT" else len(segs)
        return segs[start:end]

    @property
    def delimiters(self) -> Delimiters:
        return self.interchange.delimiters

    def draft(self) -> MessageDraft:
        """This message as a :class:`MessageDraft`, to write it again."""
        s009 = (self.type, self.version, self.release, self.agency, self.association)
        parts = list(s009)
        while parts and not parts[-1]:
            parts.pop()
        return MessageDraft(reference=self.reference, identifier=tuple(parts), body=self.body)

    def location(
        self, segment_index: int | None = None, *, element: int | None = None,
        component: int | None = None, group_path: str | None = None,
    ) -> Location:
        """A location in this message; ``segment_index`` counts from UNH = 1."""
        seg = None
        if segment_index is not None and 1 <= segment_index <= len(self.segments):
            seg = self.segments[segment_index - 1]
        return Location(
            source=self.source,
            interchange_ref=self.interchange.control_ref,
            group_ref=self.group.reference if self.group else None,
            message_ref=self.reference,
            segment_index=segment_index,
            segment_tag=seg.tag if seg else None,
            group_path=group_path,
            element=element,
            component=component,
            line=seg.line if seg else None,
            column=seg.column if seg else None,
            offset=seg.offset if seg else None,
        )


@attrs.frozen(kw_only=True)
class Interchange:
    """A whole interchange (from :func:`read_interchanges`): header, messages, trailer."""

    header: InterchangeHeader | None
    messages: tuple[Message, ...]
    groups: tuple[GroupHeader, ...] = ()
    trailer: Segment | None = attrs.field(default=None, eq=False)
    findings: tuple[Finding, ...] = ()

    @property
    def all_findings(self) -> tuple[Finding, ...]:
        out = list(self.findings)
        for message in self.messages:
            out.extend(message.findings)
        return tuple(out)


# --- tokenizer ----------------------------------------------------------------------------

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


# --- envelope -----------------------------------------------------------------------------


class EdifactReader:
    """Reads an EDIFACT input message by message, checking the envelopes.

    ``source`` is bytes, a path or a binary file. Iterate :meth:`messages` (or the reader
    itself); messages come one at a time, each with its own findings. Findings about the
    envelopes around them (UNB/UNZ, UNG/UNE, data outside messages) collect in
    :attr:`findings` as reading proceeds, and :attr:`interchanges` lists every interchange
    seen, with its trailer.
    """

    def __init__(self, source: bytes | bytearray | str | os.PathLike[str] | IO[bytes], *,
                 limits: Limits | None = None, source_name: str | None = None) -> None:
        self.limits = limits or Limits()
        self._close: IO[bytes] | None = None
        data: bytes | None = None
        stream: IO[bytes] | None = None
        if isinstance(source, bytes | bytearray):
            data = bytes(source)
        elif isinstance(source, str | os.PathLike):
            path = os.fspath(source)
            source_name = source_name or path
            try:
                stream = open(path, "rb")  # noqa: SIM115 - closed when reading ends
            except OSError as exc:
                raise SourceError(f"cannot read {path}: {exc.strerror or exc}") from None
            self._close = stream
        elif callable(getattr(source, "read", None)):
            stream = source
            name = getattr(source, "name", None)
            source_name = source_name or (name if isinstance(name, str) else None)
        else:
            raise UsageError(f"cannot read EDIFACT from {type(source).__name__}")
        self.source = source_name
        self._tokens = _Tokenizer(stream, data, self.limits, source_name)
        self.findings: list[Finding] = []
        self.interchanges: list[tuple[InterchangeHeader | None, Segment | None]] = []
        self.groups: list[GroupHeader] = []
        self._consumed = False

    def __iter__(self) -> Iterator[Message]:
        return self.messages()

    def messages(self) -> Iterator[Message]:
        """Every message in the input, in order (one pass; a second call yields nothing)."""
        if self._consumed:
            return
        self._consumed = True
        counts: dict[int, int] = {}
        limit = self.limits.max_interchange_messages
        try:
            for message in self._run():
                key = id(message.interchange)
                counts[key] = counts.get(key, 0) + 1
                if counts[key] > limit:
                    if counts[key] == limit + 1:
                        self.findings.append(TOO_MANY_MESSAGES(
                            f"interchange {message.interchange.control_ref} has more than "
                            f"{limit} messages; the rest are not handed out",
                            message.location(1)))
                    continue
                yield message
        finally:
            self.findings.extend(self._tokens.findings)
            self._tokens.findings.clear()
            if self._close is not None:
                self._close.close()
                self._close = None

    # -- the state machine

    def _run(self) -> Iterator[Message]:
        tokens = self._tokens
        pending = tokens.pending
        header: InterchangeHeader | None = None
        group: GroupHeader | None = None
        group_count = 0  # messages in the open group
        groups_in_interchange = 0
        loose_messages = 0  # messages outside groups
        messages_in_interchange = 0
        refs = _References()
        current: list[Segment] | None = None
        current_findings: list[Finding] = []
        skipped = 0
        message_index = 0
        last: Segment | None = None
        max_segments = self.limits.max_message_segments
        envelope_tags = _ENVELOPE_TAGS

        def envelope_loc(seg: Segment | None, **kw: object) -> Location:
            return Location(
                source=self.source,
                interchange_ref=header.control_ref if header else None,
                group_ref=group.reference if group else None,
                segment_tag=seg.tag if seg else None,
                line=seg.line if seg else None, column=seg.column if seg else None,
                offset=seg.offset if seg else None, **kw)  # type: ignore[arg-type]

        def note(seg: Segment, in_message: bool) -> None:
            """File the tokenizer's findings about ``seg`` with its message or envelope."""
            nonlocal skipped
            found = pending.pop(id(seg), None)
            if not found:
                return
            for f in found:
                if in_message and current is not None:
                    if f.code in _SKIPPING_CODES:
                        skipped += 1  # it was in the message: UNT counts it
                    loc = f.location.evolve(
                        source=self.source,
                        interchange_ref=header.control_ref if header else None,
                        group_ref=group.reference if group else None,
                        message_ref=current[0].get(1), segment_index=len(current))
                    current_findings.append(attrs.evolve(f, location=loc))
                else:
                    loc = f.location.evolve(
                        source=self.source,
                        interchange_ref=header.control_ref if header else None)
                    self.findings.append(attrs.evolve(f, location=loc))

        def finish(trailer: Segment | None) -> Message:
            nonlocal current, current_findings, skipped
            assert current is not None
            assert header is not None
            unh = current[0]
            s009 = unh.components(2)
            ref = unh.get(1)
            msg = Message(
                reference=ref,
                type=s009[0] if len(s009) > 0 else "",
                version=s009[1] if len(s009) > 1 else "",
                release=s009[2] if len(s009) > 2 else "",
                agency=s009[3] if len(s009) > 3 else "",
                association=s009[4] if len(s009) > 4 else "",
                segments=tuple(current), interchange=header, group=group,
                index=message_index, source=self.source)
            found = current_findings
            if trailer is None:
                found.append(UNT_MISSING(
                    f"message {ref} ends without UNT", msg.location(len(current))))
            else:
                count_text = trailer.get(1)
                actual = len(current) + skipped
                if count_text != str(actual):
                    found.append(UNT_COUNT(
                        f"UNT says {count_text or 'nothing'} segments but the message has "
                        f"{actual} (UNH and UNT included)",
                        msg.location(len(current), element=1)))
                if trailer.get(2) != ref:
                    found.append(UNT_REF(
                        f"UNT reference {trailer.get(2)!r} differs from UNH reference "
                        f"{ref!r}", msg.location(len(current), element=2)))
            current = None
            current_findings = []
            skipped = 0
            # (Most messages have nothing to report: no second Message built for them.)
            return attrs.evolve(msg, findings=tuple(found)) if found else msg

        def close_interchange(trailer: Segment | None, at: Segment | None) -> None:
            nonlocal header, group
            if header is None:
                return
            if trailer is None:
                self.findings.append(UNZ_MISSING(
                    f"interchange {header.control_ref} has no UNZ",
                    envelope_loc(at) if at else envelope_loc(last)))
            else:
                counted = groups_in_interchange if groups_in_interchange else \
                    messages_in_interchange
                what = "functional groups" if groups_in_interchange else "messages"
                if trailer.get(1) != str(counted):
                    self.findings.append(UNZ_COUNT(
                        f"UNZ says {trailer.get(1) or 'nothing'} but the interchange has "
                        f"{counted} {what}", envelope_loc(trailer, element=1)))
                if trailer.get(2) != header.control_ref:
                    self.findings.append(UNZ_REF(
                        f"UNZ reference {trailer.get(2)!r} differs from UNB reference "
                        f"{header.control_ref!r}", envelope_loc(trailer, element=2)))
            self.findings.extend(tokens.charset_summary(envelope_loc(trailer or at or last)))
            self.interchanges.append((header, trailer))
            header = None
            group = None

        def close_group(trailer: Segment | None, at: Segment | None) -> None:
            nonlocal group
            if group is None:
                return
            if trailer is None:
                self.findings.append(UNG_MISSING(
                    f"group {group.reference} has no UNE", envelope_loc(at or last)))
            else:
                if trailer.get(1) != str(group_count):
                    self.findings.append(UNE_COUNT(
                        f"UNE says {trailer.get(1) or 'nothing'} messages but the group has "
                        f"{group_count}", envelope_loc(trailer, element=1)))
                if trailer.get(2) != group.reference:
                    self.findings.append(UNE_REF(
                        f"UNE reference {trailer.get(2)!r} differs from UNG reference "
                        f"{group.reference!r}", envelope_loc(trailer, element=2)))
            group = None

        for batch in tokens.batches():
            for seg in batch:
                tag = seg.tag
                if current is not None and tag not in envelope_tags:
                    # The common case: a segment inside a message.
                    if len(current) < max_segments:
                        current.append(seg)
                        if pending:
                            note(seg, True)
                    else:
                        if skipped == 0:
                            current_findings.append(TOO_MANY_SEGMENTS(
                                f"message has more than {max_segments} segments; the rest "
                                "were skipped", Location(
                                    source=self.source, segment_tag=tag, line=seg.line,
                                    column=seg.column, offset=seg.offset)))
                        skipped += 1
                        pending.pop(id(seg), None)
                    continue
                if tag == "UNH":
                    if current is not None:
                        yield finish(None)
                    if header is None:
                        self.findings.append(UNZ_MISSING(
                            "a message starts outside any interchange (no UNB before it)",
                            envelope_loc(seg)))
                        header = _fallback_header(tokens)
                    current = [seg]
                    message_index += 1
                    messages_in_interchange += 1
                    if group is not None:
                        group_count += 1
                    else:
                        loose_messages += 1
                        if groups_in_interchange:
                            self.findings.append(GROUPS_MIXED(
                                "a message outside a functional group in an interchange "
                                "that uses groups", envelope_loc(seg)))
                    note(seg, True)
                    ref = seg.get(1)
                    s009 = seg.components(2)
                    if not ref or len(s009) < 4 or not all(s009[:4]):
                        current_findings.append(UNH_INVALID(
                            "UNH needs a message reference and S009 "
                            "type:version:release:agency",
                            Location(source=self.source, interchange_ref=header.control_ref,
                                     message_ref=ref or None, segment_index=1,
                                     segment_tag="UNH", line=seg.line, column=seg.column,
                                     offset=seg.offset)))
                    if not refs.add(ref):
                        current_findings.append(DUPLICATE_REF(
                            f"message reference {ref!r} is used by an earlier message in "
                            f"interchange {header.control_ref}",
                            Location(source=self.source, interchange_ref=header.control_ref,
                                     message_ref=ref, segment_index=1, segment_tag="UNH",
                                     element=1, line=seg.line, column=seg.column,
                                     offset=seg.offset)))
                elif tag == "UNT":
                    if current is None:
                        note(seg, False)
                        self.findings.append(OUTSIDE_MESSAGE(
                            "UNT without a UNH before it", envelope_loc(seg)))
                    else:
                        current.append(seg)
                        note(seg, True)
                        yield finish(seg)
                elif tag == "UNB":
                    if current is not None:
                        yield finish(None)
                    close_group(None, seg)
                    close_interchange(None, seg)
                    header = _parse_unb(seg, tokens, self.findings, self.source)
                    note(seg, False)
                    groups_in_interchange = loose_messages = messages_in_interchange = 0
                    refs = _References()
                    message_index = 0
                elif tag == "UNZ":
                    if current is not None:
                        yield finish(None)
                    close_group(None, seg)
                    note(seg, False)
                    if header is None:
                        self.findings.append(OUTSIDE_MESSAGE(
                            "UNZ without a UNB before it", envelope_loc(seg)))
                    else:
                        close_interchange(seg, seg)
                    tokens.next_interchange()
                elif tag == "UNG":
                    if current is not None:
                        yield finish(None)
                    close_group(None, seg)
                    note(seg, False)
                    s006, s007 = seg.components(2), seg.components(3)
                    group = GroupHeader(
                        message_type=seg.get(1), sender=s006[0] if s006 else "",
                        recipient=s007[0] if s007 else "", reference=seg.get(5),
                        version=seg.get(7, 1), release=seg.get(7, 2), segment=seg)
                    self.groups.append(group)
                    group_count = 0
                    groups_in_interchange += 1
                    if loose_messages:
                        self.findings.append(GROUPS_MIXED(
                            "a functional group in an interchange that has messages outside "
                            "groups", envelope_loc(seg)))
                elif tag == "UNE":
                    if current is not None:
                        yield finish(None)
                    note(seg, False)
                    if group is None:
                        self.findings.append(UNE_UNEXPECTED(
                            "UNE without an open UNG group", envelope_loc(seg)))
                    else:
                        close_group(seg, seg)
                else:
                    note(seg, False)
                    self.findings.append(OUTSIDE_MESSAGE(
                        f"{tag} stands outside any message", envelope_loc(seg)))
                last = seg
        if current is not None:
            yield finish(None)
        close_group(None, None)
        close_interchange(None, None)
        for found in pending.values():
            self.findings.extend(found)
        pending.clear()


class _References:
    """The message references seen in one interchange, for the duplicate check.

    References are nearly always counters ("1", "2", …): those are kept as merged ranges, so
    memory stays flat however many messages an interchange has; others go into a set."""

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []  # inclusive
        self._other: set[str] = set()

    def add(self, ref: str) -> bool:
        """Record ``ref``; False when it was seen before."""
        if not (ref.isdigit() and ref.isascii()) or (ref[0] == "0" and ref != "0"):
            if ref in self._other:
                return False
            self._other.add(ref)
            return True
        n = int(ref)
        starts, ends = self._starts, self._ends
        i = bisect.bisect_right(starts, n) - 1
        if i >= 0 and n <= ends[i]:
            return False
        if i >= 0 and ends[i] == n - 1:
            ends[i] = n
            if i + 1 < len(starts) and starts[i + 1] == n + 1:
                ends[i] = ends[i + 1]
                del starts[i + 1], ends[i + 1]
        elif i + 1 < len(starts) and starts[i + 1] == n + 1:
            starts[i + 1] = n
        else:
            starts.insert(i + 1, n)
            ends.insert(i + 1, n)
        return True


def _fallback_header(tokens: _Tokenizer) -> InterchangeHeader:
    seg = Segment("UNB", [])
    return InterchangeHeader(
        syntax_id="", syntax_version="", sender="", sender_qualifier="", recipient="",
        recipient_qualifier="", date="", time="", control_ref="", application_ref="",
        priority="", ack_request="", agreement_id="", test_indicator="",
        delimiters=tokens.delimiters, explicit_una=tokens.explicit_una, segment=seg)


def _parse_unb(seg: Segment, tokens: _Tokenizer, findings: list[Finding],
               source: str | None) -> InterchangeHeader:
    header = InterchangeHeader(
        syntax_id=seg.get(1, 1), syntax_version=seg.get(1, 2),
        sender=seg.get(2, 1), sender_qualifier=seg.get(2, 2),
        recipient=seg.get(3, 1), recipient_qualifier=seg.get(3, 2),
        date=seg.get(4, 1), time=seg.get(4, 2), control_ref=seg.get(5),
        application_ref=seg.get(7), priority=seg.get(8), ack_request=seg.get(9),
        agreement_id=seg.get(10), test_indicator=seg.get(11),
        delimiters=tokens.delimiters, explicit_una=tokens.explicit_una, segment=seg)

    def loc(element: int, component: int | None = None) -> Location:
        return Location(source=source, interchange_ref=header.control_ref or None,
                        segment_tag="UNB", element=element, component=component,
                        line=seg.line, column=seg.column, offset=seg.offset)

    missing = [name for name, value in (
        ("syntax identifier (S001 0001)", header.syntax_id),
        ("syntax version (S001 0002)", header.syntax_version),
        ("sender (S002 0004)", header.sender),
        ("recipient (S003 0010)", header.recipient),
        ("date (S004 0017)", header.date),
        ("time (S004 0019)", header.time),
        ("control reference (0020)", header.control_ref),
    ) if not value]
    if missing:
        findings.append(UNB_INVALID("UNB lacks " + ", ".join(missing), loc(1)))
    version = header.syntax_version
    if version and version not in ("1", "2", "3", "4"):
        findings.append(SYNTAX_VERSION(
            f"syntax version {version!r} is not 1-4; read as version 3", loc(1, 2)))
    date = header.date
    if date:
        wanted = 8 if version == "4" else 6
        if not ascii_digits(date) or len(date) not in (6, 8):
            findings.append(UNB_DATE(f"UNB date {date!r} is not a date", loc(4, 1)))
        elif len(date) != wanted:
            findings.append(UNB_DATE(
                f"UNB date {date!r} has {len(date)} digits; syntax version {version} writes "
                f"{wanted} ({'CCYYMMDD' if wanted == 8 else 'YYMMDD'})", loc(4, 1)))
    return header


def iter_messages(
    source: bytes | bytearray | str | os.PathLike[str] | IO[bytes], *,
    limits: Limits | None = None,
) -> Iterator[Message]:
    """Every message of ``source``, one at a time (envelope findings are on the reader:
    use :class:`EdifactReader` to see them)."""
    return EdifactReader(source, limits=limits).messages()


def read_interchanges(
    source: bytes | bytearray | str | os.PathLike[str] | IO[bytes], *,
    limits: Limits | None = None, source_name: str | None = None,
) -> list[Interchange]:
    """Read the whole input into :class:`Interchange` objects (for inputs that fit in
    memory; use :class:`EdifactReader` to stream). Envelope findings go to the interchange
    they concern; findings outside any interchange to the first (or an empty one)."""
    reader = EdifactReader(source, limits=limits, source_name=source_name)
    messages = list(reader.messages())
    result: list[Interchange] = []
    by_ref: dict[int, list[Message]] = {}
    for msg in messages:
        by_ref.setdefault(id(msg.interchange), []).append(msg)
    orphans = [f for f in reader.findings if f.location.interchange_ref is None]
    for header, trailer in reader.interchanges:
        assert header is not None
        own = [f for f in reader.findings
               if f.location.interchange_ref is not None
               and f.location.interchange_ref == header.control_ref
               and not any(f in r.findings for r in result)]
        groups = tuple(g for g in reader.groups
                       if any(m.group is g for m in by_ref.get(id(header), [])))
        result.append(Interchange(header=header, messages=tuple(by_ref.get(id(header), [])),
                                  groups=groups, trailer=trailer, findings=tuple(own)))
    if orphans:
        if result:
            first = result[0]
            result[0] = attrs.evolve(first, findings=tuple(orphans) + first.findings)
        else:
            result.append(Interchange(header=None, messages=(), findings=tuple(orphans)))
    return result

