"""The envelope checks of the EDIFACT reader: one method per service segment (UNB, UNG,
UNH, UNT, UNE, UNZ) on :class:`Envelope`, which builds the messages and checks their counts
and references against UNT, UNE and UNZ."""

from __future__ import annotations

import bisect

import attrs

from edimap._codes import ascii_digits
from edimap.edifact._codes import (
    DUPLICATE_REF,
    GROUPS_MIXED,
    OUTSIDE_MESSAGE,
    SEGMENT_TOO_LONG,
    SYNTAX_VERSION,
    TOO_MANY_ELEMENTS,
    TOO_MANY_SEGMENTS,
    UNB_DATE,
    UNB_INVALID,
    UNE_COUNT,
    UNE_REF,
    UNE_UNEXPECTED,
    UNG_MISSING,
    UNH_INVALID,
    UNT_COUNT,
    UNT_MISSING,
    UNT_REF,
    UNZ_COUNT,
    UNZ_MISSING,
    UNZ_REF,
)
from edimap.edifact.message import GroupHeader, InterchangeHeader, Message
from edimap.edifact.syntax import Segment
from edimap.edifact.tokenizer import Limits, _Tokenizer
from edimap.findings import Finding, Location

__all__ = ["ENVELOPE_TAGS", "Envelope"]

ENVELOPE_TAGS = frozenset({"UNB", "UNZ", "UNG", "UNE", "UNH", "UNT"})
# Findings about a segment the tokenizer skipped (it still counts in UNT 0074).
_SKIPPING_CODES = frozenset({SEGMENT_TOO_LONG.code, TOO_MANY_ELEMENTS.code})


