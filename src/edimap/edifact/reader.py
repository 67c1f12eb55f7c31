"""Streaming EDIFACT reader: bytes or a binary file → interchanges → groups → messages.

Memory stays bounded: input is read in chunks, and :meth:`EdifactReader.messages` hands out
one message at a time. Nothing in the input raises; every problem is a :class:`Finding`
with the interchange and message reference, the segment number within the message (UNH =
1), the tag, the element and component, and line, column (in bytes) and byte offset.

The reader is three parts: :mod:`edimap.edifact.tokenizer` turns bytes into segments (and
says how it decodes them), :mod:`edimap.edifact.envelope` checks UNB/UNG/UNH/UNT/UNE/UNZ and
builds the messages, and :class:`EdifactReader` runs the two over an input.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import IO

import attrs

from edimap.edifact._codes import TOO_MANY_MESSAGES
from edimap.edifact.envelope import ENVELOPE_TAGS, Envelope
from edimap.edifact.message import GroupHeader, Interchange, InterchangeHeader, Message
from edimap.edifact.split import Part, Plan, Window
from edimap.edifact.syntax import Segment
from edimap.edifact.tokenizer import Limits, _Tokenizer
from edimap.findings import Finding, SourceError, UsageError

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


class EdifactReader:
    """Reads an EDIFACT input message by message, checking the envelopes.

    ``source`` is bytes, a path or a binary file. Iterate :meth:`messages` (or the reader
    itself); messages come one at a time, each with its own findings. Findings about the
    envelopes around them (UNB/UNZ, UNG/UNE, data outside messages) collect in
    :attr:`findings` as reading proceeds, and :attr:`interchanges` lists every interchange
    seen, with its trailer.
    """

    def __init__(self, source: bytes | bytearray | str | os.PathLike[str] | IO[bytes], *,
                 limits: Limits | None = None, source_name: str | None = None,
                 part: tuple[Plan, int] | None = None) -> None:
        self.limits = limits or Limits()
        self._close: IO[bytes] | None = None
        data: bytes | None = None
        stream: IO[bytes] | None = None
        # (the part being read, whether it is the last, and where it goes on after UNB)
        self._part: tuple[Part, bool, IO[bytes] | None] | None = None
        if part is not None:
            if not isinstance(source, str | os.PathLike):
                raise UsageError("a part of an interchange is read from its file")
            source_name = source_name or os.fspath(source)
            data, stream = self._open_part(os.fspath(source), *part)
        elif isinstance(source, bytes | bytearray):
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
        self.envelope_findings = 0
        """How many of :attr:`findings` are about the envelopes (the tokenizer's follow)."""

    def _open_part(self, path: str, plan: Plan, k: int
                   ) -> tuple[bytes | None, IO[bytes] | None]:
        """Part ``k`` of ``plan`` (see :mod:`edimap.edifact.split`): the first is read from
        the start of the file; any other is its interchange's UNA and UNB, then its own
        bytes, read on from where they stand in the file."""
        from edimap._fs import open_binary

        part, last = plan.parts[k], k == len(plan.parts) - 1
        opened = open_binary(path)  # (closed with the window, when reading ends)
        if k == 0:
            window = Window(opened, part.start, part.end)
            self._close, self._part = window, (part, last, None)  # type: ignore[assignment]
            return None, window  # type: ignore[return-value]
        header = opened.read(plan.header_end)
        window = Window(opened, part.start, part.end)
        self._close, self._part = window, (part, last, window)  # type: ignore[assignment]
        return header, None

    @property
    def inexact(self) -> bool:
        """True when this part found what a part cannot count as the whole would
        (character set findings, listed up to a number per interchange)."""
        return self._tokens.has_charset_counts()

    def _go_on(self, envelope: Envelope, part: Part, rest: IO[bytes]) -> None:
        """The header of a part is read: read on from the part's own bytes, counting as
        the whole would (the header's findings are the first part's)."""
        self._tokens.resume(rest, part.start, part.line, part.line_start)
        envelope.message_index = envelope.messages_in_interchange = part.messages_before
        envelope.loose_messages = part.messages_before
        self.findings.clear()
        self._tokens.findings.clear()
        self._tokens.pending.clear()

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
            # (the tokenizer's own findings come last: a split keeps them apart, so that
            # its parts' findings are put together in the order of a whole reading)
            self.envelope_findings = len(self.findings)
            self.findings.extend(self._tokens.findings)
            self._tokens.findings.clear()
            if self._close is not None:
                self._close.close()
                self._close = None

    def _run(self) -> Iterator[Message]:
        envelope = Envelope(self._tokens, self.limits, self.source, self.findings,
                            self.interchanges, self.groups)
        part, last, rest = self._part or (None, True, None)
        envelope.continues = not last
        pending = self._tokens.pending
        max_segments = self.limits.max_message_segments
        envelope_tags = ENVELOPE_TAGS
        current = envelope.current  # a local: it changes only at service segments
        for batch in self._tokens.batches():
            for seg in batch:
                if current is not None and seg.tag not in envelope_tags:
                    # The common case, kept in this loop for speed: a segment inside a
                    # message.
                    if len(current) < max_segments:
                        current.append(seg)
                        if pending:
                            envelope.note(seg, True)
                    else:
                        envelope.overflow(seg)
                    continue
                closed = envelope.service(seg)
                current = envelope.current
                if closed is not None:
                    yield closed
            if rest is not None and envelope.header is not None and part is not None:
                self._go_on(envelope, part, rest)
                rest = None
        closed = envelope.end()
        if closed is not None:
            yield closed


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
