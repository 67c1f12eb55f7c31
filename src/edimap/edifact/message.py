"""What the EDIFACT reader hands out: interchange and group headers, messages with their
segments and findings, and whole interchanges."""

from __future__ import annotations

import attrs

from edimap._codes import ascii_digits
from edimap.edifact.syntax import Delimiters, Segment
from edimap.edifact.writer import MessageDraft
from edimap.findings import Finding, Location

__all__ = ["GroupHeader", "Interchange", "InterchangeHeader", "Message"]


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