class Envelope:
    """The envelope checks of one reading, one method per service segment (``on_UNB``,
    ``on_UNG``, ``on_UNH``, ``on_UNT``, ``on_UNE``, ``on_UNZ``), each returning the message
    that the segment closed, if any. Segments inside a message are appended by the reader's
    loop itself, for speed (those past the limit go to :meth:`overflow`). Findings about
    the envelopes go to ``findings``; those about a message go with the message."""

    def __init__(self, tokens: _Tokenizer, limits: Limits, source: str | None,
                 findings: list[Finding],
                 interchanges: list[tuple[InterchangeHeader | None, Segment | None]],
                 groups: list[GroupHeader]) -> None:
        self.tokens = tokens
        self.pending = tokens.pending
        self.source = source
        self.findings = findings
        self.interchanges = interchanges
        self.groups = groups
        self.max_segments = limits.max_message_segments
        self.header: InterchangeHeader | None = None
        self.group: GroupHeader | None = None
        self.group_count = 0  # messages in the open group
        self.groups_in_interchange = 0
        self.loose_messages = 0  # messages outside groups
        self.messages_in_interchange = 0
        self.refs = _References()
        self.current: list[Segment] | None = None
        self.current_findings: list[Finding] = []
        self.skipped = 0
        self.message_index = 0
        self.last: Segment | None = None
        self.continues = False
        """True when the input ends inside the interchange on purpose (a part of it)."""
        self._services = {"UNB": self.on_UNB, "UNG": self.on_UNG, "UNH": self.on_UNH,
                          "UNT": self.on_UNT, "UNE": self.on_UNE, "UNZ": self.on_UNZ}

    # --- locations and the tokenizer's findings ---------------------------------------------

    def location(self, seg: Segment | None, **kw: object) -> Location:
        """A location in the envelope (no message), at ``seg``."""
        return Location(
            source=self.source,
            interchange_ref=self.header.control_ref if self.header else None,
            group_ref=self.group.reference if self.group else None,
            segment_tag=seg.tag if seg else None,
            line=seg.line if seg else None, column=seg.column if seg else None,
            offset=seg.offset if seg else None, **kw)  # type: ignore[arg-type]

    def note(self, seg: Segment, in_message: bool) -> None:
        """File the tokenizer's findings about ``seg`` with its message or envelope."""
        found = self.pending.pop(id(seg), None)
        if not found:
            return
        control_ref = self.header.control_ref if self.header else None
        for f in found:
            if in_message and self.current is not None:
                if f.code in _SKIPPING_CODES:
                    self.skipped += 1  # it was in the message: UNT counts it
                loc = f.location.evolve(
                    source=self.source, interchange_ref=control_ref,
                    group_ref=self.group.reference if self.group else None,
                    message_ref=self.current[0].get(1), segment_index=len(self.current))
                self.current_findings.append(attrs.evolve(f, location=loc))
            else:
                loc = f.location.evolve(source=self.source, interchange_ref=control_ref)
                self.findings.append(attrs.evolve(f, location=loc))

    # --- segments ---------------------------------------------------------------------------

    def overflow(self, seg: Segment) -> None:
        """A segment of the open message past its segment limit: skipped, and counted (the
        reader's loop appends the others itself, for speed)."""
        if self.skipped == 0:
            self.current_findings.append(TOO_MANY_SEGMENTS(
                f"message has more than {self.max_segments} segments; the rest were skipped",
                Location(source=self.source, segment_tag=seg.tag, line=seg.line,
                         column=seg.column, offset=seg.offset)))
        self.skipped += 1
        self.pending.pop(id(seg), None)

    def service(self, seg: Segment) -> Message | None:
        """A segment the open message does not simply take: a service segment, or anything
        outside a message. The message it closed, if any."""
        closed = self._services.get(seg.tag, self.on_other)(seg)
        self.last = seg
        return closed

    def _close_message(self) -> Message | None:
        return self.finish(None) if self.current is not None else None

    def on_UNH(self, seg: Segment) -> Message | None:
        closed = self._close_message()
        if self.header is None:
            self.findings.append(UNZ_MISSING(
                "a message starts outside any interchange (no UNB before it)",
                self.location(seg)))
            self.header = _fallback_header(self.tokens)
        self.current = [seg]
        self.message_index += 1
        self.messages_in_interchange += 1
        if self.group is not None:
            self.group_count += 1
        else:
            self.loose_messages += 1
            if self.groups_in_interchange:
                self.findings.append(GROUPS_MIXED(
                    "a message outside a functional group in an interchange that uses "
                    "groups", self.location(seg)))
        self.note(seg, True)
        self._check_unh(seg, self.header.control_ref)
        return closed

    def _check_unh(self, seg: Segment, control_ref: str) -> None:
        ref = seg.get(1)
        s009 = seg.components(2)
        where = {"source": self.source, "interchange_ref": control_ref, "segment_index": 1,
                 "segment_tag": "UNH", "line": seg.line, "column": seg.column,
                 "offset": seg.offset}
        if not ref or len(s009) < 4 or not all(s009[:4]):
            self.current_findings.append(UNH_INVALID(
                "UNH needs a message reference and S009 type:version:release:agency",
                Location(message_ref=ref or None, **where)))  # type: ignore[arg-type]
        if not self.refs.add(ref):
            self.current_findings.append(DUPLICATE_REF(
                f"message reference {ref!r} is used by an earlier message in interchange "
                f"{control_ref}",
                Location(message_ref=ref, element=1, **where)))  # type: ignore[arg-type]

    def on_UNT(self, seg: Segment) -> Message | None:
        if self.current is None:
            self.note(seg, False)
            self.findings.append(OUTSIDE_MESSAGE("UNT without a UNH before it",
                                                 self.location(seg)))
            return None
        self.current.append(seg)
        self.note(seg, True)
        return self.finish(seg)

    def on_UNB(self, seg: Segment) -> Message | None:
        closed = self._close_message()
        self.close_group(None, seg)
        self.close_interchange(None, seg)
        self.header = _parse_unb(seg, self.tokens, self.findings, self.source)
        self.note(seg, False)
        self.groups_in_interchange = self.loose_messages = self.messages_in_interchange = 0
        self.refs = _References()
        self.message_index = 0
        return closed

    def on_UNZ(self, seg: Segment) -> Message | None:
        closed = self._close_message()
        self.close_group(None, seg)
        self.note(seg, False)
        if self.header is None:
            self.findings.append(OUTSIDE_MESSAGE("UNZ without a UNB before it",
                                                 self.location(seg)))
        else:
            self.close_interchange(seg, seg)
        self.tokens.next_interchange()
        return closed

    def on_UNG(self, seg: Segment) -> Message | None:
        closed = self._close_message()
        self.close_group(None, seg)
        self.note(seg, False)
        s006, s007 = seg.components(2), seg.components(3)
        self.group = GroupHeader(
            message_type=seg.get(1), sender=s006[0] if s006 else "",
            recipient=s007[0] if s007 else "", reference=seg.get(5),
            version=seg.get(7, 1), release=seg.get(7, 2), segment=seg)
        self.groups.append(self.group)
        self.group_count = 0
        self.groups_in_interchange += 1
        if self.loose_messages:
            self.findings.append(GROUPS_MIXED(
                "a functional group in an interchange that has messages outside groups",
                self.location(seg)))
        return closed

    def on_UNE(self, seg: Segment) -> Message | None:
        closed = self._close_message()
        self.note(seg, False)
        if self.group is None:
            self.findings.append(UNE_UNEXPECTED("UNE without an open UNG group",
                                                self.location(seg)))
        else:
            self.close_group(seg, seg)
        return closed

    def on_other(self, seg: Segment) -> Message | None:
        self.note(seg, False)
        self.findings.append(OUTSIDE_MESSAGE(f"{seg.tag} stands outside any message",
                                             self.location(seg)))
        return None

    # --- closing ------------------------------------------------------------------------------

    def finish(self, trailer: Segment | None) -> Message:
        """The open message, checked against its UNT ``trailer`` (None: it has none)."""
        current, header = self.current, self.header
        assert current is not None
        assert header is not None
        unh = current[0]
        s009 = unh.components(2) + ("",) * 5
        ref = unh.get(1)
        msg = Message(
            reference=ref, type=s009[0], version=s009[1], release=s009[2], agency=s009[3],
            association=s009[4], segments=tuple(current), interchange=header,
            group=self.group, index=self.message_index, source=self.source)
        found = self.current_findings
        if trailer is None:
            found.append(UNT_MISSING(f"message {ref} ends without UNT",
                                     msg.location(len(current))))
        else:
            count_text = trailer.get(1)
            actual = len(current) + self.skipped
            if not _counts(count_text, actual):
                found.append(UNT_COUNT(
                    f"UNT says {count_text or 'nothing'} segments but the message has "
                    f"{actual} (UNH and UNT included)", msg.location(len(current), element=1)))
            if trailer.get(2) != ref:
                found.append(UNT_REF(
                    f"UNT reference {trailer.get(2)!r} differs from UNH reference {ref!r}",
                    msg.location(len(current), element=2)))
        self.current = None
        self.current_findings = []
        self.skipped = 0
        # (Most messages have nothing to report: no second Message built for them.)
        return attrs.evolve(msg, findings=tuple(found)) if found else msg

    def close_interchange(self, trailer: Segment | None, at: Segment | None) -> None:
        """End the open interchange at its UNZ ``trailer`` (None: it has none)."""
        header = self.header
        if header is None:
            return
        if trailer is None:
            self.findings.append(UNZ_MISSING(f"interchange {header.control_ref} has no UNZ",
                                             self.location(at or self.last)))
        else:
            counted = self.groups_in_interchange or self.messages_in_interchange
            what = "functional groups" if self.groups_in_interchange else "messages"
            if not _counts(trailer.get(1), counted):
                self.findings.append(UNZ_COUNT(
                    f"UNZ says {trailer.get(1) or 'nothing'} but the interchange has "
                    f"{counted} {what}", self.location(trailer, element=1)))
            if trailer.get(2) != header.control_ref:
                self.findings.append(UNZ_REF(
                    f"UNZ reference {trailer.get(2)!r} differs from UNB reference "
                    f"{header.control_ref!r}", self.location(trailer, element=2)))
        self.findings.extend(self.tokens.charset_summary(
            self.location(trailer or at or self.last)))
        self.interchanges.append((header, trailer))
        self.header = None
        self.group = None

    def close_group(self, trailer: Segment | None, at: Segment | None) -> None:
        """End the open group at its UNE ``trailer`` (None: it has none)."""
        group = self.group
        if group is None:
            return
        if trailer is None:
            self.findings.append(UNG_MISSING(f"group {group.reference} has no UNE",
                                             self.location(at or self.last)))
        else:
            if not _counts(trailer.get(1), self.group_count):
                self.findings.append(UNE_COUNT(
                    f"UNE says {trailer.get(1) or 'nothing'} messages but the group has "
                    f"{self.group_count}", self.location(trailer, element=1)))
            if trailer.get(2) != group.reference:
                self.findings.append(UNE_REF(
                    f"UNE reference {trailer.get(2)!r} differs from UNG reference "
                    f"{group.reference!r}", self.location(trailer, element=2)))
        self.group = None

    def end(self) -> Message | None:
        """The input ended: close what is open; the last message, if one was open."""
        closed = self._close_message()
        if not self.continues:
            self.close_group(None, None)
            self.close_interchange(None, None)
        for found in self.pending.values():
            self.findings.extend(found)
        self.pending.clear()
        return closed


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


def _counts(text: str, actual: int) -> bool:
    """Whether a trailer's control count (UNT 0074, UNZ 0036, UNE 0060, numeric n..6)
    states ``actual``; leading zeros, which many senders pad with, count as the number."""
    return text.isascii() and text.isdigit() and int(text) == actual


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
