"""EDIFACT writer: messages → interchange bytes with correct envelopes.

UNT and UNZ (and UNE) counts and references are always computed, never taken from the
caller. Every service character in data is release-escaped. Text is encoded by the syntax
identifier; a character the declared set cannot carry (or, in UNOA/UNOB, one outside the
level's repertoire) raises :class:`EncodingError` naming the message, segment and element —
it is never replaced.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import IO, NoReturn

import attrs

from edimap.edifact.syntax import (
    Delimiters,
    Segment,
    codec_for,
    escape,
    repertoire_for,
)
from edimap.findings import InputError, Location, Severity, UsageError, register

__all__ = [
    "ControlNumbers",
    "EncodingError",
    "InterchangeWriter",
    "MessageDraft",
    "serialize_segment",
    "write_interchange",
]

ENCODE = register(
    "EDI-ENCODE", Severity.ERROR,
    "A value has a character the interchange's character set cannot carry (for example "
    "'ø' in UNOA, or a Chinese character in UNOC).",
    "Write with a set that has it (UNOC for Danish letters, UNOY for anything), or change "
    "the value.", "NAD+BY+++Grøn Grossist in UNOA")


class EncodingError(InputError):
    """A value cannot be encoded in the declared character set; ``findings`` says where."""


def _segments(value: Iterable[Segment]) -> tuple[Segment, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class MessageDraft:
    """A message to write: its reference (UNH 0062), identifier (UNH S009, for instance
    ``("ORDERS", "D", "96A", "UN", "EAN008")``) and the segments between UNH and UNT."""

    reference: str
    identifier: tuple[str, ...]
    body: tuple[Segment, ...] = attrs.field(converter=_segments)


def serialize_segment(segment: Segment, delimiters: Delimiters) -> str:
    """One segment as text, escaped, without trailing empty elements and components."""
    d = delimiters
    seg = segment.normalized()
    parts = [seg.tag]
    rep = d.repetition if d.has_repetition else None
    for element in seg.elements:
        occs = [d.component.join(escape(v, d) for v in occ) for occ in element]
        if len(occs) > 1 and rep is None:
            raise UsageError(f"{seg.tag} repeats a data element, which needs syntax version 4 "
                             "(a repetition separator)")
        parts.append((rep or "").join(occs))
    return d.element.join(parts) + d.terminator


class InterchangeWriter:
    """Writes one interchange to a binary stream, message by message.

    >>> import io
    >>> out = io.BytesIO()
    >>> w = InterchangeWriter(out, sender="5790000274017", recipient="5798000000001",
    ...                       control_ref="1", prepared=dt.datetime(2026, 11, 25, 8, 30))
    >>> w.add(MessageDraft(reference="1", identifier=("ORDERS", "D", "96A", "UN", "EAN008"),
    ...                    body=[Segment.build("BGM", "220", "PO1", "9")]))
    >>> w.close()
    >>> print(out.getvalue().decode().replace("'", "'\\n"))
    UNA:+.? '
    UNB+UNOC:3+5790000274017:14+5798000000001:14+261125:0830+1'
    UNH+1+ORDERS:D:96A:UN:EAN008'
    BGM+220+PO1+9'
    UNT+3+1'
    UNZ+1+1'
    <BLANKLINE>
    """

    def __init__(
        self,
        stream: IO[bytes],
        *,
        sender: str,
        recipient: str,
        control_ref: str,
        syntax_id: str = "UNOC",
        syntax_version: int = 3,
        sender_qualifier: str = "14",
        recipient_qualifier: str = "14",
        delimiters: Delimiters | None = None,
        una: bool = True,
        prepared: dt.datetime | None = None,
        application_ref: str = "",
        priority: str = "",
        ack_request: str = "",
        agreement_id: str = "",
        test: bool = False,
        line_breaks: bool = False,
    ) -> None:
        codec = codec_for(syntax_id)
        if codec is None:
            raise UsageError(f"unknown syntax identifier {syntax_id!r}")
        if not control_ref:
            raise UsageError("an interchange control reference (UNB 0020) is required")
        self.stream = stream
        self.codec = codec
        self.syntax_id = syntax_id.upper()
        self.syntax_version = syntax_version
        self.delimiters = delimiters or Delimiters.for_syntax_version(syntax_version)
        self.control_ref = control_ref
        self.line_breaks = line_breaks
        self._repertoire = repertoire_for(self.syntax_id)
        self._messages = 0
        self._closed = False
        self._refs: set[str] = set()
        when = prepared or dt.datetime.now(dt.UTC).replace(tzinfo=None)
        date = when.strftime("%Y%m%d" if syntax_version >= 4 else "%y%m%d")
        if una:
            self._emit_raw(self.delimiters.una)
        unb = [
            [self.syntax_id, str(syntax_version)],
            [sender, sender_qualifier],
            [recipient, recipient_qualifier],
            [date, when.strftime("%H%M")],
            control_ref,
            None,
            application_ref or None,
            priority or None,
            ack_request or None,
            agreement_id or None,
            "1" if test else None,
        ]
        self._emit(Segment.build("UNB", *unb), None, 0)

    def _emit_raw(self, text: str) -> None:
        self.stream.write(text.encode("ascii"))

    def _emit(self, segment: Segment, message_ref: str | None, index: int) -> None:
        text = serialize_segment(segment, self.delimiters)
        try:
            data = text.encode(self.codec)
        except UnicodeEncodeError as exc:
            self._fail(segment, message_ref, index, text[exc.start])
        if self._repertoire is not None:
            allowed = self._repertoire | set(self.delimiters.service_characters())
            bad = next((ch for ch in text if ch not in allowed), None)
            if bad is not None:
                self._fail(segment, message_ref, index, bad)
        if self.line_breaks:
            data += b"\r\n"
        self.stream.write(data)

    def _fail(self, segment: Segment, message_ref: str | None, index: int, char: str) -> NoReturn:
        element = component = None
        for e, occs in enumerate(segment.elements, start=1):
            for occ in occs:
                for c, value in enumerate(occ, start=1):
                    if char in value and element is None:
                        element, component = e, c
        location = Location(interchange_ref=self.control_ref, message_ref=message_ref,
                            segment_index=index or None, segment_tag=segment.tag,
                            element=element, component=component)
        finding = ENCODE(f"{char!r} (U+{ord(char):04X}) cannot be written in {self.syntax_id}",
                         location)
        raise EncodingError(f"{finding.message} ({location})", [finding])

    def add(self, message: MessageDraft) -> None:
        """Write one message, with UNH and a UNT whose count and reference are computed."""
        if self._closed:
            raise UsageError("the interchange is closed")
        if not message.reference:
            raise UsageError("a message reference (UNH 0062) is required")
        if message.reference in self._refs:
            raise UsageError(f"message reference {message.reference!r} is used twice in "
                             f"interchange {self.control_ref}")
        self._refs.add(message.reference)
        ref = message.reference
        self._emit(Segment.build("UNH", ref, list(message.identifier)), ref, 1)
        for i, segment in enumerate(message.body, start=2):
            if segment.tag in ("UNH", "UNT", "UNB", "UNZ", "UNG", "UNE"):
                raise UsageError(f"{segment.tag} belongs to the envelope, not to a message body")
            self._emit(segment, ref, i)
        count = len(message.body) + 2
        self._emit(Segment.build("UNT", str(count), ref), ref, count)
        self._messages += 1

    def close(self) -> None:
        """Write UNZ with the computed message count."""
        if not self._closed:
            self._emit(Segment.build("UNZ", str(self._messages), self.control_ref), None, 0)
            self._closed = True


def write_interchange(messages: Iterable[MessageDraft], **options: object) -> bytes:
    """Write ``messages`` as one interchange and return the bytes (options as for
    :class:`InterchangeWriter`)."""
    import io

    out = io.BytesIO()
    writer = InterchangeWriter(out, **options)  # type: ignore[arg-type]
    for message in messages:
        writer.add(message)
    writer.close()
    return out.getvalue()


class ControlNumbers:
    """Persisted interchange control references per partner pair (SQLite, safe across
    processes): ``next(sender, recipient)`` gives "1", "2", … for that pair."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("CREATE TABLE IF NOT EXISTS control_numbers (sender TEXT, recipient "
                       "TEXT, kind TEXT, last INTEGER, PRIMARY KEY (sender, recipient, kind))")

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=30, isolation_level=None)

    def next(self, sender: str, recipient: str, kind: str = "interchange") -> str:
        """Allocate the next reference; never the same twice, even after a crash."""
        db = self._connect()
        try:
            db.execute("BEGIN IMMEDIATE")
            row = db.execute("SELECT last FROM control_numbers WHERE sender=? AND recipient=? "
                             "AND kind=?", (sender, recipient, kind)).fetchone()
            value = (row[0] if row else 0) + 1
            if value > 99_999_999_999_999:  # an..14
                value = 1
            db.execute("INSERT OR REPLACE INTO control_numbers VALUES (?, ?, ?, ?)",
                       (sender, recipient, kind, value))
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        finally:
            db.close()
        return str(value)

